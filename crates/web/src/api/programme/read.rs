//! The reads of `/api/v1/programmes`: the catalogue, one programme, its members
//! (paginated, filterable), read from the in-memory snapshot; the views the other
//! programme modules share.

use axum::Json;
use axum::extract::{Path, State};
use cohesion_app::programme::{MemberFilter, MemberSort};
use cohesion_core::programme::index::ProgrammeIndex;
use cohesion_core::programme::{Membership, MembershipStatus, Programme};
use cohesion_core::territory::{Referential, Territory, TerritoryKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{ApiError, FieldError, Problem};
use cohesion_app::Page;

const DEFAULT_LIMIT: usize = 50;
const MAX_LIMIT: usize = 500;

/// A programme of the catalogue, with its key figures.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeView {
    /// Lowercase acronym, stable: `pvd`, `acv`, `ti`, `fs`, `va`…
    pub code: String,
    pub acronym: String,
    pub name: String,
    pub description: String,
    /// Priority domains: rurality, urban_policy, digital.
    pub domains: Vec<String>,
    pub owner: Option<String>,
    /// YYYY-MM-DD
    pub started_on: Option<String>,
    pub ended_on: Option<String>,
    /// active or closed
    pub status: String,
    /// Where the shipped list comes from.
    pub source: String,
    pub figures: Figures,
}

/// Counts over the current memberships (exited ones apart).
#[derive(Serialize, ToSchema)]
pub struct Figures {
    /// Current memberships (a territory in a group).
    pub members: usize,
    /// Distinct programme territories (groups).
    pub territories: usize,
    /// Memberships that ended (kept as history).
    pub exited: usize,
    /// Communes covered (EPCI members cover their communes).
    pub communes: usize,
    /// Municipal population of the communes covered.
    pub population: u64,
    /// France services places (programme `fs` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub places: Option<usize>,
}

pub(crate) fn view(ix: &ProgrammeIndex, p: &Programme) -> ProgrammeView {
    let d = ix.dashboard(&p.code);
    ProgrammeView {
        code: p.code.clone(),
        acronym: p.acronym.clone(),
        name: p.name.clone(),
        description: p.description.clone(),
        domains: p.domains.iter().map(|d| d.as_str().to_owned()).collect(),
        owner: p.owner.clone(),
        started_on: p.started_on.clone(),
        ended_on: p.ended_on.clone(),
        status: p.status.as_str().to_owned(),
        source: p.source.clone(),
        figures: Figures {
            members: d.as_ref().map_or(0, |d| d.members),
            territories: d.as_ref().map_or(0, |d| d.groups),
            exited: d.as_ref().map_or(0, |d| d.exited),
            communes: d.as_ref().map_or(0, |d| d.communes),
            population: d.as_ref().map_or(0, |d| d.population),
            places: (p.code == "fs").then(|| ix.places().len()),
        },
    }
}

pub(crate) fn find<'a>(ix: &'a ProgrammeIndex, code: &str) -> Result<&'a Programme, ApiError> {
    ix.programme(code).ok_or_else(|| ApiError::NotFound(format!("no programme with code `{code}`")))
}

/// The programme catalogue.
#[utoipa::path(get, path = "/api/v1/programmes", tag = "programmes",
    responses((status = 200, body = Page<ProgrammeView>)))]
pub async fn list(State(state): State<AppState>) -> Json<Page<ProgrammeView>> {
    let s = state.current();
    let items: Vec<ProgrammeView> = s.programmes.programmes().iter().map(|p| view(&s.programmes, p)).collect();
    Json(Page::all(items))
}

/// One programme, its figures, eligibility rule and action plan.
#[derive(Serialize, ToSchema)]
pub struct ProgrammeDetail {
    #[serde(flatten)]
    pub programme: ProgrammeView,
    /// The eligibility rule (see docs/programmes.md), if the programme declares one.
    #[schema(value_type = Option<Object>)]
    pub eligibility_rule: Option<serde_json::Value>,
    pub actions: Vec<ActionView>,
}

/// An action of the programme's plan.
#[derive(Serialize, ToSchema)]
pub struct ActionView {
    pub id: String,
    pub title: String,
    pub description: String,
    /// ecological, digital, democratic, demographic, recovery
    pub transitions: Vec<String>,
    /// planned, in_progress, done, abandoned
    pub status: String,
    pub owner: Option<String>,
    /// `kind:code` of the territory it concerns, if local.
    pub territory: Option<String>,
    pub version: i64,
}

impl From<&cohesion_core::programme::Action> for ActionView {
    fn from(a: &cohesion_core::programme::Action) -> Self {
        ActionView {
            id: a.id.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            transitions: a.transitions.iter().map(|t| t.as_str().to_owned()).collect(),
            status: a.status.as_str().to_owned(),
            owner: a.owner.clone(),
            territory: a.territory.as_ref().map(ToString::to_string),
            version: a.version,
        }
    }
}

