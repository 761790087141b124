//! Engagement per channel: decayed counts of messages sent, delivered and responded to, emitted as the
//! core's `Engagement { sent, responded }` (the edge smooths them toward population priors itself).

use super::decay::DecayedMap;
use persona_edge::channel::{Channel, PerChannel};
use persona_edge::profile::Engagement;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happened to messages on a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Signal {
    /// A message was sent (or a web slot shown).
    Sent,
    /// A message was delivered.
    Delivered,
    /// A message was opened.
    Opened,
    /// A message was clicked.
    Clicked,
    /// A message led to a conversion.
    Converted,
}

impl Signal {
    /// The signals that are a response from the customer.
    const RESPONSES: [Signal; 3] = [Signal::Opened, Signal::Clicked, Signal::Converted];

    /// Whether the signal is a response from the customer.
    pub(crate) fn is_response(self) -> bool {
        Signal::RESPONSES.contains(&self)
    }
}

/// Decayed signal counts per channel.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub(crate) struct EngagementLog(BTreeMap<Channel, DecayedMap<Signal>>);

impl EngagementLog {
    /// Adds another customer's engagement (a linked identifier's).
    pub(crate) fn absorb(&mut self, other: &EngagementLog, half_life_days: f64) {
        for (channel, signals) in &other.0 {
            self.0
                .entry(*channel)
                .or_default()
                .absorb(signals, half_life_days);
        }
    }

    /// Counts one `signal` on `channel` that happened on `day`.
    pub(crate) fn record(
        &mut self,
        channel: Channel,
        signal: Signal,
        day: u32,
        half_life_days: f64,
    ) {
        self.0
            .entry(channel)
            .or_default()
            .add(signal, 1.0, day, half_life_days);
    }

    /// Engagement per channel on `today`. Messages are the sent count, or the delivered count when that is
    /// larger (a sender that reports only deliveries). Without message ids, a message that was opened,
    /// clicked and converted cannot be told from three messages with one response each, so responses are
    /// the largest of the three response counts (one response per message), never more than messages.
    pub(crate) fn counts(&self, today: u32, half_life_days: f64) -> PerChannel<Engagement> {
        let mut out = PerChannel::<Engagement>::default();
        for (channel, signals) in &self.0 {
            let count = |s: Signal| signals.get(&s, today, half_life_days);
            let messages = count(Signal::Sent).max(count(Signal::Delivered));
            let responses = Signal::RESPONSES
                .into_iter()
                .map(count)
                .fold(0.0, f64::max)
                .min(messages);
            let sent = saturating_u16(messages);
            *out.get_mut(*channel) = Engagement {
                sent,
                responded: saturating_u16(responses).min(sent),
            };
        }
        out
    }
}

fn saturating_u16(value: f64) -> u16 {
    // `as` saturates (and maps NaN to 0).
    value.round() as u16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_response_per_message_never_more_than_sent() {
        let mut log = EngagementLog::default();
        for _ in 0..4 {
            log.record(Channel::Email, Signal::Sent, 100, 90.0);
        }
        for signal in [Signal::Opened, Signal::Clicked, Signal::Converted] {
            for _ in 0..3 {
                log.record(Channel::Email, signal, 100, 90.0);
            }
        }
        let counts = log.counts(100, 90.0);
        assert_eq!(
            *counts.get(Channel::Email),
            Engagement {
                sent: 4,
                responded: 3
            }
        );
        // Responses reported without the sends (or more opens than messages) are capped.
        for _ in 0..10 {
            log.record(Channel::Sms, Signal::Opened, 100, 90.0);
        }
        log.record(Channel::Sms, Signal::Delivered, 100, 90.0);
        assert_eq!(
            *log.counts(100, 90.0).get(Channel::Sms),
            Engagement {
                sent: 1,
                responded: 1
            }
        );
        assert_eq!(
            *log.counts(100, 90.0).get(Channel::Push),
            Engagement::default()
        );
    }

    #[test]
    fn counts_decay() {
        let mut log = EngagementLog::default();
        for _ in 0..40 {
            log.record(Channel::Email, Signal::Sent, 100, 90.0);
        }
        assert_eq!(log.counts(190, 90.0).get(Channel::Email).sent, 20);
    }
}
