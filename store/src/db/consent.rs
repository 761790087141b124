//! The `consent_changes` table: every consent change as evidence (see the migration).

use super::{Db, DbError, Tx};
use crate::model::ConsentRecord;
use sqlx::{AssertSqlSafe, FromRow};

/// Rows per multi-row insert (6 parameters each).
const CHUNK: usize = 150;

#[derive(FromRow)]
struct Row {
    kind: String,
    name: String,
    state: String,
    at: i64,
    source: String,
}

impl From<Row> for ConsentRecord {
    fn from(r: Row) -> ConsentRecord {
        ConsentRecord {
            kind: r.kind,
            name: r.name,
            state: r.state,
            at: r.at,
            source: r.source,
        }
    }
}

impl Db {
    /// Records consent changes (subject, record) inside a write transaction, after the profiles exist.
    pub async fn put_consent_changes(
        &self,
        tx: &mut Tx,
        changes: &[(&str, ConsentRecord)],
    ) -> Result<(), DbError> {
        for chunk in changes.chunks(CHUNK) {
            let values = self.row_placeholders(chunk.len(), 6);
            let sql = format!(
                "INSERT INTO consent_changes (subject, at, kind, name, state, source) VALUES {values}"
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for (subject, r) in chunk {
                query = query
                    .bind(*subject)
                    .bind(r.at)
                    .bind(r.kind.as_str())
                    .bind(r.name.as_str())
                    .bind(r.state.as_str())
                    .bind(r.source.as_str());
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Every consent change of `subject`, in the order they were made.
    pub async fn consent_changes(&self, subject: &str) -> Result<Vec<ConsentRecord>, DbError> {
        let rows = sqlx::query(
            "SELECT kind, name, state, at, source FROM consent_changes WHERE subject = $1 \
             ORDER BY id",
        )
        .bind(subject)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok(Row::from_row(row)?.into()))
            .collect()
    }
}
