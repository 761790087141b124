//! The identity graph: customers and the member subjects linked to them, with the confidence and
//! the evidence of every link.
//!
//! Each subject (an anonymous device, a login, an imported record) keeps its own `profiles` row; a
//! link makes the member part of its customer's cluster, whose snapshot merges every member's state
//! (see [`ProfileState::merged`]). The customer's row carries the cluster's sequence: a link or a split
//! moves the sequences of both sides past both, so every edge sees a newer snapshot, and a split takes
//! back out exactly what the member contributed (its row was never mixed into another).

use super::kind::IdentifierKind;
use super::matcher::{self, Index, MatchRecord, Model, Scored};
use super::normalize::normalize;
use super::policy::IdentityPolicy;
use super::priors::{default_model, training_settings};
use super::vault::{Vault, VaultError};
use crate::db::{Db, DbError, IdentifierRow, LinkRow, ProfileRow, ReviewRow, Tx};
use crate::erasure::erased_among;
use crate::issue::{next_sequence, Issuer};
use crate::model::{ModelError, ProfileState};
use crate::tokens::ReadTokens;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// An identity request that cannot be done.
#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    /// Bad input at a path (422); nothing was changed.
    #[error(transparent)]
    Invalid(#[from] ModelError),
    /// The subject was erased (410).
    #[error("{0} was erased; the store keeps nothing about it")]
    Erased(String),
    /// The request conflicts with the graph (409).
    #[error("{0}")]
    Conflict(String),
    /// No such review or subject (404).
    #[error("{0}")]
    NotFound(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The vault failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// The vault row of one normalized value, sealed and hashed under `vault`'s active key.
pub(super) fn sealed_row(
    vault: &Vault,
    subject: &str,
    kind: IdentifierKind,
    value: &str,
    added_at: i64,
) -> Result<IdentifierRow, IdentityError> {
    let lookup = vault.lookup(kind, value);
    Ok(IdentifierRow {
        subject: subject.to_owned(),
        kind: kind.name().to_owned(),
        sealed: vault.seal(kind, &lookup, value)?,
        lookup,
        key_id: vault.active_id().to_owned(),
        added_at,
    })
}

/// The blocking keys of `me` under `vault`'s active key: one per blocking rule over several fields
/// whose fields it all has (rules on one strong identifier use that identifier's lookup; see
/// [`Identities::resolve`]).
pub(super) fn blocking_keys(vault: &Vault, me: &MatchRecord, model: &Model) -> Vec<String> {
    model
        .blocking_rules
        .iter()
        .filter(|rule| rule.fields.len() > 1)
        .filter_map(|rule| {
            let values: Option<Vec<&str>> = rule.fields.iter().map(|&f| me.get(f)).collect();
            Some(vault.block(&rule.name(), &values?))
        })
        .collect()
}

/// The fewest records a matching model is trained on.
pub const MIN_TRAINING_RECORDS: usize = 100;

/// The most subjects taken from a record's blocks as candidates (blocks that large say little).
const MAX_BLOCKED: i64 = 500;

/// How a link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkMethod {
    /// A login: the anonymous id and the customer id came together (confidence 1).
    Login,
    /// A probabilistic match at or above the link threshold.
    Match,
    /// A match a person accepted from the review queue.
    Review,
}

impl LinkMethod {
    /// The method with this stored name.
    pub fn from_name(name: &str) -> Option<LinkMethod> {
        [LinkMethod::Login, LinkMethod::Match, LinkMethod::Review]
            .into_iter()
            .find(|m| m.name() == name)
    }

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            LinkMethod::Login => "login",
            LinkMethod::Match => "match",
            LinkMethod::Review => "review",
        }
    }
}

/// The answer to a login link.
#[derive(Debug, Clone, Serialize)]
pub struct LoginLinked {
    /// The customer the visitor is now (the customer id, or the customer it belongs to).
    pub customer: String,
    /// The anonymous id linked.
    pub anonymous: String,
    /// The cluster's new sequence: the next snapshot of the customer and of the anonymous id.
    pub sequence: i64,
    /// The customer's read token, for the client to switch identity.
    pub token: String,
    /// Whether the anonymous id had activity that now counts for the customer.
    pub folded: bool,
    /// A device link released because the customer was at the device limit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub released: Option<String>,
}

/// One imported record: its subject id in the source system and its raw identifiers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityRecord {
    /// The record's pseudonymous subject id (e.g. `crm-1234`).
    pub subject: String,
    /// Raw identifiers by kind; each one value or a list.
    pub identifiers: RecordIdentifiers,
}

/// One value or several.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    /// One value.
    One(String),
    /// Several values.
    Many(Vec<String>),
}

