//! The identity vault's keys and cryptography: raw identifiers sealed with XChaCha20-Poly1305 and
//! looked up by keyed hashes (HMAC-SHA256) of their normalized values.
//!
//! Keys are held outside the database: `PERSONA_VAULT_KEY` (64 hex digits, one key) or
//! `vault-keys.json` in the data folder (created on first use, mode 0600; the active key id and every
//! key still needed to open older rows). From each 32-byte master key two keys are derived with
//! HMAC-SHA256 under fixed labels: one seals, one hashes lookups, so a leaked lookup column reveals
//! nothing that opens a sealed one. A sealed value is `nonce (24 bytes) || ciphertext`, with the kind
//! and the lookup as associated data, so a row's ciphertext cannot be moved to another row.
//! [`Vault::rotated`] makes a keyring with a fresh active key that still opens older rows;
//! [`Identities::rotate_vault`](crate::identity::Identities::rotate_vault) re-seals every row under it,
//! recomputes lookups and blocking keys and drops the old keys.

use super::kind::IdentifierKind;
use crate::config::ConfigError;
use crate::io::FileError;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use std::path::Path;

type HmacSha256 = Hmac<Sha256>;

const SEAL_LABEL: &[u8] = b"persona-store vault seal v1";
const LOOKUP_LABEL: &[u8] = b"persona-store vault lookup v1";

/// A vault failure.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// A sealed value did not open: a wrong key, or a row that was tampered with.
    #[error("a sealed identifier does not open with vault key {0}")]
    Open(String),
    /// A row names a key the vault does not hold.
    #[error("vault key {0} is not in the keyring")]
    UnknownKey(String),
    /// No randomness for a nonce.
    #[error("no randomness: {0}")]
    Random(String),
}

/// One master key, with the keys derived from it.
#[derive(Clone)]
struct VaultKey {
    id: String,
    master: [u8; 32],
    seal: [u8; 32],
    lookup: [u8; 32],
}

fn derive(master: &[u8; 32], label: &[u8]) -> [u8; 32] {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(master).unwrap_or_else(|_| unreachable!());
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl VaultKey {
    fn new(id: String, master: [u8; 32]) -> VaultKey {
        VaultKey {
            id,
            seal: derive(&master, SEAL_LABEL),
            lookup: derive(&master, LOOKUP_LABEL),
            master,
        }
    }
}

/// The id of a key given in `PERSONA_VAULT_KEY`.
const ENV_KEY_ID: &str = "env";

/// The vault's keyring: the active key seals and hashes; older keys only open.
#[derive(Clone)]
pub struct Vault {
    active: VaultKey,
    old: Vec<VaultKey>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Vault(active {})", self.active.id)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeysFile {
    active: String,
    keys: Vec<KeyEntry>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyEntry {
    id: String,
    key: String,
}

fn random32() -> Result<[u8; 32], VaultError> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| VaultError::Random(e.to_string()))?;
    Ok(key)
}

impl Vault {
    /// A vault with one key (tests, `PERSONA_VAULT_KEY`).
    pub fn with_key(id: &str, master: [u8; 32]) -> Vault {
        Vault {
            active: VaultKey::new(id.to_owned(), master),
            old: Vec::new(),
        }
    }

    /// The vault of a data folder: `PERSONA_VAULT_KEY` if set, else `vault-keys.json` (created with a
    /// fresh random key on first use).
    pub fn open(data: &Path) -> Result<Vault, ConfigError> {
        if let Some(hex) = std::env::var("PERSONA_VAULT_KEY")
            .ok()
            .filter(|k| !k.is_empty())
        {
            let key =
                crate::io::unhex32(hex.trim()).ok_or_else(|| ConfigError::MalformedSecret {
                    what: "PERSONA_VAULT_KEY".to_owned(),
                })?;
            return Ok(Vault::with_key(ENV_KEY_ID, key));
        }
        let path = data.join("vault-keys.json");
        if !path.exists() {
            let vault = Vault::with_key("v1", random_key()?);
            vault.save(data)?;
            return Ok(vault);
        }
        let file: KeysFile = crate::io::read_json(&path)?;
        let mut keys = Vec::new();
        for entry in &file.keys {
            let key =
                crate::io::unhex32(&entry.key).ok_or_else(|| ConfigError::MalformedSecret {
                    what: format!("{}: key {}", path.display(), entry.id),
                })?;
            keys.push(VaultKey::new(entry.id.clone(), key));
        }
        let at = keys
            .iter()
            .position(|k| k.id == file.active)
            .ok_or_else(|| ConfigError::MalformedSecret {
                what: format!(
                    "{}: active key {} is not listed",
                    path.display(),
                    file.active
                ),
            })?;
        let active = keys.remove(at);
        Ok(Vault { active, old: keys })
    }

