//! Unit tests of the codec, and the proof that the hand decoder reads the format bincode wrote: for every
//! sample, fixture, truncation, bit flip and arbitrary input, it agrees exactly with bincode 2's own
//! derived decoder (kept for tests only: `#[cfg_attr(test, derive(bincode::Decode))]` on the types).

use super::*;

use core::fmt::Debug;

use proptest::prelude::*;

use crate::profile::Profile;
use crate::rules::{Rule, Value};
use crate::ruleset::Ruleset;

#[test]
fn round_trip() {
    let value = (
        7u8,
        300u32,
        String::from("de-DE"),
        Some(-2i16),
        vec![1u16, 2],
    );
    let bytes = encode(&value);
    assert_eq!(
        decode::<(u8, u32, String, Option<i16>, Vec<u16>)>(&bytes, 1024),
        Ok(value)
    );
}

#[test]
fn varint_layout_is_the_documented_one() {
    // u8 is one raw byte; wider integers are varints (< 251: one byte, 251 + u16 LE, 252 + u32 LE).
    assert_eq!(encode(&250u8), [250]);
    assert_eq!(encode(&250u32), [250]);
    assert_eq!(encode(&251u32), [251, 251, 0]);
    assert_eq!(encode(&70_000u64), [252, 0x70, 0x11, 0x01, 0x00]);
    // Signed integers are zigzagged first; strings are a varint length and UTF-8.
    assert_eq!(encode(&-1i16), [1]);
    assert_eq!(encode(&60i16), [120]);
    assert_eq!(encode(&"ab"), [2, b'a', b'b']);
    assert_eq!(encode(&Some(1u8)), [1, 1]);
    assert_eq!(encode(&[1u8, 2, 3]), [1, 2, 3]);
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = encode(&5u32);
    bytes.push(0);
    assert_eq!(
        decode::<u32>(&bytes, 1024),
        Err(CodecError::TrailingBytes { extra: 1 })
    );
}

#[test]
fn input_over_the_limit_is_refused() {
    let bytes = encode(&"x".repeat(100));
    assert_eq!(
        decode::<String>(&bytes, 50),
        Err(CodecError::LimitExceeded { limit: 50 })
    );
}

#[test]
fn huge_length_prefix_does_not_allocate() {
    // A Vec<u64> claiming 2^40 elements in 9 bytes: refused by the budget, not by the allocator.
    let bytes = [253, 0, 0, 0, 0, 0, 1, 0, 0];
    assert_eq!(
        decode::<Vec<u64>>(&bytes, 1024),
        Err(CodecError::LimitExceeded { limit: 1024 })
    );
    let strings = [253, 255, 255, 255, 255, 255, 255, 255, 127];
    assert!(decode::<String>(&strings, 1 << 30).is_err());
}

#[test]
fn garbage_is_an_error() {
    assert!(matches!(
        decode::<Option<u8>>(&[7, 1], 1024),
        Err(CodecError::Invalid(_))
    ));
    assert!(matches!(
        decode::<String>(&[2, 0xff, 0xfe], 1024),
        Err(CodecError::Invalid(_))
    ));
    assert!(matches!(
        decode::<u32>(&[], 1024),
        Err(CodecError::Invalid(_))
    ));
}

// ------------------------------------------------------------------ the hand decoder against bincode's

/// The decoder as it was before the hand decoder: bincode's `Decode` with the same budget and errors.
fn bincode_decode<T: bincode::Decode<()>>(bytes: &[u8], limit: usize) -> Result<T, CodecError> {
    use bincode::error::DecodeError;
    if bytes.len() > limit {
        return Err(CodecError::LimitExceeded { limit });
    }
    let config = config().with_limit::<DECODE_BUDGET>();
    let (value, read) = bincode::decode_from_slice(bytes, config).map_err(|err| match err {
        DecodeError::LimitExceeded => CodecError::LimitExceeded { limit },
        DecodeError::UnexpectedEnd { .. } => CodecError::Invalid("the input ends inside a value"),
        DecodeError::UnexpectedVariant { .. } => CodecError::Invalid("unknown enum variant"),
        DecodeError::Utf8 { .. } => CodecError::Invalid("a string is not UTF-8"),
        DecodeError::InvalidBooleanValue(_) => CodecError::Invalid("a boolean is neither 0 nor 1"),
        DecodeError::OutsideUsizeRange(_) | DecodeError::InvalidIntegerType { .. } => {
            CodecError::Invalid("an integer out of range")
        }
        DecodeError::Other(reason) => CodecError::Invalid(reason),
        other => panic!("a bincode error the hand decoder has no counterpart for: {other:?}"),
    })?;
    match bytes.len() - read {
        0 => Ok(value),
        extra => Err(CodecError::TrailingBytes { extra }),
    }
}

