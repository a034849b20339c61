//! The mission's writes: a provider's answer, invitations, milestones, spending,
//! closure, satisfaction; and a provider's update. Each answers the case with the
//! mission's revision as `ETag`; `If-Match` (optional, the mission's revision) makes a
//! stale write a 409.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use cohesion_app::engineering::provider::{self as providers, ProviderInput};
use cohesion_app::engineering::read;
use cohesion_app::engineering::work::{self, ClosureInput, MilestoneInput, SpendingInput};
use cohesion_core::engineering::ParticipantRole;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{if_match, mission_response};
use crate::AppState;
use crate::api::{ApiJson, etag};
use crate::auth::Actor;
use crate::error::{ApiError, Problem};

#[derive(Deserialize, ToSchema)]
pub struct AnswerInput {
    /// The provider's id.
    pub provider: String,
    pub accept: bool,
    /// Why it declines.
    #[serde(default)]
    pub reason: String,
}

/// A provider accepts or declines the mission (its people, role `partner`; admins).
/// Who accepts becomes an advisor.
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/answer", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")), request_body = AnswerInput,
    responses((status = 200, body = super::CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn answer(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<AnswerInput>,
) -> Result<Response, ApiError> {
    work::answer(&state, &who, &id, if_match(&headers), &input.provider, input.accept, &input.reason).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct InviteInput {
    #[schema(value_type = String)]
    pub person: Uuid,
    /// `advisor` or `observer`.
    pub role: String,
    /// For an advisor: the provider they act for.
    pub provider: Option<String>,
}

/// Invite a person onto the mission (the delegate, admins; an advisor invites
/// colleagues of their own provider). The invitee sees and is told nothing until they
/// accept.
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/participants", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")), request_body = InviteInput,
    responses((status = 200, body = super::CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn invite(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<InviteInput>,
) -> Result<Response, ApiError> {
    let role = ParticipantRole::parse(input.role.trim()).ok_or_else(|| {
        ApiError::from(cohesion_app::AppError::invalid(
            "role",
            cohesion_app::param::ParamFault::NotOneOf { value: input.role.clone(), expected: "advisor, observer" },
        ))
    })?;
    work::invite(&state, &who, &id, input.person, role, input.provider).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

/// Accept one's invitation onto the mission (404 without one).
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/invitation", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")),
    responses((status = 200, body = super::CaseResponse),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    work::accept_invitation(&state, &who, &id).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

/// Record days of engineering and their cost against the département's budget of
/// the year (advisors, the delegate, admins). Over the budget it is refused
/// (`over_budget`) unless the delegate or an admin sets `approve_over_budget`.
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/spending", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")), request_body = SpendingInput,
    responses((status = 200, body = super::CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn spend(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<SpendingInput>,
) -> Result<Response, ApiError> {
    work::spend(&state, &who, &id, if_match(&headers), input).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

/// Add a milestone to the mission (advisors, the delegate, admins).
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/milestones", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")), request_body = MilestoneInput,
    responses((status = 200, body = super::CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn milestone(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<MilestoneInput>,
) -> Result<Response, ApiError> {
    work::milestone(&state, &who, &id, if_match(&headers), input).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

/// Mark a milestone reached (advisors, the delegate, admins).
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/milestones/{milestone}/done", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request"),
           ("milestone" = String, Path, description = "UUID of the milestone")),
    responses((status = 200, body = super::CaseResponse),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn milestone_done(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path((id, milestone)): Path<(String, String)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    work::complete_milestone(&state, &who, &id, &milestone, if_match(&headers)).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

/// Close the mission (and its request): what was delivered, the project's phase
/// before and after, fundings obtained in cents (advisors, the delegate, admins). The
/// authority is then asked its satisfaction.
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/closure", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")), request_body = ClosureInput,
    responses((status = 200, body = super::CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn close(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ClosureInput>,
) -> Result<Response, ApiError> {
    work::close(&state, &who, &id, if_match(&headers), input).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct SatisfactionInput {
    /// `at_closure` (default) or `three_months`.
    pub round: Option<String>,
    /// 1 to 5.
    pub score: u8,
    #[serde(default)]
    pub comment: String,
}

/// The authority's satisfaction with the closed mission, once per round (its people only).
#[utoipa::path(post, path = "/api/v1/engineering/requests/{id}/satisfaction", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the request")), request_body = SatisfactionInput,
    responses((status = 200, body = super::CaseResponse),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn rate(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    ApiJson(input): ApiJson<SatisfactionInput>,
) -> Result<Response, ApiError> {
    let round = input.round.as_deref().unwrap_or("at_closure");
    work::rate(&state, &who, &id, round, input.score, &input.comment).await?;
    Ok(mission_response(read::get(&state, Some(&who), &id).await?))
}

/// Change a provider (admins); `If-Match` with the revision read is required.
#[utoipa::path(put, path = "/api/v1/engineering/providers/{id}", tag = "engineering",
    params(("id" = String, Path, description = "UUID of the provider")), request_body = ProviderInput,
    responses((status = 200, body = Object),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json"),
              (status = 409, body = Problem, content_type = "application/problem+json")))]
pub async fn provider_update(
    State(state): State<AppState>,
    Actor(who): Actor,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(input): ApiJson<ProviderInput>,
) -> Result<Response, ApiError> {
    let expected = etag::if_match(&headers, "send the provider's revision in If-Match")?;
    let p = providers::update(&state, &who, &id, expected, input).await?;
    Ok(etag::with(p.revision, Json(p).into_response()))
}
