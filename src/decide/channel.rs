//! Channel choice: consent first, then suppression, frequency caps, stated preference, expected response,
//! and cost/priority, in that order. "No channel" is a valid answer.

use crate::prelude::*;

use crate::channel::Channel;
use crate::context::{ConsentBanner, DecisionContext, MessagePurpose};
use crate::profile::{ConsentState, LifecycleStage, Profile, Purpose};
use crate::ruleset::{ChannelPolicy, ChannelRule};
use crate::session::Session;
use crate::vocabulary::vocabulary;
use serde::{Deserialize, Serialize};

vocabulary! {
    /// Why a channel was not eligible. Checked in this order; the first that applies is reported.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum ExclusionReason {
        /// The ruleset does not use this channel.
        Disabled => "disabled",
        /// There is no verified profile, so no consent is known.
        NoProfile => "no_profile",
        /// The customer declined this channel.
        ConsentDenied => "consent_denied",
        /// The channel needs opt-in and consent is unknown.
        ConsentUnknown => "consent_unknown",
        /// The customer declined marketing as a purpose (promotional messages only).
        MarketingDenied => "marketing_denied",
        /// The customer declined ad targeting as a purpose, rejected the consent banner, or the browser
        /// sends Global Privacy Control (ads only).
        AdTargetingDenied => "ad_targeting_denied",
        /// Promotion is suppressed while the customer is in a service situation.
        ServiceSituation => "service_situation",
        /// The customer has churned: no acquisition ads.
        Churned => "churned",
        /// A service message goes through the stated preferred channel only.
        NotPreferredForService => "not_preferred_for_service",
        /// The real-time channel needs a live session.
        NoLiveSession => "no_live_session",
        /// The channel's frequency cap for the day is reached.
        CappedDay => "capped_day",
        /// The channel's frequency cap for the week is reached.
        CappedWeek => "capped_week",
    }
}

/// A channel left out, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exclusion {
    /// The channel.
    pub channel: Channel,
    /// The first rule that excluded it.
    pub reason: ExclusionReason,
}

vocabulary! {
    /// Where an expected response rate came from.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum ResponseBasis {
        /// No own history: the population prior alone.
        Prior => "prior",
        /// Some own history, but the prior weighs more (own messages fewer than the ruleset's prior weight).
        MostlyPrior => "mostly_prior",
        /// Own history weighs at least as much as the prior it is smoothed toward.
        OwnHistory => "own_history",
    }
}

/// An eligible channel with the numbers it was ranked by.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RankedChannel {
    /// The channel.
    pub channel: Channel,
    /// Expected response rate in whole percent (smoothed), the first ranking key.
    pub expected_response_pct: u32,
    /// Where the rate came from, named by the weight of the evidence.
    pub basis: ResponseBasis,
    /// Own observations behind the rate: messages sent on this channel (decayed, as in the snapshot).
    pub own_observations: u32,
    /// Cost per message (lower wins ties).
    pub cost: u32,
    /// Campaign priority (higher wins remaining ties).
    pub priority: u8,
}

vocabulary! {
    /// Why the chosen channel won.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
    pub enum ChoiceBasis {
        /// The customer's stated preferred channel was eligible.
        StatedPreference => "stated_preference",
        /// Best expected response among the eligible channels (cost and priority break ties).
        ExpectedResponse => "expected_response",
        /// No channel was eligible.
        NoEligibleChannel => "no_eligible_channel",
    }
}

/// The channel decision with its full explanation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelChoice {
    /// The chosen channel, or `None`.
    pub channel: Option<Channel>,
    /// Why it was chosen.
    pub basis: ChoiceBasis,
    /// Every channel left out, in channel order.
    pub excluded: Vec<Exclusion>,
    /// The eligible channels, best first.
    pub ranking: Vec<RankedChannel>,
}

