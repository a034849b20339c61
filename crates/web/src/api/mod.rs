//! The JSON API under `/api/v1`, one module per domain concept, and the OpenAPI
//! document generated from the handlers (`/api/v1/openapi.json`).

pub mod export;
pub mod health;
pub mod project;
pub mod territory;

use axum::Json;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::routing::get;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cohésion API",
        description = "Open API of Cohésion, the platform of territorialised interventions: the national \
                       territory referential (communes, EPCI, départements, régions) and, as they arrive, \
                       programmes, projects, pacts and their measured impact. Errors are RFC 9457 \
                       problem documents with a stable `code`.",
        license(name = "MIT"),
    ),
    tags(
        (name = "territories", description = "The national territory referential (COG)"),
        (name = "operations", description = "Health of the service"),
        (name = "projects", description = "Projects (projets de territoire): search, detail, versioned writes, exports"),
    )
)]
struct ApiDoc;

/// The routes and their OpenAPI description, before the state is attached.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(health::livez))
        .routes(routes!(territory::search))
        .routes(routes!(territory::detail))
        .routes(routes!(territory::children))
        .routes(routes!(project::list, project::create))
        .routes(routes!(project::detail, project::update))
        .routes(routes!(project::search))
        .routes(routes!(project::of_territory))
        .routes(routes!(export::projects_csv))
        .routes(routes!(export::projects_json))
        .routes(routes!(export::grants_csv))
}

/// The OpenAPI document of this build.
pub fn openapi() -> utoipa::openapi::OpenApi {
    documented().into_openapi()
}

pub fn router() -> axum::Router<AppState> {
    let (router, doc) = documented().split_for_parts();
    let doc = std::sync::Arc::new(doc);
    router.route("/api/v1/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
}

/// `Query` whose rejections are problem documents, like every other API error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}
