//! Unit tests of the rules module.

use crate::prelude::*;

use serde_json::json;

use super::node::{Node, Op, Root, Span};
use super::*;
use crate::codec;
use crate::codec::tests::agree;

fn run(rule: serde_json::Value, data: serde_json::Value) -> serde_json::Value {
    eval_json(&rule, &data).expect("compiles")
}

/// A catalog that knows a fixed list of fields, like the engine's.
struct Fixed(&'static [&'static str]);

impl FieldCatalog for Fixed {
    fn resolve(&mut self, path: &str) -> Result<u16, String> {
        self.0
            .iter()
            .position(|p| *p == path)
            .map(|i| i as u16)
            .ok_or_else(|| "unknown field".to_string())
    }
}

fn compile_err(rule: serde_json::Value) -> RuleError {
    compile(&rule, &mut Fixed(&["a", "b", "tags"])).expect_err("must not compile")
}

// ------------------------------------------------------------------ compile errors

#[test]
fn unknown_field_reports_its_path() {
    let e = compile_err(json!({"and": [true, {">=": [{"var": "x"}, 5]}]}));
    assert_eq!(e.path, "/and/1/>=/0/var");
    assert!(matches!(&e.kind, RuleErrorKind::UnknownField { field, .. } if field == "x"));
    assert_eq!(
        e.to_string(),
        "unknown field `x`: unknown field (at /and/1/>=/0/var)"
    );

    let e = compile_err(json!({"or": [{"var": ["a"]}, {"var": ["y", 1]}]}));
    assert_eq!(e.path, "/or/1/var/0");
    let e = compile_err(json!({"missing": ["a", "zz"]}));
    assert_eq!(e.path, "/missing/1");
    let e = compile_err(json!({"missing_some": [1, ["a", "zz"]]}));
    assert_eq!(e.path, "/missing_some/1");
}

#[test]
fn operator_errors_report_their_path() {
    let e = compile_err(json!({"or": [{"foo": 1}]}));
    assert_eq!(e.path, "/or/0/foo");
    assert_eq!(e.kind, RuleErrorKind::UnknownOperator("foo".into()));

    let e = compile_err(json!({"if": [true, {"==": [1]}]}));
    assert_eq!(e.path, "/if/1/==");
    assert!(matches!(e.kind, RuleErrorKind::Arity { got: 1, .. }));

    // `/` in an operator name is escaped as in JSON pointers.
    let e = compile_err(json!({"/": [{"nope": 1}, 2]}));
    assert_eq!(e.path, "/~1/0/nope");

    for (rule, path) in [
        (json!({"map": [[1]]}), "/map"),
        (json!({"reduce": [[1], 1, 2, 3]}), "/reduce"),
        (json!({"%": [7]}), "/%"),
        (json!({"max": []}), "/max"),
        (json!({"-": []}), "/-"),
        (json!({"<": [1]}), "/<"),
    ] {
        let e = compile_err(rule.clone());
        assert_eq!(e.path, path, "{rule}");
        assert!(matches!(e.kind, RuleErrorKind::Arity { .. }), "{rule}");
    }

    let e = compile_err(json!({"and": 5}));
    assert!(matches!(e.kind, RuleErrorKind::InvalidArgument { .. }));
    let e = compile_err(json!({"!": [{"var": true}]}));
    assert_eq!(e.path, "/!/0/var");
    assert!(matches!(e.kind, RuleErrorKind::InvalidArgument { .. }));
}

#[test]
fn classic_json_logic_edge_cases() {
    // As json-logic-js: an object that is not an operation is data, and every object is truthy.
    for (rule, want) in [
        (json!({"!!": [{}]}), json!(true)),
        (json!({"!": [{}]}), json!(false)),
        (json!({"if": [{}, 1, 2]}), json!(1)),
        (json!({"and": [{}, 3]}), json!(3)),
        (json!({"or": [{}, 3]}), json!({})),
        (json!({"!!": [{"a": 1, "b": 2}]}), json!(true)),
        (
            json!({"==": [1, {"if": [{"a": {"var": "x"}, "b": 2}, 1, 0]}]}),
            json!(true),
        ),
        // `merge` is `[].concat(...)`: null is an element like any other non-array.
        (
            json!({"merge": [null, [1, null], null]}),
            json!([null, 1, null, null]),
        ),
        (json!({"merge": [null]}), json!([null])),
        // No arguments: falsy, `null` (json-logic-js returns `undefined`).
        (json!({"and": []}), json!(null)),
        (json!({"or": []}), json!(null)),
        (json!({"!!": [{"and": []}]}), json!(false)),
    ] {
        assert_eq!(eval_json(&rule, &json!({"x": 5})).unwrap(), want, "{rule}");
    }
    // A multi-key object literal's members are data, not evaluated: `var` stays an object.
    let literal = eval_json(
        &json!({"if": [true, {"a": {"var": "x"}, "b": 2}]}),
        &json!({"x": 5}),
    );
    assert_eq!(literal.unwrap(), json!({"a": {"var": "x"}, "b": 2}));
}