/// Chooses the channel. `profile` is `None` for a visitor without a verified profile: then no message
/// channel has consent, and only a real-time channel that needs no opt-in can answer during a live session.
pub fn choose_channel(
    policy: &ChannelPolicy,
    profile: Option<&Profile>,
    session: &Session,
    context: &DecisionContext,
) -> ChannelChoice {
    let mut excluded = Vec::new();
    let mut ranking = Vec::new();
    for (channel, rule) in policy.rules.iter() {
        match exclusion(channel, rule, profile, session, context) {
            Some(reason) => excluded.push(Exclusion { channel, reason }),
            None => ranking.push(rank(channel, rule, policy.prior_weight, profile)),
        }
    }
    crate::sort::stable_sort_by(&mut ranking, |a, b| {
        b.expected_response_pct
            .cmp(&a.expected_response_pct)
            .then(a.cost.cmp(&b.cost))
            .then(b.priority.cmp(&a.priority))
            .then(a.channel.cmp(&b.channel))
            .is_lt()
    });
    let preferred = profile.and_then(|p| p.preferences.preferred_channel);
    let (channel, basis) = match preferred {
        Some(p) if ranking.iter().any(|r| r.channel == p) => {
            (Some(p), ChoiceBasis::StatedPreference)
        }
        _ => match ranking.first() {
            Some(best) => (Some(best.channel), ChoiceBasis::ExpectedResponse),
            None => (None, ChoiceBasis::NoEligibleChannel),
        },
    };
    ChannelChoice {
        channel,
        basis,
        excluded,
        ranking,
    }
}

fn exclusion(
    channel: Channel,
    rule: &ChannelRule,
    profile: Option<&Profile>,
    session: &Session,
    context: &DecisionContext,
) -> Option<ExclusionReason> {
    use ExclusionReason::*;
    if !rule.enabled {
        return Some(Disabled);
    }
    let promotional = context.purpose == MessagePurpose::Promotional;
    let Some(profile) = profile else {
        // Without a profile nothing is consented: only an opt-in-free real-time channel can answer.
        return if rule.real_time && !rule.requires_opt_in {
            (!session.live).then_some(NoLiveSession)
        } else {
            Some(NoProfile)
        };
    };
    // 1. Consent is law.
    match profile.consent.channel(channel) {
        ConsentState::Denied => return Some(ConsentDenied),
        ConsentState::Unknown if rule.requires_opt_in => return Some(ConsentUnknown),
        _ => {}
    }
    if promotional && profile.consent.purpose(Purpose::Marketing) == ConsentState::Denied {
        return Some(MarketingDenied);
    }
    if channel == Channel::Ads
        && (profile.consent.purpose(Purpose::AdTargeting) == ConsentState::Denied
            || context.consent_banner == ConsentBanner::Rejected
            || context.global_privacy_control)
    {
        return Some(AdTargetingDenied);
    }
    // 2. Service before selling; churned customers get no acquisition ads.
    if promotional && profile.service.active() {
        return Some(ServiceSituation);
    }
    if channel == Channel::Ads && profile.lifecycle == LifecycleStage::Churned {
        return Some(Churned);
    }
    if !promotional {
        if let Some(preferred) = profile.preferences.preferred_channel {
            if preferred != channel {
                return Some(NotPreferredForService);
            }
        }
    }
    if rule.real_time && !session.live {
        return Some(NoLiveSession);
    }
    // 3. Frequency caps (promotional messages only; service messages are never capped).
    if promotional {
        let sent = profile.behaviour.recent_sends.get(channel);
        let extra = *context.extra_sends.get(channel);
        if rule
            .cap
            .per_day
            .is_some_and(|cap| sent.day.saturating_add(extra) >= cap)
        {
            return Some(CappedDay);
        }
        if rule
            .cap
            .per_week
            .is_some_and(|cap| sent.week.saturating_add(extra) >= cap)
        {
            return Some(CappedWeek);
        }
    }
    None
}

/// Expected response smoothed toward the prior:
/// `(responded + prior_rate * prior_weight) / (sent + prior_weight)`.
fn rank(
    channel: Channel,
    rule: &ChannelRule,
    prior_weight: f64,
    profile: Option<&Profile>,
) -> RankedChannel {
    let prior = rule.prior_response_rate.clamp(0.0, 1.0);
    let weight = prior_weight.max(0.0);
    let engagement = profile
        .map(|p| *p.behaviour.engagement.get(channel))
        .unwrap_or_default();
    let sent = f64::from(engagement.sent);
    let responded = f64::from(engagement.responded.min(engagement.sent));
    let (rate, basis) = if engagement.sent == 0 {
        (prior, ResponseBasis::Prior)
    } else {
        (
            (responded + prior * weight) / (sent + weight),
            if sent < weight {
                ResponseBasis::MostlyPrior
            } else {
                ResponseBasis::OwnHistory
            },
        )
    };
    RankedChannel {
        channel,
        expected_response_pct: crate::math::round(rate * 100.0) as u32,
        basis,
        own_observations: u32::from(engagement.sent),
        cost: rule.cost,
        priority: rule.priority,
    }
}
