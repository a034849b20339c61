//! `/api/v1/pacts`: territorial pacts, their versions and amendments, signatures,
//! the diff of two versions, proposals and comments. The rules live in
//! `cohesion_core::pact`, the orchestration in [`cohesion_app::pact`].

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cohesion_core::pact::{
    Comment, Money, Pact, PactContent, PactDiff, PactStatus, PactVersion, ProjectSnapshot, Proposal, ProposalInput,
    Signature,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use cohesion_app::pact::read::{PactFilter, PactPage, find};
use cohesion_app::pact::{self as pacts, Acting};

use super::ApiJson;
use super::{ApiQuery, etag};
use crate::AppState;
use crate::auth::Actor;
use crate::error::{ApiError, Problem};

/// Find pacts (words in French, territory, status, kind).
#[utoipa::path(get, path = "/api/v1/pacts", tag = "pacts", params(PactFilter),
    responses((status = 200, body = PactPage),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(f): ApiQuery<PactFilter>,
) -> Result<Json<PactPage>, ApiError> {
    let (offset, limit) = (f.offset.unwrap_or(0), f.limit.unwrap_or(20));
    Ok(Json(find(&state, &f, offset, limit).await?))
}

/// A party, with its signature of the version shown.
#[derive(Serialize, ToSchema)]
pub struct PartyView {
    /// `state`, or the SIREN/SIRET.
    pub key: String,
    /// state, local_authority or partner
    pub kind: String,
    pub name: String,
    pub siren: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub signature: Option<Signature>,
}

/// A project as a version shows it, with its money.
#[derive(Serialize, ToSchema)]
pub struct ActionView {
    pub id: String,
    pub name: String,
    /// The project's own version (frozen once the pact version is put to signature).
    pub version: i64,
    pub phase: String,
    pub phase_status: String,
    pub total_cost_cents: Option<i64>,
    pub financed_cents: i64,
}

impl From<&ProjectSnapshot> for ActionView {
    fn from(p: &ProjectSnapshot) -> Self {
        ActionView {
            id: p.id.clone(),
            name: p.name.clone(),
            version: p.version,
            phase: p.phase.as_str().into(),
            phase_status: p.phase_status.as_str().into(),
            total_cost_cents: p.total_cost_cents,
            financed_cents: p.financed_cents(),
        }
    }
}

/// One version of a pact.
#[derive(Serialize, ToSchema)]
pub struct VersionView {
    /// 1 for the first text, 2 for the first amendment, …
    pub number: u32,
    /// draft, co_construction, ready_for_signature or signed
    pub status: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub perimeter: Vec<String>,
    /// The key of the party that pilots the pact.
    pub owner: String,
    pub parties: Vec<PartyView>,
    pub actions: Vec<ActionView>,
    #[schema(value_type = Object)]
    pub money: Money,
    /// Whether its projects are frozen (put to signature or signed) or shown as they are now.
    pub frozen: bool,
    pub created_at: String,
    pub signed_at: Option<String>,
}

fn version_view(state: &AppState, v: &PactVersion) -> VersionView {
    let projects = pacts::version_projects(state, v);
    let actions: Vec<ActionView> =
        v.content.actions.iter().filter_map(|id| projects.iter().find(|p| &p.id == id)).map(ActionView::from).collect();
    let money = Money {
        cost_cents: actions.iter().map(|a| a.total_cost_cents.unwrap_or(0)).sum(),
        financed_cents: actions.iter().map(|a| a.financed_cents).sum(),
    };
    let c = &v.content;
    VersionView {
        number: v.number,
        status: v.status.as_str().into(),
        kind: c.kind.as_str().into(),
        title: c.title.clone(),
        description: c.description.clone(),
        perimeter: c.perimeter.iter().map(ToString::to_string).collect(),
        owner: c.owner.clone(),
        parties: c
            .parties
            .iter()
            .map(|p| PartyView {
                key: p.key().to_owned(),
                kind: p.kind.as_str().into(),
                name: p.name.clone(),
                siren: p.siren.clone(),
                signature: v.signatures.iter().find(|s| s.party == p.key()).cloned(),
            })
            .collect(),
        actions,
        money,
        frozen: !v.snapshots.is_empty() || v.status == cohesion_core::pact::VersionStatus::Signed,
        created_at: v.created_at.clone(),
        signed_at: v.signed_at.clone(),
    }
}

/// A pact: where it stands, its newest version in full, and its versions.
#[derive(Serialize, ToSchema)]
pub struct PactView {
    pub id: String,
    /// draft, co_construction, ready_for_signature, signed, in_execution or closed
    pub status: String,
    /// Bumped by every change: send it back as If-Match to edit the text.
    pub revision: i64,
    /// The newest version: the one being written, or the one in force.
    pub current: VersionView,
    /// The number of the version in force (signed), if any.
    pub in_force: Option<u32>,
    /// Every version: number, status, signed_at.
    pub versions: Vec<VersionSummary>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct VersionSummary {
    pub number: u32,
    pub status: String,
    pub signatures: usize,
    pub created_at: String,
    pub signed_at: Option<String>,
}

pub fn view(state: &AppState, p: &Pact) -> PactView {
    PactView {
        id: p.id.clone(),
        status: p.status().as_str().into(),
        revision: p.revision,
        current: version_view(state, p.current()),
        in_force: p.in_force().map(|v| v.number),
        versions: p
            .versions
            .iter()
            .map(|v| VersionSummary {
                number: v.number,
                status: v.status.as_str().into(),
                signatures: v.signatures.len(),
                created_at: v.created_at.clone(),
                signed_at: v.signed_at.clone(),
            })
            .collect(),
        created_at: p.created_at.clone(),
        updated_at: p.updated_at.clone(),
    }
}

fn with_etag(state: &AppState, status: StatusCode, p: &Pact) -> Response {
    etag::with(p.revision, (status, Json(view(state, p))).into_response())
}

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

/// One pact, with its revision as ETag.
#[utoipa::path(get, path = "/api/v1/pacts/{id}", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = PactView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(State(state): State<AppState>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let p = pacts::load(&state, &id).await?;
    Ok(with_etag(&state, StatusCode::OK, &p))
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

/// Every version of a pact, oldest first, in full.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/versions", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = Vec<VersionView>),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn versions(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<VersionView>>, ApiError> {
    let p = pacts::load(&state, &id).await?;
    Ok(Json(p.versions.iter().map(|v| version_view(&state, v)).collect()))
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

/// One version of a pact.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/versions/{number}", tag = "pacts",
    params(("id" = String, Path, description = "UUID"), ("number" = u32, Path, description = "1, 2, …")),
    responses((status = 200, body = VersionView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn version(
    State(state): State<AppState>,
    Path((id, number)): Path<(String, u32)>,
) -> Result<Json<VersionView>, ApiError> {
    let p = pacts::load(&state, &id).await?;
    let v = p.version(number).ok_or_else(|| ApiError::NotFound(format!("the pact has no version {number}")))?;
    Ok(Json(version_view(&state, v)))
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

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    /// A version number (default: the one before `to`).
    pub from: Option<u32>,
    /// A version number (default: the newest).
    pub to: Option<u32>,
}

/// What changed between two versions: text, perimeter, parties, projects added,
/// removed and changed, and the money before and after.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/diff", tag = "pacts",
    params(("id" = String, Path, description = "UUID"), DiffParams),
    responses((status = 200, body = Object),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn diff(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<DiffParams>,
) -> Result<Json<PactDiff>, ApiError> {
    let p = pacts::load(&state, &id).await?;
    let to = q.to.unwrap_or(p.current().number);
    let from = q.from.unwrap_or(to.saturating_sub(1).max(1));
    Ok(Json(pacts::diff(&state, &p, from, to)?))
}

/// The proposals made on a pact, oldest first.
#[utoipa::path(get, path = "/api/v1/pacts/{id}/proposals", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = Vec<Object>),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn proposals(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Vec<Proposal>>, ApiError> {
    pacts::load(&state, &id).await?;
    Ok(Json(cohesion_app::pact::read::proposals(&state, &id).await?))
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

/// The comments on a pact, oldest first (group them by `thread`).
#[utoipa::path(get, path = "/api/v1/pacts/{id}/comments", tag = "pacts", params(("id" = String, Path, description = "UUID")),
    responses((status = 200, body = Vec<Object>),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn comments(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<Vec<Comment>>, ApiError> {
    pacts::load(&state, &id).await?;
    Ok(Json(cohesion_app::pact::read::comments(&state, &id).await?))
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
