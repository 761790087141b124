//! Purposes bind what the store keeps and ships (property tests over random event and feedback
//! sequences): with `personalization` denied no inferred behaviour (interest, activity, engagement) is
//! kept or put into a snapshot; with `analytics` denied feedback keeps only the send instants frequency
//! caps need.

use persona_edge::channel::Channel;
use persona_edge::profile::Profile;
use persona_store::model::{Event, Feedback, Policy, ProfileState, ProfileUpdate};
use proptest::prelude::*;
use serde_json::{json, Value};

const NOW: u64 = 1_796_000_000;
const SUBJECT: &str = "c_prop_1";
const CHANNELS: [&str; 4] = ["email", "sms", "push", "web"];

/// One random event or feedback, as JSON.
fn item() -> impl Strategy<Value = Value> {
    let at = (NOW - 20 * 86_400)..NOW;
    let category = prop::sample::select(vec!["running", "yoga", "camping"]);
    let channel = prop::sample::select(CHANNELS.to_vec());
    prop_oneof![
        (at.clone(), category.clone()).prop_map(|(at, c)| json!({"event": {"subject": SUBJECT, "type": "page_view", "category": c, "at": at}})),
        (at.clone(), category.clone()).prop_map(|(at, c)| json!({"event": {"subject": SUBJECT, "type": "add_to_cart", "category": c, "value": 12.0, "at": at}})),
        (at.clone(), category, 0u32..1000).prop_map(|(at, c, n)| json!({"event": {"subject": SUBJECT, "type": "purchase", "order_id": format!("o{n}"), "value": 30.0, "items": 1, "category": c, "at": at}})),
        (at.clone(), channel.clone()).prop_map(|(at, ch)| json!({"event": {"subject": SUBJECT, "type": "message_opened", "channel": ch, "at": at}})),
        (at, channel, prop::sample::select(vec!["shown", "delivered", "opened", "clicked", "converted"]))
            .prop_map(|(at, ch, kind)| json!({"feedback": {"subject": SUBJECT, "kind": kind, "channel": ch, "at": at}})),
    ]
}

/// A customer who declined `purpose`, then lived through `items`; with `deny_first` false the refusal
/// comes after the items (what was kept before must go).
fn customer(purpose: &str, items: &[Value], deny_first: bool) -> ProfileState {
    let policy = Policy::default();
    let deny: ProfileUpdate = serde_json::from_value(
        json!({"consent": {"purposes": {purpose: "denied"}, "channels": {"email": "granted"}}}),
    )
    .expect("update");
    let mut state = ProfileState::new(SUBJECT);
    if deny_first {
        state.apply_update(&deny, NOW - 30 * 86_400);
    }
    for item in items {
        if let Some(e) = item.get("event") {
            let event: Event = serde_json::from_value(e.clone()).expect("event");
            event.validate(NOW).expect("valid event");
            state.apply_event(&event, &policy, NOW);
        } else {
            let f: Feedback = serde_json::from_value(item["feedback"].clone()).expect("feedback");
            f.validate(NOW).expect("valid feedback");
            state.apply_feedback(&f, &policy, NOW);
        }
    }
    if !deny_first {
        state.apply_update(&deny, NOW);
    }
    state
}

fn no_inferred_behaviour(profile: &Profile) -> bool {
    let b = &profile.behaviour;
    b.affinities.is_empty()
        && b.channel_activity.is_empty()
        && b.activity == Default::default()
        && b.engagement == Default::default()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn personalization_denied_keeps_and_ships_no_inferred_behaviour(
        items in prop::collection::vec(item(), 1..40),
        deny_first in any::<bool>(),
    ) {
        let state = customer("personalization", &items, deny_first);
        let profile = state.to_profile(&Policy::default(), NOW);
        prop_assert!(no_inferred_behaviour(&profile), "{:?}", profile.behaviour);
        let stored = serde_json::to_value(&state).expect("JSON");
        prop_assert_eq!(&stored["interest"], &serde_json::to_value(ProfileState::new(SUBJECT)).unwrap()["interest"]);
        prop_assert_eq!(&stored["activity"], &serde_json::to_value(ProfileState::new(SUBJECT)).unwrap()["activity"]);
        prop_assert_eq!(&stored["engagement"], &serde_json::to_value(ProfileState::new(SUBJECT)).unwrap()["engagement"]);
    }

    #[test]
    fn analytics_denied_keeps_only_what_frequency_caps_need(
        items in prop::collection::vec(item(), 1..40),
    ) {
        let feedback_only: Vec<Value> = items.iter().filter(|i| i.get("feedback").is_some()).cloned().collect();
        let state = customer("analytics", &feedback_only, true);
        let profile = state.to_profile(&Policy::default(), NOW);
        prop_assert!(no_inferred_behaviour(&profile), "{:?}", profile.behaviour);
        // Sends shown within the last week still count for the caps.
        let week_ago = NOW - 7 * 86_400;
        for channel in [Channel::Email, Channel::Sms, Channel::Push, Channel::Web] {
            let shown = feedback_only.iter().filter(|i| {
                let f = &i["feedback"];
                f["kind"] == "shown" && f["channel"] == channel.name() && f["at"].as_u64().unwrap() > week_ago
            }).count();
            let counted = profile.behaviour.recent_sends.get(channel).week as usize;
            prop_assert_eq!(counted, shown.min(usize::from(u8::MAX)), "{}", channel.name());
        }
    }

    #[test]
    fn with_purposes_granted_the_same_items_are_kept(
        items in prop::collection::vec(item(), 1..40),
    ) {
        // The control: the properties above are not vacuous.
        let state = customer("ad_targeting", &items, true);
        let profile = state.to_profile(&Policy::default(), NOW);
        let browsed = items.iter().any(|i| i["event"]["category"].is_string() && i["event"]["type"] != "purchase");
        if browsed {
            prop_assert!(!profile.behaviour.affinities.is_empty());
        }
    }
}
