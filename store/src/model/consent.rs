//! Consent as evidence: every change of a channel's or a purpose's consent state, with when and from where
//! it came. The profile keeps the current state (and its day); the store keeps each change in the
//! `consent_changes` table until the customer is erased (docs/PRIVACY.md).

use persona_edge::channel::Channel;
use persona_edge::profile::{ConsentState, Purpose};
use serde::{Deserialize, Serialize};

/// Where a consent change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentSource {
    /// An API write that named no source.
    #[default]
    Api,
    /// The site's consent banner.
    WebBanner,
    /// The browser's Global Privacy Control signal (`Sec-GPC: 1`).
    Gpc,
    /// A bulk import (`persona import`), unless the line names another source.
    Import,
    /// A support agent, on the customer's request.
    SupportAgent,
    /// The customer's preference centre.
    PreferenceCentre,
}

impl ConsentSource {
    /// The stable name, as in JSON and in the `consent_changes` table (serde's name: declared once).
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(name)) => name,
            _ => unreachable!("a unit variant serializes as its name"),
        }
    }
}

/// What a consent is for: a channel or a purpose of processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsentTarget {
    /// A channel.
    Channel(Channel),
    /// A purpose.
    Purpose(Purpose),
}

impl ConsentTarget {
    /// `channel` or `purpose`.
    pub fn kind(self) -> &'static str {
        match self {
            ConsentTarget::Channel(_) => "channel",
            ConsentTarget::Purpose(_) => "purpose",
        }
    }

    /// The channel's or the purpose's name.
    pub fn name(self) -> &'static str {
        match self {
            ConsentTarget::Channel(c) => c.name(),
            ConsentTarget::Purpose(p) => p.name(),
        }
    }
}

/// One consent state that an update changed (an unchanged state re-sent is not a change).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsentChange {
    /// What it is for.
    pub target: ConsentTarget,
    /// The new state.
    pub state: ConsentState,
}

/// A recorded consent change, as stored and exported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentRecord {
    /// `channel` or `purpose`.
    pub kind: String,
    /// The channel or purpose.
    pub name: String,
    /// The new state (`granted`, `denied`, `unknown`).
    pub state: String,
    /// When, Unix seconds.
    pub at: i64,
    /// Where it came from (a [`ConsentSource`] name).
    pub source: String,
}
