//! The 50 rules of `samples/bench/ruleset-50.json`, evaluated by persona-edge and by datalogic-rs on the
//! same data, side by side. Both compile once; datalogic-rs gets its data pre-parsed (its fastest path),
//! persona-edge is measured both with and without reading the fields out of the profile.
//!
//! Run: `cargo bench -p persona-edge-compare --ignore-rust-version` (results in BENCHMARKS.md).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use persona_edge::context::DecisionContext;
use persona_edge::decide::score_segments;
use persona_edge::decide::DecisionInput;
use persona_edge::profile::Profile;
use persona_edge::ruleset::{compile, RulesetSource, SegmentTest};
use persona_edge::session::Session;
use serde_json::Value as Json;

fn read<T: serde::de::DeserializeOwned>(relative: &str) -> T {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(relative);
    serde_json::from_str(&std::fs::read_to_string(path).expect("read sample"))
        .expect("parse sample")
}

fn same(a: &Json, b: &Json) -> bool {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

fn benches(c: &mut Criterion) {
    let source: RulesetSource = read("samples/bench/ruleset-50.json");
    let ruleset = compile(&source).expect("bench ruleset compiles");
    let profile: Profile = read("samples/profiles/carla.json");
    let session: Session = read("samples/sessions/carla.json");
    let context: DecisionContext = read("samples/context.json");
    let input = DecisionInput {
        profile: Some(&profile),
        session: &session,
        context: &context,
        affinity: &ruleset.affinity,
    };
    let slots = input.bind(&ruleset.fields);

    let engine = datalogic_rs::Engine::new();
    // The data document datalogic-rs sees: the same values persona-edge binds into its slots.
    let json = input.document(&ruleset.fields).to_string();
    let data = datalogic_rs::ParsedData::from_json(&json).expect("parse");
    let mut theirs = Vec::new();
    // Same rules, same order, same answers: the comparison is of equal work.
    for segment in &ruleset.segments {
        let authored = source
            .segments
            .iter()
            .find(|s| *s.name == *segment.name)
            .expect("segment");
        let rule_json = authored
            .rule
            .as_ref()
            .or(authored.score.as_ref())
            .expect("rule or score")
            .to_string();
        let compiled = engine
            .compile(rule_json.as_str())
            .expect("datalogic compiles");
        let (SegmentTest::Boolean(rule) | SegmentTest::Score { rule, .. }) = &segment.test;
        let ours = rule.evaluate(&slots).to_json();
        let result: Json = serde_json::from_str(
            &engine
                .eval_str(rule_json.as_str(), json.as_str())
                .expect("eval"),
        )
        .expect("json");
        assert!(
            same(&ours, &result),
            "segment {}: ours {ours}, datalogic {result}",
            segment.name
        );
        theirs.push(compiled);
    }

    let mut group = c.benchmark_group("50 rules");
    group.bench_function("persona-edge: evaluate on bound slots", |b| {
        b.iter(|| {
            ruleset
                .segments
                .iter()
                .filter(|s| match &s.test {
                    SegmentTest::Boolean(rule) => rule.evaluate_bool(black_box(&slots)),
                    SegmentTest::Score { rule, threshold } => rule
                        .evaluate_number(black_box(&slots))
                        .is_some_and(|n| n >= *threshold),
                })
                .count()
        })
    });
    group.bench_function(
        "persona-edge: read fields from the profile + evaluate",
        |b| b.iter(|| score_segments(black_box(&ruleset), black_box(&input))),
    );
    let mut arena = datalogic_rs::bumpalo::Bump::new();
    group.bench_function("datalogic-rs: evaluate on pre-parsed data", |b| {
        b.iter(|| {
            let mut matched = 0usize;
            for rule in &theirs {
                let result = engine.evaluate(rule, &data, &arena).expect("evaluate");
                matched += usize::from(engine.truthy(result));
            }
            arena.reset();
            black_box(matched)
        })
    });
    group.finish();
}

criterion_group!(all, benches);
criterion_main!(all);
