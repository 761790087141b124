//! The `imports` table: how far `persona import` got in each input file.

use super::{Db, DbError, Tx};

/// Progress through one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, sqlx::FromRow)]
pub struct ImportProgress {
    /// The next line to read (0-based); lines before it are done.
    pub next_line: i64,
    /// Records accepted so far.
    pub accepted: i64,
    /// Records rejected so far.
    pub rejected: i64,
}

impl Db {
    /// The progress recorded for `file_id` (zero when new).
    pub async fn import_progress(&self, file_id: &str) -> Result<ImportProgress, DbError> {
        let row =
            sqlx::query("SELECT next_line, accepted, rejected FROM imports WHERE file_id = $1")
                .bind(file_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(match row {
            Some(row) => sqlx::FromRow::from_row(&row)?,
            None => ImportProgress::default(),
        })
    }

    /// Records progress in the same transaction as the data it covers.
    pub async fn put_import_progress(
        &self,
        tx: &mut Tx,
        file_id: &str,
        progress: ImportProgress,
        now: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO imports (file_id, next_line, accepted, rejected, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (file_id) DO UPDATE SET next_line = excluded.next_line, accepted = excluded.accepted, \
             rejected = excluded.rejected, updated_at = excluded.updated_at",
        )
        .bind(file_id)
        .bind(progress.next_line)
        .bind(progress.accepted)
        .bind(progress.rejected)
        .bind(now)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }
}