/// One programme.
#[utoipa::path(get, path = "/api/v1/programmes/{code}", tag = "programmes",
    params(("code" = String, Path, description = "Programme code (lowercase acronym), e.g. `pvd`")),
    responses((status = 200, body = ProgrammeDetail),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<ProgrammeDetail>, ApiError> {
    let s = state.current();
    let p = find(&s.programmes, &code)?;
    Ok(Json(ProgrammeDetail {
        programme: view(&s.programmes, p),
        eligibility_rule: s.programmes.rule(&code).and_then(|r| serde_json::to_value(r).ok()),
        actions: s.programmes.actions(&code).map(ActionView::from).collect(),
    }))
}

/// A territory as named in lists.
#[derive(Serialize, ToSchema)]
pub struct TerritoryName {
    pub kind: String,
    pub code: String,
    /// `None` when the referential no longer holds it.
    pub name: Option<String>,
}

/// A membership of a territory in a programme.
#[derive(Serialize, ToSchema)]
pub struct MemberView {
    pub territory: TerritoryName,
    /// Main département (INSEE code).
    pub departement: Option<String>,
    pub region: Option<String>,
    pub population: Option<u64>,
    /// Programme territory id shared by the members of one group.
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    /// candidate, labelled, active, exited
    pub status: String,
    pub signed_on: Option<String>,
    pub labelled_on: Option<String>,
    pub exited_on: Option<String>,
    pub convention: Option<String>,
}

pub(crate) fn member_view(r: &Referential, m: &Membership, at: Option<u32>) -> MemberView {
    let t = at.map(|i| r.at(i));
    let (departement, region) = t.map(main_area).unwrap_or_default();
    MemberView {
        territory: TerritoryName {
            kind: m.territory.kind.as_str().to_owned(),
            code: m.territory.code.clone(),
            name: t.map(|t| t.name.clone()),
        },
        departement,
        region,
        population: t.and_then(|t| t.population),
        group_id: m.group_id.clone(),
        group_name: m.group_name.clone(),
        status: m.status.as_str().to_owned(),
        signed_on: m.signed_on.clone(),
        labelled_on: m.labelled_on.clone(),
        exited_on: m.exited_on.clone(),
        convention: m.convention.clone(),
    }
}

/// The département and région a member belongs to (an EPCI: its main département).
pub(crate) fn main_area(t: &Territory) -> (Option<String>, Option<String>) {
    match t.kind {
        TerritoryKind::Departement => (Some(t.code.clone()), t.parents.region.clone()),
        TerritoryKind::Region => (None, Some(t.code.clone())),
        TerritoryKind::Epci => (t.departements.first().cloned(), t.parents.region.clone()),
        _ => (t.parents.departement.clone(), t.parents.region.clone()),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MembersParams {
    /// Page size, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// Items to skip (default 0).
    pub offset: Option<usize>,
    /// Keep members in this département (INSEE code); an EPCI counts in every
    /// département it spans.
    pub departement: Option<String>,
    /// Keep members in this région (INSEE code).
    pub region: Option<String>,
    /// Keep this status: candidate, labelled, active, exited.
    pub status: Option<String>,
    /// Words of the territory's name (accents and case ignored), or the start of its
    /// INSEE code or SIREN.
    pub q: Option<String>,
    /// name (default), code, departement, status or signed_on.
    pub sort: Option<String>,
    /// asc (default) or desc.
    pub order: Option<String>,
}

/// Members as the filter of `params` keeps and orders them (`status` parsed apart);
/// shared by the API and the exports: `cohesion_app::programme::members`.
pub(crate) fn filtered<'a>(
    s: &'a cohesion_app::Snapshot,
    code: &str,
    params: &MembersParams,
    status: Option<MembershipStatus>,
    errors: &mut Vec<FieldError>,
) -> Vec<(&'a Membership, Option<u32>)> {
    let sort = match params.sort.as_deref().filter(|x| !x.is_empty()) {
        None => MemberSort::Name,
        Some(x) => MemberSort::parse(x).unwrap_or_else(|| {
            errors.push(FieldError {
                field: "sort".into(),
                message: format!("`{x}` is not one of name, code, departement, status, signed_on"),
            });
            MemberSort::Name
        }),
    };
    let descending = match params.order.as_deref().filter(|x| !x.is_empty()) {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(x) => {
            errors.push(FieldError { field: "order".into(), message: format!("`{x}` is not asc or desc") });
            false
        }
    };
    let f = MemberFilter {
        q: params.q.clone().filter(|q| !q.trim().is_empty()),
        departement: params.departement.clone().filter(|d| !d.is_empty()),
        region: params.region.clone().filter(|g| !g.is_empty()),
        status,
        sort,
        descending,
    };
    cohesion_app::programme::members(s, code, &f)
}

pub(crate) fn parse_status(status: &Option<String>, errors: &mut Vec<FieldError>) -> Option<MembershipStatus> {
    match status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match s.parse() {
            Ok(st) => Some(st),
            Err(e) => {
                errors.push(FieldError { field: "status".into(), message: e.to_string() });
                None
            }
        },
    }
}

pub(crate) fn paging(limit: Option<usize>, offset: Option<usize>, errors: &mut Vec<FieldError>) -> (usize, usize) {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        errors.push(FieldError { field: "limit".into(), message: format!("must be between 1 and {MAX_LIMIT}") });
    }
    (limit, offset.unwrap_or(0))
}

/// The members of a programme, sorted by territory name; exited members included
/// (with their exit date) unless `status` says otherwise.
#[utoipa::path(get, path = "/api/v1/programmes/{code}/members", tag = "programmes",
    params(("code" = String, Path, description = "Programme code"), MembersParams),
    responses((status = 200, body = Page<MemberView>),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn members(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<MembersParams>,
) -> Result<Json<Page<MemberView>>, ApiError> {
    let s = state.current();
    find(&s.programmes, &code)?;
    let mut errors = Vec::new();
    let (limit, offset) = paging(params.limit, params.offset, &mut errors);
    let status = parse_status(&params.status, &mut errors);
    let all = filtered(&s, &code, &params, status, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let r = &s.referential;
    Ok(Json(Page {
        total: all.len(),
        items: all.into_iter().skip(offset).take(limit).map(|(m, at)| member_view(r, m, at)).collect(),
    }))
}
