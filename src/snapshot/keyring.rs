//! Trusted public keys, several at once so that keys can be rotated without an outage (native builds:
//! the signature check itself is ed25519-dalek's).

use crate::prelude::*;

use super::key::{encode_hex, KeyId, PublicKey, SignerSearch, KEY_ID_LEN};
use super::{Opened, SnapshotError};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ed25519_dalek::{Signature, VerifyingKey, PUBLIC_KEY_LENGTH};
use sha2::{Digest, Sha512};

impl KeyId {
    /// The key id of a public key.
    pub fn of(key: &VerifyingKey) -> KeyId {
        let digest = Sha512::digest(key.as_bytes());
        let mut id = [0u8; KEY_ID_LEN];
        for (out, byte) in id.iter_mut().zip(digest.iter()) {
            *out = *byte;
        }
        KeyId(id)
    }
}

/// Parses an Ed25519 public key written as 64 hex digits or as base64url (43 characters, padding
/// optional), and checks it is usable (canonical, a valid point, not of small order).
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, SnapshotError> {
    PublicKey::parse(text).and_then(|key| public_key_from_bytes(key.as_bytes()))
}

/// Checks 32 raw bytes are a usable Ed25519 public key (canonical, a valid point, not of small order).
pub fn public_key_from_bytes(
    bytes: &[u8; PUBLIC_KEY_LENGTH],
) -> Result<VerifyingKey, SnapshotError> {
    PublicKey::from_bytes(bytes)?;
    let key = VerifyingKey::from_bytes(bytes).map_err(|_| SnapshotError::InvalidKey {
        reason: "not a valid Ed25519 point",
    })?;
    if key.is_weak() {
        return Err(SnapshotError::InvalidKey {
            reason: "weak key (small order)",
        });
    }
    Ok(key)
}

/// A public key as 64 lower-case hex digits.
pub fn public_key_to_hex(key: &VerifyingKey) -> String {
    encode_hex(key.as_bytes())
}

/// A public key as base64url without padding (43 characters).
pub fn public_key_to_base64url(key: &VerifyingKey) -> String {
    URL_SAFE_NO_PAD.encode(key.as_bytes())
}

/// The public keys a verifier trusts. During a rotation it holds the old and the new key; a snapshot is
/// accepted if any of them verifies it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keyring {
    keys: Vec<(KeyId, VerifyingKey)>,
}

impl Keyring {
    /// An empty keyring (it verifies nothing).
    pub fn new() -> Keyring {
        Keyring::default()
    }

    /// A keyring trusting these keys.
    pub fn from_keys(keys: impl IntoIterator<Item = VerifyingKey>) -> Keyring {
        let mut ring = Keyring::new();
        for key in keys {
            ring.add(key);
        }
        ring
    }

    /// A keyring from keys written as hex or base64url (see [`parse_public_key`]).
    pub fn from_strs<'a>(
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<Keyring, SnapshotError> {
        let mut ring = Keyring::new();
        for key in keys {
            ring.add_str(key)?;
        }
        Ok(ring)
    }

    /// Trusts a key and returns its key id. Adding a key twice has no effect.
    pub fn add(&mut self, key: VerifyingKey) -> KeyId {
        let id = KeyId::of(&key);
        if !self.keys.iter().any(|(_, k)| *k == key) {
            self.keys.push((id, key));
        }
        id
    }

    /// Trusts a key given as 32 raw bytes.
    pub fn add_bytes(&mut self, bytes: &[u8; PUBLIC_KEY_LENGTH]) -> Result<KeyId, SnapshotError> {
        public_key_from_bytes(bytes).map(|key| self.add(key))
    }

    /// Trusts a key given as hex or base64url (see [`parse_public_key`]).
    pub fn add_str(&mut self, text: &str) -> Result<KeyId, SnapshotError> {
        parse_public_key(text).map(|key| self.add(key))
    }

    /// Stops trusting the key(s) with this id; whether any was removed.
    pub fn remove(&mut self, id: &KeyId) -> bool {
        let before = self.keys.len();
        self.keys.retain(|(k, _)| k != id);
        self.keys.len() != before
    }

    /// Whether a key with this id is trusted.
    pub fn contains(&self, id: &KeyId) -> bool {
        self.keys.iter().any(|(k, _)| k == id)
    }

