//! `GET /api/v1/territories/{kind}/{code}/overview`: everything the State does in one
//! territory, in sections (`cohesion_app::territory`).

use axum::Json;
use axum::extract::{Path, State};
use cohesion_app::territory::{self, Overview};
use cohesion_core::territory::TerritoryRef;

use crate::AppState;
use crate::error::{ApiError, Problem};

/// Every programme the territory or a territory containing it belongs to (with dates;
/// exited ones with their period), France services places in it or the nearest ones,
/// and for a département or région the communes and population in each programme.
#[utoipa::path(get, path = "/api/v1/territories/{kind}/{code}/overview", tag = "territories",
    params(("kind" = crate::api::territory::KindName, Path, description = "commune, arrondissement_municipal, epci, departement or region"),
           ("code" = String, Path, description = "INSEE code, or SIREN for an EPCI")),
    responses((status = 200, body = Overview),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn overview(
    State(state): State<AppState>,
    Path((kind, code)): Path<(String, String)>,
) -> Result<Json<Overview>, ApiError> {
    let tr =
        TerritoryRef::parse(&kind, &code).map_err(|e| ApiError::bad_request("invalid_territory", e.to_string()))?;
    Ok(Json(territory::overview(&state, &tr).await?))
}
