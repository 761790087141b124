//! Ingestion: profile updates, raw events and feedback folded into each customer's aggregates, in one
//! transaction per request (all or nothing), each changed customer getting a higher sequence number.
//! Changes for an erased customer are refused (and counted on its tombstone), never applied.

use crate::db::{Db, DbError, ImportProgress, ProfileRow};
use crate::erasure::erased_among;
use crate::issue::{next_sequence, Issuer};
use crate::model::{
    ConsentChange, ConsentRecord, ConsentSource, Event, Feedback, Policy, ProfileState,
    ProfileUpdate,
};
use crate::tokens::ReadTokens;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// One change to one customer's aggregates.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// Traits, stated preferences, consent, predictions.
    Update(&'a ProfileUpdate),
    /// A raw event.
    Event(&'a Event),
    /// Feedback from an edge.
    Feedback(&'a Feedback),
}

impl Change<'_> {
    /// The de-duplication key of an event or feedback that carries an `id`.
    fn delivery_key(&self) -> Option<String> {
        match self {
            Change::Update(_) => None,
            Change::Event(e) => e.id().map(|id| format!("e:{id}")),
            Change::Feedback(f) => f.id.as_deref().map(|id| format!("f:{id}")),
        }
    }
}

/// One request's folding: what it applies with, and what it collects for the transaction.
struct Fold<'p, 's> {
    policy: &'p Policy,
    now: u64,
    when: i64,
    default_source: ConsentSource,
    /// (subject, delivery key) pairs applied before.
    seen: HashSet<(String, String)>,
    /// Keys applied by this request.
    new_ids: Vec<(&'s str, String)>,
    /// Consent changes to record.
    consent: Vec<(&'s str, ConsentRecord)>,
    duplicates: usize,
}

impl<'s> Fold<'_, 's> {
    /// Folds one customer's changes into `state`, skipping deliveries already applied.
    fn apply(&mut self, subject: &'s str, list: &[Change<'_>], state: &mut ProfileState) {
        for change in list {
            if let Some(key) = change.delivery_key() {
                let pair = (subject.to_owned(), key);
                if self.seen.contains(&pair) {
                    self.duplicates += 1;
                    continue;
                }
                self.seen.insert(pair.clone());
                self.new_ids.push((subject, pair.1));
            }
            match change {
                Change::Update(update) => {
                    let source = update.consent.source.unwrap_or(self.default_source);
                    for c in state.apply_update(update, self.now) {
                        self.consent.push((subject, record(c, source, self.when)));
                    }
                }
                Change::Event(event) => state.apply_event(event, self.policy, self.now),
                Change::Feedback(feedback) => state.apply_feedback(feedback, self.policy, self.now),
            }
        }
    }
}

/// What a successful write did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// Changes applied.
    pub changes: usize,
    /// Each changed customer's new sequence number.
    pub sequences: BTreeMap<String, i64>,
    /// Changes refused because their customer was erased.
    pub refused_erased: usize,
    /// Events and feedback skipped because their `id` was already applied (a retried delivery).
    pub duplicates: usize,
}

/// A write failure.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The database failed; nothing was written.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Applies changes to the store.
#[derive(Debug)]
pub struct Ingest {
    db: Db,
    issuer: Arc<Issuer>,
    tokens: ReadTokens,
}

impl Ingest {
    /// Ingestion into `db`, invalidating `issuer`'s cached snapshots of changed customers; `tokens` key
    /// the erasure tombstones.
    pub fn new(db: Db, issuer: Arc<Issuer>, tokens: ReadTokens) -> Ingest {
        Ingest { db, issuer, tokens }
    }

