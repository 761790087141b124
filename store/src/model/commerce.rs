//! Commerce aggregates and the attributes constructed from them: net value after returns and costs,
//! return rate, discount sensitivity (smoothed with a Beta prior), price band, RFM bands, the derived
//! lifecycle stage and churn risk.

use super::decay::Decayed;
use super::policy::Policy;
use persona_edge::profile::{LifecycleStage, RfmBands};
use serde::{Deserialize, Serialize};

/// A money amount in thousandths of the currency unit: sums stay exact and survive JSON unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct Amount(u64);

impl Amount {
    /// The amount for a value in currency units (negative, NaN or infinite count as 0).
    fn of(value: f64) -> Amount {
        if value.is_finite() && value > 0.0 {
            // `as` saturates at u64::MAX.
            Amount((value * 1000.0).round() as u64)
        } else {
            Amount(0)
        }
    }

    fn add(&mut self, other: Amount) {
        self.0 = self.0.saturating_add(other.0);
    }

    fn units(self) -> f64 {
        self.0 as f64 / 1000.0
    }
}

/// One purchase as the commerce aggregates see it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Order<'a> {
    /// The order id (a purchase already counted under it is not counted again).
    pub(crate) id: &'a str,
    /// Gross value.
    pub(crate) value: f64,
    /// Cost of the goods, when known.
    pub(crate) cost: Option<f64>,
    /// Items in the order.
    pub(crate) items: u32,
    /// Bought with a discount.
    pub(crate) discounted: bool,
}

/// Lifetime commerce totals of one customer (all time, not decayed), the days of the first and last
/// purchase, a decayed order count for RFM frequency and the last few order ids.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Commerce {
    orders: u32,
    items: u64,
    gross: Amount,
    cost: Amount,
    returned: Amount,
    returned_items: u64,
    discounted_orders: u32,
    first_purchase_day: Option<u32>,
    last_purchase_day: Option<u32>,
    /// Orders, decayed with [`Policy::frequency_half_life_days`].
    recent_order_rate: Decayed,
    /// The most recent purchase order ids, oldest first, to drop a purchase delivered twice.
    recent_order_ids: Vec<String>,
}

