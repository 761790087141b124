//! `persona serve`: the store's HTTP API (axum on tokio).
//!
//! | route | auth | what |
//! |---|---|---|
//! | `GET /v1/keys` | none | the public keyring with each key's status |
//! | `GET /v1/ruleset?audience=` | none | the signed ruleset snapshot |
//! | `PUT /v1/ruleset?audience=` | write | authoring JSON in, compiled and signed ruleset out |
//! | `PUT /v1/profiles/{subject}` | write | traits, stated preferences, consent, predictions |
//! | `GET /v1/profiles/{subject}` | write | the stored aggregates and the snapshot profile, as JSON |
//! | `DELETE /v1/profiles/{subject}` | write | erasure: every row about the customer, a tombstone stays |
//! | `GET /v1/profiles/{subject}/export` | write | access: everything the store holds about the customer |
//! | `POST /v1/profiles/{subject}/gpc` | read token or write | Global Privacy Control: `ad_targeting` denied, source `gpc` |
//! | `GET /v1/profiles/{subject}/snapshot?audience=` | read token | the signed profile snapshot |
//! | `POST /v1/events` | write | batches of raw events |
//! | `POST /v1/feedback` | write, or each event's read token | decisions shown and outcomes |
//! | `POST /v1/tokens` | write | read tokens for subjects (for the site's back end) |
//! | `POST /v1/identities/login` | write | anonymous id + customer id: linked, confidence 1, activity folded |
//! | `POST /v1/identities` | write | imported records matched to customers (link, review or new) |
//! | `GET /v1/identities/review` | write | matches waiting for a person |
//! | `POST /v1/identities/review/{id}` | write | `accept` links, `reject` keeps apart |
//! | `DELETE /v1/identities/links/{member}` | write | splits a member off its customer |
//! | `GET /v1/profiles/{subject}/identities` | write | a customer's links with confidence and evidence |
//! | `GET /healthz` | none | liveness |
//!
//! Snapshot-style reads carry strong ETags and answer `If-None-Match` with 304. Errors are JSON:
//! `{"error": {"code", "message", "path"?}}`. An erased customer's profile routes answer 410 `erased`;
//! events and feedback for one are refused and counted (`refused.erased` in the answer).

mod extract;
mod feedback;
mod http;
mod identities;
mod profiles;
mod rulesets;

pub use http::ApiError;

use crate::db::Db;
use crate::erasure::Eraser;
use crate::identity::Identities;
use crate::ingest::Ingest;
use crate::issue::Issuer;
use crate::signer::Signer;
use crate::tokens::{ReadTokens, WriteToken};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::routing::{delete, get, post, put};
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

/// Limits of the API.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest request body, bytes.
    pub max_body: usize,
    /// Most events (or feedback events) in one batch.
    pub max_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body: 4 << 20,
            max_batch: 10_000,
        }
    }
}

/// Everything a request handler needs.
#[derive(Debug)]
pub struct App {
    /// The database.
    pub db: Db,
    /// Issues snapshots.
    pub issuer: Arc<Issuer>,
    /// Applies writes.
    pub ingest: Ingest,
    /// Erases customers.
    pub eraser: Eraser,
    /// The identity graph.
    pub identities: Identities,
    /// The signing keys.
    pub signer: Arc<Signer>,
    /// Per-subject read tokens.
    pub read_tokens: ReadTokens,
    /// The write token.
    pub write_token: WriteToken,
    /// Audiences (sites) served; the first is the default.
    pub audiences: Vec<String>,
    /// Request limits.
    pub limits: Limits,
}

impl App {
    /// Checks the write token; 401 otherwise.
    pub fn require_write(&self, headers: &HeaderMap) -> Result<(), ApiError> {
        match http::bearer(headers) {
            Some(token) if self.write_token.check(token) => Ok(()),
            Some(_) => Err(ApiError::unauthorized(
                "the bearer token is not the write token",
            )),
            None => Err(ApiError::unauthorized(
                "this endpoint needs `Authorization: Bearer <write token>`",
            )),
        }
    }

    /// Applies validated changes in one transaction (500 if the store fails; nothing is changed then).
    pub async fn apply(
        &self,
        changes: &[(&str, crate::ingest::Change<'_>)],
        now: u64,
    ) -> Result<crate::ingest::Applied, ApiError> {
        self.ingest
            .apply(changes, now, None)
            .await
            .map_err(ApiError::internal)
    }

    /// Whether the request carries the write token.
    pub fn has_write(&self, headers: &HeaderMap) -> bool {
        http::bearer(headers).is_some_and(|t| self.write_token.check(t))
    }
}

/// The router with every route, CORS for `cors_origins` (`*` for any) and JSON 404/405 answers.
pub fn router(app: Arc<App>, cors_origins: &[String]) -> Router {
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/v1/keys", get(rulesets::keys))
        .route(
            "/v1/ruleset",
            get(rulesets::get_ruleset).put(rulesets::put_ruleset),
        )
        .route(
            "/v1/profiles/{subject}",
            put(profiles::put_profile)
                .get(profiles::get_profile)
                .delete(profiles::delete_profile),
        )
        .route(
            "/v1/profiles/{subject}/snapshot",
            get(profiles::get_snapshot),
        )
        .route("/v1/profiles/{subject}/export", get(profiles::get_export))
        .route("/v1/profiles/{subject}/gpc", post(profiles::post_gpc))
        .route("/v1/events", post(profiles::post_events))
        .route("/v1/feedback", post(feedback::post_feedback))
        .route("/v1/tokens", post(profiles::post_tokens))
        .route("/v1/identities", post(identities::post_identities))
        .route("/v1/identities/login", post(identities::post_login))
        .route("/v1/identities/review", get(identities::get_reviews))
        .route("/v1/identities/review/{id}", post(identities::post_review))
        .route(
            "/v1/identities/links/{member}",
            delete(identities::delete_link),
        )
        .route(
            "/v1/profiles/{subject}/identities",
            get(identities::get_identities),
        )
        .fallback(|| async { ApiError::not_found("no such route") })
        .method_not_allowed_fallback(|| async {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                "this route does not take that method",
            )
        })
        .with_state(app)
        // One span per request (method, path; never headers: tokens stay out of the log), its response
        // logged at debug level and failures (5xx) at error level; `RUST_LOG=tower_http=debug` shows them.
        .layer(TraceLayer::new_for_http());
    if cors_origins.is_empty() {
        return router;
    }
    let origins = if cors_origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(
            cors_origins
                .iter()
                .filter_map(|o| HeaderValue::from_str(o).ok()),
        )
    };
    router.layer(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::PUT, Method::POST, Method::DELETE])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::IF_NONE_MATCH,
            ])
            .expose_headers([
                header::ETAG,
                header::HeaderName::from_static("x-persona-sequence"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}
