//! Comparison functions: two values of a field to a comparison level.

use super::field::{Kind, EXACT_LEVEL, NULL_LEVEL};

/// The lowest Jaro–Winkler level of text fields; below it, "else".
pub(crate) const JARO_WINKLER_LOWEST: f64 = 0.88;

/// Compares two values of a field of `kind`; returns an index into that kind's levels.
pub(crate) fn compare(kind: Kind, a: Option<&str>, b: Option<&str>) -> u8 {
    let (Some(a), Some(b)) = (a, b) else {
        return NULL_LEVEL;
    };
    if a.is_empty() || b.is_empty() {
        return NULL_LEVEL;
    }
    if a == b {
        return EXACT_LEVEL;
    }
    compare_different(kind, a, b)
}

/// Level of two present values known to differ.
pub(crate) fn compare_different(kind: Kind, a: &str, b: &str) -> u8 {
    match kind {
        Kind::Text => {
            if jaro_winkler_bound(a, b) < JARO_WINKLER_LOWEST {
                return 4;
            }
            let s = jaro_winkler(a, b);
            if s >= 0.92 {
                2
            } else if s >= JARO_WINKLER_LOWEST {
                3
            } else {
                4
            }
        }
        Kind::Date => {
            if date_transposed(a, b) {
                2
            } else {
                3
            }
        }
        Kind::Postcode => {
            if same_prefix(a, b, 3) {
                2
            } else {
                3
            }
        }
        Kind::Identifier => {
            if within_one_edit(a, b) {
                2
            } else {
                3
            }
        }
        Kind::Exact => 2,
    }
}

fn same_prefix(a: &str, b: &str, n: usize) -> bool {
    let (mut ca, mut cb) = (a.chars(), b.chars());
    for _ in 0..n {
        match (ca.next(), cb.next()) {
            (Some(x), Some(y)) if x == y => {}
            _ => return false,
        }
    }
    true
}

/// Damerau–Levenshtein (optimal string alignment) distance at most 1, without a matrix.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        within_one_edit_slice(a.as_bytes(), b.as_bytes())
    } else {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        within_one_edit_slice(&a, &b)
    }
}

fn within_one_edit_slice<T: PartialEq>(a: &[T], b: &[T]) -> bool {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > 1 {
        return false;
    }
    let p = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    if p == la && p == lb {
        return true;
    }
    let (ra, rb) = (&a[p..], &b[p..]);
    if la == lb {
        // One substitution, or one adjacent transposition.
        ra[1..] == rb[1..]
            || (ra.len() >= 2 && ra[0] == rb[1] && ra[1] == rb[0] && ra[2..] == rb[2..])
    } else if la > lb {
        ra[1..] == *rb
    } else {
        *ra == rb[1..]
    }
}

