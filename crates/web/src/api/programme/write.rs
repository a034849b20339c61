//! Changes to programmes through the API, each behind an [`Actor`] and the
//! `cohesion_core::programme::can_…` rule (admin, or manager of that programme):
//! membership imports (preview, then apply against the previewed revision), the
//! eligibility rule, actions of the plan, new programmes.
//!
//! An import is stateless: the client sends the same file twice. `preview` answers the
//! difference and the `base_revision` it was computed on; `apply?base_revision=N`
//! recomputes it and writes it only if nothing changed since (409 otherwise).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use cohesion_app::programme::{self as use_case, ActionInput, ImportResult, ProgrammeInput};
use cohesion_core::programme::eligibility::Rule;
use cohesion_core::programme::membership_import::MembershipDiff;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::read::{ActionView, MemberView, member_view};
use crate::AppState;
use crate::api::ApiJson;
use crate::api::ApiQuery;
use crate::auth::Actor;
use crate::error::{ApiError, Problem};

/// A membership before and after.
#[derive(Serialize, ToSchema)]
pub struct ChangeView {
    pub before: MemberView,
    pub after: MemberView,
}

/// What applying the file would change.
#[derive(Serialize, ToSchema)]
pub struct ImportPreview {
    /// Pass it to `apply`: the import is applied only if nothing changed since.
    pub base_revision: i64,
    pub added: Vec<MemberView>,
    /// Current members absent from the file; applying marks them exited today.
    pub removed: Vec<MemberView>,
    pub changed: Vec<ChangeView>,
    pub unchanged: usize,
    /// Per field (`group_name`, `signed_on`, `labelled_on`, `convention`), how many
    /// changed members lose a value they had: an empty cell in a present column. A
    /// column absent from the file keeps every current value.
    pub erased: Vec<ErasedView>,
}

/// A field the file empties on `count` members.
#[derive(Serialize, ToSchema)]
pub struct ErasedView {
    pub field: String,
    pub count: usize,
}

/// The API view of a difference computed on `s`.
pub fn preview_view(s: &cohesion_app::Snapshot, d: &MembershipDiff, base_revision: i64) -> ImportPreview {
    let r = &s.referential;
    let view =
        |m: &cohesion_core::programme::Membership| member_view(r, m, r.index_of(m.territory.kind, &m.territory.code));
    ImportPreview {
        base_revision,
        added: d.added.iter().map(view).collect(),
        removed: d.removed.iter().map(view).collect(),
        changed: d.changed.iter().map(|(b, a)| ChangeView { before: view(b), after: view(a) }).collect(),
        unchanged: d.unchanged,
        erased: d.erased.iter().map(|e| ErasedView { field: e.field.to_owned(), count: e.count }).collect(),
    }
}

/// Checks a membership list (CSV or XLSX body, keyed by INSEE code or SIREN) and
/// answers what applying it would change. Writes nothing.
#[utoipa::path(post, path = "/api/v1/programmes/{code}/imports/preview", tag = "programmes",
    params(("code" = String, Path, description = "Programme code")),
    request_body(content = String, description = "The list: CSV (UTF-8, `,` or `;`) or XLSX", content_type = "text/csv"),
    responses((status = 200, body = ImportPreview),
              (status = 400, description = "Every faulty line", body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn preview(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<Json<ImportPreview>, ApiError> {
    let (d, revision) = use_case::preview(&state, &actor.0, &code, &body)?;
    Ok(Json(preview_view(&state.current(), &d, revision)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplyParams {
    /// The `base_revision` the preview answered.
    pub base_revision: i64,
    /// Required (`true`) when the list marks more than a tenth of the current members
    /// exited; otherwise such a list is refused (400 `mass_removal`).
    #[serde(default)]
    pub confirm_removals: bool,
}

/// Applies a membership list previewed at `base_revision` (the same file again).
#[utoipa::path(post, path = "/api/v1/programmes/{code}/imports/apply", tag = "programmes",
    params(("code" = String, Path, description = "Programme code"), ApplyParams),
    request_body(content = String, description = "The same list as previewed", content_type = "text/csv"),
    responses((status = 200, body = ImportResult),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "The programmes changed since the preview", body = Problem, content_type = "application/problem+json")))]
pub async fn apply(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<ApplyParams>,
    body: Bytes,
) -> Result<Json<ImportResult>, ApiError> {
    Ok(Json(use_case::apply(&state, &actor.0, &code, &body, params.base_revision, params.confirm_removals).await?))
}

/// Sets the programme's eligibility rule (see docs/programmes.md for its format).
#[utoipa::path(put, path = "/api/v1/programmes/{code}/eligibility", tag = "programmes",
    params(("code" = String, Path, description = "Programme code")),
    request_body(content = Object, description = "The rule", content_type = "application/json"),
    responses((status = 204, description = "Saved"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn set_eligibility(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    // Refused before the body is read: who may not change it learns nothing of it.
    use_case::may_manage(&actor.0, &code)?;
    let rule: Rule = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("invalid_rule", e.to_string()))?;
    use_case::set_rule(&state, &actor.0, &code, &rule).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds an action to the programme's plan.
#[utoipa::path(post, path = "/api/v1/programmes/{code}/actions", tag = "programmes",
    params(("code" = String, Path, description = "Programme code")),
    request_body = ActionInput,
    responses((status = 201, body = ActionView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create_action(
    State(state): State<AppState>,
    actor: Actor,
    Path(code): Path<String>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<(StatusCode, Json<ActionView>), ApiError> {
    let action = use_case::add_action(&state, &actor.0, &code, input).await?;
    Ok((StatusCode::CREATED, Json(ActionView::from(&action))))
}

/// Updates an action; `version` must be the one read.
#[utoipa::path(put, path = "/api/v1/programmes/{code}/actions/{id}", tag = "programmes",
    params(("code" = String, Path, description = "Programme code"), ("id" = String, Path, description = "Action id")),
    request_body = ActionInput,
    responses((status = 200, body = ActionView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn update_action(
    State(state): State<AppState>,
    actor: Actor,
    Path((code, id)): Path<(String, String)>,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<Json<ActionView>, ApiError> {
    let action = use_case::change_action(&state, &actor.0, &code, &id, input).await?;
    Ok(Json(ActionView::from(&action)))
}

/// Adds a programme to the catalogue (admins).
#[utoipa::path(post, path = "/api/v1/programmes", tag = "programmes",
    request_body = ProgrammeInput,
    responses((status = 201, description = "Created"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn create_programme(
    State(state): State<AppState>,
    actor: Actor,
    ApiJson(input): ApiJson<ProgrammeInput>,
) -> Result<StatusCode, ApiError> {
    use_case::add(&state, &actor.0, input).await?;
    Ok(StatusCode::CREATED)
}
