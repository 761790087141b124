//! Trusted public keys as bytes, and the rules a key must pass before anything is verified with it, the
//! same on every runtime: natively before ed25519-dalek uses it, in JavaScript hosts before WebCrypto
//! imports it (WebCrypto implementations differ on small-order keys: BoringSSL accepts them).

use crate::prelude::*;

use super::SnapshotError;
#[cfg(not(target_arch = "wasm32"))]
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
#[cfg(not(target_arch = "wasm32"))]
use base64::Engine;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Length of an Ed25519 public key in bytes.
pub const PUBLIC_KEY_LEN: usize = 32;

/// Length of a key id in bytes.
pub const KEY_ID_LEN: usize = 8;

/// The encodings of the eight points of small order (canonical, and the two with `x = 0` whose sign bit is
/// set). A signature "verifies" under such a key for many messages, so none is ever trusted. Encodings
/// with `y >= p` (non-canonical) are refused separately.
const SMALL_ORDER: [[u8; PUBLIC_KEY_LEN]; 10] = [
    // order 1: (0, 1), and with the sign bit
    hex32(b"0100000000000000000000000000000000000000000000000000000000000000"),
    hex32(b"0100000000000000000000000000000000000000000000000000000000000080"),
    // order 2: (0, -1), and with the sign bit
    hex32(b"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    hex32(b"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"),
    // order 4: (±sqrt(-1), 0)
    hex32(b"0000000000000000000000000000000000000000000000000000000000000000"),
    hex32(b"0000000000000000000000000000000000000000000000000000000000000080"),
    // order 8
    hex32(b"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05"),
    hex32(b"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85"),
    hex32(b"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    hex32(b"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"),
];

const fn hex32(text: &[u8; 64]) -> [u8; PUBLIC_KEY_LEN] {
    const fn nibble(c: u8) -> u8 {
        match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => panic!("not lower-case hex"),
        }
    }
    let mut out = [0u8; PUBLIC_KEY_LEN];
    let mut i = 0;
    while i < PUBLIC_KEY_LEN {
        out[i] = (nibble(text[2 * i]) << 4) | nibble(text[2 * i + 1]);
        i += 1;
    }
    out
}

/// Whether the y coordinate of an encoded point is at least p = 2^255 - 19 (a non-canonical encoding).
fn is_non_canonical(bytes: &[u8; PUBLIC_KEY_LEN]) -> bool {
    let [first, middle @ .., last] = bytes;
    (*last & 0x7f) == 0x7f && middle.iter().all(|b| *b == 0xff) && *first >= 0xed
}

/// An Ed25519 public key that passed [`PublicKey::from_bytes`]: canonical and not of small order. (Whether
/// it is a point of the curve at all is checked where the curve arithmetic is: natively by ed25519-dalek
/// when a [`super::Keyring`] is built; under WebCrypto, a key that is not a point verifies nothing.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicKey([u8; PUBLIC_KEY_LEN]);

impl PublicKey {
    /// Checks 32 raw bytes against the key rules.
    pub fn from_bytes(bytes: &[u8; PUBLIC_KEY_LEN]) -> Result<PublicKey, SnapshotError> {
        if is_non_canonical(bytes) {
            return Err(SnapshotError::InvalidKey {
                reason: "non-canonical encoding",
            });
        }
        if SMALL_ORDER.contains(bytes) {
            return Err(SnapshotError::InvalidKey {
                reason: "weak key (small order)",
            });
        }
        Ok(PublicKey(*bytes))
    }

    /// Parses a key written as 64 hex digits or as base64url (43 characters, padding optional) and checks
    /// it (see [`PublicKey::from_bytes`]).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn parse(text: &str) -> Result<PublicKey, SnapshotError> {
        let text = text.trim();
        let bytes = if text.len() == 2 * PUBLIC_KEY_LEN {
            decode_hex::<PUBLIC_KEY_LEN>(text).ok_or(SnapshotError::InvalidKey {
                reason: "64 characters but not hex",
            })?
        } else {
            let decoded = URL_SAFE_NO_PAD
                .decode(text.trim_end_matches('='))
                .map_err(|_| SnapshotError::InvalidKey {
                    reason: "neither 64 hex digits nor base64url",
                })?;
            <[u8; PUBLIC_KEY_LEN]>::try_from(decoded.as_slice()).map_err(|_| {
                SnapshotError::InvalidKey {
                    reason: "not 32 bytes",
                }
            })?
        };
        PublicKey::from_bytes(&bytes)
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; PUBLIC_KEY_LEN] {
        &self.0
    }

    /// The key as 64 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        encode_hex(&self.0)
    }

    /// The key as base64url without padding (43 characters).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

