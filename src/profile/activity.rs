//! The hour-of-week activity histogram, quantized to two bits per cell.

use crate::prelude::*;

use crate::codec::{Decodable, Invalid, Reader};
use bincode::Encode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Hours in a week: cell 0 is Monday 00:00-01:00 local time, cell 167 is Sunday 23:00-24:00.
pub const HOURS_PER_WEEK: usize = 168;

/// The highest level a cell can hold.
pub const MAX_LEVEL: u8 = 3;

/// How active the customer is in each local hour of the week, as a level 0..=3 (none, low, medium, peak)
/// relative to the customer's own busiest hour. Two bits per cell: 42 bytes for the week. In JSON it is an
/// array of 168 small integers.
#[derive(Clone, Copy, PartialEq, Eq, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
pub struct ActivityHistogram([u8; HOURS_PER_WEEK / 4]);

impl Decodable for ActivityHistogram {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        r.read().map(ActivityHistogram)
    }
}

impl Default for ActivityHistogram {
    fn default() -> Self {
        ActivityHistogram([0; HOURS_PER_WEEK / 4])
    }
}

impl ActivityHistogram {
    /// Builds a histogram from per-hour levels; levels above [`MAX_LEVEL`] are clamped.
    pub fn from_levels(levels: &[u8; HOURS_PER_WEEK]) -> Self {
        let mut out = ActivityHistogram::default();
        for (hour, level) in levels.iter().enumerate() {
            out.set(hour, *level);
        }
        out
    }

    /// Quantizes raw activity counts: the busiest hour gets [`MAX_LEVEL`], the others in proportion
    /// (rounded up, so any activity is at least level 1).
    pub fn quantize(counts: &[f64; HOURS_PER_WEEK]) -> Self {
        let peak = counts.iter().copied().fold(0.0_f64, f64::max);
        let mut out = ActivityHistogram::default();
        if peak <= 0.0 {
            return out;
        }
        for (hour, count) in counts.iter().enumerate() {
            let level = crate::math::ceil(count.max(0.0) / peak * f64::from(MAX_LEVEL));
            out.set(hour, level as u8);
        }
        out
    }

    /// The level of one hour of the week (0 for an hour outside the week).
    pub fn level(&self, hour_of_week: usize) -> u8 {
        self.0
            .get(hour_of_week / 4)
            .map_or(0, |byte| (byte >> ((hour_of_week % 4) * 2)) & MAX_LEVEL)
    }

    /// Sets the level of one hour of the week.
    pub fn set(&mut self, hour_of_week: usize, level: u8) {
        if let Some(byte) = self.0.get_mut(hour_of_week / 4) {
            let shift = (hour_of_week % 4) * 2;
            *byte = (*byte & !(MAX_LEVEL << shift)) | (level.min(MAX_LEVEL) << shift);
        }
    }

    /// All 168 levels.
    pub fn levels(&self) -> [u8; HOURS_PER_WEEK] {
        core::array::from_fn(|hour| self.level(hour))
    }

    /// Sum of all levels: a measure of how much evidence the histogram carries.
    pub fn mass(&self) -> u32 {
        // Each byte holds four 2-bit levels: low bits count once, high bits twice.
        self.0
            .iter()
            .map(|b| (b & 0x55).count_ones() + 2 * (b & 0xAA).count_ones())
            .sum()
    }
}

impl core::fmt::Debug for ActivityHistogram {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let text: String = self.levels().iter().map(|l| char::from(b'0' + l)).collect();
        write!(f, "ActivityHistogram({text})")
    }
}

impl Serialize for ActivityHistogram {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.levels().as_slice().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ActivityHistogram {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let levels = Vec::<u8>::deserialize(deserializer)?;
        let levels: [u8; HOURS_PER_WEEK] = levels.try_into().map_err(|v: Vec<u8>| {
            serde::de::Error::invalid_length(v.len(), &"168 hour-of-week levels")
        })?;
        if levels.iter().any(|l| *l > MAX_LEVEL) {
            return Err(serde::de::Error::custom("activity levels must be 0..=3"));
        }
        Ok(ActivityHistogram::from_levels(&levels))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_round_trip_through_packing() {
        let levels: [u8; HOURS_PER_WEEK] = core::array::from_fn(|h| (h * 7 % 4) as u8);
        assert_eq!(ActivityHistogram::from_levels(&levels).levels(), levels);
    }

    #[test]
    fn quantize_puts_the_peak_at_the_top() {
        let mut counts = [0.0; HOURS_PER_WEEK];
        counts[20] = 10.0;
        counts[21] = 1.0;
        let h = ActivityHistogram::quantize(&counts);
        assert_eq!(h.level(20), 3);
        assert_eq!(h.level(21), 1);
        assert_eq!(h.level(22), 0);
        assert_eq!(h.mass(), 4);
    }
}
