//! The writes of `/api/v1/projects`: create, change with the version read in
//! `If-Match` (JSON merge patch), and create-or-replace by an identifier in another
//! national tool (`PUT /api/v1/projects/by-external-id/{tool}/{id}`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cohesion_app::project::{self, Upserted};
use cohesion_core::project::{ExternalId, ProjectInput};
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
              (status = 409, description = "`already_exists`: an identifier of `external_ids` is another project's, \
                                            whose id is in `existing_id`", body = Problem, content_type = "application/problem+json")))]
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

/// Create or replace the project identified by `id` in the national tool `tool`
/// (`recoco`, `territoires-en-transitions`, `mon-espace-collectivite`, `les-communs`…):
/// created the first time (201), replaced after (200); the same call again writes
/// nothing and answers the same project at the same version. The body is the whole
/// project (as `POST /api/v1/projects` takes it); its `external_ids` may repeat the
/// address's identifier, not contradict it, and get it when missing. `If-Match` is
/// optional: when sent, the write happens only if the project is at that version (`*`:
/// if it exists), otherwise 412 and nothing is written.
#[utoipa::path(put, path = "/api/v1/projects/by-external-id/{tool}/{id}", tag = "projects", request_body = Object,
    params(("tool" = String, Path, description = "The tool: 1 to 40 lowercase letters, digits, `-` or `_`"),
           ("id" = String, Path, description = "The project's identifier in that tool (1 to 200 characters)"),
           ("If-Match" = Option<String>, Header, description = "The version read (its ETag), or `*`: write only if it still holds")),
    responses((status = 200, description = "Replaced, or unchanged (the same input: nothing written); its version as ETag", body = Object),
              (status = 201, description = "Created; its address in Location, its version as ETag", body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "`already_exists`: another identifier of the body is another project's (`existing_id`); \
                                            or `conflict`: the project changed while this call wrote", body = Problem, content_type = "application/problem+json"),
              (status = 412, description = "`precondition_failed`: If-Match does not name the current version", body = Problem, content_type = "application/problem+json")))]
pub async fn upsert(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path((tool, id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ProjectInput>,
) -> Result<Response, ApiError> {
    let condition = etag::if_match_optional(&headers)?;
    let key = ExternalId { tool, id };
    let (p, done) = project::upsert(&state, &who, &key, input, condition).await?;
    if done != Upserted::Created {
        return Ok(with_etag(StatusCode::OK, &p));
    }
    let mut response = with_etag(StatusCode::CREATED, &p);
    if let Ok(v) = HeaderValue::from_str(&format!("/api/v1/projects/{}", p.id)) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    Ok(response)
}

/// A project read from the hub Les communs, with what the reading converted or did
/// not keep.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FromHub {
    /// The project, as `GET /api/v1/projects/{id}` answers it.
    #[schema(value_type = Object)]
    pub project: cohesion_core::project::Project,
    /// What was converted or not kept (`docs/interop.md`).
    pub notes: Vec<String>,
}

/// Create or update a project from the hub Les communs: the body is the project as the
/// hub answers it (`GET /projets/{id}`: its `ProjetResponse`) or as a tool sends it
/// (`CreateProjetRequest`); `{id}` is its id in the hub. Nothing is invented: a project
/// without a phase is refused (400 at `phase`); a status missing is « En cours », as
/// the hub itself sets it; the referent's contact, the programme and the hub's
/// classifications are not kept (said in `notes`). The project is found by its hub id,
/// or by its id in Mon Espace Collectivité, Territoires en Transitions or Recoco; what
/// the hub cannot express (financing plan, indicators, transitions…) is kept. Created:
/// 201; updated or unchanged: 200 (the same call twice writes nothing); `If-Match` as
/// for `PUT …/by-external-id/…`.
#[utoipa::path(put, path = "/api/v1/projects/from-communs/{id}", tag = "projects", request_body = Object,
    params(("id" = String, Path, description = "The project's id in the hub Les communs"),
           ("If-Match" = Option<String>, Header, description = "The version read (its ETag), or `*`")),
    responses((status = 200, description = "Updated, or unchanged", body = FromHub),
              (status = 201, description = "Created", body = FromHub),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 412, body = Problem, content_type = "application/problem+json")))]
