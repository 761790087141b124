//! Text shaped like a raw identifier (an e-mail address or a phone number). Raw identifiers live only in
//! the identity vault; a profile's text that looks like one is refused wherever it is written (profile
//! updates, `persona sign`), so none can be signed into a snapshot that travels to browsers.
//!
//! These are shape rules, deliberately broad: they recognize the form, not whether the address or
//! number exists.

use super::error::ModelError;

/// The kind of raw identifier a text looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdentifyingKind {
    /// `local@domain.tld` anywhere in the text.
    Email,
    /// The whole text is a phone number: an optional `+`, then 7 to 15 digits with spaces, dots, dashes,
    /// slashes or parentheses between them.
    Phone,
}

impl IdentifyingKind {
    /// The kind of raw identifier `text` looks like, if any.
    pub fn of(text: &str) -> Option<IdentifyingKind> {
        if text.split_whitespace().any(looks_like_email) {
            Some(IdentifyingKind::Email)
        } else if looks_like_phone(text.trim()) {
            Some(IdentifyingKind::Phone)
        } else {
            None
        }
    }

    /// What the text looks like, in words.
    pub fn name(self) -> &'static str {
        match self {
            IdentifyingKind::Email => "an e-mail address",
            IdentifyingKind::Phone => "a phone number",
        }
    }
}

fn looks_like_email(token: &str) -> bool {
    let Some((local, domain)) = token.split_once('@') else {
        return false;
    };
    let domain = domain.trim_end_matches(|c: char| !c.is_alphanumeric());
    !local.is_empty()
        && !domain.contains('@')
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| !label.is_empty())
}

fn looks_like_phone(text: &str) -> bool {
    let body = text.strip_prefix('+').unwrap_or(text);
    let digits = body.bytes().filter(u8::is_ascii_digit).count();
    body.starts_with(|c: char| c.is_ascii_digit() || c == '(')
        && (7..=15).contains(&digits)
        && body
            .bytes()
            .all(|b| b.is_ascii_digit() || b" .-/()".contains(&b))
}

/// Refuses `text` at `path` when it looks like a raw identifier (code `identifying_value`).
pub fn check_text(path: &str, text: &str) -> Result<(), ModelError> {
    match IdentifyingKind::of(text) {
        None => Ok(()),
        Some(kind) => Err(ModelError::identifying(path, kind)),
    }
}

/// Refuses the first string anywhere in `value` (keys included) that looks like a raw identifier; paths
/// are dotted from `path` with `[index]` for array elements.
pub fn check_json(path: &str, value: &serde_json::Value) -> Result<(), ModelError> {
    use serde_json::Value;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_owned()
        } else {
            format!("{path}.{key}")
        }
    };
    match value {
        Value::String(text) => check_text(path, text),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(i, item)| check_json(&format!("{path}[{i}]"), item)),
        Value::Object(members) => members.iter().try_for_each(|(key, item)| {
            let at = join(key);
            check_text(&at, key)?;
            check_json(&at, item)
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn e_mail_addresses_and_phone_numbers_are_recognized() {
        for text in [
            "ana@example.com",
            "mail me: Ana.Lopez+shop@mail.example.co.uk",
            "ana@example.com.",
        ] {
            assert_eq!(
                IdentifyingKind::of(text),
                Some(IdentifyingKind::Email),
                "{text}"
            );
        }
        for text in [
            "+49 170 1234567",
            "0170-1234567",
            "(030) 123 45 67",
            "+1.415.555.0100",
            "4915112345678",
        ] {
            assert_eq!(
                IdentifyingKind::of(text),
                Some(IdentifyingKind::Phone),
                "{text}"
            );
        }
    }

    #[test]
    fn ordinary_profile_text_passes() {
        for text in [
            "running",
            "trail-running_2",
            "de-DE",
            "Europe/Berlin",
            "size-40-42",
            "2026",
            "123456",
            "@home",
            "user@localhost",
            "c_ana_7f3a91",
            "a@b",
        ] {
            assert_eq!(IdentifyingKind::of(text), None, "{text}");
        }
    }

    #[test]
    fn the_first_identifying_string_is_named_by_its_path() {
        let doc = json!({
            "subject": "c_1",
            "preferences": { "interests": ["running", "ana@example.com"] },
        });
        let e = check_json("", &doc).unwrap_err();
        assert_eq!(e.path, "preferences.interests[1]");
        assert_eq!(e.code, "identifying_value");
        assert!(e.message.contains("e-mail"), "{e}");
        let phone_key = json!({ "behaviour": { "+49 170 1234567": 1 } });
        assert_eq!(
            check_json("", &phone_key).unwrap_err().path,
            "behaviour.+49 170 1234567"
        );
        assert!(check_json("", &json!({ "interests": ["running"], "n": 5 })).is_ok());
    }
}
