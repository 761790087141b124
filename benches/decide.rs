//! Benchmarks: `decide` with the 50-segment ruleset on a realistic profile, its parts, and verify+decode
//! of profile and ruleset snapshots. The same rules against datalogic-rs: `compare/benches/`.
//!
//! Run: `cargo bench --bench decide` (results and machine in BENCHMARKS.md).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use persona_edge::channel::Channel;
use persona_edge::context::DecisionContext;
use persona_edge::decide::DecisionInput;
use persona_edge::decide::{choose_channel, choose_time, decide, score_segments, top_category};
use persona_edge::profile::Profile;
use persona_edge::profile::{sign_profile, verify_profile};
use persona_edge::ruleset::{
    compile, sign_ruleset, verify_ruleset, Ruleset, RulesetSource, SegmentTest,
};
use persona_edge::session::Session;
use persona_edge::snapshot::{Keyring, VerifyOptions};

fn read<T: serde::de::DeserializeOwned>(relative: &str) -> T {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    serde_json::from_str(&std::fs::read_to_string(path).expect("read sample"))
        .expect("parse sample")
}

struct Fixture {
    ruleset: Ruleset,
    profile: Profile,
    session: Session,
    context: DecisionContext,
}

fn fixture() -> Fixture {
    let source: RulesetSource = read("samples/bench/ruleset-50.json");
    let ruleset = compile(&source).expect("bench ruleset compiles");
    Fixture {
        ruleset,
        profile: read("samples/profiles/carla.json"),
        session: read("samples/sessions/carla.json"),
        context: read("samples/context.json"),
    }
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let input = DecisionInput {
        profile: Some(&f.profile),
        session: &f.session,
        context: &f.context,
        affinity: &f.ruleset.affinity,
    };

    c.bench_function("decide/50 segments, full decision", |b| {
        b.iter(|| {
            decide(
                black_box(&f.ruleset),
                Some(black_box(&f.profile)),
                &f.session,
                &f.context,
            )
        })
    });
    c.bench_function("segments/50 segments (bind fields + evaluate)", |b| {
        b.iter(|| score_segments(black_box(&f.ruleset), black_box(&input)))
    });
    let live = f.session.live;
    c.bench_function("parts/choose_channel", |b| {
        b.iter(|| {
            choose_channel(
                &f.ruleset.channels,
                Some(black_box(&f.profile)),
                &f.session,
                &f.context,
            )
        })
    });
    c.bench_function("parts/choose_time", |b| {
        b.iter(|| {
            choose_time(
                &f.ruleset.timing,
                Some(black_box(&f.profile)),
                Channel::Sms,
                !live,
                f.context.now,
                f.context.purpose,
            )
        })
    });
    c.bench_function("parts/top_category", |b| {
        b.iter(|| {
            top_category(
                Some(black_box(&f.profile)),
                &f.session,
                &f.ruleset.affinity,
                f.context.now,
            )
        })
    });
    c.bench_function("segments/bind fields only", |b| {
        b.iter(|| black_box(&input).bind(&f.ruleset.fields))
    });
    let bound = input.bind(&f.ruleset.fields);
    c.bench_function("segments/evaluate 50 rules on bound slots", |b| {
        b.iter(|| {
            f.ruleset
                .segments
                .iter()
                .filter(|s| match &s.test {
                    SegmentTest::Boolean(rule) => rule.evaluate_bool(black_box(&bound)),
                    SegmentTest::Score { rule, threshold } => rule
                        .evaluate_number(black_box(&bound))
                        .is_some_and(|n| n >= *threshold),
                })
                .count()
        })
    });

    // Snapshot verification + decoding.
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let keyring = Keyring::from_keys([key.verifying_key()]);
    let now = f.context.now;
    let snapshot =
        sign_profile(&f.profile, now, now + 86_400, 1, "bench-shop", &key).expect("sign");
    let opts = VerifyOptions::profile(now, "bench-shop");
    c.bench_function("snapshot/verify+decode profile", |b| {
        b.iter(|| verify_profile(black_box(&snapshot), &keyring, &opts).expect("verifies"))
    });
    let ruleset_snapshot =
        sign_ruleset(&f.ruleset, now, now + 86_400, 1, "bench-shop", &key).expect("sign");
    let ropts = VerifyOptions::ruleset(now, "bench-shop");
    c.bench_function(
        "snapshot/verify+decode+validate ruleset (50 segments)",
        |b| {
            b.iter(|| {
                verify_ruleset(black_box(&ruleset_snapshot), &keyring, &ropts).expect("verifies")
            })
        },
    );
    eprintln!(
        "sizes: profile snapshot {} bytes, ruleset snapshot {} bytes",
        snapshot.len(),
        ruleset_snapshot.len()
    );
}

criterion_group!(all, benches);
criterion_main!(all);
