//! `/api/v1/tokens`: API tokens for machine clients (created with some of the
//! owner's roles, shown once, stored hashed, revocable, last use recorded).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::ToSchema;
use uuid::Uuid;

use super::ApiJson;
use crate::AppState;
use cohesion_app::access::token;

use crate::access::RoleView;
use crate::auth::{Actor, AuditContext, ByToken};
use crate::error::{ApiError, Problem};
use cohesion_app::Page;

#[derive(Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for (1 to 100 characters).
    pub name: String,
    /// Roles it carries, each one you hold; all of yours when omitted.
    pub roles: Option<Vec<RoleView>>,
    /// Expiry in days (1 to 3650); never when omitted.
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenView {
    pub id: String,
    pub name: String,
    pub roles: Vec<RoleView>,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedToken {
    pub token: TokenView,
    /// The secret, to send as `Authorization: Bearer <secret>`. Shown this once only.
    pub secret: String,
}

pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

impl From<&cohesion_app::access::ApiToken> for TokenView {
    fn from(t: &cohesion_app::access::ApiToken) -> Self {
        TokenView {
            id: t.id.to_string(),
            name: t.name.clone(),
            roles: t.roles.iter().map(RoleView::from).collect(),
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            revoked_at: t.revoked_at.map(rfc3339),
            last_used_at: t.last_used_at.map(rfc3339),
        }
    }
}

/// Creates a token; the answer holds its secret, never shown again.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = NewToken,
    security(("session" = []), ("token" = [])),
    responses((status = 201, body = CreatedToken),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "a role you do not hold", body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    ByToken(parent): ByToken,
    ApiJson(body): ApiJson<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    let input = token::NewToken {
        name: &body.name,
        roles: body.roles.as_deref(),
        expires_in_days: body.expires_in_days,
        parent,
    };
    let (token, secret) = token::create(&state, &p, &by, input).await?;
    Ok((StatusCode::CREATED, Json(CreatedToken { token: TokenView::from(&token), secret })))
}

/// Your tokens, newest first (revoked ones included).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access",
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<TokenView>), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn list(State(state): State<AppState>, Actor(p): Actor) -> Result<Json<Page<TokenView>>, ApiError> {
    let items: Vec<TokenView> = token::mine(&state, &p).await?.iter().map(TokenView::from).collect();
    Ok(Json(Page::all(items)))
}

/// Revokes a token (yours; an admin's may revoke anyone's).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access",
    params(("id" = String, Path, description = "token id")),
    security(("session" = []), ("token" = [])),
    responses((status = 204, description = "revoked"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn revoke(
    State(state): State<AppState>,
    Actor(p): Actor,
    AuditContext(by): AuditContext,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound(format!("no token {id}")))?;
    token::revoke(&state, &p, &by, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
