//! Property tests: payload encoding round trip, verify(sign(x)) == x, and no panic on arbitrary bytes.

#[path = "support/snapshots.rs"]
mod common;

use common::*;
use persona_edge::channel::{Channel, PerChannel};
use persona_edge::codec;
use persona_edge::profile::{
    ActivityHistogram, Behaviour, CategoryAffinity, ChannelActivity, Consent, ConsentLedger,
    ConsentState, Engagement, LifecycleStage, LoyaltyTier, Predictions, Profile, Purpose,
    QuietHours, RecentSends, RfmBands, ServiceState, StatedPreferences, ZoneChange, ZoneSchedule,
    HOURS_PER_WEEK,
};
use persona_edge::snapshot::{
    inspect, sign_profile, verify, verify_profile, Keyring, SnapshotKind, VerifyOptions,
};
use proptest::array::uniform6;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

fn channel() -> impl Strategy<Value = Channel> {
    proptest::sample::select(Channel::ALL.to_vec())
}

fn consent() -> impl Strategy<Value = Consent> {
    let state = prop_oneof![
        Just(ConsentState::Unknown),
        Just(ConsentState::Granted),
        Just(ConsentState::Denied),
    ];
    (state, any::<u32>()).prop_map(|(state, day)| Consent { state, day })
}

fn histogram() -> impl Strategy<Value = ActivityHistogram> {
    vec(0u8..=3, HOURS_PER_WEEK).prop_map(|levels| {
        let levels: [u8; HOURS_PER_WEEK] = levels.try_into().expect("168 levels");
        ActivityHistogram::from_levels(&levels)
    })
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,12}"
}

fn zone() -> impl Strategy<Value = ZoneSchedule> {
    let change = (any::<u64>(), any::<i16>())
        .prop_map(|(at, offset_minutes)| ZoneChange { at, offset_minutes });
    (any::<i16>(), option::of(change)).prop_map(|(offset_minutes, next_change)| ZoneSchedule {
        offset_minutes,
        next_change,
    })
}

fn consent_ledger() -> impl Strategy<Value = ConsentLedger> {
    let purpose = proptest::sample::select(Purpose::ALL.to_vec());
    (uniform6(consent()), vec((purpose, consent()), 0..5)).prop_map(|(channels, purposes)| {
        ConsentLedger {
            channels: PerChannel(channels),
            purposes,
        }
    })
}

fn preferences() -> impl Strategy<Value = StatedPreferences> {
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

fn behaviour() -> impl Strategy<Value = Behaviour> {
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
fn profile() -> impl Strategy<Value = Profile> {
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
        (any::<u8>(), any::<u8>(), consent_ledger(), preferences()),
        (behaviour(), predictions, service),
    )
        .prop_map(
            |(
                (subject, locale, country, zone, loyalty_tier, lifecycle),
                (net_value_band, return_rate, consent, preferences),
                (behaviour, predictions, service),
            )| Profile {
                subject,
                locale,
                country,
                zone,
                loyalty_tier,
                lifecycle,
                net_value_band,
                return_rate,
                consent,
                preferences,
                behaviour,
                predictions,
                service,
            },
        )
}

proptest! {
    #[test]
    fn payload_encoding_round_trips(profile in profile()) {
        let bytes = codec::encode(&profile);
        prop_assert_eq!(codec::decode::<Profile>(&bytes, 1 << 20), Ok(profile));
    }

    #[test]
    fn verify_of_sign_is_identity(
        profile in profile(),
        audience in "[A-Za-z0-9._:-]{1,64}",
        issued_at in 0..=u64::from(u32::MAX),
        lifetime in 0u64..=30 * 86_400,
        age in 0u64..=30 * 86_400,
        sequence in any::<u64>(),
    ) {
        let expires_at = issued_at.saturating_add(lifetime).min(u64::from(u32::MAX));
        let now = issued_at + age.min(expires_at - issued_at);
        let signed = sign_profile(&profile, issued_at, expires_at, sequence, &audience, &current_key()).unwrap();
        let ring = Keyring::from_keys([next_key().verifying_key(), current_key().verifying_key()]);
        let opts = VerifyOptions::profile(now, audience.clone())
            .with_subject(profile.subject.clone())
            .with_min_sequence(sequence)
            .with_max_bytes(1 << 20);
        let verified = verify_profile(&signed, &ring, &opts).unwrap();
        prop_assert_eq!(&verified.document, &profile);
        prop_assert_eq!(verified.header.sequence, sequence);
        prop_assert_eq!(verified.header.issued_at, issued_at);
        prop_assert_eq!(verified.header.expires_at, expires_at);
        prop_assert_eq!(&verified.header.audience, &audience);
        let (header, payload) = inspect(&signed).unwrap();
        prop_assert_eq!(header, verified.header);
        let encoded = codec::encode(&profile);
        prop_assert_eq!(payload, encoded.as_slice());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..600)) {
        let ring = Keyring::from_keys([current_key().verifying_key()]);
        let _ = inspect(&bytes);
        prop_assert!(verify_profile(&bytes, &ring, &VerifyOptions::profile(NOW, AUDIENCE)).is_err());
        let ruleset = VerifyOptions::ruleset(NOW, AUDIENCE);
        prop_assert!(verify::<Vec<String>>(&bytes, &ring, &ruleset).is_err());
    }

    #[test]
    fn bytes_behind_a_valid_prefix_never_panic(
        kind in 0u8..=3,
        rest in vec(any::<u8>(), 0..600),
    ) {
        let mut bytes = b"PESN\x01".to_vec();
        bytes.push(kind);
        bytes.extend_from_slice(&rest);
        let ring = Keyring::from_keys([current_key().verifying_key()]);
        let _ = inspect(&bytes);
        prop_assert!(verify_profile(&bytes, &ring, &VerifyOptions::profile(NOW, AUDIENCE)).is_err());
    }

    #[test]
    fn random_rewrites_of_a_valid_snapshot_are_rejected(
        edits in vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let signed = sign_profile(&realistic_profile(), ISSUED_AT, EXPIRES_AT, SEQUENCE, AUDIENCE, &current_key()).unwrap();
        let mut mutated = signed.clone();
        for (index, value) in edits {
            let at = index.index(mutated.len());
            mutated[at] = value;
        }
        let ring = Keyring::from_keys([current_key().verifying_key()]);
        let result = verify_profile(&mutated, &ring, &VerifyOptions::profile(NOW, AUDIENCE));
        prop_assert_eq!(result.is_ok(), mutated == signed);
    }

    #[test]
    fn arbitrary_payloads_decode_without_panic(bytes in vec(any::<u8>(), 0..2000)) {
        let _ = codec::decode::<Profile>(&bytes, 1 << 16);
    }
}

#[test]
fn generic_and_profile_verifiers_agree_on_kind() {
    let signed = sign_profile(
        &realistic_profile(),
        ISSUED_AT,
        EXPIRES_AT,
        SEQUENCE,
        AUDIENCE,
        &current_key(),
    )
    .unwrap();
    let ring = Keyring::from_keys([current_key().verifying_key()]);
    let opts = VerifyOptions::new(SnapshotKind::Profile, NOW, AUDIENCE);
    let generic = verify::<Profile>(&signed, &ring, &opts).unwrap();
    assert_eq!(generic, verify_profile(&signed, &ring, &opts).unwrap());
}