    /// The ids of the trusted keys, in the order they were added.
    pub fn key_ids(&self) -> impl Iterator<Item = KeyId> + '_ {
        self.keys.iter().map(|(id, _)| *id)
    }

    /// Number of trusted keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is trusted.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Verifies the signature of an opened snapshot over its signed message (see [`Keyring::verify`]).
    pub fn verify_opened(&self, opened: &Opened<'_>) -> Result<KeyId, SnapshotError> {
        self.verify(
            opened.header.key_id,
            &opened.message(),
            &Signature::from_bytes(opened.signature()),
        )
    }

    /// Verifies `signature` over `message` (strict Ed25519): the key named by `hint` first, then every other
    /// trusted key. Returns the id of the key that verified. When none does: [`SnapshotError::Tampered`] if
    /// the hinted key is trusted, else [`SnapshotError::UnknownKey`].
    pub(crate) fn verify(
        &self,
        hint: KeyId,
        message: &[u8],
        signature: &Signature,
    ) -> Result<KeyId, SnapshotError> {
        let order = SignerSearch::new(self.keys.iter().map(|(id, _)| *id), hint);
        for index in order.indexes() {
            if let Some((id, key)) = self.keys.get(index) {
                if key.verify_strict(message, signature).is_ok() {
                    return Ok(*id);
                }
            }
        }
        Err(order.none_verified())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    #[test]
    fn key_strings_round_trip() {
        let public = key(1).verifying_key();
        assert_eq!(parse_public_key(&public_key_to_hex(&public)), Ok(public));
        assert_eq!(
            parse_public_key(&public_key_to_base64url(&public)),
            Ok(public)
        );
        let padded = format!("{}=", public_key_to_base64url(&public));
        assert_eq!(parse_public_key(&padded), Ok(public));
        assert_eq!(
            parse_public_key(&public_key_to_hex(&public).to_uppercase()),
            Ok(public)
        );
    }

    #[test]
    fn bad_key_strings_are_invalid_key() {
        for text in [
            "",
            "zz",
            &"g".repeat(64),
            &"A".repeat(40),
            "é".repeat(32).as_str(),
        ] {
            let err = parse_public_key(text).unwrap_err();
            assert_eq!(err.code(), "invalid_key", "{text:?}");
        }
        // The identity point is a valid encoding but of small order.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert_eq!(
            public_key_from_bytes(&identity),
            Err(SnapshotError::InvalidKey {
                reason: "weak key (small order)"
            })
        );
    }

    #[test]
    fn key_id_is_a_sha512_prefix_in_hex() {
        let public = key(1).verifying_key();
        let id = KeyId::of(&public);
        let digest = Sha512::digest(public.as_bytes());
        assert_eq!(id.0.as_slice(), &digest[..KEY_ID_LEN]);
        assert_eq!(KeyId::from_hex(&id.to_hex()), Some(id));
        assert_eq!(id.to_string().len(), 16);
        assert_eq!(KeyId::from_hex("0011"), None);
    }

    #[test]
    fn ring_tries_the_hint_then_the_others() {
        let (old, new, stranger) = (key(1), key(2), key(3));
        let ring = Keyring::from_keys([old.verifying_key(), new.verifying_key()]);
        assert_eq!(ring.len(), 2);
        let message = b"message";
        let by_new = new.sign(message);
        let new_id = KeyId::of(&new.verifying_key());
        let old_id = KeyId::of(&old.verifying_key());
        let stranger_id = KeyId::of(&stranger.verifying_key());
        assert_eq!(ring.verify(new_id, message, &by_new), Ok(new_id));
        // A wrong (but trusted) hint still verifies with the right key.
        assert_eq!(ring.verify(old_id, message, &by_new), Ok(new_id));
        assert_eq!(ring.verify(stranger_id, message, &by_new), Ok(new_id));
        let by_stranger = stranger.sign(message);
        assert_eq!(
            ring.verify(stranger_id, message, &by_stranger),
            Err(SnapshotError::UnknownKey {
                key_id: stranger_id
            })
        );
        assert_eq!(
            ring.verify(old_id, message, &by_stranger),
            Err(SnapshotError::Tampered)
        );
        assert_eq!(
            Keyring::new().verify(old_id, message, &by_new),
            Err(SnapshotError::UnknownKey { key_id: old_id })
        );
    }

    #[test]
    fn ring_add_remove() {
        let mut ring = Keyring::new();
        assert!(ring.is_empty());
        let id = ring.add(key(1).verifying_key());
        assert_eq!(ring.add(key(1).verifying_key()), id);
        assert_eq!(ring.len(), 1);
        let hex = public_key_to_hex(&key(2).verifying_key());
        let id2 = ring.add_str(&hex).unwrap();
        assert_eq!(ring.key_ids().collect::<Vec<_>>(), [id, id2]);
        assert!(ring.remove(&id));
        assert!(!ring.contains(&id) && ring.contains(&id2));
        assert!(!ring.remove(&id));
        let from_strs = Keyring::from_strs([hex.as_str()]).unwrap();
        assert_eq!(from_strs.key_ids().collect::<Vec<_>>(), [id2]);
        assert!(Keyring::from_strs(["nope"]).is_err());
    }
}
