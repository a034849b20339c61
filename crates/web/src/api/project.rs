//! `/api/v1/projects`, `/api/v1/search`, a territory's projects, and the exports.
//!
//! Reads come from the in-memory catalog (search, filters, totals) or, for one
//! project, from the store (its current version, as `ETag`). Writes take an
//! authenticated [`Actor`], ask `cohesion_core::project::can_…`, and carry the version
//! they read (`If-Match`): a stale one is refused with 409 and the current version.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cohesion_core::project::{self, Phase, Project, ProjectInput, Transition};
use cohesion_core::territory::TerritoryRef;
use cohesion_store::project::WriteError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::auth::Actor;
use crate::catalog::{Filter, Found, Totals};
use crate::error::{ApiError, FieldError, Problem};

const MAX_LIMIT: usize = 200;

/// A project in a list.
#[derive(Serialize, ToSchema)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    /// `commune:42218`, …
    pub territories: Vec<String>,
    /// idea, study or operation
    pub phase: String,
    /// in_progress, late, paused, blocked, abandoned or done
    pub phase_status: String,
    pub transitions: Vec<String>,
    pub domain: Option<String>,
    pub total_cost_cents: Option<i64>,
    /// What the State pays (investment grants), in cents.
    pub grant_cents: i64,
    pub version: i64,
}