/// The earlier of two optional days.
fn min_day(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// `1 + ` the number of `thresholds` that `value` reaches.
fn band(value: f64, thresholds: &[f64]) -> u8 {
    let reached = thresholds.iter().filter(|t| value >= **t).count();
    u8::try_from(reached).map_or(u8::MAX, |r| r.saturating_add(1))
}

/// Edge `k` of the geometric grid `floor * step^k`, rounded to three significant digits and then to a
/// whole unit (so the grid reads 25, 30, 36, 43, 52, 62, 75, 90, 107, 129, 155, ... by default).
fn grid_edge_at(floor: f64, step: f64, k: i32) -> f64 {
    let exact = floor * step.powi(k);
    let unit = 10_f64.powi(exact.log10().floor() as i32 - 2);
    ((exact / unit).round() * unit).round()
}

/// The largest edge of the grid of [`grid_edge_at`] not above `value`, saturating at `u32::MAX`; 0 below
/// the floor, and for a grid that is not one (a floor that is not positive, a step not above 1).
fn grid_edge(value: f64, floor: f64, step: f64) -> u32 {
    if !(floor > 0.0 && step > 1.0 && value >= floor) {
        return 0;
    }
    // The exact grid's index, then corrected for the rounding of the edges around it.
    let mut k = ((value / floor).ln() / step.ln())
        .floor()
        .min(f64::from(i32::MAX - 1)) as i32;
    while k > 0 && grid_edge_at(floor, step, k) > value {
        k -= 1;
    }
    while grid_edge_at(floor, step, k + 1) <= value {
        k += 1;
    }
    grid_edge_at(floor, step, k).min(f64::from(u32::MAX)) as u32
}

/// `round(100 * part / whole)`, capped at 100; 0 when `whole` is not positive.
fn percent(part: f64, whole: f64) -> u8 {
    if whole > 0.0 {
        (100.0 * part / whole).round().clamp(0.0, 100.0) as u8
    } else {
        0
    }
}

impl Commerce {
    /// Adds another customer's purchases and returns (a linked identifier's). Each event is folded into
    /// the state of the identifier it came with, so the two hold different orders.
    pub(crate) fn absorb(&mut self, other: &Commerce, policy: &Policy) {
        self.orders = self.orders.saturating_add(other.orders);
        self.items = self.items.saturating_add(other.items);
        self.gross.add(other.gross);
        self.cost.add(other.cost);
        self.returned.add(other.returned);
        self.returned_items = self.returned_items.saturating_add(other.returned_items);
        self.discounted_orders = self
            .discounted_orders
            .saturating_add(other.discounted_orders);
        self.first_purchase_day = min_day(self.first_purchase_day, other.first_purchase_day);
        self.last_purchase_day = self.last_purchase_day.max(other.last_purchase_day);
        self.recent_order_rate
            .absorb(&other.recent_order_rate, policy.frequency_half_life_days);
        for id in &other.recent_order_ids {
            if !self.recent_order_ids.contains(id) {
                self.recent_order_ids.push(id.clone());
            }
        }
        let excess = self
            .recent_order_ids
            .len()
            .saturating_sub(policy.max_recent_orders);
        self.recent_order_ids.drain(..excess);
    }

    /// Counts a purchase made on `day`; returns false (and counts nothing) for an order id already counted.
    pub(crate) fn purchase(&mut self, order: &Order<'_>, day: u32, policy: &Policy) -> bool {
        if self.recent_order_ids.iter().any(|id| id == order.id) {
            return false;
        }
        self.recent_order_ids.push(order.id.to_owned());
        let excess = self
            .recent_order_ids
            .len()
            .saturating_sub(policy.max_recent_orders);
        self.recent_order_ids.drain(..excess);

        self.orders = self.orders.saturating_add(1);
        self.items = self.items.saturating_add(u64::from(order.items));
        self.gross.add(Amount::of(order.value));
        self.cost.add(Amount::of(order.cost.unwrap_or(0.0)));
        if order.discounted {
            self.discounted_orders = self.discounted_orders.saturating_add(1);
        }
        self.first_purchase_day = Some(self.first_purchase_day.map_or(day, |d| d.min(day)));
        self.last_purchase_day = Some(self.last_purchase_day.map_or(day, |d| d.max(day)));
        self.recent_order_rate
            .add(1.0, day, policy.frequency_half_life_days);
        true
    }

    /// Counts a return of `items` items worth `value`.
    pub(crate) fn return_items(&mut self, value: f64, items: u32) {
        self.returned.add(Amount::of(value));
        self.returned_items = self.returned_items.saturating_add(u64::from(items));
    }

    /// Whether the customer ever bought.
    pub(crate) fn has_purchases(&self) -> bool {
        self.orders > 0
    }

    /// Lifetime value net of returns and costs: gross minus returned value minus the cost of the goods
    /// kept (returned goods come back, so their cost is not lost: cost counts by the share of items kept).
    pub(crate) fn net_value(&self) -> f64 {
        let kept_share = if self.items > 0 {
            (1.0 - self.returned_items as f64 / self.items as f64).clamp(0.0, 1.0)
        } else {
            1.0
        };
        self.gross.units() - self.returned.units() - self.cost.units() * kept_share
    }

    /// Net value band: 0 for none or negative, else 1..=10 by [`Policy::net_value_thresholds`].
    pub(crate) fn net_value_band(&self, policy: &Policy) -> u8 {
        let net = self.net_value();
        if net > 0.0 {
            band(net, &policy.net_value_thresholds)
        } else {
            0
        }
    }

    /// Net value generalized to the grid of [`Policy::net_value_floor`] and [`Policy::net_value_step`]:
    /// the grid's largest edge not above it, 0 below the floor (none, negative or tiny).
    pub(crate) fn net_value_generalized(&self, policy: &Policy) -> u32 {
        grid_edge(
            self.net_value(),
            policy.net_value_floor,
            policy.net_value_step,
        )
    }

    /// Percent of purchased items returned, 0..=100.
    pub(crate) fn return_rate(&self) -> u8 {
        percent(self.returned_items as f64, self.items as f64)
    }

    /// Share of orders bought on discount, smoothed toward the Beta prior of the policy; 0 without orders.
    pub(crate) fn discount_sensitivity(&self, policy: &Policy) -> u8 {
        if !self.has_purchases() {
            return 0;
        }
        let prior_yes = policy.discount_prior_discounted.max(0.0);
        let prior_no = policy.discount_prior_full_price.max(0.0);
        percent(
            f64::from(self.discounted_orders) + prior_yes,
            f64::from(self.orders) + prior_yes + prior_no,
        )
    }

    /// Price band 1..=5 from the average order value; 0 without orders.
    pub(crate) fn price_band(&self, policy: &Policy) -> u8 {
        if !self.has_purchases() {
            return 0;
        }
        band(
            self.gross.units() / f64::from(self.orders),
            &policy.price_band_thresholds,
        )
    }

    /// Days from the last purchase to `today` (0 for a purchase dated ahead), `None` without purchases.
    fn days_since_last(&self, today: u32) -> Option<u32> {
        self.last_purchase_day.map(|d| today.saturating_sub(d))
    }

    /// Recency, frequency and monetary bands, each 1..=5; all 0 without purchases.
    pub(crate) fn rfm(&self, policy: &Policy, today: u32) -> RfmBands {
        let Some(days) = self.days_since_last(today).filter(|_| self.has_purchases()) else {
            return RfmBands::default();
        };
        let older_than = policy.recency_days.iter().filter(|t| days > **t).count();
        RfmBands {
            recency: 5_u8.saturating_sub(u8::try_from(older_than).unwrap_or(u8::MAX)),
            frequency: band(
                self.recent_order_rate
                    .at(today, policy.frequency_half_life_days),
                &policy.frequency_thresholds,
            ),
            monetary: band(self.net_value(), &policy.monetary_thresholds),
        }
    }

    /// The lifecycle stage purchases imply: prospect, new, active, at risk or lapsed.
    pub(crate) fn lifecycle(&self, policy: &Policy, today: u32) -> LifecycleStage {
        let (Some(first), Some(last)) = (self.first_purchase_day, self.days_since_last(today))
        else {
            return LifecycleStage::Prospect;
        };
        if today.saturating_sub(first) <= policy.new_days {
            LifecycleStage::New
        } else if last <= policy.active_days {
            LifecycleStage::Active
        } else if last <= policy.at_risk_days {
            LifecycleStage::AtRisk
        } else {
            LifecycleStage::Lapsed
        }
    }

    /// Churn risk from recency alone, `100 * (1 - 0.5^(days / churn_half_risk_days))`; 0 without purchases.
    pub(crate) fn churn_risk(&self, policy: &Policy, today: u32) -> u8 {
        let Some(days) = self.days_since_last(today) else {
            return 0;
        };
        let half = policy.churn_half_risk_days;
        let risk = if half > 0.0 {
            100.0 * (1.0 - 0.5_f64.powf(f64::from(days) / half))
        } else {
            100.0
        };
        risk.round().clamp(0.0, 100.0) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: u32 = 20_000;

    fn order(id: &str, value: f64, cost: Option<f64>, items: u32, discounted: bool) -> Order<'_> {
        Order {
            id,
            value,
            cost,
            items,
            discounted,
        }
    }

    #[test]
    fn net_value_after_returns_and_costs() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        assert!(c.purchase(&order("o1", 200.0, Some(120.0), 2, false), DAY, &policy));
        assert!(c.purchase(&order("o2", 100.0, Some(40.0), 1, false), DAY, &policy));
        assert_eq!(c.net_value(), 140.0);
        // One of three items (worth 100) comes back: its cost share comes back with it.
        c.return_items(100.0, 1);
        assert!((c.net_value() - (300.0 - 100.0 - 160.0 * 2.0 / 3.0)).abs() < 1e-9);
        assert_eq!(c.net_value_band(&policy), 3, "93.33 is in [50, 100)");
        // Gross revenue alone would have put the customer three bands higher.
        assert_eq!(band(300.0, &policy.net_value_thresholds), 5);
    }

    #[test]
    fn returning_everything_leaves_no_value() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        c.purchase(&order("o1", 80.0, Some(50.0), 1, false), DAY, &policy);
        c.return_items(80.0, 1);
        assert_eq!(c.net_value(), 0.0);
        assert_eq!(c.net_value_band(&policy), 0);
        assert_eq!(c.return_rate(), 100);
    }

    #[test]
    fn net_value_bands_are_log_spaced() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        assert_eq!(c.net_value_band(&policy), 0);
        c.purchase(&order("o1", 10.0, None, 1, false), DAY, &policy);
        assert_eq!(c.net_value_band(&policy), 1);
        c.purchase(&order("o2", 7000.0, None, 1, false), DAY, &policy);
        assert_eq!(c.net_value_band(&policy), 10);
    }

    #[test]
    fn net_value_tells_a_returner_from_a_steady_buyer() {
        // Bought 5,000 and sent 60 % back (net 2,000) against bought 2,500 and kept it all (net 2,500):
        // the doubling band cannot tell them apart, the generalized net value can, in the right order.
        let policy = Policy::default();
        let mut returner = Commerce::default();
        returner.purchase(&order("o1", 5000.0, None, 10, false), DAY, &policy);
        returner.return_items(3000.0, 6);
        let mut steady = Commerce::default();
        steady.purchase(&order("o1", 2500.0, None, 5, false), DAY, &policy);
        assert_eq!(returner.net_value(), 2000.0);
        assert_eq!(
            returner.net_value_band(&policy),
            steady.net_value_band(&policy)
        );
        let (a, b) = (
            returner.net_value_generalized(&policy),
            steady.net_value_generalized(&policy),
        );
        assert!(a < b, "{a} < {b}");
        assert!(a <= 2000 && b <= 2500, "an edge never exceeds the value");
    }

    #[test]
    fn net_value_grid_separates_values_a_fifth_apart_and_stays_generalized() {
        let policy = Policy::default();
        let grid = |v: f64| grid_edge(v, policy.net_value_floor, policy.net_value_step);
        let mut edges = std::collections::BTreeSet::new();
        let mut v = policy.net_value_floor;
        while v < 1e7 {
            let edge = grid(v);
            assert!(f64::from(edge) <= v && edge >= 25, "{v} -> {edge}");
            assert!(
                grid(v * 1.21) > edge,
                "{v} and {} share the edge {edge}",
                v * 1.21
            );
            // Three significant digits at most: no exact amounts.
            let digits = edge.to_string().trim_end_matches('0').len();
            assert!(digits <= 3, "{edge} has {digits} significant digits");
            edges.insert(edge);
            v *= 1.003;
        }
        assert_eq!(
            edges.iter().take(8).copied().collect::<Vec<_>>(),
            [25, 30, 36, 43, 52, 62, 75, 90]
        );
        assert_eq!(edges.range(25..=100_000).count(), 46);
        // Below the floor, none and negative: 0; huge values saturate; a broken grid gives 0.
        for v in [24.99, 0.0, -500.0, f64::NAN] {
            assert_eq!(grid(v), 0, "{v}");
        }
        assert_eq!(grid(1e30), u32::MAX);
        assert_eq!(grid_edge(500.0, 25.0, 1.0), 0);
        assert_eq!(grid_edge(500.0, 0.0, 1.2), 0);
    }

    #[test]
    fn return_rate_is_a_share_of_items() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        assert_eq!(c.return_rate(), 0);
        c.purchase(&order("o1", 100.0, None, 8, false), DAY, &policy);
        c.return_items(25.0, 2);
        assert_eq!(c.return_rate(), 25);
        // A return that arrives before its purchase cannot push the rate past 100.
        c.return_items(25.0, 20);
        assert_eq!(c.return_rate(), 100);
    }

    #[test]
    fn discount_sensitivity_is_smoothed_toward_the_prior() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        assert_eq!(c.discount_sensitivity(&policy), 0, "no orders, no claim");
        c.purchase(&order("o1", 30.0, None, 1, true), DAY, &policy);
        assert_eq!(c.discount_sensitivity(&policy), 40, "one of one is not 100");
        for i in 2..=20 {
            c.purchase(&order(&format!("o{i}"), 30.0, None, 1, true), DAY, &policy);
        }
        // 21 of 24 pseudo-orders: the evidence now dominates the prior.
        assert_eq!(c.discount_sensitivity(&policy), 88);
    }

    #[test]
    fn a_purchase_delivered_twice_counts_once() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        assert!(c.purchase(&order("o1", 30.0, None, 1, false), DAY, &policy));
        assert!(!c.purchase(&order("o1", 30.0, None, 1, false), DAY, &policy));
        assert_eq!(c.orders, 1);
        for i in 0..100 {
            c.purchase(&order(&format!("x{i}"), 1.0, None, 1, false), DAY, &policy);
        }
        assert_eq!(c.recent_order_ids.len(), policy.max_recent_orders);
    }

    #[test]
    fn price_band_from_average_order_value() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        assert_eq!(c.price_band(&policy), 0);
        c.purchase(&order("o1", 20.0, None, 1, false), DAY, &policy);
        assert_eq!(c.price_band(&policy), 1);
        c.purchase(&order("o2", 180.0, None, 1, false), DAY, &policy);
        assert_eq!(c.price_band(&policy), 4, "average 100");
    }

    #[test]
    fn lifecycle_rfm_and_churn_follow_recency() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        assert_eq!(c.lifecycle(&policy, DAY), LifecycleStage::Prospect);
        assert_eq!(c.rfm(&policy, DAY), RfmBands::default());
        assert_eq!(c.churn_risk(&policy, DAY), 0);
        c.purchase(&order("o1", 60.0, None, 1, false), DAY, &policy);
        assert_eq!(c.lifecycle(&policy, DAY + 10), LifecycleStage::New);
        assert_eq!(c.lifecycle(&policy, DAY + 60), LifecycleStage::Active);
        assert_eq!(c.lifecycle(&policy, DAY + 150), LifecycleStage::AtRisk);
        assert_eq!(c.lifecycle(&policy, DAY + 400), LifecycleStage::Lapsed);
        assert_eq!(c.rfm(&policy, DAY + 10).recency, 5);
        assert_eq!(c.rfm(&policy, DAY + 400).recency, 1);
        assert_eq!(c.rfm(&policy, DAY).frequency, 1);
        assert_eq!(c.rfm(&policy, DAY).monetary, 2);
        assert_eq!(c.churn_risk(&policy, DAY), 0);
        assert_eq!(c.churn_risk(&policy, DAY + 120), 50);
        assert!(c.churn_risk(&policy, DAY + 400) > 85);
    }

    #[test]
    fn late_purchases_move_first_and_last_days_correctly() {
        let policy = Policy::default();
        let mut c = Commerce::default();
        c.purchase(&order("b", 10.0, None, 1, false), DAY, &policy);
        c.purchase(&order("a", 10.0, None, 1, false), DAY - 700, &policy);
        assert_eq!(c.first_purchase_day, Some(DAY - 700));
        assert_eq!(c.last_purchase_day, Some(DAY));
        assert_eq!(c.lifecycle(&policy, DAY + 1), LifecycleStage::Active);
    }

    #[test]
    fn amounts_ignore_garbage() {
        assert_eq!(Amount::of(-5.0), Amount(0));
        assert_eq!(Amount::of(f64::NAN), Amount(0));
        assert_eq!(Amount::of(19.999), Amount(19_999));
        assert_eq!(Amount::of(f64::MAX), Amount(u64::MAX));
    }
}
