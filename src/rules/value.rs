//! The evaluation value and its JSON Logic coercions.

use crate::prelude::*;

use alloc::sync::Arc;

/// Deepest nesting of arrays/objects a [`Value`] is built from or decoded to.
///
/// Converting a deeper `serde_json::Value` replaces the too-deep part by `Null`; decoding a deeper
/// value fails. This keeps every recursive walk over a value (conversion, encoding, drop) bounded.
pub const MAX_VALUE_DEPTH: usize = 128;

/// A JSON Logic evaluation value.
///
/// Strings, arrays and objects are reference counted, so cloning a value never copies its contents.
/// Objects keep their members in order, as a slice of `(key, value)` pairs.
///
/// `PartialEq` is structural equality of the data (with `NaN` equal to itself, so that rules
/// holding a folded `NaN` compare equal after a round trip); rules compare values with their own
/// `==`/`===` semantics.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `null`, also what a missing field reads as.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number. `NaN` only arises from a failed numeric coercion and converts to JSON `null`.
    Number(f64),
    /// A string.
    String(Arc<str>),
    /// An array.
    Array(Arc<[Value]>),
    /// An object, as `(key, value)` pairs in document order.
    Object(Arc<[(Arc<str>, Value)]>),
}

impl PartialEq for Value {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Array(a), Value::Array(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => a == b,
            _ => false,
        }
    }
}

impl Value {
    /// JSON Logic truthiness (json-logic-js's): `null`, `false`, `0`, `NaN`, `""` and `[]` are falsy,
    /// everything else (including the string `"0"` and every object, `{}` too) is truthy.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(_) => true,
        }
    }

    /// JavaScript `Number(value)` coercion, or `None` where it gives `NaN`.
    ///
    /// `null` → 0, booleans → 0/1, strings are trimmed and parsed as JavaScript numeric literals
    /// (`""` → 0, `"0x1f"` → 31, `"Infinity"`, `"1e3"`, …), an array converts through its string
    /// form (`[]` → 0, `[5]` → 5, `[1,2]` → NaN), objects give `NaN`.
    pub fn to_number(&self) -> Option<f64> {
        let n = self.to_number_or_nan();
        if n.is_nan() {
            None
        } else {
            Some(n)
        }
    }

    /// Like [`Value::to_number`] but returning `NaN` instead of `None`.
    pub(crate) fn to_number_or_nan(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Number(n) => *n,
            Value::String(s) => js_string_to_number(s),
            Value::Array(items) => match &**items {
                [] => 0.0,
                [only] => match only {
                    Value::Null => 0.0,
                    Value::Bool(_) | Value::Object(_) => f64::NAN,
                    other => other.to_number_or_nan(),
                },
                _ => f64::NAN,
            },
            Value::Object(_) => f64::NAN,
        }
    }

    /// The string, when this value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when this value is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The elements, when this value is an array.
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// Whether this value is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// An array value from its elements.
    pub fn array(items: Vec<Value>) -> Value {
        Value::Array(Arc::from(items))
    }

    /// The member `key` of an object, or element `key` (a decimal index) of an array.
    pub(crate) fn step(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(members) => members.iter().find(|(k, _)| &**k == key).map(|(_, v)| v),
            Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        }
    }

    /// Follows a dotted JSON Logic path (`""` is the value itself, `"a.0.b"` walks members and indices).
    pub(crate) fn lookup(&self, path: &str) -> Option<&Value> {
        if path.is_empty() {
            return Some(self);
        }
        // Split on the byte `.` (one ASCII byte is never inside a UTF-8 sequence): smaller code than
        // `str::split(char)`'s searcher.
        let mut cur = self;
        let mut rest = path;
        loop {
            let dot = rest.bytes().position(|b| b == b'.');
            let seg = dot.map_or(rest, |i| rest.get(..i).unwrap_or(""));
            cur = cur.step(seg)?;
            match dot {
                Some(i) => rest = rest.get(i + 1..).unwrap_or(""),
                None => return Some(cur),
            }
        }
    }

    /// Converts a data document for evaluation: like `From<&serde_json::Value>`, but object
    /// members whose value is `null` are left out, since `null` and absent are the same to rules.
    pub fn from_json_data(json: &serde_json::Value) -> Value {
        Value::from_json_depth(json, 0, true)
    }

    fn from_json_depth(json: &serde_json::Value, depth: usize, drop_null: bool) -> Value {
        match json {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
            serde_json::Value::String(s) => Value::String(Arc::from(s.as_str())),
            _ if depth >= MAX_VALUE_DEPTH => Value::Null,
            serde_json::Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| Value::from_json_depth(v, depth + 1, drop_null))
                    .collect(),
            ),
            serde_json::Value::Object(members) => Value::Object(
                members
                    .iter()
                    .filter(|(_, v)| !(drop_null && v.is_null()))
                    .map(|(k, v)| {
                        (
                            Arc::from(k.as_str()),
                            Value::from_json_depth(v, depth + 1, drop_null),
                        )
                    })
                    .collect(),
            ),
        }
    }

    /// Converts to JSON: integral numbers up to 2^53 become JSON integers, non-finite numbers `null`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => number_to_json(*n),
            Value::String(s) => serde_json::Value::String(s.to_string()),
            Value::Array(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Object(members) => serde_json::Value::Object(
                members
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }
}