impl From<&Project> for ProjectSummary {
    fn from(p: &Project) -> Self {
        ProjectSummary {
            id: p.id.clone(),
            name: p.input.name.clone(),
            territories: p.input.territories.iter().map(ToString::to_string).collect(),
            phase: p.input.phase.as_str().into(),
            phase_status: p.input.phase_status.as_str().into(),
            transitions: p.input.transitions.iter().map(|t| t.as_str().to_owned()).collect(),
            domain: p.input.domain.clone(),
            total_cost_cents: p.input.total_cost_cents,
            grant_cents: p.input.state_grant_cents(),
            version: p.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ProjectPage {
    pub items: Vec<ProjectSummary>,
    pub total: usize,
}

#[derive(Serialize, ToSchema)]
pub struct TerritoryProjects {
    pub items: Vec<ProjectSummary>,
    pub total: usize,
    pub totals: Totals,
}

#[derive(Deserialize, IntoParams, Default, Clone)]
pub struct ListParams {
    /// Words, in French: accents, plurals and verb forms do not matter.
    pub q: Option<String>,
    /// `kind:code`: the projects lying in that territory, everything inside it included.
    pub territory: Option<String>,
    /// idea, study or operation
    pub phase: Option<String>,
    /// ecological, digital, democratic or demographic
    pub transition: Option<String>,
    /// A programme code (`pvd`, `acv`, …): the projects lying in one of its member
    /// territories (or the communes they cover).
    pub programme: Option<String>,
    /// A pact id: the projects that are actions of its current version.
    pub pact: Option<String>,
    /// Page size, 1 to 200 (default 20).
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Turns the query parameters into a filter, reporting every bad one.
pub fn filter_of(state: &AppState, p: &ListParams) -> Result<(Filter, usize, usize), ApiError> {
    let mut errors = Vec::new();
    let mut bad = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    let territory = match p.territory.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => t.parse::<TerritoryRef>().map_err(|e| bad("territory", e.to_string())).ok(),
    };
    let phase = match p.phase.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(s) => Phase::parse(s).or_else(|| {
            bad("phase", format!("`{s}`: idea, study or operation"));
            None
        }),
    };
    let transition = match p.transition.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(s) => Transition::parse(s).or_else(|| {
            bad("transition", format!("`{s}`: ecological, digital, democratic or demographic"));
            None
        }),
    };
    let territories_any = match p.programme.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(code) => {
            let snapshot = state.current();
            if snapshot.programmes.programme(code).is_none() {
                bad("programme", format!("`{code}` is not a programme code"));
                None
            } else {
                Some(programme_territories(&snapshot, code))
            }
        }
    };
    let limit = p.limit.unwrap_or(20);
    if limit == 0 || limit > MAX_LIMIT {
        bad("limit", format!("between 1 and {MAX_LIMIT}"));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let filter = Filter { q: p.q.clone(), territory, phase, transition, territories_any, ids: None };
    Ok((filter, limit, p.offset.unwrap_or(0)))
}

/// The territories of a programme: its current members and the communes it covers.
pub(crate) fn programme_territories(snapshot: &crate::Snapshot, code: &str) -> HashSet<TerritoryRef> {
    let r = &snapshot.referential;
    let idx = |i: u32| {
        let t = r.at(i);
        TerritoryRef { kind: t.kind, code: t.code.clone() }
    };
    let mut out: HashSet<TerritoryRef> = snapshot.programmes.covered_communes(code).into_iter().map(idx).collect();
    out.extend(snapshot.programmes.members(code).filter(|(m, _)| m.is_current()).filter_map(|(_, at)| at).map(idx));
    out
}

/// Narrows `filter` to the actions of the pact named in `p`, if any.
pub async fn with_pact(state: &AppState, p: &ListParams, filter: &mut Filter) -> Result<(), ApiError> {
    if let Some(id) = p.pact.as_deref().filter(|t| !t.is_empty()) {
        match state.store.pact(id).await? {
            Some(pact) => filter.ids = Some(pact.current().content.actions.iter().cloned().collect()),
            None => {
                return Err(ApiError::invalid_fields(vec![FieldError {
                    field: "pact".into(),
                    message: format!("no pact {id}"),
                }]));
            }
        }
    }
    Ok(())
}

fn page(found: Found) -> ProjectPage {
    ProjectPage { items: found.items.iter().map(|p| ProjectSummary::from(p.as_ref())).collect(), total: found.total }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Find projects (full-text in French, territory, phase, transition).
///
/// With words: best match first; without: newest first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ListParams),
    responses((status = 200, body = ProjectPage),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<ProjectPage>, ApiError> {
    let (mut filter, limit, offset) = filter_of(&state, &params)?;
    with_pact(&state, &params, &mut filter).await?;
    Ok(Json(page(state.projects.load().search(&filter, offset, limit).map_err(internal)?)))
}

#[derive(Deserialize, IntoParams)]
pub struct SearchParams {
    /// Words, in French.
    pub q: String,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// What `/api/v1/search` finds: projects (`items`, `total`) and pacts.
#[derive(Serialize, ToSchema)]
pub struct SearchResults {
    pub items: Vec<ProjectSummary>,
    pub total: usize,
    pub pacts: super::pact::PactPage,
}

/// Search across projects and pacts, in French (accents, plurals and verb forms do not
/// matter); `limit`/`offset` page the projects, the first 20 pacts come with them.
#[utoipa::path(get, path = "/api/v1/search", tag = "projects", params(SearchParams),
    responses((status = 200, body = SearchResults),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    let params = ListParams { q: Some(p.q.clone()), limit: p.limit, offset: p.offset, ..ListParams::default() };
    let (filter, limit, offset) = filter_of(&state, &params)?;
    let ProjectPage { items, total } = page(state.projects.load().search(&filter, offset, limit).map_err(internal)?);
    let pacts = super::pact::find(
        &state,
        &super::pact::PactFilter { q: Some(p.q), ..super::pact::PactFilter::default() },
        0,
        20,
    )
    .await?;
    Ok(Json(SearchResults { items, total, pacts }))
}

fn etag(version: i64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

fn with_etag(status: StatusCode, p: &Project) -> Response {
    let mut response = (status, Json(p)).into_response();
    response.headers_mut().insert(header::ETAG, etag(p.version));
    response
}

/// One project, with its version as `ETag`.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, description = "The project (projets-territoire fields, financing plan, indicators, budget lines, external ids)", body = Object),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    match state.store.project(&id).await? {
        Some(p) => Ok(with_etag(StatusCode::OK, &p)),
        None => Err(ApiError::NotFound(format!("no project {id}"))),
    }
}

fn check(state: &AppState, input: &ProjectInput) -> Result<(), ApiError> {
    let snapshot = state.current();
    let mut faults = project::validate(input, |t| snapshot.referential.get_ref(t).is_some());
    faults.extend(project::unknown_indicators(input));
    if faults.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(
            faults.into_iter().map(|f| FieldError { field: f.field, message: f.message }).collect(),
        ))
    }
}

fn write_error(e: WriteError) -> ApiError {
    match e {
        WriteError::NotFound => ApiError::NotFound("no such project".into()),
        WriteError::Stale { current, .. } => ApiError::Conflict(format!(
            "the project changed meanwhile: it is at version {}; read it again and reapply your change",
            current.version
        )),
        WriteError::ExternalIdTaken { id, project } => {
            ApiError::Conflict(format!("{}:{} already identifies project {project}", id.tool, id.id))
        }
        WriteError::Store(e) => e.into(),
    }
}

pub(crate) async fn publish(state: &AppState, p: &Project) -> Result<(), ApiError> {
    let revision = state.store.project_revision().await?;
    state.projects.load().apply(p.clone(), &state.current().referential, revision).map_err(internal)
}

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
    Json(input): Json<ProjectInput>,
) -> Result<Response, ApiError> {
    check(&state, &input)?;
    if !project::can_create(&who, &input, &state.current().referential) {
        return Err(ApiError::Forbidden("you do not act on every territory of this project".into()));
    }
    let p = state.store.create_project(&input, &format!("person:{}", who.person)).await.map_err(write_error)?;
    publish(&state, &p).await?;
    Ok(with_etag(StatusCode::CREATED, &p))
}

