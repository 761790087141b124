//! The matching model used before one is trained on the store's own records: m and u of each level
//! set from what they typically are on person records (as Splink's examples start EM from), so that
//! one strong identifier (an e-mail, a phone number, a loyalty card) agreeing links, names alone do
//! not, and a contradicting date of birth pulls a match down into review.

use super::matcher::{BlockingRule, Field, FieldModel, Level, Model, Settings};

/// λ: the prior probability that a record and a candidate match.
const PRIOR: f64 = 5e-5;

/// `(m, u)` per level after "null", in the order of [`Field::levels`].
fn levels(field: Field) -> &'static [(f64, f64)] {
    match field {
        Field::GivenName => &[(0.85, 0.01), (0.08, 0.01), (0.03, 0.01), (0.04, 0.97)],
        Field::Surname => &[(0.85, 0.005), (0.08, 0.005), (0.03, 0.01), (0.04, 0.98)],
        Field::Address => &[(0.8, 0.0005), (0.1, 0.002), (0.04, 0.01), (0.06, 0.9875)],
        Field::Locality => &[(0.85, 0.02), (0.05, 0.01), (0.03, 0.02), (0.07, 0.95)],
        Field::DateOfBirth => &[(0.9, 0.0003), (0.06, 0.002), (0.04, 0.9977)],
        Field::Postcode => &[(0.85, 0.002), (0.1, 0.05), (0.05, 0.948)],
        Field::Email => &[(0.8, 1e-6), (0.2, 0.999_999)],
        Field::Phone => &[(0.8, 1e-6), (0.05, 1e-5), (0.15, 0.999_989)],
        Field::ExternalId => &[(0.9, 1e-7), (0.03, 1e-6), (0.07, 0.999_998_9)],
        Field::StreetNumber | Field::Region => &[(0.9, 0.05), (0.1, 0.95)],
    }
}

/// The fields records carry in the store.
pub const FIELDS: [Field; 9] = [
    Field::GivenName,
    Field::Surname,
    Field::DateOfBirth,
    Field::Address,
    Field::Locality,
    Field::Postcode,
    Field::Email,
    Field::Phone,
    Field::ExternalId,
];

/// Candidates share all fields of one rule (besides any strong identifier).
pub fn blocking_rules() -> Vec<BlockingRule> {
    vec![
        BlockingRule::new(&[Field::Surname, Field::DateOfBirth]),
        BlockingRule::new(&[Field::GivenName, Field::Surname]),
        BlockingRule::new(&[Field::Surname, Field::Postcode]),
        BlockingRule::new(&[Field::DateOfBirth, Field::Postcode]),
        BlockingRule::new(&[Field::Email]),
        BlockingRule::new(&[Field::Phone]),
        BlockingRule::new(&[Field::ExternalId]),
    ]
}

/// How a model is trained on the store's records: its fields and blocking rules, the matcher's
/// defaults otherwise (u from random pairs, m by EM, term-frequency adjusted names and places).
pub fn training_settings() -> Settings {
    Settings {
        fields: FIELDS.to_vec(),
        blocking_rules: blocking_rules(),
        ..Settings::default()
    }
}

/// The untrained model.
pub fn default_model() -> Model {
    Model {
        prior: PRIOR,
        fields: FIELDS
            .iter()
            .map(|&field| FieldModel {
                field,
                levels: std::iter::once(("null", (1.0, 1.0)))
                    .chain(
                        field.levels()[1..]
                            .iter()
                            .copied()
                            .zip(levels(field).iter().copied()),
                    )
                    .map(|(name, (m, u))| Level {
                        name: name.to_owned(),
                        m,
                        u,
                    })
                    .collect(),
                term_frequencies: None,
            })
            .collect(),
        blocking_rules: blocking_rules(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::matcher::MatchRecord;

    #[test]
    fn one_strong_identifier_links_and_a_contradiction_pulls_down() {
        let model = default_model();
        for fm in &model.fields {
            assert_eq!(fm.levels.len(), fm.field.levels().len(), "{}", fm.field);
            let (m, u): (f64, f64) = fm.levels[1..]
                .iter()
                .fold((0.0, 0.0), |a, l| (a.0 + l.m, a.1 + l.u));
            assert!(
                (m - 1.0).abs() < 1e-6 && (u - 1.0).abs() < 1e-6,
                "{}: {m} {u}",
                fm.field
            );
        }
        let a = MatchRecord::new("a").with(Field::Email, "ada@example.org");
        let b = MatchRecord::new("b").with(Field::Email, "ada@example.org");
        assert!(model.score(&a, &b).probability > 0.95);
        let a2 = a.clone().with(Field::DateOfBirth, "19840229");
        let b2 = b.clone().with(Field::DateOfBirth, "19710512");
        let p = model.score(&a2, &b2).probability;
        assert!((0.5..0.9).contains(&p), "{p}");
        let names = |id: &str| {
            MatchRecord::new(id)
                .with(Field::GivenName, "ada")
                .with(Field::Surname, "lovelace")
        };
        assert!(model.score(&names("x"), &names("y")).probability < 0.5);
        let full = |id: &str| {
            names(id)
                .with(Field::DateOfBirth, "19840229")
                .with(Field::Postcode, "10115")
        };
        assert!(model.score(&full("x"), &full("y")).probability > 0.99);
    }
}
