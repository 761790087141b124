//! Access (GDPR art. 15, CPRA right to know): everything the store holds about one customer as one JSON
//! document (`docs/schema/export.schema.json`), for `GET /v1/profiles/{subject}/export` and
//! `persona export SUBJECT`.

use crate::db::{Db, DbError};
use crate::erasure::Eraser;
use crate::identity::{Identities, IdentityError};
use crate::issue::{IssueError, Issuer};
use crate::model::{ConsentRecord, ProfileState};
use persona_edge::codec;
use persona_edge::profile::Profile;
use persona_edge::snapshot::{self, SnapshotKind};
use serde_json::{json, Value};

/// The `format` of an export document.
pub const FORMAT: &str = "persona-export/1";

/// What an access request found.
#[derive(Debug)]
pub enum Found {
    /// The document.
    Export(Value),
    /// The customer was erased: the store holds nothing (but the tombstone's time).
    Erased {
        /// When, Unix seconds.
        erased_at: i64,
    },
    /// The store has never held this subject.
    Unknown,
}

/// A failed export.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The current snapshot could not be issued.
    #[error(transparent)]
    Issue(#[from] IssueError),
    /// The identity graph could not be read.
    #[error(transparent)]
    Identity(#[from] IdentityError),
    /// Stored content is unreadable.
    #[error("stored profile is unreadable: {0}")]
    Corrupt(String),
}

/// Everything the store holds about `subject`, with its current snapshot for `audience` decoded, as of
/// `now`. The identity part names the customer the subject belongs to, the cluster's links with their
/// method, confidence and evidence, and how many identifiers of each kind the vault holds for it.
pub async fn export(
    db: &Db,
    issuer: &Issuer,
    eraser: &Eraser,
    identities: &Identities,
    subject: &str,
    audience: &str,
    now: u64,
) -> Result<Found, ExportError> {
    let Some(row) = db.profile(subject).await? else {
        return Ok(match eraser.tombstone(subject).await? {
            Some(t) => Found::Erased {
                erased_at: t.erased_at,
            },
            None => Found::Unknown,
        });
    };
    let state: ProfileState =
        serde_json::from_str(&row.state).map_err(|e| ExportError::Corrupt(e.to_string()))?;
    let consent_history: Vec<ConsentRecord> = db.consent_changes(subject).await?;
    let snapshot = match issuer.profile_snapshot(subject, audience, now).await? {
        Some(issued) => decoded(&issued.bytes, audience),
        None => Value::Null,
    };
    let (identity, links) = match identities.explain(subject).await? {
        Some(view) => (
            json!({ "customer": view.customer, "identifiers": view.identifiers }),
            json!(view.members),
        ),
        None => (json!({ "customer": subject, "identifiers": {} }), json!([])),
    };
    Ok(Found::Export(json!({
        "format": FORMAT,
        "subject": subject,
        "exported_at": now,
        "sequence": row.sequence,
        "stored": state,
        "consent_history": consent_history,
        "identity": identity,
        "identity_links": links,
        "snapshot": snapshot,
        "not_kept": "raw events, IP addresses and a send log beyond the last 7 days of send instants are not kept; raw identifiers (e-mail, phone, names, addresses) are kept only sealed in the identity vault, counted per kind under `identity`",
    })))
}

/// The store's own snapshot, header and document as JSON.
fn decoded(bytes: &[u8], audience: &str) -> Value {
    let Ok((header, payload)) = snapshot::inspect(bytes) else {
        return Value::Null;
    };
    let profile = codec::decode::<Profile>(payload, SnapshotKind::Profile.default_max_bytes())
        .map(|p| json!(p))
        .unwrap_or(Value::Null);
    json!({
        "audience": audience,
        "bytes": bytes.len(),
        "header": header,
        "profile": profile,
    })
}
