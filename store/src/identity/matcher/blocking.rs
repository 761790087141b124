//! Blocking: which pairs of records are compared at all, and the incremental [`Index`].
//!
//! A blocking rule is a list of fields; two records are a candidate pair under the rule when
//! both have every field of the rule and the values are equal. The candidate pairs are the
//! union of the pairs of every rule, each pair once. Records are held interned (one `u32`
//! per field), blocks as per-rule hash maps from the block key to a chain of records, so an
//! index of a million records costs a few hundred bytes a record.
//!
//! Blocks larger than [`Index::max_block_size`] are skipped: a key shared by that many
//! records (a very common name, a placeholder date) says little, and its pairs would grow
//! quadratically. Pairs in such a block are still found when another rule brings them
//! together.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use serde::{Deserialize, Serialize};

use super::compare::Bag;
use super::field::{Field, Kind, Values};

/// A blocking rule: candidate pairs agree exactly on all these fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockingRule {
    /// The fields that must be present and equal.
    pub fields: Vec<Field>,
}

impl BlockingRule {
    /// A rule on these fields.
    pub fn new(fields: &[Field]) -> Self {
        BlockingRule {
            fields: fields.to_vec(),
        }
    }

    /// A readable name, the field names joined by `+`.
    pub fn name(&self) -> String {
        let names: Vec<&str> = self.fields.iter().map(|f| f.name()).collect();
        names.join("+")
    }
}

/// The default rules: (given name, surname), (surname, date of birth), (date of birth,
/// postcode), (given name, date of birth), (postcode, street number), e-mail, phone,
/// external id.
pub fn default_rules() -> Vec<BlockingRule> {
    use Field::*;
    vec![
        BlockingRule::new(&[GivenName, Surname]),
        BlockingRule::new(&[Surname, DateOfBirth]),
        BlockingRule::new(&[DateOfBirth, Postcode]),
        BlockingRule::new(&[GivenName, DateOfBirth]),
        BlockingRule::new(&[Postcode, StreetNumber]),
        BlockingRule::new(&[Email]),
        BlockingRule::new(&[Phone]),
        BlockingRule::new(&[ExternalId]),
    ]
}

/// A hasher for keys that are integers: a splitmix64 finalizer, no SipHash.
#[derive(Default, Clone, Copy)]
pub(crate) struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        mix(self.0)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0 ^ n);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
}

pub(crate) type MixMap<K, V> = HashMap<K, V, BuildHasherDefault<MixHasher>>;

pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn hash_str(s: &str) -> u64 {
    // FNV-1a, then mixed.
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for &b in s.as_bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
    }
    mix(h)
}

/// Strings stored once, in one arena, numbered from 0.
#[derive(Default, Clone, Debug)]
pub(crate) struct Interner {
    arena: String,
    ends: Vec<u32>,
    by_hash: MixMap<u64, u32>,
    /// Strings whose 64-bit hash collided with an earlier, different one.
    collided: HashMap<Box<str>, u32>,
    /// Character bags of the strings, for fields compared by Jaro–Winkler.
    bags: Option<Vec<Bag>>,
}

impl Interner {
    fn with_bags() -> Self {
        Interner {
            bags: Some(Vec::new()),
            ..Interner::default()
        }
    }

    /// The character bag of string `id`, when this interner keeps them.
    pub(crate) fn bag(&self, id: u32) -> Option<Bag> {
        self.bags.as_ref().map(|b| b[id as usize])
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, id: u32) -> &str {
        let i = id as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.arena[start..self.ends[i] as usize]
    }

    pub(crate) fn lookup(&self, s: &str) -> Option<u32> {
        match self.by_hash.get(&hash_str(s)) {
            Some(&id) if self.get(id) == s => Some(id),
            Some(_) => self.collided.get(s).copied(),
            None => None,
        }
    }

