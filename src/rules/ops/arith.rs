//! Arithmetic on already-coerced numbers.

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
