//! Exports of the engineering offer, each from the one query behind the list and the
//! dashboard (`Store::engineering_cases` with the same filters): the requests and
//! the missions the caller may see, as CSV and JSON with the same columns, and the
//! projects those requests are about in the `projets-territoire` schema. Public
//! columns only (no names of people, no text of a request or a conversation): a
//! request's whole file is read through its own endpoint.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use cohesion_app::engineering::read::{self, MissionRow, PublicView};
use cohesion_core::export::CsvWriter;

use super::{FilterParams, filter};
use crate::AppState;
use crate::api::project::export::{COLUMNS, row};
use crate::api::{ApiQuery, download};
use crate::auth::MaybeActor;
use crate::error::{ApiError, Problem};

/// The requests the caller may see (public columns), as CSV.
#[utoipa::path(get, path = "/api/v1/engineering/requests.csv", tag = "engineering", params(FilterParams),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn requests_csv(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Response, ApiError> {
    let rows = read::list(&state, who.as_ref(), &filter(&p)?).await?;
    download::csv(read::csv(&rows), "ingenierie-demandes.csv")
}

/// The requests the caller may see, as JSON: the CSV's rows, one object each.
#[utoipa::path(get, path = "/api/v1/engineering/requests.json", tag = "engineering", params(FilterParams),
    responses((status = 200, body = Vec<PublicView>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn requests_json(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Json<Vec<PublicView>>, ApiError> {
    let rows = read::list(&state, who.as_ref(), &filter(&p)?).await?;
    Ok(Json(read::exported(&rows)))
}

/// The missions of the requests the caller may see, as CSV (status, providers
/// engaged, dates, milestones, days in hundredths, cost and fundings in cents).
#[utoipa::path(get, path = "/api/v1/engineering/missions.csv", tag = "engineering", params(FilterParams),
    responses((status = 200, description = "CSV", content_type = "text/csv"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn missions_csv(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Response, ApiError> {
    let rows = read::missions(&state, who.as_ref(), &filter(&p)?).await?;
    download::csv(read::missions_csv(&rows), "ingenierie-missions.csv")
}

/// The missions of the requests the caller may see, as JSON (the CSV's columns).
#[utoipa::path(get, path = "/api/v1/engineering/missions.json", tag = "engineering", params(FilterParams),
    responses((status = 200, body = Vec<MissionRow>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn missions_json(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Json<Vec<MissionRow>>, ApiError> {
    Ok(Json(read::missions(&state, who.as_ref(), &filter(&p)?).await?))
}

/// The platform's projects the requests the caller may see are about, in the
/// `projets-territoire` schema (the columns of `/api/v1/exports/projects.csv`).
#[utoipa::path(get, path = "/api/v1/engineering/projects.csv", tag = "engineering", params(FilterParams),
    responses((status = 200, description = "CSV (projets-territoire)", content_type = "text/csv"),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn projects_csv(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Response, ApiError> {
    let mut out = CsvWriter::with_header(&COLUMNS);
    for project in read::projects(&state, who.as_ref(), &filter(&p)?).await? {
        out.row(row(&project));
    }
    download::csv(out, "ingenierie-projets.csv")
}

/// The same projects as typed JSON, each as `GET /api/v1/projects/{id}` answers it
/// (as `/api/v1/exports/projects.json` writes them).
#[utoipa::path(get, path = "/api/v1/engineering/projects.json", tag = "engineering", params(FilterParams),
    responses((status = 200, description = "An array of projects, each as GET /api/v1/projects/{id} answers it", body = [Object]),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn projects_json(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<FilterParams>,
) -> Result<Response, ApiError> {
    Ok(Json(read::projects(&state, who.as_ref(), &filter(&p)?).await?).into_response())
}
