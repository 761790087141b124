//! The `rulesets` table: the current ruleset per audience.

use super::{Db, DbError};
use sqlx::Row;

/// A ruleset as stored: the authoring JSON and its signed snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesetRow {
    /// The authoring JSON as received.
    pub source: String,
    /// The snapshot's sequence number.
    pub sequence: i64,
    /// The signing key's id (hex).
    pub key_id: String,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// Strong ETag (quoted).
    pub etag: String,
    /// The signed ruleset snapshot.
    pub bytes: Vec<u8>,
}

impl Db {
    /// The current ruleset for `audience`.
    pub async fn ruleset(&self, audience: &str) -> Result<Option<RulesetRow>, DbError> {
        let row = sqlx::query(
            "SELECT source, sequence, key_id, issued_at, expires_at, etag, bytes FROM rulesets \
             WHERE audience = $1",
        )
        .bind(audience)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(RulesetRow {
                source: row.try_get(0)?,
                sequence: row.try_get(1)?,
                key_id: row.try_get(2)?,
                issued_at: row.try_get(3)?,
                expires_at: row.try_get(4)?,
                etag: row.try_get(5)?,
                bytes: row.try_get(6)?,
            })
        })
        .transpose()
    }

    /// Replaces the ruleset for `audience`.
    pub async fn put_ruleset(&self, audience: &str, ruleset: &RulesetRow) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO rulesets (audience, source, sequence, key_id, issued_at, expires_at, etag, bytes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (audience) DO UPDATE SET source = excluded.source, sequence = excluded.sequence, \
             key_id = excluded.key_id, issued_at = excluded.issued_at, expires_at = excluded.expires_at, \
             etag = excluded.etag, bytes = excluded.bytes",
        )
        .bind(audience)
        .bind(ruleset.source.as_str())
        .bind(ruleset.sequence)
        .bind(ruleset.key_id.as_str())
        .bind(ruleset.issued_at)
        .bind(ruleset.expires_at)
        .bind(ruleset.etag.as_str())
        .bind(ruleset.bytes.as_slice())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