    /// Writes the keyring to `vault-keys.json` in `data` (mode 0600).
    pub fn save(&self, data: &Path) -> Result<(), ConfigError> {
        std::fs::create_dir_all(data).map_err(FileError::io(data))?;
        let file = KeysFile {
            active: self.active.id.clone(),
            keys: std::iter::once(&self.active)
                .chain(&self.old)
                .map(|k| KeyEntry {
                    id: k.id.clone(),
                    key: crate::io::hex(&k.master),
                })
                .collect(),
        };
        let path = data.join("vault-keys.json");
        let text = serde_json::to_string_pretty(&file).map_err(|e| FileError::Json {
            what: path.display().to_string(),
            message: e.to_string(),
        })?;
        // A new private file, then an atomic rename over the old keyring (never a half-written one).
        let tmp = data.join("vault-keys.json.new");
        let _ = std::fs::remove_file(&tmp);
        crate::io::write_private(&tmp, &text)?;
        std::fs::rename(&tmp, &path).map_err(FileError::io(&path))?;
        Ok(())
    }

    /// A new keyring whose active key is fresh; the current keys stay to open older rows until
    /// everything is re-sealed.
    pub fn rotated(&self) -> Result<Vault, ConfigError> {
        let n = std::iter::once(&self.active)
            .chain(&self.old)
            .filter_map(|k| k.id.strip_prefix('v')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0);
        let mut old = vec![self.active.clone()];
        old.extend(self.old.iter().cloned());
        Ok(Vault {
            active: VaultKey::new(format!("v{}", n + 1), random_key()?),
            old,
        })
    }

    /// Only the active key (after every row is re-sealed under it).
    pub fn without_old_keys(&self) -> Vault {
        Vault {
            active: self.active.clone(),
            old: Vec::new(),
        }
    }

    /// Whether the key came from `PERSONA_VAULT_KEY` (nothing to rotate in a file).
    pub fn from_environment(&self) -> bool {
        self.active.id == ENV_KEY_ID
    }

    /// The ids of the keys that only open older rows.
    pub fn old_ids(&self) -> Vec<String> {
        self.old.iter().map(|k| k.id.clone()).collect()
    }

    /// The active key's id.
    pub fn active_id(&self) -> &str {
        &self.active.id
    }

    /// The lookup hash of a normalized value (43 characters of base64url), under the active key.
    pub fn lookup(&self, kind: IdentifierKind, normalized: &str) -> String {
        self.keyed_hash(&[kind.name(), normalized])
    }

    /// The blocking key of a rule (its name) over normalized values, one per field of the rule, in
    /// order; under the active lookup key, apart from every [`Vault::lookup`] (`block` is no kind).
    pub fn block(&self, rule: &str, values: &[&str]) -> String {
        let parts: Vec<&str> = ["block", rule]
            .into_iter()
            .chain(values.iter().copied())
            .collect();
        self.keyed_hash(&parts)
    }

