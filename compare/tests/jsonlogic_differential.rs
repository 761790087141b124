//! Differential test: random JSON Logic rules over random data documents, evaluated by
//! `persona_edge::rules::eval_json` and by datalogic-rs 5.9 (the oracle). Results must agree.
//!
//! Deliberate differences (see docs/RULES.md, "Differences") are handled explicitly:
//!
//! 1. **`null` is the same as absent.** Our slots cannot tell a field that is `null` from one that
//!    is not there, so `var` defaults and `missing` treat both alike. The oracle is therefore
//!    given the document with its `null` object members removed (our binding drops them too),
//!    and defaults / `missing` keys are
//!    never aimed at places that can hold a `null` inside an array or a `null` iteration element.
//! 2. **Our evaluation is total.** Where datalogic-rs raises an error at evaluation time (NaN in
//!    arithmetic, integer division by zero, loose equality or ordering across incompatible types,
//!    non-numeric `max`/`min`, `filter` over a scalar, …) we return a value. Such cases are
//!    counted as excluded; at least half of all cases must still be compared.
//! 3. **We reject invalid rules statically.** An unknown operator or an impossible argument count
//!    is a compile error wherever it appears; datalogic-rs may first eliminate the dead branch
//!    holding it and return a value. Counted separately. Errors on both sides count as agreement.

use std::cell::Cell;

use persona_edge::rules::{eval_json, RuleErrorKind};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{json, Map, Value as Json};

const CASES: u32 = 4000;

// ---------------------------------------------------------------- generators

fn number() -> impl Strategy<Value = Json> {
    prop_oneof![
        3 => (-10i64..=10).prop_map(Json::from),
        2 => prop::sample::select(vec![-2.5, -0.5, 0.5, 1.25, 3.75, 0.1, -7.25])
            .prop_map(Json::from),
    ]
}

/// Strings: numeric-looking, empty, boolean-looking, and some that double as paths.
const STRINGS: &[&str] = &[
    "", "0", "1", "2.5", "-3", "10", "abc", "a", "true", "false", "x y", "n", "s", "k", "nums",
];

fn string() -> impl Strategy<Value = Json> {
    prop::sample::select(STRINGS).prop_map(Json::from)
}

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        3 => number(),
        3 => string(),
        1 => any::<bool>().prop_map(Json::from),
        1 => Just(Json::Null),
    ]
}

/// Paths that `var` may read with a default and `missing` may test: never the element itself,
/// `current`/`accumulator`, nor an index into the array that holds `null`s.
const SAFE_PATHS: &[&str] = &[
    "n", "m", "s", "t", "b", "z", "nope", "nums", "nums.0", "nums.1", "strs.0", "objs.0.k",
    "objs.1.v", "o.k", "o.v", "o.nope", "k", "v", "a.b",
];

/// Every path `var` may read without a default.
const ALL_PATHS: &[&str] = &[
    "",
    "n",
    "m",
    "s",
    "t",
    "b",
    "z",
    "nope",
    "nums",
    "strs",
    "mixed",
    "objs",
    "o",
    "nums.0",
    "nums.2",
    "strs.1",
    "mixed.0",
    "mixed.1",
    "objs.0",
    "objs.0.k",
    "objs.1.v",
    "o.k",
    "k",
    "v",
    "current",
    "accumulator",
    "current.k",
    "accumulator.0",
];

fn var() -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => prop::sample::select(ALL_PATHS).prop_map(|p| json!({ "var": p })),
        1 => prop::sample::select(ALL_PATHS).prop_map(|p| json!({ "var": [p] })),
        2 => (prop::sample::select(SAFE_PATHS), scalar()).prop_map(|(p, d)| json!({ "var": [p, d] })),
        1 => Just(json!({ "var": "" })),
    ]
}

fn leaf() -> impl Strategy<Value = Json> {
    prop_oneof![3 => scalar(), 3 => var()]
}

/// Sources for the iterators.
fn source(inner: BoxedStrategy<Json>) -> impl Strategy<Value = Json> {
    prop_oneof![
        4 => prop::sample::select(vec!["nums", "strs", "mixed", "objs", "o", "nope", "n"])
            .prop_map(|p| json!({ "var": p })),
        2 => prop::collection::vec(scalar(), 0..4).prop_map(Json::Array),
        1 => inner,
    ]
}

fn keys() -> impl Strategy<Value = Json> {
    prop::collection::vec(prop::sample::select(SAFE_PATHS).prop_map(Json::from), 0..4)
        .prop_map(Json::Array)
}

fn op(name: &str, args: Vec<Json>) -> Json {
    let mut m = Map::new();
    m.insert(name.to_string(), Json::Array(args));
    Json::Object(m)
}

