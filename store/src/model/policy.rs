//! The knobs of the customer model: half-lives, weights, band thresholds, windows and caps.

/// How the store turns raw events into the snapshot's aggregates. Every field has a documented default
/// ([`Policy::default`]); money thresholds are in the shop's currency unit.
///
/// A half-life that is not a positive number means "no decay".
#[derive(Debug, Clone)]
pub struct Policy {
    /// Half-life of category interest, in days (default 30, the same as the edge's default ruleset, so an
    /// affinity keeps decaying at the same rate after it leaves the store).
    pub interest_half_life_days: f64,
    /// Half-life of per-channel engagement counts (sent, delivered, responses), in days (default 90).
    pub engagement_half_life_days: f64,
    /// Half-life of the hour-of-week activity counts, in days (default 60).
    pub activity_half_life_days: f64,
    /// Half-life of the order count behind the RFM frequency band, in days (default 365: roughly "orders
    /// in the last year or so").
    pub frequency_half_life_days: f64,
    /// Interest weight of a page or category view of a category (default 1).
    pub view_weight: f64,
    /// Interest weight of an add-to-cart in a category (default 3).
    pub cart_weight: f64,
    /// Interest weight of a purchase in a category (default 8).
    pub purchase_weight: f64,
    /// Decayed interest weight that maps to an affinity of 50 (default 8: one purchase today, or eight
    /// views). Affinity is `100 * w / (w + k)`: it saturates towards 100 and stays low on thin evidence.
    pub affinity_half_saturation: f64,
    /// Most categories kept per customer; the weakest is dropped beyond it (default 24).
    pub max_categories: usize,
    /// Most affinities put into a snapshot, strongest first (default 5).
    pub snapshot_affinities: usize,
    /// Net lifetime value (after returns and costs) at which bands 2..=10 start, ascending, log-spaced
    /// (default doubling from 25: 25, 50, 100, 200, 400, 800, 1600, 3200, 6400). Band 0 is no or
    /// negative value, band 1 is below the first threshold.
    pub net_value_thresholds: [f64; 9],
    /// Lowest edge of the net value grid behind the snapshot's `net_value` (default 25): a net value
    /// below it is shipped as 0.
    pub net_value_floor: f64,
    /// Ratio between neighbouring edges of the net value grid (default 1.2: steps about 20 % wide, so
    /// two customers whose net values are 20 % apart read differently; 46 steps from 25 to 100,000).
    /// Each edge is `floor * step^k` rounded to three significant digits and to a whole unit.
    pub net_value_step: f64,
    /// Average order value at which price bands 2..=5 start (default 25, 50, 100, 200).
    pub price_band_thresholds: [f64; 4],
    /// Days since the last purchase above which the RFM recency band drops from 5 to 4, 3, 2 and 1
    /// (default 30, 90, 180, 365).
    pub recency_days: [u32; 4],
    /// Decayed order count at which RFM frequency bands 2..=5 start (default 2, 4, 8, 16).
    pub frequency_thresholds: [f64; 4],
    /// Net lifetime value at which RFM monetary bands 2..=5 start (default 50, 200, 800, 3200).
    pub monetary_thresholds: [f64; 4],
    /// Beta prior of discount sensitivity: pseudo-orders bought on discount (default 1).
    pub discount_prior_discounted: f64,
    /// Beta prior of discount sensitivity: pseudo-orders bought at full price (default 3). With the
    /// defaults the prior mean is 25% and one discounted order out of one gives 40, not 100.
    pub discount_prior_full_price: f64,
    /// A first purchase at most this many days ago makes the customer `new` (default 30).
    pub new_days: u32,
    /// A last purchase at most this many days ago makes the customer `active` (default 90).
    pub active_days: u32,
    /// A last purchase at most this many days ago makes the customer `at_risk`; older is `lapsed`
    /// (default 180).
    pub at_risk_days: u32,
    /// Days without a purchase at which the derived churn risk reaches 50 (default 120); it follows
    /// `100 * (1 - 0.5^(days / this))`. Used only when no churn prediction was supplied.
    pub churn_half_risk_days: f64,
    /// Decayed responses a channel needs before its own hour-of-week histogram goes into the snapshot
    /// (default 3).
    pub min_channel_responses: f64,
    /// Most per-channel histograms put into a snapshot, the channels with the most responses first
    /// (default 2; each costs 43 bytes of snapshot).
    pub snapshot_channel_histograms: usize,
    /// Most send instants kept per channel for frequency caps (default 64; only the last 7 days are kept).
    pub max_recent_sends: usize,
    /// Days after which a late order no longer counts as a service situation, delivered or not (default 14).
    pub late_order_days: u32,
    /// Days a closed complaint, settled refund or delivered order is remembered, so that an older "opened"
    /// event arriving late cannot reopen it (default 30).
    pub closed_case_days: u32,
    /// Most cases kept per kind (complaints, refunds, late orders); beyond it the oldest closed case goes
    /// first, then the oldest open one (default 32).
    pub max_cases: usize,
    /// Most purchase order ids remembered to drop a purchase delivered twice (default 32).
    pub max_recent_orders: usize,
    /// How far ahead, in days, the snapshot's zone schedule announces the next UTC offset change
    /// (default 30; should cover the longest snapshot lifetime).
    pub zone_horizon_days: u32,
    /// Days an event's or feedback's `id` is remembered per customer, so that a retried delivery within
    /// them is applied once (default 7).
    pub dedupe_window_days: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            interest_half_life_days: 30.0,
            engagement_half_life_days: 90.0,
            activity_half_life_days: 60.0,
            frequency_half_life_days: 365.0,
            view_weight: 1.0,
            cart_weight: 3.0,
            purchase_weight: 8.0,
            affinity_half_saturation: 8.0,
            max_categories: 24,
            snapshot_affinities: 5,
            net_value_thresholds: [
                25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0, 6400.0,
            ],
            net_value_floor: 25.0,
            net_value_step: 1.2,
            price_band_thresholds: [25.0, 50.0, 100.0, 200.0],
            recency_days: [30, 90, 180, 365],
            frequency_thresholds: [2.0, 4.0, 8.0, 16.0],
            monetary_thresholds: [50.0, 200.0, 800.0, 3200.0],
            discount_prior_discounted: 1.0,
            discount_prior_full_price: 3.0,
            new_days: 30,
            active_days: 90,
            at_risk_days: 180,
            churn_half_risk_days: 120.0,
            min_channel_responses: 3.0,
            snapshot_channel_histograms: 2,
            max_recent_sends: 64,
            late_order_days: 14,
            closed_case_days: 30,
            max_cases: 32,
            max_recent_orders: 32,
            zone_horizon_days: 30,
            dedupe_window_days: 7,
        }
    }
}
