//! Erasure (GDPR art. 17, CPRA right to delete): every row about a customer goes in one transaction, a
//! tombstone without personal data stays, and writes that arrive later for the customer are refused and
//! counted instead of recreating it. What the databases keep on disk afterwards: docs/PRIVACY.md.

use crate::db::{Db, DbError, Tombstone, Tx};
use crate::issue::Issuer;
use crate::tokens::ReadTokens;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What an erasure request found for one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Outcome {
    /// The customer's rows were deleted now.
    Erased {
        /// The last sequence number the customer had.
        last_sequence: i64,
    },
    /// The customer was erased before (erasure is idempotent).
    AlreadyErased {
        /// When, Unix seconds.
        erased_at: i64,
    },
    /// The store has never held this subject.
    Unknown,
}

/// Erases customers.
#[derive(Debug)]
pub struct Eraser {
    db: Db,
    issuer: Arc<Issuer>,
    tokens: ReadTokens,
}

impl Eraser {
    /// Erasure in `db`; `issuer`'s cached snapshots of erased customers are dropped, `tokens` key the
    /// tombstones.
    pub fn new(db: Db, issuer: Arc<Issuer>, tokens: ReadTokens) -> Eraser {
        Eraser { db, issuer, tokens }
    }

    /// Erases `subjects` (valid subject ids) in one transaction: all or none.
    pub async fn erase(&self, subjects: &[&str], now: u64) -> Result<Vec<Outcome>, DbError> {
        self.erase_where(subjects, now, None).await
    }

    /// Retention: erases, in batches of `batch` (each one transaction), every customer whose profile was
    /// last written more than `retention` seconds before `now`, then scrubs the database. Returns how many
    /// were erased. A customer written meanwhile is kept (checked under its lock).
    pub async fn erase_inactive(
        &self,
        retention: u64,
        now: u64,
        batch: usize,
    ) -> Result<u64, DbError> {
        let before = i64::try_from(now.saturating_sub(retention)).unwrap_or(i64::MAX);
        let limit = i64::try_from(batch.max(1)).unwrap_or(i64::MAX);
        let (mut erased, mut after) = (0u64, String::new());
        loop {
            let page = self.db.inactive_subjects(before, &after, limit).await?;
            let Some(last) = page.last().cloned() else {
                break;
            };
            let ids: Vec<&str> = page.iter().map(String::as_str).collect();
            let outcomes = self.erase_where(&ids, now, Some(before)).await?;
            erased += outcomes
                .iter()
                .filter(|o| matches!(o, Outcome::Erased { .. }))
                .count() as u64;
            after = last;
        }
        if erased > 0 {
            self.scrub().await?;
        }
        Ok(erased)
    }

    async fn erase_where(
        &self,
        subjects: &[&str],
        now: u64,
        inactive_before: Option<i64>,
    ) -> Result<Vec<Outcome>, DbError> {
        let (mut write, links) = self.db.begin_cluster_write(subjects, true).await?;
        let erased_at = i64::try_from(now).unwrap_or(i64::MAX);
        let mut outcomes = Vec::with_capacity(subjects.len());
        let mut gone: Vec<String> = Vec::new();
        for subject in subjects {
            let link = links.iter().find(|l| l.member == *subject);
            // Retention decides per cluster: a member of a customer is kept while the customer is
            // active (a member's write moves its customer's `updated_at` too).
            if inactive_before.is_some() && link.is_some() {
                outcomes.push(Outcome::Unknown);
                continue;
            }
            let root = link.map_or(*subject, |l| l.customer.as_str());
            let tombstone = self.tombstone_of(subject, erased_at);
            let outcome = match self
                .db
                .erase_in(&mut write.tx, subject, &tombstone, inactive_before)
                .await?
            {
                Some(last_sequence) => Outcome::Erased { last_sequence },
                None => match self
                    .db
                    .tombstones_in(&mut write.tx, &[tombstone.subject_key])
                    .await?
                    .first()
                {
                    Some(before) => Outcome::AlreadyErased {
                        erased_at: before.erased_at,
                    },
                    None => Outcome::Unknown,
                },
            };
            // The whole cluster goes: the customer and every member (erasure is of the person).
            if matches!(outcome, Outcome::Erased { .. }) || link.is_some() {
                let members = links.iter().filter(|l| l.customer == root);
                for other in std::iter::once(root)
                    .chain(members.map(|l| l.member.as_str()))
                    .filter(|s| s != subject)
                {
                    let tombstone = self.tombstone_of(other, erased_at);
                    self.db
                        .erase_in(&mut write.tx, other, &tombstone, None)
                        .await?;
                    gone.push(other.to_owned());
                }
            }
            self.db.erase_identity_in(&mut write.tx, subject).await?;
            outcomes.push(outcome);
        }
        for other in &gone {
            self.db.erase_identity_in(&mut write.tx, other).await?;
        }
        write.tx.commit().await?;
        self.issuer.forget(
            subjects
                .iter()
                .copied()
                .chain(gone.iter().map(String::as_str)),
        );
        Ok(outcomes)
    }

    fn tombstone_of(&self, subject: &str, erased_at: i64) -> Tombstone {
        Tombstone {
            subject_key: self.tokens.tombstone_key(subject),
            kv_key: self.tokens.kv_key(subject),
            erased_at,
            last_sequence: 0,
            refused: 0,
        }
    }

    /// Removes what the database still keeps of erased rows where it can (see [`Db::scrub`]); run after
    /// a batch of erasures. False if SQLite readers kept its log from being truncated this time.
    pub async fn scrub(&self) -> Result<bool, DbError> {
        self.db.scrub().await
    }

    /// The tombstone of `subject`, if it was erased.
    pub async fn tombstone(&self, subject: &str) -> Result<Option<Tombstone>, DbError> {
        self.db.tombstone(&self.tokens.tombstone_key(subject)).await
    }
}

/// The erased customers among `subjects`, read inside the write transaction that holds their locks, with
/// each one's tombstone key.
pub async fn erased_among<'s>(
    db: &Db,
    tx: &mut Tx,
    tokens: &ReadTokens,
    subjects: &[&'s str],
) -> Result<BTreeMap<&'s str, String>, DbError> {
    if subjects.is_empty() {
        return Ok(BTreeMap::new());
    }
    let keys: Vec<String> = subjects.iter().map(|s| tokens.tombstone_key(s)).collect();
    let found: std::collections::HashSet<String> = db
        .tombstones_in(tx, &keys)
        .await?
        .into_iter()
        .map(|t| t.subject_key)
        .collect();
    Ok(subjects
        .iter()
        .zip(keys)
        .filter(|(_, key)| found.contains(key))
        .map(|(subject, key)| (*subject, key))
        .collect())
}
