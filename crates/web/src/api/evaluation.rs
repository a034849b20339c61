//! `/api/v1/evaluations`: impact evaluations run as background jobs.
//!
//! `POST` queues a job row in the database (any instance's worker may run it, see
//! `crate::worker`) and answers 202 with its address; `GET …/{id}` follows its status,
//! progress and result. Access (`cohesion_core::evaluation::can_request`): any
//! authenticated person holding a role may request one (403 without any role);
//! everyone may read them, since they are computed from open data only and published
//! with their inputs. `POST …/{id}/rerun` queues an ended evaluation again, with the
//! same inputs, on the data as it is now (the same rule as a request).

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use cohesion_app::evaluation::{self as evaluations, EvaluationJob};
use cohesion_core::evaluation::{self, EvaluationRequest};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::auth::Actor;
use crate::error::{ApiError, FieldError, Problem};
use cohesion_app::Page;

/// An evaluation and, when done, its result with the inputs needed to reproduce it.
#[derive(Serialize, ToSchema)]
pub struct EvaluationView {
    pub id: String,
    /// queued, running, done or failed
    pub status: String,
    /// queued, claimed, panel, estimate, store, done or failed
    pub stage: String,
    /// 0 to 100
    pub percent: i16,
    /// The request as posted.
    #[schema(value_type = Object)]
    pub request: serde_json::Value,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// The estimate: `estimate`, `std_error`, `ci_low`, `ci_high`, counts,
    /// `event_time` profile, `pretrend` test, `notes` (see docs/impact.md).
    #[schema(value_type = Option<Object>)]
    pub result: Option<serde_json::Value>,
    /// What was used: request, treated territories, indicator, source versions, panel size
    /// and checksum, referential vintage, software version.
    #[schema(value_type = Option<Object>)]
    pub inputs: Option<serde_json::Value>,
    /// Why it failed, in French.
    pub error: Option<String>,
    /// The evaluation this one re-runs on newer data (`POST …/{id}/rerun`), if any.
    pub rerun_of: Option<String>,
    /// The evaluation's page.
    pub page: String,
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

impl From<EvaluationJob> for EvaluationView {
    fn from(j: EvaluationJob) -> Self {
        EvaluationView {
            page: format!("/evaluations/{}", j.id),
            id: j.id,
            status: j.status,
            stage: j.stage,
            percent: j.percent,
            request: j.request,
            created_at: rfc3339(j.created_at),
            started_at: j.started_at.map(rfc3339),
            finished_at: j.finished_at.map(rfc3339),
            result: j.result,
            inputs: j.inputs,
            error: j.error,
            rerun_of: j.rerun_of,
        }
    }
}

/// The request body (documentation of `cohesion_core::evaluation::EvaluationRequest`).
#[derive(ToSchema)]
#[allow(dead_code)] // read by the OpenAPI derive only
pub struct NewEvaluation {
    /// `{"type": "territories", "territories": [{"territory": "commune:42218", "adoption_year": 2019}]}`,
    /// `{"type": "programme", "code": "pvd"}` (its members, frozen at their signature or
    /// labelling year; members with no date are left out unless `"undated_year": 2018`
    /// declares the year to take for them, an assumption said in the result's notes) or `{"type": "pact", "id": "…"}` (a signed pact's perimeter,
    /// frozen at the year of the signature that covered each territory; 400 when no
    /// signed pact has that id).
    #[schema(value_type = Object)]
    treated: serde_json::Value,
    /// Indicator code of the catalogue.
    indicator: String,
    /// twfe, cs or imputation
    method: String,
    /// never (default) or not_yet
    control: Option<String>,
    /// First and last year of the panel.
    from: i32,
    to: i32,
    /// Years of anticipation (cs, imputation), default 0.
    anticipation: Option<u32>,
    /// level (default), log, or growth (average annual growth rate, %).
    transform: Option<String>,
    /// `{"type": "all"}` (default) or `{"type": "matched", "k": 1, "replacement": false,
    /// "exact_typology": false, "caliper": null, "pre_years": 3}`: nearest neighbours on
    /// the outcome before adoption, population and typologies, with or without
    /// replacement; TWFE, CS and imputation are then weighted by the matching weights.
    #[schema(value_type = Option<Object>)]
    comparison: Option<serde_json::Value>,
    /// Placebo assignments of the randomisation inference, 0 to 999 (default 99).
    placebo_draws: Option<u32>,
    /// `departement` or `region` (twfe only): standard errors clustered at that level,
    /// the interval and the p-value from the wild cluster restricted bootstrap, stored
    /// under `result.clustering`; absent: clustered by territory.
    cluster: Option<String>,
    /// cs only: baseline covariates the 2x2 comparisons are conditioned on (doubly
    /// robust, Sant'Anna & Zhao 2020 as csdid computes it), among `outcome_first_year`,
    /// `log_population`, `density_level` and `mountain` (the last two for communes);
    /// territories without a value are left out and named in the notes.
    covariates: Option<Vec<String>>,
}

/// Queue an evaluation (authenticated).
#[utoipa::path(post, path = "/api/v1/evaluations", tag = "evaluations",
    request_body = NewEvaluation,
    responses((status = 202, body = EvaluationView, description = "Queued; follow `page` or GET …/{id}"),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Actor(principal): Actor,
    body: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Response, ApiError> {
    if !evaluation::can_request(&principal) {
        return Err(ApiError::Forbidden("requesting an evaluation needs a role on the platform".into()));
    }
    let Json(body) = body.map_err(|e| ApiError::bad_request("invalid_body", e.body_text()))?;
    let request: EvaluationRequest =
        serde_json::from_value(body).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
    let request = evaluations::prepare(&state, request).map_err(|faults| {
        ApiError::invalid_fields(faults.into_iter().map(|(field, message)| FieldError { field, message }).collect())
    })?;
    let value = serde_json::to_value(&request).map_err(|e| ApiError::Internal(e.to_string()))?;
    let job = evaluations::queue(&state, &principal, &value).await?;
    let view = EvaluationView::from(job);
    let location = format!("/api/v1/evaluations/{}", view.id);
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(view)).into_response())
}

