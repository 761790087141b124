//! The identity policy: when a match links, when it waits for review, and the guards against
//! over-merging that the best identity graphs keep (per-kind limits, blocked placeholder values, a
//! priority order between deterministic identifiers).

use super::kind::IdentifierKind;
use serde::{Deserialize, Serialize};

/// How identities are resolved. Documented in docs/IDENTITY.md.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IdentityPolicy {
    /// A record whose best match has at least this posterior probability is linked.
    pub link_threshold: f64,
    /// Between this and the link threshold, the match waits in the review queue; below, the record
    /// becomes a new customer.
    pub review_threshold: f64,
    /// Most identifiers of each kind one customer may hold (devices linked by login included). Over
    /// the limit, the oldest device link is released (a shared or reset browser moves on); for the
    /// other kinds the new value is refused.
    pub limits: Vec<(IdentifierKind, usize)>,
    /// Normalized values that never identify anyone (placeholders typed into forms).
    pub blocked: Vec<String>,
    /// Deterministic kinds, strongest first: a record matching two customers on different kinds links
    /// to the one matched by the stronger kind.
    pub priority: Vec<IdentifierKind>,
    /// ISO 3166 region for phone numbers written without a country code.
    pub default_region: String,
    /// Most records in one `POST /v1/identities`.
    pub max_batch: usize,
}

impl Default for IdentityPolicy {
    fn default() -> Self {
        use IdentifierKind::*;
        IdentityPolicy {
            link_threshold: 0.9,
            review_threshold: 0.5,
            limits: vec![
                (Device, 10),
                (Login, 1),
                (Email, 5),
                (Phone, 5),
                (Loyalty, 3),
                (GivenName, 3),
                (Surname, 3),
                (DateOfBirth, 1),
                (Address, 5),
                (Locality, 5),
                (Postcode, 5),
            ],
            blocked: [
                "null",
                "none",
                "nil",
                "n/a",
                "na",
                "unknown",
                "anonymous",
                "anon",
                "guest",
                "test",
                "undefined",
                "0",
                "-",
                "x",
                "xxx",
                "test@test.com",
                "test@example.com",
                "noemail@noemail.com",
                "none@none.com",
                "no@email.com",
                "email@email.com",
                "+10000000000",
                "0000000000",
                "1234567890",
                "+11234567890",
                "19000101",
                "19700101",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            priority: vec![Login, Loyalty, Email, Phone],
            default_region: "DE".to_owned(),
            max_batch: 1000,
        }
    }
}

impl IdentityPolicy {
    /// The most identifiers of `kind` one customer may hold.
    pub fn limit(&self, kind: IdentifierKind) -> usize {
        self.limits
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(usize::MAX, |(_, n)| *n)
    }

    /// Whether a normalized value of `kind` (none: a subject id) is a placeholder that identifies
    /// nobody: a listed value, or a number of one repeated digit (`0000000`, `+49 1111111`), except
    /// for dates of birth (2011-11-11 is somebody's birthday).
    pub fn is_blocked(&self, kind: Option<IdentifierKind>, normalized: &str) -> bool {
        let lower = normalized.to_lowercase();
        if self.blocked.contains(&lower) {
            return true;
        }
        let local = lower.split('@').next().unwrap_or("");
        if self.blocked.iter().any(|b| *b == local) && lower.contains('@') {
            return true;
        }
        let digits: Vec<u8> = lower.bytes().filter(u8::is_ascii_digit).collect();
        let only_digits = lower.bytes().all(|b| b.is_ascii_digit() || b == b'+');
        kind != Some(IdentifierKind::DateOfBirth) && only_digits && digits.len() >= 6 && {
            // The national part (after a country code of 1 to 3 digits) repeats one digit.
            (0..=3.min(digits.len())).any(|cc| {
                let rest = &digits[cc..];
                rest.len() >= 6 && rest.iter().all(|d| *d == rest[0])
            })
        }
    }

    /// Rank of a deterministic kind in [`IdentityPolicy::priority`] (0 strongest).
    pub fn rank(&self, kind: IdentifierKind) -> usize {
        self.priority
            .iter()
            .position(|k| *k == kind)
            .unwrap_or(usize::MAX)
    }

    /// Checks the policy itself; a message naming the field otherwise.
    pub fn check(&self) -> Result<(), String> {
        if !(0.0 < self.review_threshold
            && self.review_threshold <= self.link_threshold
            && self.link_threshold <= 1.0)
        {
            return Err("thresholds: need 0 < review_threshold <= link_threshold <= 1".to_owned());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_blocked() {
        let p = IdentityPolicy::default();
        for v in [
            "null",
            "anonymous",
            "test@test.com",
            "0000000000",
            "+491111111111",
            "anonymous@example.org",
        ] {
            assert!(p.is_blocked(None, v), "{v}");
        }
        for v in ["ada@example.org", "+4930901820", "mueller", "19840229"] {
            assert!(!p.is_blocked(None, v), "{v}");
        }
        let dob = Some(IdentifierKind::DateOfBirth);
        assert!(!p.is_blocked(dob, "20111111"));
        assert!(p.is_blocked(dob, "19700101"));
        assert!(p.is_blocked(Some(IdentifierKind::Loyalty), "111111111"));
        assert_eq!(p.limit(IdentifierKind::Login), 1);
        assert!(p.rank(IdentifierKind::Login) < p.rank(IdentifierKind::Email));
        assert!(p.check().is_ok());
    }
}
