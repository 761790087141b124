//! The `snapshots` table: the last signed snapshot per customer and audience.

use super::{Db, DbError};
use sqlx::FromRow;

/// A signed snapshot as stored (read by column name: `sequence, key_id, issued_at, expires_at, etag, bytes`).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct SnapshotRow {
    /// The sequence number in its header (the profile's sequence when it was signed).
    pub sequence: i64,
    /// The signing key's id (hex).
    pub key_id: String,
    /// Issue time, Unix seconds.
    pub issued_at: i64,
    /// Expiry, Unix seconds.
    pub expires_at: i64,
    /// Strong ETag (quoted).
    pub etag: String,
    /// The snapshot.
    pub bytes: Vec<u8>,
}

impl Db {
    /// The stored snapshot of `subject` for `audience`.
    pub async fn snapshot(
        &self,
        subject: &str,
        audience: &str,
    ) -> Result<Option<SnapshotRow>, DbError> {
        let row = sqlx::query(
            "SELECT sequence, key_id, issued_at, expires_at, etag, bytes FROM snapshots \
             WHERE subject = $1 AND audience = $2",
        )
        .bind(subject)
        .bind(audience)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| SnapshotRow::from_row(&row)).transpose()?)
    }

    /// Stores a freshly signed snapshot, unless a newer one is already there.
    pub async fn put_snapshot(
        &self,
        subject: &str,
        audience: &str,
        snapshot: &SnapshotRow,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO snapshots (subject, audience, sequence, key_id, issued_at, expires_at, etag, bytes) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
             ON CONFLICT (subject, audience) DO UPDATE SET sequence = excluded.sequence, \
             key_id = excluded.key_id, issued_at = excluded.issued_at, expires_at = excluded.expires_at, \
             etag = excluded.etag, bytes = excluded.bytes WHERE snapshots.sequence <= excluded.sequence",
        )
        .bind(subject)
        .bind(audience)
        .bind(snapshot.sequence)
        .bind(snapshot.key_id.as_str())
        .bind(snapshot.issued_at)
        .bind(snapshot.expires_at)
        .bind(snapshot.etag.as_str())
        .bind(snapshot.bytes.as_slice())
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
