//! Send time: the best local hour for the channel, outside quiet hours and inside the send window,
//! converted to a UTC instant across daylight-saving changes.

use crate::channel::Channel;
use crate::context::MessagePurpose;
use crate::profile::{ActivityHistogram, Profile, QuietHours, ZoneSchedule, HOURS_PER_WEEK};
use crate::ruleset::{QuietHoursPolicy, TimingPolicy};
use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

vocabulary! {
    /// Which evidence the hour was chosen from: the fallback used is always named.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum TimingSource {
        /// The customer's response history on this channel.
        OwnChannelHistory => "own_channel_history",
        /// The customer's overall activity history.
        OwnHistory => "own_history",
        /// Thin own history blended with the population prior.
        OwnHistoryWithPrior => "own_history_with_prior",
        /// The population prior alone.
        PopulationPrior => "population_prior",
        /// Neither history nor prior: the campaign's default hour.
        CampaignDefault => "campaign_default",
        /// A real-time channel during a live session: now.
        LiveSession => "live_session",
        /// A service message: the first instant quiet hours allow; no activity history is used.
        FirstAllowedInstant => "first_allowed_instant",
    }
}

vocabulary! {
    /// The constraint that moved or dropped the send: quiet hours win when an hour breaks both. (A frequency
    /// cap never moves a send: it excludes the channel, named in the channel's exclusions.)
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum TimingConstraint {
        /// The customer's quiet hours (stated, or the ruleset's default).
        QuietHours => "quiet_hours",
        /// The campaign's send window (promotional messages only).
        SendWindow => "send_window",
    }
}

vocabulary! {
    /// How the best hour was turned into the send time.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum TimingOutcome {
        /// Send now.
        Now => "now",
        /// The best hour was allowed.
        BestHour => "best_hour",
        /// The best hour (for a service message: now) was not allowed: deferred to the next allowed hour.
        Deferred => "deferred",
        /// The best hour was not allowed: moved to the nearest allowed hour.
        MovedToNearestEdge => "moved_to_nearest_edge",
        /// The best hour was not allowed and the policy drops such sends.
        Dropped => "dropped",
        /// No allowed hour within the horizon.
        NoAllowedHour => "no_allowed_hour",
    }
}

/// When to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendTime {
    /// UTC instant (Unix seconds), `None` when dropped or impossible.
    pub at: Option<u64>,
    /// Local hour of week of `at` (0 = Monday 00:00), when scheduled.
    pub local_hour_of_week: Option<u16>,
    /// The best hour of week before quiet hours and the send window were applied.
    pub best_hour_of_week: Option<u16>,
    /// Evidence used.
    pub source: TimingSource,
    /// What happened to the best hour.
    pub outcome: TimingOutcome,
    /// What moved or dropped it (`None` when nothing did).
    pub constraint: Option<TimingConstraint>,
    /// The purpose the time was planned for: a promotion goes at the customer's best allowed hour, a
    /// service message at the first instant quiet hours allow.
    pub purpose: MessagePurpose,
}

