//! The few `f64` functions the core needs that `core` does not provide without the standard library:
//! `libm`'s, on every target, so native and wasm decisions are the same to the bit; and the remainder,
//! which IEEE 754 defines exactly (so every implementation agrees), taken from the JavaScript host in wasm.

/// Largest integer not greater than `x`.
#[inline]
pub fn floor(x: f64) -> f64 {
    libm::floor(x)
}

/// Smallest integer not less than `x`.
#[inline]
pub fn ceil(x: f64) -> f64 {
    libm::ceil(x)
}

/// `x` without its fractional part (towards zero).
#[inline]
pub fn trunc(x: f64) -> f64 {
    libm::trunc(x)
}

/// The fractional part of `x` (`x - trunc(x)`), as `f64::fract`.
#[inline]
pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

/// `x` rounded to the nearest integer, halves away from zero, as `f64::round`.
#[inline]
pub fn round(x: f64) -> f64 {
    libm::round(x)
}

/// `x` raised to the power `y`, as `f64::powf`.
#[inline]
pub fn powf(x: f64, y: f64) -> f64 {
    libm::pow(x, y)
}

/// The remainder of `x / y` with the sign of `x` (C's `fmod`, JavaScript's `%`). Exact, so the native
/// `%` and the host's agree to the bit; in wasm the host's saves the module a software `fmod`.
#[inline]
pub fn remainder(x: f64, y: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        crate::wasm::host::remainder(x, y)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        x % y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_std() {
        for x in [
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            1e300,
            -7.25,
            f64::INFINITY,
            3.999_999,
        ] {
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "{x}");
            assert_eq!(ceil(x).to_bits(), x.ceil().to_bits(), "{x}");
            assert_eq!(trunc(x).to_bits(), x.trunc().to_bits(), "{x}");
            assert_eq!(round(x).to_bits(), x.round().to_bits(), "{x}");
            if x.is_finite() {
                assert_eq!(fract(x).to_bits(), x.fract().to_bits(), "{x}");
            }
        }
        assert!(floor(f64::NAN).is_nan() && fract(f64::NAN).is_nan());
        assert_eq!(powf(0.5, 2.0), 0.25);
        assert_eq!(powf(2.0, 0.5), 2f64.powf(0.5));
    }
}
