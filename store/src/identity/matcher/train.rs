//! Unsupervised training, as Splink does it: u from random pairs, m by expectation
//! maximisation over blocked pairs (one session per blocking rule, the rule's own fields left
//! out of it), and λ by EM over all pairs, of which only the blocked ones carry weight.

use super::blocking::{Index, NONE};
use super::compare::{compare_different, JARO_WINKLER_LOWEST};
use super::field::{Field, Kind, EXACT_LEVEL, NULL_LEVEL};

/// A small deterministic random number generator (splitmix64).
#[derive(Clone, Debug)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        super::blocking::mix(self.0)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// Bits per field in a packed comparison vector.
const BITS: usize = 4;

/// The level of field `f` of records `i` and `j` of the index.
pub(crate) fn level(index: &Index, f: Field, i: u32, j: u32) -> u8 {
    let fi = f.index();
    let (a, b) = (index.value_id(i, fi), index.value_id(j, fi));
    if a == NONE || b == NONE {
        NULL_LEVEL
    } else if a == b {
        EXACT_LEVEL
    } else {
        let s = index.strings(fi);
        if let (Some(x), Some(y)) = (s.bag(a), s.bag(b)) {
            if x.below(y, JARO_WINKLER_LOWEST) {
                return (f.levels().len() - 1) as u8;
            }
        }
        compare_different(f.kind(), s.get(a), s.get(b))
    }
}

/// The comparison vector of a pair over `fields`, 4 bits a field.
pub(crate) fn vector(index: &Index, fields: &[Field], i: u32, j: u32) -> u64 {
    fields.iter().enumerate().fold(0u64, |v, (n, &f)| {
        v | (u64::from(level(index, f, i, j)) << (BITS * n))
    })
}

/// Level of the `n`th field in a packed vector.
pub(crate) fn level_of(v: u64, n: usize) -> u8 {
    ((v >> (BITS * n)) & 0xf) as u8
}

/// Comparison vectors of many pairs, on all cores.
pub(crate) fn vectors(index: &Index, fields: &[Field], pairs: &[(u32, u32, u32)]) -> Vec<u64> {
    let threads = threads().min(pairs.len() / 4096 + 1);
    if threads <= 1 {
        return pairs
            .iter()
            .map(|&(i, j, _)| vector(index, fields, i, j))
            .collect();
    }
    let chunk = pairs.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(|&(i, j, _)| vector(index, fields, i, j))
                        .collect::<Vec<u64>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("comparison thread"))
            .collect()
    })
}

fn threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8)
}

/// Which random pairs u is estimated on.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Sampling {
    /// Pairs of distinct records among the first `n`.
    Dedupe(u32),
    /// Pairs of one of records `0..left` and one of `left..total`.
    Link {
        /// Records of the left side.
        left: u32,
        /// All records.
        total: u32,
    },
}

impl Sampling {
    /// Number of distinct pairs.
    pub(crate) fn total_pairs(self) -> f64 {
        match self {
            Sampling::Dedupe(n) => f64::from(n) * (f64::from(n) - 1.0) / 2.0,
            Sampling::Link { left, total } => f64::from(left) * f64::from(total - left),
        }
    }
}

