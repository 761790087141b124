//! The JSON Schemas in `docs/schema/` agree with the Rust types: every sample validates against its schema
//! and deserializes with its type, and documents the schema rejects are rejected by the Rust side too
//! (by serde, by `ruleset::compile`, or by the subject rule `persona sign` applies).

use persona_edge::context::DecisionContext;
use persona_edge::profile::Profile;
use persona_edge::ruleset::{compile, RulesetSource};
use persona_edge::session::Session;
use persona_edge::subject::is_valid_subject;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// The four authoring formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ruleset,
    Profile,
    Session,
    Context,
}

impl Kind {
    const ALL: [Kind; 4] = [Kind::Ruleset, Kind::Profile, Kind::Session, Kind::Context];

    fn schema_file(self) -> &'static str {
        match self {
            Kind::Ruleset => "docs/schema/ruleset.schema.json",
            Kind::Profile => "docs/schema/profile.schema.json",
            Kind::Session => "docs/schema/session.schema.json",
            Kind::Context => "docs/schema/context.schema.json",
        }
    }

    /// Which schema a file under `samples/` is written against.
    fn of_sample(relative: &str) -> Option<Kind> {
        if relative == "ruleset.json" || relative.starts_with("bench/ruleset") {
            Some(Kind::Ruleset)
        } else if relative.starts_with("profiles/") {
            Some(Kind::Profile)
        } else if relative.starts_with("sessions/") {
            Some(Kind::Session)
        } else if relative == "context.json" {
            Some(Kind::Context)
        } else {
            None
        }
    }

    fn validator(self) -> jsonschema::Validator {
        let schema = read_json(&repo_path(self.schema_file()));
        jsonschema::draft202012::new(&schema)
            .unwrap_or_else(|e| panic!("{} does not build: {e}", self.schema_file()))
    }

    /// What the Rust side says about a document: `Ok` when it is accepted the way the CLI accepts it.
    fn rust_accepts(self, doc: &Value) -> Result<(), String> {
        match self {
            Kind::Ruleset => {
                let source: RulesetSource =
                    serde_json::from_value(doc.clone()).map_err(|e| format!("serde: {e}"))?;
                compile(&source)
                    .map(drop)
                    .map_err(|e| format!("compile: {e}"))
            }
            Kind::Profile => {
                let profile: Profile =
                    serde_json::from_value(doc.clone()).map_err(|e| format!("serde: {e}"))?;
                if is_valid_subject(&profile.subject) {
                    Ok(())
                } else {
                    Err(format!("invalid subject {:?}", profile.subject))
                }
            }
            Kind::Session => serde_json::from_value::<Session>(doc.clone())
                .map(drop)
                .map_err(|e| format!("serde: {e}")),
            Kind::Context => serde_json::from_value::<DecisionContext>(doc.clone())
                .map(drop)
                .map_err(|e| format!("serde: {e}")),
        }
    }
}

fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

fn read_json(path: &Path) -> Value {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("parse {}: {e}", path.display()))
}

