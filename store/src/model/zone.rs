//! Time zones: IANA names checked and canonicalized, turned into the core's offset schedule, and used to
//! place an instant in the customer's local hour of the week. The tz database is built into the binary.

use super::decay::SECONDS_PER_DAY;
use jiff::tz::{Offset, TimeZone};
use jiff::Timestamp;
use persona_edge::profile::{ZoneChange, ZoneSchedule};

/// The message for a zone name that is not in the tz database.
pub(crate) const ZONE_RULE: &str = "must be a known IANA time zone such as Europe/Berlin";

/// Longest zone name accepted (the longest IANA name is about 30 characters).
const MAX_ZONE_LEN: usize = 64;

/// The canonical IANA name of a zone given in any case (`"europe/berlin"` -> `"Europe/Berlin"`), or
/// `None` when the tz database does not know it.
pub(crate) fn canonical_zone(name: &str) -> Option<String> {
    let plausible = !name.is_empty()
        && name.len() <= MAX_ZONE_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'+' | b'-'));
    if !plausible {
        return None;
    }
    TimeZone::get(name).ok()?.iana_name().map(str::to_owned)
}

/// The zone for a stored name; `None` (meaning UTC) when there is none or it is unknown.
pub(crate) fn lookup(name: Option<&str>) -> Option<TimeZone> {
    TimeZone::get(name?).ok()
}

fn timestamp(at: u64) -> Option<Timestamp> {
    Timestamp::from_second(i64::try_from(at).ok()?).ok()
}

fn minutes(offset: Offset) -> i16 {
    i16::try_from(offset.seconds() / 60).unwrap_or(0)
}

/// The UTC offset in force at `at` and the next change of it, if one falls within `horizon_days`.
/// UTC without changes when the zone is unknown.
pub(crate) fn schedule(zone: Option<&TimeZone>, now: u64, horizon_days: u32) -> ZoneSchedule {
    let (Some(zone), Some(start)) = (zone, timestamp(now)) else {
        return ZoneSchedule::default();
    };
    let offset_minutes = minutes(zone.to_offset(start));
    let horizon = now.saturating_add(u64::from(horizon_days) * SECONDS_PER_DAY);
    let next_change = zone
        .following(start)
        .map(|t| {
            (
                u64::try_from(t.timestamp().as_second()).unwrap_or(0),
                minutes(t.offset()),
            )
        })
        .take_while(|(at, _)| *at <= horizon)
        .find(|(at, offset)| *at > now && *offset != offset_minutes)
        .map(|(at, offset_minutes)| ZoneChange { at, offset_minutes });
    ZoneSchedule {
        offset_minutes,
        next_change,
    }
}

/// The local hour of the week (0 = Monday 00:00-01:00, 167 = Sunday 23:00-24:00) of the instant `at` in
/// `zone`, with the offset in force at that instant (UTC when the zone is unknown).
pub(crate) fn hour_of_week(zone: Option<&TimeZone>, at: u64) -> u8 {
    let offset = zone
        .zip(timestamp(at))
        .map_or(0, |(zone, ts)| i64::from(zone.to_offset(ts).seconds()));
    let local = i64::try_from(at).unwrap_or(i64::MAX).saturating_add(offset);
    let day = local.div_euclid(86_400);
    // 1970-01-01 was a Thursday: Monday-based weekday 3.
    let weekday = (day + 3).rem_euclid(7);
    let hour = local.rem_euclid(86_400) / 3600;
    u8::try_from(weekday * 24 + hour).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    // 2026-03-29 01:00 UTC and 2026-10-25 01:00 UTC: Europe/Berlin's changes that year.
    const SPRING: u64 = 1_774_746_000;
    const AUTUMN: u64 = 1_792_890_000;
    const DAY: u64 = SECONDS_PER_DAY;

    fn berlin() -> Option<TimeZone> {
        lookup(Some("Europe/Berlin"))
    }

    #[test]
    fn zone_names_are_canonicalized() {
        assert_eq!(
            canonical_zone("europe/berlin").as_deref(),
            Some("Europe/Berlin")
        );
        assert_eq!(
            canonical_zone("America/New_York").as_deref(),
            Some("America/New_York")
        );
        assert_eq!(canonical_zone("UTC").as_deref(), Some("UTC"));
        assert_eq!(canonical_zone("Mars/Olympus_Mons"), None);
        assert_eq!(canonical_zone("../../etc/passwd"), None);
        assert_eq!(canonical_zone("+01:00"), None);
        assert_eq!(canonical_zone(""), None);
    }

    #[test]
    fn berlin_schedule_across_the_spring_change() {
        let zone = berlin();
        let before = schedule(zone.as_ref(), SPRING - 10 * DAY, 30);
        assert_eq!(before.offset_minutes, 60);
        assert_eq!(
            before.next_change,
            Some(ZoneChange {
                at: SPRING,
                offset_minutes: 120
            })
        );
        // The core's schedule then switches exactly at the change.
        assert_eq!(before.offset_at(SPRING - 1), 60);
        assert_eq!(before.offset_at(SPRING), 120);

        let after = schedule(zone.as_ref(), SPRING + DAY, 30);
        assert_eq!(after.offset_minutes, 120);
        assert_eq!(after.next_change, None, "the autumn change is months away");

        let autumn = schedule(zone.as_ref(), AUTUMN - 5 * DAY, 30);
        assert_eq!(autumn.offset_minutes, 120);
        assert_eq!(
            autumn.next_change,
            Some(ZoneChange {
                at: AUTUMN,
                offset_minutes: 60
            })
        );
        // A change beyond the horizon is not announced.
        assert_eq!(
            schedule(zone.as_ref(), SPRING - 10 * DAY, 5).next_change,
            None
        );
    }

    #[test]
    fn unknown_zone_is_utc() {
        assert_eq!(schedule(None, SPRING, 30), ZoneSchedule::default());
        assert_eq!(lookup(Some("Nowhere/Special")), None);
        assert_eq!(hour_of_week(None, 1_781_110_800), 2 * 24 + 17);
    }

    #[test]
    fn local_hour_of_week_follows_daylight_saving() {
        let zone = berlin();
        // Wednesday 2026-06-10 17:00 UTC is 19:00 CEST; Wednesday 2026-01-14 18:00 UTC is 19:00 CET.
        assert_eq!(hour_of_week(zone.as_ref(), 1_781_110_800), 2 * 24 + 19);
        assert_eq!(hour_of_week(zone.as_ref(), 1_768_413_600), 2 * 24 + 19);
        // Sunday 2026-06-07 22:30 UTC is already Monday 00:30 in Berlin.
        assert_eq!(hour_of_week(zone.as_ref(), 1_780_871_400), 0);
        assert_eq!(hour_of_week(None, 1_780_871_400), 6 * 24 + 22);
    }
}