fn rule() -> impl Strategy<Value = Json> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        let b = inner.clone().boxed();
        let args = |lo: usize, hi: usize| prop::collection::vec(b.clone(), lo..=hi);
        prop_oneof![
            // comparisons, including the chained 3-argument forms
            4 => (prop::sample::select(vec!["==", "===", "!=", "!==", "<", "<=", ">", ">="]), args(2, 3))
                .prop_map(|(o, a)| op(o, a)),
            2 => (prop::sample::select(vec!["!", "!!"]), b.clone())
                .prop_map(|(o, a)| json!({ o: [a] })),
            3 => (prop::sample::select(vec!["and", "or"]), args(1, 3)).prop_map(|(o, a)| op(o, a)),
            2 => args(1, 5).prop_map(|a| op("if", a)),
            1 => args(3, 3).prop_map(|a| op("?:", a)),
            // variadic arithmetic with coercion of strings, booleans and null
            3 => (prop::sample::select(vec!["+", "*"]), args(0, 4)).prop_map(|(o, a)| op(o, a)),
            3 => (prop::sample::select(vec!["-", "/"]), args(1, 3)).prop_map(|(o, a)| op(o, a)),
            1 => args(2, 3).prop_map(|a| op("%", a)),
            2 => (prop::sample::select(vec!["max", "min"]), args(1, 3)).prop_map(|(o, a)| op(o, a)),
            2 => args(0, 3).prop_map(|a| op("cat", a)),
            2 => (b.clone(), prop::option::of(-8i64..8), prop::option::of(-8i64..8)).prop_map(
                |(s, start, len)| {
                    let mut a = vec![s];
                    if let Some(start) = start {
                        a.push(json!(start));
                        if let Some(len) = len {
                            a.push(json!(len));
                        }
                    }
                    op("substr", a)
                }
            ),
            2 => (b.clone(), prop_oneof![
                    string(),
                    prop::collection::vec(scalar(), 0..4).prop_map(Json::Array),
                    prop::sample::select(vec!["nums", "strs", "mixed", "s"]).prop_map(|p| json!({"var": p})),
                ]).prop_map(|(n, h)| op("in", vec![n, h])),
            1 => args(0, 3).prop_map(|a| op("merge", a)),
            2 => (prop::sample::select(vec!["map", "filter", "all", "some", "none"]), source(b.clone()), b.clone())
                .prop_map(|(o, s, body)| op(o, vec![s, body])),
            1 => (source(b.clone()), b.clone(), prop::option::of(b.clone())).prop_map(|(s, body, init)| {
                let mut a = vec![s, body];
                a.extend(init);
                op("reduce", a)
            }),
            1 => args(0, 3).prop_map(Json::Array),
            1 => keys().prop_map(|k| json!({ "missing": k })),
            1 => (number(), keys()).prop_map(|(n, k)| json!({ "missing_some": [n, k] })),
            // rules both sides must reject: unknown operators and impossible argument counts
            1 => (prop::sample::select(vec!["nope", "==", "<", "%", "map", "reduce", "!=", "max"]), args(0, 1))
                .prop_map(|(o, a)| op(o, a)),
            // computed paths
            1 => (b.clone(), prop::sample::select(SAFE_PATHS), prop::sample::select(SAFE_PATHS), prop::option::of(scalar()))
                .prop_map(|(c, p, q, d)| {
                    let path = json!({"if": [c, p, q]});
                    match d {
                        Some(d) => json!({ "var": [path, d] }),
                        None => json!({ "var": [path] }),
                    }
                }),
        ]
    })
}

fn data() -> impl Strategy<Value = Json> {
    let obj = || (number(), string()).prop_map(|(k, v)| json!({"k": k, "v": v}));
    (
        (
            prop::option::of(number()),
            number(),
            prop::option::of(string()),
            string(),
        ),
        (
            prop::option::of(any::<bool>()),
            prop::collection::vec(number(), 0..4),
        ),
        (
            prop::collection::vec(string(), 0..4),
            prop::collection::vec(scalar(), 0..4),
        ),
        (prop::collection::vec(obj(), 0..3), obj()),
    )
        .prop_map(|((n, m, s, t), (b, nums), (strs, mixed), (objs, o))| {
            let mut d = Map::new();
            n.map(|v| d.insert("n".into(), v));
            d.insert("m".into(), m);
            s.map(|v| d.insert("s".into(), v));
            d.insert("t".into(), t);
            b.map(|v| d.insert("b".into(), Json::Bool(v)));
            d.insert("z".into(), Json::Null);
            d.insert("nums".into(), Json::Array(nums));
            d.insert("strs".into(), Json::Array(strs));
            d.insert("mixed".into(), Json::Array(mixed));
            d.insert("objs".into(), Json::Array(objs));
            d.insert("o".into(), o);
            Json::Object(d)
        })
}

// ---------------------------------------------------------------- comparison

/// The document as the oracle sees it: `null` object members removed (difference 1).
fn without_null_members(v: &Json) -> Json {
    match v {
        Json::Object(m) => Json::Object(
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k.clone(), without_null_members(v)))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.iter().map(without_null_members).collect()),
        other => other.clone(),
    }
}

