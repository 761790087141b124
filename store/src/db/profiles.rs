//! The `profiles` table: each customer's aggregates and sequence number.

use super::{Db, DbError, Tx};
use sqlx::{AssertSqlSafe, FromRow};

/// One customer as stored (read by column name: `subject, state, sequence`).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ProfileRow {
    /// Pseudonymous subject id.
    pub subject: String,
    /// The aggregates, JSON of `model::ProfileState`.
    pub state: String,
    /// Grows on every change.
    pub sequence: i64,
}

/// Rows per multi-row statement (4 parameters each; far below both engines' limits).
const CHUNK: usize = 250;

impl Db {
    /// Reads the profiles of `subjects` inside a write transaction (see [`super::WriteTx`], which holds
    /// their locks).
    pub async fn profiles_for_update(
        &self,
        tx: &mut Tx,
        subjects: &[&str],
    ) -> Result<Vec<ProfileRow>, DbError> {
        let mut out = Vec::with_capacity(subjects.len());
        for chunk in subjects.chunks(CHUNK * 4) {
            let sql = format!(
                "SELECT subject, state, sequence FROM profiles WHERE subject IN ({})",
                self.placeholders(1, chunk.len()),
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for s in chunk {
                query = query.bind(*s);
            }
            for row in query.fetch_all(&mut **tx).await? {
                out.push(ProfileRow::from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// Reads the profiles of `subjects` (outside a write).
    pub async fn profiles(&self, subjects: &[&str]) -> Result<Vec<ProfileRow>, DbError> {
        if subjects.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let rows = self.profiles_for_update(&mut tx, subjects).await?;
        tx.rollback().await?;
        Ok(rows)
    }

    /// Inserts or replaces profiles (multi-row upserts).
    pub async fn put_profiles(
        &self,
        tx: &mut Tx,
        rows: &[ProfileRow],
        now: i64,
    ) -> Result<(), DbError> {
        for chunk in rows.chunks(CHUNK) {
            let values = self.row_placeholders(chunk.len(), 4);
            let sql = format!(
                "INSERT INTO profiles (subject, state, sequence, updated_at) VALUES {values} \
                 ON CONFLICT (subject) DO UPDATE SET state = excluded.state, \
                 sequence = excluded.sequence, updated_at = excluded.updated_at"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for row in chunk {
                query = query
                    .bind(row.subject.as_str())
                    .bind(row.state.as_str())
                    .bind(row.sequence)
                    .bind(now);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Sets the sequence of existing profiles inside a write (links and splits move whole clusters).
    pub async fn set_sequences(
        &self,
        tx: &mut Tx,
        sequences: &[(&str, i64)],
        now: i64,
    ) -> Result<(), DbError> {
        for (subject, sequence) in sequences {
            sqlx::query("UPDATE profiles SET sequence = $1, updated_at = $2 WHERE subject = $3")
                .bind(*sequence)
                .bind(now)
                .bind(*subject)
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }

    /// The profile of `subject`, if the store knows it.
    pub async fn profile(&self, subject: &str) -> Result<Option<ProfileRow>, DbError> {
        let row = sqlx::query("SELECT subject, state, sequence FROM profiles WHERE subject = $1")
            .bind(subject)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|row| ProfileRow::from_row(&row)).transpose()?)
    }

    /// Moves a profile's sequence from `old` to `new` (a re-issued snapshot); false if it changed meanwhile.
    pub async fn bump_sequence(&self, subject: &str, old: i64, new: i64) -> Result<bool, DbError> {
        let done =
            sqlx::query("UPDATE profiles SET sequence = $1 WHERE subject = $2 AND sequence = $3")
                .bind(new)
                .bind(subject)
                .bind(old)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Up to `limit` subjects after `after` in subject order (for walking every profile).
    pub async fn subjects_after(&self, after: &str, limit: i64) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT subject FROM profiles WHERE subject > $1 ORDER BY subject LIMIT $2",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// How many profiles the store holds.
    pub async fn profile_count(&self) -> Result<i64, DbError> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM profiles")
            .fetch_one(&self.pool)
            .await?)
    }
}
