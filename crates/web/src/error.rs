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
    /// For `already_exists` (409): the id of what exists, to read or update it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_id: Option<String>,
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
    /// What would be created exists already: 409 with its id in `existing_id`.
    #[error("{detail}")]
    Exists { detail: String, existing_id: String },
    /// `If-Match` names a version that is not the current one (or nothing exists): 412.
    #[error("{0}")]
    PreconditionFailed(String),
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String, errors: Vec<FieldError> },
    /// A body over the size limit: 413.
    #[error("{0}")]
    TooLarge(String),
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
            ApiError::Exists { .. } => (StatusCode::CONFLICT, "already_exists", "Already exists"),
            ApiError::PreconditionFailed(_) => {
                (StatusCode::PRECONDITION_FAILED, "precondition_failed", "Precondition failed")
            }
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code, "Bad request"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large", "Payload too large"),
            ApiError::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, "unavailable", "Service unavailable"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error"),
        }
    }
}

impl From<cohesion_app::AppError> for ApiError {
    /// The use cases' errors in English: faults with their field and message.
    fn from(e: cohesion_app::AppError) -> Self {
        use cohesion_app::AppError as E;
        match e {
            E::NotFound(m) => ApiError::NotFound(m),
            E::Unauthenticated => ApiError::Unauthenticated,
            E::Forbidden(m) => ApiError::Forbidden(m),
            E::Conflict(m) => ApiError::Conflict(m),
            E::Exists { detail, existing } => ApiError::Exists { detail, existing_id: existing },
            E::PreconditionFailed(m) => ApiError::PreconditionFailed(m),
            E::Invalid(faults) => ApiError::invalid_fields(
                faults.iter().map(|f| FieldError { field: f.field.clone(), message: f.message() }).collect(),
            ),
            E::InvalidFile(faults) => {
                let errors = faults
                    .0
                    .into_iter()
                    .map(|f| FieldError {
                        field: match (&f.field, f.line) {
                            (Some(field), 0) => field.clone(),
                            (Some(field), line) => format!("line {line}: {field}"),
                            (None, 0) => "file".into(),
                            (None, line) => format!("line {line}"),
                        },
                        message: f.message(),
                    })
                    .collect::<Vec<_>>();
                let detail = format!("{} fault(s) in the file; nothing was written", errors.len());
                ApiError::BadRequest { code: "invalid_file", detail, errors }
            }
            E::BadRequest { code, detail } => ApiError::bad_request(code, detail),
            E::Unavailable(m) => ApiError::Unavailable(m),
            // The whole chain goes to the log, never to the response.
            E::Store(e) => ApiError::Internal(error_chain(&e)),
            E::Internal(m) => ApiError::Internal(m),
        }
    }
}

/// An error and its sources, for the log.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The answer to a handler that panicked (caught by the edge, `crate::edge`): logged, then a
/// 500 problem document.
pub fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let what = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::Internal(format!("handler panicked: {what}")).into_response()
}

/// Every error answer under `/api/` is a problem document: what a layer or an
/// extractor answered in plain text (a body over the limit: 413; a wrong content
/// type: 415; an unknown method: 405; an unreadable path) is said again as one, with
/// the same status and its text as the detail.
pub(crate) async fn problems_only<F>(
    req: axum::extract::Request,
    next: impl FnOnce(axum::extract::Request) -> F,
) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let api = req.uri().path().starts_with("/api/");
    let response = next(req).await;
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !api || is_problem || !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let (parts, body) = response.into_parts();
    // What the layer said, kept short; it is never more than a sentence.
    let text = axum::body::to_bytes(body, 4096).await.map(|b| String::from_utf8_lossy(&b).into_owned());
    let detail = text.ok().filter(|t| !t.trim().is_empty()).unwrap_or_else(|| status.to_string());
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::METHOD_NOT_ALLOWED => "method_not_allowed",
        StatusCode::NOT_FOUND => "not_found",
        s if s.is_server_error() => "internal",
        _ => "invalid_request",
    };
    let problem = Problem {
        kind: format!("/problems/{code}"),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail: if status.is_server_error() { "Internal error".into() } else { detail },
        code: code.to_owned(),
        errors: Vec::new(),
        existing_id: None,
    };
    let mut answer = (status, Json(problem)).into_response();
    for (name, value) in parts.headers.iter().filter(|(n, _)| *n == header::ALLOW) {
        answer.headers_mut().insert(name, value.clone());
    }
    answer.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    answer
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
        let (errors, existing_id) = match self {
            ApiError::BadRequest { errors, .. } => (errors, None),
            ApiError::Exists { existing_id, .. } => (Vec::new(), Some(existing_id)),
            _ => (Vec::new(), None),
        };
        let problem = Problem {
            kind: format!("/problems/{code}"),
            title: title.to_owned(),
            status: status.as_u16(),
            detail,
            code: code.to_owned(),
            errors,
            existing_id,
        };
        let mut response = (status, Json(problem)).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        response
    }
}
