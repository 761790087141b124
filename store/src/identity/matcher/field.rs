//! The fields a record is compared on, their comparison levels, and the record type.

use serde::{Deserialize, Serialize};

/// A field of a person record that the matcher compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Given (first) name.
    GivenName,
    /// Family name.
    Surname,
    /// Date of birth, as digits `YYYYMMDD` (other separators are ignored when comparing).
    DateOfBirth,
    /// House or street number.
    StreetNumber,
    /// Street address (without the number).
    Address,
    /// Town, suburb or city.
    Locality,
    /// Postal code.
    Postcode,
    /// State, county or region.
    Region,
    /// E-mail address.
    Email,
    /// Phone number (ideally E.164).
    Phone,
    /// An identifier issued by another system (a social security number, a loyalty number).
    ExternalId,
}

/// How a field is compared: which comparison levels it has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Names and free text: null, exact, Jaro–Winkler ≥ 0.92, ≥ 0.88, else.
    Text,
    /// Dates: null, exact, one edit or a transposition (adjacent digits, day and month), else.
    Date,
    /// Postal codes: null, exact, same first three characters, else.
    Postcode,
    /// Identifiers: null, exact, Damerau–Levenshtein distance ≤ 1, else.
    Identifier,
    /// Exact only: null, exact, else.
    Exact,
}

/// Index of the level "null" (either side missing) in every field's levels.
pub const NULL_LEVEL: u8 = 0;
/// Index of the level "exact" in every field's levels.
pub const EXACT_LEVEL: u8 = 1;

const TEXT_LEVELS: &[&str] = &[
    "null",
    "exact",
    "jaro_winkler_0.92",
    "jaro_winkler_0.88",
    "else",
];
const DATE_LEVELS: &[&str] = &["null", "exact", "transposed", "else"];
const POSTCODE_LEVELS: &[&str] = &["null", "exact", "prefix_3", "else"];
const IDENTIFIER_LEVELS: &[&str] = &["null", "exact", "damerau_levenshtein_1", "else"];
const EXACT_LEVELS: &[&str] = &["null", "exact", "else"];

impl Field {
    /// The number of fields.
    pub const COUNT: usize = 11;

    /// Every field, in declaration order (the order of [`Field::index`]).
    pub const ALL: [Field; Field::COUNT] = [
        Field::GivenName,
        Field::Surname,
        Field::DateOfBirth,
        Field::StreetNumber,
        Field::Address,
        Field::Locality,
        Field::Postcode,
        Field::Region,
        Field::Email,
        Field::Phone,
        Field::ExternalId,
    ];

    /// Position of this field in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Stable snake_case name (the same as its serde name).
    pub fn name(self) -> &'static str {
        match self {
            Field::GivenName => "given_name",
            Field::Surname => "surname",
            Field::DateOfBirth => "date_of_birth",
            Field::StreetNumber => "street_number",
            Field::Address => "address",
            Field::Locality => "locality",
            Field::Postcode => "postcode",
            Field::Region => "region",
            Field::Email => "email",
            Field::Phone => "phone",
            Field::ExternalId => "external_id",
        }
    }

    /// The field with this snake_case name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.name() == name)
    }

    /// How this field is compared.
    pub fn kind(self) -> Kind {
        match self {
            Field::GivenName | Field::Surname | Field::Address | Field::Locality => Kind::Text,
            Field::DateOfBirth => Kind::Date,
            Field::Postcode => Kind::Postcode,
            Field::ExternalId | Field::Phone => Kind::Identifier,
            Field::StreetNumber | Field::Region | Field::Email => Kind::Exact,
        }
    }

    /// Names of this field's comparison levels; a comparison returns an index into it.
    /// Level 0 is always "null", level 1 "exact", the last "else".
    pub fn levels(self) -> &'static [&'static str] {
        match self.kind() {
            Kind::Text => TEXT_LEVELS,
            Kind::Date => DATE_LEVELS,
            Kind::Postcode => POSTCODE_LEVELS,
            Kind::Identifier => IDENTIFIER_LEVELS,
            Kind::Exact => EXACT_LEVELS,
        }
    }

    /// Compares two values of this field and returns the level index (see [`Field::levels`]).
    pub fn compare(self, a: Option<&str>, b: Option<&str>) -> u8 {
        crate::identity::matcher::compare::compare(self.kind(), a, b)
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Anything that has a value per field: a [`MatchRecord`], or a record held by an
/// [`Index`](crate::identity::matcher::Index).
pub trait Values {
    /// The (normalized) value of `field`, if present.
    fn value(&self, field: Field) -> Option<&str>;
}

/// A record to match: an id and ALREADY NORMALIZED values (see [`fold`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchRecord {
    /// The caller's id of the record.
    pub id: String,
    values: [Option<String>; Field::COUNT],
}

impl MatchRecord {
    /// A record with no values.
    pub fn new(id: impl Into<String>) -> Self {
        MatchRecord {
            id: id.into(),
            values: Default::default(),
        }
    }

    /// Sets a value (an empty string counts as missing) and returns the record.
    pub fn with(mut self, field: Field, value: impl Into<String>) -> Self {
        self.set(field, Some(value.into()));
        self
    }

    /// Sets or clears a value; an empty string counts as missing.
    pub fn set(&mut self, field: Field, value: Option<String>) {
        self.values[field.index()] = value.filter(|v| !v.is_empty());
    }

    /// The value of `field`, if present.
    pub fn get(&self, field: Field) -> Option<&str> {
        self.values[field.index()].as_deref()
    }
}

impl Values for MatchRecord {
    fn value(&self, field: Field) -> Option<&str> {
        self.get(field)
    }
}

/// Normalizes free text for matching: accents folded to ASCII, lowercase, apostrophes and
/// dots removed, other punctuation turned into spaces, runs of spaces collapsed, trimmed.
///
/// `fold("  Zoë  O'Brien-Smith ")` is `"zoe obrien smith"`.
pub fn fold(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut out = String::with_capacity(ascii.len());
    let mut space = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c.to_ascii_lowercase());
        } else if matches!(c, '\'' | '.' | '`') {
            // Dropped inside words: "o'brien" is "obrien", "st." is "st".
        } else {
            space = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fold_normalizes() {
        assert_eq!(fold("  Zoë  O'Brien-Smith "), "zoe obrien smith");
        assert_eq!(fold("JOSÉ"), "jose");
        assert_eq!(fold("12, Main St."), "12 main st");
        assert_eq!(fold("   "), "");
    }

    #[test]
    fn names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(f));
            let json = serde_json::to_string(&f).unwrap();
            assert_eq!(json, format!("\"{}\"", f.name()));
            assert_eq!(f.levels()[NULL_LEVEL as usize], "null");
            assert_eq!(f.levels()[EXACT_LEVEL as usize], "exact");
            assert_eq!(*f.levels().last().unwrap(), "else");
        }
    }

    #[test]
    fn empty_is_missing() {
        let r = MatchRecord::new("a").with(Field::Surname, "");
        assert_eq!(r.get(Field::Surname), None);
    }
}