#[test]
fn computed_paths_need_the_whole_document() {
    let e = compile_err(json!({"var": {"cat": ["a", "b"]}}));
    assert_eq!(e.path, "/var");
    assert!(matches!(e.kind, RuleErrorKind::UnknownField { .. }));
    // Inside an iteration the element is the base: no whole-document slot needed.
    let rule = compile(
        &json!({"map": [{"var": "tags"}, {"var": {"cat": ["a", ""]}}]}),
        &mut Fixed(&["tags"]),
    );
    assert!(rule.is_ok());
}

#[test]
fn too_deep_rules_are_rejected() {
    let mut rule = json!(true);
    for _ in 0..MAX_DEPTH + 5 {
        rule = json!({ "!": [rule] });
    }
    let e = compile(&rule, &mut OpenCatalog::new()).expect_err("too deep");
    assert_eq!(e.kind, RuleErrorKind::TooDeep(MAX_DEPTH));
    assert!(e.path.starts_with("/!/0/!/0"));
}

// ------------------------------------------------------------------ folding

#[test]
fn constants_are_folded() {
    let mut cat = OpenCatalog::new();
    let rule = compile(&json!({"+": [1, 2]}), &mut cat).unwrap();
    assert_eq!(rule.node_count(), 1);
    assert_eq!(rule.as_constant(), Some(&Value::Number(3.0)));

    let rule = compile(&json!({"in": ["a", ["a", "b"]]}), &mut cat).unwrap();
    assert_eq!(rule.as_constant(), Some(&Value::Bool(true)));

    let rule = compile(&json!({"map": [[1, 2], {"*": [{"var": ""}, 2]}]}), &mut cat).unwrap();
    assert_eq!(rule.as_constant().map(Value::to_json), Some(json!([2, 4])));

    // Constant conditions decide at compile time even next to data reads.
    let rule = compile(&json!({"and": [false, {"var": "x"}]}), &mut cat).unwrap();
    assert_eq!(rule.as_constant(), Some(&Value::Bool(false)));
    let rule = compile(&json!({"if": [true, {"var": "x"}, {"var": "y"}]}), &mut cat).unwrap();
    assert_eq!(rule.node_count(), 1);
    let rule = compile(
        &json!({"or": [false, {">": [{"var": "x"}, {"+": [1, 1]}]}]}),
        &mut cat,
    )
    .unwrap();
    // One fused `>` node reading a slot and comparing with the folded constant 2.
    assert_eq!(rule.node_count(), 1);
}

#[test]
fn literal_var_paths_become_slots() {
    let mut cat = Fixed(&["a", "b", "tags"]);
    let rule = compile(
        &json!({"and": [{"==": [{"var": "b"}, 1]}, {"in": ["x", {"var": "tags"}]}]}),
        &mut cat,
    )
    .unwrap();
    assert_eq!(rule.max_slot(), Some(2));
    let slots = [
        Value::Null,
        Value::from(1.0),
        Value::array(vec!["x".into()]),
    ];
    assert!(rule.evaluate_bool(&slots));
    // Missing slots read as null.
    assert!(!rule.evaluate_bool(&slots[..1]));
}

// ------------------------------------------------------------------ validate

fn op(op: Op, start: u32, len: u32) -> Node {
    Node::Op {
        op,
        args: Span { start, len },
        root: Root::Scope,
    }
}

