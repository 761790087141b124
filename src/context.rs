//! The request context: everything about "now" that the caller knows and the profile doesn't.

use crate::prelude::*;

use crate::channel::PerChannel;
use serde::{Deserialize, Serialize};

/// State of the site's consent banner for this visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentBanner {
    /// The banner has not been answered.
    #[default]
    Unanswered,
    /// All accepted.
    Accepted,
    /// All rejected.
    Rejected,
    /// Some purposes accepted.
    Partial,
}

impl ConsentBanner {
    /// Every answer, in a fixed order (the binding's index order).
    pub const ALL: [ConsentBanner; 4] = [
        ConsentBanner::Unanswered,
        ConsentBanner::Accepted,
        ConsentBanner::Rejected,
        ConsentBanner::Partial,
    ];

    /// The stable name used in JSON and rules.
    pub const fn name(self) -> &'static str {
        match self {
            ConsentBanner::Unanswered => "unanswered",
            ConsentBanner::Accepted => "accepted",
            ConsentBanner::Rejected => "rejected",
            ConsentBanner::Partial => "partial",
        }
    }
}

/// Whether the message to send is a promotion or a service message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessagePurpose {
    /// Selling: suppressed during service situations and for churned customers.
    #[default]
    Promotional,
    /// Service: order updates, refunds, complaint follow-up.
    Service,
}

impl MessagePurpose {
    /// Every purpose, in a fixed order (the binding's index order).
    pub const ALL: [MessagePurpose; 2] = [MessagePurpose::Promotional, MessagePurpose::Service];

    /// The stable snake_case name (as in JSON).
    pub const fn name(self) -> &'static str {
        match self {
            MessagePurpose::Promotional => "promotional",
            MessagePurpose::Service => "service",
        }
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
}
