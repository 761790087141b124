//! Channel, timing and affinity policy: the parts of a ruleset that steer `decide` besides the segments.

use crate::prelude::*;

use crate::channel::PerChannel;
use crate::codec::{Decodable, Invalid, Reader};
use crate::profile::{QuietHours, HOURS_PER_WEEK};
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// Frequency cap of one channel for promotional messages; `None` means no cap for that window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct FrequencyCap {
    /// Most sends in any 24 hours.
    #[serde(default)]
    pub per_day: Option<u8>,
    /// Most sends in any 7 days.
    #[serde(default)]
    pub per_week: Option<u8>,
}

impl Decodable for FrequencyCap {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(FrequencyCap {
            per_day: r.read()?,
            per_week: r.read()?,
        })
    }
}

/// How one channel is treated.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct ChannelRule {
    /// Whether the channel may be used at all by this ruleset.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Whether the channel needs explicit opt-in: then unknown consent is not consent.
    #[serde(default = "yes")]
    pub requires_opt_in: bool,
    /// Whether the channel answers in real time while the visitor is on the site (web, in-app).
    #[serde(default)]
    pub real_time: bool,
    /// Population prior of the response rate (0..1), used to smooth thin engagement history.
    #[serde(default = "default_prior")]
    pub prior_response_rate: f64,
    /// Cost per message in the site's smallest currency unit; lower wins ties.
    #[serde(default)]
    pub cost: u32,
    /// Campaign priority; higher wins ties after cost.
    #[serde(default)]
    pub priority: u8,
    /// Frequency cap for promotional messages.
    #[serde(default)]
    pub cap: FrequencyCap,
}

impl Decodable for ChannelRule {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(ChannelRule {
            enabled: r.read()?,
            requires_opt_in: r.read()?,
            real_time: r.read()?,
            prior_response_rate: r.read()?,
            cost: r.read()?,
            priority: r.read()?,
            cap: r.read()?,
        })
    }
}

fn yes() -> bool {
    true
}

fn default_prior() -> f64 {
    0.05
}

impl Default for ChannelRule {
    fn default() -> Self {
        ChannelRule {
            enabled: true,
            requires_opt_in: true,
            real_time: false,
            prior_response_rate: default_prior(),
            cost: 0,
            priority: 0,
            cap: FrequencyCap::default(),
        }
    }
}

/// Channel policy of a ruleset.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct ChannelPolicy {
    /// Rules per channel; channels left out of the authoring JSON get [`ChannelRule::default`].
    #[serde(default)]
    pub rules: PerChannel<ChannelRule>,
    /// Weight of the population prior, in messages: the engagement history counts fully once it is much
    /// larger than this.
    #[serde(default = "default_prior_weight")]
    pub prior_weight: f64,
}

impl Decodable for ChannelPolicy {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(ChannelPolicy {
            rules: r.read()?,
            prior_weight: r.read()?,
        })
    }
}

fn default_prior_weight() -> f64 {
    20.0
}

/// What to do when the best hour falls inside quiet hours or outside the send window. Engagement
/// platforms disagree on this, so it is an explicit setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(rename_all = "snake_case")]
pub enum QuietHoursPolicy {
    /// Send at the first allowed hour after the best hour (the end of the quiet window).
    #[default]
    Defer,
    /// Send at the allowed hour nearest in time to the best hour, before or after it.
    NearestEdge,
    /// Don't schedule: the decision has no send time.
    Drop,
}

impl Decodable for QuietHoursPolicy {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(match r.u32()? {
            0 => QuietHoursPolicy::Defer,
            1 => QuietHoursPolicy::NearestEdge,
            2 => QuietHoursPolicy::Drop,
            _ => return Err(Invalid::Tag),
        })
    }
}

/// Hours of the local day in which a campaign may send: from `start_hour` until `end_hour`
/// (wrapping past midnight when `start_hour > end_hour`; equal means all day).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct SendWindow {
    /// First allowed hour, 0..=23.
    pub start_hour: u8,
    /// First hour no longer allowed, 0..=23.
    pub end_hour: u8,
}

impl Decodable for SendWindow {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(SendWindow {
            start_hour: r.read()?,
            end_hour: r.read()?,
        })
    }
}