/// Decodes `bytes` with both decoders and checks that they agree exactly: the same error, or values
/// with the same encoding (bit for bit, so `NaN`s compare too). Returns the hand decoder's result.
pub(crate) fn agree<T>(bytes: &[u8], limit: usize) -> Result<T, CodecError>
where
    T: Decodable + bincode::Decode<()> + bincode::Encode + Debug,
{
    let old = bincode_decode::<T>(bytes, limit);
    let new = decode::<T>(bytes, limit);
    match (&old, &new) {
        (Ok(a), Ok(b)) => assert_eq!(encode(a), encode(b), "different values from {bytes:02x?}"),
        (Err(a), Err(b)) => assert_eq!(a, b, "different errors for {bytes:02x?}"),
        _ => panic!("bincode: {old:?}\nhand decoder: {new:?}\nfor {bytes:02x?}"),
    }
    new
}

/// [`agree`] on `bytes` and on every truncation and every single-bit flip of it.
fn agree_on_mutations<T>(bytes: &[u8], limit: usize)
where
    T: Decodable + bincode::Decode<()> + bincode::Encode + Debug,
{
    agree::<T>(bytes, limit).ok();
    for cut in 0..bytes.len() {
        assert!(agree::<T>(&bytes[..cut], limit).is_err());
    }
    let mut flipped = bytes.to_vec();
    for bit in 0..bytes.len() * 8 {
        flipped[bit / 8] ^= 1 << (bit % 8);
        agree::<T>(&flipped, limit).ok();
        flipped[bit / 8] ^= 1 << (bit % 8);
    }
}

/// The decoding limits snapshots use: 4x the default size caps.
const PROFILE_LIMIT: usize = 4 * 16_384;
const RULESET_LIMIT: usize = 4 * 262_144;

#[test]
fn the_budget_refuses_what_bincode_refused() {
    // Every element of a Vec<u64> claims 8 bytes whatever its varint takes, as does the length: the
    // largest list of zeros the 1 MiB budget admits has (2^20 - 8) / 8 elements.
    let most = (DECODE_BUDGET - 8) / 8;
    for (len, fits) in [(most, true), (most + 1, false)] {
        let bytes = encode(&vec![0u64; len]);
        assert_eq!(agree::<Vec<u64>>(&bytes, usize::MAX).is_ok(), fits);
    }
    // A string claims its length (plus 8 for the length itself).
    for (len, fits) in [(DECODE_BUDGET - 8, true), (DECODE_BUDGET - 7, false)] {
        let bytes = encode(&"x".repeat(len));
        assert_eq!(agree::<String>(&bytes, usize::MAX).is_ok(), fits);
    }
    // A count is claimed at its elements' size before any element is read.
    let mut forged = vec![252];
    forged.extend_from_slice(&1_000_000u32.to_le_bytes());
    assert_eq!(
        agree::<Vec<Profile>>(&forged, usize::MAX),
        Err(CodecError::LimitExceeded { limit: usize::MAX })
    );
    assert_eq!(
        agree::<Vec<u8>>(&forged, usize::MAX),
        Err(CodecError::Invalid("the input ends inside a value"))
    );
}

#[test]
fn varints_decode_as_bincode_did() {
    // Every marker, in every width, shortest form or not, complete or cut short.
    for marker in 245..=255u8 {
        for tail in [
            &[][..],
            &[1],
            &[1, 2],
            &[1, 2, 3, 4],
            &[1, 2, 3, 4, 5, 6, 7, 8],
            &[9; 17],
        ] {
            let mut bytes = vec![marker];
            bytes.extend_from_slice(tail);
            for cut in 0..=bytes.len() {
                let bytes = &bytes[..cut];
                agree::<u16>(bytes, 64).ok();
                agree::<u32>(bytes, 64).ok();
                agree::<u64>(bytes, 64).ok();
                agree::<i16>(bytes, 64).ok();
                agree::<i32>(bytes, 64).ok();
                agree::<i64>(bytes, 64).ok();
                agree::<usize>(bytes, 64).ok();
                agree::<String>(bytes, 64).ok();
                agree::<Vec<u8>>(bytes, 64).ok();
            }
        }
    }
    for n in [
        0u64,
        1,
        250,
        251,
        255,
        256,
        65_535,
        65_536,
        1 << 32,
        u64::MAX,
    ] {
        assert_eq!(agree::<u64>(&encode(&n), 64), Ok(n));
        assert_eq!(agree::<i64>(&encode(&(n as i64)), 64), Ok(n as i64));
        assert_eq!(agree::<i32>(&encode(&(n as i32)), 64), Ok(n as i32));
        assert_eq!(agree::<i16>(&encode(&(n as i16)), 64), Ok(n as i16));
    }
    for byte in 0..=255u8 {
        agree::<bool>(&[byte], 64).ok();
        agree::<Option<u8>>(&[byte, 7], 64).ok();
    }
}

