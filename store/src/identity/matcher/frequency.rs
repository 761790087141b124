//! Term-frequency adjustment: an exact match on a rare value is stronger evidence than one
//! on a common value.
//!
//! For a field with term frequencies, the u probability of an exact match on value `v` is not
//! the field's average u but the frequency of `v` among the records (the chance that a
//! random other record has `v` too): a match on a surname that one record in 5,000 has
//! weighs `log2(m / (1/5000))`, one on a surname every tenth record has `log2(m / 0.1)`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Value counts of one field.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TermFrequencies {
    /// Number of records with a value in this field.
    pub total: u64,
    /// Count of each value seen at least twice; a value absent here counts once.
    pub counts: BTreeMap<String, u32>,
}

impl TermFrequencies {
    /// Counts values (missing ones are skipped).
    pub fn from_values<'a>(values: impl IntoIterator<Item = &'a str>) -> Self {
        let mut all: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
        let mut total = 0u64;
        for v in values {
            if v.is_empty() {
                continue;
            }
            total += 1;
            *all.entry(v).or_default() += 1;
        }
        TermFrequencies {
            total,
            counts: all
                .into_iter()
                .filter(|&(_, c)| c > 1)
                .map(|(v, c)| (v.to_owned(), c))
                .collect(),
        }
    }

    /// The share of records with this value (at least one record's share).
    pub fn frequency(&self, value: &str) -> f64 {
        if self.total == 0 {
            return 1.0;
        }
        let c = self.counts.get(value).copied().unwrap_or(1).max(1);
        f64::from(c) / self.total as f64
    }

    /// The share of one record: the frequency of a value seen once (or never).
    pub fn rare(&self) -> f64 {
        if self.total == 0 {
            1.0
        } else {
            1.0 / self.total as f64
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_frequencies() {
        let tf = TermFrequencies::from_values(["smith", "smith", "smith", "jones", "", "brown"]);
        assert_eq!(tf.total, 5);
        assert_eq!(tf.counts.len(), 1);
        assert!((tf.frequency("smith") - 0.6).abs() < 1e-12);
        assert!((tf.frequency("jones") - 0.2).abs() < 1e-12);
        assert!((tf.frequency("never") - 0.2).abs() < 1e-12);
        assert!((tf.rare() - 0.2).abs() < 1e-12);
    }
}
