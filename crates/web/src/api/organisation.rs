//! `/api/v1/organisations`: local authorities, State services, partners.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cohesion_core::access::organisation::Organisation;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cohesion_app::access::OrganisationBody;
use cohesion_app::access::organisation;

use super::{ApiJson, etag};
use crate::AppState;
use crate::auth::{Actor, AuditContext};
use crate::error::{ApiError, Problem};
use cohesion_app::Page;

#[derive(Serialize, ToSchema)]
pub struct OrganisationView {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub siren: Option<String>,
    pub siret: Option<String>,
    pub territory: Option<String>,
    pub version: i64,
}

impl From<&Organisation> for OrganisationView {
    fn from(o: &Organisation) -> Self {
        OrganisationView {
            id: o.id.to_string(),
            kind: o.kind.as_str().to_owned(),
            name: o.name.clone(),
            siren: o.siren.clone(),
            siret: o.siret.clone(),
            territory: o.territory.as_ref().map(ToString::to_string),
            version: o.version,
        }
    }
}

/// Every organisation, by name (public: they are public bodies and partners).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "access",
    responses((status = 200, body = Page<OrganisationView>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Page<OrganisationView>>, ApiError> {
    let items: Vec<OrganisationView> = organisation::list(&state).await?.iter().map(OrganisationView::from).collect();
    Ok(Json(Page::all(items)))
}

/// Creates an organisation (admins; delegates: local authorities of their département).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "access", request_body = OrganisationBody,
    security(("session" = []), ("token" = [])),
    responses((status = 201, description = "Created, with its version as ETag (to send as If-Match when changing it)", body = OrganisationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SIRET or territory already registered", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    ApiJson(body): ApiJson<OrganisationBody>,
) -> Result<Response, ApiError> {
    let org = organisation::create(&state, &p, &by, &body).await?;
    Ok(etag::with(org.version, (StatusCode::CREATED, Json(OrganisationView::from(&org))).into_response()))
}

/// Replaces an organisation, naming the version read (its `ETag`, or `version` in the
/// list) in `If-Match` (409 when stale). The rule applies to the organisation both
/// before and after the change. The body's `version` is still read, for one release,
/// when `If-Match` is missing.
#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "access", request_body = OrganisationBody,
    params(("id" = String, Path, description = "organisation id"),
           ("If-Match" = String, Header, description = "The version read (its ETag)")),
    security(("session" = []), ("token" = [])),
    responses((status = 200, description = "The organisation, with its new version as ETag", body = OrganisationView),
        (status = 400, description = "Invalid body, or no version named", body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Stale version", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<OrganisationBody>,
) -> Result<Response, ApiError> {
    let expected = match (etag::if_match(&headers, "send the version you read (the ETag) as If-Match"), body.version) {
        (Ok(version), _) => version,
        (Err(_), Some(version)) => version,
        (Err(missing), None) => return Err(missing),
    };
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound(format!("no organisation {id}")))?;
    let org = organisation::update(&state, &p, &by, id, expected, &body).await?;
    Ok(etag::with(org.version, Json(OrganisationView::from(&org)).into_response()))
}
