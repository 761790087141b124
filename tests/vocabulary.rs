//! Each decision vocabulary is declared once in Rust (`ALL` and `name()`); the package's TypeScript
//! declarations repeat it as string unions for their users. This test fails when a union drifts from
//! Rust: a variant added, renamed or removed on one side only.

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
