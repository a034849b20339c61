//! The writes of `/api/v1/projects`: create, and change with the version read in
//! `If-Match` (JSON merge patch).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cohesion_app::project::{self};
use cohesion_core::project::ProjectInput;
use serde_json::Value;

use super::read::with_etag;
use crate::AppState;
use crate::api::ApiJson;
use crate::api::etag;
use crate::auth::Actor;
use crate::error::{ApiError, Problem};

/// Create a project (local authority of its territories, the State's delegate, or admin).
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = Object,
    responses((status = 201, description = "Created, with its version as ETag", body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Actor(who): Actor,
    ApiJson(input): ApiJson<ProjectInput>,
) -> Result<Response, ApiError> {
    let p = project::create(&state, &who, input).await?;
    Ok(with_etag(StatusCode::CREATED, &p))
}

/// Change a project (JSON merge patch), naming the version read in `If-Match`.
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", request_body = Object,
    params(("id" = String, Path, description = "UUID"),
           ("If-Match" = String, Header, description = "The version read (its ETag)")),
    responses((status = 200, description = "Changed, with its new version as ETag", body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Stale version: the detail names the current one", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let expected = etag::if_match(&headers, "send the version you read as If-Match")?;
    let p = project::update(&state, &who, &id, expected, &patch).await?;
    Ok(with_etag(StatusCode::OK, &p))
}
