//! The error of a rejected profile update, event or feedback: where it went wrong and why.

use super::identifying::IdentifyingKind;

/// A value that breaks a rule of the customer model. `path` names the offending field relative to the
/// document that was validated (e.g. `"traits.time_zone"`, `"preferences.interests[2]"`, `"value"`), so
/// the server can report it as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ModelError {
    /// The stable code: `invalid`, or `identifying_value` for text shaped like a raw identifier.
    pub code: &'static str,
    /// The field, as a dotted path with `[index]` for list elements.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl ModelError {
    /// An error at `path` with `message` (code `invalid`).
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> ModelError {
        ModelError {
            code: "invalid",
            path: path.into(),
            message: message.into(),
        }
    }

    /// Text at `path` shaped like a raw identifier (code `identifying_value`).
    pub fn identifying(path: impl Into<String>, kind: IdentifyingKind) -> ModelError {
        ModelError {
            code: "identifying_value",
            path: path.into(),
            message: format!(
                "looks like {}: raw identifiers belong in the identity vault, never in a profile",
                kind.name()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_path_then_message() {
        let e = ModelError::new("traits.country", "must be an ISO 3166-1 alpha-2 code");
        assert_eq!(
            e.to_string(),
            "traits.country: must be an ISO 3166-1 alpha-2 code"
        );
    }
}
