//! String conversions used by `cat`, `substr` and dynamic `var` paths.

use crate::prelude::*;

use super::value::Value;

/// Appends a number as datalogic-rs (and, in the usual range, JavaScript's `String(n)`) writes
/// it: integers without a fraction, other numbers with their shortest round-trip digits and no
/// exponent; integers beyond ±9.2e18 in exponent form (`1e21`).
pub(crate) fn push_number(out: &mut String, n: f64) {
    if n.is_nan() {
        out.push_str("NaN");
    } else if n.is_infinite() {
        out.push_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
    } else if crate::math::fract(n) == 0.0 && n.abs() < 9.2e18 {
        // Exact: integral and within i64 (also turns -0 into 0).
        push_integer(out, n as i64);
    } else {
        let (digits, exponent) = shortest_digits(n.abs());
        if n < 0.0 {
            out.push('-');
        }
        if crate::math::fract(n) == 0.0 {
            push_exponent_form(out, &digits, exponent);
        } else {
            push_positional(out, &digits, exponent);
        }
    }
}

fn push_integer(out: &mut String, n: i64) {
    if n < 0 {
        out.push('-');
    }
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    let mut rest = n.unsigned_abs();
    loop {
        at -= 1;
        buf[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    buf[at..].iter().for_each(|d| out.push(char::from(*d)));
}

/// `digits` (no leading zero) times 10^(`exponent` - digits + 1), as `d.ddd` with the point moved: no
/// exponent, as Rust's `{}` writes an `f64` (`0.00015`, `123.5`).
fn push_positional(out: &mut String, digits: &str, exponent: i32) {
    if exponent < 0 {
        out.push_str("0.");
        (1..-exponent).for_each(|_| out.push('0'));
        out.push_str(digits);
        return;
    }
    let whole = exponent as usize + 1;
    if digits.len() <= whole {
        out.push_str(digits);
        (digits.len()..whole).for_each(|_| out.push('0'));
    } else {
        let (int, frac) = digits.split_at_checked(whole).unwrap_or((digits, ""));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    }
}

/// The same number as `d.ddde<exponent>`, as Rust's `{:?}` writes large integral `f64`s (`1e21`, `9.3e18`).
fn push_exponent_form(out: &mut String, digits: &str, exponent: i32) {
    let (first, rest) = digits.split_at_checked(1).unwrap_or((digits, ""));
    out.push_str(first);
    if !rest.is_empty() {
        out.push('.');
        out.push_str(rest);
    }
    out.push('e');
    push_integer(out, i64::from(exponent));
}

/// The shortest decimal digits that round-trip to the finite, positive `n`, and the decimal exponent of
/// the first: `1.5e-7` is `("15", -7)`. Read off the host's exponent form, `d.ddde±x` (Rust's `{:e}`
/// natively, JavaScript's `toExponential()` in wasm: both the shortest round-trip digits).
fn shortest_digits(n: f64) -> (String, i32) {
    let text = exponent_form(n);
    // The byte `e` (ASCII, so a character boundary): smaller code than `split_once(char)`'s searcher.
    let (mantissa, exponent) = match text.bytes().position(|b| b == b'e') {
        Some(i) => (
            text.get(..i).unwrap_or(""),
            text.get(i + 1..).unwrap_or("0"),
        ),
        None => (text.as_str(), "0"),
    };
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let (negative, magnitude) = match exponent.as_bytes().first() {
        Some(b'-') => (true, exponent.get(1..).unwrap_or("")),
        Some(b'+') => (false, exponent.get(1..).unwrap_or("")),
        _ => (false, exponent),
    };
    let magnitude = magnitude
        .bytes()
        .fold(0i32, |acc, d| acc * 10 + i32::from(d.wrapping_sub(b'0')));
    (digits, if negative { -magnitude } else { magnitude })
}

#[cfg(not(target_arch = "wasm32"))]
fn exponent_form(n: f64) -> String {
    format!("{n:e}")
}

#[cfg(target_arch = "wasm32")]
fn exponent_form(n: f64) -> String {
    crate::wasm::host::to_exponential(n)
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
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 0xf]));
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

#[cfg(test)]
mod number_tests {
    use super::*;

    /// What `push_number` wrote before it stopped using `core::fmt` (the wasm module carries none).
    fn formatted(n: f64) -> String {
        if n.is_nan() {
            "NaN".into()
        } else if n.is_infinite() {
            (if n > 0.0 { "Infinity" } else { "-Infinity" }).into()
        } else if n.fract() == 0.0 && n.abs() < 9.2e18 {
            format!("{}", n as i64)
        } else if n.fract() == 0.0 {
            format!("{n:?}")
        } else {
            format!("{n}")
        }
    }

    #[test]
    fn numbers_are_written_as_core_fmt_wrote_them() {
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            1.5,
            -2.25,
            123.456,
            1e-7,
            1.5e-7,
            0.000_015,
            1e15 + 0.5,
            9.2e18,
            9.3e18,
            -9.3e18,
            1e21,
            1.5e300,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4_503_599_627_370_495.5,
            0.1 + 0.2,
            1.0 / 3.0,
        ];
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let n = f64::from_bits(state);
            values.push(n);
            values.push((state % 1_000_000) as f64 / 1000.0);
        }
        for n in values {
            let mut out = String::new();
            push_number(&mut out, n);
            assert_eq!(out, formatted(n), "{n:e}");
        }
    }
}
