//! Smoothing with exponential decay, applied lazily: a value is kept with the day it refers to and
//! decayed only when it is read or written, so events give the same result in any arrival order.
//!
//! The value of a quantity on day `D` is `sum(amount_i * 0.5^((D - day_i) / half_life))`. A store keeps
//! that sum as of a reference day `R` (the latest event day seen): an event newer than `R` first decays
//! the stored values to its day, an older one is added already decayed by its age. Reading at a day
//! before `R` (an event up to a day ahead of the clock) does not grow the values back.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Seconds in a day.
pub(crate) const SECONDS_PER_DAY: u64 = 86_400;

/// Stored values are rounded to this many parts per unit: precision nobody needs is not kept, and the
/// rounded values survive a JSON round trip exactly.
const RESOLUTION: f64 = 1e6;

/// Values that decayed below this are dropped.
const NEGLIGIBLE: f64 = 1e-3;

/// The day (since 1970-01-01 UTC) of a Unix instant.
pub(crate) fn day_of(at: u64) -> u32 {
    u32::try_from(at / SECONDS_PER_DAY).unwrap_or(u32::MAX)
}

/// The factor a value from `from` has decayed by on `to`: `0.5^((to - from) / half_life)`, 1 when `to`
/// is not after `from` or the half-life is not positive.
pub(crate) fn factor(from: u32, to: u32, half_life_days: f64) -> f64 {
    let age = to.saturating_sub(from);
    if age > 0 && half_life_days > 0.0 {
        0.5_f64.powf(f64::from(age) / half_life_days)
    } else {
        1.0
    }
}

fn quantize(value: f64) -> f64 {
    let rounded = (value * RESOLUTION).round() / RESOLUTION;
    if rounded.is_finite() {
        rounded
    } else {
        0.0
    }
}

/// Moves a reference day to `day` if that is later and returns `(scale for the stored values, weight of
/// an amount added on day)`.
fn rebase(reference: &mut u32, empty: bool, day: u32, half_life_days: f64) -> (f64, f64) {
    if empty {
        *reference = day;
        (1.0, 1.0)
    } else if day > *reference {
        let scale = factor(*reference, day, half_life_days);
        *reference = day;
        (scale, 1.0)
    } else {
        (1.0, factor(day, *reference, half_life_days))
    }
}

/// One decayed quantity.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub(crate) struct Decayed {
    /// Reference day of `value`.
    day: u32,
    /// The decayed sum as of `day`.
    value: f64,
}

impl Decayed {
    /// Adds `amount` that happened on `day`.
    pub(crate) fn add(&mut self, amount: f64, day: u32, half_life_days: f64) {
        let empty = self.value == 0.0;
        let (scale, weight) = rebase(&mut self.day, empty, day, half_life_days);
        self.value = quantize(self.value * scale + amount * weight);
    }

    /// The value on `day`.
    /// Adds `other` (another customer's count of the same thing, as on its own reference day).
    pub(crate) fn absorb(&mut self, other: &Decayed, half_life_days: f64) {
        if other.value != 0.0 {
            self.add(other.value, other.day, half_life_days);
        }
    }

    pub(crate) fn at(&self, day: u32, half_life_days: f64) -> f64 {
        self.value * factor(self.day, day, half_life_days)
    }
}

/// Decayed quantities under one key type, sharing one reference day (so they compare directly).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DecayedMap<K: Ord> {
    /// Reference day of `values`.
    day: u32,
    /// Decayed sums as of `day`.
    values: BTreeMap<K, f64>,
}

impl<K: Ord> Default for DecayedMap<K> {
    fn default() -> Self {
        DecayedMap {
            day: 0,
            values: BTreeMap::new(),
        }
    }
}

impl<K: Ord> DecayedMap<K> {
    /// Adds `amount` under `key` that happened on `day`; values that decayed to nothing are dropped.
    pub(crate) fn add(&mut self, key: K, amount: f64, day: u32, half_life_days: f64) {
        let (scale, weight) = rebase(&mut self.day, self.values.is_empty(), day, half_life_days);
        if scale != 1.0 {
            for value in self.values.values_mut() {
                *value = quantize(*value * scale);
            }
        }
        let entry = self.values.entry(key).or_insert(0.0);
        *entry = quantize(*entry + amount * weight);
        self.values.retain(|_, v| *v >= NEGLIGIBLE);
    }