/// [`agree`] on every variant index up to 300, followed by up to 12 bytes of payload.
pub(crate) fn agree_on_every_variant<T>()
where
    T: Decodable + bincode::Decode<()> + bincode::Encode + Debug,
{
    for index in 0..300u32 {
        for payload in [[0u8; 12], [1; 12], [3; 12]] {
            for len in 0..=payload.len() {
                let mut bytes = encode(&index);
                bytes.extend_from_slice(&payload[..len]);
                agree::<T>(&bytes, 64).ok();
            }
        }
    }
}

#[test]
fn enums_decode_as_bincode_did() {
    use crate::profile::{ConsentState, LifecycleStage, LoyaltyTier, Purpose};
    use crate::ruleset::{Margin, QuietHoursPolicy, SegmentTest};
    agree_on_every_variant::<crate::channel::Channel>();
    agree_on_every_variant::<LoyaltyTier>();
    agree_on_every_variant::<LifecycleStage>();
    agree_on_every_variant::<ConsentState>();
    agree_on_every_variant::<Purpose>();
    agree_on_every_variant::<Margin>();
    agree_on_every_variant::<QuietHoursPolicy>();
    agree_on_every_variant::<SegmentTest>();
    agree_on_every_variant::<crate::fields::Field>();
    // The rule nodes' enums: in `rules::tests`.
}

#[test]
fn deep_values_are_refused_as_bincode_refused_them() {
    // Array tag, length 1, repeated: past the depth limit.
    let bytes: Vec<u8> = core::iter::repeat_n([5u8, 1u8], 10_000).flatten().collect();
    assert_eq!(
        agree::<Value>(&bytes, usize::MAX),
        Err(CodecError::Invalid("value nested too deeply"))
    );
    // Just inside the limit: 128 nested arrays around a null.
    let mut inside: Vec<u8> = core::iter::repeat_n([5u8, 1u8], crate::rules::MAX_VALUE_DEPTH)
        .flatten()
        .collect();
    inside.push(0);
    assert!(agree::<Value>(&inside, usize::MAX).is_ok());
    for tag in 0..=255u8 {
        agree::<Value>(&[tag, 1, 0, 0, 0, 0, 0, 0, 0, 0], 64).ok();
    }
}

/// Decodes `bytes` as every document type with both decoders.
fn agree_as_every_document(bytes: &[u8]) {
    agree::<Profile>(bytes, PROFILE_LIMIT).ok();
    agree::<Ruleset>(bytes, RULESET_LIMIT).ok();
    agree::<Vec<String>>(bytes, RULESET_LIMIT).ok();
    agree::<Rule>(bytes, RULESET_LIMIT).ok();
    agree::<Value>(bytes, RULESET_LIMIT).ok();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_decode_as_bincode_did(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        agree_as_every_document(&bytes);
    }
}

/// The samples and the signed fixtures, read from the repository.
#[cfg(feature = "std")]
mod samples {
    use super::*;

    use std::path::{Path, PathBuf};

    use crate::ruleset::RulesetSource;
    use crate::snapshot::inspect;

    fn repo_path(relative: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
    }