/// An upper bound of the Jaro–Winkler similarity of two ASCII strings, cheaper than the
/// similarity itself: the matching characters counted without the Jaro window, without
/// transpositions (1.0 when the strings are not short ASCII, meaning "no bound").
fn jaro_winkler_bound(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii() && x.len() <= 64 && y.len() <= 64)
        || x.is_empty()
        || y.is_empty()
    {
        return 1.0;
    }
    let mut counts = [0u8; 128];
    for &c in x {
        counts[c as usize] += 1;
    }
    let mut matches = 0usize;
    for &c in y {
        let k = &mut counts[c as usize];
        if *k > 0 {
            *k -= 1;
            matches += 1;
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let m = matches as f64;
    // The same expression as Jaro with no transposition (m / m = 1), so equal when the bound is exact.
    let sim = (m / x.len() as f64 + m / y.len() as f64 + 1.0) / 3.0;
    if sim > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// A summary of the characters of a string, from which an upper bound of the Jaro–Winkler
/// similarity of two strings is computed with a few bit operations: bytes are put in 64
/// buckets (`byte & 63`), and per bucket the planes say whether it holds at least one, two,
/// three bytes; the bytes past the third of a bucket are counted in `excess`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Bag {
    planes: [u64; 3],
    /// Length in bytes; 0 when there is no bound (empty, non-ASCII or longer than 64).
    len: u16,
    excess: u16,
}

impl Bag {
    pub(crate) fn of(s: &str) -> Bag {
        if !s.is_ascii() || s.is_empty() || s.len() > 64 {
            return Bag::default();
        }
        let mut counts = [0u8; 64];
        for b in s.bytes() {
            counts[(b & 63) as usize] += 1;
        }
        let mut bag = Bag {
            len: s.len() as u16,
            ..Bag::default()
        };
        for (i, &c) in counts.iter().enumerate() {
            for (k, plane) in bag.planes.iter_mut().enumerate() {
                if c as usize > k {
                    *plane |= 1 << i;
                }
            }
            bag.excess += u16::from(c.saturating_sub(3));
        }
        bag
    }

    /// Whether the Jaro–Winkler similarity of the two strings is certainly below `threshold`
    /// (whatever their common prefix).
    pub(crate) fn below(self, other: Bag, threshold: f64) -> bool {
        if self.len == 0 || other.len == 0 {
            return false;
        }
        let common = (0..3)
            .map(|k| (self.planes[k] & other.planes[k]).count_ones())
            .sum::<u32>()
            + u32::from(self.excess.min(other.excess));
        let m = f64::from(common.min(u32::from(self.len.min(other.len))));
        if m == 0.0 {
            return true;
        }
        let sim = (m / f64::from(self.len) + m / f64::from(other.len) + 1.0) / 3.0;
        let bound = if sim > 0.7 {
            sim + 0.4 * (1.0 - sim)
        } else {
            sim
        };
        bound < threshold - 1e-12
    }
}

/// The digits of a string, on the stack (`None` past 32 digits).
fn digits(s: &str) -> Option<([u8; 32], usize)> {
    let mut out = [0u8; 32];
    let mut n = 0;
    for b in s.bytes().filter(u8::is_ascii_digit) {
        *out.get_mut(n)? = b;
        n += 1;
    }
    Some((out, n))
}

/// Dates one edit apart (a typo, an adjacent swap), or with day and month swapped.
fn date_transposed(a: &str, b: &str) -> bool {
    let (Some((da, la)), Some((db, lb))) = (digits(a), digits(b)) else {
        return within_one_edit(a, b);
    };
    let (da, db) = (&da[..la], &db[..lb]);
    if da.is_empty() || db.is_empty() {
        return within_one_edit(a, b);
    }
    if da == db || within_one_edit_slice(da, db) {
        return true;
    }
    // YYYYMMDD with MM and DD swapped.
    da.len() == 8
        && db.len() == 8
        && da[..4] == db[..4]
        && da[4..6] == db[6..8]
        && da[6..8] == db[4..6]
}

/// Jaro–Winkler similarity (prefix scale 0.1, up to 4 characters, boost above 0.7), the
/// same as `strsim::jaro_winkler`; a fast path for ASCII strings of at most 64 bytes.
pub fn jaro_winkler(a: &str, b: &str) -> f64 {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    if !(a.is_ascii() && b.is_ascii() && x.len() <= 64 && y.len() <= 64) {
        return strsim::jaro_winkler(a, b);
    }
    let sim = jaro_ascii(x, y);
    if sim > 0.7 {
        let prefix = x.iter().zip(y).take(4).take_while(|(p, q)| p == q).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

fn jaro_ascii(a: &[u8], b: &[u8]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    }
    if la == 0 || lb == 0 {
        return 0.0;
    }
    let range = (la.max(lb) / 2).saturating_sub(1);
    let (mut fa, mut fb) = (0u64, 0u64);
    let mut matches = 0usize;
    for (i, &c) in a.iter().enumerate() {
        let lo = i.saturating_sub(range);
        let hi = (i + range + 1).min(lb);
        for (j, &d) in b.iter().enumerate().take(hi).skip(lo) {
            if c == d && fb & (1 << j) == 0 {
                fa |= 1 << i;
                fb |= 1 << j;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0usize;
    for (i, &c) in a.iter().enumerate() {
        if fa & (1 << i) != 0 {
            while fb & (1 << j) == 0 {
                j += 1;
            }
            if c != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    let t = transpositions / 2;
    let m = matches as f64;
    (m / la as f64 + m / lb as f64 + (matches - t) as f64 / m) / 3.0
}

#[cfg(test)]
mod tests {
    use super::super::field::Field;
    use super::*;

    fn level(f: Field, a: &str, b: &str) -> &'static str {
        f.levels()[f.compare(Some(a), Some(b)) as usize]
    }

    #[test]
    fn jaro_winkler_matches_strsim() {
        let words = [
            "",
            "a",
            "martha",
            "marhta",
            "dwayne",
            "duane",
            "dixon",
            "dicksonx",
            "jones",
            "johnson",
            "mitchell",
            "michell",
            "green",
            "greene",
            "wallaby place",
            "wallaby pl",
            "abcdefghij",
            "jihgfedcba",
            "aaaa",
            "aaab",
            "crate",
            "trace",
            "xyz",
            "zyx",
            "delmar",
            "cleveland",
        ];
        for a in words {
            for b in words {
                let (ours, theirs) = (jaro_winkler(a, b), strsim::jaro_winkler(a, b));
                assert!(
                    (ours - theirs).abs() < 1e-12,
                    "{a:?} {b:?}: {ours} vs {theirs}"
                );
            }
        }
        for a in words {
            for b in words {
                assert!(
                    jaro_winkler_bound(a, b) >= jaro_winkler(a, b),
                    "{a:?} {b:?}"
                );
            }
        }
        for a in words {
            for b in words {
                if Bag::of(a).below(Bag::of(b), 0.88) {
                    assert!(jaro_winkler(a, b) < 0.88, "{a:?} {b:?}");
                }
            }
        }
        assert!(Bag::of("smith").below(Bag::of("jones"), 0.88));
        assert!(!Bag::of("martha").below(Bag::of("marhta"), 0.88));
        // Non-ASCII falls back to strsim.
        assert_eq!(
            jaro_winkler("zoë", "zoe"),
            strsim::jaro_winkler("zoë", "zoe")
        );
    }

    #[test]
    fn null_levels() {
        for f in Field::ALL {
            assert_eq!(f.compare(None, Some("x")), NULL_LEVEL);
            assert_eq!(f.compare(Some("x"), None), NULL_LEVEL);
            assert_eq!(f.compare(None, None), NULL_LEVEL);
            assert_eq!(f.compare(Some(""), Some("")), NULL_LEVEL);
            assert_eq!(f.compare(Some("x1"), Some("x1")), EXACT_LEVEL);
        }
    }

    #[test]
    fn text_levels() {
        let f = Field::Surname;
        assert_eq!(level(f, "smith", "smith"), "exact");
        // jw(martha, marhta) = 0.961
        assert_eq!(level(f, "martha", "marhta"), "jaro_winkler_0.92");
        // jw(dwayne, duane) = 0.84; jw(jones, johnson) = 0.832
        assert_eq!(level(f, "dwayne", "duane"), "else");
        // jw(mitchell, michelle) ~ 0.9
        let s = jaro_winkler("green", "greaney");
        assert!((0.88..0.92).contains(&s), "{s}");
        assert_eq!(level(f, "green", "greaney"), "jaro_winkler_0.88");
        assert_eq!(level(f, "green", "smith"), "else");
    }

    #[test]
    fn date_levels() {
        let f = Field::DateOfBirth;
        assert_eq!(level(f, "19560409", "19560409"), "exact");
        assert_eq!(level(f, "19560409", "19560904"), "transposed"); // day-month swap
        assert_eq!(level(f, "19560409", "19650409"), "transposed"); // adjacent digits
        assert_eq!(level(f, "19560409", "19560408"), "transposed"); // one typo
        assert_eq!(level(f, "1956-04-09", "1956-09-04"), "transposed");
        assert_eq!(level(f, "19560409", "19561231"), "else");
        assert_eq!(level(f, "19560409", "19650408"), "else");
    }

    #[test]
    fn postcode_levels() {
        let f = Field::Postcode;
        assert_eq!(level(f, "2119", "2119"), "exact");
        assert_eq!(level(f, "2119", "2118"), "prefix_3");
        assert_eq!(level(f, "sw1a 1aa", "sw1 2bb"), "prefix_3");
        assert_eq!(level(f, "2119", "2219"), "else");
        assert_eq!(level(f, "21", "21x"), "else");
    }

    #[test]
    fn identifier_levels() {
        let f = Field::ExternalId;
        assert_eq!(level(f, "1804974", "1804974"), "exact");
        assert_eq!(level(f, "1804974", "1809974"), "damerau_levenshtein_1");
        assert_eq!(level(f, "1804974", "1809474"), "damerau_levenshtein_1");
        assert_eq!(level(f, "1804974", "180974"), "damerau_levenshtein_1");
        assert_eq!(level(f, "1804974", "18049741"), "damerau_levenshtein_1");
        assert_eq!(level(f, "1804974", "1904975"), "else");
        assert_eq!(level(Field::Email, "a@x.org", "b@x.org"), "else");
        assert_eq!(level(Field::StreetNumber, "7", "17"), "else");
    }

    #[test]
    fn one_edit_agrees_with_osa() {
        let words = [
            "", "a", "ab", "ba", "abc", "acb", "abcd", "abdc", "xbcd", "abd", "bcd", "dcba",
        ];
        for a in words {
            for b in words {
                assert_eq!(
                    within_one_edit(a, b),
                    strsim::osa_distance(a, b) <= 1,
                    "{a:?} {b:?}"
                );
            }
        }
    }
}
