//! Each decision vocabulary is declared once in Rust, with `vocabulary!` (`src/vocabulary.rs`): one line
//! per variant gives `ALL`, `name()` and serde's name. The package's TypeScript unions, the binding's
//! JavaScript tables and the demo shop's label tables repeat it outside Rust. These tests fail when any
//! of them drifts from `name()`: a variant added, renamed or removed on one side only.

use persona_edge::channel::Channel;
use persona_edge::context::{ConsentBanner, MessagePurpose};
use persona_edge::decide::{
    ChoiceBasis, ExclusionReason, ResponseBasis, TimingConstraint, TimingOutcome, TimingSource,
    VariantBasis,
};
use persona_edge::ruleset::ItemBlock;
use persona_edge::session::Device;
use persona_edge::snapshot::SnapshotError;
use std::collections::BTreeSet;

/// The binding's own error codes, after the snapshot codes (`errorCodes()` in `src/wasm/engine.rs`).
const BINDING_CODES: [&str; 3] = ["invalid_argument", "no_ruleset", "unsupported_runtime"];

/// Every union of string literals in a TypeScript text (`"a" | "b" | null`), as sets of the strings.
fn string_unions(ts: &str) -> Vec<BTreeSet<String>> {
    let mut unions = Vec::new();
    let mut current = BTreeSet::new();
    let mut rest = ts;
    loop {
        let trimmed = rest.trim_start();
        let joined = trimmed.strip_prefix('|').map(str::trim_start);
        let next = joined.unwrap_or(trimmed);
        if let Some(body) = next.strip_prefix('"') {
            let Some(end) = body.find('"') else { break };
            if joined.is_none() && !current.is_empty() {
                unions.push(std::mem::take(&mut current));
            }
            current.insert(body[..end].to_owned());
            rest = &body[end + 1..];
        } else if joined.is_some() && next.starts_with("null") {
            rest = &next[4..];
        } else {
            if current.len() > 1 {
                unions.push(std::mem::take(&mut current));
            }
            current.clear();
            let mut chars = next.chars();
            if chars.next().is_none() {
                break;
            }
            rest = chars.as_str();
        }
    }
    unions
}

fn set<'a>(names: impl IntoIterator<Item = &'a str>) -> BTreeSet<String> {
    names.into_iter().map(str::to_owned).collect()
}

#[test]
fn the_typescript_unions_match_the_rust_vocabularies() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/pkg-config/src/engine.d.ts");
    let ts = std::fs::read_to_string(path).expect("engine.d.ts");
    let unions = string_unions(&ts);
    let vocabularies: [(&str, BTreeSet<String>); 13] = [
        ("Channel", set(Channel::ALL.map(Channel::name))),
        ("ChoiceBasis", set(ChoiceBasis::ALL.map(ChoiceBasis::name))),
        (
            "ExclusionReason",
            set(ExclusionReason::ALL.map(ExclusionReason::name)),
        ),
        (
            "ResponseBasis",
            set(ResponseBasis::ALL.map(ResponseBasis::name)),
        ),
        (
            "TimingSource",
            set(TimingSource::ALL.map(TimingSource::name)),
        ),
        (
            "TimingOutcome",
            set(TimingOutcome::ALL.map(TimingOutcome::name)),
        ),
        (
            "TimingConstraint",
            set(TimingConstraint::ALL.map(TimingConstraint::name)),
        ),
        (
            "VariantBasis",
            set(VariantBasis::ALL.map(VariantBasis::name)),
        ),
        ("ItemBlock", set(ItemBlock::ALL.map(ItemBlock::name))),
        (
            "MessagePurpose",
            set(MessagePurpose::ALL.map(MessagePurpose::name)),
        ),
        (
            "ConsentBanner",
            set(ConsentBanner::ALL.map(ConsentBanner::name)),
        ),
        ("Device", set(Device::ALL.map(Device::name))),
        (
            "error codes",
            set(SnapshotError::CODES.into_iter().chain(BINDING_CODES)),
        ),
    ];
    for (name, rust) in &vocabularies {
        assert!(
            unions.contains(rust),
            "{name}: no union in engine.d.ts is exactly {rust:?}; unions there: {unions:#?}"
        );
    }
}

