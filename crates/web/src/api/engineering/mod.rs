//! `/api/v1/engineering`: the custom engineering offer — requests and their
//! qualification, missions and their work, providers, budgets, documents (served as
//! attachments, never inline), the dashboard (JSON and CSV from the same query) and
//! exports. The rules live in `cohesion_core::engineering`, the orchestration in
//! [`cohesion_app::engineering`].

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cohesion_app::engineering::provider::{self as providers, ProviderInput};
use cohesion_app::engineering::read::{self, CaseView, Listed, PublicView, Seen};
use cohesion_app::engineering::work::{self, RecommendationInput};
use cohesion_app::engineering::{self as eng, Filter, QualifyInput, RequestInput};
use cohesion_app::error::Fault;
use cohesion_app::param::ParamFault;
use cohesion_core::engineering::{Need, RequestStatus};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use super::{ApiJson, ApiQuery, etag};
use crate::AppState;
use crate::auth::{Actor, MaybeActor};
use crate::error::{ApiError, Problem};

pub mod export;
pub mod missions;
pub mod search;

/// Filters of lists, exports and the dashboard (applied in the query).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FilterParams {
    /// INSEE code of a région.
    pub region: Option<String>,
    /// INSEE code of a département.
    pub departement: Option<String>,
    /// submitted, accepted, redirected, declined, closed
    pub status: Option<String>,
    /// A need's code.
    pub need: Option<String>,
    /// A provider's id.
    pub provider: Option<String>,
    /// Requests made on or after this day (`YYYY-MM-DD`).
    pub from: Option<String>,
    /// Requests made before this day (`YYYY-MM-DD`).
    pub to: Option<String>,
    /// The year whose budgets the dashboard adds.
    pub year: Option<i32>,
}

fn day(field: &str, raw: Option<&str>, faults: &mut Vec<Fault>) -> Option<OffsetDateTime> {
    let raw = raw.map(str::trim).filter(|s| !s.is_empty())?;
    match cohesion_core::date::iso(raw) {
        Some(d) => Some(d.midnight().assume_utc()),
        None => {
            faults.push(Fault::new(field, ParamFault::Unknown { value: raw.to_owned(), what: "a day YYYY-MM-DD" }));
            None
        }
    }
}

pub(super) fn filter(p: &FilterParams) -> Result<Filter, ApiError> {
    let mut faults = Vec::new();
    let status = p.status.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
        let v = RequestStatus::parse(s);
        if v.is_none() {
            faults.push(Fault::new("status", ParamFault::Unknown { value: s.to_owned(), what: "a request status" }));
        }
        v
    });
    let need = p.need.as_deref().filter(|s| !s.is_empty()).and_then(|s| {
        let v = Need::parse(s);
        if v.is_none() {
            faults.push(Fault::new("need", ParamFault::Unknown { value: s.to_owned(), what: "a need" }));
        }
        v
    });
    let f = Filter {
        region: p.region.clone().filter(|s| !s.is_empty()),
        departement: p.departement.clone().filter(|s| !s.is_empty()),
        status,
        need,
        provider: p.provider.clone().filter(|s| !s.is_empty()),
        organisation: None,
        from: day("from", p.from.as_deref(), &mut faults),
        to: day("to", p.to.as_deref(), &mut faults),
    };
    if faults.is_empty() { Ok(f) } else { Err(cohesion_app::AppError::Invalid(faults).into()) }
}

/// One case: whole, or its public view.
#[derive(Serialize, ToSchema)]
#[serde(tag = "view", rename_all = "snake_case")]
pub enum CaseResponse {
    Full(Box<CaseView>),
    Public(Box<PublicView>),
}

fn case_response(seen: Seen) -> Response {
    match seen {
        Seen::Full(v) => {
            let revision = v.request.revision;
            etag::with(revision, Json(CaseResponse::Full(v)).into_response())
        }
        Seen::Public(p) => Json(CaseResponse::Public(p)).into_response(),
    }
}

/// The case with its mission's revision as `ETag`: what the mission's writes name in
/// `If-Match`.
fn mission_response(seen: Seen) -> Response {
    match seen {
        Seen::Full(v) => {
            let revision = v.mission.as_ref().map_or(0, |m| m.revision);
            etag::with(revision, Json(CaseResponse::Full(v)).into_response())
        }
        Seen::Public(p) => Json(CaseResponse::Public(p)).into_response(),
    }
}

fn if_match(headers: &HeaderMap) -> Option<i64> {
    etag::if_match(headers, "").ok()
}

