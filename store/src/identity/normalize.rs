//! Normalizing raw identifiers before they are hashed for lookup, sealed in the vault or compared:
//! two spellings of one identifier must become one value, and nothing else may.
//!
//! - **E-mail**: trimmed and lowercased (the domain is case-insensitive; providers treat the local part
//!   so too). Only for providers documented to deliver sub-addresses to the base mailbox (Gmail, Outlook,
//!   iCloud, Fastmail, Proton) is a `+tag` removed; only Gmail ignores dots in the local part and treats
//!   `googlemail.com` as `gmail.com`. Other domains keep their local part as typed (lowercased).
//! - **Phone**: parsed and validated with the `phonenumber` crate (libphonenumber's metadata), written
//!   in E.164; a national number needs the policy's default region.
//! - **Names, addresses, localities**: folded (accents, case, punctuation; see [`fold`]).
//! - **Date of birth**: a real calendar date, `YYYY-MM-DD` or `YYYYMMDD`, kept as `YYYYMMDD`.
//! - **Postcode, loyalty card**: letters and digits only, lowercased.

use super::kind::IdentifierKind;
use super::matcher::fold;
use crate::model::ModelError;

/// Longest raw identifier accepted, in bytes.
pub const MAX_IDENTIFIER_LEN: usize = 256;

/// Providers that deliver `local+tag@` to `local@`.
const SUBADDRESSING: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "fastmail.com",
    "proton.me",
    "protonmail.com",
];

/// The normalized form of `raw` as a `kind`, or an error at `path`. `region` (ISO 3166 alpha-2) reads
/// phone numbers written without a country code.
pub fn normalize(
    kind: IdentifierKind,
    raw: &str,
    region: &str,
    path: &str,
) -> Result<String, ModelError> {
    if raw.len() > MAX_IDENTIFIER_LEN {
        return Err(ModelError::new(
            path,
            format!("longer than {MAX_IDENTIFIER_LEN} bytes"),
        ));
    }
    let value = match kind {
        IdentifierKind::Device | IdentifierKind::Login => {
            if !persona_edge::subject::is_valid_subject(raw) {
                return Err(ModelError::new(
                    path,
                    "a device or login id is a subject id: 1..=64 characters of [A-Za-z0-9_-]",
                ));
            }
            raw.to_owned()
        }
        IdentifierKind::Email => email(raw)
            .ok_or_else(|| ModelError::new(path, "not an e-mail address (local@domain.tld)"))?,
        IdentifierKind::Phone => phone(raw, region).ok_or_else(|| {
            ModelError::new(
                path,
                format!("not a valid phone number (E.164, or national in region {region})"),
            )
        })?,
        IdentifierKind::DateOfBirth => {
            date(raw).ok_or_else(|| ModelError::new(path, "not a calendar date (YYYY-MM-DD)"))?
        }
        IdentifierKind::Postcode | IdentifierKind::Loyalty => raw
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect(),
        IdentifierKind::GivenName
        | IdentifierKind::Surname
        | IdentifierKind::Address
        | IdentifierKind::Locality => fold(raw),
    };
    if value.is_empty() {
        return Err(ModelError::new(path, "empty after normalization"));
    }
    Ok(value)
}

fn email(raw: &str) -> Option<String> {
    let lower = raw.trim().to_lowercase();
    let (local, domain) = lower.rsplit_once('@')?;
    let labels: Vec<&str> = domain.split('.').collect();
    let valid_domain = labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    if local.is_empty() || !valid_domain || local.contains(|c: char| c.is_whitespace() || c == '@')
    {
        return None;
    }
    let mut local = local.to_owned();
    let mut domain = domain.to_owned();
    if SUBADDRESSING.contains(&domain.as_str()) {
        if let Some((base, _tag)) = local.split_once('+') {
            local = base.to_owned();
        }
    }
    if domain == "googlemail.com" {
        domain = "gmail.com".to_owned();
    }
    if domain == "gmail.com" {
        local.retain(|c| c != '.');
    }
    (!local.is_empty()).then(|| format!("{local}@{domain}"))
}

fn phone(raw: &str, region: &str) -> Option<String> {
    let region = region.parse::<phonenumber::country::Id>().ok();
    let number = phonenumber::parse(region, raw.trim()).ok()?;
    phonenumber::is_valid(&number)
        .then(|| number.format().mode(phonenumber::Mode::E164).to_string())
}

fn date(raw: &str) -> Option<String> {
    let digits: String = raw.trim().chars().filter(|c| *c != '-').collect();
    if digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let year: i16 = digits[..4].parse().ok()?;
    let month: i8 = digits[4..6].parse().ok()?;
    let day: i8 = digits[6..].parse().ok()?;
    jiff::civil::Date::new(year, month, day).ok()?;
    (1900..=2100).contains(&year).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(kind: IdentifierKind, raw: &str) -> Result<String, ModelError> {
        normalize(kind, raw, "DE", "x")
    }

    #[test]
    fn emails_fold_only_where_the_provider_does() {
        use IdentifierKind::Email;
        assert_eq!(
            n(Email, " Ada.Lovelace+shop@GoogleMail.com ").unwrap(),
            "adalovelace@gmail.com"
        );
        assert_eq!(n(Email, "ada+news@outlook.com").unwrap(), "ada@outlook.com");
        // Elsewhere dots and tags may name another mailbox: kept.
        assert_eq!(
            n(Email, "Ada.L+x@example.org").unwrap(),
            "ada.l+x@example.org"
        );
        assert!(n(Email, "no-at-sign").is_err());
        assert!(n(Email, "a@localhost").is_err());
        assert!(n(Email, "a b@example.org").is_err());
    }

    #[test]
    fn phones_become_e164() {
        use IdentifierKind::Phone;
        assert_eq!(n(Phone, "+49 30 901820").unwrap(), "+4930901820");
        assert_eq!(n(Phone, "030 901820").unwrap(), "+4930901820");
        assert_eq!(
            normalize(Phone, "(202) 555-0143", "US", "x").unwrap().len(),
            12
        );
        assert!(n(Phone, "12").is_err());
        assert!(n(Phone, "call me").is_err());
    }

    #[test]
    fn dates_names_and_codes() {
        assert_eq!(
            n(IdentifierKind::DateOfBirth, "1984-02-29").unwrap(),
            "19840229"
        );
        assert!(n(IdentifierKind::DateOfBirth, "1985-02-29").is_err());
        assert!(n(IdentifierKind::DateOfBirth, "29.02.1984").is_err());
        assert_eq!(
            n(IdentifierKind::Surname, "  Müller-Lüdenscheidt ").unwrap(),
            "muller ludenscheidt"
        );
        assert_eq!(n(IdentifierKind::Postcode, "SW1A 1AA").unwrap(), "sw1a1aa");
        assert!(n(IdentifierKind::Surname, " -- ").is_err());
        assert!(n(IdentifierKind::Login, "a@b.c").is_err());
        assert!(n(IdentifierKind::Email, &"a".repeat(300)).is_err());
    }
}
