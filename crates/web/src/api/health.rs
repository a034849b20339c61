//! `GET /health`: the process is up and the database answers.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, Problem};

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// Always `ok` when the answer is 200.
    pub status: &'static str,
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// Vintage of the territory referential in memory (e.g. "COG 2026").
    pub referential: String,
    pub referential_revision: i64,
    pub version: &'static str,
}

/// Liveness and readiness: 200 when the database answers, 503 otherwise.
#[utoipa::path(get, path = "/health", tag = "operations",
    responses((status = 200, body = Health), (status = 503, body = Problem, content_type = "application/problem+json")))]
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    state.ping().await.map_err(|e| ApiError::Unavailable(e.to_string()))?;
    let snapshot = state.current();
    Ok(Json(Health {
        status: "ok",
        database: state.backend(),
        referential: snapshot.referential.vintage().to_owned(),
        referential_revision: snapshot.revision,
        version: env!("CARGO_PKG_VERSION"),
    }))
}

/// Liveness only: the process answers, nothing else is checked (the cheapest request
/// the server serves; load benchmarks use it as their ceiling).
#[utoipa::path(get, path = "/livez", tag = "operations", responses((status = 200, body = String, content_type = "text/plain")))]
pub async fn livez() -> &'static str {
    "ok"
}