#[test]
fn the_error_registry_lists_every_engine_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ERRORS.md");
    let registry = std::fs::read_to_string(path).expect("docs/ERRORS.md");
    for code in SnapshotError::CODES.into_iter().chain(BINDING_CODES) {
        assert!(
            registry.contains(&format!("| `{code}` |")),
            "docs/ERRORS.md has no row for `{code}`"
        );
    }
}

#[test]
fn the_union_reader_reads_unions() {
    let ts = r#"a: "x" | "y";  b: "p"
      | "q" | null; c: "solo"; d: string | "z""#;
    assert_eq!(
        string_unions(ts),
        [set(["x", "y"]), set(["p", "q"])],
        "single strings and mixed unions are not vocabularies"
    );
}

/// Serde's name of each variant is its `name()`: the JSON a decision serializes to and the names the
/// JavaScript tables are built from cannot disagree.
#[test]
fn serde_names_are_the_names() {
    fn check<T: serde::Serialize + Copy>(all: &[T], name: fn(T) -> &'static str) {
        for v in all {
            let json = serde_json::to_value(v).expect("serializes");
            assert_eq!(json, serde_json::Value::String(name(*v).into()));
        }
    }
    check(&Channel::ALL, Channel::name);
    check(&ChoiceBasis::ALL, ChoiceBasis::name);
    check(&ExclusionReason::ALL, ExclusionReason::name);
    check(&ResponseBasis::ALL, ResponseBasis::name);
    check(&TimingSource::ALL, TimingSource::name);
    check(&TimingOutcome::ALL, TimingOutcome::name);
    check(&TimingConstraint::ALL, TimingConstraint::name);
    check(&VariantBasis::ALL, VariantBasis::name);
    check(&ItemBlock::ALL, ItemBlock::name);
    check(&MessagePurpose::ALL, MessagePurpose::name);
    check(&ConsentBanner::ALL, ConsentBanner::name);
    check(&Device::ALL, Device::name);
}

/// The keys of the object literal `const NAME = { key: "…", … };` in a JavaScript text.
fn js_table_keys(js: &str, name: &str) -> BTreeSet<String> {
    let start = js
        .find(&format!("const {name} = {{"))
        .unwrap_or_else(|| panic!("no table {name}"));
    let body = &js[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find('}').unwrap()];
    body.split(',')
        .filter_map(|entry| entry.split_once(':'))
        .map(|(key, _)| key.trim().to_owned())
        .filter(|key| !key.is_empty())
        .collect()
}

/// The demo shop labels every name the engine can give, and nothing else.
#[test]
fn the_demo_labels_match_the_rust_vocabularies() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/app.js");
    let js = std::fs::read_to_string(path).expect("www/app.js");
    let tables: [(&str, BTreeSet<String>); 8] = [
        ("CHANNEL_NAMES", set(Channel::ALL.map(Channel::name))),
        (
            "REASONS",
            set(ExclusionReason::ALL.map(ExclusionReason::name)),
        ),
        ("CHOICE_BASIS", set(ChoiceBasis::ALL.map(ChoiceBasis::name))),
        (
            "RESPONSE_BASIS",
            set(ResponseBasis::ALL.map(ResponseBasis::name)),
        ),
        (
            "TIMING_SOURCE",
            set(TimingSource::ALL.map(TimingSource::name)),
        ),
        ("OUTCOMES", set(TimingOutcome::ALL.map(TimingOutcome::name))),
        (
            "CONSTRAINTS",
            set(TimingConstraint::ALL.map(TimingConstraint::name)),
        ),
        (
            "CONTENT_BASIS",
            set(VariantBasis::ALL.map(VariantBasis::name)),
        ),
    ];
    for (table, rust) in &tables {
        assert_eq!(&js_table_keys(&js, table), rust, "www/app.js {table}");
    }
}

#[test]
fn the_table_reader_reads_keys() {
    let js = "const A = { one: \"x, y\", two_b: \"z\" };\nconst B = { c: \"d\" };";
    assert_eq!(js_table_keys(js, "A"), set(["one", "two_b"]));
    assert_eq!(js_table_keys(js, "B"), set(["c"]));
}
