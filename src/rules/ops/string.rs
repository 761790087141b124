//! `cat`, `substr` and `in`.

use crate::prelude::*;

use super::compare::strict_eq;
use crate::rules::eval::{boolean, owned, Eval, Frame, Out, MAX_BUILD_LEN};
use crate::rules::text::{push_text, to_text};
use crate::rules::value::Value;

/// An integral number usable as a `substr` position (others are ignored, as in datalogic-rs).
pub(crate) fn int_arg(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) if crate::math::fract(*n) == 0.0 && n.abs() < 9.0e18 => Some(*n as i64),
        _ => None,
    }
}

/// The characters `[from, to)` that `substr` takes of a text of `total` characters: a negative `start`
/// counts from the end, a negative `len` stops that many characters before the end, a missing `len`
/// takes the rest; `None` when that is empty.
pub(crate) fn substr_span(total: i64, start: Option<i64>, len: Option<i64>) -> Option<(i64, i64)> {
    let from = match start.unwrap_or(0) {
        s if s < 0 => (total + s).max(0),
        s => s.min(total),
    };
    let to = match len {
        None => total,
        Some(l) if l >= 0 => from.saturating_add(l).min(total),
        Some(l) => total + l.max(-total),
    };
    (from < to).then_some((from, to))
}

/// `substr(text, start, len)` in characters (see [`substr_span`]).
pub(crate) fn substr(text: &str, start: Option<i64>, len: Option<i64>) -> String {
    // Characters are the bytes that do not continue a UTF-8 sequence (smaller code than `chars()`).
    let total = text.bytes().filter(|b| b & 0xC0 != 0x80).count() as i64;
    let Some((from, to)) = substr_span(total, start, len) else {
        return String::new();
    };
    // The byte offset where character `k` starts (the end for `k == total`).
    let at = |k: i64| {
        text.char_indices()
            .nth(k as usize)
            .map_or(text.len(), |(i, _)| i)
    };
    text.get(at(from)..at(to))
        .map(String::from)
        .unwrap_or_default()
}

/// `in`: substring test when the haystack is a string (the needle must be a string too), strict
/// membership when it is an array, `false` otherwise.
pub(crate) fn contains(needle: &Value, haystack: &Value) -> bool {
    match (haystack, needle) {
        // A byte search: a match of valid UTF-8 in valid UTF-8 starts and ends on character boundaries
        // (smaller code than `str::contains`' two-way searcher; rule texts are short).
        (Value::String(h), Value::String(n)) => {
            n.is_empty() || h.as_bytes().windows(n.len()).any(|w| w == n.as_bytes())
        }
        (Value::Array(items), _) => items.iter().any(|x| strict_eq(x, needle)),
        _ => false,
    }
}

impl<'r> Eval<'r> {
    /// `cat`: the operands' texts joined (array operands element by element), at most
    /// [`MAX_BUILD_LEN`] bytes.
    pub(crate) fn op_cat<'s>(&mut self, args: &'r [u32], inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        let mut out = String::new();
        for c in args {
            let v = self.eval(*c, inner);
            match &*v {
                Value::Array(items) => items.iter().for_each(|it| push_text(&mut out, it)),
                other => push_text(&mut out, other),
            }
            if out.len() > MAX_BUILD_LEN {
                return self.fail();
            }
        }
        owned(Value::from(out))
    }

    /// `substr(source, start, len)` of the source's text.
    pub(crate) fn op_substr<'s>(&mut self, args: &'r [u32], inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        let src = self.eval_opt(args.first(), inner);
        let start = self.eval_opt(args.get(1), inner);
        let len = self.eval_opt(args.get(2), inner);
        let (start, len) = (int_arg(&start), int_arg(&len));
        let text = match &*src {
            Value::String(s) => substr(s, start, len),
            other => substr(&to_text(other), start, len),
        };
        owned(Value::from(text))
    }

    /// `in(needle, haystack)` (see [`contains`]).
    pub(crate) fn op_in<'s>(&mut self, args: &'r [u32], inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        let needle = self.eval_opt(args.first(), inner);
        let hay = self.eval_opt(args.get(1), inner);
        boolean(contains(&needle, &hay))
    }
}
