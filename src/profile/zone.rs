//! The customer's time zone as a small offset schedule, computed centrally so the edge needs no tz database.

use crate::codec::{Decodable, Invalid, Reader};
use bincode::Encode;
use serde::{Deserialize, Serialize};

/// The UTC offset in force now and the next change (daylight saving), if one falls within the
/// snapshot's lifetime horizon. The central store computes it from the IANA zone; the edge only adds minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct ZoneSchedule {
    /// Offset from UTC in minutes (east positive), e.g. 60 for CET.
    pub offset_minutes: i16,
    /// The next offset change, if known.
    #[serde(default)]
    pub next_change: Option<ZoneChange>,
}

impl Decodable for ZoneSchedule {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(ZoneSchedule {
            offset_minutes: r.read()?,
            next_change: r.read()?,
        })
    }
}

/// A future change of UTC offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Encode)]
#[cfg_attr(test, derive(bincode::Decode))]
#[serde(deny_unknown_fields)]
pub struct ZoneChange {
    /// The UTC instant (Unix seconds) from which the new offset applies.
    pub at: u64,
    /// The offset from then on, in minutes.
    pub offset_minutes: i16,
}

impl Decodable for ZoneChange {
    fn read(r: &mut Reader<'_>) -> Result<Self, Invalid> {
        Ok(ZoneChange {
            at: r.read()?,
            offset_minutes: r.read()?,
        })
    }
}

impl ZoneSchedule {
    /// The offset in force at a UTC instant.
    pub fn offset_at(&self, utc: u64) -> i64 {
        match self.next_change {
            Some(change) if utc >= change.at => i64::from(change.offset_minutes),
            _ => i64::from(self.offset_minutes),
        }
    }

    /// Local wall-clock seconds (seconds since the epoch as if local time were UTC) at a UTC instant.
    pub fn to_local(&self, utc: u64) -> i64 {
        utc as i64 + self.offset_at(utc) * 60
    }

    /// The UTC instant of a local wall-clock time. A local time skipped by a forward change resolves with
    /// the offset before the change (so 02:30 on a spring-forward night lands at 03:30 local); a repeated
    /// local time (fall back) resolves to its first occurrence.
    pub fn to_utc(&self, local: i64) -> u64 {
        let before = local - i64::from(self.offset_minutes) * 60;
        let utc = match self.next_change {
            Some(change) if before >= change.at as i64 => {
                let after = local - i64::from(change.offset_minutes) * 60;
                if after >= change.at as i64 {
                    after
                } else {
                    before
                }
            }
            _ => before,
        };
        utc.max(0) as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-03-29 01:00 UTC: Europe/Berlin goes from +60 to +120.
    const SPRING: u64 = 1_774_746_000;

    fn berlin_spring() -> ZoneSchedule {
        ZoneSchedule {
            offset_minutes: 60,
            next_change: Some(ZoneChange {
                at: SPRING,
                offset_minutes: 120,
            }),
        }
    }

    #[test]
    fn offset_switches_at_the_change() {
        let z = berlin_spring();
        assert_eq!(z.offset_at(SPRING - 1), 60);
        assert_eq!(z.offset_at(SPRING), 120);
    }

    #[test]
    fn local_round_trips_on_both_sides_of_the_change() {
        let z = berlin_spring();
        for utc in [SPRING - 7200, SPRING - 1, SPRING, SPRING + 3600 * 30] {
            assert_eq!(z.to_utc(z.to_local(utc)), utc);
        }
    }

    #[test]
    fn skipped_local_time_moves_forward() {
        let z = berlin_spring();
        // 02:30 local does not exist on that night; it resolves to 01:30 UTC = 03:30 CEST.
        let local_0230 = (SPRING - 3600) as i64 + 3600 + 1800 + 3600; // 01:00 UTC is 02:00 local before the jump
        let utc = z.to_utc(local_0230);
        assert_eq!(utc, SPRING + 1800);
        assert_eq!(z.to_local(utc) - local_0230, 3600);
    }
}