    /// The files in a repository directory whose names end with `extension`, sorted.
    fn files(dir: &str, extension: &str) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(repo_path(dir))
            .expect("read the directory")
            .map(|entry| entry.expect("a directory entry").path())
            .filter(|path| path.to_string_lossy().ends_with(extension))
            .collect();
        out.sort();
        assert!(!out.is_empty(), "no {extension} files in {dir}");
        out
    }

    fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> T {
        let text = std::fs::read_to_string(path).expect("read the file");
        serde_json::from_str(&text).expect("parse the file")
    }

    fn sample_profiles() -> Vec<Profile> {
        files("samples/profiles", ".json")
            .iter()
            .map(|path| read_json(path))
            .collect()
    }

    fn sample_rulesets() -> Vec<Ruleset> {
        ["samples/ruleset.json", "samples/bench/ruleset-50.json"]
            .into_iter()
            .map(|path| {
                let source: RulesetSource = read_json(&repo_path(path));
                crate::ruleset::compile(&source).expect("the sample compiles")
            })
            .collect()
    }

    /// The payloads of every signed fixture.
    fn fixture_payloads() -> Vec<(PathBuf, Vec<u8>)> {
        let mut paths = files("tests/fixtures/decisions", ".snap");
        paths.extend(files("tests/fixtures/snapshots", ".bin"));
        paths
            .into_iter()
            .filter_map(|path| {
                let bytes = std::fs::read(&path).expect("read the fixture");
                let (_, payload) = inspect(&bytes).ok()?;
                Some((path, payload.to_vec()))
            })
            .collect()
    }

    #[test]
    fn sample_profiles_decode_as_bincode_did() {
        for profile in sample_profiles() {
            let bytes = encode(&profile);
            assert_eq!(agree::<Profile>(&bytes, PROFILE_LIMIT), Ok(profile));
            agree_on_mutations::<Profile>(&bytes, PROFILE_LIMIT);
        }
    }

    #[test]
    fn sample_rulesets_decode_as_bincode_did() {
        for ruleset in sample_rulesets() {
            let bytes = encode(&ruleset);
            let decoded = agree::<Ruleset>(&bytes, RULESET_LIMIT).expect("decodes");
            assert_eq!(encode(&decoded), bytes);
            assert_eq!(decoded, ruleset);
            agree_on_mutations::<Ruleset>(&bytes, RULESET_LIMIT);
        }
    }

    #[test]
    fn fixture_payloads_decode_as_bincode_did() {
        let fixtures = fixture_payloads();
        assert!(fixtures.len() > 20, "fixtures found: {}", fixtures.len());
        for (path, payload) in fixtures {
            let profile = agree::<Profile>(&payload, PROFILE_LIMIT);
            let ruleset = agree::<Ruleset>(&payload, RULESET_LIMIT);
            let strings = agree::<Vec<String>>(&payload, RULESET_LIMIT);
            // Every fixture payload is a document (the golden ruleset payloads are the placeholder list of
            // strings; one of them is relabelled as a profile).
            let decoded = profile.is_ok() || ruleset.is_ok() || strings.is_ok();
            assert!(decoded, "{} does not decode", path.display());
            agree_on_mutations::<Profile>(&payload, PROFILE_LIMIT);
            agree_on_mutations::<Ruleset>(&payload, RULESET_LIMIT);
            agree_on_mutations::<Vec<String>>(&payload, RULESET_LIMIT);
        }
    }

    /// `payload` behind a string of `pad` bytes, which claims `8 + pad` of the budget.
    fn padded(pad: usize, payload: &[u8]) -> Vec<u8> {
        let mut out = encode(&"x".repeat(pad));
        out.extend_from_slice(payload);
        out
    }

    /// Finds the tightest budget under which bincode still decodes `payload` (by padding it with a
    /// string that takes up the rest of the budget), and checks that the hand decoder decodes it there
    /// and refuses it one byte tighter, also when cut short anywhere.
    fn agree_on_the_budget_edge<T>(payload: &[u8])
    where
        T: Decodable + bincode::Decode<()> + bincode::Encode + Debug,
    {
        let fits = |pad| bincode_decode::<(String, T)>(&padded(pad, payload), usize::MAX).is_ok();
        let (mut lo, mut hi) = (0, DECODE_BUDGET);
        assert!(fits(lo) && !fits(hi));
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        for (pad, fits) in [(lo, true), (hi, false)] {
            let bytes = padded(pad, payload);
            assert_eq!(agree::<(String, T)>(&bytes, usize::MAX).is_ok(), fits);
            for cut in bytes.len() - payload.len()..bytes.len() {
                assert!(agree::<(String, T)>(&bytes[..cut], usize::MAX).is_err());
            }
        }
    }

    #[test]
    fn samples_meet_the_budget_where_bincode_did() {
        for profile in sample_profiles() {
            agree_on_the_budget_edge::<Profile>(&encode(&profile));
        }
        for ruleset in sample_rulesets() {
            agree_on_the_budget_edge::<Ruleset>(&encode(&ruleset));
        }
    }

    /// Payloads to mutate in the property tests: the sample profiles and rulesets.
    fn seeds() -> &'static [Vec<u8>] {
        static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
        SEEDS.get_or_init(|| {
            let profiles = sample_profiles().into_iter().map(|p| encode(&p));
            let rulesets = sample_rulesets().into_iter().map(|r| encode(&r));
            profiles.chain(rulesets).collect()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn rewritten_payloads_decode_as_bincode_did(
            seed in any::<prop::sample::Index>(),
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
        ) {
            let seeds = seeds();
            let mut bytes = seeds[seed.index(seeds.len())].clone();
            for (at, value, how) in edits {
                let at = at.index(bytes.len() + 1);
                match how {
                    0 if at < bytes.len() => bytes[at] = value,
                    1 => bytes.insert(at, value),
                    _ if at < bytes.len() => {
                        bytes.remove(at);
                    }
                    _ => bytes.push(value),
                }
            }
            agree_as_every_document(&bytes);
        }
    }
}
