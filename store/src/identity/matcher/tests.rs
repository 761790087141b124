//! Tests of training and matching on a synthetic labelled set.

use super::train::SplitMix64;
use super::*;

const SYLLABLES: &[&str] = &[
    "ka", "ro", "mi", "ten", "sa", "lo", "vi", "dar", "nel", "tho", "bri", "an", "el", "mar",
    "tin", "jo", "ha", "ric", "sel", "du", "mon", "pe", "ta", "wen",
];

fn word(rng: &mut SplitMix64, parts: usize) -> String {
    (0..parts)
        .map(|_| SYLLABLES[rng.below(SYLLABLES.len() as u64) as usize])
        .collect()
}

fn digits(rng: &mut SplitMix64, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// A typo: a substitution, a deletion or an adjacent swap.
fn typo(rng: &mut SplitMix64, s: &str) -> String {
    let mut b: Vec<u8> = s.bytes().collect();
    if b.len() < 3 {
        return s.to_owned();
    }
    let i = rng.below(b.len() as u64 - 1) as usize;
    match rng.below(3) {
        0 => {
            b[i] = if b[i].is_ascii_digit() {
                b'0' + (b[i] - b'0' + 1) % 10
            } else {
                b'x'
            }
        }
        1 => {
            b.remove(i);
        }
        _ => b.swap(i, i + 1),
    }
    String::from_utf8(b).unwrap()
}

/// Entities with 1 to 3 records each; duplicates have typos and missing values. Returns the
/// records and the entity of each.
fn synthetic(entities: usize, seed: u64) -> (Vec<MatchRecord>, Vec<usize>) {
    let mut rng = SplitMix64::new(seed);
    let towns: Vec<String> = (0..30).map(|_| word(&mut rng, 3)).collect();
    let mut records = Vec::new();
    let mut entity = Vec::new();
    for e in 0..entities {
        let surname = if e % 10 == 0 {
            "smith".to_owned()
        } else {
            word(&mut rng, 3)
        };
        let base = MatchRecord::new(format!("e{e}-0"))
            .with(Field::GivenName, word(&mut rng, 2))
            .with(Field::Surname, surname)
            .with(
                Field::DateOfBirth,
                format!(
                    "19{}{:02}{:02}",
                    digits(&mut rng, 2),
                    1 + rng.below(12),
                    1 + rng.below(28)
                ),
            )
            .with(Field::StreetNumber, (1 + rng.below(200)).to_string())
            .with(Field::Address, format!("{} street", word(&mut rng, 2)))
            .with(Field::Locality, towns[rng.below(30) as usize].clone())
            .with(Field::Postcode, format!("2{}", digits(&mut rng, 3)))
            .with(Field::ExternalId, digits(&mut rng, 7));
        let copies = [1, 1, 2, 3][rng.below(4) as usize];
        for k in 0..copies {
            let mut r = base.clone();
            r.id = format!("e{e}-{k}");
            if k > 0 {
                for f in Field::ALL {
                    let Some(v) = r.get(f).map(str::to_owned) else {
                        continue;
                    };
                    match rng.below(10) {
                        0 | 1 => r.set(f, Some(typo(&mut rng, &v))),
                        2 => r.set(f, None),
                        _ => {}
                    }
                }
            }
            records.push(r);
            entity.push(e);
        }
    }
    (records, entity)
}

fn accuracy(pairs: &[Link], entity: &[usize]) -> (f64, f64, usize) {
    let n = entity.len();
    let mut truth = 0usize;
    for i in 0..n {
        for j in i + 1..n {
            truth += usize::from(entity[i] == entity[j]);
        }
    }
    let tp = pairs
        .iter()
        .filter(|(i, j, _)| entity[*i] == entity[*j])
        .count();
    (
        tp as f64 / pairs.len().max(1) as f64,
        tp as f64 / truth as f64,
        truth,
    )
}

fn settings() -> Settings {
    Settings {
        u_pairs: 200_000,
        ..Settings::default()
    }
}

#[test]
fn em_converges_on_synthetic_duplicates() {
    let (records, entity) = synthetic(800, 11);
    let (model, pairs) = dedupe(&records, &settings());
    let (precision, recall, truth) = accuracy(&pairs, &entity);
    assert!(precision > 0.95, "precision {precision}");
    assert!(recall > 0.9, "recall {recall}");
    let n = records.len() as f64;
    let share = truth as f64 / (n * (n - 1.0) / 2.0);
    assert!(
        model.prior > share / 2.0 && model.prior < share * 2.0,
        "λ {} vs {share}",
        model.prior
    );
    let surname = model
        .fields
        .iter()
        .find(|f| f.field == Field::Surname)
        .unwrap();
    assert!(
        surname.levels[1].m > 0.7,
        "m exact surname {}",
        surname.levels[1].m
    );
    assert!(
        surname.levels[1].u < 0.05,
        "u exact surname {}",
        surname.levels[1].u
    );
    // Evidence explains the weight.
    let (_, _, s) = &pairs[0];
    let sum: f64 = s.evidence.iter().map(|e| e.weight).sum();
    assert!((s.weight - sum - model.prior_weight()).abs() < 1e-9);
    // The model round-trips through JSON and scores the same.
    let json = serde_json::to_string(&model).unwrap();
    let back: Model = serde_json::from_str(&json).unwrap();
    assert_eq!(back, model);
    let (i, j, s) = &pairs[0];
    let again = back.score(&records[*i], &records[*j]);
    assert!(
        (again.weight - s.weight).abs() < 1e-9,
        "{} vs {}",
        again.weight,
        s.weight
    );
}

#[test]
fn training_is_deterministic() {
    let (records, _) = synthetic(200, 3);
    let (a, pa) = dedupe(&records, &settings());
    let (b, pb) = dedupe(&records, &settings());
    assert_eq!(a, b);
    assert_eq!(pa, pb);
}

#[test]
fn link_finds_cross_pairs_only() {
    let (records, entity) = synthetic(400, 5);
    let (mut left, mut right, mut le, mut re) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (r, e) in records.into_iter().zip(entity) {
        if r.id.ends_with("-0") {
            left.push(r);
            le.push(e);
        } else if r.id.ends_with("-1") {
            right.push(r);
            re.push(e);
        }
    }
    let (_, pairs) = link(&left, &right, &settings());
    let tp = pairs.iter().filter(|(i, j, _)| le[*i] == re[*j]).count();
    assert!(tp as f64 / pairs.len() as f64 > 0.95);
    assert!(
        tp as f64 / right.len() as f64 > 0.9,
        "{tp} of {}",
        right.len()
    );
}

#[test]
fn rare_surname_outweighs_common() {
    let (records, _) = synthetic(800, 11);
    let (model, _) = dedupe(&records, &settings());
    let rare = records
        .iter()
        .find(|r| r.get(Field::Surname) != Some("smith"))
        .unwrap();
    let rare_name = rare.get(Field::Surname).unwrap();
    let pair = |surname: &str| {
        let a = MatchRecord::new("a")
            .with(Field::GivenName, "jo")
            .with(Field::Surname, surname);
        let b = MatchRecord::new("b")
            .with(Field::GivenName, "jo")
            .with(Field::Surname, surname);
        model.score(&a, &b)
    };
    let (common, rare) = (pair("smith"), pair(rare_name));
    assert!(
        rare.weight > common.weight + 2.0,
        "{} vs {}",
        rare.weight,
        common.weight
    );
    assert_eq!(rare.evidence[1].level, "exact");
}

#[test]
fn index_candidates_match_batch_blocking() {
    let (records, _) = synthetic(300, 9);
    let mut index = Index::new(default_rules(), 1000);
    for r in &records[..records.len() - 1] {
        index.add_record(r);
    }
    let last = records.last().unwrap();
    let candidates = index.candidates(last);
    index.add_record(last);
    let n = (index.len() - 1) as u32;
    let mut from_pairs: Vec<u32> = index
        .pairs(None)
        .into_iter()
        .filter(|p| p.1 == n)
        .map(|p| p.0)
        .collect();
    from_pairs.sort_unstable();
    assert_eq!(candidates, from_pairs);
    let model = train(&index, None, &settings());
    for c in candidates {
        let s = model.score(last, &index.record(c));
        assert!(s.probability.is_finite());
        assert_eq!(s.evidence.len(), model.fields.len());
    }
}
