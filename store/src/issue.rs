//! Issuing signed snapshots: each customer's profile snapshot (built from the stored aggregates, signed with
//! the active key, expiring by policy) and each audience's ruleset snapshot, with strong ETags and an
//! in-memory cache so that reads do not touch the database.
//!
//! A stored snapshot is served while it carries the profile's current sequence number, was signed by the
//! active key and has at least half its lifetime left; otherwise it is re-issued. A re-issue that changes
//! nothing but the key or the expiry still takes a new, higher sequence number, so an edge never sees two
//! different snapshots with one sequence.

use crate::db::{Db, DbError, ProfileRow, RulesetRow, SnapshotRow};
use crate::model::{Policy, ProfileState};
use crate::signer::Signer;
use persona_edge::profile::sign_profile;
use persona_edge::ruleset::{compile, sign_ruleset, RulesetError, RulesetSource};
use persona_edge::snapshot::SnapshotError;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// A failure while issuing a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum IssueError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// Signing refused the document (e.g. a snapshot over the size limit).
    #[error("cannot sign: {0}")]
    Sign(#[from] SnapshotError),
    /// The profile kept changing under concurrent writes; the caller may retry.
    #[error("profile {0} is changing too fast to issue a snapshot; retry")]
    Contended(String),
}

/// Why `PUT /v1/ruleset` refused a ruleset.
#[derive(Debug, thiserror::Error)]
pub enum RulesetRejection {
    /// The body is not a ruleset document; `path` is where in the JSON.
    #[error("{path}: {message}")]
    Shape {
        /// JSON path of the problem.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The ruleset does not compile.
    #[error(transparent)]
    Compile(#[from] RulesetError),
    /// Issuing failed.
    #[error(transparent)]
    Issue(#[from] IssueError),
}

/// A signed snapshot ready to serve.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The snapshot (cheap to clone into a response).
    pub bytes: axum::body::Bytes,
    /// Strong ETag, quoted.
    pub etag: String,
    /// Its sequence number.
    pub sequence: i64,
    /// Its expiry, Unix seconds.
    pub expires_at: i64,
    key_id: String,
    issued_at: i64,
    cached_at: Instant,
}

/// The sequence number after `prev`: at least `prev + 1`, and at least the current time in milliseconds,
/// so sequences keep growing across a deleted and re-created profile or a database restored from backup.
pub fn next_sequence(prev: i64, now: u64) -> i64 {
    let clock = i64::try_from(now.saturating_mul(1000)).unwrap_or(i64::MAX);
    prev.saturating_add(1).max(clock)
}

/// A strong ETag: the first 128 bits of the snapshot's SHA-256, quoted.
pub fn etag_of(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!("\"{}\"", crate::io::hex(&digest[..16]))
}

/// One customer's cached snapshots, one per audience.
type PerAudience = Vec<(String, Arc<Issued>)>;

/// Issues and caches snapshots.
#[derive(Debug)]
pub struct Issuer {
    db: Db,
    signer: Arc<Signer>,
    policy: Policy,
    lifetime: u64,
    cache_ttl: Duration,
    /// Cached profile snapshots: subject -> (audience, snapshot).
    profiles: RwLock<HashMap<String, PerAudience>>,
    rulesets: RwLock<HashMap<String, Arc<Issued>>>,
    /// Bumped by every write: a snapshot read from the database while a write happened is served but not
    /// cached, so a write is never hidden behind a cache entry filled just before it.
    writes: AtomicU64,
}

impl Issuer {
    /// An issuer signing with `signer`'s active key, snapshots living `lifetime` seconds. Cached snapshots
    /// are re-read from the database after `cache_ttl` (what bounds staleness when several store processes
    /// share one PostgreSQL database; a process's own writes update its cache at once).
    pub fn new(
        db: Db,
        signer: Arc<Signer>,
        policy: Policy,
        lifetime: u64,
        cache_ttl: Duration,
    ) -> Issuer {
        Issuer {
            db,
            signer,
            policy,
            lifetime: lifetime.max(60),
            cache_ttl,
            profiles: RwLock::new(HashMap::new()),
            rulesets: RwLock::new(HashMap::new()),
            writes: AtomicU64::new(0),
        }
    }

    /// The aggregation policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Snapshot lifetime in seconds.
    pub fn lifetime(&self) -> u64 {
        self.lifetime
    }

    /// Whether a snapshot signed by `key_id` at `issued_at` may still be served at `now`.
    fn servable(&self, key_id: &str, issued_at: i64, now: u64) -> bool {
        let half = i64::try_from(self.lifetime / 2).unwrap_or(i64::MAX);
        key_id == self.signer.keys().active_kid
            && issued_at.saturating_add(half) > i64::try_from(now).unwrap_or(i64::MAX)
    }

    fn cached(&self, issued: &Issued, now: u64) -> bool {
        issued.cached_at.elapsed() < self.cache_ttl
            && self.servable(&issued.key_id, issued.issued_at, now)
    }

    fn cached_profile(&self, subject: &str, audience: &str) -> Option<Arc<Issued>> {
        let cache = self.profiles.read().unwrap_or_else(|p| p.into_inner());
        cache
            .get(subject)?
            .iter()
            .find(|(a, _)| a == audience)
            .map(|(_, issued)| issued.clone())
    }

    /// Drops cached snapshots of these customers (after a write).
    pub fn forget<'a>(&self, subjects: impl IntoIterator<Item = &'a str>) {
        self.writes.fetch_add(1, Ordering::SeqCst);
        let mut cache = self.profiles.write().unwrap_or_else(|p| p.into_inner());
        for subject in subjects {
            cache.remove(subject);
        }
    }

    /// The current profile snapshot of `subject` for `audience`, or `None` for a customer the store does
    /// not know.
    pub async fn profile_snapshot(
        &self,
        subject: &str,
        audience: &str,
        now: u64,
    ) -> Result<Option<Arc<Issued>>, IssueError> {
        let hit = self.cached_profile(subject, audience);
        if let Some(hit) = &hit {
            if self.cached(hit, now) {
                return Ok(Some(hit.clone()));
            }
        }
        let epoch = self.writes.load(Ordering::SeqCst);
        // Past the cache TTL, a snapshot that is still current costs one small query to confirm.
        if let Some(hit) = hit.filter(|h| self.servable(&h.key_id, h.issued_at, now)) {
            if self.db.cluster_sequence(subject).await? == Some(hit.sequence) {
                let fresh = Issued {
                    cached_at: Instant::now(),
                    ..(*hit).clone()
                };
                return Ok(Some(self.remember(subject, audience, fresh, epoch)));
            }
        }
        // A concurrent writer can move the sequence between our read and our bump: try again then.
        for _ in 0..5 {
            let Some(cluster) = self.cluster(subject).await? else {
                return Ok(None);
            };
            let profile = &cluster.root;
            let root = profile.subject.as_str();
            let stored = self.db.snapshot(subject, audience).await?;
            if let Some(s) = &stored {
                if s.sequence == profile.sequence && self.servable(&s.key_id, s.issued_at, now) {
                    return Ok(Some(self.remember(
                        subject,
                        audience,
                        Issued::from(s.clone()),
                        epoch,
                    )));
                }
            }
            let sequence = match &stored {
                Some(s) if s.sequence >= profile.sequence => {
                    let next = next_sequence(profile.sequence, now);
                    if !self.db.bump_sequence(root, profile.sequence, next).await? {
                        continue;
                    }
                    next
                }
                _ => profile.sequence,
            };
            let document = cluster
                .state(subject, &self.policy, now)?
                .to_profile(&self.policy, now);
            let keys = self.signer.keys();
            let expires_at = now.saturating_add(self.lifetime);
            let bytes = sign_profile(
                &document,
                now,
                expires_at,
                u64::try_from(sequence).unwrap_or(0),
                audience,
                &keys.active,
            )?;
            let row = signed_row(bytes, sequence, &keys.active_kid, now, expires_at);
            self.db.put_snapshot(subject, audience, &row).await?;
            return Ok(Some(self.remember(
                subject,
                audience,
                Issued::from(row),
                epoch,
            )));
        }
        Err(IssueError::Contended(subject.to_owned()))
    }

    /// The cluster `subject` belongs to, read consistently (the links did not change across the
    /// reads), or `None` for a subject the store does not know.
    pub async fn cluster(&self, subject: &str) -> Result<Option<Cluster>, IssueError> {
        for _ in 0..5 {
            let links = self.db.cluster_links(None, &[subject]).await?;
            let root = links
                .iter()
                .find(|l| l.member == subject)
                .map_or(subject, |l| l.customer.as_str());
            let members: Vec<&str> = links
                .iter()
                .filter(|l| l.customer == root)
                .map(|l| l.member.as_str())
                .collect();
            let Some(row) = self.db.profile(root).await? else {
                return Ok(None);
            };
            let member_rows = self.db.profiles(&members).await?;
            if self.db.cluster_links(None, &[subject]).await? == links {
                return Ok(Some(Cluster {
                    root: row,
                    members: member_rows,
                }));
            }
        }
        Err(IssueError::Contended(subject.to_owned()))
    }

    /// Caches `issued` unless a write happened since `epoch`; returns it either way.
    fn remember(&self, subject: &str, audience: &str, issued: Issued, epoch: u64) -> Arc<Issued> {
        let issued = Arc::new(issued);
        let mut cache = self.profiles.write().unwrap_or_else(|p| p.into_inner());
        if self.writes.load(Ordering::SeqCst) == epoch {
            let entries = cache.entry(subject.to_owned()).or_default();
            entries.retain(|(a, _)| a != audience);
            entries.push((audience.to_owned(), issued.clone()));
        }
        issued
    }

    /// The current ruleset snapshot of `audience` (re-signed when stale), or `None` before the first
    /// `PUT /v1/ruleset`.
    pub async fn ruleset(
        &self,
        audience: &str,
        now: u64,
    ) -> Result<Option<Arc<Issued>>, IssueError> {
        if let Some(hit) = self
            .rulesets
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(audience)
            .filter(|hit| self.cached(hit, now))
        {
            return Ok(Some(hit.clone()));
        }
        let Some(row) = self.db.ruleset(audience).await? else {
            return Ok(None);
        };
        if self.servable(&row.snapshot.key_id, row.snapshot.issued_at, now) {
            return Ok(Some(self.remember_ruleset(audience, row.snapshot)));
        }
        // Stale (old key or half its life gone): sign the same source again with a new sequence.
        let source: RulesetSource = serde_json::from_str(&row.source)
            .map_err(DbError::corrupt(format!("ruleset of {audience}")))?;
        match self
            .issue_ruleset(
                audience,
                &row.source,
                &source,
                Some(row.snapshot.sequence),
                now,
            )
            .await
        {
            Ok(issued) => Ok(Some(issued)),
            Err(RulesetRejection::Issue(e)) => Err(e),
            Err(other) => Err(IssueError::Db(DbError::Corrupt {
                what: format!("ruleset of {audience}"),
                message: other.to_string(),
            })),
        }
    }

    /// Compiles, signs and stores a new ruleset for `audience` from its authoring JSON.
    pub async fn put_ruleset(
        &self,
        audience: &str,
        text: &str,
        now: u64,
    ) -> Result<Arc<Issued>, RulesetRejection> {
        let source: RulesetSource =
            crate::json::from_str(text).map_err(|failure| RulesetRejection::Shape {
                path: failure.path.unwrap_or_else(|| ".".to_owned()),
                message: failure.error.to_string(),
            })?;
        let previous = self.db.ruleset(audience).await.map_err(IssueError::from)?;
        self.issue_ruleset(
            audience,
            text,
            &source,
            previous.map(|p| p.snapshot.sequence),
            now,
        )
        .await
    }

    async fn issue_ruleset(
        &self,
        audience: &str,
        text: &str,
        source: &RulesetSource,
        previous: Option<i64>,
        now: u64,
    ) -> Result<Arc<Issued>, RulesetRejection> {
        let ruleset = compile(source)?;
        let sequence = next_sequence(previous.unwrap_or(0), now);
        let keys = self.signer.keys();
        let expires_at = now.saturating_add(self.lifetime);
        let bytes = sign_ruleset(
            &ruleset,
            now,
            expires_at,
            u64::try_from(sequence).unwrap_or(0),
            audience,
            &keys.active,
        )
        .map_err(IssueError::from)?;
        let row = RulesetRow {
            source: text.to_owned(),
            snapshot: signed_row(bytes, sequence, &keys.active_kid, now, expires_at),
        };
        self.db
            .put_ruleset(audience, &row)
            .await
            .map_err(IssueError::from)?;
        Ok(self.remember_ruleset(audience, row.snapshot))
    }

    fn remember_ruleset(&self, audience: &str, row: SnapshotRow) -> Arc<Issued> {
        let issued = Arc::new(Issued::from(row));
        self.rulesets
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(audience.to_owned(), issued.clone());
        issued
    }
}

impl From<SnapshotRow> for Issued {
    fn from(row: SnapshotRow) -> Issued {
        Issued {
            bytes: row.bytes.into(),
            etag: row.etag,
            sequence: row.sequence,
            expires_at: row.expires_at,
            key_id: row.key_id,
            issued_at: row.issued_at,
            cached_at: Instant::now(),
        }
    }
}

/// A customer's cluster as stored: the customer's row, which carries the cluster's sequence, and the
/// rows of the subjects linked to it.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// The customer's row.
    pub root: ProfileRow,
    /// Its members' rows.
    pub members: Vec<ProfileRow>,
}