impl OneOrMany {
    fn values(&self) -> Vec<&str> {
        match self {
            OneOrMany::One(v) => vec![v.as_str()],
            OneOrMany::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

/// The identifiers a record may carry (anything else is refused).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RecordIdentifiers {
    pub email: Option<OneOrMany>,
    pub phone: Option<OneOrMany>,
    pub loyalty: Option<OneOrMany>,
    pub given_name: Option<OneOrMany>,
    pub surname: Option<OneOrMany>,
    pub date_of_birth: Option<OneOrMany>,
    pub address: Option<OneOrMany>,
    pub locality: Option<OneOrMany>,
    pub postcode: Option<OneOrMany>,
}

impl RecordIdentifiers {
    /// One value per kind (kinds that are not record identifiers are left out).
    pub fn from_values(values: BTreeMap<IdentifierKind, String>) -> RecordIdentifiers {
        let mut out = RecordIdentifiers::default();
        for (kind, value) in values {
            let slot = match kind {
                IdentifierKind::Email => &mut out.email,
                IdentifierKind::Phone => &mut out.phone,
                IdentifierKind::Loyalty => &mut out.loyalty,
                IdentifierKind::GivenName => &mut out.given_name,
                IdentifierKind::Surname => &mut out.surname,
                IdentifierKind::DateOfBirth => &mut out.date_of_birth,
                IdentifierKind::Address => &mut out.address,
                IdentifierKind::Locality => &mut out.locality,
                IdentifierKind::Postcode => &mut out.postcode,
                IdentifierKind::Device | IdentifierKind::Login => continue,
            };
            *slot = Some(OneOrMany::One(value));
        }
        out
    }

    fn get(&self, kind: IdentifierKind) -> Option<&OneOrMany> {
        match kind {
            IdentifierKind::Email => self.email.as_ref(),
            IdentifierKind::Phone => self.phone.as_ref(),
            IdentifierKind::Loyalty => self.loyalty.as_ref(),
            IdentifierKind::GivenName => self.given_name.as_ref(),
            IdentifierKind::Surname => self.surname.as_ref(),
            IdentifierKind::DateOfBirth => self.date_of_birth.as_ref(),
            IdentifierKind::Address => self.address.as_ref(),
            IdentifierKind::Locality => self.locality.as_ref(),
            IdentifierKind::Postcode => self.postcode.as_ref(),
            IdentifierKind::Device | IdentifierKind::Login => None,
        }
    }
}

/// A record after validation: normalized values by kind.
#[derive(Debug, Clone)]
pub struct Normalized {
    /// The record's subject.
    pub subject: String,
    /// `(kind, normalized value)`, each once.
    pub values: Vec<(IdentifierKind, String)>,
}

impl Normalized {
    /// The record as the matcher sees it (one value per field: the first).
    pub fn match_record(&self) -> MatchRecord {
        let mut record = MatchRecord::new(self.subject.clone());
        for (kind, value) in &self.values {
            if let Some(field) = kind.field() {
                if record.get(field).is_none() {
                    record.set(field, Some(value.clone()));
                }
            }
        }
        record
    }
}

/// A stored subject as the matcher sees it: per field, the value added last (rows come oldest first).
fn latest(subject: &str, values: &[(IdentifierKind, String)]) -> MatchRecord {
    let mut record = MatchRecord::new(subject);
    for (kind, value) in values {
        if let Some(field) = kind.field() {
            record.set(field, Some(value.clone()));
        }
    }
    record
}

/// What resolving one record did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    /// Linked to an existing customer (at or above the link threshold).
    Linked,
    /// A match between the thresholds waits for review; the record is its own customer meanwhile.
    Review,
    /// No candidate reached the review threshold: the record is a customer of its own.
    New,
    /// Already linked to this customer; the new data points kept the link at or above the threshold.
    Kept,
    /// Already linked, but the new data points dropped the link below the threshold: split off.
    Split,
    /// The record's subject is a customer with members of its own; its identifiers were added, and
    /// merging two customers is left to review.
    Customer,
}

/// The answer for one record.
#[derive(Debug, Clone, Serialize)]
pub struct Resolved {
    /// The record's subject.
    pub subject: String,
    /// What happened.
    pub outcome: Resolution,
    /// The customer the record belongs to now.
    pub customer: String,
    /// The best match's probability (none without a candidate).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f64>,
    /// The review queued, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<i64>,
    /// The candidate customer the confidence is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub candidate: Option<String>,
}

/// One link, explained (no raw identifier ever).
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    /// The member subject.
    pub member: String,
    /// How it was linked.
    pub method: String,
    /// Posterior match probability.
    pub confidence: f64,
    /// Unix seconds.
    pub linked_at: i64,
    /// What agreed, at which level, with what weight.
    pub evidence: serde_json::Value,
}

