//! The API's one error type, answered as RFC 9457 `application/problem+json`.
//!
//! Strategy: every failure a client can cause has a stable `code` (snake_case) and a
//! 4xx status; everything else is `internal` (500) and its details go to the log
//! only, never to the response. Handlers return `Result<_, ApiError>`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem document (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// URI reference identifying the problem type: `/problems/{code}`.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    /// For invalid input: every field at fault.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    NotFound(String),
    /// No valid session or API token: 401.
    #[error("authentication required")]
    Unauthenticated,
    /// Authenticated, but the role or its scope does not allow this: 403.
    #[error("{0}")]
    Forbidden(String),
    /// A stale write (version mismatch) or a state that forbids it: 409.
    #[error("{0}")]
    Conflict(String),
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String, errors: Vec<FieldError> },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        ApiError::BadRequest { code, detail: detail.into(), errors: Vec::new() }
    }

    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        ApiError::BadRequest { code: "invalid_parameter", detail, errors }
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str) {
        match self {
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found", "Not found"),
            ApiError::Unauthenticated => (StatusCode::UNAUTHORIZED, "unauthenticated", "Authentication required"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Forbidden"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code, "Bad request"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }
}

impl From<cohesion_store::StoreError> for ApiError {
    fn from(e: cohesion_store::StoreError) -> Self {
        match e {
            cohesion_store::StoreError::Conflict(m) => ApiError::Conflict(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, title) = self.parts();
        let detail = match &self {
            ApiError::Internal(msg) | ApiError::Unavailable(msg) => {
                tracing::error!(error = %msg, "request failed");
                title.to_owned()
            }
            other => other.to_string(),
        };
        let errors = match self {
            ApiError::BadRequest { errors, .. } => errors,
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: format!("/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
        };
        let mut response = (status, Json(problem)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}
