//! The JSON API under `/api/v1`, one module per domain concept (a folder once it grows:
//! `pact/{views,read,write}.rs`), and the OpenAPI document generated from the handlers
//! (`/api/v1/openapi.json`). [`documented`] is the one place where routes are
//! registered. Shared by every concept: [`etag`] (the optimistic-concurrency
//! convention), [`download`] (files), `cohesion_app::Page` (lists).

pub mod audit;
pub mod doc;
pub mod download;
pub mod engineering;
pub mod etag;
pub mod evaluation;
pub mod health;
pub mod indicator;
pub mod me;
pub mod organisation;
pub mod overview;
pub mod pact;
pub mod person;
pub mod programme;
pub mod project;
pub mod query;
pub mod space;
pub mod territory;
pub mod token;

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Query};
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
        (name = "access", description = "People, organisations, roles, API tokens and the audit trail"),
        (name = "programmes", description = "National support programmes: catalogue, members, dashboards, \
                                             overlap, eligibility, exports, imports"),
        (name = "indicators", description = "Indicator catalogue, measurements per territory, roll-ups"),
        (name = "evaluations", description = "Impact evaluations run as background jobs"),
        (name = "projects", description = "Projects (projets de territoire): search, detail, versioned writes, exports"),
        (name = "engineering", description = "The custom engineering offer: requests, qualification, \
                                              missions, recommendations, providers, budgets, documents, \
                                              dashboard, exports"),
        (name = "pacts", description = "Territorial pacts: versions and amendments, signatures, diff, \
                                        co-construction (proposals, decisions, comments)"),
    ),
    components(schemas(territory::KindName)),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// The two ways to authenticate: the session cookie of the pages (writes then need
/// the session's CSRF token in `x-csrf-token`), or an API token as a bearer token.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token created under /api/v1/tokens"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "cohesion_session",
                "The session cookie set by signing in on the pages (`__Host-cohesion_session` over https); \
                 writes also need the header x-csrf-token",
            ))),
        );
    }
}

/// The routes and their OpenAPI description, before the state is attached.
fn documented() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(health::health))
        .routes(routes!(health::livez))
        .routes(routes!(territory::search))
        .routes(routes!(territory::detail))
        .routes(routes!(territory::children))
        .routes(routes!(me::me))
        .routes(routes!(me::end_sessions))
        .routes(routes!(space::space))
        .routes(routes!(token::create, token::list))
        .routes(routes!(token::revoke))
        .routes(routes!(audit::search))
        .routes(routes!(person::list))
        .routes(routes!(person::invite))
        .routes(routes!(person::grant))
        .routes(routes!(person::revoke))
        .routes(routes!(person::set_active))
        .routes(routes!(organisation::list, organisation::create))
        .routes(routes!(organisation::update))
        .routes(routes!(overview::overview))
        .routes(routes!(programme::read::list, programme::write::create_programme))
        .routes(routes!(programme::figures::overlap))
        .routes(routes!(programme::read::detail))
        .routes(routes!(programme::read::members))
        .routes(routes!(programme::figures::dashboard))
        .routes(routes!(programme::figures::eligibility, programme::write::set_eligibility))
        .routes(routes!(programme::export::members_csv))
        .routes(routes!(programme::export::members_geojson))
        .routes(routes!(programme::write::preview))
        .routes(routes!(programme::write::apply))
        .routes(routes!(programme::write::create_action))
        .routes(routes!(programme::write::update_action))
        .routes(routes!(indicator::list))
        .routes(routes!(indicator::detail))
        .routes(routes!(indicator::territory))
        .routes(routes!(evaluation::create, evaluation::list))
        .routes(routes!(evaluation::detail))
        .routes(routes!(evaluation::rerun))
        .routes(routes!(project::read::list, project::write::create))
        .routes(routes!(project::read::detail, project::write::update))
        .routes(routes!(project::read::by_external_id, project::write::upsert))
        .routes(routes!(project::write::from_communs))
        .routes(routes!(project::write::from_communs_batch))
        .routes(routes!(project::read::search))
        .routes(routes!(project::read::levers))
        .routes(routes!(project::read::competences))
        .routes(routes!(project::read::of_territory))
        .routes(routes!(project::export::projects_csv))
        .routes(routes!(project::export::projects_json))
        .routes(routes!(project::export::projects_communs))
        .routes(routes!(project::export::grants_csv))
        .routes(routes!(project::export::grants_refused))
        .routes(routes!(pact::read::list, pact::write::create))
        .routes(routes!(pact::read::detail, pact::write::update))
        .routes(routes!(pact::write::set_status))
        .routes(routes!(pact::write::sign))
        .routes(routes!(pact::read::versions, pact::write::amend))
        .routes(routes!(pact::write::publish))
        .routes(routes!(pact::read::version, pact::write::abandon))
        .routes(routes!(pact::read::diff))
        .routes(routes!(pact::read::proposals, pact::write::propose))
        .routes(routes!(pact::write::decide))
        .routes(routes!(pact::read::comments, pact::write::comment))
        .routes(routes!(engineering::list, engineering::create))
        .routes(routes!(engineering::search::search))
        .routes(routes!(engineering::export::requests_csv))
        .routes(routes!(engineering::export::requests_json))
        .routes(routes!(engineering::export::missions_csv))
        .routes(routes!(engineering::export::missions_json))
        .routes(routes!(engineering::export::projects_csv))
        .routes(routes!(engineering::export::projects_json))
        .routes(routes!(engineering::detail))
        .routes(routes!(engineering::qualify))
        .routes(routes!(engineering::suggestions))
        .routes(routes!(engineering::message))
        .routes(routes!(engineering::upload))
        .routes(routes!(engineering::download))
        .routes(routes!(engineering::recommend))
        .routes(routes!(engineering::track))
        .routes(routes!(engineering::mission))
        .routes(routes!(engineering::provider_list, engineering::provider_create))
        .routes(routes!(engineering::provider_import))
        .routes(routes!(engineering::budget))
        .routes(routes!(engineering::dashboard))
        .routes(routes!(engineering::dashboard_csv))
        .routes(routes!(engineering::delegations))
        .routes(routes!(engineering::missions::answer))
        .routes(routes!(engineering::missions::invite))
        .routes(routes!(engineering::missions::accept_invitation))
        .routes(routes!(engineering::missions::spend))
        .routes(routes!(engineering::missions::milestone))
        .routes(routes!(engineering::missions::milestone_done))
        .routes(routes!(engineering::missions::close))
        .routes(routes!(engineering::missions::rate))
        .routes(routes!(engineering::missions::provider_update))
}