#[test]
fn validate_accepts_compiled_rules() {
    let mut cat = OpenCatalog::new();
    let rule = compile(
        &json!({"if": [{"missing": ["a"]}, 0, {"reduce": [{"var": "xs"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]}]}),
        &mut cat,
    )
    .unwrap();
    rule.validate(cat.paths().len()).unwrap();
    assert!(rule.validate(0).is_err(), "slots beyond the slot count");
}

#[test]
fn validate_rejects_bad_indices_sharing_and_depth() {
    let konst = || Node::Const(Value::Bool(true));
    let forward = Rule {
        nodes: vec![konst(), op(Op::Not, 0, 1)],
        edges: vec![1],
    };
    assert!(forward.validate(0).is_err());
    assert_eq!(
        forward.evaluate(&[]),
        Value::Null,
        "never panics, fails closed"
    );

    let out_of_range = Rule {
        nodes: vec![konst(), op(Op::Not, 0, 1)],
        edges: vec![7],
    };
    assert!(out_of_range.validate(0).is_err());
    let bad_span = Rule {
        nodes: vec![konst(), op(Op::Not, 3, 1)],
        edges: vec![0],
    };
    assert!(bad_span.validate(0).is_err());

    let shared = Rule {
        nodes: vec![konst(), op(Op::And, 0, 2)],
        edges: vec![0, 0],
    };
    assert!(shared.validate(0).is_err());

    let unused = Rule {
        nodes: vec![konst(), konst()],
        edges: vec![],
    };
    assert!(unused.validate(0).is_err());
    assert!(Rule {
        nodes: vec![],
        edges: vec![]
    }
    .validate(0)
    .is_err());

    let mut nodes = vec![konst()];
    let mut edges = Vec::new();
    for i in 0..MAX_DEPTH as u32 + 3 {
        edges.push(i);
        nodes.push(op(Op::Not, i, 1));
    }
    let deep = Rule { nodes, edges };
    assert_eq!(
        deep.validate(0).map_err(|e| e.kind),
        Err(RuleErrorKind::TooDeep(MAX_DEPTH))
    );
    assert_eq!(deep.evaluate(&[]), Value::Null);

    let ok = Rule {
        nodes: vec![konst(), konst(), op(Op::And, 0, 2)],
        edges: vec![0, 1],
    };
    ok.validate(0).unwrap();
    assert_eq!(ok.evaluate(&[]), Value::Bool(true));
}

// ------------------------------------------------------------------ encoding

#[test]
fn bincode_round_trip() {
    let mut cat = OpenCatalog::new();
    let rule = compile(
        &json!({"and": [
            {">=": [{"var": ["profile.ltv", 0]}, 100.5]},
            {"in": ["shoes", {"var": "session.cats"}]},
            {"some": [{"var": "session.items"}, {">": [{"var": "price"}, 20]}]},
            {"!": {"missing": ["profile.email"]}},
            {"==": [{"cat": ["a", {"var": "x"}]}, "ab"]}
        ]}),
        &mut cat,
    )
    .unwrap();
    let bytes = codec::encode(&rule);
    // The hand decoder reads back the whole encoding, exactly as bincode's own decoder does.
    let back: Rule = agree(&bytes, usize::MAX).unwrap();
    assert_eq!(back, rule);
    back.validate(cat.paths().len()).unwrap();
    let data = json!({"profile": {"ltv": 120, "email": "x@y"}, "x": "b",
        "session": {"cats": ["shoes"], "items": [{"price": 25}]}});
    let slots = cat.bind(&data);
    assert_eq!(back.evaluate(&slots), Value::Bool(true));

    // Truncated or corrupted bytes fail to decode or to validate, never panic.
    for cut in 0..bytes.len() {
        assert!(agree::<Rule>(&bytes[..cut], usize::MAX).is_err());
    }
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x5a;
        if let Ok(r) = agree::<Rule>(&bad, usize::MAX) {
            let _ = r.validate(cat.paths().len());
            let _ = r.evaluate(&slots);
        }
    }
}

#[test]
fn node_enums_decode_as_bincode_did() {
    use super::node::{Base, BinOp, Operand};
    use crate::codec::tests::agree_on_every_variant;
    agree_on_every_variant::<Op>();
    agree_on_every_variant::<Base>();
    agree_on_every_variant::<Root>();
    agree_on_every_variant::<BinOp>();
    agree_on_every_variant::<Operand>();
    agree_on_every_variant::<Node>();
}

#[test]
fn deeply_nested_values_do_not_encode_or_decode() {
    let mut v = Value::Null;
    for _ in 0..MAX_VALUE_DEPTH + 1 {
        v = Value::array(vec![v]);
    }
    assert!(codec::try_encode(&v).is_err());
    // Hand-made bytes: array tag, length 1, repeated.
    let bytes: Vec<u8> = core::iter::repeat_n([5u8, 1u8], 10_000).flatten().collect();
    assert!(agree::<Value>(&bytes, usize::MAX).is_err());
}

