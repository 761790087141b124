//! Customer routes: profile updates, raw events, snapshot reads, erasure, access export, read tokens.

use super::extract::{JsonBody, WriteAuth};
use super::http::{self, ApiError};
use super::App;
use crate::erasure::Outcome;
use crate::export::{export, Found};
use crate::ingest::{Applied, Change};
use crate::issue::IssueError;
use crate::model::{ConsentRecord, EventBatch, ModelError, ProfileState, ProfileUpdate};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use persona_edge::subject::is_valid_subject;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// 422 unless `subject` has the allowed form (pseudonymous ids only: no e-mail addresses or phone numbers).
pub fn check_subject(subject: &str) -> Result<(), ApiError> {
    if is_valid_subject(subject) {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "subject",
            "a subject id is 1..=64 characters of [A-Za-z0-9_-] (a pseudonymous id, never an e-mail or phone number)",
        ))
    }
}

/// A model validation error as a 422 at its path.
pub fn model_error(error: ModelError) -> ApiError {
    ApiError {
        code: error.code,
        ..ApiError::invalid(error.path, error.message)
    }
}

/// A failed snapshot issue as an API error.
pub fn issue_error(error: IssueError) -> ApiError {
    match error {
        IssueError::Contended(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the profile is changing; retry",
        ),
        other => ApiError::internal(other),
    }
}

/// What a write answers: changes applied, each changed customer's new sequence, and the changes refused
/// because their customer was erased (only when there were any).
#[derive(Serialize)]
pub struct Written {
    accepted: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    sequences: Option<BTreeMap<String, i64>>,
    #[serde(skip_serializing_if = "Refused::is_empty")]
    refused: Refused,
    /// Events and feedback skipped as retried deliveries (their `id` was applied before).
    #[serde(skip_serializing_if = "is_zero")]
    duplicates: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct Refused {
    erased: usize,
}

impl Refused {
    fn is_empty(&self) -> bool {
        self.erased == 0
    }
}

impl Written {
    /// The answer to an applied write; `sequences` only where the route reports them.
    pub fn new(applied: Applied, sequences: bool) -> Written {
        Written {
            accepted: applied.changes,
            sequences: sequences.then_some(applied.sequences),
            refused: Refused {
                erased: applied.refused_erased,
            },
            duplicates: applied.duplicates,
        }
    }
}

/// 410 `erased` for a customer the store erased.
fn gone(subject: &str) -> ApiError {
    ApiError::new(
        StatusCode::GONE,
        "erased",
        format!("{subject} was erased; the store keeps nothing about it"),
    )
}

/// The error for a subject without a profile: 410 when it was erased, 404 otherwise.
async fn missing(app: &App, subject: &str) -> ApiError {
    match app.eraser.tombstone(subject).await {
        Ok(Some(_)) => gone(subject),
        Ok(None) => ApiError::not_found(format!("no profile for {subject}")),
        Err(e) => ApiError::internal(e),
    }
}

/// `PUT /v1/profiles/{subject}`.
pub async fn put_profile(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(subject): Path<String>,
    JsonBody(update): JsonBody<ProfileUpdate>,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    update.validate().map_err(model_error)?;
    let now = crate::io::now();
    let applied = app
        .apply(&[(subject.as_str(), Change::Update(&update))], now)
        .await?;
    if applied.refused_erased > 0 {
        return Err(gone(&subject));
    }
    Ok(Json(Written::new(applied, true)).into_response())
}

/// `DELETE /v1/profiles/{subject}`: erases the customer (every row, in one transaction; a tombstone
/// without personal data stays). Erasing again answers 200 with `already_erased`; a subject the store
/// never held is a 404.
pub async fn delete_profile(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(subject): Path<String>,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    let outcomes = app
        .eraser
        .erase(&[subject.as_str()], crate::io::now())
        .await
        .map_err(ApiError::internal)?;
    let outcome = outcomes.first().copied().unwrap_or(Outcome::Unknown);
    if outcome == Outcome::Unknown {
        return Err(ApiError::not_found(format!("no profile for {subject}")));
    }
    if let Outcome::Erased { .. } = outcome {
        if !app.eraser.scrub().await.map_err(ApiError::internal)? {
            tracing::warn!(
                "the SQLite log was not truncated after an erasure (readers); a later one will"
            );
        }
    }
    Ok(http::no_store(
        Json(serde_json::json!({ "subject": subject, "erasure": outcome })).into_response(),
    ))
}

#[derive(Serialize)]
struct ProfileView {
    subject: String,
    /// The cluster's sequence (the next snapshot's).
    sequence: i64,
    /// This subject's own stored state (what it contributes to its cluster).
    state: ProfileState,
    /// When the subject is linked: its customer and the merged state the snapshot is made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    cluster: Option<ClusterView>,
    profile: persona_edge::profile::Profile,
    /// The latest recorded change of each consent: state, instant and source.
    consent: Vec<ConsentRecord>,
}

#[derive(Serialize)]
struct ClusterView {
    customer: String,
    state: ProfileState,
}

/// The last record of each (kind, name) in a history that is oldest first.
fn latest(history: Vec<ConsentRecord>) -> Vec<ConsentRecord> {
    let mut by_target: BTreeMap<(String, String), ConsentRecord> = BTreeMap::new();
    for record in history {
        by_target.insert((record.kind.clone(), record.name.clone()), record);
    }
    by_target.into_values().collect()
}

/// `GET /v1/profiles/{subject}`: what the store keeps and what the next snapshot carries, as JSON.
pub async fn get_profile(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(subject): Path<String>,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    let Some(row) = app.db.profile(&subject).await.map_err(ApiError::internal)? else {
        return Err(missing(&app, &subject).await);
    };
    let state: ProfileState = serde_json::from_str(&row.state).map_err(ApiError::internal)?;
    let now = crate::io::now();
    // The snapshot carries the cluster: the customer's state with its members' merged in.
    let Some(cluster) = app.issuer.cluster(&subject).await.map_err(issue_error)? else {
        return Err(missing(&app, &subject).await);
    };
    let merged = cluster
        .state(&subject, app.issuer.policy(), now)
        .map_err(ApiError::internal)?;
    let profile = merged.to_profile(app.issuer.policy(), now);
    let customer = cluster.root.subject.clone();
    let history = app
        .db
        .consent_changes(&subject)
        .await
        .map_err(ApiError::internal)?;
    Ok(http::no_store(
        Json(ProfileView {
            subject: row.subject,
            sequence: cluster.root.sequence,
            cluster: (!cluster.members.is_empty() || customer != subject).then_some(ClusterView {
                customer,
                state: merged,
            }),
            state,
            profile,
            consent: latest(history),
        })
        .into_response(),
    ))
}

/// `GET /v1/profiles/{subject}/export?audience=`: everything the store holds about the customer
/// (`docs/schema/export.schema.json`); 410 for an erased one, 404 for an unknown one.
pub async fn get_export(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(subject): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    let audience = http::audience(query.as_deref(), &app.audiences)?;
    let found = export(
        &app.db,
        &app.issuer,
        &app.eraser,
        &app.identities,
        &subject,
        audience,
        crate::io::now(),
    )
    .await
    .map_err(ApiError::internal)?;
    match found {
        Found::Export(document) => Ok(http::no_store(Json(document).into_response())),
        Found::Erased { .. } => Err(gone(&subject)),
        Found::Unknown => Err(ApiError::not_found(format!("no profile for {subject}"))),
    }
}

/// `POST /v1/profiles/{subject}/gpc`: the customer's browser sent Global Privacy Control, an opt-out of
/// sale and sharing; recorded as `ad_targeting` denied with source `gpc`, so it holds on every channel
/// afterwards. Authorized by the subject's read token (an edge or the page) or the write token; sending
/// it again changes nothing.
pub async fn post_gpc(
    State(app): State<Arc<App>>,
    Path(subject): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    let allowed = app.has_write(&headers)
        || http::bearer(&headers).is_some_and(|t| app.read_tokens.check(&subject, t));
    if !allowed {
        return Err(ApiError::unauthorized(
            "needs the subject's read token or the write token as the bearer token",
        ));
    }
    let update = ProfileUpdate {
        consent: crate::model::ConsentUpdate {
            purposes: crate::model::PurposeStates(vec![(
                persona_edge::profile::Purpose::AdTargeting,
                persona_edge::profile::ConsentState::Denied,
            )]),
            source: Some(crate::model::ConsentSource::Gpc),
            ..Default::default()
        },
        ..Default::default()
    };
    let applied = app
        .apply(
            &[(subject.as_str(), Change::Update(&update))],
            crate::io::now(),
        )
        .await?;
    if applied.refused_erased > 0 {
        return Err(gone(&subject));
    }
    Ok(Json(Written::new(applied, true)).into_response())
}

/// `GET /v1/profiles/{subject}/snapshot`: needs the subject's read token as the bearer token.
pub async fn get_snapshot(
    State(app): State<Arc<App>>,
    Path(subject): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    let Some(token) = http::bearer(&headers) else {
        return Err(ApiError::unauthorized(
            "a snapshot read needs `Authorization: Bearer <read token of the subject>`",
        ));
    };
    if !app.read_tokens.check(&subject, token) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "the token is not this subject's read token",
        ));
    }
    let audience = http::audience(query.as_deref(), &app.audiences)?;
    let Some(issued) = app
        .issuer
        .profile_snapshot(&subject, audience, crate::io::now())
        .await
        .map_err(issue_error)?
    else {
        return Err(missing(&app, &subject).await);
    };
    Ok(http::snapshot_response(
        &headers,
        &issued.bytes,
        &issued.etag,
        issued.sequence,
        "private, no-cache",
    ))
}

