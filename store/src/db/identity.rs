//! The identity tables: `links` (member → customer), `identifiers` (the vault's rows),
//! `identity_reviews` (matches waiting for a person) and `identity_models` (trained matchers).

use super::{Db, DbError, Tx, WriteTx};
use sqlx::{AssertSqlSafe, FromRow};

/// A member subject linked to a customer.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct LinkRow {
    /// The linked subject (an anonymous device, an imported record).
    pub member: String,
    /// The customer it belongs to.
    pub customer: String,
    /// `login`, `match` or `review`.
    pub method: String,
    /// Posterior probability that member and customer are one person (1.0 for a login).
    pub confidence: f64,
    /// JSON of the evidence.
    pub evidence: String,
    /// Unix seconds.
    pub linked_at: i64,
}

/// One sealed identifier of a subject.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct IdentifierRow {
    /// The subject holding it.
    pub subject: String,
    /// Its kind's name.
    pub kind: String,
    /// Keyed hash of the normalized value.
    pub lookup: String,
    /// Nonce and ciphertext.
    pub sealed: Vec<u8>,
    /// The vault key that sealed it.
    pub key_id: String,
    /// Unix seconds.
    pub added_at: i64,
}

/// A match waiting for review.
#[derive(Debug, Clone, PartialEq, FromRow)]
pub struct ReviewRow {
    /// Its id.
    pub id: i64,
    /// The record's subject.
    pub record: String,
    /// The customer it may belong to.
    pub candidate: String,
    /// Match probability.
    pub confidence: f64,
    /// JSON of the evidence.
    pub evidence: String,
    /// Unix seconds.
    pub created_at: i64,
    /// `accept`, `reject`, or none while open.
    pub decision: Option<String>,
}

const LINK_COLUMNS: &str = "member, customer, method, confidence, evidence, linked_at";
const REVIEW_COLUMNS: &str = "id, record, candidate, confidence, evidence, created_at, decision";
/// Keys per `IN (...)` list.
const CHUNK: usize = 500;

