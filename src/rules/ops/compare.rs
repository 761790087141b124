//! Equality and ordering: `==`, `===`, `!=`, `!==`, `<`, `<=`, `>`, `>=`.

use crate::rules::eval::{boolean, Eval, Frame, Out, NULL};
use crate::rules::node::{BinOp, Op};
use crate::rules::value::Value;

/// Strict equality (`===`): same type and value; arrays and objects compare structurally.
pub(crate) fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| strict_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter().all(|(k, v)| {
                    y.iter()
                        .find(|(k2, _)| k2 == k)
                        .is_some_and(|(_, w)| strict_eq(v, w))
                })
        }
        _ => false,
    }
}

/// Loose equality (`==`), with the coercion table of datalogic-rs:
///
/// | operands | rule |
/// |---|---|
/// | same type | value equality (arrays structurally, two objects never equal) |
/// | number, string | the string's JavaScript number equals the number |
/// | number, bool | the number equals 1 / 0 |
/// | string, bool | the string is `"true"` / `"false"` |
/// | null, number / bool / string | `0` / `false` / `""` |
/// | array or object with anything else | not equal |
pub(crate) fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Object(_), Value::Object(_)) => false,
        (Value::Array(_), Value::Array(_)) => strict_eq(a, b),
        (Value::Number(n), Value::String(s)) | (Value::String(s), Value::Number(n)) => {
            super::super::value::js_string_to_number(s) == *n
        }
        (Value::Number(n), Value::Bool(x)) | (Value::Bool(x), Value::Number(n)) => {
            *n == f64::from(u8::from(*x))
        }
        (Value::String(s), Value::Bool(x)) | (Value::Bool(x), Value::String(s)) => {
            &**s == if *x { "true" } else { "false" }
        }
        (Value::Null, Value::Number(n)) | (Value::Number(n), Value::Null) => *n == 0.0,
        (Value::Null, Value::Bool(x)) | (Value::Bool(x), Value::Null) => !*x,
        (Value::Null, Value::String(s)) | (Value::String(s), Value::Null) => s.is_empty(),
        _ => strict_eq(a, b),
    }
}

/// An ordering operator.
#[derive(Clone, Copy)]
pub(crate) enum Ord {
    Lt,
    Le,
    Gt,
    Ge,
}

/// `a op b`: two strings compare by code point, arrays and objects never compare, anything else
/// compares as JavaScript numbers (`NaN` compares false).
pub(crate) fn ordered(a: &Value, b: &Value, op: Ord) -> bool {
    if let (Value::String(x), Value::String(y)) = (a, b) {
        let o = x.cmp(y);
        return match op {
            Ord::Lt => o.is_lt(),
            Ord::Le => o.is_le(),
            Ord::Gt => o.is_gt(),
            Ord::Ge => o.is_ge(),
        };
    }
    if matches!(a, Value::Array(_) | Value::Object(_))
        || matches!(b, Value::Array(_) | Value::Object(_))
    {
        return false;
    }
    let (x, y) = (a.to_number_or_nan(), b.to_number_or_nan());
    match op {
        Ord::Lt => x < y,
        Ord::Le => x <= y,
        Ord::Gt => x > y,
        Ord::Ge => x >= y,
    }
}

/// A [`crate::rules::node::Node::Binary`] operator applied to its operands.
#[inline]
pub(crate) fn binary(op: BinOp, a: &Value, b: &Value) -> bool {
    match op {
        BinOp::Eq => loose_eq(a, b),
        BinOp::StrictEq => strict_eq(a, b),
        BinOp::Ne => !loose_eq(a, b),
        BinOp::StrictNe => !strict_eq(a, b),
        BinOp::Lt => ordered(a, b, Ord::Lt),
        BinOp::Le => ordered(a, b, Ord::Le),
        BinOp::Gt => ordered(a, b, Ord::Gt),
        BinOp::Ge => ordered(a, b, Ord::Ge),
        BinOp::In => super::string::contains(a, b),
    }
}

impl<'r> Eval<'r> {
    /// `==` / `===` over any number of operands: each equals the first; `null` with none.
    pub(crate) fn op_equal<'s>(&mut self, op: Op, args: &'r [u32], inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        let Some((first, rest)) = args.split_first() else {
            return NULL;
        };
        let a = self.eval(*first, inner);
        for c in rest {
            let b = self.eval(*c, inner);
            let eq = if op == Op::Eq {
                loose_eq(&a, &b)
            } else {
                strict_eq(&a, &b)
            };
            if !eq {
                return boolean(false);
            }
        }
        boolean(true)
    }

    /// `!=` / `!==` of the first two operands (a missing one is `null`).
    pub(crate) fn op_not_equal<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let a = self.eval_opt(args.first(), inner);
        let b = self.eval_opt(args.get(1), inner);
        boolean(if op == Op::Ne {
            !loose_eq(&a, &b)
        } else {
            !strict_eq(&a, &b)
        })
    }

    /// `<`, `<=`, `>`, `>=` as a chain (`a < b < c`); `null` with no operands.
    pub(crate) fn op_order<'s>(&mut self, op: Op, args: &'r [u32], inner: Frame<'_, 's>) -> Out<'s>
    where
        'r: 's,
    {
        let ord = match op {
            Op::Lt => Ord::Lt,
            Op::Le => Ord::Le,
            Op::Gt => Ord::Gt,
            _ => Ord::Ge,
        };
        let Some((first, rest)) = args.split_first() else {
            return NULL;
        };
        let mut prev = self.eval(*first, inner);
        for c in rest {
            let cur = self.eval(*c, inner);
            if !ordered(&prev, &cur, ord) {
                return boolean(false);
            }
            prev = cur;
        }
        boolean(true)
    }
}
