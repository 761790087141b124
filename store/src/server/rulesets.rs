//! Ruleset and key routes.

use super::extract::WriteAuth;
use super::http::{self, ApiError};
use super::profiles::issue_error;
use super::App;
use crate::issue::RulesetRejection;
use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use persona_edge::ruleset::RulesetError;
use serde::Serialize;
use std::sync::Arc;

/// `GET /v1/keys`: the public keyring, each key with its status (`active`, `verifying`, `retired`).
pub async fn keys(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let keys = app.signer.keys();
    let body = serde_json::to_vec(&keys.ring).unwrap_or_default();
    let etag = crate::issue::etag_of(&body);
    if http::not_modified(&headers, &etag) {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        set_cache(&mut r, &etag, "public, max-age=300");
        return r;
    }
    let mut r = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    set_cache(&mut r, &etag, "public, max-age=300");
    r
}

fn set_cache(response: &mut Response, etag: &str, cache_control: &'static str) {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
}

/// `GET /v1/ruleset`: the signed ruleset snapshot of the audience.
pub async fn get_ruleset(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let audience = http::audience(query.as_deref(), &app.audiences)?;
    let issued = app
        .issuer
        .ruleset(audience, crate::io::now())
        .await
        .map_err(issue_error)?
        .ok_or_else(|| {
            ApiError::not_found(format!("no ruleset for {audience} yet (PUT /v1/ruleset)"))
        })?;
    Ok(http::snapshot_response(
        &headers,
        &issued.bytes,
        &issued.etag,
        issued.sequence,
        "public, max-age=60, stale-while-revalidate=600",
    ))
}

#[derive(Serialize)]
struct RulesetAccepted {
    audience: String,
    sequence: i64,
    etag: String,
    expires_at: i64,
    bytes: usize,
}

/// `PUT /v1/ruleset`: authoring JSON in; compiled, signed and stored. Compile errors are 422 with the
/// segment and the JSON path inside its rule.
pub async fn put_ruleset(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let audience = http::audience(query.as_deref(), &app.audiences)?;
    let bytes = http::read_body(&headers, body, app.limits.max_body).await?;
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            "the body is not UTF-8",
        )
    })?;
    // Syntax first (400), then shape and compilation (422).
    http::parse_json::<serde_json::Value>(text.as_bytes())?;
    let issued = app
        .issuer
        .put_ruleset(audience, text, crate::io::now())
        .await
        .map_err(|e| match e {
            RulesetRejection::Shape { path, message } => ApiError::invalid(path, message),
            RulesetRejection::Compile(error) => compile_error(error),
            RulesetRejection::Issue(error) => issue_error(error),
        })?;
    Ok(Json(RulesetAccepted {
        audience: audience.to_owned(),
        sequence: issued.sequence,
        etag: issued.etag.clone(),
        expires_at: issued.expires_at,
        bytes: issued.bytes.len(),
    })
    .into_response())
}

fn compile_error(error: RulesetError) -> ApiError {
    let path = match &error {
        RulesetError::Rule { segment, error } => {
            format!("segments[name={segment}].rule{}", error.path)
        }
        RulesetError::SegmentShape { segment, .. } => format!("segments[name={segment}]"),
        _ => String::new(),
    };
    ApiError {
        code: "does_not_compile",
        ..ApiError::invalid(path, error.to_string())
    }
}
