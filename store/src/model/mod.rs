//! The central store's customer model: what it keeps per customer (aggregates, not raw events), how
//! ingested events, profile updates and feedback fold into it, and how it is minimized into the core's
//! snapshot [`persona_edge::profile::Profile`].
//!
//! # What is kept, and for how long
//!
//! A [`ProfileState`] holds aggregates only: no event log, no raw PII, bounded in size.
//!
//! - **Traits, stated preferences, supplied predictions**: until changed or cleared by an update. The
//!   locale is generalized to language-region, the country to an ISO code, the zone to its IANA name.
//! - **Consent** per channel and purpose: state and the day (not the instant) it was recorded, until changed.
//!   Each change is also kept as evidence (instant, source) in the store's `consent_changes` table, until
//!   the customer is erased.
//! - **Category interest**: a decayed score per category (half-life 30 days), at most 24 categories; a
//!   category fades out of the state after about ten months without activity.
//! - **Commerce**: lifetime totals (orders, items, gross value, cost, returns, discounted orders), the days
//!   of the first and last purchase, a decayed order count (half-life 365 days) and the last 32 order ids
//!   (to count a purchase delivered twice once).
//! - **Engagement** per channel: decayed sent/delivered/opened/clicked/converted counts (half-life 90 days).
//! - **Recent sends**: send instants of the last 7 days only, at most 64 per channel.
//! - **Activity**: decayed counts per local hour of week (half-life 60 days), overall and per channel.
//! - **Service**: open complaint, refund and late-order ids, at most 32 each; closed ones for 30 days (so
//!   a late "opened" cannot reopen them), late orders for 14 days.
//!
//! Decay is lazy (each value is stored with its reference day), so events count the same whatever order
//! they arrive in. [`Policy`] holds every half-life, weight, threshold, window and cap.
//! [`ProfileState::to_profile`] turns the state into the snapshot profile as of a moment: bands, scores,
//! counts and days only.

mod activity;
mod check;
mod commerce;
mod consent;
mod decay;
mod engagement;
mod error;
mod event;
mod feedback;
mod fold;
pub mod identifying;
mod interest;
mod locale;
mod merge;
mod minimize;
mod policy;
mod sends;
mod service;
mod state;
mod update;
mod zone;

pub use consent::{ConsentChange, ConsentRecord, ConsentSource, ConsentTarget};
pub use error::ModelError;
pub use event::{Event, EventBatch, EventKind};
pub use feedback::{Feedback, FeedbackBatch, FeedbackKind, MAX_FEEDBACK_SEGMENTS};
pub use identifying::IdentifyingKind;
pub use policy::Policy;
pub use state::ProfileState;
pub use update::{
    Change, ConsentUpdate, PredictionsUpdate, PreferencesUpdate, ProfileUpdate, PurposeStates,
    TraitsUpdate, MAX_INTERESTS,
};

#[cfg(test)]
mod tests;
