//! Field rules shared by profile updates, events and feedback. Each check names the field it failed on.

use super::error::ModelError;
use persona_edge::subject::is_valid_subject;

/// Longest id (order, case, slot, variant, segment) and category id accepted.
pub(crate) const MAX_ID_LEN: usize = 64;

/// 2000-01-01T00:00:00Z: nothing the store is told about happened before it.
pub(crate) const EARLIEST_INSTANT: u64 = 946_684_800;

/// How far an instant may lie ahead of the server clock (senders' clocks drift).
pub(crate) const MAX_AHEAD_SECS: u64 = 86_400;

/// Largest money amount accepted in one event, in the shop's currency unit.
pub(crate) const MAX_AMOUNT: f64 = 1e9;

/// Whether `id` is a catalogue category id: 1..=64 characters from `[a-z0-9_-]`.
pub(crate) fn is_category_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// `path[index]`, the path of a list element.
pub(crate) fn element(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// A pseudonymous subject id.
pub(crate) fn subject(path: &str, subject: &str) -> Result<(), ModelError> {
    if is_valid_subject(subject) {
        Ok(())
    } else {
        Err(ModelError::new(
            path,
            "must be 1..=64 characters from [A-Za-z0-9_-]",
        ))
    }
}

/// A catalogue category id.
pub(crate) fn category(path: &str, id: &str) -> Result<(), ModelError> {
    if is_category_id(id) {
        Ok(())
    } else {
        Err(ModelError::new(
            path,
            "must be a category id: 1..=64 characters from [a-z0-9_-]",
        ))
    }
}

/// An external id (order, case, slot, variant, segment): 1..=64 printable ASCII characters.
pub(crate) fn id(path: &str, id: &str) -> Result<(), ModelError> {
    if !id.is_empty() && id.len() <= MAX_ID_LEN && id.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Ok(())
    } else {
        Err(ModelError::new(
            path,
            "must be 1..=64 printable ASCII characters",
        ))
    }
}

/// An event's or feedback's delivery id: an [`id`] that is not shaped like an e-mail address or phone
/// number (it is stored, so it must not carry an identifier).
pub(crate) fn delivery_id(path: &str, id: &str) -> Result<(), ModelError> {
    self::id(path, id)?;
    super::identifying::check_text(path, id)
}

/// An instant (Unix seconds) not before 2000-01-01 and at most a day after `now`.
pub(crate) fn instant(path: &str, at: u64, now: u64) -> Result<(), ModelError> {
    if at < EARLIEST_INSTANT {
        Err(ModelError::new(path, "must not be before 2000-01-01"))
    } else if at > now.saturating_add(MAX_AHEAD_SECS) {
        Err(ModelError::new(
            path,
            "must not be more than a day in the future",
        ))
    } else {
        Ok(())
    }
}

/// A money amount: finite, 0..=1e9.
pub(crate) fn amount(path: &str, value: f64) -> Result<(), ModelError> {
    if value.is_finite() && (0.0..=MAX_AMOUNT).contains(&value) {
        Ok(())
    } else {
        Err(ModelError::new(
            path,
            "must be a finite amount between 0 and 1e9",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_ids() {
        assert!(is_category_id("camping"));
        assert!(is_category_id("trail-running_2"));
        assert!(!is_category_id(""));
        assert!(!is_category_id("Camping"));
        assert!(!is_category_id("camp ing"));
        assert!(!is_category_id(&"a".repeat(65)));
        assert!(is_category_id(&"a".repeat(64)));
    }

    #[test]
    fn ids_are_printable_ascii() {
        assert!(id("order_id", "A-1001/7 x").is_ok());
        assert!(id("order_id", "").is_err());
        assert!(id("order_id", "tab\there").is_err());
        assert!(id("order_id", "ümlaut").is_err());
        assert_eq!(id("case_id", "").unwrap_err().path, "case_id");
    }

    #[test]
    fn instants_are_bounded() {
        let now = 1_800_000_000;
        assert!(instant("at", now + MAX_AHEAD_SECS, now).is_ok());
        assert!(instant("at", now + MAX_AHEAD_SECS + 1, now).is_err());
        assert!(instant("at", EARLIEST_INSTANT, now).is_ok());
        assert!(instant("at", EARLIEST_INSTANT - 1, now).is_err());
    }

    #[test]
    fn amounts_are_finite_and_not_negative() {
        assert!(amount("value", 0.0).is_ok());
        assert!(amount("value", 19.99).is_ok());
        assert!(amount("value", -0.01).is_err());
        assert!(amount("value", f64::NAN).is_err());
        assert!(amount("value", f64::INFINITY).is_err());
        assert!(amount("value", 2e9).is_err());
    }
}