fn close(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => {
            let (x, y) = (
                x.as_f64().unwrap_or(f64::NAN),
                y.as_f64().unwrap_or(f64::NAN),
            );
            (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1.0)
        }
        (Json::Array(x), Json::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| close(p, q))
        }
        (Json::Object(x), Json::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
        }
        _ => a == b,
    }
}

#[derive(Default)]
struct Stats {
    compared: Cell<u32>,
    both_errors: Cell<u32>,
    oracle_nan: Cell<u32>,
    oracle_invalid_args: Cell<u32>,
    stricter: Cell<u32>,
    classic: Cell<u32>,
}

/// Whether `rule` uses what persona-edge evaluates as json-logic-js does and datalogic-rs does not
/// (difference 9 of docs/RULES.md): `merge` keeps `null`s, and an object that is not an operation (no
/// key, or several) is data and truthy. A disagreement on such a rule is counted, not failed.
fn classic_difference(rule: &Json) -> bool {
    match rule {
        Json::Object(m) if m.len() != 1 => true,
        Json::Object(m) => m.iter().any(|(k, v)| k == "merge" || classic_difference(v)),
        Json::Array(items) => items.iter().any(classic_difference),
        _ => false,
    }
}

/// The kinds of evaluation error datalogic-rs may raise where we return a value (difference 2).
/// Anything else (an unknown operator, say) is a real disagreement.
fn excluded_kind<'s>(stats: &'s Stats, error: &str) -> Option<&'s Cell<u32>> {
    if error.contains("Thrown(Object([(\"type\", String(\"NaN\"))]))")
        || error.contains("InvalidArguments(\"NaN\")")
    {
        Some(&stats.oracle_nan)
    } else if error.contains("InvalidArguments(\"Invalid Arguments\")") {
        Some(&stats.oracle_invalid_args)
    } else {
        None
    }
}

fn bump(c: &Cell<u32>) {
    c.set(c.get() + 1);
}

#[test]
fn agrees_with_datalogic() {
    let engine = datalogic_rs::Engine::new();
    let stats = Stats::default();
    // Deterministic by default; `PROPTEST_CASES=n` runs more cases, `JSONLOGIC_DIFF_RANDOM=1`
    // draws a fresh seed (for local bug hunting).
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CASES);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = if std::env::var_os("JSONLOGIC_DIFF_RANDOM").is_some() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    let result = runner.run(&(rule(), data()), |(rule, data)| {
        let ours = eval_json(&rule, &data);
        let oracle_data = without_null_members(&data);
        let theirs = engine
            .eval_str(&rule.to_string(), &oracle_data.to_string())
            .map_err(|e| format!("{e:?}"))
            .and_then(|s| serde_json::from_str::<Json>(&s).map_err(|e| e.to_string()));
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) if !close(a, b) && classic_difference(&rule) => bump(&stats.classic),
            (Ok(_), Err(e)) if excluded_kind(&stats, e).is_none() && classic_difference(&rule) => {
                bump(&stats.classic)
            }
            (Ok(a), Ok(b)) => {
                bump(&stats.compared);
                prop_assert!(
                    close(a, b),
                    "rule {rule}\ndata {data}\nours {a}\ndatalogic {b}"
                );
            }
            (Err(_), Err(_)) => bump(&stats.both_errors),
            // Difference 2: the oracle throws, we are total.
            (Ok(a), Err(e)) => match excluded_kind(&stats, e) {
                Some(counter) => {
                    bump(counter);
                    if std::env::var_os("JSONLOGIC_DIFF_SHOW_EXCLUDED").is_some() {
                        eprintln!("excluded: {rule} @ {data} => ours {a}, datalogic-rs {e}");
                    }
                }
                None => prop_assert!(
                    false,
                    "rule {rule}\ndata {data}\nours {a}\ndatalogic error {e}"
                ),
            },
            // Difference 3: we reject unknown operators and impossible argument counts anywhere
            // in the rule; datalogic-rs only where they survive its dead-branch elimination.
            (Err(e), Ok(b)) => {
                prop_assert!(
                    matches!(
                        e.kind,
                        RuleErrorKind::UnknownOperator(_) | RuleErrorKind::Arity { .. }
                    ),
                    "rule {rule}\ndata {data}\nours: error {e}\ndatalogic {b}"
                );
                bump(&stats.stricter);
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let (compared, both, nan, invalid, stricter, classic) = (
        stats.compared.get(),
        stats.both_errors.get(),
        stats.oracle_nan.get(),
        stats.oracle_invalid_args.get(),
        stats.stricter.get(),
        stats.classic.get(),
    );
    eprintln!(
        "differential: {compared} equal, {both} rejected by both, {stricter} rejected by us only \
         (dead branch), excluded where only datalogic-rs errs: {nan} NaN/incompatible, \
         {invalid} invalid arguments; {classic} differ on json-logic-js semantics (merge, object literals)"
    );
    assert!(
        compared >= cases / 2,
        "too few comparable cases: {compared} of {cases}"
    );
}
