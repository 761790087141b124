//! String conversions used by `cat`, `substr` and dynamic `var` paths.

use std::fmt::Write as _;

use super::value::Value;

/// Appends a number as datalogic-rs (and, in the usual range, JavaScript's `String(n)`) writes
/// it: integers without a fraction, other numbers with their shortest round-trip digits and no
/// exponent; integers beyond ±9.2e18 in exponent form (`1e21`).
pub(crate) fn push_number(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("NaN");
    } else if n.is_infinite() {
        out.push_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
    } else if n.fract() == 0.0 {
        if n.abs() < 9.2e18 {
            // Exact: integral and within i64 (also turns -0 into 0).
            let _ = write!(out, "{}", n as i64);
        } else {
            let _ = write!(out, "{n:?}");
        }
    } else {
        let _ = write!(out, "{n}");
    }
}

/// Appends the string form of a value: strings as is, `null` as `""`, booleans and numbers as
/// JavaScript writes them, arrays and objects as JSON text.
pub(crate) fn push_text(out: &mut String, v: &Value) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => push_number(out, *n),
        Value::String(s) => out.push_str(s),
        Value::Array(_) | Value::Object(_) => push_json(out, v),
    }
}

/// Appends compact JSON text for a value (non-finite numbers as `null`).
pub(crate) fn push_json(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) if n.is_finite() => push_number(out, *n),
        Value::Number(_) => out.push_str("null"),
        Value::String(s) => push_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_json_string(out, k);
                out.push(':');
                push_json(out, item);
            }
            out.push('}');
        }
    }
}

fn push_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// The string form of a value (see [`push_text`]).
pub(crate) fn to_text(v: &Value) -> String {
    let mut out = String::new();
    push_text(&mut out, v);
    out
}