    /// HMAC-SHA256 under the active lookup key of the parts joined by NUL, as base64url.
    fn keyed_hash(&self, parts: &[&str]) -> String {
        use base64::Engine as _;
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&self.active.lookup)
            .unwrap_or_else(|_| unreachable!());
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                mac.update(&[0]);
            }
            mac.update(part.as_bytes());
        }
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Seals a normalized value under the active key: `nonce || ciphertext`.
    pub fn seal(
        &self,
        kind: IdentifierKind,
        lookup: &str,
        normalized: &str,
    ) -> Result<Vec<u8>, VaultError> {
        let cipher = XChaCha20Poly1305::new((&self.active.seal).into());
        let mut nonce = [0u8; 24];
        getrandom::fill(&mut nonce).map_err(|e| VaultError::Random(e.to_string()))?;
        let aad = associated(kind, lookup);
        let ct = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: normalized.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Open(self.active.id.clone()))?;
        let mut out = nonce.to_vec();
        out.extend(ct);
        Ok(out)
    }

    /// Opens a sealed value of the row (`kind`, `lookup`) sealed under `key_id`.
    pub fn open_sealed(
        &self,
        key_id: &str,
        kind: IdentifierKind,
        lookup: &str,
        sealed: &[u8],
    ) -> Result<String, VaultError> {
        let key = std::iter::once(&self.active)
            .chain(&self.old)
            .find(|k| k.id == key_id)
            .ok_or_else(|| VaultError::UnknownKey(key_id.to_owned()))?;
        if sealed.len() < 24 {
            return Err(VaultError::Open(key_id.to_owned()));
        }
        let cipher = XChaCha20Poly1305::new((&key.seal).into());
        let aad = associated(kind, lookup);
        let plain = cipher
            .decrypt(
                XNonce::from_slice(&sealed[..24]),
                Payload {
                    msg: &sealed[24..],
                    aad: &aad,
                },
            )
            .map_err(|_| VaultError::Open(key_id.to_owned()))?;
        String::from_utf8(plain).map_err(|_| VaultError::Open(key_id.to_owned()))
    }
}

fn random_key() -> Result<[u8; 32], ConfigError> {
    random32().map_err(|e| ConfigError::NoRandomness {
        what: "the vault key",
        reason: e.to_string(),
    })
}

fn associated(kind: IdentifierKind, lookup: &str) -> Vec<u8> {
    let mut aad = kind.name().as_bytes().to_vec();
    aad.push(0);
    aad.extend_from_slice(lookup.as_bytes());
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_and_resist_tampering() {
        let vault = Vault::with_key("v1", [7; 32]);
        let kind = IdentifierKind::Email;
        let lookup = vault.lookup(kind, "ada@example.org");
        assert_eq!(lookup, vault.lookup(kind, "ada@example.org"));
        assert_ne!(
            lookup,
            vault.lookup(IdentifierKind::Loyalty, "ada@example.org")
        );
        let sealed = vault.seal(kind, &lookup, "ada@example.org").unwrap();
        assert!(!sealed.windows(3).any(|w| w == b"ada"));
        assert_eq!(
            vault.open_sealed("v1", kind, &lookup, &sealed).unwrap(),
            "ada@example.org"
        );
        // Another row's associated data, a flipped bit, another key: refused.
        let other = vault.lookup(kind, "bob@example.org");
        assert!(vault.open_sealed("v1", kind, &other, &sealed).is_err());
        let mut flipped = sealed.clone();
        flipped[30] ^= 1;
        assert!(vault.open_sealed("v1", kind, &lookup, &flipped).is_err());
        assert!(Vault::with_key("v1", [8; 32])
            .open_sealed("v1", kind, &lookup, &sealed)
            .is_err());
        assert!(matches!(
            vault.open_sealed("v9", kind, &lookup, &sealed),
            Err(VaultError::UnknownKey(_))
        ));
    }

    #[test]
    fn rotation_keeps_old_keys_until_dropped() {
        let dir = std::env::temp_dir().join(format!("persona-vault-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = Vault::open(&dir).unwrap();
        let lookup = first.lookup(IdentifierKind::Phone, "+4930901820");
        let sealed = first
            .seal(IdentifierKind::Phone, &lookup, "+4930901820")
            .unwrap();
        let second = first.rotated().unwrap();
        assert_ne!(second.active_id(), first.active_id());
        assert_ne!(second.lookup(IdentifierKind::Phone, "+4930901820"), lookup);
        second.save(&dir).unwrap();
        let reopened = Vault::open(&dir).unwrap();
        assert_eq!(reopened.active_id(), second.active_id());
        assert_eq!(
            reopened
                .open_sealed(first.active_id(), IdentifierKind::Phone, &lookup, &sealed)
                .unwrap(),
            "+4930901820"
        );
        assert!(reopened
            .without_old_keys()
            .open_sealed(first.active_id(), IdentifierKind::Phone, &lookup, &sealed)
            .is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("vault-keys.json"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