/// Requests anyone may see (whole for who takes part, their public view otherwise).
#[utoipa::path(get, path = "/api/v1/engineering/requests", tag = "engineering", params(FilterParams),
    responses((status = 200, body = Vec<Listed>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Json<Vec<Listed>>, ApiError> {
    Ok(Json(read::list(&state, who.as_ref(), &filter(&p)?).await?))
}

/// Make a request (the authority's people, or the delegate on its behalf). Territory
/// and SIREN come from the organisation's account.
#[utoipa::path(post, path = "/api/v1/engineering/requests", tag = "engineering", request_body = RequestInput,
    responses((status = 201, description = "Created, with its revision as ETag", body = CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Actor(who): Actor,
    ApiJson(input): ApiJson<RequestInput>,
) -> Result<Response, ApiError> {
    let c = eng::submit(&state, &who, input).await?;
    let seen = read::get(&state, Some(&who), &c.request.id).await?;
    let mut r = case_response(seen);
    *r.status_mut() = StatusCode::CREATED;
    Ok(r)
}

/// One request, as the caller may see it.
#[utoipa::path(get, path = "/api/v1/engineering/requests/{id}", tag = "engineering",
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = CaseResponse),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(case_response(read::get(&state, who.as_ref(), &id).await?))
}

/// The delegate's answer: accept (opening a mission with the providers asked),
/// redirect or decline (with the reason shown to the authority). `If-Match` optional.
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/qualification", tag = "engineering",
    params(("id" = String, Path, description = "UUID")), request_body = QualifyInput,
    responses((status = 200, body = CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn qualify(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<QualifyInput>,
) -> Result<Response, ApiError> {
    eng::qualify(&state, &who, &id, if_match(&headers), input).await?;
    Ok(case_response(read::get(&state, Some(&who), &id).await?))
}

/// Providers suggested for a request (competence × territory × load), with the reason.
#[utoipa::path(get, path = "/api/v1/engineering/requests/{id}/suggestions", tag = "engineering",
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = Vec<Object>),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn suggestions(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
) -> Result<Json<Vec<cohesion_core::engineering::Suggestion>>, ApiError> {
    Ok(Json(providers::suggest(&state, &who, &id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct MessageInput {
    /// `public` (with the authority) or `internal` (advisors and the State).
    pub thread: String,
    pub body: String,
}

/// Write in one of the request's two conversations.
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/messages", tag = "engineering",
    params(("id" = String, Path, description = "UUID")), request_body = MessageInput,
    responses((status = 201, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn message(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<MessageInput>,
) -> Result<Response, ApiError> {
    let m = work::post(&state, &who, &id, &input.thread, &input.body).await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadParams {
    /// `public` or `internal`: who may see the document.
    pub thread: String,
    /// The file's name, as the person named it.
    pub name: String,
}

/// Attach a document (the raw bytes as body; 20 MB at most; PDF, PNG, JPEG, ODT,
/// ODS, DOCX, XLSX or CSV, known from the content).
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/documents", tag = "engineering",
    params(("id" = String, Path, description = "UUID"), UploadParams),
    request_body(content = Vec<u8>, description = "The file", content_type = "application/octet-stream"),
    responses((status = 201, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn upload(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<UploadParams>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let d = work::upload(&state, &who, &id, &p.thread, &p.name, &body).await?;
    Ok((StatusCode::CREATED, Json(d)).into_response())
}

/// A document, as an attachment with its original name (never inline).
#[utoipa::path(get, path = "/api/v1/engineering/documents/{id}", tag = "engineering",
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn download(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let (d, bytes) = work::download(&state, who.as_ref(), &id).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(d.kind.mime()));
    if let Ok(v) = HeaderValue::from_str(&content_disposition(&d.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(r)
}

/// `attachment` with an ASCII fallback name and the UTF-8 name (RFC 6266, 8187).
fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') { c } else { '_' })
        .collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Write a recommendation for the mission of a request.
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/recommendations", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")), request_body = RecommendationInput,
    responses((status = 201, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn recommend(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<RecommendationInput>,
) -> Result<Response, ApiError> {
    let r = work::recommend(&state, &who, &id, input).await?;
    Ok(etag::with(r.revision, (StatusCode::CREATED, Json(r)).into_response()))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusInput {
    /// proposed, in_progress, blocked, done, not_relevant, already_done
    pub status: String,
    pub comment: String,
}

/// Move a recommendation to another status, with a comment (`If-Match` optional).
#[utoipa::path(post, path = "/api/v1/engineering/recommendations/{id}/status", tag = "engineering",
    params(("id" = String, Path, description = "UUID")), request_body = StatusInput,
    responses((status = 200, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn track(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<StatusInput>,
) -> Result<Response, ApiError> {
    let r = work::track(&state, &who, &id, if_match(&headers), &input.status, &input.comment).await?;
    Ok(etag::with(r.revision, Json(r).into_response()))
}

/// The mission of a request (by the mission's id), as the caller may see it; its
/// `ETag` is the mission's revision, which the mission's writes take in `If-Match`.
#[utoipa::path(get, path = "/api/v1/engineering/missions/{id}", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the mission")),
    responses((status = 200, body = CaseResponse),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn mission(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    Ok(mission_response(read::mission(&state, who.as_ref(), &id).await?))
}

/// The directory of providers.
#[utoipa::path(get, path = "/api/v1/engineering/providers", tag = "engineering",
    responses((status = 200, body = Vec<Object>)))]
pub async fn provider_list(
    State(state): State<AppState>,
) -> Result<Json<Vec<cohesion_core::engineering::Provider>>, ApiError> {
    Ok(Json(providers::list(&state).await?))
}

/// Add a provider (admins).
#[utoipa::path(post, path = "/api/v1/engineering/providers", tag = "engineering", request_body = ProviderInput,
    responses((status = 201, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn provider_create(
    State(state): State<AppState>,
    Actor(who): Actor,
    ApiJson(input): ApiJson<ProviderInput>,
) -> Result<Response, ApiError> {
    let p = providers::create(&state, &who, input).await?;
    Ok(etag::with(p.revision, (StatusCode::CREATED, Json(p)).into_response()))
}

/// Import providers from CSV (admins): columns `name`, `kind`, `siren`, `competences`,
/// `departements`, `capacity` (lists space-separated); every faulty line named, nothing
/// written if one is wrong.
#[utoipa::path(post, path = "/api/v1/engineering/providers/import", tag = "engineering",
    request_body(content = String, description = "CSV (UTF-8, `,` or `;`)", content_type = "text/csv"),
    responses((status = 201, body = Vec<Object>),
              (status = 400, description = "Every faulty line", body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn provider_import(
    State(state): State<AppState>,
    Actor(who): Actor,
    body: Bytes,
) -> Result<Response, ApiError> {
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::bad_request("invalid_body", "the CSV is not UTF-8"))?;
    let created = providers::import(&state, &who, "providers.csv", text).await?;
    Ok((StatusCode::CREATED, Json(created)).into_response())
}

#[derive(Deserialize, ToSchema)]
pub struct BudgetInput {
    pub amount_cents: i64,
}

/// Set a département's engineering budget for a year (admins).
#[utoipa::path(put, path = "/api/v1/engineering/budgets/{departement}/{year}", tag = "engineering",
    params(("departement" = String, Path, description = "INSEE code"), ("year" = i32, Path, description = "Year")),
    request_body = BudgetInput,
    responses((status = 200, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn budget(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path((departement, year)): Path<(String, i32)>,
    ApiJson(input): ApiJson<BudgetInput>,
) -> Result<Json<cohesion_core::engineering::Budget>, ApiError> {
    Ok(Json(providers::set_budget(&state, &who, &departement, year, input.amount_cents).await?))
}

/// The dashboard (counts, delays, providers' loads, days, cost, budget,
/// satisfaction) of the filtered requests; the CSV and the page show the same figures.
#[utoipa::path(get, path = "/api/v1/engineering/dashboard", tag = "engineering", params(FilterParams),
    responses((status = 200, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Json<cohesion_core::engineering::dashboard::Dashboard>, ApiError> {
    Ok(Json(read::dashboard(&state, &filter(&p)?, p.year).await?))
}

/// The dashboard as CSV (`section,key,label,value`), from the same query as the JSON.
#[utoipa::path(get, path = "/api/v1/engineering/dashboard.csv", tag = "engineering", params(FilterParams),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn dashboard_csv(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Response, ApiError> {
    let d = read::dashboard(&state, &filter(&p)?, p.year).await?;
    super::download::csv(cohesion_core::engineering::dashboard::csv(&d), "ingenierie-tableau-de-bord.csv")
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DelegationParams {
    /// INSEE code of a département; all when absent.
    pub departement: Option<String>,
}

/// The agency's territorial delegations: who qualifies requests where (contact points
/// of services, from the agency's published list).
#[utoipa::path(get, path = "/api/v1/engineering/delegations", tag = "engineering", params(DelegationParams),
    responses((status = 200, body = Vec<Object>)))]
pub async fn delegations(
    ApiQuery(p): ApiQuery<DelegationParams>,
) -> Json<Vec<cohesion_core::engineering::delegation::Delegation>> {
    let all = eng::delegations();
    Json(match p.departement.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => all.iter().filter(|x| x.departement == d).cloned().collect(),
        None => all.to_vec(),
    })
}
