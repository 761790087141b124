//! Shared test support: sample data and proptest strategies for profiles, sessions and contexts.
#![allow(dead_code)]

use persona_edge::channel::{Channel, PerChannel};
use persona_edge::context::{ConsentBanner, DecisionContext, MessagePurpose};
use persona_edge::profile::*;
use persona_edge::ruleset::{compile, Ruleset, RulesetSource};
use persona_edge::session::{CategoryViews, Device, Session};
use proptest::array::uniform6;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use std::path::PathBuf;

/// Path of a file under the repository root.
pub fn repo_path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// Reads and parses a JSON file under the repository root.
pub fn read_json<T: serde::de::DeserializeOwned>(relative: &str) -> T {
    let text = std::fs::read_to_string(repo_path(relative)).expect("read sample");
    serde_json::from_str(&text).expect("parse sample")
}

/// The compiled sample ruleset.
pub fn sample_ruleset() -> Ruleset {
    let source: RulesetSource = read_json("samples/ruleset.json");
    compile(&source).expect("sample ruleset compiles")
}

/// A sample profile by persona name (ana, ben, carla, david, erik).
pub fn sample_profile(name: &str) -> Profile {
    read_json(&format!("samples/profiles/{name}.json"))
}

/// The sample request context (Monday 2026-11-23 09:15 UTC).
pub fn sample_context() -> DecisionContext {
    read_json("samples/context.json")
}

pub const CATEGORIES: [&str; 5] = ["running", "camping", "cycling", "hiking", "yoga"];

pub fn channel() -> impl Strategy<Value = Channel> {
    proptest::sample::select(Channel::ALL.to_vec())
}

pub fn consent() -> impl Strategy<Value = Consent> {
    let state = prop_oneof![
        Just(ConsentState::Unknown),
        Just(ConsentState::Granted),
        Just(ConsentState::Denied),
    ];
    (state, any::<u32>()).prop_map(|(state, day)| Consent { state, day })
}

pub fn histogram() -> impl Strategy<Value = ActivityHistogram> {
    vec(0u8..=3, HOURS_PER_WEEK).prop_map(|levels| {
        let levels: [u8; HOURS_PER_WEEK] = levels.try_into().expect("168 levels");
        ActivityHistogram::from_levels(&levels)
    })
}

pub fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

pub fn zone() -> impl Strategy<Value = ZoneSchedule> {
    let change = (any::<u64>(), any::<i16>())
        .prop_map(|(at, offset_minutes)| ZoneChange { at, offset_minutes });
    (any::<i16>(), option::of(change)).prop_map(|(offset_minutes, next_change)| ZoneSchedule {
        offset_minutes,
        next_change,
    })
}

pub fn consent_ledger() -> impl Strategy<Value = ConsentLedger> {
    let purpose = proptest::sample::select(Purpose::ALL.to_vec());
    (uniform6(consent()), vec((purpose, consent()), 0..5)).prop_map(|(channels, purposes)| {
        ConsentLedger {
            channels: PerChannel(channels),
            purposes,
        }
    })
}

pub fn preferences() -> impl Strategy<Value = StatedPreferences> {
    let quiet = (0u8..24, 0u8..24).prop_map(|(start_hour, end_hour)| QuietHours {
        start_hour,
        end_hour,
    });
    (option::of(channel()), vec(text(), 0..5), option::of(quiet)).prop_map(
        |(preferred_channel, interests, quiet_hours)| StatedPreferences {
            preferred_channel,
            interests,
            quiet_hours,
        },
    )
}

