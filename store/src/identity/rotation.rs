//! Rotation of the identity vault's key: every identifier re-sealed and re-hashed under a fresh key,
//! every subject's blocking keys recomputed, then the old keys dropped.
//!
//! Crash-safe in this order: the keyring with the new active key (and every older key, to open what is
//! not re-sealed yet) is saved first; each page of rows is re-sealed in one transaction; only when no
//! row is left under an older key is the keyring saved with the new key alone. A rotation cut short
//! leaves a keyring that opens everything, and a second one finishes the job (under another fresh key).
//!
//! Run it while no server writes to the store: a running server keeps the keys it started with, so it
//! must be restarted afterwards anyway.

use super::graph::{blocking_keys, sealed_row, Identities, IdentityError};
use super::kind::IdentifierKind;
use crate::db::DbError;
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// Rows re-sealed per transaction.
const PAGE: i64 = 500;

/// What a rotation did.
#[derive(Debug, Clone, Serialize)]
pub struct Rotation {
    /// The new active key's id.
    pub key: String,
    /// The key ids that were retired.
    pub retired: Vec<String>,
    /// Identifier rows re-sealed under the new key.
    pub resealed: u64,
    /// Subjects whose blocking keys were recomputed.
    pub subjects: u64,
}

impl Identities {
    /// Rotates the vault key of the data folder `data` (see the module docs). A vault whose key comes
    /// from `PERSONA_VAULT_KEY` cannot be rotated here (the new key has to be stored somewhere):
    /// that is a conflict, and nothing changes.
    pub async fn rotate_vault(&self, data: &Path) -> Result<Rotation, IdentityError> {
        if self.vault.from_environment() {
            return Err(IdentityError::Conflict(
                "the vault key comes from PERSONA_VAULT_KEY; unset it to rotate the keyring in \
                 vault-keys.json, or replace the variable's key by hand"
                    .to_owned(),
            ));
        }
        let next = self.vault.rotated().map_err(vault_file)?;
        next.save(data).map_err(vault_file)?;
        let model = self.model().await?;
        let mut after = (String::new(), String::new(), String::new());
        let (mut resealed, mut subjects) = (0u64, 0u64);
        let mut last_subject = String::new();
        loop {
            let rows = self
                .db
                .identifiers_after((&after.0, &after.1, &after.2), PAGE)
                .await?;
            let Some(last) = rows.last() else { break };
            after = (last.subject.clone(), last.kind.clone(), last.lookup.clone());
            // One transaction per page; its lock goes when the block ends (before the next write).
            let touched: Vec<String> = {
                let mut write = self.db.begin_write(&[]).await?;
                let mut touched = BTreeSet::new();
                for row in rows.iter().filter(|r| r.key_id != next.active_id()) {
                    let Some(kind) = IdentifierKind::from_name(&row.kind) else {
                        continue;
                    };
                    let value = next.open_sealed(&row.key_id, kind, &row.lookup, &row.sealed)?;
                    let fresh = sealed_row(&next, &row.subject, kind, &value, row.added_at)?;
                    self.db
                        .replace_identifier_in(&mut write.tx, &row.lookup, &fresh)
                        .await?;
                    resealed += 1;
                    touched.insert(row.subject.clone());
                }
                write.tx.commit().await.map_err(DbError::from)?;
                touched.into_iter().collect()
            };
            let touched: Vec<&str> = touched.iter().map(String::as_str).collect();
            let records = self.match_records_with(&next, &touched).await?;
            let mut write = self.db.begin_write(&[]).await?;
            for record in &records {
                let blocks = blocking_keys(&next, record, &model);
                self.db
                    .replace_blocks_in(&mut write.tx, &record.id, &blocks)
                    .await?;
                if record.id != last_subject {
                    subjects += 1;
                    last_subject.clone_from(&record.id);
                }
            }
            write.tx.commit().await.map_err(DbError::from)?;
        }
        let retired = next.old_ids();
        next.without_old_keys().save(data).map_err(vault_file)?;
        Ok(Rotation {
            key: next.active_id().to_owned(),
            retired,
            resealed,
            subjects,
        })
    }
}

fn vault_file(e: crate::config::ConfigError) -> IdentityError {
    IdentityError::Conflict(format!("the vault keyring: {e}"))
}