/// Every `*.json` under `samples/`, relative to it, sorted.
fn sample_files() -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).expect("read samples dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                let relative = path.strip_prefix(root).expect("under samples");
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let root = repo_path("samples");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn schema_errors(validator: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    validator
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// `base` with the value at JSON pointer `pointer` replaced (or, for an object member, inserted).
fn with(base: &Value, pointer: &str, value: Value) -> Value {
    let mut doc = base.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    match doc.pointer_mut(parent) {
        Some(Value::Object(map)) => {
            map.insert(key.to_owned(), value);
        }
        Some(Value::Array(items)) => {
            let index: usize = key.parse().expect("array index");
            items[index] = value;
        }
        _ => panic!("no object or array at {parent}"),
    }
    doc
}

/// `base` without the object member at `pointer`.
fn without(base: &Value, pointer: &str) -> Value {
    let mut doc = base.clone();
    let (parent, key) = pointer.rsplit_once('/').expect("pointer has a parent");
    doc.pointer_mut(parent)
        .and_then(Value::as_object_mut)
        .unwrap_or_else(|| panic!("no object at {parent}"))
        .remove(key)
        .unwrap_or_else(|| panic!("nothing at {pointer}"));
    doc
}

fn sample(relative: &str) -> Value {
    read_json(&repo_path(&format!("samples/{relative}")))
}

#[test]
fn schemas_are_valid_draft_2020_12() {
    for kind in Kind::ALL {
        let schema = read_json(&repo_path(kind.schema_file()));
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema",
            "{}",
            kind.schema_file()
        );
        if let Err(e) = jsonschema::draft202012::meta::validate(&schema) {
            panic!("{} is not a valid 2020-12 schema: {e}", kind.schema_file());
        }
        kind.validator();
    }
}

#[test]
fn every_sample_validates_and_deserializes() {
    let files = sample_files();
    let mut seen = Vec::new();
    for relative in &files {
        let kind = Kind::of_sample(relative)
            .unwrap_or_else(|| panic!("samples/{relative}: no schema for this file; add it here"));
        let doc = sample(relative);
        let errors = schema_errors(&kind.validator(), &doc);
        assert!(
            errors.is_empty(),
            "samples/{relative} against {}:\n{}",
            kind.schema_file(),
            errors.join("\n")
        );
        if let Err(e) = kind.rust_accepts(&doc) {
            panic!("samples/{relative} as {kind:?}: {e}");
        }
        seen.push(kind);
    }
    for (kind, at_least) in [
        (Kind::Ruleset, 2),
        (Kind::Profile, 5),
        (Kind::Session, 3),
        (Kind::Context, 1),
    ] {
        let count = seen.iter().filter(|k| **k == kind).count();
        assert!(
            count >= at_least,
            "{kind:?}: {count} samples, expected {at_least}"
        );
    }
}

/// Documents both sides accept: minimal ones, and `null` standing for an absent optional value.
#[test]
fn edge_cases_both_sides_accept() {
    let cases = [
        (Kind::Ruleset, json!({ "name": "empty" })),
        (
            Kind::Ruleset,
            json!({ "name": "nulls", "segments": [
                { "name": "a", "rule": true, "score": null, "threshold": null, "description": null },
                { "name": "b", "rule": null, "score": 3, "threshold": 1 },
                { "name": "c-1_x", "priority": -5, "score": { "var": "profile.churn_risk" }, "threshold": 2.5 }
            ] }),
        ),
        (
            Kind::Ruleset,
            json!({ "name": "x", "timing": { "population_prior": [] },
                    "channels": { "rules": { "web": {} }, "prior_weight": 3 } }),
        ),
        (
            Kind::Ruleset,
            json!({ "name": "x", "slots": [ { "name": "s", "default": { "id": "d", "segment": null } } ] }),
        ),
        (Kind::Profile, json!({ "subject": "c_1" })),
        (
            Kind::Profile,
            json!({ "subject": "A-z_9", "zone": { "offset_minutes": -300, "next_change": null },
                    "preferences": { "preferred_channel": null, "quiet_hours": null } }),
        ),
        (Kind::Session, json!({})),
        (Kind::Context, json!({ "now": 0 })),
        (
            Kind::Context,
            json!({ "now": 1, "country": null, "extraSends": { "sms": 255 } }),
        ),
    ];
    for (kind, doc) in cases {
        let errors = schema_errors(&kind.validator(), &doc);
        assert!(errors.is_empty(), "{kind:?} {doc}: {}", errors.join("; "));
        if let Err(e) = kind.rust_accepts(&doc) {
            panic!("{kind:?} {doc}: {e}");
        }
    }
}

/// Documents the schema rejects, and the Rust side rejects as well.
#[test]
fn invalid_documents_are_rejected_by_both() {
    let ruleset = sample("ruleset.json");
    let profile = sample("profiles/ana.json");
    let session = sample("sessions/ben.json");
    let context = sample("context.json");
    let levels = |n: usize, level: u64| Value::from(vec![level; n]);
    let mut hist_with_4: Vec<u64> = vec![1; 168];
    hist_with_4[100] = 4;

    let cases: Vec<(&str, Kind, Value)> = vec![
        // Ruleset.
        (
            "unknown channel in channels.rules",
            Kind::Ruleset,
            with(&ruleset, "/channels/rules/fax", json!({})),
        ),
        (
            "misspelled key in a channel rule",
            Kind::Ruleset,
            with(&ruleset, "/channels/rules/email/enabeld", json!(true)),
        ),
        (
            "misspelled key in the timing policy",
            Kind::Ruleset,
            with(&ruleset, "/timing/horizon", json!(24)),
        ),
        (
            "segment with both rule and score",
            Kind::Ruleset,
            with(&ruleset, "/segments/1/score", json!(5)),
        ),
        (
            "segment with score and no threshold",
            Kind::Ruleset,
            without(&ruleset, "/segments/3/threshold"),
        ),
        (
            "segment with rule and threshold",
            Kind::Ruleset,
            with(&ruleset, "/segments/0/threshold", json!(1)),
        ),
        (
            "segment with neither rule nor score",
            Kind::Ruleset,
            without(&ruleset, "/segments/0/rule"),
        ),
        (
            "segment name with an upper-case letter",
            Kind::Ruleset,
            with(&ruleset, "/segments/0/name", json!("Vip")),
        ),
        (
            "segment name longer than 64",
            Kind::Ruleset,
            with(&ruleset, "/segments/0/name", json!("a".repeat(65))),
        ),
        (
            "unknown key in the ruleset",
            Kind::Ruleset,
            with(&ruleset, "/segmnets", json!([])),
        ),
        (
            "unknown key in a segment",
            Kind::Ruleset,
            with(&ruleset, "/segments/0/prio", json!(1)),
        ),
        (
            "ruleset without a name",
            Kind::Ruleset,
            without(&ruleset, "/name"),
        ),
        (
            "population prior of 167 cells",
            Kind::Ruleset,
            with(&ruleset, "/timing/population_prior", levels(167, 1)),
        ),
        (
            "population prior with level 4",
            Kind::Ruleset,
            with(&ruleset, "/timing/population_prior", json!(hist_with_4)),
        ),
        (
            "hour 24",
            Kind::Ruleset,
            with(&ruleset, "/timing/send_window/end_hour", json!(24)),
        ),
        (
            "horizon 0",
            Kind::Ruleset,
            with(&ruleset, "/timing/horizon_hours", json!(0)),
        ),
        (
            "horizon 337",
            Kind::Ruleset,
            with(&ruleset, "/timing/horizon_hours", json!(337)),
        ),
        (
            "unknown quiet hours policy",
            Kind::Ruleset,
            with(&ruleset, "/timing/quiet_hours_policy", json!("later")),
        ),
        (
            "slot default that needs a segment",
            Kind::Ruleset,
            with(&ruleset, "/slots/0/default/segment", json!("vip")),
        ),
        (
            "unknown margin",
            Kind::Ruleset,
            with(&ruleset, "/catalogue/items/0/margin", json!("huge")),
        ),
        (
            "negative cost",
            Kind::Ruleset,
            with(&ruleset, "/channels/rules/email/cost", json!(-1)),
        ),
        (
            "cap above u8",
            Kind::Ruleset,
            with(&ruleset, "/channels/rules/email/cap/per_day", json!(256)),
        ),
        // Profile.
        (
            "unknown channel in consent",
            Kind::Profile,
            with(
                &profile,
                "/consent/channels/fax",
                json!({ "state": "granted" }),
            ),
        ),
        (
            "histogram with 167 cells",
            Kind::Profile,
            with(&profile, "/behaviour/activity", levels(167, 1)),
        ),
        (
            "histogram with 169 cells",
            Kind::Profile,
            with(&profile, "/behaviour/activity", levels(169, 1)),
        ),
        (
            "histogram with level 4",
            Kind::Profile,
            with(&profile, "/behaviour/activity", json!(hist_with_4)),
        ),
        (
            "channel histogram with level 4",
            Kind::Profile,
            with(
                &profile,
                "/behaviour/channel_activity",
                json!([{ "channel": "email", "hours": hist_with_4 }]),
            ),
        ),
        (
            "unknown purpose",
            Kind::Profile,
            with(
                &profile,
                "/consent/purposes",
                json!([["telepathy", { "state": "granted" }]]),
            ),
        ),
        (
            "purpose pair with three members",
            Kind::Profile,
            with(
                &profile,
                "/consent/purposes",
                json!([["marketing", { "state": "granted" }, 1]]),
            ),
        ),
        (
            "purposes as an object",
            Kind::Profile,
            with(
                &profile,
                "/consent/purposes",
                json!({ "marketing": { "state": "granted" } }),
            ),
        ),
        (
            "unknown consent state",
            Kind::Profile,
            with(&profile, "/consent/channels/email/state", json!("maybe")),
        ),
        (
            "unknown lifecycle stage",
            Kind::Profile,
            with(&profile, "/lifecycle", json!("vip")),
        ),
        (
            "camelCase enum value",
            Kind::Profile,
            with(&profile, "/lifecycle", json!("atRisk")),
        ),
        (
            "subject with an @",
            Kind::Profile,
            with(&profile, "/subject", json!("ana@example.com")),
        ),
        (
            "profile without subject",
            Kind::Profile,
            without(&profile, "/subject"),
        ),
        (
            "rfm band missing",
            Kind::Profile,
            without(&profile, "/behaviour/rfm/monetary"),
        ),
        (
            "offset beyond i16",
            Kind::Profile,
            with(&profile, "/zone/offset_minutes", json!(40_000)),
        ),
        (
            "unknown preferred channel",
            Kind::Profile,
            with(&profile, "/preferences/preferred_channel", json!("fax")),
        ),
        // Session.
        (
            "unknown device",
            Kind::Session,
            with(&session, "/device", json!("watch")),
        ),
        (
            "negative page views",
            Kind::Session,
            with(&session, "/pageViews", json!(-1)),
        ),
        (
            "category without views",
            Kind::Session,
            with(&session, "/categories", json!([{ "category": "running" }])),
        ),
        (
            "cart value as a string",
            Kind::Session,
            with(&session, "/cartValue", json!("12.50")),
        ),
        // Context.
        (
            "context without now",
            Kind::Context,
            without(&context, "/now"),
        ),
        (
            "unknown channel in extraSends",
            Kind::Context,
            with(&context, "/extraSends", json!({ "fax": 1 })),
        ),
        (
            "unknown consent banner",
            Kind::Context,
            with(&context, "/consentBanner", json!("dismissed")),
        ),
        (
            "unknown message purpose",
            Kind::Context,
            with(&context, "/purpose", json!("transactional")),
        ),
    ];

    let validators: Vec<(Kind, jsonschema::Validator)> =
        Kind::ALL.iter().map(|k| (*k, k.validator())).collect();
    let validator = |kind: Kind| &validators.iter().find(|(k, _)| *k == kind).unwrap().1;
    let mut failures = Vec::new();
    for (what, kind, doc) in &cases {
        if validator(*kind).is_valid(doc) {
            failures.push(format!("{kind:?} `{what}`: the schema accepts it"));
        }
        if kind.rust_accepts(doc).is_ok() {
            failures.push(format!("{kind:?} `{what}`: the Rust side accepts it"));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