impl Cluster {
    /// The merged state the snapshot of `serve_as` (the customer or a member) is minimized from.
    pub fn state(
        &self,
        serve_as: &str,
        policy: &Policy,
        now: u64,
    ) -> Result<ProfileState, DbError> {
        let members = self
            .members
            .iter()
            .map(parse_state)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(parse_state(&self.root)?.merged(&members, serve_as, policy, now))
    }
}

/// The stored state of a profile row.
fn parse_state(row: &ProfileRow) -> Result<ProfileState, DbError> {
    serde_json::from_str(&row.state).map_err(DbError::corrupt(format!("profile {}", row.subject)))
}

/// The row of a freshly signed snapshot.
fn signed_row(
    bytes: Vec<u8>,
    sequence: i64,
    key_id: &str,
    now: u64,
    expires_at: u64,
) -> SnapshotRow {
    SnapshotRow {
        sequence,
        key_id: key_id.to_owned(),
        issued_at: i64::try_from(now).unwrap_or(i64::MAX),
        expires_at: i64::try_from(expires_at).unwrap_or(i64::MAX),
        etag: etag_of(&bytes),
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequences_grow_past_the_clock() {
        assert_eq!(next_sequence(0, 1_800_000_000), 1_800_000_000_000);
        assert_eq!(
            next_sequence(1_800_000_000_500, 1_800_000_000),
            1_800_000_000_501
        );
        assert!(next_sequence(5, 0) == 6);
    }

    #[test]
    fn etags_are_strong_and_content_based() {
        let a = etag_of(b"one");
        assert!(a.starts_with('"') && a.ends_with('"') && a.len() == 34);
        assert_ne!(a, etag_of(b"two"));
        assert_eq!(a, etag_of(b"one"));
    }
}
