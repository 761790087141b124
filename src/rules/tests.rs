//! Unit tests of the rules module.

use serde_json::json;

use super::*;

fn run(rule: serde_json::Value, data: serde_json::Value) -> serde_json::Value {
    eval_json(&rule, &data).expect("compiles")
}

#[test]
fn merge_drops_nulls() {
    assert_eq!(run(json!({"merge": [[null]]}), json!(null)), json!([]));
}

#[test]
fn missing_inside_iteration_reads_the_element() {
    let data = json!({"objs": [{"k": 1}, {"v": 2}]});
    assert_eq!(
        run(
            json!({"map": [{"var": "objs"}, {"missing": ["k"]}]}),
            data.clone()
        ),
        json!([[], ["k"]])
    );
    assert_eq!(
        run(
            json!({"map": [{"var": "objs"}, {"missing_some": [1, ["k", "v"]]}]}),
            data
        ),
        json!([[], []])
    );
}
