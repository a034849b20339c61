//! `/api/v1/people`: people, invitations and role grants.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cohesion_app::access::account::{self, Invitation};
use cohesion_app::access::person as people;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::me::PersonView;
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::access::RoleView;
use crate::auth::{Actor, AuditContext};
use crate::error::{ApiError, Problem};
use cohesion_app::Page;

#[derive(Serialize, ToSchema)]
pub struct GrantView {
    /// The grant's id (to revoke it).
    pub id: String,
    #[serde(flatten)]
    pub role: RoleView,
}

#[derive(Serialize, ToSchema)]
pub struct PersonWithRoles {
    #[serde(flatten)]
    pub person: PersonView,
    pub roles: Vec<GrantView>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    offset: Option<u32>,
}

/// Everyone with an account, and their roles (admins).
#[utoipa::path(get, path = "/api/v1/people", tag = "access", params(PageParams),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<PersonWithRoles>),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    Actor(p): Actor,
    ApiQuery(q): ApiQuery<PageParams>,
) -> Result<Json<Page<PersonWithRoles>>, ApiError> {
    let (found, total) = people::list(&state, &p, q.limit.unwrap_or(50).clamp(1, 200), q.offset.unwrap_or(0)).await?;
    let mut items = Vec::with_capacity(found.len());
    for (person, roles) in &found {
        items.push(PersonWithRoles {
            person: PersonView::from(person),
            roles: roles.iter().map(|g| GrantView { id: g.id.to_string(), role: RoleView::from(&g.role) }).collect(),
        });
    }
    Ok(Json(Page { items, total: usize::try_from(total).unwrap_or(usize::MAX) }))
}

/// Invites someone: creates their account with these roles and mails them a
/// single-use link (valid 7 days) to choose a password. You may grant only what
/// your own roles allow (see `docs/access.md`).
#[utoipa::path(post, path = "/api/v1/people/invitations", tag = "access", request_body = Invitation,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = PersonView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "the address already has an account", body = Problem, content_type = "application/problem+json")))]
pub async fn invite(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    ApiJson(body): ApiJson<Invitation>,
) -> Result<(StatusCode, Json<PersonView>), ApiError> {
    let person = account::invite(&state, &state.auth, &p, &by, &body).await?;
    Ok((StatusCode::CREATED, Json(PersonView::from(&person))))
}

/// Grants a role to a person (no change if they hold it already).
#[utoipa::path(post, path = "/api/v1/people/{id}/roles", tag = "access", request_body = RoleView,
    params(("id" = String, Path, description = "person id")),
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = GrantView),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn grant(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleView>,
) -> Result<(StatusCode, Json<GrantView>), ApiError> {
    let (grant, role) = people::grant(&state, &p, &by, &id, &body).await?;
    Ok((StatusCode::CREATED, Json(GrantView { id: grant.to_string(), role: RoleView::from(&role) })))
}

/// Revokes one of a person's roles (whoever may grant it may revoke it).
#[utoipa::path(delete, path = "/api/v1/people/{id}/roles/{grant}", tag = "access",
    params(("id" = String, Path, description = "person id"), ("grant" = String, Path, description = "grant id")),
    security(("session" = []), ("token" = [])),
    responses((status = 204, description = "revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    Path((id, grant)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    people::revoke(&state, &p, &by, &id, &grant).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct Activation {
    /// `false` deactivates the account: its sessions end and its API tokens stop
    /// working; `true` restores it.
    pub active: bool,
}

/// Deactivates or reactivates an account (admins).
#[utoipa::path(put, path = "/api/v1/people/{id}/active", tag = "access", request_body = Activation,
    params(("id" = String, Path, description = "person id")),
    security(("session" = []), ("token" = [])),
    responses((status = 204, description = "done"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn set_active(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<Activation>,
) -> Result<StatusCode, ApiError> {
    people::set_active(&state, &p, &by, &id, body.active).await?;
    Ok(StatusCode::NO_CONTENT)
}
