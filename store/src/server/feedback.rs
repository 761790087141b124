//! `POST /v1/feedback`: what edges report back (decisions shown, outcomes), folded into the engagement
//! aggregates that the next snapshot carries.
//!
//! Authorized either by the write token (an edge worker or back end) or, per event, by the subject's read
//! token in the event's `token` field (a browser, which can send no header with `sendBeacon`).

use super::extract::JsonBody;
use super::http::{self, ApiError};
use super::profiles::{model_error, Written};
use super::App;
use crate::ingest::Change;
use crate::model::FeedbackBatch;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use std::sync::Arc;

/// `POST /v1/feedback`: `{"events": [...]}` -> 202, all applied or none.
pub async fn post_feedback(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    JsonBody(batch): JsonBody<FeedbackBatch>,
) -> Result<Response, ApiError> {
    let trusted = app.has_write(&headers);
    if !trusted && http::bearer(&headers).is_some() {
        return Err(ApiError::unauthorized(
            "the bearer token is not the write token",
        ));
    }
    http::check_batch(batch.events.len(), app.limits.max_batch)?;
    let now = crate::io::now();
    let mut changes = Vec::with_capacity(batch.events.len());
    for (i, event) in batch.events.iter().enumerate() {
        let at = format!("events[{i}]");
        event.validate(now).map_err(|e| model_error(e).under(&at))?;
        if !trusted {
            let ok = event
                .token()
                .is_some_and(|t| app.read_tokens.check(event.subject(), t));
            if !ok {
                return Err(ApiError {
                    path: Some(format!("{at}.token")),
                    ..ApiError::new(
                        StatusCode::FORBIDDEN,
                        "forbidden",
                        "feedback needs the write token, or each event's subject read token in `token`",
                    )
                });
            }
        }
        changes.push((event.subject(), Change::Feedback(event)));
    }
    let applied = app.apply(&changes, now).await?;
    Ok((StatusCode::ACCEPTED, Json(Written::new(applied, false))).into_response())
}