impl Db {
    /// Every link of the clusters that `subjects` belong to or lead, read inside `tx` (`Some`) or
    /// from the pool.
    pub async fn cluster_links(
        &self,
        tx: Option<&mut Tx>,
        subjects: &[&str],
    ) -> Result<Vec<LinkRow>, DbError> {
        let mut out = Vec::new();
        let mut tx = tx;
        for chunk in subjects.chunks(CHUNK) {
            let list = self.placeholders(1, chunk.len());
            let sql = format!(
                "SELECT {LINK_COLUMNS} FROM links WHERE customer IN ({list}) OR customer IN \
                 (SELECT customer FROM links WHERE member IN ({list2}))",
                list2 = self.placeholders(chunk.len() + 1, chunk.len()),
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for s in chunk.iter().chain(chunk) {
                query = query.bind(*s);
            }
            let rows = match tx.as_deref_mut() {
                Some(tx) => query.fetch_all(&mut **tx).await?,
                None => query.fetch_all(&self.pool).await?,
            };
            for row in rows {
                out.push(LinkRow::from_row(&row)?);
            }
        }
        out.sort_by(|a, b| a.member.cmp(&b.member));
        out.dedup_by(|a, b| a.member == b.member);
        Ok(out)
    }

    /// Starts a write transaction holding `subjects`, the customers they are members of and, with
    /// `members`, every member of those customers, and returns it with the links of their clusters as
    /// read under those locks. The links are read first to know whom to lock, and again inside: when a
    /// link or split landed in between, it starts over (a few times, then [`DbError::Contended`]).
    pub async fn begin_cluster_write(
        &self,
        subjects: &[&str],
        members: bool,
    ) -> Result<(WriteTx, Vec<LinkRow>), DbError> {
        for _ in 0..5 {
            let before = self.cluster_links(None, subjects).await?;
            let mut lock: Vec<&str> = subjects.to_vec();
            for l in &before {
                if members || subjects.contains(&l.member.as_str()) {
                    lock.push(l.customer.as_str());
                }
                if members {
                    lock.push(l.member.as_str());
                }
            }
            lock.sort_unstable();
            lock.dedup();
            let mut write = self.begin_write(&lock).await?;
            let inside = self.cluster_links(Some(&mut write.tx), subjects).await?;
            if inside == before {
                return Ok((write, inside));
            }
        }
        Err(DbError::Contended)
    }

    /// The customer `subject` is linked to, if it is a member.
    pub async fn link_of(&self, subject: &str) -> Result<Option<LinkRow>, DbError> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM links WHERE member = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(subject)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| LinkRow::from_row(&r)).transpose()?)
    }

    /// The customer of each of `subjects` that is a linked member (the others are left out).
    pub async fn customers_of(
        &self,
        subjects: &[&str],
    ) -> Result<std::collections::HashMap<String, String>, DbError> {
        let mut out = std::collections::HashMap::new();
        for chunk in subjects.chunks(CHUNK) {
            let sql = format!(
                "SELECT member, customer FROM links WHERE member IN ({})",
                self.placeholders(1, chunk.len())
            );
            let mut query = sqlx::query_as::<_, (String, String)>(AssertSqlSafe(sql));
            for s in chunk {
                query = query.bind(*s);
            }
            out.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(out)
    }

    /// The members linked to `customer`, oldest link first.
    pub async fn members_of(&self, customer: &str) -> Result<Vec<LinkRow>, DbError> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM links WHERE customer = $1 ORDER BY linked_at, member"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(customer)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(LinkRow::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// The sequence of the cluster `subject` belongs to: its customer's row's.
    pub async fn cluster_sequence(&self, subject: &str) -> Result<Option<i64>, DbError> {
        Ok(sqlx::query_scalar(
            "SELECT sequence FROM profiles WHERE subject = \
             COALESCE((SELECT customer FROM links WHERE member = $1), $1)",
        )
        .bind(subject)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Inserts or replaces a link.
    pub async fn put_link(&self, tx: &mut Tx, link: &LinkRow) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO links (member, customer, method, confidence, evidence, linked_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (member) DO UPDATE SET \
             customer = excluded.customer, method = excluded.method, \
             confidence = excluded.confidence, evidence = excluded.evidence, \
             linked_at = excluded.linked_at",
        )
        .bind(link.member.as_str())
        .bind(link.customer.as_str())
        .bind(link.method.as_str())
        .bind(link.confidence)
        .bind(link.evidence.as_str())
        .bind(link.linked_at)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Removes `member`'s link (a split).
    pub async fn delete_link(&self, tx: &mut Tx, member: &str) -> Result<(), DbError> {
        sqlx::query("DELETE FROM links WHERE member = $1")
            .bind(member)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    /// Stores sealed identifiers (an identical `(subject, kind, lookup)` is kept as it was).
    pub async fn put_identifiers(
        &self,
        tx: &mut Tx,
        rows: &[IdentifierRow],
    ) -> Result<(), DbError> {
        for chunk in rows.chunks(100) {
            let sql = format!(
                "INSERT INTO identifiers (subject, kind, lookup, sealed, key_id, added_at) \
                 VALUES {} ON CONFLICT (subject, kind, lookup) DO NOTHING",
                self.row_placeholders(chunk.len(), 6)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for r in chunk {
                query = query
                    .bind(r.subject.as_str())
                    .bind(r.kind.as_str())
                    .bind(r.lookup.as_str())
                    .bind(r.sealed.as_slice())
                    .bind(r.key_id.as_str())
                    .bind(r.added_at);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// The identifiers of `subjects`.
    pub async fn identifiers_of(&self, subjects: &[&str]) -> Result<Vec<IdentifierRow>, DbError> {
        let mut out = Vec::new();
        for chunk in subjects.chunks(CHUNK) {
            let sql = format!(
                "SELECT subject, kind, lookup, sealed, key_id, added_at FROM identifiers \
                 WHERE subject IN ({}) ORDER BY subject, added_at, kind, lookup",
                self.placeholders(1, chunk.len())
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for s in chunk {
                query = query.bind(*s);
            }
            for row in query.fetch_all(&self.pool).await? {
                out.push(IdentifierRow::from_row(&row)?);
            }
        }
        Ok(out)
    }

    /// Files `subject` under `blocks` (blocking keys of identity matching; kept ones stay).
    pub async fn put_blocks_in(
        &self,
        tx: &mut Tx,
        subject: &str,
        blocks: &[String],
    ) -> Result<(), DbError> {
        for chunk in blocks.chunks(CHUNK) {
            let sql = format!(
                "INSERT INTO identity_blocks (block, subject) VALUES {} \
                 ON CONFLICT (block, subject) DO NOTHING",
                self.row_placeholders(chunk.len(), 2)
            );
            let mut query = sqlx::query(AssertSqlSafe(sql));
            for block in chunk {
                query = query.bind(block.as_str()).bind(subject);
            }
            query.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Replaces the identifier row `(row.subject, row.kind, old_lookup)` by `row` (vault rotation).
    pub async fn replace_identifier_in(
        &self,
        tx: &mut Tx,
        old_lookup: &str,
        row: &IdentifierRow,
    ) -> Result<(), DbError> {
        sqlx::query("DELETE FROM identifiers WHERE subject = $1 AND kind = $2 AND lookup = $3")
            .bind(row.subject.as_str())
            .bind(row.kind.as_str())
            .bind(old_lookup)
            .execute(&mut **tx)
            .await?;
        self.put_identifiers(tx, std::slice::from_ref(row)).await
    }

    /// Replaces the blocks `subject` is filed under by `blocks` (vault rotation).
    pub async fn replace_blocks_in(
        &self,
        tx: &mut Tx,
        subject: &str,
        blocks: &[String],
    ) -> Result<(), DbError> {
        sqlx::query("DELETE FROM identity_blocks WHERE subject = $1")
            .bind(subject)
            .execute(&mut **tx)
            .await?;
        self.put_blocks_in(tx, subject, blocks).await
    }

    /// The subjects filed under any of `blocks`, at most `limit` of them (in the order of their
    /// ids: a block that large says little about a match).
    pub async fn subjects_by_block(
        &self,
        blocks: &[String],
        limit: i64,
    ) -> Result<Vec<String>, DbError> {
        if blocks.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT DISTINCT subject FROM identity_blocks WHERE block IN ({}) \
             ORDER BY subject LIMIT {}",
            self.placeholders(1, blocks.len()),
            self.placeholders(blocks.len() + 1, 1)
        );
        let mut query = sqlx::query_scalar(AssertSqlSafe(sql));
        for block in blocks {
            query = query.bind(block.as_str());
        }
        Ok(query.bind(limit).fetch_all(&self.pool).await?)
    }

    /// The subjects holding an identifier `(kind, lookup)` among `keys`.
    pub async fn subjects_by_lookup(&self, keys: &[(&str, &str)]) -> Result<Vec<String>, DbError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let tuples = self.row_placeholders(chunk.len(), 2);
            let sql = format!(
                "SELECT DISTINCT subject FROM identifiers WHERE (kind, lookup) IN (VALUES {tuples})"
            );
            let mut query = sqlx::query_scalar::<_, String>(AssertSqlSafe(sql));
            for (kind, lookup) in chunk {
                query = query.bind(*kind).bind(*lookup);
            }
            out.extend(query.fetch_all(&self.pool).await?);
        }
        Ok(out)
    }

    /// Every identifier row after `(subject, kind, lookup)`, `limit` at a time (vault rotation).
    pub async fn identifiers_after(
        &self,
        after: (&str, &str, &str),
        limit: i64,
    ) -> Result<Vec<IdentifierRow>, DbError> {
        let rows = sqlx::query(
            "SELECT subject, kind, lookup, sealed, key_id, added_at FROM identifiers \
             WHERE (subject, kind, lookup) > ($1, $2, $3) ORDER BY subject, kind, lookup LIMIT $4",
        )
        .bind(after.0)
        .bind(after.1)
        .bind(after.2)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(IdentifierRow::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Replaces one identifier row's lookup, seal and key (vault rotation).
    pub async fn reseal_identifier(
        &self,
        tx: &mut Tx,
        old_lookup: &str,
        row: &IdentifierRow,
    ) -> Result<(), DbError> {
        sqlx::query(
            "UPDATE identifiers SET lookup = $1, sealed = $2, key_id = $3 \
             WHERE subject = $4 AND kind = $5 AND lookup = $6",
        )
        .bind(row.lookup.as_str())
        .bind(row.sealed.as_slice())
        .bind(row.key_id.as_str())
        .bind(row.subject.as_str())
        .bind(row.kind.as_str())
        .bind(old_lookup)
        .execute(&mut **tx)
        .await?;
        Ok(())
    }

    /// Queues a match for review (unless the same pair is already open); returns its id.
    pub async fn put_review(&self, tx: &mut Tx, review: &ReviewRow) -> Result<i64, DbError> {
        let open: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM identity_reviews WHERE record = $1 AND candidate = $2 \
             AND decision IS NULL",
        )
        .bind(review.record.as_str())
        .bind(review.candidate.as_str())
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(id) = open {
            return Ok(id);
        }
        Ok(sqlx::query_scalar(
            "INSERT INTO identity_reviews (record, candidate, confidence, evidence, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(review.record.as_str())
        .bind(review.candidate.as_str())
        .bind(review.confidence)
        .bind(review.evidence.as_str())
        .bind(review.created_at)
        .fetch_one(&mut **tx)
        .await?)
    }

    /// Open reviews, oldest first, after id `after`.
    pub async fn open_reviews(&self, after: i64, limit: i64) -> Result<Vec<ReviewRow>, DbError> {
        let sql = format!(
            "SELECT {REVIEW_COLUMNS} FROM identity_reviews WHERE decision IS NULL AND id > $1 \
             ORDER BY id LIMIT $2"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(ReviewRow::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// One review.
    pub async fn review(&self, id: i64) -> Result<Option<ReviewRow>, DbError> {
        let sql = format!("SELECT {REVIEW_COLUMNS} FROM identity_reviews WHERE id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| ReviewRow::from_row(&r)).transpose()?)
    }

    /// Records a decision on an open review; false if it was decided meanwhile.
    pub async fn decide_review(
        &self,
        tx: &mut Tx,
        id: i64,
        decision: &str,
        now: i64,
    ) -> Result<bool, DbError> {
        let done = sqlx::query(
            "UPDATE identity_reviews SET decision = $1, decided_at = $2 \
             WHERE id = $3 AND decision IS NULL",
        )
        .bind(decision)
        .bind(now)
        .bind(id)
        .execute(&mut **tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Whether a person rejected the pair `(record, candidate)` before.
    pub async fn rejected(&self, record: &str, candidate: &str) -> Result<bool, DbError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM identity_reviews WHERE decision = 'reject' AND \
             ((record = $1 AND candidate = $2) OR (record = $2 AND candidate = $1))",
        )
        .bind(record)
        .bind(candidate)
        .fetch_one(&self.pool)
        .await?;
        Ok(n > 0)
    }

    /// The stored matching model `name` (JSON).
    pub async fn identity_model(&self, name: &str) -> Result<Option<String>, DbError> {
        Ok(
            sqlx::query_scalar("SELECT model FROM identity_models WHERE name = $1")
                .bind(name)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Stores a matching model.
    pub async fn put_identity_model(
        &self,
        name: &str,
        model: &str,
        now: i64,
    ) -> Result<(), DbError> {
        sqlx::query(
            "INSERT INTO identity_models (name, model, trained_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET model = excluded.model, trained_at = excluded.trained_at",
        )
        .bind(name)
        .bind(model)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes everything identity knows of `subject` (erasure): its identifiers, its links either
    /// way, its reviews either way.
    pub async fn erase_identity_in(&self, tx: &mut Tx, subject: &str) -> Result<(), DbError> {
        for sql in [
            "DELETE FROM identifiers WHERE subject = $1",
            "DELETE FROM identity_blocks WHERE subject = $1",
            "DELETE FROM links WHERE member = $1 OR customer = $1",
            "DELETE FROM identity_reviews WHERE record = $1 OR candidate = $1",
        ] {
            sqlx::query(sql).bind(subject).execute(&mut **tx).await?;
        }
        Ok(())
    }
}
