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

/// `a % b` (remainder with the dividend's sign, as in JavaScript); a zero divisor saturates as
/// [`div`] does.
pub(crate) fn rem(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        saturate(a)
    } else {
        a % b
    }
}

fn saturate(a: f64) -> f64 {
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

/// A left fold of numbers with `f`, `NaN` for no numbers.
pub(crate) fn fold(mut numbers: impl Iterator<Item = f64>, f: fn(f64, f64) -> f64) -> f64 {
    match numbers.next() {
        Some(first) => numbers.fold(first, f),
        None => f64::NAN,
    }
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
