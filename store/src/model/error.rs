//! The error of a rejected profile update, event or feedback: where it went wrong and why.

/// A value that breaks a rule of the customer model. `path` names the offending field relative to the
/// document that was validated (e.g. `"traits.time_zone"`, `"preferences.interests[2]"`, `"value"`), so
/// the server can report it as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct ModelError {
    /// The field, as a dotted path with `[index]` for list elements.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl ModelError {
    /// An error at `path` with `message`.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> ModelError {
        ModelError {
            path: path.into(),
            message: message.into(),
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