/// Largest integer every `f64` below it represents exactly (2^53).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0;

fn number_to_json(n: f64) -> serde_json::Value {
    if !n.is_finite() {
        return serde_json::Value::Null;
    }
    if crate::math::fract(n) == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        // Exact: integral and within ±2^53.
        return serde_json::Value::from(n as i64);
    }
    serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// JavaScript's white space and line terminators (ECMA-262 `WhiteSpace`, `LineTerminator`), what
/// `Number(string)` trims: Unicode's `White_Space` without U+0085 (NEL), plus U+FEFF.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// JavaScript `Number(string)`: trims whitespace, accepts decimal literals, `Infinity` and the
/// `0x`/`0o`/`0b` integer prefixes; the empty string is 0; anything else is `NaN`.
pub(crate) fn js_string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    let bytes = t.as_bytes();
    if bytes.len() > 2 && bytes[0] == b'0' {
        let radix = match bytes[1] {
            b'x' | b'X' => 16,
            b'o' | b'O' => 8,
            b'b' | b'B' => 2,
            _ => 0,
        };
        if radix != 0 {
            return parse_radix(&t[2..], radix);
        }
    }
    if is_decimal_literal(bytes) {
        parse_decimal(t)
    } else {
        f64::NAN
    }
}

/// A decimal literal (checked by `is_decimal_literal`), correctly rounded: Rust's parser natively,
/// JavaScript's `Number` in wasm (the same IEEE-754 result; the wasm module carries no float parser).
#[cfg(not(target_arch = "wasm32"))]
fn parse_decimal(literal: &str) -> f64 {
    literal.parse::<f64>().unwrap_or(f64::NAN)
}

#[cfg(target_arch = "wasm32")]
fn parse_decimal(literal: &str) -> f64 {
    crate::wasm::host::to_number(literal)
}

fn parse_radix(digits: &str, radix: u32) -> f64 {
    let mut acc = 0.0f64;
    for c in digits.chars() {
        match c.to_digit(radix) {
            Some(d) => acc = acc * f64::from(radix) + f64::from(d),
            None => return f64::NAN,
        }
    }
    acc
}

/// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`
fn is_decimal_literal(b: &[u8]) -> bool {
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let int_start = i;
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let mut digits = i - int_start;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        digits += i - frac_start;
    }
    if digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == b.len()
}

impl From<&serde_json::Value> for Value {
    fn from(json: &serde_json::Value) -> Self {
        Value::from_json_depth(json, 0, false)
    }
}

impl From<serde_json::Value> for Value {
    fn from(json: serde_json::Value) -> Self {
        Value::from_json_depth(&json, 0, false)
    }
}

impl From<&Value> for serde_json::Value {
    fn from(value: &Value) -> Self {
        value.to_json()
    }
}

impl From<Value> for serde_json::Value {
    fn from(value: Value) -> Self {
        value.to_json()
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(Arc::from(s))
    }
}

impl From<Vec<Value>> for Value {
    fn from(items: Vec<Value>) -> Self {
        Value::array(items)
    }
}
