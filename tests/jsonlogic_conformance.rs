//! Runs the classic JSON Logic conformance suite (`tests/fixtures/jsonlogic/compatible.json`)
//! through `persona_edge::rules::eval_json`: every case must pass.

use persona_edge::rules::eval_json;
use serde_json::Value;

const EXPECTED_CASES: usize = 278;

/// Numbers compare by value (`2` and `2.0` are the same result).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn compatible_suite_passes_completely() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/jsonlogic/compatible.json"
    );
    let text = std::fs::read_to_string(path).expect("read compatible.json");
    let suite: Vec<Value> = serde_json::from_str(&text).expect("parse compatible.json");

    let mut ran = 0;
    let mut failures = Vec::new();
    for case in suite.iter().filter(|c| c.is_object()) {
        ran += 1;
        let description = case["description"].as_str().unwrap_or("?");
        let rule = &case["rule"];
        let data = case.get("data").cloned().unwrap_or(Value::Null);
        let expected = case.get("result");
        match (eval_json(rule, &data), expected) {
            (Ok(got), Some(want)) if same(&got, want) => {}
            (Err(_), None) if case.get("error").is_some() => {}
            (got, want) => failures.push(format!(
                "{description}: rule {rule} data {data} => {got:?}, expected {want:?}"
            )),
        }
    }
    assert_eq!(
        ran, EXPECTED_CASES,
        "the suite should hold {EXPECTED_CASES} cases"
    );
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
