//! Probabilistic record matching (Fellegi–Sunter).
//!
//! Two records are compared field by field; each comparison lands on a level ("exact",
//! "jaro_winkler_0.92", …, "else", or "null" when a side is missing). Each level has `m`, its
//! probability among matching pairs, and `u`, among non-matching pairs; a pair's match weight
//! is `log2(λ/(1-λ)) + Σ log2(m/u)` and its probability `2^w / (1 + 2^w)`.
//!
//! Training is unsupervised, as Splink documents it:
//! - u from random pairs ([`Settings::u_pairs`] of them, seeded: the result is the same on
//!   every run and machine);
//! - m by expectation maximisation over the blocked candidate pairs, one session per blocking
//!   rule with that rule's own fields left out (they agree by construction), the m of a field
//!   averaged over the sessions that estimated it;
//! - λ by EM over all pairs, with m and u fixed: the blocked pairs hold the expected matches;
//! - term-frequency adjustment: on an exact match of a field in
//!   [`Settings::term_frequency_fields`], u is the value's frequency (see [`frequency`]).
//!
//! Only candidate pairs from the [`blocking`] rules are ever compared, never all pairs.
//! Values must already be normalized (see [`fold`]).

pub mod blocking;
mod compare;
pub mod field;
pub mod frequency;
pub mod score;
pub mod train;

pub use blocking::{default_rules, BlockingRule, Index, IndexedRecord};
pub use compare::jaro_winkler;
pub use field::{fold, Field, Kind, MatchRecord, Values};
pub use frequency::TermFrequencies;
pub use score::{probability, Evidence, FieldModel, Level, Model, Scored};

use serde::{Deserialize, Serialize};

use field::{EXACT_LEVEL, NULL_LEVEL};
use train::{level_of, Sampling};

/// What to compare, how to block and how to train.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Fields compared; a field no record has is left out of the model.
    pub fields: Vec<Field>,
    /// Blocking rules (at most 32).
    pub blocking_rules: Vec<BlockingRule>,
    /// Blocks with more records are skipped (see [`blocking`]).
    pub max_block_size: usize,
    /// Fields whose exact matches are term-frequency adjusted.
    pub term_frequency_fields: Vec<Field>,
    /// Random pairs u is estimated on.
    pub u_pairs: usize,
    /// Seed of the random pairs.
    pub seed: u64,
    /// λ EM starts from: the probability that two random records match.
    pub prior: f64,
    /// Maximum EM iterations per session.
    pub max_iterations: usize,
    /// EM stops when no parameter moves by more than this.
    pub tolerance: f64,
    /// Pairs with a match probability at or above this are returned.
    pub threshold: f64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            fields: Field::ALL.to_vec(),
            blocking_rules: default_rules(),
            max_block_size: 1000,
            term_frequency_fields: vec![
                Field::GivenName,
                Field::Surname,
                Field::Locality,
                Field::Postcode,
            ],
            u_pairs: 2_000_000,
            seed: 42,
            prior: 1e-4,
            max_iterations: 25,
            tolerance: 1e-4,
            threshold: 0.9,
        }
    }
}

/// A pair at or above the threshold: indices of the two records, and the score.
pub type Link = (usize, usize, Scored);

/// Finds duplicates within `records`: trains a model on them and returns it with the pairs
/// (`i < j`) scored at or above [`Settings::threshold`], sorted by `(i, j)`.
pub fn dedupe(records: &[MatchRecord], settings: &Settings) -> (Model, Vec<Link>) {
    let mut index = Index::new(settings.blocking_rules.clone(), settings.max_block_size);
    for r in records {
        index.add_record(r);
    }
    let n = index.len() as u32;
    run(&index, Sampling::Dedupe(n), None, settings)
}

/// Links `left` to `right` (pairs across the two only): trains a model on both and returns it
/// with the pairs `(index in left, index in right)` scored at or above the threshold.
pub fn link(
    left: &[MatchRecord],
    right: &[MatchRecord],
    settings: &Settings,
) -> (Model, Vec<Link>) {
    let mut index = Index::new(settings.blocking_rules.clone(), settings.max_block_size);
    for r in left.iter().chain(right) {
        index.add_record(r);
    }
    let split = left.len() as u32;
    let (model, pairs) = run(
        &index,
        Sampling::Link {
            left: split,
            total: index.len() as u32,
        },
        Some(split),
        settings,
    );
    let pairs = pairs
        .into_iter()
        .map(|(i, j, s)| (i, j - split as usize, s))
        .collect();
    (model, pairs)
}