/// A customer's identities: its members and how many identifiers of each kind the vault holds.
#[derive(Debug, Clone, Serialize)]
pub struct IdentitiesView {
    /// The subject asked about.
    pub subject: String,
    /// The customer it belongs to (itself when it is one).
    pub customer: String,
    /// The cluster's members.
    pub members: Vec<LinkView>,
    /// Identifier counts per kind across the cluster (values stay in the vault).
    pub identifiers: BTreeMap<String, usize>,
    /// Open reviews about the cluster.
    pub reviews: Vec<ReviewView>,
}

/// A review as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewView {
    /// Its id.
    pub id: i64,
    /// The record's subject.
    pub record: String,
    /// The customer it may belong to.
    pub candidate: String,
    /// Match probability.
    pub confidence: f64,
    /// Unix seconds.
    pub created_at: i64,
    /// The evidence.
    pub evidence: serde_json::Value,
    /// `accept` or `reject` once decided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<String>,
}

impl From<ReviewRow> for ReviewView {
    fn from(r: ReviewRow) -> ReviewView {
        ReviewView {
            id: r.id,
            record: r.record,
            candidate: r.candidate,
            confidence: r.confidence,
            created_at: r.created_at,
            evidence: serde_json::from_str(&r.evidence).unwrap_or(serde_json::Value::Null),
            decision: r.decision,
        }
    }
}

/// The identity graph of one store.
#[derive(Debug)]
pub struct Identities {
    pub(super) db: Db,
    issuer: Arc<Issuer>,
    pub(super) vault: Vault,
    policy: IdentityPolicy,
    tokens: ReadTokens,
}

fn at(now: u64) -> i64 {
    i64::try_from(now).unwrap_or(i64::MAX)
}

fn evidence_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

