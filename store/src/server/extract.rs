//! The store's request extractors: the write token and a size-capped, typed JSON body. Handlers name
//! what they need in their signature; checks happen before the handler runs (the write token before the
//! body is read), with the same typed errors as everywhere else (`ApiError`).

use super::http::{self, ApiError};
use super::App;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::sync::Arc;

/// Proof that the request carries the write token (`Authorization: Bearer <write token>`); 401 otherwise.
#[derive(Debug, Clone, Copy)]
pub struct WriteAuth;

impl FromRequestParts<Arc<App>> for WriteAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, ApiError> {
        app.require_write(&parts.headers)?;
        Ok(WriteAuth)
    }
}

/// A JSON body of type `T`, at most the store's `max_body` bytes: 413 above it, 400 for malformed JSON,
/// 422 with the JSON path for a body of the wrong shape.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<Arc<App>> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, app: &Arc<App>) -> Result<Self, ApiError> {
        let (parts, body) = request.into_parts();
        let value = http::json_body(&parts.headers, body, app.limits.max_body).await?;
        Ok(JsonBody(value))
    }
}