    pub(crate) fn intern(&mut self, s: &str) -> u32 {
        let h = hash_str(s);
        if let Some(&id) = self.by_hash.get(&h) {
            if self.get(id) == s {
                return id;
            }
            if let Some(&id) = self.collided.get(s) {
                return id;
            }
            let id = self.push(s);
            self.collided.insert(s.into(), id);
            return id;
        }
        let id = self.push(s);
        self.by_hash.insert(h, id);
        id
    }

    fn push(&mut self, s: &str) -> u32 {
        if let Some(bags) = &mut self.bags {
            bags.push(Bag::of(s));
        }
        self.arena.push_str(s);
        let end = u32::try_from(self.arena.len()).expect("interner arena above 4 GiB");
        self.ends.push(end);
        u32::try_from(self.ends.len() - 1).expect("more than 2^32 strings")
    }
}

/// The id of a missing value.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Clone, Debug, Default)]
struct RuleBlocks {
    fields: Vec<usize>,
    /// Block key → (last record added, number of records).
    heads: MixMap<u64, (u32, u32)>,
    /// Record → the previous record of its block under this rule (or [`NONE`]).
    next: Vec<u32>,
}

/// Records held for blocking and scoring, to which records can be added one at a time and
/// whose candidates for a new record can be asked (the same blocking rules as the batch
/// [`dedupe`](super::dedupe) and [`link`](super::link)).
#[derive(Clone, Debug)]
pub struct Index {
    rules: Vec<BlockingRule>,
    blocks: Vec<RuleBlocks>,
    max_block_size: usize,
    ids: Interner,
    strings: Vec<Interner>,
    /// `len × Field::COUNT` interned values.
    values: Vec<u32>,
}

/// A record held by an [`Index`].
#[derive(Clone, Copy)]
pub struct IndexedRecord<'a> {
    index: &'a Index,
    record: u32,
}

impl IndexedRecord<'_> {
    /// The record's id.
    pub fn id(&self) -> &str {
        self.index.id(self.record)
    }
}

impl Values for IndexedRecord<'_> {
    fn value(&self, field: Field) -> Option<&str> {
        self.index.value(self.record, field)
    }
}

impl Index {
    /// An empty index with these blocking rules; blocks of more than `max_block_size`
    /// records are skipped.
    pub fn new(rules: Vec<BlockingRule>, max_block_size: usize) -> Self {
        let blocks = rules
            .iter()
            .map(|r| RuleBlocks {
                fields: r.fields.iter().map(|f| f.index()).collect(),
                ..RuleBlocks::default()
            })
            .collect();
        Index {
            rules,
            blocks,
            max_block_size,
            ids: Interner::default(),
            strings: Field::ALL
                .iter()
                .map(|f| {
                    if f.kind() == Kind::Text {
                        Interner::with_bags()
                    } else {
                        Interner::default()
                    }
                })
                .collect(),
            values: Vec::new(),
        }
    }

    /// The blocking rules.
    pub fn rules(&self) -> &[BlockingRule] {
        &self.rules
    }

    /// Blocks with more records than this are skipped.
    pub fn max_block_size(&self) -> usize {
        self.max_block_size
    }

    /// Number of records.
    pub fn len(&self) -> usize {
        self.values.len() / Field::COUNT
    }

    /// Whether the index holds no record.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Adds a record; returns its number in the index (0, 1, 2, … in order of addition).
    pub fn add(&mut self, record: &impl Values, id: &str) -> u32 {
        let n = u32::try_from(self.len()).expect("more than 2^32 records");
        self.ids.intern(id);
        for f in Field::ALL {
            let v = match record.value(f) {
                Some(s) if !s.is_empty() => self.strings[f.index()].intern(s),
                _ => NONE,
            };
            self.values.push(v);
        }
        let row = &self.values[n as usize * Field::COUNT..];
        for b in &mut self.blocks {
            let next = match key(&b.fields, |f| row[f]) {
                Some(k) => {
                    let e = b.heads.entry(k).or_insert((NONE, 0));
                    let prev = e.0;
                    *e = (n, e.1 + 1);
                    prev
                }
                None => NONE,
            };
            b.next.push(next);
        }
        n
    }

