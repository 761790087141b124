//! Customer routes: profile updates, raw events, snapshot reads, read tokens.

use super::extract::{JsonBody, WriteAuth};
use super::http::{self, ApiError};
use super::App;
use crate::ingest::Change;
use crate::issue::IssueError;
use crate::model::{EventBatch, ModelError, ProfileState, ProfileUpdate};
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

#[derive(Serialize)]
struct Written {
    accepted: usize,
    sequences: BTreeMap<String, i64>,
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
    Ok(Json(Written {
        accepted: applied.changes,
        sequences: applied.sequences,
    })
    .into_response())
}

#[derive(Serialize)]
struct ProfileView {
    subject: String,
    sequence: i64,
    state: ProfileState,
    profile: persona_edge::profile::Profile,
}

/// `GET /v1/profiles/{subject}`: what the store keeps and what the next snapshot carries, as JSON.
pub async fn get_profile(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(subject): Path<String>,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    let row = app
        .db
        .profile(&subject)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::not_found(format!("no profile for {subject}")))?;
    let state: ProfileState = serde_json::from_str(&row.state).map_err(ApiError::internal)?;
    let profile = state.to_profile(app.issuer.policy(), crate::io::now());
    let mut response = Json(ProfileView {
        subject: row.subject,
        sequence: row.sequence,
        state,
        profile,
    })
    .into_response();
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(response)
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
    let issued = app
        .issuer
        .profile_snapshot(&subject, audience, crate::io::now())
        .await
        .map_err(issue_error)?
        .ok_or_else(|| ApiError::not_found(format!("no profile for {subject}")))?;
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
    Ok((
        StatusCode::OK,
        Json(Written {
            accepted: applied.changes,
            sequences: applied.sequences,
        }),
    )
        .into_response())
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