/// Chooses when to reach the customer on `channel` for a message of `purpose`. `real_time_now` is true
/// for a real-time channel during a live session. Without a profile, UTC and the population prior (or
/// default hour) are used.
pub fn choose_time(
    policy: &TimingPolicy,
    profile: Option<&Profile>,
    channel: Channel,
    real_time_now: bool,
    now: u64,
    purpose: MessagePurpose,
) -> SendTime {
    let zone = profile.map(|p| p.zone).unwrap_or_default();
    let here = Candidate {
        utc: now,
        hour_of_week: hour_of_week(zone.to_local(now)),
    };
    if real_time_now {
        return SendTime {
            at: Some(now),
            local_hour_of_week: None,
            best_hour_of_week: None,
            source: TimingSource::LiveSession,
            outcome: TimingOutcome::Now,
            constraint: None,
            purpose,
        };
    }
    let quiet = profile
        .and_then(|p| p.preferences.quiet_hours)
        .unwrap_or(policy.quiet_hours);
    // What keeps an hour closed: quiet hours first, then (promotions only) the send window.
    let service = purpose == MessagePurpose::Service;
    let closed_by: [Option<TimingConstraint>; 24] = core::array::from_fn(|h| {
        if quiet.contains(h as u8) {
            Some(TimingConstraint::QuietHours)
        } else if !service && !policy.send_window.contains(h as u8) {
            Some(TimingConstraint::SendWindow)
        } else {
            None
        }
    });
    let closed = |c: &Candidate| closed_by[c.hour_of_week % 24];
    let allowed = |c: &Candidate| closed(c).is_none();
    let candidates = candidate_hours(&zone, now, policy.horizon_hours);
    // The instant aimed at: for a service message now, for a promotion the best hour (highest score;
    // the earliest such hour wins ties).
    let (target, source) = if service {
        (Some(here), TimingSource::FirstAllowedInstant)
    } else {
        let (scores, source) = hour_scores(policy, profile, channel);
        let best = candidates
            .clone()
            .fold(None::<Candidate>, |best, cand| match best {
                Some(b) if scores[b.hour_of_week] >= scores[cand.hour_of_week] => Some(b),
                _ => Some(cand),
            });
        (best, source)
    };
    let constraint = target.as_ref().and_then(closed);
    let (at, outcome) = match target {
        None => (None, TimingOutcome::NoAllowedHour),
        Some(t) if constraint.is_none() => (
            Some(t),
            if service {
                TimingOutcome::Now
            } else {
                TimingOutcome::BestHour
            },
        ),
        // A service message is always deferred to the first allowed hour, never dropped.
        Some(t) => match (service, policy.quiet_hours_policy) {
            (false, QuietHoursPolicy::Drop) => (None, TimingOutcome::Dropped),
            (false, QuietHoursPolicy::NearestEdge) => (
                candidates
                    .filter(allowed)
                    .min_by_key(|c| (c.utc.abs_diff(t.utc), c.utc)),
                TimingOutcome::MovedToNearestEdge,
            ),
            _ => (
                candidates.clone().find(|c| c.utc > t.utc && allowed(c)),
                TimingOutcome::Deferred,
            ),
        },
    };
    SendTime {
        at: at.map(|c| c.utc),
        local_hour_of_week: at.map(|c| c.hour_of_week as u16),
        best_hour_of_week: target.filter(|_| !service).map(|t| t.hour_of_week as u16),
        source,
        outcome: if at.is_none() && outcome != TimingOutcome::Dropped {
            TimingOutcome::NoAllowedHour
        } else {
            outcome
        },
        constraint,
        purpose,
    }
}

/// Smoothed score per local hour of week, and which evidence it came from.
fn hour_scores(
    policy: &TimingPolicy,
    profile: Option<&Profile>,
    channel: Channel,
) -> ([f64; HOURS_PER_WEEK], TimingSource) {
    let prior = policy.prior();
    let min_mass = policy.min_history_mass.max(1);
    let own: Option<(&ActivityHistogram, TimingSource)> =
        profile.and_then(|p| match p.behaviour.channel_histogram(channel) {
            Some(h) if h.mass() >= min_mass => Some((h, TimingSource::OwnChannelHistory)),
            _ => (p.behaviour.activity.mass() > 0)
                .then_some((&p.behaviour.activity, TimingSource::OwnHistory)),
        });
    let mut raw = [0.0_f64; HOURS_PER_WEEK];
    let source = match (own, prior) {
        (Some((h, source)), prior) => {
            let mass = f64::from(h.mass());
            // Own evidence counts in proportion to its mass; thin history leans on the prior.
            let own_weight = match prior {
                Some(_) if h.mass() < min_mass => mass / f64::from(min_mass),
                _ => 1.0,
            };
            for (i, cell) in raw.iter_mut().enumerate() {
                let p = prior.and_then(|p| p.get(i)).map_or(0.0, |l| f64::from(*l));
                *cell = own_weight * f64::from(h.level(i)) + (1.0 - own_weight) * p;
            }
            if own_weight < 1.0 {
                TimingSource::OwnHistoryWithPrior
            } else {
                source
            }
        }
        (None, Some(prior)) => {
            for (cell, level) in raw.iter_mut().zip(prior) {
                *cell = f64::from(*level);
            }
            TimingSource::PopulationPrior
        }
        (None, None) => {
            for day in 0..7 {
                raw[day * 24 + usize::from(policy.default_hour.min(23))] = 1.0;
            }
            return (raw, TimingSource::CampaignDefault);
        }
    };
    // Smooth over neighbouring hours (1-2-1 kernel, wrapping around the week) so a single noisy cell
    // doesn't win against a busy evening.
    let mut smoothed = [0.0_f64; HOURS_PER_WEEK];
    for (i, cell) in smoothed.iter_mut().enumerate() {
        let prev = raw[(i + HOURS_PER_WEEK - 1) % HOURS_PER_WEEK];
        let next = raw[(i + 1) % HOURS_PER_WEEK];
        *cell = (prev + 2.0 * raw[i] + next) / 4.0;
    }
    (smoothed, source)
}

