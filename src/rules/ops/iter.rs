//! `merge`, literal arrays and the iterators (`map`, `filter`, `reduce`, `all`, `some`, `none`).

use crate::prelude::*;

use alloc::borrow::Cow;
use alloc::sync::Arc;

use crate::rules::eval::{Eval, Frame, Scope, MAX_BUILD_LEN};
use crate::rules::node::Op;
use crate::rules::value::Value;

type Out<'s> = Cow<'s, Value>;

/// What an iterator walks: array elements or object member values; a scalar source is one
/// element for `map` and nothing for the others.
enum Source<'v> {
    Items(&'v [Value]),
    Members(&'v [(Arc<str>, Value)]),
    Scalar(&'v Value),
    Nothing,
}

impl<'v> Source<'v> {
    fn of(v: &'v Value) -> Self {
        match v {
            Value::Null => Source::Nothing,
            Value::Array(items) => Source::Items(items),
            Value::Object(members) => Source::Members(members),
            other => Source::Scalar(other),
        }
    }

    fn values(&self) -> Values<'v> {
        match *self {
            Source::Items(items) => Values::Items(items.iter()),
            Source::Members(members) => Values::Members(members.iter()),
            Source::Scalar(_) | Source::Nothing => Values::Items([].iter()),
        }
    }
}

/// The element values of a [`Source`], without allocating.
enum Values<'v> {
    Items(core::slice::Iter<'v, Value>),
    Members(core::slice::Iter<'v, (Arc<str>, Value)>),
}

impl<'v> Iterator for Values<'v> {
    type Item = &'v Value;

    fn next(&mut self) -> Option<&'v Value> {
        match self {
            Values::Items(it) => it.next(),
            Values::Members(it) => it.next().map(|(_, v)| v),
        }
    }
}

impl<'r> Eval<'r> {
    /// `merge` (arrays are flattened one level, `null`s dropped) and literal arrays.
    pub(crate) fn op_merge_array<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let mut out = Vec::with_capacity(args.len());
        for c in args {
            let v = self.eval(*c, inner);
            match (op, &*v) {
                // As `[].concat(...)`: arrays flattened one level, anything else (`null` too) an element.
                (Op::Merge, Value::Array(items)) => out.extend(items.iter().cloned()),
                _ => out.push(v.into_owned()),
            }
            if out.len() > MAX_BUILD_LEN {
                return self.fail();
            }
        }
        Cow::Owned(Value::array(out))
    }

    /// The truthiness of the body `body` (evaluated in `inner`) for one element.
    fn body_truthy(&mut self, body: u32, inner: Frame<'_, '_>, item: &Value) -> bool {
        let scope = Scope { item, acc: None };
        self.truthy(body, inner.within(&scope))
    }

    /// Evaluates the body `body` (in `inner`) for one element.
    fn body<'l>(
        &mut self,
        body: u32,
        inner: Frame<'_, '_>,
        item: &'l Value,
        acc: Option<&'l Value>,
    ) -> Out<'l>
    where
        'r: 'l,
    {
        let scope = Scope { item, acc };
        self.eval(body, inner.within(&scope))
    }

    /// `map`, `filter`, `reduce`, `all`, `some`, `none`: the body (second operand) for each element
    /// of the source (first operand).
    pub(crate) fn op_iterate<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let src = self.eval_opt(args.first(), inner);
        let Some(&body) = args.get(1) else {
            return Cow::Owned(Value::Null);
        };
        let source = Source::of(&src);
        match op {
            Op::Map => {
                let mut out = Vec::new();
                if let Source::Scalar(v) = source {
                    out.push(self.body(body, inner, v, None).into_owned());
                }
                for v in source.values() {
                    out.push(self.body(body, inner, v, None).into_owned());
                }
                Cow::Owned(Value::array(out))
            }
            Op::Filter => match source {
                Source::Members(members) => {
                    let mut out = Vec::new();
                    for (k, v) in members.iter() {
                        if self.body_truthy(body, inner, v) {
                            out.push((k.clone(), v.clone()));
                        }
                    }
                    Cow::Owned(Value::Object(Arc::from(out)))
                }
                _ => {
                    let mut out = Vec::new();
                    for v in source.values() {
                        if self.body_truthy(body, inner, v) {
                            out.push(v.clone());
                        }
                    }
                    Cow::Owned(Value::array(out))
                }
            },
            Op::All | Op::Some | Op::None => {
                let mut seen = false;
                let mut any = false;
                let mut all = true;
                for v in source.values() {
                    seen = true;
                    let t = self.body_truthy(body, inner, v);
                    any |= t;
                    all &= t;
                    // `all` stops at the first falsy element, `some`/`none` at the first truthy.
                    if (op == Op::All && !t) || (op != Op::All && t) {
                        break;
                    }
                }
                Cow::Owned(Value::Bool(match op {
                    Op::All => seen && all,
                    Op::Some => any,
                    _ => !any,
                }))
            }
            _ => {
                let init = self.eval_opt(args.get(2), inner);
                let mut acc = init.into_owned();
                for v in source.values() {
                    let next = self.body(body, inner, v, Some(&acc)).into_owned();
                    acc = next;
                }
                Cow::Owned(acc)
            }
        }
    }
}
