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
use cohesion_core::import::Faults;
use cohesion_core::programme::eligibility::Rule;
use cohesion_core::programme::membership_import::{MembershipDiff, diff, read_rows};
use cohesion_core::programme::{self, Action, ActionStatus, Transition, table};
use cohesion_core::territory::TerritoryRef;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use super::programme::{ActionView, MemberView, find, member_view};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{ApiError, FieldError, Problem};
use crate::snapshot::Snapshot;

fn faults(f: Faults) -> ApiError {
    let errors =
        f.0.into_iter()
            .map(|f| FieldError {
                field: match (&f.field, f.line) {
                    (Some(field), 0) => field.clone(),
                    (Some(field), line) => format!("line {line}: {field}"),
                    (None, 0) => "file".into(),
                    (None, line) => format!("line {line}"),
                },
                message: f.message,
            })
            .collect::<Vec<_>>();
    let detail = format!("{} fault(s) in the file; nothing was written", errors.len());
    ApiError::BadRequest { code: "invalid_file", detail, errors }
}

fn forbidden(code: &str) -> ApiError {
    ApiError::Forbidden(format!("only an admin or a manager of programme `{code}` may change it"))
}

fn actor_name(actor: &Actor) -> String {
    principal_name(&actor.0)
}

/// How the audit names a person acting through the API or the pages.
pub(crate) fn principal_name(p: &cohesion_core::access::Principal) -> String {
    format!("person:{}", p.person)
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    programme::date_of_unix_seconds(secs)
}

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
}

/// Reads a list (CSV or XLSX) and checks it whole against the snapshot: the difference
/// with the programme's stored list, or every faulty line.
pub(crate) fn list_diff(s: &Snapshot, code: &str, body: &[u8]) -> Result<MembershipDiff, Faults> {
    let records = table::read("upload", body)?;
    let new = read_rows("upload", code, &records, &s.referential)?;
    Ok(diff(s.programmes.members(code).map(|(m, _)| m), new))
}

/// Reads and checks a list against the current snapshot: the difference, the revision
/// it was computed on, and its API view. Shared with the page forms.
pub(crate) fn compute(
    state: &AppState,
    code: &str,
    body: &[u8],
) -> Result<(MembershipDiff, i64, ImportPreview), ApiError> {
    let s = state.current();
    find(&s.programmes, code)?;
    let r = &s.referential;
    let d = list_diff(&s, code, body).map_err(faults)?;
    let view =
        |m: &cohesion_core::programme::Membership| member_view(r, m, r.index_of(m.territory.kind, &m.territory.code));
    let preview = ImportPreview {
        base_revision: s.programme_revision,
        added: d.added.iter().map(view).collect(),
        removed: d.removed.iter().map(view).collect(),
        changed: d.changed.iter().map(|(b, a)| ChangeView { before: view(b), after: view(a) }).collect(),
        unchanged: d.unchanged,
    };
    Ok((d, s.programme_revision, preview))
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
    if !programme::can_manage(&actor.0, &code) {
        return Err(forbidden(&code));
    }
    compute(&state, &code, &body).map(|(_, _, p)| Json(p))
}

#[derive(Deserialize, IntoParams)]
pub struct ApplyParams {
    /// The `base_revision` the preview answered.
    pub base_revision: i64,
}

/// What was applied.
#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub revision: i64,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
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
    if !programme::can_manage(&actor.0, &code) {
        return Err(forbidden(&code));
    }
    apply_list(&state, &code, &body, params.base_revision, &actor_name(&actor)).await.map(Json)
}

/// Applies a list previewed at `base_revision`, or a conflict if the programmes moved
/// since. Shared with the page forms.
pub(crate) async fn apply_list(
    state: &AppState,
    code: &str,
    body: &[u8],
    base_revision: i64,
    by: &str,
) -> Result<ImportResult, ApiError> {
    // The difference must be computed on the revision the client previewed: catch up
    // with the store first (another instance may have applied a change).
    state.refresh().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let (d, revision, _) = compute(state, code, body)?;
    if revision != base_revision {
        return Err(ApiError::Conflict(format!(
            "the programmes are at revision {revision}, not {base_revision}; preview again"
        )));
    }
    let applied = state.store.apply_memberships(code, &d, base_revision, &today(), by).await?;
    let revision = applied.map_err(|s| {
        ApiError::Conflict(format!(
            "the programmes changed since the preview (now revision {}); preview again",
            s.current
        ))
    })?;
    state.refresh().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(ImportResult {
        revision,
        added: d.added.len(),
        removed: d.removed.len(),
        changed: d.changed.len(),
        unchanged: d.unchanged,
    })
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
    if !programme::can_manage(&actor.0, &code) {
        return Err(forbidden(&code));
    }
    let rule: Rule = serde_json::from_slice(&body).map_err(|e| ApiError::bad_request("invalid_rule", e.to_string()))?;
    store_rule(&state, &code, &rule, &actor_name(&actor)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Checks a rule against the referential and the catalogue, then stores it. Shared
/// with the page form.
pub(crate) async fn store_rule(state: &AppState, code: &str, rule: &Rule, by: &str) -> Result<(), ApiError> {
    let s = state.current();
    find(&s.programmes, code)?;
    let codes: Vec<&str> = s.programmes.programmes().iter().map(|p| p.code.as_str()).collect();
    let problems = rule.check(&s.referential, &codes);
    if !problems.is_empty() {
        return Err(ApiError::invalid_fields(
            problems.into_iter().map(|m| FieldError { field: "rule".into(), message: m }).collect(),
        ));
    }
    state.store.set_eligibility(code, rule, by).await?;
    state.refresh().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(())
}

/// An action to create or update.
#[derive(Deserialize, ToSchema)]
pub struct ActionInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// ecological, digital, democratic, demographic, recovery
    pub transitions: Vec<String>,
    /// planned, in_progress, done, abandoned
    pub status: String,
    pub owner: Option<String>,
    /// `kind:code`
    pub territory: Option<String>,
    /// For an update: the version read (a stale one is refused with 409).
    pub version: Option<i64>,
}

pub(crate) fn parse_action(code: &str, id: String, input: ActionInput) -> Result<(Action, Option<i64>), ApiError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    if input.title.trim().is_empty() {
        err("title", "required".into());
    }
    let transitions: Vec<Transition> =
        input.transitions.iter().filter_map(|t| t.parse().map_err(|e| err("transitions", e)).ok()).collect();
    let status: Option<ActionStatus> = input.status.parse().map_err(|e| err("status", e)).ok();
    let territory: Option<TerritoryRef> = match input.territory.as_deref() {
        None | Some("") => None,
        Some(t) => t.parse().map_err(|e: cohesion_core::territory::CodeError| err("territory", e.to_string())).ok(),
    };
    let Some(status) = status.filter(|_| errors.is_empty()) else {
        return Err(ApiError::invalid_fields(errors));
    };
    let action = Action {
        id,
        programme: code.to_owned(),
        title: input.title.trim().to_owned(),
        description: input.description,
        transitions,
        status,
        owner: input.owner,
        territory,
        version: 0,
    };
    Ok((action, input.version))
}

