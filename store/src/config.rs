//! Where the store keeps its files and secrets.
//!
//! A data folder (default `persona-data/`) holds everything `persona serve` needs with no options:
//! `store.db` (SQLite, the default database), `keys/` (signing keys and `keyring.json`) and `secrets.json`
//! (the write token and the read-token secret, created on first start, mode 0600; never commit it).
//! `PERSONA_WRITE_TOKEN` and `PERSONA_TOKEN_SECRET` (64 hex digits) override the file, e.g. in production.

use crate::io::FileError;
use crate::tokens::random_secret;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The data folder or the secrets are not usable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A file of the data folder could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A secret (from the environment or `secrets.json`) is not 64 hex digits.
    #[error("{what}: expected 64 hex digits")]
    MalformedSecret {
        /// Where the secret came from.
        what: String,
    },
    /// The operating system gave no randomness for a new secret.
    #[error("no randomness available for {what}: {reason}")]
    NoRandomness {
        /// The secret being made.
        what: &'static str,
        /// The OS error.
        reason: String,
    },
}

/// The store's data folder.
#[derive(Debug, Clone)]
pub struct DataDir(PathBuf);

/// The store's secrets.
#[derive(Clone)]
pub struct Secrets {
    /// Bearer token for the write endpoints.
    pub write_token: String,
    /// Key of the per-subject read tokens.
    pub token_secret: [u8; 32],
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(..)")
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretsFile {
    write_token: String,
    token_secret: String,
}

fn secret_from_hex(what: &str, text: &str) -> Result<[u8; 32], ConfigError> {
    crate::io::unhex32(text.trim()).ok_or_else(|| ConfigError::MalformedSecret {
        what: what.to_owned(),
    })
}

impl DataDir {
    /// The data folder at `path` (created when first needed).
    pub fn new(path: impl Into<PathBuf>) -> DataDir {
        DataDir(path.into())
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The signing keys' folder.
    pub fn keys(&self) -> PathBuf {
        self.0.join("keys")
    }

    /// The database URL: `url` if given, else the embedded SQLite file in this folder.
    pub fn database_url(&self, url: Option<&str>) -> Result<String, ConfigError> {
        match url {
            Some(url) => Ok(url.to_owned()),
            None => {
                std::fs::create_dir_all(&self.0).map_err(FileError::io(&self.0))?;
                Ok(format!("sqlite://{}", self.0.join("store.db").display()))
            }
        }
    }

    /// The secrets: from the environment, else from `secrets.json` (created with fresh random values).
    pub fn secrets(&self) -> Result<Secrets, ConfigError> {
        let env_token = std::env::var("PERSONA_WRITE_TOKEN")
            .ok()
            .filter(|t| !t.is_empty());
        let env_secret = std::env::var("PERSONA_TOKEN_SECRET")
            .ok()
            .filter(|t| !t.is_empty());
        if let (Some(write_token), Some(secret)) = (&env_token, &env_secret) {
            return Ok(Secrets {
                write_token: write_token.clone(),
                token_secret: secret_from_hex("PERSONA_TOKEN_SECRET", secret)?,
            });
        }
        let path = self.0.join("secrets.json");
        let file: SecretsFile = if path.exists() {
            crate::io::read_json(&path)?
        } else {
            std::fs::create_dir_all(&self.0).map_err(FileError::io(&self.0))?;
            let random = |what: &'static str| {
                random_secret().map_err(|e| ConfigError::NoRandomness {
                    what,
                    reason: e.to_string(),
                })
            };
            let file = SecretsFile {
                write_token: crate::io::hex(&random("the write token")?),
                token_secret: crate::io::hex(&random("the token secret")?),
            };
            let text = serde_json::to_string_pretty(&file).map_err(|e| FileError::Json {
                what: path.display().to_string(),
                message: e.to_string(),
            })?;
            crate::io::write_private(&path, &text)?;
            file
        };
        Ok(Secrets {
            write_token: env_token.unwrap_or(file.write_token),
            token_secret: match env_secret {
                Some(secret) => secret_from_hex("PERSONA_TOKEN_SECRET", &secret)?,
                None => secret_from_hex(&path.display().to_string(), &file.token_secret)?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_created_once_and_kept() {
        let dir = std::env::temp_dir().join(format!("persona-config-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let data = DataDir::new(&dir);
        let first = data.secrets().unwrap();
        let again = data.secrets().unwrap();
        assert_eq!(first.write_token, again.write_token);
        assert_eq!(first.token_secret, again.token_secret);
        assert_eq!(first.write_token.len(), 64);
        assert!(secret_from_hex("x", "zz").is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
