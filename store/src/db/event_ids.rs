//! The `event_ids` table: ids of applied events and feedback per customer, for de-duplication (see the
//! migration).

use super::{Db, DbError, Tx};
use sqlx::AssertSqlSafe;
use std::collections::HashSet;

/// Values per `IN (...)` list, and rows per insert (3 parameters each).
const CHUNK: usize = 300;

/// The subjects of `pairs`, each once.
fn distinct_subjects<'a>(pairs: &[(&'a str, String)]) -> Vec<&'a str> {
    let mut subjects: Vec<&str> = pairs.iter().map(|(s, _)| *s).collect();
    subjects.sort_unstable();
    subjects.dedup();
    subjects
}

impl Db {
    /// The (subject, id) pairs among `pairs` already recorded, read inside the write transaction.
    pub async fn seen_event_ids(
        &self,
        tx: &mut Tx,
        pairs: &[(&str, String)],
    ) -> Result<HashSet<(String, String)>, DbError> {
        let mut seen = HashSet::new();
        for chunk in pairs.chunks(CHUNK) {
            // Row values, so each pair is one index probe (two IN lists would probe their product).
            let values = self.row_placeholders(chunk.len(), 2);
            let sql = format!(
                "SELECT subject, event_id FROM event_ids WHERE (subject, event_id) IN (VALUES {values})"
            );
            let mut query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for (subject, id) in chunk {
                query = query.bind(*subject).bind(id.as_str());
            }
            seen.extend(query.fetch_all(&mut **tx).await?);
        }
        Ok(seen)
    }

    /// Records applied ids at `now` (after their profiles are written) and forgets those of the same
    /// customers seen before `cutoff`.
    pub async fn put_event_ids(
        &self,
        tx: &mut Tx,
        pairs: &[(&str, String)],
        now: i64,
        cutoff: i64,
    ) -> Result<(), DbError> {
        for chunk in pairs.chunks(CHUNK) {
            let values = self.row_placeholders(chunk.len(), 3);
            let sql = format!(
                "INSERT INTO event_ids (subject, event_id, seen_at) VALUES {values} \
                 ON CONFLICT (subject, event_id) DO NOTHING"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (subject, id) in chunk {
                query = query.bind(*subject).bind(id.as_str()).bind(now);
            }
            query.execute(&mut **tx).await?;
        }
        for chunk in distinct_subjects(pairs).chunks(CHUNK) {
            let sql = format!(
                "DELETE FROM event_ids WHERE seen_at < {} AND subject IN ({})",
                self.placeholders(1, 1),
                self.placeholders(2, chunk.len()),
            );
            let mut query = sqlx::query(AssertSqlSafe(sql)).bind(cutoff);
            for s in chunk {
                query = query.bind(*s);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }
}
