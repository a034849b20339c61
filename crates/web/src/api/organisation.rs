//! `/api/v1/organisations`: local authorities, State services, partners.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cohesion_core::access::organisation::Organisation;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cohesion_app::access::OrganisationBody;
use cohesion_app::access::organisation;

use super::ApiJson;
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
    responses((status = 201, body = OrganisationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "SIRET or territory already registered", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    ApiJson(body): ApiJson<OrganisationBody>,
) -> Result<(StatusCode, Json<OrganisationView>), ApiError> {
    let org = organisation::create(&state, &p, &by, &body).await?;
    Ok((StatusCode::CREATED, Json(OrganisationView::from(&org))))
}

/// Replaces an organisation; `version` must be the one read (409 otherwise). The
/// rule applies to the organisation both before and after the change.
#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "access", request_body = OrganisationBody,
    params(("id" = String, Path, description = "organisation id")),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = OrganisationView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OrganisationBody>,
) -> Result<Json<OrganisationView>, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound(format!("no organisation {id}")))?;
    let org = organisation::update(&state, &p, &by, id, &body).await?;
    Ok(Json(OrganisationView::from(&org)))
}