/// The OpenAPI document of this build.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = documented().into_openapi();
    utoipa::Modify::modify(&doc::CommonAnswers, &mut doc);
    doc
}

pub fn router() -> axum::Router<AppState> {
    let (router, mut doc) = documented().split_for_parts();
    utoipa::Modify::modify(&doc::CommonAnswers, &mut doc);
    let doc = std::sync::Arc::new(doc);
    router.route("/api/v1/openapi.json", get(move || async move { Json(doc.as_ref().clone()) }))
}

/// `Query` whose rejections are problem documents, like every other API error.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        ApiQuery::of(&parts.uri)
    }
}

impl<T: DeserializeOwned> ApiQuery<T> {
    /// The parameters of `uri`'s query, for a handler that reads them only when it
    /// needs them (`territory::search` answers a query it has answered already as kept).
    pub fn of(uri: &axum::http::Uri) -> Result<Self, ApiError> {
        Query::<T>::try_from_uri(uri)
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| ApiError::bad_request("invalid_query", e.body_text()))
    }
}

/// `Json` whose rejections are problem documents, like every other API error.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        let Json(value) = Json::<serde_json::Value>::from_request(req, state).await.map_err(|e| match e.status() {
            axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(e.body_text()),
            _ => ApiError::bad_request("invalid_body", e.body_text()),
        })?;
        if let Some(field) = crate::input::json_fault(&value) {
            return Err(ApiError::BadRequest {
                code: "invalid_parameter",
                detail: format!("{field}: control characters are not accepted"),
                errors: vec![crate::error::FieldError { field, message: "control characters are not accepted".into() }],
            });
        }
        serde_path_to_error::deserialize(value).map(ApiJson).map_err(|e| {
            // Where the body does not fit (`territories[0]`, `phase`), and why.
            let field = match e.path().to_string() {
                p if p == "." => "body".to_owned(),
                p => p,
            };
            let message = e.into_inner().to_string();
            ApiError::BadRequest {
                code: "invalid_body",
                detail: format!("{field}: {message}"),
                errors: vec![crate::error::FieldError { field, message }],
            }
        })
    }
}