pub fn behaviour() -> impl Strategy<Value = Behaviour> {
    let affinity =
        (text(), any::<u8>()).prop_map(|(category, score)| CategoryAffinity { category, score });
    let rfm = any::<(u8, u8, u8)>().prop_map(|(recency, frequency, monetary)| RfmBands {
        recency,
        frequency,
        monetary,
    });
    let engagement =
        any::<(u16, u16)>().prop_map(|(sent, responded)| Engagement { sent, responded });
    let sends = any::<(u8, u8)>().prop_map(|(day, week)| RecentSends { day, week });
    let channel_activity =
        (channel(), histogram()).prop_map(|(channel, hours)| ChannelActivity { channel, hours });
    (
        (
            vec(affinity, 0..8),
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            rfm,
        ),
        (
            uniform6(engagement),
            uniform6(sends),
            histogram(),
            vec(channel_activity, 0..4),
        ),
    )
        .prop_map(
            |(
                (affinities, affinity_day, price_band, discount_sensitivity, rfm),
                (engagement, recent_sends, activity, channel_activity),
            )| Behaviour {
                affinities,
                affinity_day,
                price_band,
                discount_sensitivity,
                rfm,
                engagement: PerChannel(engagement),
                recent_sends: PerChannel(recent_sends),
                activity,
                channel_activity,
            },
        )
}

/// Arbitrary profiles with a valid subject.
pub fn arb_profile() -> impl Strategy<Value = Profile> {
    let tier = proptest::sample::select(vec![
        LoyaltyTier::None,
        LoyaltyTier::Bronze,
        LoyaltyTier::Silver,
        LoyaltyTier::Gold,
        LoyaltyTier::Platinum,
    ]);
    let lifecycle = proptest::sample::select(vec![
        LifecycleStage::Prospect,
        LifecycleStage::New,
        LifecycleStage::Active,
        LifecycleStage::AtRisk,
        LifecycleStage::Lapsed,
        LifecycleStage::Churned,
    ]);
    let predictions = any::<(u8, u8)>().prop_map(|(churn_risk, purchase_propensity)| Predictions {
        churn_risk,
        purchase_propensity,
    });
    let service =
        any::<(bool, bool, bool)>().prop_map(|(open_complaint, pending_refund, late_order)| {
            ServiceState {
                open_complaint,
                pending_refund,
                late_order,
            }
        });
    (
        (
            "[A-Za-z0-9_-]{1,64}",
            text(),
            "[A-Z]{2}",
            zone(),
            tier,
            lifecycle,
        ),
        (
            any::<u8>(),
            any::<u32>(),
            any::<u8>(),
            consent_ledger(),
            preferences(),
        ),
        (behaviour(), predictions, service),
    )
        .prop_map(
            |(
                (subject, locale, country, zone, loyalty_tier, lifecycle),
                (net_value_band, net_value, return_rate, consent, preferences),
                (behaviour, predictions, service),
            )| Profile {
                subject,
                locale,
                country,
                zone,
                loyalty_tier,
                lifecycle,
                net_value_band,
                net_value,
                return_rate,
                consent,
                preferences,
                behaviour,
                predictions,
                service,
            },
        )
}

/// Arbitrary live sessions.
pub fn arb_session() -> impl Strategy<Value = Session> {
    (
        any::<bool>(),
        prop::sample::select(vec![
            Device::Unknown,
            Device::Desktop,
            Device::Mobile,
            Device::Tablet,
        ]),
        prop::collection::vec((prop::sample::select(CATEGORIES.to_vec()), 1u32..6), 0..3),
        0.0f64..500.0,
    )
        .prop_map(|(live, device, cats, cart_value)| Session {
            live,
            device,
            page_type: "product".into(),
            page_views: cats.len() as u32,
            categories: cats
                .into_iter()
                .map(|(c, views)| CategoryViews {
                    category: c.to_owned(),
                    views,
                })
                .collect(),
            cart_value,
        })
}

/// Arbitrary request contexts within a few years of now.
pub fn arb_context() -> impl Strategy<Value = DecisionContext> {
    (
        1_790_000_000u64..1_820_000_000,
        prop::sample::select(vec![
            ConsentBanner::Unanswered,
            ConsentBanner::Accepted,
            ConsentBanner::Rejected,
            ConsentBanner::Partial,
        ]),
        any::<bool>(),
        prop::array::uniform6(0u8..3),
        any::<bool>(),
    )
        .prop_map(|(now, consent_banner, promo, extra, gpc)| DecisionContext {
            now,
            country: Some("DE".into()),
            consent_banner,
            purpose: if promo {
                MessagePurpose::Promotional
            } else {
                MessagePurpose::Service
            },
            extra_sends: PerChannel(extra),
            global_privacy_control: gpc,
        })
}
