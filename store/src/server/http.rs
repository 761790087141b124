//! HTTP plumbing shared by the handlers: JSON error bodies, bounded body reading with JSON paths in parse
//! errors, bearer tokens, ETags and the `audience` query parameter.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// An error answered as `{"error": {"code", "message", "path"?}}` with a 4xx/5xx status. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// What is wrong, for people.
    pub message: String,
    /// Where in the request body (a JSON path), when it is about the body.
    pub path: Option<String>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
struct ErrorDetail<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
}

impl ApiError {
    /// An error without a body path.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            path: None,
        }
    }

    /// A request body value that is not acceptable (422), at `path`.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError {
            path: Some(path.into()),
            ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
        }
    }

    /// Missing or wrong credentials (401).
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// Something the store does not have (404).
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// A failure on the store's side (500); the details go to the log, not to the client.
    pub fn internal(error: impl std::fmt::Display) -> ApiError {
        tracing::error!(%error, "internal error");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "the store failed; nothing was changed",
        )
    }

    /// Prefixes the body path (e.g. `events[3].` before an event's own path).
    pub fn under(mut self, prefix: &str) -> ApiError {
        self.path = Some(match self.path.take() {
            Some(p) if !p.is_empty() && p != "." => format!("{prefix}.{p}"),
            _ => prefix.to_owned(),
        });
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: &self.message,
                path: self.path.as_deref(),
            },
        };
        no_store((self.status, axum::Json(body)).into_response())
    }
}

/// `response` marked `Cache-Control: no-store` (answers about one customer, errors).
pub fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Reads at most `limit` bytes of body (413 past it).
pub async fn read_body(headers: &HeaderMap, body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than {limit} bytes"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return too_large();
            }
            source = err.source();
        }
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "bad_body",
            format!("cannot read the body: {e}"),
        )
    })
}

/// Parses a JSON body: malformed JSON is 400, JSON of the wrong shape 422 with the JSON path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    crate::json::from_slice(bytes).map_err(|failure| match failure.path {
        Some(path) => ApiError::invalid(path, failure.error.to_string()),
        None if failure.is_syntax() => ApiError::new(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("the body is not valid JSON: {}", failure.error),
        ),
        None => ApiError::invalid(".", failure.error.to_string()),
    })
}

/// 413 for a batch of more than `max` events.
pub fn check_batch(len: usize, max: usize) -> Result<(), ApiError> {
    if len > max {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_many_events",
            format!("at most {max} events per batch"),
        ));
    }
    Ok(())
}

/// Reads and parses a JSON body in one step.
pub async fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<T, ApiError> {
    let bytes = read_body(headers, body, limit).await?;
    parse_json(&bytes)
}

/// The bearer token of the `Authorization` header, if any.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// Whether `If-None-Match` names `etag` (or `*`); weak validators match too (RFC 9110 weak comparison).
pub fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
}

/// The `audience` query parameter (default: the store's first audience); 422 for one it does not serve.
pub fn audience<'a>(query: Option<&str>, audiences: &'a [String]) -> Result<&'a str, ApiError> {
    let wanted = query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == "audience")
        .map(|(_, value)| value);
    let default = audiences.first().map(String::as_str).unwrap_or("");
    match wanted {
        None => Ok(default),
        Some(name) => audiences
            .iter()
            .find(|a| a.as_str() == name)
            .map(String::as_str)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "unknown_audience",
                    format!("this store serves the audiences {audiences:?}"),
                )
            }),
    }
}

/// A snapshot response: the bytes with their ETag, or 304 when the client has them.
pub fn snapshot_response(
    headers: &HeaderMap,
    bytes: &Bytes,
    etag: &str,
    sequence: i64,
    cache_control: &'static str,
) -> Response {
    let etag_value = HeaderValue::from_str(etag).unwrap_or(HeaderValue::from_static("\"\""));
    let mut response = if not_modified(headers, etag) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = Body::from(bytes.clone()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/vnd.persona-edge.snapshot"),
        );
        r
    };
    let h = response.headers_mut();
    h.insert(header::ETAG, etag_value);
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    h.insert(header::VARY, HeaderValue::from_static("Authorization"));
    if let Ok(v) = HeaderValue::from_str(&sequence.to_string()) {
        h.insert("x-persona-sequence", v);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_forms() {
        let mut h = HeaderMap::new();
        assert!(!not_modified(&h, "\"abc\""));
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_static("\"x\", W/\"abc\""),
        );
        assert!(not_modified(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"abcd\""));
        assert!(!not_modified(&h, "\"abc\""));
        h.insert(header::IF_NONE_MATCH, HeaderValue::from_static("*"));
        assert!(not_modified(&h, "\"abc\""));
    }

    #[test]
    fn bearer_tokens() {
        let mut h = HeaderMap::new();
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer abc"),
        );
        assert_eq!(bearer(&h), Some("abc"));
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(bearer(&h), None);
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer "));
        assert_eq!(bearer(&h), None);
    }

    #[test]
    fn audiences() {
        let list = vec!["demo-shop".to_owned(), "other".to_owned()];
        assert_eq!(audience(None, &list).unwrap(), "demo-shop");
        assert_eq!(audience(Some("audience=other"), &list).unwrap(), "other");
        assert_eq!(
            audience(Some("x=1&audience=other"), &list).unwrap(),
            "other"
        );
        assert_eq!(
            audience(Some("audience=nope"), &list).unwrap_err().code,
            "unknown_audience"
        );
    }

    #[test]
    fn json_errors_name_the_problem() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct T {
            a: Vec<u32>,
        }
        let e = parse_json::<T>(b"{\"a\": [1, \"x\"]}").unwrap_err();
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.path.as_deref(), Some("a[1]"));
        let e = parse_json::<T>(b"{\"a\": [1,").unwrap_err();
        assert_eq!(e.code, "malformed_json");
        assert!(parse_json::<T>(b"{\"a\": []} x").is_err());
    }
}