    /// The value under `key` on `day` (0 when absent).
    /// Adds every value of `other` (another customer's counts, as on its own reference day).
    pub(crate) fn absorb(&mut self, other: &DecayedMap<K>, half_life_days: f64)
    where
        K: Clone,
    {
        for (key, value) in &other.values {
            self.add(key.clone(), *value, other.day, half_life_days);
        }
    }

    pub(crate) fn get(&self, key: &K, day: u32, half_life_days: f64) -> f64 {
        self.values
            .get(key)
            .map_or(0.0, |v| v * factor(self.day, day, half_life_days))
    }

    /// Every value on `day`, in key order.
    pub(crate) fn iter_at(&self, day: u32, half_life_days: f64) -> impl Iterator<Item = (&K, f64)> {
        let f = factor(self.day, day, half_life_days);
        self.values.iter().map(move |(k, v)| (k, v * f))
    }

    /// The sum of all values on `day`.
    pub(crate) fn total_at(&self, day: u32, half_life_days: f64) -> f64 {
        self.iter_at(day, half_life_days).map(|(_, v)| v).sum()
    }

    /// Keeps only the `cap` largest values (ties keep the keys that sort first).
    pub(crate) fn keep_strongest(&mut self, cap: usize)
    where
        K: Clone,
    {
        if self.values.len() <= cap {
            return;
        }
        let mut ranked: Vec<(K, f64)> = self.values.iter().map(|(k, v)| (k.clone(), *v)).collect();
        // A stable sort: equal values stay in key order.
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (key, _) in ranked.into_iter().skip(cap) {
            self.values.remove(&key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_halves_per_half_life() {
        assert_eq!(factor(10, 40, 30.0), 0.5);
        assert_eq!(factor(10, 70, 30.0), 0.25);
        assert_eq!(factor(40, 10, 30.0), 1.0, "no growth backwards");
        assert_eq!(factor(0, 1000, 0.0), 1.0, "no half-life: no decay");
    }

    #[test]
    fn arrival_order_does_not_matter() {
        let events = [(100u32, 2.0), (160, 1.0), (130, 4.0)];
        let mut forward = DecayedMap::default();
        let mut backward = DecayedMap::default();
        for (day, amount) in events {
            forward.add("a", amount, day, 30.0);
        }
        for (day, amount) in events.iter().rev() {
            backward.add("a", *amount, *day, 30.0);
        }
        let expected = 2.0 * 0.25 + 1.0 + 4.0 * 0.5;
        assert!((forward.get(&"a", 160, 30.0) - expected).abs() < 1e-5);
        assert!((backward.get(&"a", 160, 30.0) - expected).abs() < 1e-5);
        let mut scalar = Decayed::default();
        for (day, amount) in events {
            scalar.add(amount, day, 30.0);
        }
        assert!((scalar.at(190, 30.0) - expected / 2.0).abs() < 1e-5);
    }

    #[test]
    fn negligible_values_are_dropped() {
        let mut map = DecayedMap::default();
        map.add("old", 1.0, 0, 10.0);
        map.add("new", 1.0, 200, 10.0);
        assert_eq!(map.get(&"old", 200, 10.0), 0.0);
        assert!(map.values.len() == 1);
    }

    #[test]
    fn keep_strongest_drops_the_weakest() {
        let mut map = DecayedMap::default();
        for (key, amount) in [("a", 3.0), ("b", 1.0), ("c", 2.0), ("d", 2.0)] {
            map.add(key, amount, 5, 30.0);
        }
        map.keep_strongest(2);
        let kept: Vec<_> = map.iter_at(5, 30.0).map(|(k, _)| *k).collect();
        assert_eq!(kept, ["a", "c"]);
        map.keep_strongest(0);
        assert_eq!(map.iter_at(5, 30.0).count(), 0);
    }

    #[test]
    fn quantized_values_round_trip_through_json() {
        let mut map = DecayedMap::default();
        for day in [3, 17, 40, 41] {
            map.add("x".to_string(), 1.0 / 3.0, day, 7.0);
        }
        let text = serde_json::to_string(&map).unwrap();
        let back: DecayedMap<String> = serde_json::from_str(&text).unwrap();
        assert_eq!(back, map);
    }
}
