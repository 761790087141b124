//! Key files: a secret signing key per file, and the public keyring as JSON.
//!
//! - `<dir>/<key-id>.secret`: the 32-byte Ed25519 seed, hex, one line, file mode 0600. Never commit it.
//! - `<dir>/keyring.json`: `{"keys": [{"kid": "...", "public_key": "<hex>", "status": "active"}]}`, the
//!   public keys edges trust (safe to publish).

use crate::io::FileError;
use ed25519_dalek::{SigningKey, VerifyingKey};
use persona_edge::snapshot::{parse_public_key, public_key_to_hex, KeyId, Keyring, SnapshotError};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A key folder, key file or key argument that is not usable.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A key file or the keyring could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A secret key file does not hold 64 hex digits.
    #[error("{}: not a 32-byte hex secret key", path.display())]
    MalformedSecret {
        /// The file.
        path: PathBuf,
    },
    /// The keyring names no active key.
    #[error("{}: no active key (run `persona keys rotate`)", path.display())]
    NoActiveKey {
        /// The keyring file.
        path: PathBuf,
    },
    /// The operating system gave no randomness for a new key.
    #[error("no randomness available: {0}")]
    NoRandomness(String),
    /// A public key (in the keyring or an argument) does not parse.
    #[error("{code}: {error}", code = .0.code(), error = .0)]
    PublicKey(#[from] SnapshotError),
}

/// Status of a key in the keyring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatus {
    /// Signs new snapshots.
    Active,
    /// No longer signs, still verifies snapshots it signed until they expire.
    Verifying,
    /// Retired: not trusted any more.
    Retired,
}

/// One public key in the keyring file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEntry {
    /// Key id (hex fingerprint).
    pub kid: String,
    /// Public key, hex.
    pub public_key: String,
    /// Status.
    pub status: KeyStatus,
    /// For a `verifying` key: when the last snapshot it signed expires (Unix seconds); it retires then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retire_after: Option<u64>,
}

impl KeyEntry {
    /// Whether this is a verifying key whose retirement time has come.
    pub fn is_due(&self, now: u64) -> bool {
        self.status == KeyStatus::Verifying && self.retire_after.is_some_and(|t| t <= now)
    }
}

/// The keyring file.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct KeyringFile {
    /// Keys, newest last.
    pub keys: Vec<KeyEntry>,
}

impl KeyringFile {
    /// Reads a keyring file.
    pub fn read(path: &Path) -> Result<KeyringFile, KeyError> {
        Ok(crate::io::read_json(path)?)
    }

    /// Retires the verifying keys whose `retire_after` has passed; true if any changed.
    pub fn retire_due(&mut self, now: u64) -> bool {
        let mut changed = false;
        for entry in &mut self.keys {
            if entry.is_due(now) {
                entry.status = KeyStatus::Retired;
                changed = true;
            }
        }
        changed
    }

    /// The active key's entry (the last one marked active).
    pub fn active(&self) -> Option<&KeyEntry> {
        self.keys
            .iter()
            .rev()
            .find(|k| k.status == KeyStatus::Active)
    }

    /// The trusted keys (active and verifying) as a verification keyring.
    pub fn trusted(&self) -> Result<Keyring, KeyError> {
        let mut ring = Keyring::new();
        for entry in self.keys.iter().filter(|k| k.status != KeyStatus::Retired) {
            let key = parse_public_key(&entry.public_key)?;
            ring.add(key);
        }
        Ok(ring)
    }
}

/// Generates a key pair in `dir`: writes the secret file and appends the public key to `keyring.json`
/// as the active key (earlier active keys become `verifying`). Returns the key id and the secret's path.
pub fn generate(dir: &Path) -> Result<(KeyId, PathBuf), KeyError> {
    rotate(dir, None)
}

/// Key rotation: a new active key in `dir`; the previous active key keeps verifying until `retire_after`
/// (when the last snapshot it signed expires; `None`: until retired by hand). Keys whose time has come
/// are retired on the way. Returns the new key id and its secret's path.
pub fn rotate(dir: &Path, retire_after: Option<u64>) -> Result<(KeyId, PathBuf), KeyError> {
    std::fs::create_dir_all(dir).map_err(FileError::io(dir))?;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| KeyError::NoRandomness(e.to_string()))?;
    let signing = SigningKey::from_bytes(&seed);
    let kid = KeyId::of(&signing.verifying_key());
    let secret_path = dir.join(format!("{}.secret", kid.to_hex()));
    crate::io::write_private(&secret_path, &crate::io::hex(&seed))?;

    let ring_path = dir.join("keyring.json");
    let mut ring = if ring_path.exists() {
        KeyringFile::read(&ring_path)?
    } else {
        KeyringFile::default()
    };
    for entry in &mut ring.keys {
        if entry.status == KeyStatus::Active {
            entry.status = KeyStatus::Verifying;
            entry.retire_after = retire_after;
        }
    }
    ring.retire_due(crate::io::now());
    ring.keys.push(KeyEntry {
        kid: kid.to_hex(),
        public_key: public_key_to_hex(&signing.verifying_key()),
        status: KeyStatus::Active,
        retire_after: None,
    });
    crate::io::write_json(&ring_path, &ring)?;
    Ok((kid, secret_path))
}

/// Reads a secret key file.
pub fn read_secret(path: &Path) -> Result<SigningKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(FileError::io(path))?;
    let seed = crate::io::unhex32(text.trim()).ok_or_else(|| KeyError::MalformedSecret {
        path: path.to_owned(),
    })?;
    Ok(SigningKey::from_bytes(&seed))
}

/// Builds a keyring from `--keyring FILE` and/or `--key PUBLIC` arguments.
pub fn keyring_from_args(
    keyring: Option<&Path>,
    keys: &[String],
) -> Result<Option<Keyring>, KeyError> {
    if keyring.is_none() && keys.is_empty() {
        return Ok(None);
    }
    let mut ring = match keyring {
        Some(path) => KeyringFile::read(path)?.trusted()?,
        None => Keyring::new(),
    };
    for key in keys {
        let key: VerifyingKey = parse_public_key(key)?;
        ring.add(key);
    }
    Ok(Some(ring))
}
