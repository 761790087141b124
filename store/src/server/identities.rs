//! Identity routes: login links, imported records matched to customers, the review queue, and a
//! customer's identities explained (never a raw identifier in an answer).

use super::extract::{JsonBody, WriteAuth};
use super::http::{self, ApiError};
use super::profiles::{check_subject, model_error};
use super::App;
use crate::identity::graph::IdentityRecord;
use crate::identity::IdentityError;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use std::sync::Arc;

/// An identity failure as an API error.
pub fn identity_error(error: IdentityError) -> ApiError {
    match error {
        IdentityError::Invalid(e) => model_error(e),
        IdentityError::Erased(s) => ApiError::new(
            StatusCode::GONE,
            "erased",
            format!("{s} was erased; the store keeps nothing about it"),
        ),
        IdentityError::Conflict(m) => ApiError::new(StatusCode::CONFLICT, "conflict", m),
        IdentityError::NotFound(m) => ApiError::not_found(m),
        IdentityError::Db(crate::db::DbError::Contended) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the identity links are changing; retry",
        ),
        other => ApiError::internal(other),
    }
}

/// The body of `POST /v1/identities/login`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// The anonymous (device or cookie) id the visitor had.
    anonymous: String,
    /// The customer id the visitor logged in as.
    customer: String,
}

/// `POST /v1/identities/login` (write): links the anonymous id to the customer, confidence 1.
pub async fn post_login(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    JsonBody(request): JsonBody<LoginRequest>,
) -> Result<Response, ApiError> {
    let linked = app
        .identities
        .login(&request.anonymous, &request.customer, crate::io::now())
        .await
        .map_err(identity_error)?;
    Ok(http::no_store(Json(linked).into_response()))
}

/// The body of `POST /v1/identities`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordsRequest {
    /// The records to resolve.
    records: Vec<IdentityRecord>,
}

/// `POST /v1/identities` (write): resolves imported records (link, review or new customer).
pub async fn post_identities(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    JsonBody(request): JsonBody<RecordsRequest>,
) -> Result<Response, ApiError> {
    let max = app.identities.policy().max_batch;
    if request.records.len() > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_records",
            format!("at most {max} records per request"),
        ));
    }
    let records = app
        .identities
        .normalize_records(&request.records)
        .map_err(identity_error)?;
    let resolved = app
        .identities
        .resolve(&records, crate::io::now())
        .await
        .map_err(identity_error)?;
    Ok(http::no_store(
        Json(serde_json::json!({ "records": resolved })).into_response(),
    ))
}

/// Paging of the review queue.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewPage {
    /// Reviews after this id.
    #[serde(default)]
    after: i64,
    /// At most this many (1..=1000, default 100).
    #[serde(default)]
    limit: Option<i64>,
}

/// `GET /v1/identities/review` (write): open reviews, oldest first.
pub async fn get_reviews(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Query(page): Query<ReviewPage>,
) -> Result<Response, ApiError> {
    let limit = page.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::invalid("limit", "1..=1000"));
    }
    let reviews = app
        .identities
        .reviews(page.after, limit)
        .await
        .map_err(identity_error)?;
    Ok(http::no_store(
        Json(serde_json::json!({ "reviews": reviews })).into_response(),
    ))
}

/// A review decision.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case")]
enum Decision {
    Accept,
    Reject,
}

/// The body of `POST /v1/identities/review/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    decision: Decision,
}

/// `POST /v1/identities/review/{id}` (write): accept links, reject keeps apart.
pub async fn post_review(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(id): Path<String>,
    JsonBody(request): JsonBody<DecisionRequest>,
) -> Result<Response, ApiError> {
    let id: i64 = id
        .parse()
        .map_err(|_| ApiError::invalid("id", "a review id is a number"))?;
    let review = app
        .identities
        .decide(
            id,
            matches!(request.decision, Decision::Accept),
            crate::io::now(),
        )
        .await
        .map_err(identity_error)?;
    Ok(http::no_store(Json(review).into_response()))
}

/// `GET /v1/profiles/{subject}/identities` (write): the customer's members, each link's confidence
/// and evidence, identifier counts per kind.
pub async fn get_identities(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(subject): Path<String>,
) -> Result<Response, ApiError> {
    check_subject(&subject)?;
    match app
        .identities
        .explain(&subject)
        .await
        .map_err(identity_error)?
    {
        Some(view) => Ok(http::no_store(Json(view).into_response())),
        None => Err(ApiError::not_found(format!("no identities for {subject}"))),
    }
}

/// `DELETE /v1/identities/links/{member}` (write): splits a member off its customer (an operator
/// correcting a wrong link); both get new snapshots, each with only its own contributions.
pub async fn delete_link(
    State(app): State<Arc<App>>,
    _: WriteAuth,
    Path(member): Path<String>,
) -> Result<Response, ApiError> {
    check_subject(&member)?;
    if app
        .identities
        .split(&member, crate::io::now())
        .await
        .map_err(identity_error)?
    {
        Ok(http::no_store(
            Json(serde_json::json!({ "member": member, "split": true })).into_response(),
        ))
    } else {
        Err(ApiError::not_found(format!("{member} is not linked")))
    }
}
