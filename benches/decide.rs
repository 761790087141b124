//! Benchmarks: `decide` with the 50-segment ruleset on a realistic profile, segment scoring alone,
//! verify+decode of a profile snapshot, and the same 50 rules evaluated by datalogic-rs on the same data.
//!
//! Run: `cargo bench --bench decide` (results and machine in BENCHMARKS.md).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use ed25519_dalek::SigningKey;
use persona_edge::channel::Channel;
use persona_edge::context::DecisionContext;
use persona_edge::decide::{choose_channel, choose_time, decide, score_segments, top_category};
use persona_edge::fields::DecisionInput;
use persona_edge::profile::Profile;
use persona_edge::ruleset::{
    compile, sign_ruleset, verify_ruleset, Ruleset, RulesetSource, SegmentTest,
};
use persona_edge::session::Session;
use persona_edge::snapshot::{sign_profile, verify_profile, Keyring, VerifyOptions};
use serde_json::{Map, Value as Json};

fn read<T: serde::de::DeserializeOwned>(relative: &str) -> T {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    serde_json::from_str(&std::fs::read_to_string(path).expect("read sample"))
        .expect("parse sample")
}

struct Fixture {
    source: RulesetSource,
    ruleset: Ruleset,
    profile: Profile,
    session: Session,
    context: DecisionContext,
}

fn fixture() -> Fixture {
    let source: RulesetSource = read("samples/bench/ruleset-50.json");
    let ruleset = compile(&source).expect("bench ruleset compiles");
    Fixture {
        source,
        ruleset,
        profile: read("samples/profiles/carla.json"),
        session: read("samples/sessions/carla.json"),
        context: read("samples/context.json"),
    }
}

/// The data document datalogic-rs sees: every field the rules read, nested by path, with the same values
/// persona-edge binds into its slots.
fn datalogic_document(f: &Fixture) -> String {
    let input = DecisionInput {
        profile: Some(&f.profile),
        session: &f.session,
        context: &f.context,
        affinity: &f.ruleset.affinity,
    };
    let mut root = Map::new();
    for field in &f.ruleset.fields {
        let path = field.path();
        let mut parts: Vec<&str> = path.split('.').collect();
        let last = parts.pop().expect("non-empty path");
        let mut node = &mut root;
        for part in parts {
            node = node
                .entry(part)
                .or_insert_with(|| Json::Object(Map::new()))
                .as_object_mut()
                .expect("object");
        }
        node.insert(last.to_owned(), input.read(field).to_json());
    }
    Json::Object(root).to_string()
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

    // The same 50 rules in datalogic-rs, compiled once, on a pre-parsed document with the same values.
    let engine = datalogic_rs::Engine::new();
    let rules: Vec<_> = f
        .source
        .segments
        .iter()
        .map(|s| {
            let rule = s.rule.as_ref().or(s.score.as_ref()).expect("rule or score");
            engine
                .compile(rule.to_string().as_str())
                .expect("datalogic compiles")
        })
        .collect();
    let document = datalogic_document(&f);
    let data = datalogic_rs::ParsedData::from_json(&document).expect("parse");
    // Same answers first, so the comparison is of equal work.
    let slots = input.bind(&f.ruleset.fields);
    for (segment, source) in f.ruleset.segments.iter().zip(ruleset_sources(&f)) {
        let ours = match &segment.test {
            SegmentTest::Boolean(rule) | SegmentTest::Score { rule, .. } => {
                rule.evaluate(&slots).to_json()
            }
        };
        let theirs = engine
            .eval_str(source.to_string().as_str(), &document)
            .expect("eval");
        let theirs: Json = serde_json::from_str(&theirs).expect("json");
        assert!(
            same(&ours, &theirs),
            "segment {}: ours {ours}, datalogic {theirs}",
            segment.name
        );
    }
    let mut arena = datalogic_rs::bumpalo::Bump::new();
    c.bench_function("datalogic-rs/50 rules (pre-parsed data)", |b| {
        b.iter(|| {
            let mut matched = 0usize;
            for rule in &rules {
                let result = engine.evaluate(rule, &data, &arena).expect("evaluate");
                matched += usize::from(engine.truthy(result));
            }
            arena.reset();
            black_box(matched)
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

/// The authoring rules in compiled-segment order.
fn ruleset_sources(f: &Fixture) -> Vec<Json> {
    f.ruleset
        .segments
        .iter()
        .map(|seg| {
            let s = f
                .source
                .segments
                .iter()
                .find(|s| *s.name == *seg.name)
                .expect("segment");
            s.rule.clone().or_else(|| s.score.clone()).expect("rule")
        })
        .collect()
}

fn same(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

criterion_group!(all, benches);
criterion_main!(all);
