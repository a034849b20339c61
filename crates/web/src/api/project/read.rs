//! The reads of `/api/v1/projects`: search (with the matching pacts), one project with
//! its version as `ETag`, a territory's projects.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cohesion_app::Page;
use cohesion_app::pact::read::{PactFilter, PactSummary, find as find_pacts};
use cohesion_app::project::{self, ListParams, ProjectSummary, TerritoryProjects};
use cohesion_core::project::Project;
use cohesion_core::territory::TerritoryRef;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::{ApiQuery, etag};
use crate::error::{ApiError, Problem};

/// Find projects (full-text in French, territory, phase, transition).
///
/// With words: best match first; without: newest first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ListParams),
    responses((status = 200, body = Page<ProjectSummary>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<ProjectSummary>>, ApiError> {
    Ok(Json(project::list(&state, &params).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, in French.
    pub q: String,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// What `/api/v1/search` finds: projects (`items`, `total`) and pacts.
#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<ProjectSummary>,
    pub total: usize,
    pub pacts: Page<PactSummary>,
}

/// Search across projects and pacts, in French (accents, plurals and verb forms do not
/// matter); `limit`/`offset` page the projects, the first 20 pacts come with them.
#[utoipa::path(get, path = "/api/v1/search", tag = "projects", params(SearchParams),
    responses((status = 200, body = SearchResults),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    crate::auth::MaybeActor(who): crate::auth::MaybeActor,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let params = ListParams { q: Some(p.q.clone()), limit: p.limit, offset: p.offset, ..ListParams::default() };
    let Page { items, total } = project::list(&state, &params).await?;
    let filter = PactFilter { q: Some(p.q), ..PactFilter::default() };
    let pacts = find_pacts(&state, who.as_ref(), &filter, 0, 20).await?;
    Ok(Json(SearchResults { items, total, pacts }))
}

pub(crate) fn with_etag(status: StatusCode, p: &Project) -> Response {
    etag::with(p.version, (status, Json(p)).into_response())
}

/// One project, with its version as `ETag`.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, description = "The project (projets-territoire fields, financing plan, indicators, budget lines, external ids)", body = Object),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    Ok(with_etag(StatusCode::OK, &project::get(&state, &id).await?))
}

/// The project holding identifier `id` in the national tool `tool`, with its version as
/// `ETag` (what a syncing client reads before `PUT`ting it with `If-Match`).
#[utoipa::path(get, path = "/api/v1/projects/by-external-id/{tool}/{id}", tag = "projects",
    params(("tool" = String, Path, description = "The tool (`recoco`, `les-communs`…)"),
           ("id" = String, Path, description = "The project's identifier in that tool")),
    responses((status = 200, description = "The project", body = Object),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn by_external_id(
    State(state): State<AppState>,
    Path((tool, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let key = cohesion_core::project::ExternalId { tool, id };
    Ok(with_etag(StatusCode::OK, &project::get_by_external_id(&state, &key).await?))
}

/// The levers of the ecological planning (SGPE) a project may name in `levers`, as the
/// national hub of the ecological-transition tools validates them (72).
#[utoipa::path(get, path = "/api/v1/projects/levers", tag = "projects",
    responses((status = 200, body = Vec<String>)))]
pub async fn levers() -> Json<Vec<&'static str>> {
    Json(project::levers())
}

/// The competences a project may name in `competences`: the functions of the M57
/// budget nomenclature (156), code and label.
#[utoipa::path(get, path = "/api/v1/projects/competences", tag = "projects",
    responses((status = 200, body = Vec<project::CompetenceView>)))]
pub async fn competences() -> Json<Vec<project::CompetenceView>> {
    Json(project::competences())
}

/// The projects lying in a territory (everything inside it included), newest first,
/// with their totals.
#[utoipa::path(get, path = "/api/v1/territories/{kind}/{code}/projects", tag = "projects",
    params(("kind" = crate::api::territory::KindName, Path, description = "commune, epci, departement or region"),
           ("code" = String, Path, description = "INSEE code, or SIREN for an EPCI"),
           ("limit" = Option<usize>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 20)"),
           ("offset" = Option<usize>, Query, description = "items to skip")),
    responses((status = 200, body = TerritoryProjects),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn of_territory(
    State(state): State<AppState>,
    Path((kind, code)): Path<(String, String)>,
    ApiQuery(p): ApiQuery<ListParams>,
) -> Result<Json<TerritoryProjects>, ApiError> {
    let t = TerritoryRef::parse(&kind, &code).map_err(|e| ApiError::bad_request("invalid_territory", e.to_string()))?;
    if state.current().referential.get_ref(&t).is_none() {
        return Err(ApiError::NotFound(format!("no territory {t}")));
    }
    Ok(Json(project::territory_projects(&state, &t, p.limit, p.offset)?))
}