pub async fn from_communs(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(hub): ApiJson<cohesion_core::project::communs::HubProjet>,
) -> Result<Response, ApiError> {
    let condition = etag::if_match_optional(&headers)?;
    let (p, done, notes) = project::upsert_from_hub(&state, &who, &id, &hub, condition).await?;
    let status = if done == Upserted::Created { StatusCode::CREATED } else { StatusCode::OK };
    let version = p.version;
    let body = FromHub { project: p, notes: notes.iter().map(ToString::to_string).collect() };
    Ok(etag::with(version, (status, axum::Json(body)).into_response()))
}

/// The query of the batch from the hub.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FromCommunsParams {
    /// `true`: write the valid projects and say why the others are not; by default a
    /// fault in any project writes nothing.
    partial: Option<bool>,
}

/// One project of the batch.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FromHubItemView {
    /// The project's id in the hub.
    pub id: String,
    /// `created`, `updated`, `unchanged` or `refused`.
    pub outcome: &'static str,
    /// Its id in Cohésion, when written or unchanged.
    pub project_id: Option<String>,
    pub version: Option<i64>,
    /// What was converted or not kept (`docs/interop.md`).
    pub notes: Vec<String>,
    /// Why it was refused (only with `partial=true`: otherwise nothing is written).
    pub errors: Vec<crate::error::FieldError>,
}

/// What the batch did.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct FromHubBatch {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub refused: usize,
    /// In the order of the list.
    pub items: Vec<FromHubItemView>,
}

/// Create or update from the hub Les communs the projects of its list, in one call:
/// the body is the array `GET /projets` answers (each project with its hub `id`).
/// Each project is read and checked as `PUT /api/v1/projects/from-communs/{id}` does
/// before anything is written; a fault in any of them writes nothing and answers 400
/// with every fault at `[i].field`, unless `partial=true`, which writes the valid ones
/// and says, per project, why the others were refused. Each project is its own upsert:
/// the same list twice writes nothing (`unchanged`).
#[utoipa::path(put, path = "/api/v1/projects/from-communs", tag = "projects", request_body = Object,
    params(FromCommunsParams),
    responses((status = 200, body = FromHubBatch),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn from_communs_batch(
    State(state): State<AppState>,
    Actor(who): Actor,
    crate::api::ApiQuery(q): crate::api::ApiQuery<FromCommunsParams>,
    ApiJson(hubs): ApiJson<Vec<cohesion_core::project::communs::HubProjet>>,
) -> Result<Response, ApiError> {
    let items = project::upsert_many_from_hub(&state, &who, &hubs, q.partial.unwrap_or(false)).await?;
    let mut out = FromHubBatch { created: 0, updated: 0, unchanged: 0, refused: 0, items: Vec::new() };
    for i in items {
        let (outcome, count) = match i.done {
            Some(Upserted::Created) => ("created", &mut out.created),
            Some(Upserted::Changed) => ("updated", &mut out.updated),
            Some(Upserted::Unchanged) => ("unchanged", &mut out.unchanged),
            None => ("refused", &mut out.refused),
        };
        *count += 1;
        let errors = match i.refused.map(ApiError::from) {
            Some(ApiError::BadRequest { errors, .. }) => errors,
            Some(other) => vec![crate::error::FieldError { field: String::new(), message: other.to_string() }],
            None => Vec::new(),
        };
        out.items.push(FromHubItemView {
            id: i.hub_id,
            outcome,
            project_id: i.project.as_ref().map(|p| p.id.clone()),
            version: i.project.as_ref().map(|p| p.version),
            notes: i.notes.iter().map(ToString::to_string).collect(),
            errors,
        });
    }
    Ok(axum::Json(out).into_response())
}