/// u of every level of every field: the level's share among random pairs (with
/// `pairs` pairs drawn, or every pair when there are fewer), in 8 seeded chunks on all cores,
/// so the result depends on the seed only.
pub(crate) fn estimate_u(
    index: &Index,
    fields: &[Field],
    sampling: Sampling,
    pairs: usize,
    seed: u64,
) -> Vec<Vec<f64>> {
    const CHUNKS: u64 = 8;
    let exhaustive = sampling.total_pairs() <= pairs as f64;
    let count_chunk = |c: u64| -> Vec<Vec<u64>> {
        let mut counts: Vec<Vec<u64>> = fields.iter().map(|f| vec![0; f.levels().len()]).collect();
        let mut add = |i: u32, j: u32| {
            for (n, &f) in fields.iter().enumerate() {
                counts[n][level(index, f, i, j) as usize] += 1;
            }
        };
        if exhaustive {
            // Every pair, the chunks split by the first record.
            let (lo, hi, rhs) = match sampling {
                Sampling::Dedupe(n) => (0, n, None),
                Sampling::Link { left, total } => (0, left, Some((left, total))),
            };
            for i in (lo..hi).filter(|i| u64::from(*i) % CHUNKS == c) {
                match rhs {
                    None => (i + 1..hi).for_each(|j| add(i, j)),
                    Some((l, t)) => (l..t).for_each(|j| add(i, j)),
                }
            }
        } else {
            let mut rng = SplitMix64::new(seed ^ mix_seed(c));
            let per = pairs as u64 / CHUNKS + u64::from(c < pairs as u64 % CHUNKS);
            for _ in 0..per {
                let (i, j) = match sampling {
                    Sampling::Dedupe(n) => {
                        let i = rng.below(u64::from(n)) as u32;
                        let mut j = rng.below(u64::from(n) - 1) as u32;
                        if j >= i {
                            j += 1;
                        }
                        (i, j)
                    }
                    Sampling::Link { left, total } => (
                        rng.below(u64::from(left)) as u32,
                        left + rng.below(u64::from(total - left)) as u32,
                    ),
                };
                add(i, j);
            }
        }
        counts
    };
    let threads = threads() as u64;
    let per_thread: Vec<Vec<Vec<u64>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let count_chunk = &count_chunk;
                s.spawn(move || {
                    (0..CHUNKS)
                        .filter(|c| c % threads == t)
                        .map(count_chunk)
                        .reduce(add_counts)
                        .unwrap_or_default()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("sampling thread"))
            .collect()
    });
    let counts = per_thread
        .into_iter()
        .filter(|c| !c.is_empty())
        .reduce(add_counts)
        .unwrap_or_default();
    counts
        .iter()
        .map(|levels| {
            let k = (levels.len() - 1) as f64;
            let total: u64 = levels[1..].iter().sum();
            levels
                .iter()
                .enumerate()
                .map(|(l, &c)| {
                    if l == NULL_LEVEL as usize {
                        1.0
                    } else {
                        // Half a pair added to each level, so that none is impossible.
                        (c as f64 + 0.5) / (total as f64 + 0.5 * k)
                    }
                })
                .collect()
        })
        .collect()
}

fn mix_seed(c: u64) -> u64 {
    super::blocking::mix(c.wrapping_add(0x5851_f42d_4c95_7f2d))
}

fn add_counts(mut a: Vec<Vec<u64>>, b: Vec<Vec<u64>>) -> Vec<Vec<u64>> {
    for (x, y) in a.iter_mut().zip(b) {
        for (p, q) in x.iter_mut().zip(y) {
            *p += q;
        }
    }
    a
}

/// The m probabilities EM starts from: most matches agree exactly.
pub(crate) fn initial_m(f: Field) -> Vec<f64> {
    let rest: &[f64] = match f.kind() {
        Kind::Text => &[0.8, 0.1, 0.05, 0.05],
        Kind::Date | Kind::Postcode | Kind::Identifier => &[0.85, 0.1, 0.05],
        Kind::Exact => &[0.9, 0.1],
    };
    std::iter::once(1.0).chain(rest.iter().copied()).collect()
}

/// Distinct comparison vectors with their counts.
pub(crate) fn patterns(vectors: impl Iterator<Item = u64>) -> Vec<(u64, f64)> {
    let mut counts: super::blocking::MixMap<u64, f64> = Default::default();
    for v in vectors {
        *counts.entry(v).or_default() += 1.0;
    }
    let mut out: Vec<(u64, f64)> = counts.into_iter().collect();
    out.sort_unstable_by_key(|p| p.0);
    out
}