/// Stores an action (a new one without `version`), or a conflict if stale. Shared with
/// the page forms.
pub(crate) async fn save(
    state: &AppState,
    by: &str,
    action: Action,
    version: Option<i64>,
) -> Result<ActionView, ApiError> {
    let saved = state.store.save_action(&action, version, by).await?;
    let saved = saved.map_err(|s| match s.current {
        0 => ApiError::NotFound(format!("no action {}", action.id)),
        v => ApiError::Conflict(format!("the action is at version {v}; read it again")),
    })?;
    state.refresh().await.map_err(|e| ApiError::Internal(e.to_string()))?;
    Ok(ActionView::from(&saved))
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
    Json(input): Json<ActionInput>,
) -> Result<(StatusCode, Json<ActionView>), ApiError> {
    if !programme::can_manage(&actor.0, &code) {
        return Err(forbidden(&code));
    }
    find(&state.current().programmes, &code)?;
    let (action, _) = parse_action(&code, uuid_v7(), input)?;
    Ok((StatusCode::CREATED, Json(save(&state, &actor_name(&actor), action, None).await?)))
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
    Json(input): Json<ActionInput>,
) -> Result<Json<ActionView>, ApiError> {
    if !programme::can_manage(&actor.0, &code) {
        return Err(forbidden(&code));
    }
    let (action, version) = parse_action(&code, id, input)?;
    let version = version.ok_or_else(|| ApiError::bad_request("missing_version", "give the version you read"))?;
    Ok(Json(save(&state, &actor_name(&actor), action, Some(version)).await?))
}

pub(crate) fn uuid_v7() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A programme to add to the catalogue.
#[derive(Deserialize, ToSchema)]
pub struct ProgrammeInput {
    /// Lowercase acronym (letters and digits), unique.
    pub code: String,
    pub acronym: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// rurality, urban_policy, digital
    #[serde(default)]
    pub domains: Vec<String>,
    pub owner: Option<String>,
    /// YYYY-MM-DD
    pub started_on: Option<String>,
    pub ended_on: Option<String>,
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
    Json(input): Json<ProgrammeInput>,
) -> Result<StatusCode, ApiError> {
    add_programme(&state, &actor.0, input).await?;
    Ok(StatusCode::CREATED)
}

/// Codes that name pages under `/programmes/`, not programmes.
const RESERVED_CODES: [&str; 1] = ["nouveau"];

/// Adds a programme (admins): what the API and the page share. Every fault is
/// reported by field; a code already taken is a conflict. Returns the code.
pub async fn add_programme(
    state: &AppState,
    who: &cohesion_core::access::Principal,
    input: ProgrammeInput,
) -> Result<String, ApiError> {
    if !programme::can_create(who) {
        return Err(ApiError::Forbidden("only an admin may add a programme".into()));
    }
    let mut errors = Vec::new();
    let mut err = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
    if input.code.is_empty() || !input.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        err("code", "a lowercase acronym (letters and digits)".into());
    } else if RESERVED_CODES.contains(&input.code.as_str()) {
        err("code", format!("`{}` names a page, choose another code", input.code));
    }
    if input.name.trim().is_empty() {
        err("name", "required".into());
    }
    let domains = input.domains.iter().filter_map(|d| d.parse().map_err(|e| err("domains", e)).ok()).collect();
    let mut date = |field: &str, d: &Option<String>| match d.as_deref() {
        None | Some("") => None,
        Some(raw) => programme::parse_date(raw).or_else(|| {
            err(field, format!("`{raw}` is not a date (YYYY-MM-DD)"));
            None
        }),
    };
    let (started_on, ended_on) = (date("started_on", &input.started_on), date("ended_on", &input.ended_on));
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let by = principal_name(who);
    let p = cohesion_core::programme::Programme {
        code: input.code,
        acronym: input.acronym,
        name: input.name.trim().to_owned(),
        description: input.description,
        domains,
        owner: input.owner.filter(|o| !o.trim().is_empty()),
        started_on,
        ended_on,
        status: cohesion_core::programme::ProgrammeStatus::Active,
        source: format!("created on the platform by {by}"),
    };
    match state.store.create_programme(&p, &by).await? {
        None => Err(ApiError::Conflict(format!("a programme with code `{}` exists", p.code))),
        Some(_) => {
            state.refresh().await.map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(p.code)
        }
    }
}
