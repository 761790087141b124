//! Consent per channel and per purpose, with the day it was given or withdrawn.

use crate::prelude::*;

use crate::channel::{Channel, PerChannel};
use crate::codec::{Decodable, Invalid, Reader};
use crate::vocabulary::vocabulary;
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// What the customer said about one channel or purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(rename_all = "snake_case")]
pub enum ConsentState {
    /// Never asked, or no record: not consent where opt-in is required.
    #[default]
    Unknown,
    /// The customer agreed.
    Granted,
    /// The customer declined or withdrew.
    Denied,
}

impl Decodable for ConsentState {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => ConsentState::Unknown,
            1 => ConsentState::Granted,
            2 => ConsentState::Denied,
            _ => return Err(Invalid::Tag),
        })
    }
}

impl ConsentState {
    /// The stable name used in JSON and rules.
    pub const fn name(self) -> &'static str {
        match self {
            ConsentState::Unknown => "unknown",
            ConsentState::Granted => "granted",
            ConsentState::Denied => "denied",
        }
    }
}

/// One consent record: the state and the day (days since 1970-01-01 UTC) it was recorded; 0 when unknown.
/// Days, not seconds: the snapshot keeps no exact timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Consent {
    /// Granted, denied or unknown.
    pub state: ConsentState,
    /// Day the state was recorded (days since the Unix epoch).
    #[serde(default)]
    pub day: u32,
}

impl Decodable for Consent {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Consent {
            state: r.read()?,
            day: r.read()?,
        })
    }
}

vocabulary! {
    /// Purposes of processing that consent can be given for, separately from channels.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode)]
    #[cfg_attr(test, derive(bincode::Decode))]
    pub enum Purpose {
        /// Promotional messages and offers.
        Marketing => "marketing",
        /// Tailoring content to the profile.
        Personalization => "personalization",
        /// Measurement and analytics.
        Analytics => "analytics",
        /// Sharing audiences with advertising platforms.
        AdTargeting => "ad_targeting",
    }
}

impl Decodable for Purpose {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Purpose::from_index(r.u32()?).ok_or(Invalid::Tag)
    }
}

/// All consent the profile carries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct ConsentLedger {
    /// Consent per channel.
    #[serde(default)]
    pub channels: PerChannel<Consent>,
    /// Consent per purpose; a purpose left out is unknown.
    #[serde(default)]
    pub purposes: Vec<(Purpose, Consent)>,
}

impl Decodable for ConsentLedger {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(ConsentLedger {
            channels: r.read()?,
            purposes: r.read()?,
        })
    }
}

impl ConsentLedger {
    /// Consent recorded for a channel.
    pub fn channel(&self, channel: Channel) -> ConsentState {
        self.channels.get(channel).state
    }

    /// Consent recorded for a purpose (unknown when absent).
    pub fn purpose(&self, purpose: Purpose) -> ConsentState {
        self.purposes
            .iter()
            .find(|(p, _)| *p == purpose)
            .map_or(ConsentState::Unknown, |(_, c)| c.state)
    }
}
