//! Folding events and feedback into the stored aggregates. Every fold first forgets what has expired
//! (sends older than a week, old late orders, old closed cases), so the state stays small.
//!
//! Purposes bind what is kept: with `personalization` denied no inferred behaviour is kept (category
//! interest, activity by hour, engagement counts); with `analytics` denied feedback keeps only what
//! frequency caps need (the send instants). Commerce, service situations and sends are kept either way:
//! they are the service the customer gets (no promotion during a complaint, caps on messages).

use super::commerce::Order;
use super::decay::day_of;
use super::engagement::Signal;
use super::event::{Event, EventKind};
use super::feedback::{Feedback, FeedbackKind};
use super::policy::Policy;
use super::service::CaseKind;
use super::state::ProfileState;
use super::zone;
use persona_edge::channel::Channel;
use persona_edge::profile::{ConsentState, Purpose};

impl ProfileState {
    /// Folds a validated event (see [`Event::validate`]) into the aggregates, at server time `now`.
    /// Events may arrive late or out of order: each counts with its own age. The caller routes events to
    /// the state of their subject.
    pub fn apply_event(&mut self, event: &Event, policy: &Policy, now: u64) {
        self.expire(policy, now);
        let at = event.at;
        match &event.kind {
            EventKind::PageView { category, .. } => {
                self.browse(category.as_deref(), policy.view_weight, at, policy);
            }
            EventKind::CategoryView { category } => {
                self.browse(Some(category), policy.view_weight, at, policy);
            }
            EventKind::AddToCart { category, .. } => {
                self.browse(category.as_deref(), policy.cart_weight, at, policy);
            }
            EventKind::Purchase {
                order_id,
                value,
                cost,
                items,
                category,
                discounted,
            } => {
                let order = Order {
                    id: order_id,
                    value: *value,
                    cost: *cost,
                    items: *items,
                    discounted: *discounted,
                };
                if self.commerce.purchase(&order, day_of(at), policy) {
                    self.browse(category.as_deref(), policy.purchase_weight, at, policy);
                }
            }
            EventKind::Return { value, items, .. } => self.commerce.return_items(*value, *items),
            EventKind::MessageSent { channel } => {
                self.signal(*channel, Signal::Sent, at, policy, now)
            }
            EventKind::MessageDelivered { channel } => {
                self.signal(*channel, Signal::Delivered, at, policy, now);
            }
            EventKind::MessageOpened { channel } => {
                self.signal(*channel, Signal::Opened, at, policy, now);
            }
            EventKind::MessageClicked { channel } => {
                self.signal(*channel, Signal::Clicked, at, policy, now);
            }
            EventKind::ComplaintOpened { case_id } => {
                self.service
                    .record(CaseKind::Complaint, case_id, at, true, policy);
            }
            EventKind::ComplaintClosed { case_id } => {
                self.service
                    .record(CaseKind::Complaint, case_id, at, false, policy);
            }
            EventKind::RefundRequested { case_id } => {
                self.service
                    .record(CaseKind::Refund, case_id, at, true, policy);
            }
            EventKind::RefundSettled { case_id } => {
                self.service
                    .record(CaseKind::Refund, case_id, at, false, policy);
            }
            EventKind::OrderLate { order_id } => {
                self.service
                    .record(CaseKind::LateOrder, order_id, at, true, policy);
            }
            EventKind::OrderDelivered { order_id } => {
                self.service
                    .record(CaseKind::LateOrder, order_id, at, false, policy);
            }
        }
    }

    /// Folds validated feedback (see [`Feedback::validate`]) into engagement, recent sends and
    /// per-channel activity, at server time `now`. Slot, variant and segments are not kept.
    pub fn apply_feedback(&mut self, feedback: &Feedback, policy: &Policy, now: u64) {
        self.expire(policy, now);
        let signal = match feedback.kind {
            FeedbackKind::Shown => Signal::Sent,
            FeedbackKind::Delivered => Signal::Delivered,
            FeedbackKind::Opened => Signal::Opened,
            FeedbackKind::Clicked => Signal::Clicked,
            FeedbackKind::Converted => Signal::Converted,
            FeedbackKind::Ignored => return,
        };
        if self.denied(Purpose::Analytics) {
            if signal == Signal::Sent {
                let channel = feedback.channel();
                self.sends
                    .record(channel, feedback.at, now, policy.max_recent_sends);
            }
            return;
        }
        self.signal(feedback.channel(), signal, feedback.at, policy, now);
    }

    /// Forgets what no longer matters at `now`.
    fn expire(&mut self, policy: &Policy, now: u64) {
        self.sends.expire(now);
        self.service.expire(now, policy);
    }

    /// The customer's local hour of the week at `at`, in their current time zone (UTC when unknown).
    fn local_hour(&self, at: u64) -> u8 {
        let zone = zone::lookup(self.traits.time_zone.as_deref());
        zone::hour_of_week(zone.as_ref(), at)
    }

    /// Whether the customer declined `purpose`.
    pub(crate) fn denied(&self, purpose: Purpose) -> bool {
        self.consent.purpose(purpose) == ConsentState::Denied
    }

    /// Forgets the inferred behaviour (after `personalization` was denied).
    pub(crate) fn forget_inferred(&mut self) {
        self.interest = Default::default();
        self.activity = Default::default();
        self.engagement = Default::default();
    }

    /// Browsing or buying at `at`: interest in the category (if any) and overall activity.
    fn browse(&mut self, category: Option<&str>, weight: f64, at: u64, policy: &Policy) {
        if self.denied(Purpose::Personalization) {
            return;
        }
        let day = day_of(at);
        if let Some(category) = category {
            self.interest.add(category, weight, day, policy);
        }
        let hour = self.local_hour(at);
        self.activity.visit(hour, day, policy);
    }

    /// A message signal on `channel` at `at`: engagement, plus a recent send or response activity.
    fn signal(&mut self, channel: Channel, signal: Signal, at: u64, policy: &Policy, now: u64) {
        if signal == Signal::Sent {
            self.sends.record(channel, at, now, policy.max_recent_sends);
        }
        if self.denied(Purpose::Personalization) {
            return;
        }
        let day = day_of(at);
        self.engagement
            .record(channel, signal, day, policy.engagement_half_life_days);
        if signal.is_response() {
            let hour = self.local_hour(at);
            self.activity.respond(channel, hour, day, policy);
        }
    }
}