/// A short fingerprint of an Ed25519 public key: the first 8 bytes of SHA-512 of its 32 bytes. Written as
/// 16 lower-case hex digits. In a snapshot header it is only a hint of which key signed; trust comes from
/// the signature alone. (Natively [`KeyId::of`] computes it; JavaScript hosts compute it with WebCrypto.)
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; KEY_ID_LEN]);

impl KeyId {
    /// Parses 16 hex digits.
    pub fn from_hex(text: &str) -> Option<KeyId> {
        decode_hex::<KEY_ID_LEN>(text).map(KeyId)
    }

    /// The 16 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        encode_hex(&self.0)
    }
}

impl core::fmt::Display for KeyId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl core::fmt::Debug for KeyId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl Serialize for KeyId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for KeyId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        KeyId::from_hex(&text).ok_or_else(|| serde::de::Error::custom("a key id is 16 hex digits"))
    }
}

/// The order in which trusted keys are tried on a signature, the same wherever the check runs: the key the
/// header's key id names first, then every other trusted key; and the error when none verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignerSearch {
    hint: KeyId,
    hinted: Option<usize>,
    len: usize,
}

impl SignerSearch {
    /// The search over trusted keys with ids `ids` (in trust order) for a snapshot whose header names `hint`.
    pub fn new(ids: impl ExactSizeIterator<Item = KeyId>, hint: KeyId) -> SignerSearch {
        let len = ids.len();
        let mut ids = ids;
        let hinted = ids.position(|id| id == hint);
        SignerSearch { hint, hinted, len }
    }

    /// The index of the key the header names, if it is trusted.
    pub fn hinted(&self) -> Option<usize> {
        self.hinted
    }

    /// The indexes of the trusted keys in the order to try them.
    pub fn indexes(&self) -> impl Iterator<Item = usize> {
        let hinted = self.hinted;
        hinted
            .into_iter()
            .chain((0..self.len).filter(move |index| Some(*index) != hinted))
    }

    /// Why the snapshot is refused when no trusted key verifies it: [`SnapshotError::Tampered`] if the key
    /// its header names is trusted (the bytes changed), else [`SnapshotError::UnknownKey`].
    pub fn none_verified(&self) -> SnapshotError {
        match self.hinted {
            Some(_) => SnapshotError::Tampered,
            None => SnapshotError::UnknownKey { key_id: self.hint },
        }
    }
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg_attr(target_arch = "wasm32", allow(dead_code))]
fn decode_hex<const N: usize>(text: &str) -> Option<[u8; N]> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    let text = text.as_bytes();
    if text.len() != N.checked_mul(2)? {
        return None;
    }
    let mut out = [0u8; N];
    for (byte, pair) in out.iter_mut().zip(text.chunks_exact(2)) {
        let [high, low] = pair else { return None };
        *byte = (nibble(*high)? << 4) | nibble(*low)?;
    }
    Some(out)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use ed25519_dalek::{SigningKey, VerifyingKey};

    #[test]
    fn every_listed_encoding_is_small_order_for_dalek() {
        for bytes in SMALL_ORDER {
            // Each is a point ed25519-dalek decodes and calls weak (small order).
            let key = VerifyingKey::from_bytes(&bytes).expect("a point");
            assert!(key.is_weak(), "{}", encode_hex(&bytes));
            assert!(PublicKey::from_bytes(&bytes).is_err());
        }
    }

    #[test]
    fn non_canonical_encodings_are_refused() {
        // y = p + k for k in 0..19 (2^255 - 19 + k < 2^255), with and without the sign bit.
        for k in 0u8..19 {
            let mut bytes = [0xffu8; 32];
            bytes[0] = 0xed + k;
            bytes[31] = 0x7f;
            assert_eq!(
                PublicKey::from_bytes(&bytes).unwrap_err().code(),
                "invalid_key"
            );
            bytes[31] = 0xff;
            assert_eq!(
                PublicKey::from_bytes(&bytes).unwrap_err().code(),
                "invalid_key"
            );
        }
        // y = p - 1 is canonical (it is the order-2 point, refused as weak); p - 2 is an ordinary value.
        let mut below = [0xffu8; 32];
        below[0] = 0xeb;
        below[31] = 0x7f;
        assert!(!is_non_canonical(&below));
    }

    #[test]
    fn ordinary_keys_pass() {
        for seed in 0u8..=255 {
            let key = SigningKey::from_bytes(&[seed; 32]).verifying_key();
            let checked = PublicKey::from_bytes(key.as_bytes()).expect("an ordinary key");
            assert_eq!(PublicKey::parse(&checked.to_hex()), Ok(checked));
            assert_eq!(PublicKey::parse(&checked.to_base64url()), Ok(checked));
        }
    }
}