/// RFC 7396 JSON merge patch.
pub(crate) fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
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
    Json(patch): Json<Value>,
) -> Result<Response, ApiError> {
    let expected: i64 = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().trim_start_matches("W/").trim_matches('"').parse().ok())
        .ok_or_else(|| ApiError::bad_request("if_match_required", "send the version you read as If-Match"))?;
    let current = state.store.project(&id).await?.ok_or_else(|| ApiError::NotFound(format!("no project {id}")))?;
    if current.version != expected {
        return Err(write_error(WriteError::Stale { expected, current: Box::new(current) }));
    }
    let mut doc = serde_json::to_value(&current.input).map_err(internal)?;
    merge(&mut doc, &patch);
    let input: ProjectInput =
        serde_json::from_value(doc).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
    check(&state, &input)?;
    let change = project::validate_change(&current.input, &input);
    if !change.is_empty() {
        return Err(ApiError::invalid_fields(
            change.into_iter().map(|f| FieldError { field: f.field, message: f.message }).collect(),
        ));
    }
    if !project::can_edit(&who, &current, &input, &state.current().referential) {
        return Err(ApiError::Forbidden("you do not act on this project's territories".into()));
    }
    let p = state
        .store
        .update_project(&id, expected, &input, &format!("person:{}", who.person))
        .await
        .map_err(write_error)?;
    publish(&state, &p).await?;
    Ok(with_etag(StatusCode::OK, &p))
}

/// The projects lying in a territory (everything inside it included), newest first,
/// with their totals.
#[utoipa::path(get, path = "/api/v1/territories/{kind}/{code}/projects", tag = "projects",
    params(("kind" = String, Path, description = "commune, epci, departement or region"),
           ("code" = String, Path, description = "INSEE code, or SIREN for an EPCI"),
           ("limit" = Option<usize>, Query, description = "1 to 200 (default 20)"),
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
    Ok(Json(territory_projects(&state, &t, p.limit, p.offset)?))
}

/// The projects section of a territory (also in its overview): the newest first, and
/// the totals of everything inside it.
pub fn territory_projects(
    state: &AppState,
    t: &TerritoryRef,
    limit: Option<usize>,
    offset: Option<usize>,
) -> Result<TerritoryProjects, ApiError> {
    let params = ListParams { territory: Some(t.to_string()), limit, offset, ..ListParams::default() };
    let (filter, limit, offset) = filter_of(state, &params)?;
    let catalog = state.projects.load();
    let found = catalog.search(&filter, offset, limit).map_err(internal)?;
    let totals = catalog.totals(t);
    let ProjectPage { items, total } = page(found);
    Ok(TerritoryProjects { items, total, totals })
}
