//! The kinds of identifiers a customer is known by.

use serde::{Deserialize, Serialize};

/// A kind of identifier. `device` and `login` are pseudonymous subject ids (they name profiles); the
/// others are raw identifiers that live only in the identity vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierKind {
    /// An anonymous browser or app install (cookie or device id).
    Device,
    /// The site's own customer id of a logged-in visitor.
    Login,
    /// An e-mail address.
    Email,
    /// A phone number (stored in E.164).
    Phone,
    /// A loyalty card number.
    Loyalty,
    /// Given name.
    GivenName,
    /// Family name.
    Surname,
    /// Date of birth, `YYYY-MM-DD`.
    DateOfBirth,
    /// Street address (with its number).
    Address,
    /// Town, suburb or city.
    Locality,
    /// Postal code.
    Postcode,
}

impl IdentifierKind {
    /// Every kind, in declaration order.
    pub const ALL: [IdentifierKind; 11] = [
        IdentifierKind::Device,
        IdentifierKind::Login,
        IdentifierKind::Email,
        IdentifierKind::Phone,
        IdentifierKind::Loyalty,
        IdentifierKind::GivenName,
        IdentifierKind::Surname,
        IdentifierKind::DateOfBirth,
        IdentifierKind::Address,
        IdentifierKind::Locality,
        IdentifierKind::Postcode,
    ];

    /// The kinds an imported record may carry (raw identifiers, kept in the vault).
    pub const RECORD: [IdentifierKind; 9] = [
        IdentifierKind::Email,
        IdentifierKind::Phone,
        IdentifierKind::Loyalty,
        IdentifierKind::GivenName,
        IdentifierKind::Surname,
        IdentifierKind::DateOfBirth,
        IdentifierKind::Address,
        IdentifierKind::Locality,
        IdentifierKind::Postcode,
    ];

    /// Stable snake_case name (the same as its serde name and the `identifiers.kind` column).
    pub fn name(self) -> &'static str {
        match self {
            IdentifierKind::Device => "device",
            IdentifierKind::Login => "login",
            IdentifierKind::Email => "email",
            IdentifierKind::Phone => "phone",
            IdentifierKind::Loyalty => "loyalty",
            IdentifierKind::GivenName => "given_name",
            IdentifierKind::Surname => "surname",
            IdentifierKind::DateOfBirth => "date_of_birth",
            IdentifierKind::Address => "address",
            IdentifierKind::Locality => "locality",
            IdentifierKind::Postcode => "postcode",
        }
    }

    /// The kind with this name.
    pub fn from_name(name: &str) -> Option<IdentifierKind> {
        IdentifierKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether one value of this kind alone identifies a person (a link on an exact match needs no
    /// other evidence): login, loyalty card, e-mail, phone.
    pub fn is_deterministic(self) -> bool {
        matches!(
            self,
            IdentifierKind::Login
                | IdentifierKind::Loyalty
                | IdentifierKind::Email
                | IdentifierKind::Phone
        )
    }

    /// The matcher's field for this kind, if it is compared probabilistically.
    pub fn field(self) -> Option<crate::identity::matcher::Field> {
        use crate::identity::matcher::Field;
        Some(match self {
            IdentifierKind::Device | IdentifierKind::Login => return None,
            IdentifierKind::Email => Field::Email,
            IdentifierKind::Phone => Field::Phone,
            IdentifierKind::Loyalty => Field::ExternalId,
            IdentifierKind::GivenName => Field::GivenName,
            IdentifierKind::Surname => Field::Surname,
            IdentifierKind::DateOfBirth => Field::DateOfBirth,
            IdentifierKind::Address => Field::Address,
            IdentifierKind::Locality => Field::Locality,
            IdentifierKind::Postcode => Field::Postcode,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in IdentifierKind::ALL {
            assert_eq!(IdentifierKind::from_name(kind.name()), Some(kind));
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
        assert_eq!(IdentifierKind::from_name("ssn"), None);
        assert!(IdentifierKind::RECORD.iter().all(|k| k.field().is_some()));
    }
}
