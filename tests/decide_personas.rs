//! The sample customers of DOMAIN.md, decided with the sample ruleset: each decision and its reasons.

mod support;

use persona_edge::channel::Channel;
use persona_edge::context::MessagePurpose;
use persona_edge::decide::{
    decide, ChoiceBasis, Decision, ExclusionReason, ResponseBasis, TimingOutcome, TimingSource,
    VariantBasis,
};
use persona_edge::ruleset::ItemBlock;
use persona_edge::session::Session;
use support::*;

fn session(name: &str) -> Session {
    read_json(&format!("samples/sessions/{name}.json"))
}

fn decide_for(name: &str, session: &Session) -> Decision {
    let profile = sample_profile(name);
    decide(
        &sample_ruleset(),
        Some(&profile),
        session,
        &sample_context(),
    )
}

fn variant<'d>(d: &'d Decision, slot: &str) -> &'d str {
    &d.content
        .iter()
        .find(|c| c.slot == slot)
        .expect("slot")
        .variant
}

fn reason(d: &Decision, channel: Channel) -> Option<ExclusionReason> {
    d.channel
        .excluded
        .iter()
        .find(|e| e.channel == channel)
        .map(|e| e.reason)
}

#[test]
fn declined_phone_prefers_email_refund_pending() {
    let d = decide_for("ana", &Session::default());
    assert!(d.matched_segments().any(|s| s == "service_situation"));
    // Promotion is suppressed on every channel; phone is out for consent before anything else.
    assert_eq!(d.channel.channel, None);
    assert_eq!(d.channel.basis, ChoiceBasis::NoEligibleChannel);
    assert_eq!(
        reason(&d, Channel::Phone),
        Some(ExclusionReason::ConsentDenied)
    );
    assert_eq!(
        reason(&d, Channel::Push),
        Some(ExclusionReason::ConsentUnknown)
    );
    assert_eq!(
        reason(&d, Channel::Email),
        Some(ExclusionReason::ServiceSituation)
    );
    assert_eq!(variant(&d, "hero"), "hero-service");
    assert_eq!(variant(&d, "offer"), "offer-none-service");
    // Sell what exists: the tent is out of stock, the stove is shown instead.
    let recs = d
        .content
        .iter()
        .find(|c| c.slot == "recommendations")
        .unwrap();
    assert_eq!(recs.variant, "rec-camping-stove");
    assert_eq!(recs.skipped[0].variant, "rec-camping-tent");
    assert_eq!(recs.skipped[0].reason, ItemBlock::OutOfStock);

    // A service message goes through the preferred channel, e-mail; never the phone.
    let mut context = sample_context();
    context.purpose = MessagePurpose::Service;
    let d = decide(
        &sample_ruleset(),
        Some(&sample_profile("ana")),
        &Session::default(),
        &context,
    );
    assert_eq!(d.channel.channel, Some(Channel::Email));
    assert_eq!(d.channel.basis, ChoiceBasis::StatedPreference);
    assert_eq!(
        reason(&d, Channel::Phone),
        Some(ExclusionReason::ConsentDenied)
    );
    assert_eq!(
        reason(&d, Channel::Sms),
        Some(ExclusionReason::NotPreferredForService)
    );
    // Her e-mail peak is 12:00 on weekdays, but a refund message does not wait for it: 10:15 in Berlin
    // is outside her quiet hours, so it goes now, planned as a service message.
    let timing = d.timing.unwrap();
    assert_eq!(timing.outcome, TimingOutcome::Now);
    assert_eq!(timing.at, Some(context.now));
    assert_eq!(timing.purpose, MessagePurpose::Service);
    assert_eq!(timing.source, TimingSource::FirstAllowedInstant);
    assert_eq!(timing.best_hour_of_week, None);
}

#[test]
fn mobile_shopper_whose_interest_moved() {
    // A year-old camping affinity against three running views today.
    let d = decide_for("ben", &session("ben"));
    assert_eq!(d.top_category.as_deref(), Some("running"));
    assert!(d.matched_segments().any(|s| s == "running_enthusiast"));
    assert!(!d.matched_segments().any(|s| s == "outdoor_enthusiast"));
    assert!(d.matched_segments().any(|s| s == "mobile_shopper"));
    assert_eq!(variant(&d, "hero"), "hero-running");
    // Both running items qualify; the watch has the higher margin.
    assert_eq!(variant(&d, "recommendations"), "rec-running-watch");
    // Push answers best in his history; SMS consent is unknown.
    assert_eq!(d.channel.channel, Some(Channel::Push));
    assert_eq!(d.channel.basis, ChoiceBasis::ExpectedResponse);
    assert_eq!(
        reason(&d, Channel::Sms),
        Some(ExclusionReason::ConsentUnknown)
    );
    assert_eq!(d.channel.ranking[0].expected_response_pct, 25);

    let without_session = decide_for("ben", &Session::default());
    assert_eq!(without_session.top_category.as_deref(), Some("camping"));
}

#[test]
fn discount_seeker_gets_the_discount_by_sms() {
    let d = decide_for("carla", &session("carla"));
    assert!(d.matched_segments().any(|s| s == "discount_seeker"));
    assert_eq!(variant(&d, "offer"), "offer-discount");
    assert_eq!(d.channel.channel, Some(Channel::Sms));
    let timing = d.timing.unwrap();
    assert_eq!(timing.outcome, TimingOutcome::BestHour);
    // Her SMS peak is 20:00 local in New York (UTC-5).
    assert_eq!(timing.local_hour_of_week.map(|h| h % 24), Some(20));
}

