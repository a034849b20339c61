//! The writes of `/api/v1/pacts`: create, edit the text (`If-Match`), lifecycle steps,
//! signatures, amendments, proposals and decisions, comments.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use cohesion_app::pact::{self as pacts, Acting};
use cohesion_core::pact::{Comment, PactContent, PactStatus, Proposal, ProposalInput};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::views::{PactView, with_etag};
use crate::AppState;
use crate::api::ApiJson;
use crate::api::etag;
use crate::auth::Actor;
use crate::error::{ApiError, Problem};

/// Create a pact, in draft (its creator acts for the owner party).
#[utoipa::path(post, path = "/api/v1/pacts", tag = "pacts", request_body = Object,
    responses((status = 201, description = "Created (version 1, draft), with its revision as ETag", body = PactView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn create(
    State(state): State<AppState>,
    Actor(who): Actor,
    ApiJson(content): ApiJson<PactContent>,
) -> Result<Response, ApiError> {
    let who = Acting::of(&state, who).await?;
    let p = pacts::create(&state, &who, content).await?;
    Ok(with_etag(&state, StatusCode::CREATED, &p))
}

fn if_match(headers: &HeaderMap) -> Result<i64, ApiError> {
    etag::if_match(headers, "send the revision you read (the ETag) as If-Match")
}

/// Change the text of the version being written (JSON merge patch over kind, title,
/// description, perimeter, parties, owner, actions), naming the revision read in If-Match.
#[utoipa::path(patch, path = "/api/v1/pacts/{id}", tag = "pacts", request_body = Object,
    params(("id" = String, Path, description = "UUID"),
           ("If-Match" = String, Header, description = "The revision read (its ETag)")),
    responses((status = 200, body = PactView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Stale revision, or a signed text (amend it instead)", body = Problem, content_type = "application/problem+json")))]
pub async fn update(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(patch): ApiJson<Value>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let who = Acting::of(&state, who).await?;
    let current = pacts::load(&state, &id).await?;
    let mut doc = serde_json::to_value(&current.current().content).map_err(|e| ApiError::Internal(e.to_string()))?;
    cohesion_app::project::merge(&mut doc, &patch);
    let content: PactContent =
        serde_json::from_value(doc).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
    let p = pacts::edit(&state, &who, &id, expected, content).await?;
    Ok(with_etag(&state, StatusCode::OK, &p))
}

#[derive(Deserialize, ToSchema)]
pub struct StatusBody {
    /// co_construction (from draft, or reopening a text under signature),
    /// ready_for_signature, in_execution or closed
    pub status: String,
}

/// Move the pact along its lifecycle (the owner).
#[utoipa::path(post, path = "/api/v1/pacts/{id}/status", tag = "pacts", request_body = StatusBody,
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = PactView),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Not allowed from where the pact stands", body = Problem, content_type = "application/problem+json")))]
pub async fn set_status(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StatusBody>,
) -> Result<Response, ApiError> {
    let target = PactStatus::parse(&body.status).ok_or_else(|| {
        ApiError::from(cohesion_app::AppError::invalid(
            "status",
            cohesion_app::param::ParamFault::NotOneOf {
                value: body.status.clone(),
                expected: "co_construction, ready_for_signature, in_execution or closed",
            },
        ))
    })?;
    let who = Acting::of(&state, who).await?;
    let p = pacts::step(&state, &who, &id, target).await?;
    Ok(with_etag(&state, StatusCode::OK, &p))
}

#[derive(Deserialize, ToSchema)]
pub struct SignBody {
    /// The party signing: `state` or its SIREN/SIRET; the signer acts for it.
    pub party: String,
}

/// Sign the version submitted for signature, for one party.
#[utoipa::path(post, path = "/api/v1/pacts/{id}/signatures", tag = "pacts", request_body = SignBody,
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, description = "Signed; once every party has, the version is in force", body = PactView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn sign(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SignBody>,
) -> Result<Response, ApiError> {
    let who = Acting::of(&state, who).await?;
    let p = pacts::sign(&state, &who, &id, &body.party).await?;
    Ok(with_etag(&state, StatusCode::OK, &p))
}

/// Start an amendment (avenant) of a signed pact: a new version, in draft.
#[utoipa::path(post, path = "/api/v1/pacts/{id}/versions", tag = "pacts",
    params(("id" = String, Path, description = "UUID")),
    responses((status = 201, body = PactView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn amend(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = Acting::of(&state, who).await?;
    let p = pacts::amend(&state, &who, &id).await?;
    Ok(with_etag(&state, StatusCode::CREATED, &p))
}

/// Make the pact public before its first signature (its owner; never undone): anyone
/// then reads the text being written, never its proposals, comments or their authors.
#[utoipa::path(post, path = "/api/v1/pacts/{id}/publication", tag = "pacts",
    params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = PactView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Already public (published, or signed)", body = Problem, content_type = "application/problem+json")))]
pub async fn publish(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let who = Acting::of(&state, who).await?;
    let p = pacts::publish(&state, &who, &id).await?;
    Ok(with_etag(&state, StatusCode::OK, &p))
}

/// Abandon the amendment being written (never a signed version).
#[utoipa::path(delete, path = "/api/v1/pacts/{id}/versions/{number}", tag = "pacts",
    params(("id" = String, Path, description = "UUID"), ("number" = u32, Path, description = "the amendment's version")),
    responses((status = 200, body = PactView),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Not an amendment being written", body = Problem, content_type = "application/problem+json")))]
pub async fn abandon(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path((id, number)): Path<(String, u32)>,
) -> Result<Response, ApiError> {
    let who = Acting::of(&state, who).await?;
    let p = pacts::abandon(&state, &who, &id, number).await?;
    Ok(with_etag(&state, StatusCode::OK, &p))
}

/// A party proposes a change (add an existing project, a new project, remove or
/// change a project) while the text is in co-construction.
#[utoipa::path(post, path = "/api/v1/pacts/{id}/proposals", tag = "pacts", request_body = Object,
    params(("id" = String, Path, description = "UUID")),
    responses((status = 201, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn propose(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<ProposalInput>,
) -> Result<(StatusCode, Json<Proposal>), ApiError> {
    let who = Acting::of(&state, who).await?;
    Ok((StatusCode::CREATED, Json(pacts::propose(&state, &who, &id, input).await?)))
}

#[derive(Deserialize, ToSchema)]
pub struct DecisionBody {
    pub accept: bool,
    /// Why (required).
    pub reason: String,
}

/// The owner accepts (and so applies) or declines a proposal, with a reason.
#[utoipa::path(post, path = "/api/v1/pacts/{id}/proposals/{proposal}/decision", tag = "pacts", request_body = DecisionBody,
    params(("id" = String, Path, description = "UUID of the pact"), ("proposal" = String, Path, description = "UUID")),
    responses((status = 200, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, description = "Already decided, not in co-construction, or the project changed since the proposal", body = Problem, content_type = "application/problem+json")))]
pub async fn decide(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path((id, proposal)): Path<(String, String)>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<Proposal>, ApiError> {
    let who = Acting::of(&state, who).await?;
    let (_, decided) = pacts::decide(&state, &who, &id, &proposal, body.accept, &body.reason).await?;
    Ok(Json(decided))
}

#[derive(Deserialize, ToSchema)]
pub struct CommentBody {
    /// `pact` (default), `proposal:{id}` or `project:{id}`.
    pub thread: Option<String>,
    pub body: String,
}

/// Comment in a thread of the pact (its parties).
#[utoipa::path(post, path = "/api/v1/pacts/{id}/comments", tag = "pacts", request_body = CommentBody,
    params(("id" = String, Path, description = "UUID")),
    responses((status = 201, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn comment(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<CommentBody>,
) -> Result<(StatusCode, Json<Comment>), ApiError> {
    let who = Acting::of(&state, who).await?;
    let thread = body.thread.as_deref().unwrap_or("pact");
    Ok((StatusCode::CREATED, Json(pacts::comment(&state, &who, &id, thread, &body.body).await?)))
}
