//! `/api/v1/audit`: the audit trail, for admins.

use axum::Json;
use axum::extract::State;
use cohesion_app::access::audit;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::token::rfc3339;
use crate::AppState;
use crate::auth::Actor;
use crate::error::{ApiError, Problem};
use cohesion_app::Page;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// e.g. `person`, `organisation`, `api_token`, `territory`; `sign_in` (failed and
    /// throttled sign-ins) and `request` (requests refused: 403, unknown API token).
    entity_type: Option<String>,
    entity_id: Option<String>,
    /// `person:<uuid>`, `cli`, `anonymous`…
    actor: Option<String>,
    /// RFC 3339, inclusive.
    from: Option<String>,
    /// RFC 3339, exclusive.
    to: Option<String>,
    /// 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
    offset: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: String,
    pub at: String,
    pub actor: String,
    pub request_id: Option<String>,
    pub entity_type: String,
    pub entity_id: String,
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// Changes, newest first, filtered by entity, actor and time range.
#[utoipa::path(get, path = "/api/v1/audit", tag = "access", params(AuditParams),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Page<AuditEvent>),
        (status = 400, body = Problem, content_type = "application/problem+json"),
        (status = 401, body = Problem, content_type = "application/problem+json"),
        (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    Actor(p): Actor,
    ApiQuery(q): ApiQuery<AuditParams>,
) -> Result<Json<Page<AuditEvent>>, ApiError> {
    let query = audit::Query {
        entity_type: q.entity_type,
        entity_id: q.entity_id,
        actor: q.actor,
        from: q.from,
        to: q.to,
        limit: q.limit,
        offset: q.offset,
    };
    let (events, total) = audit::search(&state, &p, query).await?;
    let items = events
        .into_iter()
        .map(|e| AuditEvent {
            id: e.id,
            at: rfc3339(e.at),
            actor: e.actor,
            request_id: e.request_id,
            entity_type: e.entity_type,
            entity_id: e.entity_id,
            action: e.action,
            before: e.before,
            after: e.after,
        })
        .collect();
    Ok(Json(Page { items, total: usize::try_from(total).unwrap_or(usize::MAX) }))
}
