//! Shared test support: sample data and proptest strategies for profiles, sessions and contexts.
#![allow(dead_code)]

use persona_edge::channel::{Channel, PerChannel};
use persona_edge::context::{ConsentBanner, DecisionContext, MessagePurpose};
use persona_edge::profile::*;
use persona_edge::ruleset::{compile, Ruleset, RulesetSource};
use persona_edge::session::{CategoryViews, Device, Session};
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

fn arb_channel() -> impl Strategy<Value = Channel> + Clone {
    prop::sample::select(Channel::ALL.to_vec())
}

fn arb_consent() -> impl Strategy<Value = Consent> + Clone {
    (
        prop::sample::select(vec![
            ConsentState::Unknown,
            ConsentState::Granted,
            ConsentState::Denied,
        ]),
        0u32..30_000,
    )
        .prop_map(|(state, day)| Consent { state, day })
}

fn arb_per_channel<T: std::fmt::Debug + Clone>(
    item: impl Strategy<Value = T> + Clone,
) -> impl Strategy<Value = PerChannel<T>> {
    prop::array::uniform6(item).prop_map(PerChannel)
}

fn arb_histogram() -> impl Strategy<Value = ActivityHistogram> + Clone {
    prop::collection::vec(0u8..=3, HOURS_PER_WEEK)
        .prop_map(|levels| ActivityHistogram::from_levels(&levels.try_into().expect("168 levels")))
}

fn arb_quiet() -> impl Strategy<Value = QuietHours> {
    (0u8..24, 0u8..24).prop_map(|(start_hour, end_hour)| QuietHours {
        start_hour,
        end_hour,
    })
}

fn arb_zone() -> impl Strategy<Value = ZoneSchedule> {
    (
        -720i16..=840,
        prop::option::of((1_790_000_000u64..1_820_000_000, -720i16..=840)),
    )
        .prop_map(|(offset, change)| ZoneSchedule {
            offset_minutes: offset - offset % 15,
            next_change: change.map(|(at, o)| ZoneChange {
                at,
                offset_minutes: o - o % 15,
            }),
        })
}

/// Arbitrary profiles: every field varies, within the model's ranges.
pub fn arb_profile() -> impl Strategy<Value = Profile> {
    let descriptive = (
        "[a-z0-9_-]{1,24}",
        prop::sample::select(vec!["de-DE", "en-GB", "en-US", ""]),
        arb_zone(),
        0usize..5,
        0usize..6,
        0u8..=10,
        0u8..=100,
    );
    let consent = (
        arb_per_channel(arb_consent()),
        prop::collection::vec((0usize..4, arb_consent()), 0..4),
    );
    let preferences = (
        prop::option::of(arb_channel()),
        prop::collection::vec(prop::sample::select(CATEGORIES.to_vec()), 0..3),
        prop::option::of(arb_quiet()),
    );
    let behaviour = (
        prop::collection::vec((prop::sample::select(CATEGORIES.to_vec()), 0u8..=100), 0..5),
        20_000u32..21_000,
        (0u8..=5, 0u8..=100, 0u8..=5, 0u8..=5, 0u8..=5),
        arb_per_channel((0u16..200, 0u16..200)),
        arb_per_channel((0u8..4, 0u8..8)),
        arb_histogram(),
        prop::collection::vec((arb_channel(), arb_histogram()), 0..3),
    );
    let other = (
        (0u8..=100, 0u8..=100),
        (any::<bool>(), any::<bool>(), any::<bool>()),
    );
    (descriptive, consent, preferences, behaviour, other).prop_map(
        |(
            (subject, locale, zone, tier, stage, value, returns),
            (channels, purposes),
            prefs,
            b,
            o,
        )| {
            let tiers = [
                LoyaltyTier::None,
                LoyaltyTier::Bronze,
                LoyaltyTier::Silver,
                LoyaltyTier::Gold,
                LoyaltyTier::Platinum,
            ];
            let stages = [
                LifecycleStage::Prospect,
                LifecycleStage::New,
                LifecycleStage::Active,
                LifecycleStage::AtRisk,
                LifecycleStage::Lapsed,
                LifecycleStage::Churned,
            ];
            let (
                affinities,
                affinity_day,
                (price_band, discount, r, f, m),
                engagement,
                sends,
                activity,
                per_channel,
            ) = b;
            Profile {
                subject,
                locale: locale.to_owned(),
                country: "DE".into(),
                zone,
                loyalty_tier: tiers[tier],
                lifecycle: stages[stage],
                net_value_band: value,
                return_rate: returns,
                consent: ConsentLedger {
                    channels,
                    purposes: purposes
                        .into_iter()
                        .map(|(p, c)| (Purpose::ALL[p], c))
                        .collect(),
                },
                preferences: StatedPreferences {
                    preferred_channel: prefs.0,
                    interests: prefs.1.into_iter().map(str::to_owned).collect(),
                    quiet_hours: prefs.2,
                },
                behaviour: Behaviour {
                    affinities: affinities
                        .into_iter()
                        .map(|(c, score)| CategoryAffinity {
                            category: c.to_owned(),
                            score,
                        })
                        .collect(),
                    affinity_day,
                    price_band,
                    discount_sensitivity: discount,
                    rfm: RfmBands {
                        recency: r,
                        frequency: f,
                        monetary: m,
                    },
                    engagement: PerChannel(
                        engagement
                            .0
                            .map(|(sent, responded)| Engagement { sent, responded }),
                    ),
                    recent_sends: PerChannel(sends.0.map(|(day, week)| RecentSends {
                        day,
                        week: week.max(day),
                    })),
                    activity,
                    channel_activity: per_channel
                        .into_iter()
                        .map(|(channel, hours)| ChannelActivity { channel, hours })
                        .collect(),
                },
                predictions: Predictions {
                    churn_risk: o.0 .0,
                    purchase_propensity: o.0 .1,
                },
                service: ServiceState {
                    open_complaint: o.1 .0,
                    pending_refund: o.1 .1,
                    late_order: o.1 .2,
                },
            }
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
    )
        .prop_map(|(now, consent_banner, promo, extra)| DecisionContext {
            now,
            country: Some("DE".into()),
            consent_banner,
            purpose: if promo {
                MessagePurpose::Promotional
            } else {
                MessagePurpose::Service
            },
            extra_sends: PerChannel(extra),
        })
}
