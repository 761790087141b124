//! The request context: everything about "now" that the caller knows and the profile doesn't.

use crate::prelude::*;

use crate::channel::PerChannel;
use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// State of the site's consent banner for this visitor.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub enum ConsentBanner {
        /// The banner has not been answered.
        #[default]
        Unanswered => "unanswered",
        /// All accepted.
        Accepted => "accepted",
        /// All rejected.
        Rejected => "rejected",
        /// Some purposes accepted.
        Partial => "partial",
    }
}

vocabulary! {
    /// Whether the message to send is a promotion or a service message.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
    pub enum MessagePurpose {
        /// Selling: suppressed during service situations and for churned customers.
        #[default]
        Promotional => "promotional",
        /// Service: order updates, refunds, complaint follow-up.
        Service => "service",
    }
}

/// The request context of one decision. Time comes in here: `decide` never reads a clock.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DecisionContext {
    /// Current time, Unix seconds.
    pub now: u64,
    /// Country of the request (e.g. from the CDN's geo lookup).
    #[serde(default)]
    pub country: Option<String>,
    /// Consent banner state on this device.
    #[serde(default)]
    pub consent_banner: ConsentBanner,
    /// What the message is for.
    #[serde(default)]
    pub purpose: MessagePurpose,
    /// Sends the caller knows of that the snapshot may not include yet (e.g. from its own log since the
    /// snapshot was issued), per channel. They are added to the snapshot's counts for both cap windows.
    #[serde(default)]
    pub extra_sends: PerChannel<u8>,
    /// The browser sends Global Privacy Control (`Sec-GPC: 1`, `navigator.globalPrivacyControl`): an
    /// opt-out of sale and sharing, so no ads channel for this request whatever the profile says.
    #[serde(default)]
    pub global_privacy_control: bool,
}
