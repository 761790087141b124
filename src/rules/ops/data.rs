//! Data access: `var` with a computed path, `missing` and `missing_some`.

use crate::prelude::*;

use alloc::sync::Arc;

use crate::rules::eval::{owned, Eval, Frame, Out, Scope};
use crate::rules::node::{Op, Root};
use crate::rules::text::push_text;
use crate::rules::value::Value;

/// `missing_some`'s minimum: a number rounded up (at least 0), 1 for anything else.
pub(crate) fn min_present(v: &Value) -> u32 {
    match v {
        Value::Number(n) if n.is_nan() => 0,
        // Saturating float-to-int conversion.
        Value::Number(n) => crate::math::ceil(*n).max(0.0) as u32,
        _ => 1,
    }
}

/// The keys that are missing (each paired with whether it is missing or `null`); with `min`
/// (`missing_some`), none when at least `min` keys are present.
fn missing_of<'k>(keys: impl Iterator<Item = (&'k Arc<str>, bool)>, min: Option<u32>) -> Value {
    let mut present = 0u32;
    let mut missing = Vec::new();
    for (k, is_missing) in keys {
        if is_missing {
            missing.push(Value::String(k.clone()));
        } else {
            present = present.saturating_add(1);
        }
    }
    if min.is_some_and(|min| present >= min) {
        missing.clear();
    }
    Value::array(missing)
}

impl<'r> Eval<'r> {
    /// The base a computed path or `missing` key is looked up in.
    fn root_value<'s>(&self, root: Root, scope: Option<&Scope<'s>>) -> Option<&'s Value>
    where
        'r: 's,
    {
        match root {
            Root::Slot(s) => self.slot(s),
            Root::Scope => scope.map(|sc| sc.item),
        }
    }

    /// Looks a computed path up: a dotted string, a number (an index or key), `null` (the whole
    /// base) or an array of segments. Inside `reduce`, `current…`/`accumulator…` pick the base.
    pub(crate) fn dyn_lookup<'s>(
        &self,
        path: &Value,
        root: Root,
        inner: Frame<'_, 's>,
    ) -> Option<&'s Value>
    where
        'r: 's,
    {
        let scope = inner.scope;
        match path {
            Value::String(p) => {
                if let (
                    Root::Scope,
                    Some(Scope {
                        item,
                        acc: Some(acc),
                    }),
                ) = (root, scope)
                {
                    for (name, base) in [("current", *item), ("accumulator", *acc)] {
                        if let Some(rest) = p.strip_prefix(name) {
                            if rest.is_empty() {
                                return Some(base);
                            }
                            if let Some(rest) = rest.strip_prefix('.') {
                                return base.lookup(rest);
                            }
                        }
                    }
                }
                self.root_value(root, scope)?.lookup(p)
            }
            Value::Null => self.root_value(root, scope),
            Value::Number(_) => {
                let mut key = String::new();
                push_text(&mut key, path);
                self.root_value(root, scope)?.lookup(&key)
            }
            Value::Array(segs) => {
                let mut cur = self.root_value(root, scope)?;
                for seg in segs.iter() {
                    cur = match seg {
                        Value::String(s) => cur.lookup(s)?,
                        Value::Number(n) if *n >= 0.0 && crate::math::fract(*n) == 0.0 => {
                            let mut key = String::new();
                            push_text(&mut key, seg);
                            cur.step(&key)?
                        }
                        _ => return None,
                    };
                }
                Some(cur)
            }
            Value::Bool(_) | Value::Object(_) => None,
        }
    }

    /// `missing` / `missing_some` with keys the compiler resolved to slots.
    pub(crate) fn missing_slots<'s>(&self, keys: &[(Arc<str>, u16)], min: Option<u32>) -> Out<'s> {
        let keys = keys
            .iter()
            .map(|(k, s)| (k, self.slot(*s).is_none_or(Value::is_null)));
        owned(missing_of(keys, min))
    }

    /// `missing` / `missing_some` with computed keys, looked up in `root`.
    pub(crate) fn op_missing<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        root: Root,
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let base = self.root_value(root, inner.scope);
        let is_missing = |key: &str| base.and_then(|b| b.lookup(key)).is_none_or(Value::is_null);
        let strings = |v: &Value| -> Vec<Arc<str>> {
            match v {
                Value::Array(items) => items
                    .iter()
                    .filter_map(|item| match item {
                        Value::String(k) => Some(k.clone()),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            }
        };
        if op == Op::Missing {
            let mut keys = Vec::new();
            for c in args {
                let v = self.eval(*c, inner);
                match &*v {
                    Value::String(k) => keys.push(k.clone()),
                    other => keys.extend(strings(other)),
                }
            }
            return owned(missing_of(keys.iter().map(|k| (k, is_missing(k))), None));
        }
        let min = self.eval_opt(args.first(), inner);
        let min = min_present(&min);
        let keys = self.eval_opt(args.get(1), inner);
        let keys = strings(&keys);
        owned(missing_of(
            keys.iter().map(|k| (k, is_missing(k))),
            Some(min),
        ))
    }
}