/// Trains a model on the records of `index` (all of them, or `0..split` against `split..`).
pub fn train(index: &Index, split: Option<u32>, settings: &Settings) -> Model {
    let sampling = sampling(index, split);
    Trainer::new(index, sampling, split, settings).model
}

fn sampling(index: &Index, split: Option<u32>) -> Sampling {
    match split {
        None => Sampling::Dedupe(index.len() as u32),
        Some(left) => Sampling::Link {
            left,
            total: index.len() as u32,
        },
    }
}

struct Trainer {
    model: Model,
    pairs: Vec<(u32, u32, u32)>,
    vectors: Vec<u64>,
    weights: Vec<f64>,
}

impl Trainer {
    fn new(index: &Index, sampling: Sampling, split: Option<u32>, settings: &Settings) -> Trainer {
        let fields: Vec<Field> = settings
            .fields
            .iter()
            .copied()
            .filter(|f| index.strings(f.index()).len() > 0)
            .take(16)
            .collect();
        let pairs = index.pairs(split);
        let vectors = train::vectors(index, &fields, &pairs);
        let u = if matches!(sampling, Sampling::Dedupe(n) if n < 2)
            || matches!(sampling, Sampling::Link { left, total } if left == 0 || left == total)
        {
            fields
                .iter()
                .map(|f| vec![1.0 / (f.levels().len() - 1) as f64; f.levels().len()])
                .collect()
        } else {
            train::estimate_u(index, &fields, sampling, settings.u_pairs, settings.seed)
        };

        // m: one EM session per blocking rule, without the rule's fields.
        let initial: Vec<Vec<f64>> = fields.iter().map(|&f| train::initial_m(f)).collect();
        let mut sum: Vec<Vec<f64>> = initial.iter().map(|l| vec![0.0; l.len()]).collect();
        let mut sessions = vec![0usize; fields.len()];
        let total = sampling.total_pairs();
        for (bit, rule) in index.rules().iter().enumerate().take(32) {
            let mask = 1u32 << bit;
            let active: Vec<bool> = fields.iter().map(|f| !rule.fields.contains(f)).collect();
            let pats = train::patterns(
                pairs
                    .iter()
                    .zip(&vectors)
                    .filter(|(p, _)| p.2 & mask != 0)
                    .map(|(_, v)| *v),
            );
            let count: f64 = pats.iter().map(|p| p.1).sum();
            if count < 10.0 || !active.iter().any(|a| *a) {
                continue;
            }
            let lambda0 = (settings.prior * total / count).clamp(0.05, 0.95);
            let s = train::em(
                &pats,
                &u,
                &initial,
                lambda0,
                &active,
                settings.max_iterations,
                settings.tolerance,
            );
            for (n, on) in active.iter().enumerate() {
                // A session in which the field was never present says nothing about it.
                let seen = pats.iter().any(|&(v, _)| level_of(v, n) != NULL_LEVEL);
                if *on && seen {
                    sessions[n] += 1;
                    for (a, b) in sum[n].iter_mut().zip(&s.m[n]) {
                        *a += b;
                    }
                }
            }
            let _ = (s.lambda, s.iterations);
        }
        let m: Vec<Vec<f64>> = (0..fields.len())
            .map(|n| {
                if sessions[n] == 0 {
                    initial[n].clone()
                } else {
                    sum[n].iter().map(|x| x / sessions[n] as f64).collect()
                }
            })
            .collect();

        let field_models: Vec<FieldModel> = fields
            .iter()
            .enumerate()
            .map(|(n, &f)| FieldModel {
                field: f,
                levels: f
                    .levels()
                    .iter()
                    .enumerate()
                    .map(|(l, name)| Level {
                        name: (*name).to_owned(),
                        m: if l == 0 { 1.0 } else { m[n][l] },
                        u: u[n][l],
                    })
                    .collect(),
                term_frequencies: settings
                    .term_frequency_fields
                    .contains(&f)
                    .then(|| term_frequencies(index, f)),
            })
            .collect();
        let mut model = Model {
            prior: settings.prior,
            fields: field_models,
            blocking_rules: index.rules().to_vec(),
        };
        let scorer = PairScorer::new(&model, index);
        let weights: Vec<f64> = pairs
            .iter()
            .zip(&vectors)
            .map(|(p, &v)| scorer.weight(p.0, p.1, v))
            .collect();
        model.prior = train::estimate_prior(
            &weights,
            total.max(1.0),
            settings.prior,
            settings.max_iterations,
        );
        Trainer {
            model,
            pairs,
            vectors,
            weights,
        }
    }
}