impl SendWindow {
    /// Whether a local hour of the day is inside the window.
    pub fn contains(&self, hour: u8) -> bool {
        // A send window is the complement of a quiet interval from end to start.
        !QuietHours {
            start_hour: self.end_hour,
            end_hour: self.start_hour,
        }
        .contains(hour)
    }
}

impl Default for SendWindow {
    fn default() -> Self {
        SendWindow {
            start_hour: 8,
            end_hour: 21,
        }
    }
}

/// Timing policy of a ruleset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct TimingPolicy {
    /// Quiet hours for customers who stated none.
    #[serde(default = "default_quiet")]
    pub quiet_hours: QuietHours,
    /// What happens when the best hour is not allowed.
    #[serde(default)]
    pub quiet_hours_policy: QuietHoursPolicy,
    /// The campaign's send window.
    #[serde(default)]
    pub send_window: SendWindow,
    /// How far ahead to schedule, in hours (1..=336).
    #[serde(default = "default_horizon")]
    pub horizon_hours: u16,
    /// Population activity prior by local hour of week (levels 0..=3); empty when there is none.
    #[serde(default)]
    pub population_prior: Vec<u8>,
    /// Histogram mass (sum of levels) from which a customer's own history is trusted on its own.
    #[serde(default = "default_min_mass")]
    pub min_history_mass: u32,
    /// Local hour of day used when there is neither history nor a prior.
    #[serde(default = "default_hour")]
    pub default_hour: u8,
}

impl Decodable for TimingPolicy {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(TimingPolicy {
            quiet_hours: r.read()?,
            quiet_hours_policy: r.read()?,
            send_window: r.read()?,
            horizon_hours: r.read()?,
            population_prior: r.read()?,
            min_history_mass: r.read()?,
            default_hour: r.read()?,
        })
    }
}

fn default_quiet() -> QuietHours {
    QuietHours {
        start_hour: 21,
        end_hour: 8,
    }
}

fn default_horizon() -> u16 {
    168
}

fn default_min_mass() -> u32 {
    24
}

fn default_hour() -> u8 {
    10
}

impl Default for TimingPolicy {
    fn default() -> Self {
        TimingPolicy {
            quiet_hours: default_quiet(),
            quiet_hours_policy: QuietHoursPolicy::default(),
            send_window: SendWindow::default(),
            horizon_hours: default_horizon(),
            population_prior: Vec::new(),
            min_history_mass: default_min_mass(),
            default_hour: default_hour(),
        }
    }
}

impl TimingPolicy {
    /// The population prior as 168 levels, if the ruleset carries a complete one.
    pub fn prior(&self) -> Option<&[u8]> {
        (self.population_prior.len() == HOURS_PER_WEEK).then_some(self.population_prior.as_slice())
    }
}

/// How stored affinities age and how the live session moves them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct AffinityPolicy {
    /// Days after which a stored affinity counts half.
    #[serde(default = "default_half_life")]
    pub half_life_days: f64,
    /// Affinity points added per view of a category in this session (capped at 100 in all).
    #[serde(default = "default_view_weight")]
    pub session_view_weight: f64,
}

impl Decodable for AffinityPolicy {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(AffinityPolicy {
            half_life_days: r.read()?,
            session_view_weight: r.read()?,
        })
    }
}

fn default_half_life() -> f64 {
    30.0
}

fn default_view_weight() -> f64 {
    20.0
}

impl Default for AffinityPolicy {
    fn default() -> Self {
        AffinityPolicy {
            half_life_days: default_half_life(),
            session_view_weight: default_view_weight(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn send_window_is_half_open_and_wraps() {
        let day = SendWindow {
            start_hour: 8,
            end_hour: 21,
        };
        assert!(day.contains(8) && day.contains(20));
        assert!(!day.contains(21) && !day.contains(7));
        let night = SendWindow {
            start_hour: 22,
            end_hour: 2,
        };
        assert!(night.contains(23) && night.contains(1) && !night.contains(2));
        let all = SendWindow {
            start_hour: 0,
            end_hour: 0,
        };
        assert!((0..24).all(|h| all.contains(h)));
    }
}
