//! Shared by the snapshot tests and by `examples/golden_snapshots.rs` (included with `#[path]`): a
//! realistic sample profile and the TEST ONLY keys. It has no tests of its own.
#![allow(dead_code)]

use ed25519_dalek::SigningKey;
use persona_edge::channel::{Channel, PerChannel};
use persona_edge::profile::{
    ActivityHistogram, Behaviour, CategoryAffinity, ChannelActivity, Consent, ConsentLedger,
    ConsentState, Engagement, LifecycleStage, LoyaltyTier, Predictions, Profile, Purpose,
    QuietHours, RecentSends, RfmBands, ServiceState, StatedPreferences, ZoneChange, ZoneSchedule,
    HOURS_PER_WEEK,
};

/// TEST ONLY signing key seed ("current" key). Public: never trust its public key outside tests.
pub const TEST_SEED_CURRENT: [u8; 32] = *b"persona-edge TEST ONLY key #1 !!";
/// TEST ONLY signing key seed ("next" key, for rotation).
pub const TEST_SEED_NEXT: [u8; 32] = *b"persona-edge TEST ONLY key #2 !!";
/// TEST ONLY signing key seed of a key that is never in the keyring.
pub const TEST_SEED_STRANGER: [u8; 32] = *b"persona-edge TEST ONLY stranger!";

/// A 16-character audience.
pub const AUDIENCE: &str = "shop.example.com";
/// A 20-character pseudonymous subject.
pub const SUBJECT: &str = "c_7f3a9b2e41d05c8e66";
/// 2026-03-10T12:00:00Z.
pub const ISSUED_AT: u64 = 1_773_144_000;
/// Seven days later.
pub const EXPIRES_AT: u64 = ISSUED_AT + 7 * 86_400;
/// One hour after issue: the "now" the golden vectors are verified at.
pub const NOW: u64 = ISSUED_AT + 3_600;
/// The sample snapshot's sequence number.
pub const SEQUENCE: u64 = 42;
/// 2026-03-29T01:00:00Z: Europe/Berlin switches from +60 to +120 minutes.
pub const BERLIN_DST_2026: u64 = 1_774_746_000;

pub fn current_key() -> SigningKey {
    SigningKey::from_bytes(&TEST_SEED_CURRENT)
}

pub fn next_key() -> SigningKey {
    SigningKey::from_bytes(&TEST_SEED_NEXT)
}

pub fn stranger_key() -> SigningKey {
    SigningKey::from_bytes(&TEST_SEED_STRANGER)
}

/// A day number (days since 1970-01-01) a few months before [`ISSUED_AT`].
fn day(days_before_issue: u32) -> u32 {
    (ISSUED_AT / 86_400) as u32 - days_before_issue
}

/// Hour-of-week levels from a per-hour rule (cell 0 = Monday 00:00 local).
fn histogram(level: impl Fn(usize, usize) -> u8) -> ActivityHistogram {
    let levels: [u8; HOURS_PER_WEEK] = std::array::from_fn(|h| level(h / 24, h % 24));
    ActivityHistogram::from_levels(&levels)
}

/// A realistic profile: de-DE, Europe/Berlin with the next DST change, gold tier, consent for all six
/// channels and three purposes, stated preferences, five affinities, RFM, engagement and recent sends on
/// six channels, a full overall activity histogram and two channel histograms, predictions, one service flag.
pub fn realistic_profile() -> Profile {
    let consent = |state, days_before| Consent {
        state,
        day: day(days_before),
    };
    let engagement = |sent, responded| Engagement { sent, responded };
    let sends = |day, week| RecentSends { day, week };
    // Overall: weekday lunch and evenings, weekend late mornings, nothing at night.
    let overall = histogram(|weekday, hour| match (weekday >= 5, hour) {
        (_, 0..=6) => 0,
        (false, 7..=8) => 1,
        (false, 12..=13) => 2,
        (false, 19..=21) => 3,
        (false, 22..=23) => 1,
        (true, 9..=12) => 3,
        (true, 13..=20) => 2,
        (_, _) => 1,
    });
    let email = histogram(|weekday, hour| match (weekday, hour) {
        (0..=4, 7..=8) => 3,
        (0..=4, 12..=13) => 2,
        (5..=6, 9..=11) => 1,
        _ => 0,
    });
    let push = histogram(|weekday, hour| match (weekday, hour) {
        (0..=4, 19..=21) => 3,
        (5..=6, 10..=20) => 2,
        (_, 17..=22) => 1,
        _ => 0,
    });
    Profile {
        subject: SUBJECT.into(),
        locale: "de-DE".into(),
        country: "DE".into(),
        zone: ZoneSchedule {
            offset_minutes: 60,
            next_change: Some(ZoneChange {
                at: BERLIN_DST_2026,
                offset_minutes: 120,
            }),
        },
        loyalty_tier: LoyaltyTier::Gold,
        lifecycle: LifecycleStage::Active,
        net_value_band: 8,
        net_value: 1990,
        return_rate: 12,
        consent: ConsentLedger {
            channels: PerChannel([
                consent(ConsentState::Granted, 410),
                consent(ConsentState::Denied, 200),
                consent(ConsentState::Granted, 95),
                consent(ConsentState::Granted, 30),
                consent(ConsentState::Denied, 410),
                consent(ConsentState::Granted, 30),
            ]),
            purposes: vec![
                (Purpose::Marketing, consent(ConsentState::Granted, 30)),
                (Purpose::Personalization, consent(ConsentState::Granted, 30)),
                (Purpose::AdTargeting, consent(ConsentState::Denied, 30)),
            ],
        },
        preferences: StatedPreferences {
            preferred_channel: Some(Channel::Email),
            interests: vec!["running".into(), "outdoor".into(), "nutrition".into()],
            quiet_hours: Some(QuietHours {
                start_hour: 21,
                end_hour: 8,
            }),
        },
        behaviour: Behaviour {
            affinities: vec![
                CategoryAffinity {
                    category: "running".into(),
                    score: 92,
                },
                CategoryAffinity {
                    category: "outdoor".into(),
                    score: 78,
                },
                CategoryAffinity {
                    category: "nutrition".into(),
                    score: 64,
                },
                CategoryAffinity {
                    category: "cycling".into(),
                    score: 41,
                },
                CategoryAffinity {
                    category: "swimming".into(),
                    score: 23,
                },
            ],
            affinity_day: day(1),
            price_band: 4,
            discount_sensitivity: 35,
            rfm: RfmBands {
                recency: 5,
                frequency: 4,
                monetary: 4,
            },
            engagement: PerChannel([
                engagement(48, 17),
                engagement(6, 2),
                engagement(30, 9),
                engagement(120, 44),
                engagement(2, 1),
                engagement(310, 6),
            ]),
            recent_sends: PerChannel([
                sends(1, 3),
                sends(0, 0),
                sends(0, 2),
                sends(2, 9),
                sends(0, 0),
                sends(1, 5),
            ]),
            activity: overall,
            channel_activity: vec![
                ChannelActivity {
                    channel: Channel::Email,
                    hours: email,
                },
                ChannelActivity {
                    channel: Channel::Push,
                    hours: push,
                },
            ],
        },
        predictions: Predictions {
            churn_risk: 12,
            purchase_propensity: 67,
        },
        service: ServiceState {
            late_order: true,
            ..ServiceState::default()
        },
    }
}
