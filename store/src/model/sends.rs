//! Recent sends per channel, for frequency caps: only the send instants of the last seven days.

use super::decay::SECONDS_PER_DAY;
use persona_edge::channel::{Channel, PerChannel};
use persona_edge::profile::RecentSends;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The window a send counts in (the core's `RecentSends::week`).
const WEEK_SECS: u64 = 7 * SECONDS_PER_DAY;

/// Send instants per channel, ascending, none older than a week, at most a cap per channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct SendLog(BTreeMap<Channel, Vec<u64>>);

/// Whether `at` lies within `window` seconds before `now` (or after it).
fn within(at: u64, window: u64, now: u64) -> bool {
    at.saturating_add(window) > now
}

impl SendLog {
    /// Adds another customer's recent sends (a linked identifier's); keeps the latest `cap` per channel.
    pub(crate) fn absorb(&mut self, other: &SendLog, now: u64, cap: usize) {
        for (channel, instants) in &other.0 {
            for at in instants {
                self.record(*channel, *at, now, cap);
            }
        }
    }

    /// Records a send at `at` (ignored when it is older than a week); keeps the latest `cap` per channel.
    pub(crate) fn record(&mut self, channel: Channel, at: u64, now: u64, cap: usize) {
        if !within(at, WEEK_SECS, now) {
            return;
        }
        let instants = self.0.entry(channel).or_default();
        let position = instants.partition_point(|i| *i <= at);
        instants.insert(position, at);
        let excess = instants.len().saturating_sub(cap);
        instants.drain(..excess);
    }

    /// Forgets sends older than a week.
    pub(crate) fn expire(&mut self, now: u64) {
        for instants in self.0.values_mut() {
            instants.retain(|at| within(*at, WEEK_SECS, now));
        }
        self.0.retain(|_, instants| !instants.is_empty());
    }

    /// Sends in the last 24 hours and the last 7 days before `now`, per channel (saturating at 255).
    pub(crate) fn counts(&self, now: u64) -> PerChannel<RecentSends> {
        let mut out = PerChannel::<RecentSends>::default();
        for (channel, instants) in &self.0 {
            let count = |window| {
                let n = instants
                    .iter()
                    .filter(|at| within(**at, window, now))
                    .count();
                u8::try_from(n).unwrap_or(u8::MAX)
            };
            *out.get_mut(*channel) = RecentSends {
                day: count(SECONDS_PER_DAY),
                week: count(WEEK_SECS),
            };
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;
    const HOUR: u64 = 3600;

    #[test]
    fn counts_the_last_day_and_week() {
        let mut log = SendLog::default();
        for ago in [HOUR, 20 * HOUR, 30 * HOUR, 6 * 24 * HOUR, 8 * 24 * HOUR] {
            log.record(Channel::Email, NOW - ago, NOW, 64);
        }
        let counts = log.counts(NOW);
        assert_eq!(*counts.get(Channel::Email), RecentSends { day: 2, week: 4 });
        assert_eq!(*counts.get(Channel::Sms), RecentSends::default());
        // Two days later the send from six days before has left the week.
        let later = NOW + 2 * 24 * HOUR;
        assert_eq!(
            *log.counts(later).get(Channel::Email),
            RecentSends { day: 0, week: 3 }
        );
        log.expire(later);
        assert_eq!(log.0.get(&Channel::Email).map(Vec::len), Some(3));
        log.expire(later + WEEK_SECS);
        assert!(log.0.is_empty());
    }

    #[test]
    fn bounded_per_channel_keeping_the_latest() {
        let mut log = SendLog::default();
        for i in 0..100 {
            log.record(Channel::Push, NOW - 1000 + i, NOW, 10);
        }
        let kept = log.0.get(&Channel::Push).cloned().unwrap_or_default();
        assert_eq!(kept.len(), 10);
        assert_eq!(kept.first(), Some(&(NOW - 910)));
        assert!(kept.windows(2).all(|w| w[0] <= w[1]));
    }
}
