//! The reads of `/api/v1/pacts`: search, one pact, its versions, the diff of two
//! versions, proposals and comments — each as its reader may see it
//! (`cohesion_app::pact::read::open`): the agency and the parties' people read a
//! pact whole; anyone else only once it is signed, its signed versions, and the
//! organisations and dates of the signatures; a pact not yet signed is a 404 to them,
//! its proposals and comments a 401 or 403.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use cohesion_app::Page;
use cohesion_app::pact as pacts;
use cohesion_app::pact::read::{PactFilter, PactSummary, find, open};
use cohesion_core::pact::{Comment, PactDiff, Proposal};
use serde::Deserialize;
use utoipa::IntoParams;

use super::views::{PactView, VersionView, version_view, with_etag};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::MaybeActor;
use crate::error::{ApiError, Problem};

/// Find pacts (words in French, territory, status, kind).
#[utoipa::path(get, path = "/api/v1/pacts", tag = "pacts", params(PactFilter),
    responses((status = 200, body = Page<PactSummary>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(f): ApiQuery<PactFilter>,
) -> Result<Json<Page<PactSummary>>, ApiError> {
    let (offset, limit) = (f.offset.unwrap_or(0), f.limit.unwrap_or(20));
    Ok(Json(find(&state, who.as_ref(), &f, offset, limit).await?))
}

/// One pact, with its revision as ETag.
#[utoipa::path(get, path = "/api/v1/pacts/{id}", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = PactView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let p = open(&state, who.as_ref(), &id).await?.pact;
    Ok(with_etag(&state, StatusCode::OK, &p))
}

/// Every version of a pact, oldest first, in full.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/versions", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = Vec<VersionView>),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn versions(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<VersionView>>, ApiError> {
    let p = open(&state, who.as_ref(), &id).await?.pact;
    Ok(Json(p.versions.iter().map(|v| version_view(&state, v)).collect()))
}

/// One version of a pact.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/versions/{number}", tag = "pacts",
    params(("id" = String, Path, description = "UUID"), ("number" = u32, Path, description = "1, 2, …")),
    responses((status = 200, body = VersionView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn version(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path((id, number)): Path<(String, u32)>,
) -> Result<Json<VersionView>, ApiError> {
    let p = open(&state, who.as_ref(), &id).await?.pact;
    let v = p.version(number).ok_or_else(|| ApiError::NotFound(format!("the pact has no version {number}")))?;
    Ok(Json(version_view(&state, v)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// A version number (default: the one before `to`).
    pub from: Option<u32>,
    /// A version number (default: the newest).
    pub to: Option<u32>,
}

/// What changed between two versions: text, perimeter, parties, projects added,
/// removed and changed, and the money before and after.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/diff", tag = "pacts",
    params(("id" = String, Path, description = "UUID"), DiffParams),
    responses((status = 200, body = Object),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn diff(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DiffParams>,
) -> Result<Json<PactDiff>, ApiError> {
    let p = open(&state, who.as_ref(), &id).await?.pact;
    let to = q.to.unwrap_or(p.current().number);
    let from = q.from.unwrap_or(to.saturating_sub(1).max(1));
    Ok(Json(pacts::diff(&state, &p, from, to)?))
}

/// The proposals made on a pact, oldest first.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/proposals", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = Vec<Object>),
              (status = 401, description = "Anonymous, on a pact whose public part only it may read", body = Problem, content_type = "application/problem+json"),
              (status = 403, description = "Neither a party's person nor the agency", body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn proposals(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<Proposal>>, ApiError> {
    Ok(Json(cohesion_app::pact::read::proposals(&state, who.as_ref(), &id).await?))
}

/// The comments on a pact, oldest first (group them by `thread`).
#[utoipa::path(get, path = "/api/v1/pacts/{id}/comments", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = Vec<Object>),
              (status = 401, description = "Anonymous, on a pact whose public part only it may read", body = Problem, content_type = "application/problem+json"),
              (status = 403, description = "Neither a party's person nor the agency", body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn comments(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
) -> Result<Json<Vec<Comment>>, ApiError> {
    Ok(Json(cohesion_app::pact::read::comments(&state, who.as_ref(), &id).await?))
}
