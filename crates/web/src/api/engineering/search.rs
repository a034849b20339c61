//! `GET /api/v1/engineering/search`: search in French across requests, missions,
//! recommendations and providers, each hit only if the caller may see it
//! ([`cohesion_app::engineering::search`]).

use axum::Json;
use axum::extract::State;
use cohesion_app::Page;
use cohesion_app::engineering::search::{self, Hit, Kind};
use cohesion_app::error::Fault;
use cohesion_app::param::{self, ParamFault};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::MaybeActor;
use crate::error::{ApiError, Problem};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words, in French (accents, plurals and verb forms do not matter); every word
    /// is required.
    pub q: String,
    /// Keep only `request`, `mission`, `recommendation` or `provider`.
    pub kind: Option<String>,
    /// Page size, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    /// Hits to skip (default 0).
    pub offset: Option<usize>,
}

/// Requests, missions, recommendations and providers matching `q` that the caller
/// may see: anonymous visitors the public view of accepted and closed requests and
/// the providers' directory; the authority, the delegate, the providers and the
/// advisors what they may read of their own cases (the internal conversation never
/// for the authority's people). Each request, newest first, comes with its mission
/// and recommendations, then the providers.
#[utoipa::path(get, path = "/api/v1/engineering/search", tag = "engineering", params(SearchParams),
    responses((status = 200, body = Page<Hit>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(
    State(state): State<AppState>,
    MaybeActor(who): MaybeActor,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<Page<Hit>>, ApiError> {
    let mut faults = Vec::new();
    let limit = p.limit.unwrap_or(20);
    param::limit(limit, &mut faults);
    let kind = p.kind.as_deref().filter(|k| !k.is_empty()).and_then(|k| {
        let found = Kind::parse(k);
        if found.is_none() {
            faults.push(Fault::new(
                "kind",
                ParamFault::NotOneOf { value: k.to_owned(), expected: "request, mission, recommendation, provider" },
            ));
        }
        found
    });
    if !faults.is_empty() {
        return Err(cohesion_app::AppError::Invalid(faults).into());
    }
    Ok(Json(search::search(&state, who.as_ref(), &p.q, kind, p.offset.unwrap_or(0), limit).await?))
}
