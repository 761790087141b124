//! The `erasures` table: tombstones of erased customers (no personal data, see the migration), and the
//! erasure itself: every row about a customer deleted in one transaction.

use super::{Backend, Db, DbError, Tx};
use sqlx::{AssertSqlSafe, FromRow};

/// An erased customer as remembered (read by column name).
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Tombstone {
    /// Keyed hash of the subject id.
    pub subject_key: String,
    /// The edge key-value key the customer's snapshot was published under.
    pub kv_key: String,
    /// When the customer was erased, Unix seconds.
    pub erased_at: i64,
    /// The customer's last sequence number: no snapshot at or below it may be accepted again.
    pub last_sequence: i64,
    /// Writes for the customer refused since the erasure.
    pub refused: i64,
}

/// Keys per `IN (...)` list.
const CHUNK: usize = 1000;

impl Db {
    /// Deletes every row about `subject` inside a write transaction holding its lock, and records its
    /// tombstone. Returns the customer's last sequence, or `None` (nothing written) when the store has no
    /// profile for it (or, with `inactive_before`, none last written before that instant).
    pub async fn erase_in(
        &self,
        tx: &mut Tx,
        subject: &str,
        tombstone: &Tombstone,
        inactive_before: Option<i64>,
    ) -> Result<Option<i64>, DbError> {
        // With `inactive_before`, only a profile last written before it (checked under the lock).
        let sequence: Option<i64> = sqlx::query_scalar(
            "SELECT sequence FROM profiles WHERE subject = $1 AND updated_at < $2",
        )
        .bind(subject)
        .bind(inactive_before.unwrap_or(i64::MAX))
        .fetch_optional(&mut **tx)
        .await?;
        let Some(sequence) = sequence else {
            return Ok(None);
        };
        // Snapshots go with the profile (ON DELETE CASCADE); deleting them first keeps that explicit.
        sqlx::query("DELETE FROM snapshots WHERE subject = $1")
            .bind(subject)
            .execute(&mut **tx)
            .await?;
        sqlx::query("DELETE FROM profiles WHERE subject = $1")
            .bind(subject)
            .execute(&mut **tx)
            .await?;
        sqlx::query(
            "INSERT INTO erasures (subject_key, kv_key, erased_at, last_sequence, refused) \
             VALUES ($1, $2, $3, $4, 0) ON CONFLICT (subject_key) DO NOTHING",
        )
        .bind(tombstone.subject_key.as_str())
        .bind(tombstone.kv_key.as_str())
        .bind(tombstone.erased_at)
        .bind(sequence)
        .execute(&mut **tx)
        .await?;
        Ok(Some(sequence))
    }

    /// The tombstones among `keys` (subject keys), read inside `tx`.
    pub async fn tombstones_in(
        &self,
        tx: &mut Tx,
        keys: &[String],
    ) -> Result<Vec<Tombstone>, DbError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let sql = format!(
                "SELECT subject_key, kv_key, erased_at, last_sequence, refused FROM erasures \
                 WHERE subject_key IN ({})",
                self.placeholders(1, chunk.len()),
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for key in chunk {
                query = query.bind(key.as_str());
            }
            for row in query.fetch_all(&mut **tx).await? {
                out.push(Tombstone::from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// The tombstone of one subject key.
    pub async fn tombstone(&self, key: &str) -> Result<Option<Tombstone>, DbError> {
        let row = sqlx::query(
            "SELECT subject_key, kv_key, erased_at, last_sequence, refused FROM erasures \
             WHERE subject_key = $1",
        )
        .bind(key)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|row| Tombstone::from_row(&row)).transpose()?)
    }

    /// Adds `count` refused writes to a tombstone.
    pub async fn count_refused(&self, tx: &mut Tx, key: &str, count: i64) -> Result<(), DbError> {
        sqlx::query("UPDATE erasures SET refused = refused + $1 WHERE subject_key = $2")
            .bind(count)
            .bind(key)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Up to `limit` subjects whose profile was last written before `before`, after `after` in subject
    /// order (the retention sweep).
    pub async fn inactive_subjects(
        &self,
        before: i64,
        after: &str,
        limit: i64,
    ) -> Result<Vec<String>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT subject FROM profiles WHERE updated_at < $1 AND subject > $2 \
             ORDER BY subject LIMIT $3",
        )
        .bind(before)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Tombstones of customers erased at or after `since` (what an edge may still hold a copy of).
    pub async fn erased_since(&self, since: i64) -> Result<Vec<Tombstone>, DbError> {
        let rows = sqlx::query(
            "SELECT subject_key, kv_key, erased_at, last_sequence, refused FROM erasures \
             WHERE erased_at >= $1 ORDER BY erased_at, subject_key",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(Tombstone::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// After erasures: removes what the database still keeps of deleted rows where it can. SQLite (with
    /// `secure_delete`, so deleted content is overwritten with zeros in the pages) copies the write-ahead
    /// log into the database and truncates it, so no older page versions stay in the `-wal` file. Returns
    /// false if readers kept the checkpoint from completing (the log is then truncated by a later
    /// checkpoint). PostgreSQL: `VACUUM` of the two tables prunes the dead tuples (see docs/PRIVACY.md for
    /// what that does and does not overwrite).
    pub async fn scrub(&self) -> Result<bool, DbError> {
        match self.backend {
            Backend::Sqlite => {
                for _ in 0..20 {
                    let (busy, _, _): (i64, i64, i64) =
                        sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
                            .fetch_one(&self.pool)
                            .await?;
                    if busy == 0 {
                        return Ok(true);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Ok(false)
            }
            Backend::Postgres => {
                sqlx::query("VACUUM profiles, snapshots")
                    .execute(&self.pool)
                    .await?;
                Ok(true)
            }
        }
    }
}
