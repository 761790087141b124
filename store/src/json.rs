//! Typed JSON reads that say where they failed: one mapping from serde's error to a JSON path and a
//! message, for files, command arguments, import lines and HTTP bodies alike.

use std::fmt;

/// A typed JSON read that failed.
#[derive(Debug)]
pub struct JsonFailure {
    /// The JSON path of the value that did not fit (`None` at the top, or for broken syntax).
    pub path: Option<String>,
    /// serde's error (with line and column when reading text).
    pub error: serde_json::Error,
}

impl JsonFailure {
    /// Whether the text is not JSON at all (broken syntax or cut short), not JSON of the wrong shape.
    pub fn is_syntax(&self) -> bool {
        self.error.is_syntax() || self.error.is_eof()
    }
}

impl From<serde_path_to_error::Error<serde_json::Error>> for JsonFailure {
    fn from(e: serde_path_to_error::Error<serde_json::Error>) -> Self {
        let path = e.path().to_string();
        let error = e.into_inner();
        let at_top = path == "." || error.is_syntax() || error.is_eof();
        JsonFailure {
            path: (!at_top).then_some(path),
            error,
        }
    }
}

impl fmt::Display for JsonFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(f, "at {path}: {}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

/// Parses JSON text into a `T`, failing with the JSON path; trailing characters are refused.
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, JsonFailure> {
    from_slice(text.as_bytes())
}

/// [`from_str`] over bytes.
pub fn from_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonFailure> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let parsed: T = serde_path_to_error::deserialize(&mut de)?;
    de.end()
        .map_err(|error| JsonFailure { path: None, error })?;
    Ok(parsed)
}

/// Converts a JSON value into a `T`, failing with the JSON path.
pub fn from_value<T: serde::de::DeserializeOwned>(
    value: serde_json::Value,
) -> Result<T, JsonFailure> {
    Ok(serde_path_to_error::deserialize(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Shape {
        #[allow(dead_code)]
        a: Vec<u8>,
    }

    #[test]
    fn failures_name_the_path_unless_the_text_is_not_json() {
        let wrong = from_str::<Shape>(r#"{"a": [1, "x"]}"#).unwrap_err();
        assert_eq!(wrong.path.as_deref(), Some("a[1]"));
        assert!(!wrong.is_syntax());
        assert!(
            wrong.to_string().starts_with("at a[1]: invalid type"),
            "{wrong}"
        );
        let broken = from_str::<Shape>(r#"{"a": "#).unwrap_err();
        assert_eq!(broken.path, None);
        assert!(broken.is_syntax());
        let trailing = from_str::<Shape>(r#"{"a": []} x"#).unwrap_err();
        assert!(trailing.is_syntax(), "{trailing}");
        let unknown = from_value::<Shape>(serde_json::json!({"a": [], "b": 1})).unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `b`"),
            "{unknown}"
        );
    }
}
