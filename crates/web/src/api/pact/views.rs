//! What the pact API answers: a pact with its newest version in full, versions, parties
//! and actions, and the pact with its revision as `ETag`.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cohesion_app::pact as pacts;
use cohesion_core::pact::{Money, Pact, PactVersion, ProjectSnapshot, Signature};
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::etag;

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
    /// `null` when unknown.
    pub phase: Option<String>,
    /// `null` when unknown.
    pub phase_status: Option<String>,
    pub total_cost_cents: Option<i64>,
    pub financed_cents: i64,
}

impl From<&ProjectSnapshot> for ActionView {
    fn from(p: &ProjectSnapshot) -> Self {
        ActionView {
            id: p.id.clone(),
            name: p.name.clone(),
            version: p.version,
            phase: p.phase.map(|x| x.as_str().into()),
            phase_status: p.phase_status.map(|x| x.as_str().into()),
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

pub(crate) fn version_view(state: &AppState, v: &PactVersion) -> VersionView {
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
    /// When its owner made it public before its first signature (RFC 3339), if so; a
    /// signed pact is public without it.
    pub published_at: Option<String>,
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
        published_at: p.published_at.clone(),
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

pub(crate) fn with_etag(state: &AppState, status: StatusCode, p: &Pact) -> Response {
    etag::with(p.revision, (status, Json(view(state, p))).into_response())
}