    /// Adds a [`MatchRecord`](super::MatchRecord) under its own id.
    pub fn add_record(&mut self, record: &super::MatchRecord) -> u32 {
        self.add(record, &record.id)
    }

    /// The id of record `n`.
    pub fn id(&self, n: u32) -> &str {
        self.ids.get(n)
    }

    /// Record `n`, for comparing and scoring.
    pub fn record(&self, n: u32) -> IndexedRecord<'_> {
        IndexedRecord {
            index: self,
            record: n,
        }
    }

    /// The value of `field` of record `n`.
    pub fn value(&self, n: u32, field: Field) -> Option<&str> {
        match self.values[n as usize * Field::COUNT + field.index()] {
            NONE => None,
            v => Some(self.strings[field.index()].get(v)),
        }
    }

    pub(crate) fn value_id(&self, n: u32, field: usize) -> u32 {
        self.values[n as usize * Field::COUNT + field]
    }

    pub(crate) fn strings(&self, field: usize) -> &Interner {
        &self.strings[field]
    }

    /// The records that share a block with `record` under any rule, each once, in increasing
    /// order. Blocks above the size limit are skipped.
    pub fn candidates(&self, record: &impl Values) -> Vec<u32> {
        let mut ids = [NONE; Field::COUNT];
        for f in Field::ALL {
            if let Some(s) = record.value(f).filter(|s| !s.is_empty()) {
                // A value the index has never seen blocks with nothing.
                ids[f.index()] = self.strings[f.index()].lookup(s).unwrap_or(NONE - 1);
            }
        }
        let mut out = Vec::new();
        for b in &self.blocks {
            let Some(k) = key(&b.fields, |f| ids[f]) else {
                continue;
            };
            if b.fields.iter().any(|&f| ids[f] == NONE - 1) {
                continue;
            }
            let Some(&(head, count)) = b.heads.get(&k) else {
                continue;
            };
            if count as usize > self.max_block_size {
                continue;
            }
            let mut r = head;
            while r != NONE {
                if b.fields.iter().all(|&f| self.value_id(r, f) == ids[f]) {
                    out.push(r);
                }
                r = b.next[r as usize];
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Every candidate pair `(i, j)`, `i < j`, each once, sorted; with the set of rules (a
    /// bit per rule) that brought it. With `split = Some(n)`, only pairs with `i < n <= j`
    /// (linking records `0..n` to records `n..`).
    pub(crate) fn pairs(&self, split: Option<u32>) -> Vec<(u32, u32, u32)> {
        let mut keyed: Vec<(u64, u32)> = Vec::new();
        let mut members = Vec::new();
        for (bit, b) in self.blocks.iter().enumerate() {
            let mask = 1u32 << bit.min(31);
            for &(head, count) in b.heads.values() {
                if count < 2 || count as usize > self.max_block_size {
                    continue;
                }
                members.clear();
                let mut r = head;
                while r != NONE {
                    members.push(r);
                    r = b.next[r as usize];
                }
                members.reverse();
                // Records of one block may differ when a key (3+ fields) collided.
                for (x, &i) in members.iter().enumerate() {
                    for &j in &members[x + 1..] {
                        if let Some(n) = split {
                            if !(i < n && n <= j) {
                                continue;
                            }
                        }
                        if b.fields.len() > 2
                            && !b
                                .fields
                                .iter()
                                .all(|&f| self.value_id(i, f) == self.value_id(j, f))
                        {
                            continue;
                        }
                        keyed.push(((u64::from(i) << 32) | u64::from(j), mask));
                    }
                }
            }
        }
        keyed.sort_unstable_by_key(|p| p.0);
        let mut out: Vec<(u32, u32, u32)> = Vec::with_capacity(keyed.len());
        for (k, mask) in keyed {
            let (i, j) = ((k >> 32) as u32, k as u32);
            match out.last_mut() {
                Some(last) if last.0 == i && last.1 == j => last.2 |= mask,
                _ => out.push((i, j, mask)),
            }
        }
        out
    }
}

/// The block key of a record under a rule: `None` when a field is missing. Two fields pack
/// exactly into 64 bits; more are hashed (collisions are checked by the callers).
fn key(fields: &[usize], id: impl Fn(usize) -> u32) -> Option<u64> {
    let mut k = 0u64;
    for (n, &f) in fields.iter().enumerate() {
        let v = id(f);
        if v == NONE {
            return None;
        }
        k = match (fields.len(), n) {
            (1 | 2, _) => (k << 32) | u64::from(v),
            _ => mix(k ^ u64::from(v)),
        };
    }
    Some(k)
}

#[cfg(test)]
mod tests {
    use super::super::field::MatchRecord;
    use super::*;

    fn rec(id: &str, given: &str, surname: &str, dob: &str) -> MatchRecord {
        MatchRecord::new(id)
            .with(Field::GivenName, given)
            .with(Field::Surname, surname)
            .with(Field::DateOfBirth, dob)
    }

    #[test]
    fn interner_round_trips() {
        let mut i = Interner::default();
        let a = i.intern("smith");
        let b = i.intern("jones");
        assert_eq!(i.intern("smith"), a);
        assert_ne!(a, b);
        assert_eq!(i.get(b), "jones");
        assert_eq!(i.lookup("jones"), Some(b));
        assert_eq!(i.lookup("brown"), None);
        assert_eq!(i.len(), 2);
    }

    #[test]
    fn blocking_never_yields_all_pairs() {
        let mut index = Index::new(default_rules(), 1000);
        let names = ["ann", "bob", "cat", "dan", "eve"];
        let mut n = 0;
        for (a, g) in names.iter().enumerate() {
            for (b, s) in names.iter().enumerate() {
                let dob = format!("19{a}{b}0101");
                index.add_record(&rec(&format!("r{n}"), g, &format!("{s}son"), &dob));
                n += 1;
            }
        }
        // A duplicate of r0 with a typo in the date: blocks with r0 by name.
        index.add_record(&rec("dup", "ann", "annson", "19000102"));
        let pairs = index.pairs(None);
        let all = index.len() * (index.len() - 1) / 2;
        assert!(pairs.len() < all / 10, "{} of {all}", pairs.len());
        assert!(pairs.iter().any(|&(i, j, _)| i == 0 && j == 25));
        assert!(pairs
            .windows(2)
            .all(|w| (w[0].0, w[0].1) < (w[1].0, w[1].1)));
        assert!(pairs.iter().all(|&(i, j, m)| i < j && m != 0));
        let c = index.candidates(&rec("q", "ann", "annson", "19990101"));
        assert_eq!(c, vec![0, 25]);
        assert!(index
            .candidates(&rec("q", "zed", "zedson", "20000101"))
            .is_empty());
    }

    #[test]
    fn large_blocks_are_skipped() {
        let mut index = Index::new(vec![BlockingRule::new(&[Field::Surname])], 3);
        for n in 0..4 {
            index.add_record(&rec(&format!("s{n}"), "x", "smith", "1"));
        }
        index.add_record(&rec("j0", "x", "jones", "1"));
        index.add_record(&rec("j1", "y", "jones", "2"));
        assert_eq!(index.pairs(None).len(), 1);
        assert!(index.candidates(&rec("q", "x", "smith", "1")).is_empty());
        assert_eq!(index.candidates(&rec("q", "x", "jones", "1")), vec![4, 5]);
        // Linking 0..5 to 5..: only the cross pair (4, 5).
        assert_eq!(index.pairs(Some(5)), vec![(4, 5, 1)]);
        assert_eq!(index.pairs(Some(4)), vec![]);
    }
}