/// `POST /v1/events`: `{"events": [...]}`, all applied or none.
pub async fn post_events(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    JsonBody(batch): JsonBody<EventBatch>,
) -> Result<Response, ApiError> {
    http::check_batch(batch.events.len(), app.limits.max_batch)?;
    let now = crate::io::now();
    let mut changes = Vec::with_capacity(batch.events.len());
    for (i, event) in batch.events.iter().enumerate() {
        let at = format!("events[{i}]");
        event.validate(now).map_err(|e| model_error(e).under(&at))?;
        changes.push((event.subject(), Change::Event(event)));
    }
    let applied = app.apply(&changes, now).await?;
    Ok((StatusCode::OK, Json(Written::new(applied, true))).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct TokenRequest {
    subjects: Vec<String>,
}

#[derive(Serialize)]
struct Tokens {
    tokens: BTreeMap<String, String>,
}

/// `POST /v1/tokens`: `{"subjects": [...]}` -> `{"tokens": {subject: read token}}`, for the site's back
/// end to hand each logged-in visitor their own token.
pub async fn post_tokens(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    JsonBody(request): JsonBody<TokenRequest>,
) -> Result<Response, ApiError> {
    let mut tokens = BTreeMap::new();
    for (i, subject) in request.subjects.iter().enumerate() {
        check_subject(subject)
            .map_err(|e| ApiError { path: None, ..e }.under(&format!("subjects[{i}]")))?;
        tokens.insert(subject.clone(), app.read_tokens.token(subject));
    }
    Ok(Json(Tokens { tokens }).into_response())
}