fn term_frequencies(index: &Index, f: Field) -> TermFrequencies {
    let counts = value_counts(index, f);
    let strings = index.strings(f.index());
    TermFrequencies {
        total: counts.iter().map(|&c| u64::from(c)).sum(),
        counts: counts
            .iter()
            .enumerate()
            .filter(|(_, &c)| c > 1)
            .map(|(id, &c)| (strings.get(id as u32).to_owned(), c))
            .collect(),
    }
}

fn value_counts(index: &Index, f: Field) -> Vec<u32> {
    let mut counts = vec![0u32; index.strings(f.index()).len()];
    for r in 0..index.len() as u32 {
        let v = index.value_id(r, f.index());
        if v != blocking::NONE {
            counts[v as usize] += 1;
        }
    }
    counts
}

/// Scores pairs of an index from their packed comparison vectors.
struct PairScorer<'a> {
    index: &'a Index,
    fields: Vec<Field>,
    /// log2(m/u) per field and level.
    weights: Vec<Vec<f64>>,
    /// Per term-frequency field: log2(m_exact / frequency) per value id.
    tf: Vec<Option<Vec<f64>>>,
}

impl<'a> PairScorer<'a> {
    fn new(model: &Model, index: &'a Index) -> Self {
        let weights = (0..model.fields.len())
            .map(|n| {
                (0..model.fields[n].levels.len())
                    .map(|l| model.level_weight(n, l as u8, None))
                    .collect()
            })
            .collect();
        let tf = model
            .fields
            .iter()
            .enumerate()
            .map(|(n, fm)| {
                fm.term_frequencies.as_ref().map(|tf| {
                    let strings = index.strings(fm.field.index());
                    (0..strings.len() as u32)
                        .map(|id| {
                            model.level_weight(n, EXACT_LEVEL, Some(tf.frequency(strings.get(id))))
                        })
                        .collect()
                })
            })
            .collect();
        PairScorer {
            index,
            fields: model.fields.iter().map(|f| f.field).collect(),
            weights,
            tf,
        }
    }

    /// Σ log2(m/u) of a pair (without the prior).
    fn weight(&self, i: u32, j: u32, v: u64) -> f64 {
        (0..self.fields.len())
            .map(|n| self.field_weight(n, i, j, level_of(v, n)))
            .sum()
    }

    fn field_weight(&self, n: usize, i: u32, _j: u32, level: u8) -> f64 {
        match (&self.tf[n], level) {
            (Some(tf), EXACT_LEVEL) => tf[self.index.value_id(i, self.fields[n].index()) as usize],
            _ => self.weights[n][level as usize],
        }
    }

    fn scored(&self, prior: f64, i: u32, j: u32, v: u64, weight: f64) -> Scored {
        let evidence = self
            .fields
            .iter()
            .enumerate()
            .map(|(n, &f)| {
                let level = level_of(v, n);
                Evidence {
                    field: f,
                    level: f.levels()[level as usize],
                    weight: self.field_weight(n, i, j, level),
                }
            })
            .collect();
        let w = prior + weight;
        Scored {
            probability: probability(w),
            weight: w,
            evidence,
        }
    }
}

fn run(
    index: &Index,
    sampling: Sampling,
    split: Option<u32>,
    settings: &Settings,
) -> (Model, Vec<Link>) {
    let t = Trainer::new(index, sampling, split, settings);
    let scorer = PairScorer::new(&t.model, index);
    let prior = t.model.prior_weight();
    let mut out = Vec::new();
    for ((&(i, j, _), &v), &w) in t.pairs.iter().zip(&t.vectors).zip(&t.weights) {
        if probability(prior + w) >= settings.threshold {
            out.push((i as usize, j as usize, scorer.scored(prior, i, j, v, w)));
        }
    }
    (t.model, out)
}

#[cfg(test)]
mod tests;
