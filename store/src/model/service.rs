//! Service situations: open complaints, pending refunds and late orders, as small sets of case ids.
//! Opening takes effect at once (service before selling); closing removes; the latest event per case wins,
//! so a late-arriving "opened" cannot reopen a case that was closed after it.

use super::decay::SECONDS_PER_DAY;
use super::policy::Policy;
use persona_edge::profile::ServiceState;
use serde::{Deserialize, Serialize};

/// The kinds of service case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaseKind {
    /// A complaint (opened, closed).
    Complaint,
    /// A refund (requested, settled).
    Refund,
    /// A late order (late, delivered); a late order also stops counting after a while.
    LateOrder,
}

/// The latest known state of one case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Case {
    id: String,
    /// Instant of the event that set `open`.
    at: u64,
    open: bool,
}

/// Cases of one kind, at most [`Policy::max_cases`].
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
struct Cases(Vec<Case>);

impl Cases {
    /// Adds another customer's cases (the later state of a case both know wins).
    fn absorb(&mut self, other: &Cases, cap: usize) {
        for case in &other.0 {
            self.record(&case.id, case.at, case.open, cap);
        }
    }

    fn record(&mut self, id: &str, at: u64, open: bool, cap: usize) {
        if let Some(case) = self.0.iter_mut().find(|c| c.id == id) {
            // The later event wins; at the same instant, closing wins.
            if at > case.at || (at == case.at && !open) {
                case.at = at;
                case.open = open;
            }
            return;
        }
        self.0.push(Case {
            id: id.to_owned(),
            at,
            open,
        });
        while self.0.len() > cap {
            // The oldest closed case goes first, then the oldest open one.
            let oldest = |want_open: bool| {
                self.0
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.open == want_open)
                    .min_by_key(|(_, c)| c.at)
                    .map(|(i, _)| i)
            };
            match oldest(false).or_else(|| oldest(true)) {
                Some(index) => {
                    self.0.remove(index);
                }
                None => break,
            }
        }
    }

    /// Whether a case is open at `now` (open cases older than `open_for` no longer count).
    fn counts_open(case: &Case, now: u64, open_for: Option<u64>) -> bool {
        case.open && open_for.is_none_or(|secs| case.at.saturating_add(secs) > now)
    }

    fn any_open(&self, now: u64, open_for: Option<u64>) -> bool {
        self.0.iter().any(|c| Cases::counts_open(c, now, open_for))
    }

    /// Drops closed cases older than `closed_for` and open ones that no longer count.
    fn expire(&mut self, now: u64, closed_for: u64, open_for: Option<u64>) {
        self.0.retain(|c| {
            if c.open {
                Cases::counts_open(c, now, open_for)
            } else {
                c.at.saturating_add(closed_for) > now
            }
        });
    }
}

/// All service cases of a customer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Service {
    complaints: Cases,
    refunds: Cases,
    late_orders: Cases,
}

fn days(n: u32) -> u64 {
    u64::from(n) * SECONDS_PER_DAY
}

impl Service {
    /// Adds another customer's service situations (a linked identifier's).
    pub(crate) fn absorb(&mut self, other: &Service, policy: &Policy) {
        self.complaints.absorb(&other.complaints, policy.max_cases);
        self.refunds.absorb(&other.refunds, policy.max_cases);
        self.late_orders
            .absorb(&other.late_orders, policy.max_cases);
    }

    fn cases(&mut self, kind: CaseKind) -> &mut Cases {
        match kind {
            CaseKind::Complaint => &mut self.complaints,
            CaseKind::Refund => &mut self.refunds,
            CaseKind::LateOrder => &mut self.late_orders,
        }
    }

    /// Records that case `id` of `kind` was opened (`open`) or closed at `at`.
    pub(crate) fn record(
        &mut self,
        kind: CaseKind,
        id: &str,
        at: u64,
        open: bool,
        policy: &Policy,
    ) {
        self.cases(kind).record(id, at, open, policy.max_cases);
    }

    /// Forgets what no longer matters at `now`.
    pub(crate) fn expire(&mut self, now: u64, policy: &Policy) {
        let closed_for = days(policy.closed_case_days);
        self.complaints.expire(now, closed_for, None);
        self.refunds.expire(now, closed_for, None);
        self.late_orders
            .expire(now, closed_for, Some(days(policy.late_order_days)));
    }

    /// The service flags at `now`.
    pub(crate) fn state(&self, now: u64, policy: &Policy) -> ServiceState {
        ServiceState {
            open_complaint: self.complaints.any_open(now, None),
            pending_refund: self.refunds.any_open(now, None),
            late_order: self
                .late_orders
                .any_open(now, Some(days(policy.late_order_days))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn opening_flags_and_closing_clears() {
        let policy = Policy::default();
        let mut s = Service::default();
        s.record(CaseKind::Complaint, "case-1", NOW - 60, true, &policy);
        assert!(s.state(NOW, &policy).open_complaint);
        s.record(CaseKind::Complaint, "case-2", NOW - 30, true, &policy);
        s.record(CaseKind::Complaint, "case-1", NOW, false, &policy);
        assert!(s.state(NOW, &policy).open_complaint, "case-2 is still open");
        s.record(CaseKind::Complaint, "case-2", NOW, false, &policy);
        assert_eq!(s.state(NOW, &policy), ServiceState::default());
    }

    #[test]
    fn a_late_open_event_cannot_reopen_a_closed_case() {
        let policy = Policy::default();
        let mut s = Service::default();
        s.record(CaseKind::Refund, "r1", NOW, false, &policy);
        s.record(CaseKind::Refund, "r1", NOW - 3600, true, &policy);
        assert!(!s.state(NOW, &policy).pending_refund);
        // Reopened later: open again.
        s.record(CaseKind::Refund, "r1", NOW + 60, true, &policy);
        assert!(s.state(NOW, &policy).pending_refund);
    }

    #[test]
    fn late_orders_expire() {
        let policy = Policy::default();
        let mut s = Service::default();
        s.record(CaseKind::LateOrder, "o1", NOW, true, &policy);
        assert!(s.state(NOW, &policy).late_order);
        let later = NOW + days(policy.late_order_days);
        assert!(!s.state(later, &policy).late_order);
        s.expire(later, &policy);
        assert!(s.late_orders.0.is_empty());
    }

    #[test]
    fn bounded_and_open_cases_outlive_closed_ones() {
        let policy = Policy::default();
        let mut s = Service::default();
        s.record(
            CaseKind::Complaint,
            "open-oldest",
            NOW - 10_000,
            true,
            &policy,
        );
        for i in 0..100 {
            s.record(
                CaseKind::Complaint,
                &format!("c{i}"),
                NOW - 5000 + i,
                false,
                &policy,
            );
        }
        assert_eq!(s.complaints.0.len(), policy.max_cases);
        assert!(s.state(NOW, &policy).open_complaint);
        // Closed cases are forgotten after the window; open complaints stay.
        s.expire(NOW + days(policy.closed_case_days), &policy);
        assert_eq!(s.complaints.0.len(), 1);
    }
}
