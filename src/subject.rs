//! Subject ids: the pseudonymous key of one customer, in snapshot headers, profiles and the store.

/// Longest subject id accepted anywhere (header, profile, CLI).
pub const MAX_SUBJECT_LEN: usize = 64;

/// Whether a subject id has the allowed form: 1..=64 characters from `[A-Za-z0-9_-]`. Subject ids are
/// pseudonymous; this form also keeps e-mail addresses and phone numbers out by construction.
pub fn is_valid_subject(subject: &str) -> bool {
    !subject.is_empty()
        && subject.len() <= MAX_SUBJECT_LEN
        && subject
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_form() {
        assert!(is_valid_subject("c_8f3a-19"));
        assert!(!is_valid_subject(""));
        assert!(!is_valid_subject("ana@example.com"));
        assert!(!is_valid_subject("+49 170 000"));
        assert!(!is_valid_subject(&"a".repeat(65)));
    }
}
