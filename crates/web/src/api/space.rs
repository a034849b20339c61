//! `GET /api/v1/me/space`: the JSON twin of `/mon-espace` — for each role in force
//! for these credentials (an API token's may be fewer than the person's), the lists
//! of what waits, the first items of each (oldest first) and their totals.

use axum::Json;
use axum::extract::State;
use cohesion_app::space;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::access::RoleView;
use crate::api::ApiQuery;
use crate::auth::Actor;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct SpaceItem {
    pub title: String,
    /// The page where it is handled, under the platform's address.
    pub href: String,
    /// Since when it waits (RFC 3339).
    pub since: String,
    /// A status code, a territory (`kind:code`) or a convention, as the list says.
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct SpaceList {
    /// `mission_invitations` (only as `Space::invitations`), `pacts_to_sign`,
    /// `proposals_to_decide`, `requests_to_qualify`, `idle_missions`,
    /// `members_ending`, `stale_actions`, `territory`, `own_requests`,
    /// `partner_missions`, `pending_invitations`, `people_without_role`,
    /// `failed_evaluations`, `imports_not_applied`, `failed_digests`.
    pub list: String,
    /// How many items the list holds (an item listed under an earlier role is not
    /// counted again).
    pub total: u64,
    pub items: Vec<SpaceItem>,
}

#[derive(Serialize, ToSchema)]
pub struct SpaceGroup {
    pub role: RoleView,
    pub lists: Vec<SpaceList>,
}

#[derive(Serialize, ToSchema)]
pub struct Space {
    /// The engineering missions the person is invited onto and has not joined,
    /// whatever their roles (at most 50 items; `total` counts them all).
    pub invitations: SpaceList,
    pub groups: Vec<SpaceGroup>,
    /// Notifications not yet opened.
    pub unread: u64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SpaceQuery {
    /// Items per list, 1 to 50 (default 5).
    pub per_list: Option<usize>,
}

/// What waits for the person, per role in force, nothing listed twice.
#[utoipa::path(get, path = "/api/v1/me/space", tag = "access", params(SpaceQuery),
    security(("session" = []), ("token" = [])),
    responses((status = 200, body = Space), (status = 400, body = Problem, content_type = "application/problem+json"), (status = 401, body = Problem, content_type = "application/problem+json")))]
pub async fn space(
    State(state): State<AppState>,
    Actor(p): Actor,
    ApiQuery(q): ApiQuery<SpaceQuery>,
) -> Result<Json<Space>, ApiError> {
    let per_list = q.per_list.unwrap_or(5).clamp(1, 50);
    let found = space::overview(&state, &p, per_list).await?;
    let list = |l: &space::List| SpaceList {
        list: l.section.as_str().to_owned(),
        total: l.total,
        items: l
            .items
            .iter()
            .map(|i| SpaceItem {
                title: i.title.clone(),
                href: i.href.clone(),
                since: cohesion_core::date::rfc3339(i.since),
                detail: i.detail.clone(),
            })
            .collect(),
    };
    let groups = found
        .groups
        .iter()
        .map(|g| SpaceGroup { role: RoleView::from(&g.role), lists: g.lists.iter().map(list).collect() })
        .collect();
    let unread = space::notification::unread(&state, p.person).await?;
    Ok(Json(Space { invitations: list(&found.invitations), groups, unread }))
}
