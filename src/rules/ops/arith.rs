//! Arithmetic: `+`, `*`, `-`, `/`, `%`, `max`, `min`, and its rules on already-coerced numbers.

use crate::rules::eval::{number, Eval, Frame, Out, NULL};
use crate::rules::node::Op;
use crate::rules::value::Value;

/// `a / b`; division by zero saturates like datalogic-rs: `f64::MAX` for a positive dividend,
/// `f64::MIN` for a negative one, `0` for a zero dividend.
pub(crate) fn div(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        saturate(a)
    } else {
        a / b
    }
}

/// The result of dividing `a` by zero.
pub(crate) fn saturate(a: f64) -> f64 {
    if a.is_nan() {
        f64::NAN
    } else if a > 0.0 {
        f64::MAX
    } else if a < 0.0 {
        f64::MIN
    } else {
        0.0
    }
}

/// A chained binary operator.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Chain {
    Sub,
    Div,
    Mod,
}

/// `a - b - c …`, `a / b / c …` or `a % b % c …`; `NaN` for no numbers. A zero divisor ends the
/// chain with the saturated value of the dividend so far (later operands are not used).
pub(crate) fn chain(mut numbers: impl Iterator<Item = f64>, op: Chain) -> f64 {
    let Some(mut acc) = numbers.next() else {
        return f64::NAN;
    };
    for n in numbers {
        acc = match op {
            Chain::Sub => acc - n,
            _ if n == 0.0 => return saturate(acc),
            Chain::Div => acc / n,
            Chain::Mod => crate::math::remainder(acc, n),
        };
    }
    acc
}

/// The largest (`max`) or smallest number, `None` for no numbers, `NaN` if any is `NaN`.
pub(crate) fn extremum(numbers: impl Iterator<Item = f64>, max: bool) -> Option<f64> {
    let mut best: Option<f64> = None;
    for n in numbers {
        if n.is_nan() {
            return Some(f64::NAN);
        }
        best = Some(match best {
            Some(b) if (max && b >= n) || (!max && b <= n) => b,
            _ => n,
        });
    }
    best
}

impl<'r> Eval<'r> {
    /// `+` / `*` over any number of operands; one array operand is summed (multiplied) itself.
    pub(crate) fn op_add_mul<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let (unit, f): (f64, fn(f64, f64) -> f64) = if op == Op::Add {
            (0.0, |a, b| a + b)
        } else {
            (1.0, |a, b| a * b)
        };
        if let [only] = args {
            let v = self.eval(*only, inner);
            return number(match &*v {
                Value::Array(items) => items.iter().map(Value::to_number_or_nan).fold(unit, f),
                other => f(unit, other.to_number_or_nan()),
            });
        }
        let mut acc = unit;
        for c in args {
            acc = f(acc, self.eval(*c, inner).to_number_or_nan());
        }
        number(acc)
    }

    /// `-`, `/`, `%` as a chain; one operand negates (`-`) or inverts (`/`); one array operand is
    /// chained itself.
    pub(crate) fn op_sub_div_mod<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let op = match op {
            Op::Sub => Chain::Sub,
            Op::Div => Chain::Div,
            _ => Chain::Mod,
        };
        if let [only] = args {
            let v = self.eval(*only, inner);
            return number(match (&*v, op) {
                (Value::Array(items), Chain::Mod) if items.len() < 2 => f64::NAN,
                (Value::Array(items), _) => chain(items.iter().map(Value::to_number_or_nan), op),
                (other, Chain::Sub) => -other.to_number_or_nan(),
                (other, Chain::Div) => div(1.0, other.to_number_or_nan()),
                _ => f64::NAN,
            });
        }
        number(chain(
            args.iter().map(|c| self.eval(*c, inner).to_number_or_nan()),
            op,
        ))
    }

    /// `max` / `min` of the operands (or of one array operand); `null` for none.
    pub(crate) fn op_max_min<'s>(
        &mut self,
        op: Op,
        args: &'r [u32],
        inner: Frame<'_, 's>,
    ) -> Out<'s>
    where
        'r: 's,
    {
        let max = op == Op::Max;
        let result = if let [only] = args {
            let v = self.eval(*only, inner);
            match &*v {
                Value::Array(items) => extremum(items.iter().map(Value::to_number_or_nan), max),
                other => Some(other.to_number_or_nan()),
            }
        } else {
            extremum(
                args.iter().map(|c| self.eval(*c, inner).to_number_or_nan()),
                max,
            )
        };
        result.map_or(NULL, number)
    }
}
