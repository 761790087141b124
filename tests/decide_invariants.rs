//! Property tests of the domain rules `decide` must never break, over arbitrary profiles, sessions,
//! contexts and channel policies.

mod support;

use persona_edge::channel::Channel;
use persona_edge::context::MessagePurpose;
use persona_edge::decide::{decide, is_quiet, ChoiceBasis, TimingOutcome, TimingSource};
use persona_edge::profile::{ConsentState, LifecycleStage, Purpose};
use persona_edge::ruleset::{QuietHoursPolicy, Ruleset};
use proptest::prelude::*;
use support::*;

/// The sample ruleset with random opt-in requirements, caps and quiet-hours policy.
fn arb_ruleset() -> impl Strategy<Value = Ruleset> {
    (
        prop::array::uniform6(any::<bool>()),
        prop::array::uniform6(prop::option::of(0u8..4)),
        prop::sample::select(vec![
            QuietHoursPolicy::Defer,
            QuietHoursPolicy::NearestEdge,
            QuietHoursPolicy::Drop,
        ]),
    )
        .prop_map(|(opt_in, caps, policy)| {
            let mut ruleset = sample_ruleset();
            for (i, channel) in Channel::ALL.into_iter().enumerate() {
                let rule = ruleset.channels.rules.get_mut(channel);
                rule.requires_opt_in = opt_in[i];
                rule.cap.per_day = caps[i];
            }
            ruleset.timing.quiet_hours_policy = policy;
            ruleset
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Consent is law: a declined channel is never chosen, nor an unknown one that needs opt-in.
    #[test]
    fn never_a_channel_without_consent(
        ruleset in arb_ruleset(), profile in arb_profile(), session in arb_session(), context in arb_context(),
    ) {
        let d = decide(&ruleset, Some(&profile), &session, &context);
        if let Some(channel) = d.channel.channel {
            let consent = profile.consent.channel(channel);
            prop_assert_ne!(consent, ConsentState::Denied);
            if ruleset.channels.rules.get(channel).requires_opt_in {
                prop_assert_eq!(consent, ConsentState::Granted);
            }
            if context.purpose == MessagePurpose::Promotional {
                prop_assert_ne!(profile.consent.purpose(Purpose::Marketing), ConsentState::Denied);
            }
        }
        // Every channel is either excluded with a reason or ranked, never both, never neither.
        for channel in Channel::ALL {
            let excluded = d.channel.excluded.iter().filter(|e| e.channel == channel).count();
            let ranked = d.channel.ranking.iter().filter(|r| r.channel == channel).count();
            prop_assert_eq!(excluded + ranked, 1);
        }
    }

    /// Service before selling: no promotional channel during a service situation; no ads for churned customers;
    /// caps hold for promotional messages.
    #[test]
    fn suppressed_customers_get_no_promotion(
        ruleset in arb_ruleset(), profile in arb_profile(), session in arb_session(), context in arb_context(),
    ) {
        let d = decide(&ruleset, Some(&profile), &session, &context);
        let promotional = context.purpose == MessagePurpose::Promotional;
        if promotional && profile.service.active() {
            prop_assert_eq!(d.channel.channel, None);
            prop_assert_eq!(d.channel.basis, ChoiceBasis::NoEligibleChannel);
        }
        if profile.lifecycle == LifecycleStage::Churned {
            prop_assert_ne!(d.channel.channel, Some(Channel::Ads));
        }
        // Global Privacy Control is an opt-out of sale and sharing: never ads, whatever the profile says.
        if context.global_privacy_control {
            prop_assert_ne!(d.channel.channel, Some(Channel::Ads));
            prop_assert!(!d.channel.ranking.iter().any(|r| r.channel == Channel::Ads));
        }
        // Marketing declined as a purpose: no promotional message on any channel.
        if promotional && profile.consent.purpose(Purpose::Marketing) == ConsentState::Denied {
            prop_assert_eq!(d.channel.channel, None);
        }
        if let (Some(channel), true) = (d.channel.channel, promotional) {
            let sent = profile.behaviour.recent_sends.get(channel).day.saturating_add(*context.extra_sends.get(channel));
            if let Some(cap) = ruleset.channels.rules.get(channel).cap.per_day {
                prop_assert!(sent < cap, "{} sends today, cap {}", sent, cap);
            }
        }
        if let (Some(preferred), Some(channel)) = (profile.preferences.preferred_channel, d.channel.channel) {
            // What the customer said beats what we inferred.
            if d.channel.ranking.iter().any(|r| r.channel == preferred) {
                prop_assert_eq!(channel, preferred);
            }
        }
    }

    /// No send time inside quiet hours (the customer's own, else the ruleset's), none outside the window,
    /// none in the past.
    #[test]
    fn no_send_time_in_quiet_hours(
        ruleset in arb_ruleset(), profile in arb_profile(), session in arb_session(), context in arb_context(),
    ) {
        let d = decide(&ruleset, Some(&profile), &session, &context);
        let Some(timing) = d.timing else { return Ok(()) };
        let Some(at) = timing.at else { return Ok(()) };
        prop_assert_eq!(timing.purpose, context.purpose);
        if timing.outcome == TimingOutcome::Now {
            prop_assert_eq!(at, context.now);
            if timing.source == TimingSource::LiveSession {
                return Ok(());
            }
        } else {
            prop_assert!(at > context.now);
        }
        // Quiet hours hold for every purpose; the campaign's send window for promotions.
        let quiet = profile.preferences.quiet_hours.unwrap_or(ruleset.timing.quiet_hours);
        prop_assert!(!is_quiet(&profile.zone, &quiet, at), "{} is quiet for {:?}", at, quiet);
        let local_hour = (profile.zone.to_local(at).rem_euclid(86_400) / 3600) as u8;
        if context.purpose == MessagePurpose::Promotional {
            prop_assert!(ruleset.timing.send_window.contains(local_hour));
        }
        prop_assert!(at <= context.now + 3600 * u64::from(ruleset.timing.horizon_hours) + 3600);
    }

    /// Without a profile nothing needs consent except an opt-in-free real-time channel.
    #[test]
    fn no_profile_is_safe(ruleset in arb_ruleset(), session in arb_session(), context in arb_context()) {
        let d = decide(&ruleset, None, &session, &context);
        prop_assert!(!d.personalized);
        if let Some(channel) = d.channel.channel {
            let rule = ruleset.channels.rules.get(channel);
            prop_assert!(rule.real_time && !rule.requires_opt_in && session.live);
        }
    }
}
