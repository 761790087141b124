//! The trained model and the scoring of a pair of records.

use serde::{Deserialize, Serialize};

use super::blocking::BlockingRule;
use super::field::{Field, Values, EXACT_LEVEL, NULL_LEVEL};
use super::frequency::TermFrequencies;

/// The parameters of one comparison level.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Level {
    /// The level's name ("exact", "jaro_winkler_0.92", …).
    pub name: String,
    /// P(level | the records match).
    pub m: f64,
    /// P(level | the records do not match).
    pub u: f64,
}

/// The comparison of one field in a model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FieldModel {
    /// The field.
    pub field: Field,
    /// Its levels, in the order of [`Field::levels`]; the "null" level is never weighed.
    pub levels: Vec<Level>,
    /// Value counts, when an exact match is term-frequency adjusted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub term_frequencies: Option<TermFrequencies>,
}

/// A trained Fellegi–Sunter model: the prior, and m and u of each level of each field.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// λ: the probability that two records drawn at random match.
    pub prior: f64,
    /// The compared fields.
    pub fields: Vec<FieldModel>,
    /// The blocking rules candidates are drawn with.
    pub blocking_rules: Vec<BlockingRule>,
}

/// One field's contribution to a score.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// The field.
    pub field: Field,
    /// The comparison level reached.
    pub level: &'static str,
    /// `log2(m / u)` of that level (u term-frequency adjusted on an exact match); 0 for null.
    pub weight: f64,
}

/// The score of a pair, with the evidence that explains it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scored {
    /// Probability that the records match, `2^w / (1 + 2^w)`.
    pub probability: f64,
    /// Match weight `w = log2(λ / (1 - λ)) + Σ log2(m / u)`.
    pub weight: f64,
    /// Per-field contributions (the prior's is `weight − Σ evidence`).
    pub evidence: Vec<Evidence>,
}

/// Probability of a match weight (log2 odds).
pub fn probability(weight: f64) -> f64 {
    let odds = weight.exp2();
    if odds.is_infinite() {
        1.0
    } else {
        odds / (1.0 + odds)
    }
}

impl Model {
    /// The prior's weight, `log2(λ / (1 - λ))`.
    pub fn prior_weight(&self) -> f64 {
        (self.prior / (1.0 - self.prior)).log2()
    }

    /// `log2(m / u)` of a level of the model's `i`th field, with `tf_u` (the frequency of the
    /// value) replacing u on an exact match when given.
    pub fn level_weight(&self, i: usize, level: u8, tf_u: Option<f64>) -> f64 {
        if level == NULL_LEVEL {
            return 0.0;
        }
        let l = &self.fields[i].levels[level as usize];
        let u = match tf_u {
            Some(u) if level == EXACT_LEVEL => u,
            _ => l.u,
        };
        (l.m / u).log2()
    }

    /// Scores a pair of records.
    pub fn score(&self, a: &impl Values, b: &impl Values) -> Scored {
        let mut weight = self.prior_weight();
        let mut evidence = Vec::with_capacity(self.fields.len());
        for (i, fm) in self.fields.iter().enumerate() {
            let (va, vb) = (a.value(fm.field), b.value(fm.field));
            let level = fm.field.compare(va, vb);
            let tf = match (&fm.term_frequencies, level, va, vb) {
                (Some(tf), EXACT_LEVEL, Some(x), Some(y)) => {
                    Some(tf.frequency(x).max(tf.frequency(y)))
                }
                _ => None,
            };
            let w = self.level_weight(i, level, tf);
            weight += w;
            evidence.push(Evidence {
                field: fm.field,
                level: fm.field.levels()[level as usize],
                weight: w,
            });
        }
        Scored {
            probability: probability(weight),
            weight,
            evidence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probability_of_weight() {
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!((probability(1.0) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(probability(5000.0), 1.0);
        assert_eq!(probability(-5000.0), 0.0);
    }
}
