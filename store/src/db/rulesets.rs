//! The `rulesets` table: the current ruleset per audience.

use super::{Db, DbError, SnapshotRow};

/// A ruleset as stored: the authoring JSON and its signed snapshot (read by column name).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RulesetRow {
    /// The authoring JSON as received.
    pub source: String,
    /// The signed ruleset snapshot.
    #[sqlx(flatten)]
    pub snapshot: SnapshotRow,
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
        Ok(row.map(|row| sqlx::FromRow::from_row(&row)).transpose()?)
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
        .bind(ruleset.snapshot.sequence)
        .bind(ruleset.snapshot.key_id.as_str())
        .bind(ruleset.snapshot.issued_at)
        .bind(ruleset.snapshot.expires_at)
        .bind(ruleset.snapshot.etag.as_str())
        .bind(ruleset.snapshot.bytes.as_slice())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