/// Re-run an ended evaluation on the data as it is now (authenticated, with a role).
///
/// Queues a new evaluation with the same inputs as `{id}` (the request as stored: the
/// treated territories as they were frozen, indicator, transformation, estimator,
/// comparison group, matching settings, period, placebo draws, clustering); its
/// `rerun_of` names `{id}`. The worker estimates it on the measurements stored now;
/// its page then compares the two estimates.
#[utoipa::path(post, path = "/api/v1/evaluations/{id}/rerun", tag = "evaluations",
    params(("id" = String, Path, description = "Evaluation id (UUIDv7) to re-run")),
    responses((status = 201, body = EvaluationView, description = "Queued; `rerun_of` names the evaluation re-run"),
              (status = 400, body = Problem, content_type = "application/problem+json",
               description = "The stored request no longer holds against today's catalogue or referential"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json",
               description = "The evaluation is still queued or running")))]
pub async fn rerun(
    State(state): State<AppState>,
    Actor(principal): Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let job = evaluations::rerun(&state, &principal, &id).await?;
    let view = EvaluationView::from(job);
    let location = format!("/api/v1/evaluations/{}", view.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(view)).into_response())
}

/// One evaluation: status, progress, result.
#[utoipa::path(get, path = "/api/v1/evaluations/{id}", tag = "evaluations",
    params(("id" = String, Path, description = "Evaluation id (UUIDv7)")),
    responses((status = 200, body = EvaluationView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<EvaluationView>, ApiError> {
    let job = evaluations::get(&state, &id).await?.ok_or_else(|| ApiError::NotFound(format!("no evaluation {id}")))?;
    Ok(Json(EvaluationView::from(job)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Page size, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// Items to skip (default 0).
    offset: Option<i64>,
}

/// Evaluations, newest first.
#[utoipa::path(get, path = "/api/v1/evaluations", tag = "evaluations", params(ListParams),
    responses((status = 200, body = Page<EvaluationView>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<Page<EvaluationView>>, ApiError> {
    let limit = params.limit.unwrap_or(20);
    let offset = params.offset.unwrap_or(0);
    if !(1..=100).contains(&limit) || offset < 0 {
        return Err(ApiError::invalid_fields(vec![FieldError {
            field: "limit".into(),
            message: "limit between 1 and 100, offset ≥ 0".into(),
        }]));
    }
    let (jobs, total) = evaluations::list(&state, limit, offset).await?;
    Ok(Json(Page {
        items: jobs.into_iter().map(EvaluationView::from).collect(),
        total: usize::try_from(total).unwrap_or(usize::MAX),
    }))
}
