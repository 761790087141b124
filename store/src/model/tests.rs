//! Scenarios across the model: updates, events and feedback folded into a state, then minimized.

use super::*;
use persona_edge::channel::Channel;
use persona_edge::profile::{
    Consent, ConsentState, Engagement, LifecycleStage, Profile, RecentSends, ServiceState,
};

/// Wednesday 2026-06-10 17:00 UTC (19:00 in Berlin).
const NOW: u64 = 1_781_110_800;
const DAY: u64 = 86_400;
const HOUR: u64 = 3600;

/// The event `{"subject": subject, "at": at, body...}`.
fn at(subject: &str, at: u64, body: &str) -> Event {
    let json = format!(r#"{{"subject": "{subject}", "at": {at}, {body}}}"#);
    serde_json::from_str(&json).expect("event JSON")
}

fn feedback(json: &str) -> Feedback {
    serde_json::from_str(json).expect("feedback JSON")
}

fn update(json: &str) -> ProfileUpdate {
    let u: ProfileUpdate = serde_json::from_str(json).expect("update JSON");
    assert_eq!(u.validate(), Ok(()));
    u
}

/// Applies events (validated against `now`) and returns the profile at `now`.
fn fold(state: &mut ProfileState, events: &[Event], now: u64) -> Profile {
    let policy = Policy::default();
    for e in events {
        assert_eq!(e.validate(now), Ok(()), "{e:?}");
        state.apply_event(e, &policy, now);
    }
    state.to_profile(&policy, now)
}

#[test]
fn an_empty_state_is_an_empty_profile() {
    let p = ProfileState::new("c_new").to_profile(&Policy::default(), NOW);
    assert_eq!(p.subject, "c_new");
    assert_eq!(p.lifecycle, LifecycleStage::Prospect);
    assert_eq!(p.net_value_band, 0);
    assert!(p.behaviour.affinities.is_empty());
    assert_eq!(p.behaviour.affinity_day, 20_614);
    assert_eq!(p.predictions.churn_risk, 0);
    assert_eq!(p.zone.offset_minutes, 0);
}

#[test]
fn consent_withdrawal_shows_in_the_next_profile() {
    let policy = Policy::default();
    let mut s = ProfileState::new("c_ana");
    s.apply_update(
        &update(r#"{"consent": {"channels": {"email": "granted", "sms": "granted"}, "purposes": {"marketing": "granted"}}}"#),
        NOW - 100 * DAY,
    );
    assert_eq!(
        s.to_profile(&policy, NOW).consent.channel(Channel::Email),
        ConsentState::Granted
    );
    s.apply_update(
        &update(r#"{"consent": {"channels": {"email": "denied"}, "purposes": {"marketing": "denied"}}}"#),
        NOW,
    );
    let p = s.to_profile(&policy, NOW);
    assert_eq!(
        *p.consent.channels.get(Channel::Email),
        Consent {
            state: ConsentState::Denied,
            day: 20_614
        }
    );
    assert_eq!(
        p.consent.purpose(persona_edge::profile::Purpose::Marketing),
        ConsentState::Denied
    );
    assert_eq!(
        p.consent.channel(Channel::Sms),
        ConsentState::Granted,
        "untouched"
    );
}

#[test]
fn complaints_and_refunds_take_effect_at_once() {
    let mut s = ProfileState::new("c_1");
    let p = fold(
        &mut s,
        &[at(
            "c_1",
            NOW - 60,
            r#""type": "complaint_opened", "case_id": "CASE-9""#,
        )],
        NOW,
    );
    assert!(p.service.open_complaint && p.service.active());
    let p = fold(
        &mut s,
        &[at(
            "c_1",
            NOW,
            r#""type": "complaint_closed", "case_id": "CASE-9""#,
        )],
        NOW,
    );
    assert_eq!(p.service, ServiceState::default());

    let p = fold(
        &mut s,
        &[at(
            "c_1",
            NOW - 60,
            r#""type": "refund_requested", "case_id": "R-1""#,
        )],
        NOW,
    );
    assert!(p.service.pending_refund);
    let p = fold(
        &mut s,
        &[at(
            "c_1",
            NOW,
            r#""type": "refund_settled", "case_id": "R-1""#,
        )],
        NOW,
    );
    assert!(!p.service.pending_refund);

    let p = fold(
        &mut s,
        &[at("c_1", NOW, r#""type": "order_late", "order_id": "A-7""#)],
        NOW,
    );
    assert!(p.service.late_order);
    let later = NOW + 15 * DAY;
    assert!(
        !s.to_profile(&Policy::default(), later).service.late_order,
        "expired"
    );
}

#[test]
fn net_value_return_rate_and_discounts_from_events() {
    let mut s = ProfileState::new("c_1");
    let p = fold(
        &mut s,
        &[
            at(
                "c_1",
                NOW - 40 * DAY,
                r#""type": "purchase", "order_id": "A-1", "value": 400, "cost": 240, "items": 4, "discounted": true"#,
            ),
            at(
                "c_1",
                NOW - 10 * DAY,
                r#""type": "purchase", "order_id": "A-2", "value": 100, "cost": 60, "items": 1"#,
            ),
            at(
                "c_1",
                NOW - 9 * DAY,
                r#""type": "return", "order_id": "A-1", "value": 100, "items": 1"#,
            ),
        ],
        NOW,
    );
    // 500 gross - 100 returned - 300 cost * 4/5 kept = 160: band 4 ([100, 200)).
    assert_eq!(p.net_value_band, 4);
    assert_eq!(p.return_rate, 20);
    // (1 discounted + 1) / (2 orders + 4) = 33%.
    assert_eq!(p.behaviour.discount_sensitivity, 33);
    assert_eq!(p.behaviour.price_band, 5, "average order 250");
    assert_eq!(p.lifecycle, LifecycleStage::Active);
    assert_eq!(p.behaviour.rfm.recency, 5);
    assert!(p.predictions.churn_risk > 0 && p.predictions.churn_risk < 20);
}

#[test]
fn supplied_predictions_and_lifecycle_win_and_closing_churns() {
    let policy = Policy::default();
    let mut s = ProfileState::new("c_1");
    fold(
        &mut s,
        &[at(
            "c_1",
            NOW - 200 * DAY,
            r#""type": "purchase", "order_id": "A-1", "value": 50, "items": 1"#,
        )],
        NOW,
    );
    let p = s.to_profile(&policy, NOW);
    assert_eq!(p.lifecycle, LifecycleStage::Lapsed);
    assert_eq!(
        p.predictions.churn_risk, 69,
        "derived from 200 days of silence"
    );
    s.apply_update(
        &update(r#"{"traits": {"lifecycle": "active"}, "predictions": {"churn_risk": 12, "purchase_propensity": 55}}"#),
        NOW,
    );
    let p = s.to_profile(&policy, NOW);
    assert_eq!(p.lifecycle, LifecycleStage::Active);
    assert_eq!(
        (p.predictions.churn_risk, p.predictions.purchase_propensity),
        (12, 55)
    );
    s.apply_update(
        &update(r#"{"traits": {"account_closed": true}, "predictions": {"churn_risk": null}}"#),
        NOW,
    );
    let p = s.to_profile(&policy, NOW);
    assert_eq!(p.lifecycle, LifecycleStage::Churned);
    assert_eq!(p.predictions.churn_risk, 100);
}

#[test]
fn recent_behaviour_beats_old_history() {
    // DOMAIN rule 4: a first purchase in camping three years ago, this week's views of running.
    let mut s = ProfileState::new("c_1");
    let mut events = vec![at(
        "c_1",
        NOW - 3 * 365 * DAY,
        r#""type": "purchase", "order_id": "A-1", "value": 900, "items": 3, "category": "camping""#,
    )];
    for i in 0..4 {
        events.push(at(
            "c_1",
            NOW - i * DAY,
            r#""type": "category_view", "category": "running""#,
        ));
    }
    let p = fold(&mut s, &events, NOW);
    let top = &p.behaviour.affinities;
    assert_eq!(top.first().map(|a| a.category.as_str()), Some("running"));
    assert!(p.behaviour.affinity("running") >= 30);
    assert!(p.behaviour.affinity("camping") < p.behaviour.affinity("running"));
    assert_eq!(p.behaviour.affinity("camping"), 0, "faded entirely");
    // The old purchase still counts for commerce.
    assert_eq!(p.behaviour.rfm.recency, 1);
    assert_eq!(p.lifecycle, LifecycleStage::Lapsed);
    assert_eq!(p.net_value_band, 7, "900 is in [800, 1600)");

    // The same events in the opposite order give the same profile.
    let mut reversed = ProfileState::new("c_1");
    let mut backwards = events.clone();
    backwards.reverse();
    assert_eq!(fold(&mut reversed, &backwards, NOW), p);
}

#[test]
fn recent_sends_count_the_last_day_and_week() {
    let mut s = ProfileState::new("c_1");
    let events: Vec<Event> = [2 * HOUR, 30 * HOUR, 5 * DAY, 9 * DAY]
        .iter()
        .map(|ago| {
            at(
                "c_1",
                NOW - ago,
                r#""type": "message_sent", "channel": "email""#,
            )
        })
        .collect();
    let p = fold(&mut s, &events, NOW);
    assert_eq!(
        *p.behaviour.recent_sends.get(Channel::Email),
        RecentSends { day: 1, week: 3 }
    );
    // The send from nine days ago still counts as a message for engagement.
    assert_eq!(p.behaviour.engagement.get(Channel::Email).sent, 4);
    let policy = Policy::default();
    s.apply_feedback(
        &feedback(&format!(
            r#"{{"subject": "c_1", "kind": "shown", "at": {NOW}}}"#
        )),
        &policy,
        NOW,
    );
    // Half a day later: the e-mail from 30 hours before is still in the week, the one from 5 days too.
    let p = s.to_profile(&policy, NOW + 12 * HOUR);
    assert_eq!(
        *p.behaviour.recent_sends.get(Channel::Web),
        RecentSends { day: 1, week: 1 }
    );
    assert_eq!(
        *p.behaviour.recent_sends.get(Channel::Email),
        RecentSends { day: 1, week: 3 }
    );
    let p = s.to_profile(&policy, NOW + DAY);
    assert_eq!(
        *p.behaviour.recent_sends.get(Channel::Web),
        RecentSends { day: 0, week: 1 }
    );
}

#[test]
fn engagement_responses_never_exceed_sent() {
    let policy = Policy::default();
    let mut s = ProfileState::new("c_1");
    fold(
        &mut s,
        &[
            at(
                "c_1",
                NOW - DAY,
                r#""type": "message_sent", "channel": "sms""#,
            ),
            at(
                "c_1",
                NOW - DAY,
                r#""type": "message_delivered", "channel": "sms""#,
            ),
            at(
                "c_1",
                NOW - DAY,
                r#""type": "message_opened", "channel": "sms""#,
            ),
            at(
                "c_1",
                NOW - DAY,
                r#""type": "message_clicked", "channel": "sms""#,
            ),
        ],
        NOW,
    );
    for kind in ["opened", "clicked", "converted", "converted", "ignored"] {
        s.apply_feedback(
            &feedback(&format!(
                r#"{{"subject": "c_1", "kind": "{kind}", "channel": "sms", "at": {NOW}}}"#
            )),
            &policy,
            NOW,
        );
    }
    let p = s.to_profile(&policy, NOW);
    assert_eq!(
        *p.behaviour.engagement.get(Channel::Sms),
        Engagement {
            sent: 1,
            responded: 1
        }
    );
    for e in p.behaviour.engagement.iter() {
        assert!(e.1.responded <= e.1.sent);
    }
}

#[test]
fn activity_lands_in_the_local_hour_of_week() {
    let mut s = ProfileState::new("c_berlin");
    s.apply_update(
        &update(r#"{"traits": {"time_zone": "Europe/Berlin"}}"#),
        NOW,
    );
    // Wednesdays at 19:00 Berlin time: 17:00 UTC in summer, 18:00 UTC in winter.
    let p = fold(
        &mut s,
        &[
            at(
                "c_berlin",
                NOW,
                r#""type": "page_view", "page_type": "home""#,
            ),
            at("c_berlin", 1_768_413_600, r#""type": "page_view""#),
            at(
                "c_berlin",
                NOW - 7 * DAY + 3 * HOUR,
                r#""type": "page_view""#,
            ),
        ],
        NOW,
    );
    let wednesday_19 = 2 * 24 + 19;
    assert_eq!(p.behaviour.activity.level(wednesday_19), 3);
    assert!(
        p.behaviour.activity.level(wednesday_19 + 3) > 0,
        "last week, 22:00 local"
    );
    assert_eq!(
        p.behaviour.activity.level(2 * 24 + 17),
        0,
        "not the UTC hour"
    );
    assert_eq!(p.zone.offset_minutes, 120);

    // Responses on e-mail build an e-mail histogram once there are enough.
    let policy = Policy::default();
    for _ in 0..3 {
        s.apply_event(
            &at(
                "c_berlin",
                NOW,
                r#""type": "message_opened", "channel": "email""#,
            ),
            &policy,
            NOW,
        );
    }
    let p = s.to_profile(&policy, NOW);
    let email = p.behaviour.channel_histogram(Channel::Email).copied();
    assert_eq!(email.map(|h| h.level(wednesday_19)), Some(3));
}

#[test]
fn a_duplicate_purchase_counts_once() {
    let mut s = ProfileState::new("c_1");
    let purchase = at(
        "c_1",
        NOW,
        r#""type": "purchase", "order_id": "A-1", "value": 30, "items": 1, "category": "yoga""#,
    );
    let once = fold(&mut s, std::slice::from_ref(&purchase), NOW);
    let twice = fold(&mut s, &[purchase], NOW);
    assert_eq!(once, twice);
}

fn rich_state() -> ProfileState {
    let policy = Policy::default();
    let mut s = ProfileState::new("c_ana_7f3a91");
    s.apply_update(
        &update(
            r#"{ "traits": { "locale": "de-DE", "country": "DE", "time_zone": "Europe/Berlin", "loyalty_tier": "silver" },
                 "preferences": { "preferred_channel": "email", "interests": ["camping", "hiking", "trail-running"],
                                  "quiet_hours": { "start_hour": 20, "end_hour": 9 } },
                 "consent": { "channels": { "email": "granted", "sms": "granted", "push": "granted", "web": "granted", "phone": "denied", "ads": "denied" },
                              "purposes": { "marketing": "granted", "personalization": "granted", "analytics": "granted", "ad_targeting": "denied" } },
                 "predictions": { "purchase_propensity": 40 } }"#,
        ),
        NOW - 300 * DAY,
    );
    let categories = [
        "camping", "hiking", "running", "yoga", "climbing", "cycling", "swimming", "fishing",
    ];
    for i in 0..400u64 {
        let when = NOW - (i * 7 * HOUR) % (200 * DAY);
        let category = categories[(i % 8) as usize];
        let channel = Channel::ALL[(i / 10 % 6) as usize].name();
        let body = match i % 10 {
            0 => format!(
                r#""type": "purchase", "order_id": "O-{i}", "value": {}, "cost": 30, "items": 2, "category": "{category}", "discounted": {}"#,
                40 + i,
                i % 3 == 0
            ),
            1 => format!(r#""type": "add_to_cart", "category": "{category}", "value": 20"#),
            2 => r#""type": "return", "value": 20, "items": 1"#.to_string(),
            3 => format!(r#""type": "message_sent", "channel": "{channel}""#),
            4 => format!(r#""type": "message_opened", "channel": "{channel}""#),
            _ => format!(r#""type": "category_view", "category": "{category}""#),
        };
        s.apply_event(&at("c_ana_7f3a91", when, &body), &policy, NOW);
    }
    s.apply_event(
        &at(
            "c_ana_7f3a91",
            NOW,
            r#""type": "refund_requested", "case_id": "R-1""#,
        ),
        &policy,
        NOW,
    );
    s
}

#[test]
fn a_rich_profile_signs_into_a_small_snapshot() {
    let policy = Policy::default();
    let profile = rich_state().to_profile(&policy, NOW);
    assert_eq!(profile.behaviour.affinities.len(), 5);
    assert_eq!(profile.behaviour.channel_activity.len(), 2);
    assert!(profile.service.pending_refund);
    for (_, e) in profile.behaviour.engagement.iter() {
        assert!(
            e.sent > 0 && e.responded > 0 && e.responded <= e.sent,
            "{e:?}"
        );
    }
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let snapshot =
        persona_edge::profile::sign_profile(&profile, NOW, NOW + DAY, 1, "shop-de", &key)
            .expect("signs");
    assert!(
        snapshot.len() <= 512,
        "snapshot is {} bytes",
        snapshot.len()
    );
    // And it verifies as what it is.
    let options = persona_edge::snapshot::VerifyOptions::profile(NOW, "shop-de");
    let keyring = persona_edge::snapshot::Keyring::from_keys([key.verifying_key()]);
    let verified =
        persona_edge::profile::verify_profile(&snapshot, &keyring, &options).expect("verifies");
    assert_eq!(verified.document, profile);
}

#[test]
fn the_state_round_trips_through_json() {
    let state = rich_state();
    let text = serde_json::to_string(&state).expect("serializes");
    let back: ProfileState = serde_json::from_str(&text).expect("deserializes");
    assert_eq!(back, state);
    assert_eq!(back.subject(), "c_ana_7f3a91");
    // Bounded: no event log, however many events went in.
    assert!(text.len() < 16 * 1024, "state is {} bytes", text.len());
    // Parts missing from stored JSON (an older state) take their defaults.
    let old: ProfileState = serde_json::from_str(r#"{"subject": "c_old"}"#).expect("minimal state");
    assert_eq!(old, ProfileState::new("c_old"));
}

#[test]
fn the_state_keeps_no_raw_pii_or_event_log() {
    let text = serde_json::to_string(&rich_state()).expect("serializes");
    assert!(!text.contains('@'));
    assert!(!text.contains("category_view"));
    assert!(!text.contains("message_sent"));
}