// ------------------------------------------------------------------ semantics

#[test]
fn value_coercions() {
    assert!(!Value::from("").truthy());
    assert!(Value::from("0").truthy());
    assert!(!Value::array(vec![]).truthy());
    assert!(!Value::Number(f64::NAN).truthy());
    assert_eq!(Value::Null.to_number(), Some(0.0));
    assert_eq!(Value::from(" 12 ").to_number(), Some(12.0));
    assert_eq!(Value::from("0x1f").to_number(), Some(31.0));
    assert_eq!(Value::from("1e3").to_number(), Some(1000.0));
    assert_eq!(Value::from(".5").to_number(), Some(0.5));
    assert_eq!(Value::from("").to_number(), Some(0.0));
    assert_eq!(Value::from("inf").to_number(), None);
    assert_eq!(Value::from("12px").to_number(), None);
    assert_eq!(
        Value::from("-Infinity").to_number(),
        Some(f64::NEG_INFINITY)
    );
    assert_eq!(Value::array(vec![Value::from("7")]).to_number(), Some(7.0));
    assert_eq!(Value::array(vec![1.0.into(), 2.0.into()]).to_number(), None);
    assert_eq!(Value::Bool(true).to_number(), Some(1.0));

    let j = json!({"a": [1, 2.5, "x", null, true], "b": {}});
    assert_eq!(Value::from(&j).to_json(), j);
    assert_eq!(
        serde_json::Value::from(Value::Number(f64::NAN)),
        json!(null)
    );
    assert_eq!(
        Value::from_json_data(&json!({"a": null, "b": 1})).to_json(),
        json!({"b": 1})
    );
}

#[test]
fn null_and_absent_are_the_same() {
    let data = json!({"a": null, "b": 0});
    assert_eq!(run(json!({"var": ["a", 5]}), data.clone()), json!(5));
    assert_eq!(run(json!({"var": ["nope", 5]}), data.clone()), json!(5));
    assert_eq!(run(json!({"var": ["b", 5]}), data.clone()), json!(0));
    assert_eq!(
        run(json!({"missing": ["a", "b", "c"]}), data.clone()),
        json!(["a", "c"])
    );
    assert_eq!(run(json!({"var": ""}), data), json!({"b": 0}));
}

#[test]
fn operator_semantics() {
    let d = json!({"xs": [1, 2, 3], "o": {"k": 1, "v": 2}, "s": "abc"});
    let cases = [
        (json!({"==": [null, 0]}), json!(true)),
        (json!({"==": ["true", true]}), json!(true)),
        (json!({"==": ["1", true]}), json!(false)),
        (json!({"==": [1, 1, 2]}), json!(false)),
        (json!({"<": [1, 2, 3, 4]}), json!(true)),
        (json!({">": [3, 2, 2]}), json!(false)),
        (json!({"<": [[1], 2]}), json!(false)),
        (json!({"+": ["abc", 1]}), json!(null)),
        (json!({"/": [1, 0]}), json!(f64::MAX)),
        (json!({"/": [-1, 0, 5]}), json!(f64::MIN)),
        (json!({"%": [0, 0]}), json!(0)),
        (json!({"-": [{"var": "xs"}]}), json!(-4)),
        (json!({"/": ["4"]}), json!(0.25)),
        (json!({"max": [{"var": "xs"}]}), json!(3)),
        (json!({"min": ["2", 7]}), json!(2)),
        (
            json!({"cat": [1.5, [1, [2, "x"]], null, true]}),
            json!("1.51[2,\"x\"]true"),
        ),
        (json!({"substr": ["héllo", 1, 2]}), json!("él")),
        (json!({"substr": ["abcdef", -4, -1]}), json!("cde")),
        (json!({"in": [1, "a1b"]}), json!(false)),
        (json!({"in": [[1], [[1], 2]]}), json!(true)),
        (
            json!({"merge": [1, [2, null, [3]], null]}),
            json!([1, 2, null, [3], null]),
        ),
        (
            json!({"map": [{"var": "o"}, {"*": [{"var": ""}, 10]}]}),
            json!([10, 20]),
        ),
        (
            json!({"filter": [{"var": "o"}, {">": [{"var": ""}, 1]}]}),
            json!({"v": 2}),
        ),
        (json!({"map": [5, {"var": ""}]}), json!([5])),
        (json!({"all": [[], true]}), json!(false)),
        (json!({"none": [null, true]}), json!(true)),
        (
            json!({"reduce": [{"var": "xs"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}]}),
            json!(6),
        ),
        (
            json!({"reduce": [[[1, 2]], {"var": "current.1"}, 0]}),
            json!(2),
        ),
        (
            json!({"reduce": [[1, 2], {"var": ["accumulator.0", 9]}, [5]]}),
            json!(9),
        ),
        (json!({"var": {"cat": ["x", "s"]}}), json!([1, 2, 3])),
        (json!({"var": [{"cat": ["o", ".k"]}, 0]}), json!(1)),
        (json!({"missing_some": [2, ["xs", "s", "q"]]}), json!([])),
        (
            json!({"missing_some": [3, {"merge": [["xs"], "q"]}]}),
            json!(["q"]),
        ),
        (json!({"missing": {"merge": ["s", "q"]}}), json!(["q"])),
        (json!({"log": [{"var": "s"}]}), json!("abc")),
        (json!({"?:": [false, 1, true, 3]}), json!(3)),
        (json!({"!": []}), json!(true)),
        (json!({}), json!({})),
    ];
    for (rule, want) in cases {
        assert_eq!(run(rule.clone(), d.clone()), want, "{rule}");
    }
}