#[test]
fn vip_by_net_value_is_called_as_he_asked() {
    let d = decide_for("david", &Session::default());
    assert_eq!(
        d.segments.iter().find(|s| s.matched).map(|s| &*s.name),
        Some("vip")
    );
    assert_eq!(variant(&d, "hero"), "hero-vip");
    assert_eq!(d.channel.channel, Some(Channel::Phone));
    assert_eq!(d.channel.basis, ChoiceBasis::StatedPreference);
    assert_eq!(
        reason(&d, Channel::Ads),
        Some(ExclusionReason::ConsentDenied)
    );
}

#[test]
fn churned_customer_gets_no_acquisition_ads() {
    let d = decide_for("erik", &Session::default());
    assert!(d.matched_segments().any(|s| s == "churned"));
    let churn = d
        .segments
        .iter()
        .find(|s| &*s.name == "likely_to_churn")
        .unwrap();
    assert_eq!(churn.score, Some(102.0));
    assert_eq!(reason(&d, Channel::Ads), Some(ExclusionReason::Churned));
    assert_eq!(variant(&d, "hero"), "hero-winback");
    assert_eq!(variant(&d, "offer"), "offer-loyalty");
    assert_eq!(d.channel.channel, Some(Channel::Email));
}

#[test]
fn first_time_visitor_without_profile() {
    let d = decide(
        &sample_ruleset(),
        None,
        &session("visitor"),
        &sample_context(),
    );
    assert!(!d.personalized);
    assert!(d
        .matched_segments()
        .eq(["first_time_visitor", "mobile_shopper"]));
    assert_eq!(variant(&d, "offer"), "offer-welcome");
    assert_eq!(variant(&d, "hero"), "hero-default");
    assert_eq!(d.content[0].basis, VariantBasis::Default);
    // Only the real-time web channel, now, during the live session.
    assert_eq!(d.channel.channel, Some(Channel::Web));
    assert_eq!(d.timing.unwrap().outcome, TimingOutcome::Now);
    assert!(d
        .channel
        .excluded
        .iter()
        .all(|e| e.channel == Channel::Web || e.reason == ExclusionReason::NoProfile));
}

#[test]
fn withdrawn_consent_changes_the_decision() {
    let mut profile = sample_profile("carla");
    let before = decide(
        &sample_ruleset(),
        Some(&profile),
        &session("carla"),
        &sample_context(),
    );
    assert_eq!(before.channel.channel, Some(Channel::Sms));
    profile.consent.channels.get_mut(Channel::Sms).state =
        persona_edge::profile::ConsentState::Denied;
    let after = decide(
        &sample_ruleset(),
        Some(&profile),
        &session("carla"),
        &sample_context(),
    );
    assert_ne!(after.channel.channel, Some(Channel::Sms));
    assert_eq!(
        reason(&after, Channel::Sms),
        Some(ExclusionReason::ConsentDenied)
    );
}

#[test]
fn a_rule_on_net_value_ranks_a_steady_buyer_above_a_returner() {
    // Net 2,000 (bought 5,000, returned 60 %) and net 2,500 (bought 2,500, kept all), as the store
    // generalizes them (edges 1,990 and 2,390): same coarse band, told apart by `profile.net_value`.
    let mut source: persona_edge::ruleset::RulesetSource = read_json("samples/ruleset.json");
    source.segments.push(
        serde_json::from_value(serde_json::json!(
            { "name": "top_value", "priority": 1,
              "rule": { ">=": [{ "var": "profile.net_value" }, 2200] } }
        ))
        .expect("segment"),
    );
    let ruleset = persona_edge::ruleset::compile(&source).expect("compiles");
    let matched = |net_value: u32| {
        let mut profile = sample_profile("carla");
        profile.net_value_band = 8;
        profile.net_value = net_value;
        decide(
            &ruleset,
            Some(&profile),
            &Session::default(),
            &sample_context(),
        )
        .matched_segments()
        .any(|s| s == "top_value")
    };
    assert!(!matched(1990));
    assert!(matched(2390));
}

#[test]
fn the_response_basis_is_named_by_the_weight_of_evidence() {
    // One e-mail sent and none opened: the prior (weight 20 in the sample ruleset) makes up nearly all
    // of the rate, so the basis says so and counts the one own observation.
    let basis_after = |sent: u16, responded: u16| {
        let mut profile = sample_profile("carla");
        *profile.behaviour.engagement.get_mut(Channel::Email) =
            persona_edge::profile::Engagement { sent, responded };
        let d = decide(
            &sample_ruleset(),
            Some(&profile),
            &Session::default(),
            &sample_context(),
        );
        let email = d
            .channel
            .ranking
            .iter()
            .find(|r| r.channel == Channel::Email);
        email.map(|r| (r.basis, r.own_observations))
    };
    assert_eq!(basis_after(1, 0), Some((ResponseBasis::MostlyPrior, 1)));
    assert_eq!(basis_after(0, 0), Some((ResponseBasis::Prior, 0)));
    assert_eq!(basis_after(40, 12), Some((ResponseBasis::OwnHistory, 40)));
}
