//! Activity by local hour of the week: decayed counts in 168 cells, overall (browsing and buying) and per
//! channel (responses), quantized into the core's two-bit histograms.

use super::decay::DecayedMap;
use super::policy::Policy;
use persona_edge::channel::Channel;
use persona_edge::profile::{ActivityHistogram, ChannelActivity, HOURS_PER_WEEK};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Decayed activity counts keyed by local hour of week (0 = Monday 00:00).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Activity {
    /// Page and category views, add-to-carts, purchases.
    overall: DecayedMap<u8>,
    /// Responses (opens, clicks, conversions) per channel.
    channels: BTreeMap<Channel, DecayedMap<u8>>,
}

fn quantize(cells: &DecayedMap<u8>, today: u32, half_life_days: f64) -> ActivityHistogram {
    let mut counts = [0.0; HOURS_PER_WEEK];
    for (hour, count) in cells.iter_at(today, half_life_days) {
        if let Some(cell) = counts.get_mut(usize::from(*hour)) {
            *cell = count;
        }
    }
    ActivityHistogram::quantize(&counts)
}

impl Activity {
    /// Adds another customer's activity (a linked identifier's).
    pub(crate) fn absorb(&mut self, other: &Activity, policy: &Policy) {
        let half_life = policy.activity_half_life_days;
        self.overall.absorb(&other.overall, half_life);
        for (channel, cells) in &other.channels {
            self.channels
                .entry(*channel)
                .or_default()
                .absorb(cells, half_life);
        }
    }

    /// Counts site or app activity in local hour of week `hour` on `day`.
    pub(crate) fn visit(&mut self, hour: u8, day: u32, policy: &Policy) {
        self.overall
            .add(hour, 1.0, day, policy.activity_half_life_days);
    }

    /// Counts a response on `channel` in local hour of week `hour` on `day`.
    pub(crate) fn respond(&mut self, channel: Channel, hour: u8, day: u32, policy: &Policy) {
        self.channels.entry(channel).or_default().add(
            hour,
            1.0,
            day,
            policy.activity_half_life_days,
        );
    }

    /// The overall histogram on `today`.
    pub(crate) fn overall(&self, policy: &Policy, today: u32) -> ActivityHistogram {
        quantize(&self.overall, today, policy.activity_half_life_days)
    }

    /// Histograms of the channels with at least [`Policy::min_channel_responses`] decayed responses, the
    /// most responsive first, at most [`Policy::snapshot_channel_histograms`].
    pub(crate) fn per_channel(&self, policy: &Policy, today: u32) -> Vec<ChannelActivity> {
        let half_life = policy.activity_half_life_days;
        let mut ranked: Vec<(Channel, f64)> = self
            .channels
            .iter()
            .map(|(channel, cells)| (*channel, cells.total_at(today, half_life)))
            .filter(|(_, responses)| *responses >= policy.min_channel_responses)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
            .into_iter()
            .take(policy.snapshot_channel_histograms)
            .filter_map(|(channel, _)| {
                let cells = self.channels.get(&channel)?;
                Some(ChannelActivity {
                    channel,
                    hours: quantize(cells, today, half_life),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busiest_hour_peaks() {
        let policy = Policy::default();
        let mut activity = Activity::default();
        for _ in 0..6 {
            activity.visit(67, 100, &policy);
        }
        activity.visit(20, 100, &policy);
        let h = activity.overall(&policy, 100);
        assert_eq!(h.level(67), 3);
        assert_eq!(h.level(20), 1);
        assert_eq!(h.mass(), 4);
    }

    #[test]
    fn channel_histograms_need_enough_responses() {
        let policy = Policy::default();
        let mut activity = Activity::default();
        for _ in 0..2 {
            activity.respond(Channel::Sms, 40, 100, &policy);
        }
        for _ in 0..5 {
            activity.respond(Channel::Email, 9, 100, &policy);
        }
        for _ in 0..4 {
            activity.respond(Channel::Push, 9, 100, &policy);
        }
        for _ in 0..3 {
            activity.respond(Channel::Web, 9, 100, &policy);
        }
        let channels: Vec<Channel> = activity
            .per_channel(&policy, 100)
            .iter()
            .map(|a| a.channel)
            .collect();
        assert_eq!(
            channels,
            [Channel::Email, Channel::Push],
            "capped, sms too thin"
        );
        // Evidence decays: a year later no channel has enough.
        assert!(activity.per_channel(&policy, 465).is_empty());
    }
}
