//! Every failure of the binding, in one enum with one conversion to a JavaScript `PersonaError`, so that
//! binding methods use `?`.

use super::host;
use crate::snapshot::SnapshotError;
use wasm_bindgen::JsValue;

/// Why a binding call failed. Crosses into JS as a `PersonaError` with a stable `code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BindingError {
    /// A snapshot was refused (its error code).
    Snapshot(SnapshotError),
    /// An argument does not have the documented shape (`invalid_argument`); names the argument and what
    /// it must be.
    InvalidArgument(&'static str, &'static str),
    /// `decide` before a ruleset was loaded (`no_ruleset`).
    NoRuleset,
}

impl From<SnapshotError> for BindingError {
    fn from(error: SnapshotError) -> Self {
        BindingError::Snapshot(error)
    }
}

impl From<BindingError> for JsValue {
    fn from(error: BindingError) -> JsValue {
        let code = match &error {
            BindingError::Snapshot(e) => e.code(),
            BindingError::InvalidArgument(..) => "invalid_argument",
            BindingError::NoRuleset => "no_ruleset",
        };
        let (s, t, a, b): (&str, &str, f64, f64) = match &error {
            BindingError::InvalidArgument(what, rule) => (what, rule, 0.0, 0.0),
            BindingError::NoRuleset => ("", "", 0.0, 0.0),
            BindingError::Snapshot(e) => match e {
                SnapshotError::Oversized { len, max } => ("", "", *len as f64, *max as f64),
                SnapshotError::Truncated { len, needed } => ("", "", *len as f64, *needed as f64),
                SnapshotError::UnsupportedVersion { version } => ("", "", f64::from(*version), 0.0),
                SnapshotError::MalformedHeader { reason }
                | SnapshotError::MalformedPayload { reason }
                | SnapshotError::InvalidKey { reason } => (reason, "", 0.0, 0.0),
                SnapshotError::Expired { expires_at, now } => {
                    ("", "", *expires_at as f64, *now as f64)
                }
                SnapshotError::NotYetValid { issued_at, now } => {
                    ("", "", *issued_at as f64, *now as f64)
                }
                SnapshotError::WrongAudience { expected, found }
                | SnapshotError::WrongSubject { expected, found } => (expected, found, 0.0, 0.0),
                SnapshotError::WrongKind { expected, found } => {
                    (expected.name(), found.name(), 0.0, 0.0)
                }
                SnapshotError::Rollback {
                    sequence,
                    min_sequence,
                } => ("", "", *sequence as f64, *min_sequence as f64),
                SnapshotError::InvalidInput { field, reason } => (field, reason, 0.0, 0.0),
                SnapshotError::UnknownKey { key_id } => {
                    return host::persona_error(code, &key_id.to_hex(), "", 0.0, 0.0);
                }
                SnapshotError::BadMagic | SnapshotError::Tampered => ("", "", 0.0, 0.0),
            },
        };
        host::persona_error(code, s, t, a, b)
    }
}

/// A JS number that must be a whole, non-negative Unix time or sequence number.
pub fn whole(what: &'static str, value: f64) -> Result<u64, BindingError> {
    if value.is_finite()
        && value >= 0.0
        && crate::math::fract(value) == 0.0
        && value <= 9_007_199_254_740_991.0
    {
        Ok(value as u64)
    } else {
        Err(BindingError::InvalidArgument(what, "a whole number >= 0"))
    }
}