impl Identities {
    /// The graph over `db`, sealing with `vault`, invalidating `issuer`'s cached snapshots.
    pub fn new(
        db: Db,
        issuer: Arc<Issuer>,
        vault: Vault,
        policy: IdentityPolicy,
        tokens: ReadTokens,
    ) -> Identities {
        Identities {
            db,
            issuer,
            vault,
            policy,
            tokens,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &IdentityPolicy {
        &self.policy
    }

    fn check_subject(path: &str, subject: &str) -> Result<(), IdentityError> {
        normalize(IdentifierKind::Login, subject, "", path)?;
        Ok(())
    }

    fn check_placeholder(
        &self,
        path: &str,
        kind: Option<IdentifierKind>,
        value: &str,
    ) -> Result<(), IdentityError> {
        if self.policy.is_blocked(kind, value) {
            return Err(ModelError::new(
                path,
                "a placeholder value that identifies nobody (see the identity policy's `blocked`)",
            )
            .into());
        }
        Ok(())
    }

    async fn refuse_erased(&self, tx: &mut Tx, subjects: &[&str]) -> Result<(), IdentityError> {
        let erased = erased_among(&self.db, tx, &self.tokens, subjects).await?;
        match erased.keys().next() {
            Some(s) => Err(IdentityError::Erased((*s).to_owned())),
            None => Ok(()),
        }
    }

    /// Links an anonymous id to the customer who logged in on it (confidence 1). The anonymous id's
    /// activity counts for the customer at once; its snapshot is superseded by the cluster's (a higher
    /// sequence). A device linked to another customer before moves to this one (the latest login wins);
    /// a customer at the device limit releases its oldest device link.
    pub async fn login(
        &self,
        anonymous: &str,
        customer: &str,
        now: u64,
    ) -> Result<LoginLinked, IdentityError> {
        Self::check_subject("anonymous", anonymous)?;
        Self::check_subject("customer", customer)?;
        self.check_placeholder("anonymous", None, anonymous)?;
        self.check_placeholder("customer", None, customer)?;
        if anonymous == customer {
            return Err(ModelError::new("anonymous", "is the customer id itself").into());
        }
        let (mut write, links) = self
            .db
            .begin_cluster_write(&[anonymous, customer], true)
            .await?;
        self.refuse_erased(&mut write.tx, &[anonymous, customer])
            .await?;
        let root = links
            .iter()
            .find(|l| l.member == customer)
            .map_or(customer, |l| l.customer.as_str())
            .to_owned();
        if root == anonymous {
            return Err(IdentityError::Conflict(format!(
                "{customer} is linked to {anonymous}: the anonymous id is that customer"
            )));
        }
        if links.iter().any(|l| l.customer == anonymous) {
            return Err(IdentityError::Conflict(format!(
                "{anonymous} is a customer with linked identifiers, not an anonymous id"
            )));
        }
        let previous = links.iter().find(|l| l.member == anonymous).cloned();
        let mut involved: Vec<String> = vec![anonymous.to_owned(), root.clone()];
        if let Some(p) = &previous {
            if p.customer == root {
                write.tx.rollback().await.map_err(DbError::from)?;
                let sequence = self.db.cluster_sequence(&root).await?.unwrap_or(0);
                return Ok(LoginLinked {
                    customer: root.clone(),
                    anonymous: anonymous.to_owned(),
                    sequence,
                    token: self.tokens.token(&root),
                    folded: false,
                    released: None,
                });
            }
            involved.push(p.customer.clone());
        }
        // The device limit: the oldest device link of the customer goes.
        let mut devices: Vec<&LinkRow> = links
            .iter()
            .filter(|l| l.customer == root && l.method == LinkMethod::Login.name())
            .collect();
        devices.sort_by_key(|l| (l.linked_at, l.member.clone()));
        let limit = self.policy.limit(IdentifierKind::Device).max(1);
        let released = (devices.len() >= limit).then(|| devices[0].member.clone());
        if let Some(r) = &released {
            involved.push(r.clone());
            self.db.delete_link(&mut write.tx, r).await?;
        }
        let names: Vec<&str> = involved.iter().map(String::as_str).collect();
        let rows = self.db.profiles_for_update(&mut write.tx, &names).await?;
        let folded = rows.iter().any(|r| r.subject == anonymous);
        let sequence = self
            .move_sequences(&mut write.tx, &rows, &[anonymous, &root], &names, now)
            .await?;
        let link = LinkRow {
            member: anonymous.to_owned(),
            customer: root.clone(),
            method: LinkMethod::Login.name().to_owned(),
            confidence: 1.0,
            evidence: evidence_json(&serde_json::json!([{ "kind": "login", "weight": null }])),
            linked_at: at(now),
        };
        self.db.put_link(&mut write.tx, &link).await?;
        write.tx.commit().await.map_err(DbError::from)?;
        self.forget_clusters(&links, &names);
        Ok(LoginLinked {
            token: self.tokens.token(&root),
            customer: root,
            anonymous: anonymous.to_owned(),
            sequence,
            folded,
            released,
        })
    }

    /// Gives `subjects` one sequence past all of `rows` (their current rows), creating an empty
    /// profile for each of `needed` that has none (every linked subject has a row, and a snapshot).
    async fn move_sequences(
        &self,
        tx: &mut Tx,
        rows: &[ProfileRow],
        needed: &[&str],
        subjects: &[&str],
        now: u64,
    ) -> Result<i64, IdentityError> {
        let sequence = next_sequence(rows.iter().map(|r| r.sequence).max().unwrap_or(0), now);
        let mut created = Vec::new();
        for subject in needed {
            if !rows.iter().any(|r| r.subject == *subject) {
                let state = serde_json::to_string(&ProfileState::new(subject))
                    .map_err(DbError::corrupt(format!("profile {subject}")))?;
                created.push(ProfileRow {
                    subject: (*subject).to_owned(),
                    state,
                    sequence,
                });
            }
        }
        self.db.put_profiles(tx, &created, at(now)).await?;
        let moves: Vec<(&str, i64)> = subjects.iter().map(|s| (*s, sequence)).collect();
        self.db.set_sequences(tx, &moves, at(now)).await?;
        Ok(sequence)
    }

    fn forget_clusters(&self, links: &[LinkRow], extra: &[&str]) {
        self.issuer.forget(
            links
                .iter()
                .flat_map(|l| [l.member.as_str(), l.customer.as_str()])
                .chain(extra.iter().copied()),
        );
    }

    /// Validates and normalizes a batch of records: every problem is a 422 at its path, before
    /// anything is written.
    pub fn normalize_records(
        &self,
        records: &[IdentityRecord],
    ) -> Result<Vec<Normalized>, IdentityError> {
        if records.len() > self.policy.max_batch {
            return Err(ModelError::new(
                "records",
                format!("at most {} records per request", self.policy.max_batch),
            )
            .into());
        }
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(records.len());
        for (i, record) in records.iter().enumerate() {
            let base = format!("records[{i}].");
            if !seen.insert(record.subject.as_str()) {
                return Err(ModelError::new(
                    format!("{base}subject"),
                    "the same subject twice in one request",
                )
                .into());
            }
            out.push(self.normalize_record(record, &base)?);
        }
        Ok(out)
    }

    /// Validates and normalizes one record; the paths of its errors start with `base`
    /// (e.g. `records[3].`, or empty).
    pub fn normalize_record(
        &self,
        record: &IdentityRecord,
        base: &str,
    ) -> Result<Normalized, IdentityError> {
        Self::check_subject(&format!("{base}subject"), &record.subject)?;
        self.check_placeholder(&format!("{base}subject"), None, &record.subject)?;
        let mut values = Vec::new();
        for kind in IdentifierKind::RECORD {
            let Some(given) = record.identifiers.get(kind) else {
                continue;
            };
            let list = given.values();
            let limit = self.policy.limit(kind);
            if list.len() > limit {
                return Err(ModelError::new(
                    format!("{base}identifiers.{}", kind.name()),
                    format!("at most {limit} per record (identity policy `limits`)"),
                )
                .into());
            }
            for (j, raw) in list.iter().enumerate() {
                let path = match given {
                    OneOrMany::One(_) => format!("{base}identifiers.{}", kind.name()),
                    OneOrMany::Many(_) => format!("{base}identifiers.{}[{j}]", kind.name()),
                };
                let value = normalize(kind, raw, &self.policy.default_region, &path)?;
                self.check_placeholder(&path, Some(kind), &value)?;
                if !values.contains(&(kind, value.clone())) {
                    values.push((kind, value));
                }
            }
        }
        if values.is_empty() {
            return Err(ModelError::new(format!("{base}identifiers"), "no identifiers").into());
        }
        Ok(Normalized {
            subject: record.subject.clone(),
            values,
        })
    }

    /// The matching model: the trained one if the store has one, else the default priors.
    pub async fn model(&self) -> Result<Model, IdentityError> {
        match self.db.identity_model("default").await? {
            Some(text) => {
                Ok(serde_json::from_str(&text).map_err(DbError::corrupt("identity model"))?)
            }
            None => Ok(default_model()),
        }
    }

    /// Trains the matching model on `records` (see [`training_settings`]) and stores it: every
    /// later match uses it. Fewer than [`MIN_TRAINING_RECORDS`] records are refused (their m and
    /// u would be noise) and the stored model is kept. CPU-bound; runs on a blocking thread.
    pub async fn train(&self, records: Vec<MatchRecord>, now: u64) -> Result<Model, IdentityError> {
        if records.len() < MIN_TRAINING_RECORDS {
            return Err(ModelError::new(
                "records",
                format!(
                    "{} valid records; training needs at least {MIN_TRAINING_RECORDS}",
                    records.len()
                ),
            )
            .into());
        }
        let model = tokio::task::spawn_blocking(move || {
            let settings = training_settings();
            let mut index = Index::new(settings.blocking_rules.clone(), settings.max_block_size);
            for record in &records {
                index.add_record(record);
            }
            matcher::train(&index, None, &settings)
        })
        .await
        .map_err(|e| IdentityError::Conflict(format!("training failed: {e}")))?;
        let text = serde_json::to_string(&model).map_err(DbError::corrupt("identity model"))?;
        self.db
            .put_identity_model("default", &text, at(now))
            .await?;
        Ok(model)
    }

    /// The vault rows of a record's values.
    fn seal(&self, record: &Normalized, now: u64) -> Result<Vec<IdentifierRow>, IdentityError> {
        record
            .values
            .iter()
            .map(|(kind, value)| sealed_row(&self.vault, &record.subject, *kind, value, at(now)))
            .collect()
    }

    /// The stored identifiers of `subjects`, opened, one matcher record per subject.
    async fn match_records(&self, subjects: &[&str]) -> Result<Vec<MatchRecord>, IdentityError> {
        self.match_records_with(&self.vault, subjects).await
    }

    /// [`Identities::match_records`], opened with `vault`'s keys.
    pub(super) async fn match_records_with(
        &self,
        vault: &Vault,
        subjects: &[&str],
    ) -> Result<Vec<MatchRecord>, IdentityError> {
        let rows = self.db.identifiers_of(subjects).await?;
        let mut by_subject: BTreeMap<String, Vec<(IdentifierKind, String)>> = BTreeMap::new();
        for row in rows {
            let Some(kind) = IdentifierKind::from_name(&row.kind) else {
                continue;
            };
            let value = vault.open_sealed(&row.key_id, kind, &row.lookup, &row.sealed)?;
            by_subject
                .entry(row.subject)
                .or_default()
                .push((kind, value));
        }
        Ok(by_subject
            .into_iter()
            .map(|(subject, values)| latest(&subject, &values))
            .collect())
    }

    /// Subjects sharing a strong identifier (a blocking rule of one field) or a block with the
    /// record; never more than [`MAX_BLOCKED`] from its blocks.
    async fn candidates(
        &self,
        record: &Normalized,
        blocks: &[String],
        model: &Model,
    ) -> Result<Vec<String>, IdentityError> {
        let strong: Vec<(&str, String)> = record
            .values
            .iter()
            .filter(|(k, _)| {
                k.field()
                    .is_some_and(|f| model.blocking_rules.iter().any(|rule| rule.fields == [f]))
            })
            .map(|(k, v)| (k.name(), self.vault.lookup(*k, v)))
            .collect();
        let keys: Vec<(&str, &str)> = strong.iter().map(|(k, l)| (*k, l.as_str())).collect();
        let mut out: Vec<String> = self
            .db
            .subjects_by_lookup(&keys)
            .await?
            .into_iter()
            .chain(self.db.subjects_by_block(blocks, MAX_BLOCKED).await?)
            .filter(|s| *s != record.subject)
            .collect();
        out.sort();
        out.dedup();
        Ok(out)
    }

    /// Resolves validated records one by one (each in its own transaction): stores their identifiers
    /// in the vault, scores them against candidate customers and links, queues or keeps apart by the
    /// thresholds. A record already linked is re-scored with its new data points.
    pub async fn resolve(
        &self,
        records: &[Normalized],
        now: u64,
    ) -> Result<Vec<Resolved>, IdentityError> {
        let model = self.model().await?;
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            out.push(self.resolve_one(record, &model, now).await?);
        }
        Ok(out)
    }

    async fn resolve_one(
        &self,
        record: &Normalized,
        model: &Model,
        now: u64,
    ) -> Result<Resolved, IdentityError> {
        let subject = record.subject.as_str();
        // The record as known now: what the vault held, with this request's values winning.
        let mut me = self
            .match_records(&[subject])
            .await?
            .pop()
            .unwrap_or_else(|| MatchRecord::new(subject));
        let given = record.match_record();
        for field in super::priors::FIELDS {
            if let Some(v) = given.get(field) {
                me.set(field, Some(v.to_owned()));
            }
        }
        let blocks = blocking_keys(&self.vault, &me, model);
        // Store the record's identifiers and blocks first: a later record finds this one.
        {
            let mut write = self.db.begin_write(&[subject]).await?;
            self.refuse_erased(&mut write.tx, &[subject]).await?;
            let rows = self.seal(record, now)?;
            self.db.put_identifiers(&mut write.tx, &rows).await?;
            self.db
                .put_blocks_in(&mut write.tx, subject, &blocks)
                .await?;
            write.tx.commit().await.map_err(DbError::from)?;
        }
        let current = self.db.link_of(subject).await?;
        let own_members = self.db.members_of(subject).await?;
        // Candidates, grouped by the customer they belong to; the best-scoring subject speaks for it.
        let mut best: BTreeMap<String, (Scored, String)> = BTreeMap::new();
        let candidates = self.candidates(record, &blocks, model).await?;
        let mut pool: Vec<String> = candidates;
        if let Some(link) = &current {
            // Re-scoring an existing link: compare with the customer's other subjects too.
            pool.push(link.customer.clone());
            pool.extend(
                self.db
                    .members_of(&link.customer)
                    .await?
                    .into_iter()
                    .map(|l| l.member)
                    .filter(|m| m != subject),
            );
        }
        pool.sort();
        pool.dedup();
        let names: Vec<&str> = pool.iter().map(String::as_str).collect();
        let others = self.match_records(&names).await?;
        let roots = self.db.customers_of(&names).await?;
        for other in &others {
            let root = roots.get(&other.id).unwrap_or(&other.id);
            if root == subject || own_members.iter().any(|m| &m.member == root) {
                continue;
            }
            let scored = model.score(&me, other);
            let better = best
                .get(root)
                .is_none_or(|(s, _)| scored.probability > s.probability);
            if better {
                best.insert(root.clone(), (scored, other.id.clone()));
            }
        }
        // The best customer a person has not kept apart from this record.
        let mut ranked: Vec<(String, (Scored, String))> = best.into_iter().collect();
        ranked.sort_by(|a, b| b.1 .0.probability.total_cmp(&a.1 .0.probability));
        let mut top = None;
        for candidate in ranked {
            if !self.db.rejected(subject, &candidate.0).await? {
                top = Some(candidate);
                break;
            }
        }
        let evidence = |s: &Scored, against: &str| {
            evidence_json(&serde_json::json!({
                "compared_with": against,
                "weight": s.weight,
                "fields": s.evidence,
            }))
        };
        let resolved =
            |outcome, customer: &str, top: Option<&(String, (Scored, String))>| Resolved {
                subject: subject.to_owned(),
                outcome,
                customer: customer.to_owned(),
                confidence: top.map(|t| t.1 .0.probability),
                candidate: top.map(|t| t.0.clone()),
                review: None,
            };
        if !own_members.is_empty() {
            // A customer of its own: merging two customers is a person's decision.
            if let Some(t) = top
                .as_ref()
                .filter(|t| t.1 .0.probability >= self.policy.review_threshold)
            {
                let id = self
                    .queue_review(subject, &t.0, &t.1 .0, &evidence(&t.1 .0, &t.1 .1), now)
                    .await?;
                return Ok(Resolved {
                    review: Some(id),
                    ..resolved(Resolution::Customer, subject, Some(t))
                });
            }
            return Ok(resolved(Resolution::Customer, subject, top.as_ref()));
        }
        let link_threshold = self.policy.link_threshold;
        let review_threshold = self.policy.review_threshold;
        if let Some(link) = &current {
            let same = top.as_ref().filter(|t| t.0 == link.customer);
            let p = same.map_or(0.0, |t| t.1 .0.probability);
            if link.method == LinkMethod::Login.name() {
                return Ok(resolved(Resolution::Kept, &link.customer, same));
            }
            let method = LinkMethod::from_name(&link.method).unwrap_or(LinkMethod::Match);
            // A link a person accepted holds down to the review threshold.
            let floor = if method == LinkMethod::Review {
                review_threshold
            } else {
                link_threshold
            };
            if let Some(t) = same.filter(|_| p >= floor) {
                let why = evidence(&t.1 .0, &t.1 .1);
                self.relink(subject, &link.customer, method, p, &why, now)
                    .await?;
                return Ok(resolved(Resolution::Kept, &link.customer, same));
            }
            // Contradicting data points: the link splits; between the thresholds a person looks again.
            self.split(subject, now).await?;
            let mut answer = resolved(Resolution::Split, subject, same);
            if let Some(t) = same.filter(|_| p >= review_threshold) {
                answer.review = Some(
                    self.queue_review(subject, &t.0, &t.1 .0, &evidence(&t.1 .0, &t.1 .1), now)
                        .await?,
                );
            }
            return Ok(answer);
        }
        match top {
            Some(t) if t.1 .0.probability >= link_threshold => {
                self.relink(
                    subject,
                    &t.0,
                    LinkMethod::Match,
                    t.1 .0.probability,
                    &evidence(&t.1 .0, &t.1 .1),
                    now,
                )
                .await?;
                Ok(resolved(Resolution::Linked, &t.0, Some(&t)))
            }
            Some(t) if t.1 .0.probability >= review_threshold => {
                let id = self
                    .queue_review(subject, &t.0, &t.1 .0, &evidence(&t.1 .0, &t.1 .1), now)
                    .await?;
                Ok(Resolved {
                    review: Some(id),
                    ..resolved(Resolution::Review, subject, Some(&t))
                })
            }
            other => Ok(resolved(Resolution::New, subject, other.as_ref())),
        }
    }

    async fn queue_review(
        &self,
        record: &str,
        candidate: &str,
        scored: &Scored,
        evidence: &str,
        now: u64,
    ) -> Result<i64, IdentityError> {
        let mut write = self.db.begin_write(&[record, candidate]).await?;
        let id = self
            .db
            .put_review(
                &mut write.tx,
                &ReviewRow {
                    id: 0,
                    record: record.to_owned(),
                    candidate: candidate.to_owned(),
                    confidence: scored.probability,
                    evidence: evidence.to_owned(),
                    created_at: at(now),
                    decision: None,
                },
            )
            .await?;
        write.tx.commit().await.map_err(DbError::from)?;
        Ok(id)
    }

    /// Links `member` to `customer` (or updates the link's confidence and evidence), moving both
    /// clusters' sequences past each other.
    pub async fn relink(
        &self,
        member: &str,
        customer: &str,
        method: LinkMethod,
        confidence: f64,
        evidence: &str,
        now: u64,
    ) -> Result<(), IdentityError> {
        let (mut write, links) = self
            .db
            .begin_cluster_write(&[member, customer], true)
            .await?;
        self.refuse_erased(&mut write.tx, &[member, customer])
            .await?;
        if links.iter().any(|l| l.member == customer) {
            return Err(IdentityError::Conflict(format!(
                "{customer} is a member of another customer"
            )));
        }
        if links.iter().any(|l| l.customer == member) {
            return Err(IdentityError::Conflict(format!(
                "{member} is a customer with linked identifiers"
            )));
        }
        let previous = links.iter().find(|l| l.member == member);
        let mut involved = vec![member, customer];
        if let Some(p) = previous {
            involved.push(p.customer.as_str());
        }
        let unchanged_cluster = previous.is_some_and(|p| p.customer == customer);
        if !unchanged_cluster {
            let rows = self
                .db
                .profiles_for_update(&mut write.tx, &involved)
                .await?;
            self.move_sequences(&mut write.tx, &rows, &[member, customer], &involved, now)
                .await?;
        }
        let link = LinkRow {
            member: member.to_owned(),
            customer: customer.to_owned(),
            method: method.name().to_owned(),
            confidence,
            evidence: evidence.to_owned(),
            linked_at: previous
                .filter(|_| unchanged_cluster)
                .map_or(at(now), |p| p.linked_at),
        };
        self.db.put_link(&mut write.tx, &link).await?;
        write.tx.commit().await.map_err(DbError::from)?;
        self.forget_clusters(&links, &involved);
        Ok(())
    }

    /// Splits `member` off its customer: the link goes, both get sequences past the cluster's, and
    /// each snapshot again holds only its own rows. False if it was not linked.
    pub async fn split(&self, member: &str, now: u64) -> Result<bool, IdentityError> {
        let (mut write, links) = self.db.begin_cluster_write(&[member], true).await?;
        let Some(link) = links.iter().find(|l| l.member == member) else {
            return Ok(false);
        };
        let involved = [member, link.customer.as_str()];
        let rows = self
            .db
            .profiles_for_update(&mut write.tx, &involved)
            .await?;
        self.db.delete_link(&mut write.tx, member).await?;
        self.move_sequences(&mut write.tx, &rows, &involved, &involved, now)
            .await?;
        write.tx.commit().await.map_err(DbError::from)?;
        self.forget_clusters(&links, &involved);
        Ok(true)
    }

    /// Open reviews, oldest first.
    pub async fn reviews(&self, after: i64, limit: i64) -> Result<Vec<ReviewView>, IdentityError> {
        Ok(self
            .db
            .open_reviews(after, limit)
            .await?
            .into_iter()
            .map(ReviewView::from)
            .collect())
    }

    /// Decides a review: `accept` links the record to the candidate, `reject` keeps them apart (and
    /// splits them if they were linked meanwhile); they are never proposed again.
    pub async fn decide(
        &self,
        id: i64,
        accept: bool,
        now: u64,
    ) -> Result<ReviewView, IdentityError> {
        let Some(review) = self.db.review(id).await? else {
            return Err(IdentityError::NotFound(format!("no review {id}")));
        };
        if review.decision.is_some() {
            return Err(IdentityError::Conflict(format!(
                "review {id} was decided before"
            )));
        }
        if accept {
            self.relink(
                &review.record,
                &review.candidate,
                LinkMethod::Review,
                review.confidence,
                &review.evidence,
                now,
            )
            .await?;
        } else if self
            .db
            .link_of(&review.record)
            .await?
            .is_some_and(|l| l.customer == review.candidate)
        {
            self.split(&review.record, now).await?;
        }
        let mut write = self
            .db
            .begin_write(&[&review.record, &review.candidate])
            .await?;
        let decision = if accept { "accept" } else { "reject" };
        if !self
            .db
            .decide_review(&mut write.tx, id, decision, at(now))
            .await?
        {
            return Err(IdentityError::Conflict(format!(
                "review {id} was decided before"
            )));
        }
        write.tx.commit().await.map_err(DbError::from)?;
        Ok(ReviewView {
            decision: Some(decision.to_owned()),
            ..ReviewView::from(review)
        })
    }

    /// The identities of `subject`'s cluster, explained; `None` for a subject the store does not know.
    pub async fn explain(&self, subject: &str) -> Result<Option<IdentitiesView>, IdentityError> {
        let customer = match self.db.link_of(subject).await? {
            Some(l) => l.customer,
            None => subject.to_owned(),
        };
        let members = self.db.members_of(&customer).await?;
        let mut names: Vec<&str> = vec![customer.as_str()];
        names.extend(members.iter().map(|m| m.member.as_str()));
        let rows = self.db.identifiers_of(&names).await?;
        if members.is_empty() && rows.is_empty() && self.db.profile(subject).await?.is_none() {
            return Ok(None);
        }
        let mut identifiers = BTreeMap::new();
        for row in rows {
            *identifiers.entry(row.kind).or_insert(0) += 1;
        }
        let mut reviews = Vec::new();
        for review in self.db.open_reviews(0, 1000).await? {
            if names.contains(&review.record.as_str()) || names.contains(&review.candidate.as_str())
            {
                reviews.push(ReviewView::from(review));
            }
        }
        Ok(Some(IdentitiesView {
            subject: subject.to_owned(),
            customer: customer.clone(),
            members: members
                .into_iter()
                .map(|l| LinkView {
                    evidence: serde_json::from_str(&l.evidence).unwrap_or(serde_json::Value::Null),
                    member: l.member,
                    method: l.method,
                    confidence: l.confidence,
                    linked_at: l.linked_at,
                })
                .collect(),
            identifiers,
            reviews,
        }))
    }
}
