//! Property tests: compiling any JSON and evaluating any compiled rule never panics.

use crate::prelude::*;

use proptest::prelude::*;
use serde_json::{Map, Value as Json};

use super::*;
use crate::codec::tests::agree;
use crate::codec::{self, Decodable, Reader};

const OPERATORS: &[&str] = &[
    "var",
    "missing",
    "missing_some",
    "if",
    "?:",
    "==",
    "===",
    "!=",
    "!==",
    "!",
    "!!",
    "or",
    "and",
    ">",
    ">=",
    "<",
    "<=",
    "max",
    "min",
    "+",
    "-",
    "*",
    "/",
    "%",
    "map",
    "reduce",
    "filter",
    "all",
    "none",
    "some",
    "merge",
    "in",
    "cat",
    "substr",
    "log",
    "current",
    "accumulator",
    "",
    "a",
    "a.b",
    "0",
    "x.0",
];

fn scalar() -> impl Strategy<Value = Json> {
    prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i32>().prop_map(Json::from),
        (-1e6f64..1e6).prop_map(Json::from),
        prop::sample::select(vec![f64::MAX, f64::MIN, 1e300, -0.0, 5e-324]).prop_map(Json::from),
        prop::sample::select(OPERATORS).prop_map(Json::from),
        "[a-z0-9. ]{0,6}".prop_map(Json::from),
    ]
}

/// Arbitrary JSON, biased towards operator-shaped objects.
fn json() -> impl Strategy<Value = Json> {
    scalar().prop_recursive(6, 64, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Json::Array),
            (prop::sample::select(OPERATORS), inner.clone()).prop_map(|(k, v)| {
                let mut m = Map::new();
                m.insert(k.to_string(), v);
                Json::Object(m)
            }),
            prop::collection::btree_map("[a-z]{0,2}", inner, 0..3)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn compile_and_evaluate_never_panic(rule in json(), data in json()) {
        let mut catalog = OpenCatalog::new();
        if let Ok(compiled) = compile(&rule, &mut catalog) {
            prop_assert!(compiled.validate(catalog.paths().len()).is_ok());
            let slots = catalog.bind(&data);
            let value = compiled.evaluate(&slots);
            // The boolean fast path agrees with the truthiness of the full result.
            prop_assert_eq!(compiled.evaluate_bool(&slots), value.truthy());
            let _ = compiled.evaluate_number(&slots);
            // Wrong slot counts read as null rather than panicking.
            let _ = compiled.evaluate(&slots[..slots.len() / 2]);
            let bytes = codec::encode(&compiled);
            let back: Rule = agree(&bytes, usize::MAX).expect("decodes");
            prop_assert_eq!(back, compiled);
        }
        let _ = eval_json(&rule, &data);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        // Trailing bytes allowed, as before: only the rule at the start is read.
        let mut reader = Reader::new(&bytes, 65536);
        if let Ok(rule) = Rule::read(&mut reader) {
            // Without the trailing bytes, bincode's decoder reads the same rule.
            let read = bytes.len() - reader.remaining();
            prop_assert_eq!(agree::<Rule>(&bytes[..read], usize::MAX), Ok(rule.clone()));
            let _ = rule.validate(4);
            let _ = rule.evaluate(&[Value::Null, Value::from(1.0)]);
        }
    }
}

/// `substr` and `in` on strings, against the plain `chars()` / `str::contains` definitions they replace
/// for size: any Unicode text, any positions.
mod string_ops {
    use crate::prelude::*;
    use crate::rules::ops::string::{contains, substr, substr_span};
    use crate::rules::value::Value;
    use proptest::prelude::*;

    /// The `chars()` definition the byte-offset `substr` replaced, on the same span.
    fn reference_substr(text: &str, start: Option<i64>, len: Option<i64>) -> String {
        let total = text.chars().count() as i64;
        let Some((from, to)) = substr_span(total, start, len) else {
            return String::new();
        };
        text.chars()
            .skip(from as usize)
            .take((to - from) as usize)
            .collect()
    }

    proptest! {
        #[test]
        fn substr_counts_characters(text in "\\PC{0,12}", start in proptest::option::of(-15i64..15), len in proptest::option::of(-15i64..15)) {
            prop_assert_eq!(substr(&text, start, len), reference_substr(&text, start, len));
        }

        #[test]
        fn in_is_substring(hay in "[aé€😀b]{0,8}", needle in "[aé€😀b]{0,3}") {
            let found = contains(&Value::from(needle.as_str()), &Value::from(hay.as_str()));
            prop_assert_eq!(found, hay.contains(needle.as_str()));
        }
    }
}