/// The outcome of one EM session.
#[derive(Clone, Debug)]
pub(crate) struct Session {
    pub(crate) m: Vec<Vec<f64>>,
    pub(crate) lambda: f64,
    pub(crate) iterations: usize,
}

/// Expectation maximisation of m (and the share of matches, λ) over `patterns`, u fixed;
/// fields with `active[n] == false` are left out (their m are returned unchanged).
#[allow(clippy::too_many_arguments)]
pub(crate) fn em(
    patterns: &[(u64, f64)],
    u: &[Vec<f64>],
    m0: &[Vec<f64>],
    lambda0: f64,
    active: &[bool],
    max_iterations: usize,
    tolerance: f64,
) -> Session {
    let mut m = m0.to_vec();
    let mut lambda = lambda0;
    let mut iterations = 0;
    // ln(u) per level, once.
    let ln_u: Vec<Vec<f64>> = u
        .iter()
        .map(|l| l.iter().map(|x| x.ln()).collect())
        .collect();
    while iterations < max_iterations {
        iterations += 1;
        let ln_m: Vec<Vec<f64>> = m
            .iter()
            .map(|l| l.iter().map(|x| x.ln()).collect())
            .collect();
        let prior = (lambda / (1.0 - lambda)).ln();
        let mut acc: Vec<Vec<f64>> = m.iter().map(|l| vec![0.0; l.len()]).collect();
        let (mut matches, mut total) = (0.0, 0.0);
        for &(v, count) in patterns {
            let mut x = prior;
            for (n, on) in active.iter().enumerate() {
                let l = level_of(v, n) as usize;
                if *on && l != NULL_LEVEL as usize {
                    x += ln_m[n][l] - ln_u[n][l];
                }
            }
            let p = 1.0 / (1.0 + (-x).exp());
            matches += p * count;
            total += count;
            for (n, a) in acc.iter_mut().enumerate() {
                a[level_of(v, n) as usize] += p * count;
            }
        }
        let mut change: f64 = 0.0;
        for (n, a) in acc.iter().enumerate() {
            if !active[n] {
                continue;
            }
            let sum: f64 = a[1..].iter().sum();
            if sum <= 0.0 {
                continue;
            }
            for l in 1..a.len() {
                let new = (a[l] / sum).max(1e-6);
                change = change.max((new - m[n][l]).abs());
                m[n][l] = new;
            }
        }
        let new_lambda = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        change = change.max((new_lambda - lambda).abs());
        lambda = new_lambda;
        if change < tolerance {
            break;
        }
    }
    Session {
        m,
        lambda,
        iterations,
    }
}

/// λ over all pairs, by EM with m and u fixed: the expected number of matches is the sum of
/// the match probabilities of the blocked pairs (the others, which agree on no blocking rule,
/// add next to nothing), so λ is the fixed point of `λ = Σ p_i(λ) / total_pairs`.
pub(crate) fn estimate_prior(
    weights: &[f64],
    total_pairs: f64,
    start: f64,
    max_iterations: usize,
) -> f64 {
    let mut lambda = start.clamp(1e-12, 0.5);
    for _ in 0..max_iterations.max(1) * 4 {
        let prior = (lambda / (1.0 - lambda)).log2();
        let expected: f64 = weights
            .iter()
            .map(|w| super::score::probability(prior + w))
            .sum();
        let new = (expected / total_pairs).clamp(1e-12, 1.0 - 1e-9);
        let done = ((new - lambda) / lambda).abs() < 1e-6;
        lambda = new;
        if done {
            break;
        }
    }
    lambda
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_is_deterministic_and_in_range() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            assert!(a.below(10) < 10);
            b.below(10);
        }
        // Reference value of splitmix64 seeded 0.
        assert_eq!(SplitMix64::new(0).next_u64(), 0xe220_a839_7b1d_cdaf);
    }
}
