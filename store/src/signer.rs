//! The store's signing keys at run time: the active key signs, the keyring (with each key's status) is
//! published. `persona keys rotate` changes the key folder; a running server picks the change up.

use crate::keyfile::{self, KeyError, KeyringFile};
use ed25519_dalek::SigningKey;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

/// The keys in force.
#[derive(Debug)]
pub struct Keys {
    /// Signs new snapshots.
    pub active: SigningKey,
    /// The active key's id (hex).
    pub active_kid: String,
    /// Every key with its status (what `GET /v1/keys` serves).
    pub ring: KeyringFile,
}

/// The key folder, reloaded when `keyring.json` changes.
#[derive(Debug)]
pub struct Signer {
    dir: PathBuf,
    keys: RwLock<Arc<Keys>>,
    seen: Mutex<Option<SystemTime>>,
}

fn ring_path(dir: &Path) -> PathBuf {
    dir.join("keyring.json")
}

fn modified(dir: &Path) -> Option<SystemTime> {
    std::fs::metadata(ring_path(dir))
        .and_then(|m| m.modified())
        .ok()
}

fn load(dir: &Path) -> Result<Keys, KeyError> {
    let mut ring = KeyringFile::read(&ring_path(dir))?;
    if ring.retire_due(crate::io::now()) {
        crate::io::write_json(&ring_path(dir), &ring)?;
    }
    let entry = ring.active().ok_or_else(|| KeyError::NoActiveKey {
        path: ring_path(dir),
    })?;
    let kid = entry.kid.clone();
    let active = keyfile::read_secret(&dir.join(format!("{kid}.secret")))?;
    Ok(Keys {
        active,
        active_kid: kid,
        ring,
    })
}

impl Signer {
    /// Opens the key folder, creating a first key when it has none.
    pub fn open(dir: &Path) -> Result<Signer, KeyError> {
        if !ring_path(dir).exists() {
            keyfile::generate(dir)?;
        }
        let keys = load(dir)?;
        Ok(Signer {
            dir: dir.to_owned(),
            keys: RwLock::new(Arc::new(keys)),
            seen: Mutex::new(modified(dir)),
        })
    }

    /// The keys in force now.
    pub fn keys(&self) -> Arc<Keys> {
        match self.keys.read() {
            Ok(keys) => keys.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Reloads the folder if `keyring.json` changed since the last look or a verifying key's retirement
    /// time has come (it is then retired). Returns whether the keys changed. A broken folder keeps the keys
    /// in force.
    pub fn refresh(&self) -> Result<bool, KeyError> {
        let changed = modified(&self.dir);
        let now = crate::io::now();
        let due = self.keys().ring.keys.iter().any(|k| k.is_due(now));
        {
            let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if *seen == changed && !due {
                return Ok(false);
            }
        }
        let keys = load(&self.dir)?;
        *self.seen.lock().unwrap_or_else(|p| p.into_inner()) = modified(&self.dir);
        let mut slot = self.keys.write().unwrap_or_else(|p| p.into_inner());
        *slot = Arc::new(keys);
        Ok(true)
    }
}