#[test]
fn typed_helpers() {
    let mut cat = OpenCatalog::new();
    let score = compile(&json!({"*": [{"var": "x"}, 1.5]}), &mut cat).unwrap();
    assert_eq!(
        score.evaluate_number(&cat.bind(&json!({"x": "2"}))),
        Some(3.0)
    );
    assert_eq!(score.evaluate_number(&cat.bind(&json!({"x": "two"}))), None);
    let text = compile(&json!({"var": "x"}), &mut cat).unwrap();
    assert_eq!(text.evaluate_number(&cat.bind(&json!({"x": null}))), None);
    assert_eq!(
        text.evaluate_number(&cat.bind(&json!({"x": true}))),
        Some(1.0)
    );
    assert!(text.evaluate_bool(&cat.bind(&json!({"x": "0"}))));
}

#[test]
fn runaway_rules_stop_at_the_limits() {
    // The accumulator doubles 40 times: stopped by the string length limit.
    let xs: Vec<u32> = (0..40).collect();
    let mut cat = OpenCatalog::new();
    let rule = compile(
        &json!({"reduce": [{"var": "xs"}, {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "x"]}),
        &mut cat,
    )
    .unwrap();
    assert_eq!(rule.evaluate(&cat.bind(&json!({ "xs": xs }))), Value::Null);

    // 1000^3 body evaluations: stopped by the step budget.
    let big: Vec<u32> = (0..1000).collect();
    let rule = compile(
        &json!({"some": [{"var": "xs"}, {"some": [{"var": ""}, {"some": [{"var": ""}, false]}]}]}),
        &mut cat,
    )
    .unwrap();
    let nested: Vec<_> = big.iter().map(|_| json!([big.clone()])).collect();
    let started = std::time::Instant::now();
    let _ = rule.evaluate(&cat.bind(&json!({ "xs": nested })));
    assert!(started.elapsed().as_secs() < 10);
}

/// Strings become numbers as JavaScript's `Number()` does: its white space is trimmed (U+3000, U+FEFF,
/// line terminators), Unicode's U+0085 is not white space there (`Number("\u0085 1")` is `NaN`).
#[test]
fn strings_trim_javascript_white_space_only() {
    for (text, want) in [
        (" \u{3000}1\u{feff}\n", Some(1.0)),
        ("\u{2028}\t2.5\u{a0}", Some(2.5)),
        ("\u{205f}", Some(0.0)),
        ("\u{85}1", None),
        ("1\u{85}", None),
    ] {
        let got = Value::from(text).to_number_or_nan();
        match want {
            Some(n) => assert_eq!(got, n, "{text:?}"),
            None => assert!(got.is_nan(), "{text:?} gave {got}"),
        }
    }
    // Through a rule: `==` compares a number with a string the JavaScript way.
    assert_eq!(
        run(json!({"==": [1, {"var": "s"}]}), json!({"s": "\u{3000}1"})),
        json!(true)
    );
    assert_eq!(
        run(json!({"==": [1, {"var": "s"}]}), json!({"s": "\u{85}1"})),
        json!(false)
    );
}