/// A local hour the message could go out at.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    /// UTC instant of the start of the hour.
    utc: u64,
    /// Local hour of week (0 = Monday 00:00).
    hour_of_week: usize,
}

/// The starts of the next `horizon` local hours after `now`, strictly increasing in UTC (a local hour
/// skipped by a daylight-saving change is left out). Computed lazily: no allocation on the decision path.
#[derive(Clone)]
struct CandidateHours {
    zone: ZoneSchedule,
    /// The offset in seconds when no change falls inside the horizon (the common case: plain arithmetic).
    fixed_offset: Option<i64>,
    now: u64,
    next_local: i64,
    next_hour_of_week: usize,
    remaining: u16,
    last_utc: u64,
}

fn candidate_hours(zone: &ZoneSchedule, now: u64, horizon: u16) -> CandidateHours {
    let next_local = (zone.to_local(now).div_euclid(HOUR) + 1) * HOUR;
    let remaining = horizon.clamp(1, 336);
    let horizon_end = now.saturating_add(u64::from(remaining + 2) * HOUR as u64);
    let fixed_offset = match zone.next_change {
        Some(change) if change.at > now && change.at <= horizon_end => None,
        _ => Some(zone.offset_at(now) * 60),
    };
    CandidateHours {
        zone: *zone,
        fixed_offset,
        now,
        next_local,
        next_hour_of_week: hour_of_week(next_local),
        remaining,
        last_utc: now,
    }
}

impl Iterator for CandidateHours {
    type Item = Candidate;

    fn next(&mut self) -> Option<Candidate> {
        while self.remaining > 0 {
            self.remaining -= 1;
            let local = self.next_local;
            let hour_of_week = self.next_hour_of_week;
            self.next_local += HOUR;
            self.next_hour_of_week = (hour_of_week + 1) % HOURS_PER_WEEK;
            if let Some(offset) = self.fixed_offset {
                let utc = (local - offset).max(0) as u64;
                if utc > self.now {
                    return Some(Candidate { utc, hour_of_week });
                }
                continue;
            }
            let utc = self.zone.to_utc(local);
            if utc > self.now && utc > self.last_utc && self.zone.to_local(utc) == local {
                self.last_utc = utc;
                return Some(Candidate { utc, hour_of_week });
            }
        }
        None
    }
}

/// Local hour of day (0..=23) of local wall seconds.
fn hour_of_day(local: i64) -> u8 {
    (local.rem_euclid(DAY) / HOUR) as u8
}

/// Hour of week (0 = Monday 00:00) of local wall seconds. 1970-01-01 was a Thursday.
fn hour_of_week(local: i64) -> usize {
    let day_of_week = (local.div_euclid(DAY) + 3).rem_euclid(7);
    (day_of_week * 24) as usize + usize::from(hour_of_day(local))
}

/// Whether a UTC instant falls in quiet hours for the given zone (used by property tests and callers
/// who want to check a schedule).
pub fn is_quiet(zone: &ZoneSchedule, quiet: &QuietHours, utc: u64) -> bool {
    quiet.contains(hour_of_day(zone.to_local(utc)))
}

#[cfg(test)]
mod tests;
