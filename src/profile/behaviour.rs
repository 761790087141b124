//! Behavioural aggregates: what the customer does, kept as aggregates, never as raw logs.

use crate::prelude::*;

use super::activity::ActivityHistogram;
use crate::channel::{Channel, PerChannel};
use crate::codec::{Decodable, Invalid, Reader};
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// Interest in one catalogue category, 0..=100, as of [`Behaviour::affinity_day`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct CategoryAffinity {
    /// Category id from the catalogue (e.g. `"running"`).
    pub category: String,
    /// Affinity 0..=100 on the day it was computed; it decays with age at the edge.
    pub score: u8,
}

impl Decodable for CategoryAffinity {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(CategoryAffinity {
            category: r.read()?,
            score: r.read()?,
        })
    }
}

/// Recency, frequency and monetary bands, each 1 (lowest) ..= 5 (highest); 0 means no purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct RfmBands {
    /// 5 = bought very recently.
    pub recency: u8,
    /// 5 = buys very often.
    pub frequency: u8,
    /// 5 = spends the most.
    pub monetary: u8,
}

impl Decodable for RfmBands {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(RfmBands {
            recency: r.read()?,
            frequency: r.read()?,
            monetary: r.read()?,
        })
    }
}

/// Messages sent on a channel and how many got a response (open, click, reply), over the history window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Engagement {
    /// Messages delivered.
    pub sent: u16,
    /// Messages that got a response.
    pub responded: u16,
}

impl Decodable for Engagement {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Engagement {
            sent: r.read()?,
            responded: r.read()?,
        })
    }
}

/// Recent sends on one channel, as counted by the central store when the snapshot was built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct RecentSends {
    /// Sends in the 24 hours before the snapshot was issued.
    pub day: u8,
    /// Sends in the 7 days before the snapshot was issued.
    pub week: u8,
}

impl Decodable for RecentSends {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(RecentSends {
            day: r.read()?,
            week: r.read()?,
        })
    }
}

/// An activity histogram for one channel (when the customer responds on it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct ChannelActivity {
    /// The channel.
    pub channel: Channel,
    /// Hour-of-week response levels on that channel, local time.
    pub hours: ActivityHistogram,
}

impl Decodable for ChannelActivity {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(ChannelActivity {
            channel: r.read()?,
            hours: r.read()?,
        })
    }
}

/// Everything the profile knows about behaviour, as aggregates.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct Behaviour {
    /// Strongest category affinities (a few, strongest first).
    #[serde(default)]
    pub affinities: Vec<CategoryAffinity>,
    /// Day (since the Unix epoch) the affinities were computed: the decay reference.
    #[serde(default)]
    pub affinity_day: u32,
    /// Typical price band of purchases, 1 (budget) ..= 5 (premium); 0 unknown.
    #[serde(default)]
    pub price_band: u8,
    /// Share of purchases made with a discount, 0..=100.
    #[serde(default)]
    pub discount_sensitivity: u8,
    /// Recency/frequency/monetary bands.
    #[serde(default)]
    pub rfm: RfmBands,
    /// Engagement counts per channel.
    #[serde(default)]
    pub engagement: PerChannel<Engagement>,
    /// Recent sends per channel (for frequency caps).
    #[serde(default)]
    pub recent_sends: PerChannel<RecentSends>,
    /// Overall site/app activity by local hour of week.
    #[serde(default)]
    pub activity: ActivityHistogram,
    /// Per-channel response activity, for channels with enough history.
    #[serde(default)]
    pub channel_activity: Vec<ChannelActivity>,
}

impl Decodable for Behaviour {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(Behaviour {
            affinities: r.read()?,
            affinity_day: r.read()?,
            price_band: r.read()?,
            discount_sensitivity: r.read()?,
            rfm: r.read()?,
            engagement: r.read()?,
            recent_sends: r.read()?,
            activity: r.read()?,
            channel_activity: r.read()?,
        })
    }
}

impl Behaviour {
    /// The stored affinity for a category (0 when absent), before decay.
    pub fn affinity(&self, category: &str) -> u8 {
        self.affinities
            .iter()
            .find(|a| a.category == category)
            .map_or(0, |a| a.score)
    }

    /// The response-activity histogram for a channel, if the profile carries one.
    pub fn channel_histogram(&self, channel: Channel) -> Option<&ActivityHistogram> {
        self.channel_activity
            .iter()
            .find(|a| a.channel == channel)
            .map(|a| &a.hours)
    }
}