    /// Applies `changes` (already validated) in one transaction. With `import`, the import progress is
    /// recorded in the same transaction, so a resumed import neither skips nor repeats a line.
    pub async fn apply(
        &self,
        changes: &[(&str, Change<'_>)],
        now: u64,
        import: Option<(&str, ImportProgress)>,
    ) -> Result<Applied, IngestError> {
        let mut by_subject: BTreeMap<&str, Vec<Change<'_>>> = BTreeMap::new();
        for (subject, change) in changes {
            by_subject.entry(subject).or_default().push(*change);
        }
        let subjects: Vec<&str> = by_subject.keys().copied().collect();
        let (mut write, links) = self.db.begin_cluster_write(&subjects, false).await?;
        // A member's write also moves its customer's row: the cluster's sequence.
        let root_of: HashMap<&str, &str> = links
            .iter()
            .map(|l| (l.member.as_str(), l.customer.as_str()))
            .collect();
        let mut touched: Vec<&str> = subjects.clone();
        touched.extend(subjects.iter().filter_map(|s| root_of.get(s).copied()));
        touched.sort_unstable();
        touched.dedup();
        let current: HashMap<String, ProfileRow> = self
            .db
            .profiles_for_update(&mut write.tx, &touched)
            .await?
            .into_iter()
            .map(|row| (row.subject.clone(), row))
            .collect();
        let unknown: Vec<&str> = subjects
            .iter()
            .copied()
            .filter(|s| !current.contains_key(*s))
            .collect();
        let erased = erased_among(&self.db, &mut write.tx, &self.tokens, &unknown).await?;
        let when = i64::try_from(now).unwrap_or(i64::MAX);
        let keyed: Vec<(&str, String)> = changes
            .iter()
            .filter_map(|(subject, change)| change.delivery_key().map(|k| (*subject, k)))
            .collect();
        let seen = if keyed.is_empty() {
            HashSet::new()
        } else {
            self.db.seen_event_ids(&mut write.tx, &keyed).await?
        };
        let mut fold = Fold {
            policy: self.issuer.policy(),
            now,
            when,
            default_source: if import.is_some() {
                ConsentSource::Import
            } else {
                ConsentSource::Api
            },
            seen,
            new_ids: Vec::new(),
            consent: Vec::new(),
            duplicates: 0,
        };
        let mut rows = Vec::with_capacity(by_subject.len());
        let mut applied = Applied::default();
        for (subject, list) in &by_subject {
            if let Some(key) = erased.get(subject) {
                let count = i64::try_from(list.len()).unwrap_or(i64::MAX);
                self.db.count_refused(&mut write.tx, key, count).await?;
                applied.refused_erased += list.len();
                continue;
            }
            let stored = current.get(*subject);
            let mut state = match stored {
                Some(row) => serde_json::from_str::<ProfileState>(&row.state)
                    .map_err(DbError::corrupt(format!("profile {subject}")))?,
                None => ProfileState::new(subject),
            };
            fold.apply(subject, list, &mut state);
            let text = serde_json::to_string(&state)
                .map_err(DbError::corrupt(format!("profile {subject}")))?;
            // Nothing changed (every change a duplicate, or without effect): no write, same sequence.
            if let Some(row) = stored.filter(|row| row.state == text) {
                applied
                    .sequences
                    .insert((*subject).to_owned(), row.sequence);
                continue;
            }
            let sequence = next_sequence(stored.map_or(0, |row| row.sequence), now);
            applied.sequences.insert((*subject).to_owned(), sequence);
            rows.push(ProfileRow {
                subject: (*subject).to_owned(),
                state: text,
                sequence,
            });
        }
        applied.duplicates = fold.duplicates;
        bump_customers(&mut rows, &current, &root_of, &mut applied.sequences, now);
        self.db.put_profiles(&mut write.tx, &rows, when).await?;
        self.db
            .put_consent_changes(&mut write.tx, &fold.consent)
            .await?;
        if !fold.new_ids.is_empty() {
            let window = i64::from(fold.policy.dedupe_window_days) * 86_400;
            self.db
                .put_event_ids(&mut write.tx, &fold.new_ids, when, when - window)
                .await?;
        }
        if let Some((file_id, mut progress)) = import {
            // Lines of erased customers count as rejected, not accepted.
            let refused = i64::try_from(applied.refused_erased).unwrap_or(i64::MAX);
            progress.accepted -= refused;
            progress.rejected += refused;
            self.db
                .put_import_progress(&mut write.tx, file_id, progress, when)
                .await?;
        }
        write.tx.commit().await.map_err(DbError::from)?;
        self.issuer.forget(
            subjects.iter().copied().chain(
                links
                    .iter()
                    .flat_map(|l| [l.member.as_str(), l.customer.as_str()]),
            ),
        );
        applied.changes = changes.len() - applied.refused_erased - applied.duplicates;
        Ok(applied)
    }
}

/// Gives each customer whose member changed a sequence above both its own and the member's (the
/// member's snapshot carries the customer's sequence), and reports that as the member's sequence.
fn bump_customers(
    rows: &mut Vec<ProfileRow>,
    current: &HashMap<String, ProfileRow>,
    root_of: &HashMap<&str, &str>,
    sequences: &mut BTreeMap<String, i64>,
    now: u64,
) {
    let changed: Vec<(String, i64)> = rows
        .iter()
        .filter(|r| root_of.contains_key(r.subject.as_str()))
        .map(|r| (r.subject.clone(), r.sequence))
        .collect();
    for (member, sequence) in changed {
        let root = root_of[member.as_str()];
        let at = match rows.iter().position(|r| r.subject == root) {
            Some(at) => at,
            None => match current.get(root) {
                Some(row) => {
                    rows.push(row.clone());
                    rows.len() - 1
                }
                None => continue,
            },
        };
        let next = next_sequence(rows[at].sequence.max(sequence), now);
        rows[at].sequence = next;
        sequences.insert(root.to_owned(), next);
        sequences.insert(member, next);
    }
    // Every member reports its customer's final sequence (two members may bump one customer).
    for (member, root) in root_of {
        if let Some(&seq) = sequences.get(*root) {
            if let Some(slot) = sequences.get_mut(*member) {
                *slot = seq;
            }
        }
    }
}

/// The stored evidence of one consent change.
fn record(change: ConsentChange, source: ConsentSource, at: i64) -> ConsentRecord {
    ConsentRecord {
        kind: change.target.kind().to_owned(),
        name: change.target.name().to_owned(),
        state: change.state.name().to_owned(),
        at,
        source: source.name(),
    }
}
