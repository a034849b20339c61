//! `/api/v1/me`: who the credentials belong to; ending every session.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use cohesion_app::access::{person, session};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::access::RoleView;
use crate::auth::{Actor, AuditContext};
use crate::error::{ApiError, Problem};

/// A person as the API shows them.
#[derive(Serialize, ToSchema)]
pub struct PersonView {
    pub id: String,
    pub email: String,
    pub given_name: String,
    pub usual_name: String,
    pub active: bool,
    /// Whether a password is set (the person accepted their invitation).
    pub has_password: bool,
}

impl From<&cohesion_core::access::person::Person> for PersonView {
    fn from(p: &cohesion_core::access::person::Person) -> Self {
        PersonView {
            id: p.id.to_string(),
            email: p.email.to_string(),
            given_name: p.given_name.clone(),
            usual_name: p.usual_name.clone(),
            active: p.active,
            has_password: p.has_password,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub person: PersonView,
    /// The roles in force for these credentials (an API token's may be fewer).
    pub roles: Vec<RoleView>,
}

/// The person behind the credentials, and the roles in force.
#[utoipa::path(get, path = "/api/v1/me", tag = "access",
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn me(State(state): State<AppState>, Actor(p): Actor) -> Result<Json<Me>, ApiError> {
    let person = person::me(&state, &p).await?.ok_or(ApiError::Unauthenticated)?;
    Ok(Json(Me { person: PersonView::from(&person), roles: p.roles.iter().map(RoleView::from).collect() }))
}

/// Logs out everywhere: ends every session of the person (API tokens stay valid;
/// revoke them under `/api/v1/tokens`).
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "access",
    security(("session" = []), ("token" = [])),
    responses((status = 204, description = "every session ended"),
        (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn end_sessions(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
) -> Result<StatusCode, ApiError> {
    session::close_all(&state, &p, &by).await?;
    Ok(StatusCode::NO_CONTENT)
}
