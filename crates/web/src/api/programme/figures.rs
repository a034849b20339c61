//! `/api/v1/programmes/{code}/dashboard`, `/overlap` and `/{code}/eligibility`: a
//! programme's figures by area and density level, the overlap between programmes, and
//! eligibility compared with membership, all computed when the snapshot was built.

use axum::Json;
use axum::extract::{Path, State};
use cohesion_core::territory::{DENSITY_LEVELS, Referential};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::read::{Figures, find, paging, view};
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{ApiError, Problem};
use cohesion_app::Page;

/// Members, communes and population of a programme in one area.
#[derive(Serialize, ToSchema)]
pub struct AreaShare {
    pub code: String,
    pub name: String,
    pub members: usize,
    pub communes: usize,
    pub population: u64,
}

#[derive(Serialize, ToSchema)]
pub struct DensityShare {
    /// INSEE density level, 1 (large urban centre) to 7 (very sparse rural).
    pub level: u8,
    pub label: String,
    pub communes: usize,
    pub population: u64,
}

#[derive(Serialize, ToSchema)]
pub struct OverlapShare {
    pub code: String,
    pub name: String,
    /// Communes covered by both programmes.
    pub communes: usize,
}

/// A programme's dashboard.
#[derive(Serialize, ToSchema)]
pub struct DashboardView {
    pub figures: Figures,
    pub by_region: Vec<AreaShare>,
    pub by_departement: Vec<AreaShare>,
    pub by_density: Vec<DensityShare>,
    /// Communes also covered by each other programme.
    pub overlap: Vec<OverlapShare>,
}

fn area(s: &cohesion_core::programme::index::Share) -> AreaShare {
    AreaShare {
        code: s.code.clone(),
        name: s.name.clone(),
        members: s.members,
        communes: s.communes,
        population: s.population,
    }
}

/// Members by région and département, population covered, split by density level,
/// overlap with the other programmes.
#[utoipa::path(get, path = "/api/v1/programmes/{code}/dashboard", tag = "programmes",
    params(("code" = String, Path, description = "Programme code")),
    responses((status = 200, body = DashboardView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn dashboard(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<DashboardView>, ApiError> {
    let s = state.current();
    let p = find(&s.programmes, &code)?;
    let ix = &s.programmes;
    let d = ix.dashboard(&code).ok_or_else(|| ApiError::NotFound(code.clone()))?;
    Ok(Json(DashboardView {
        figures: view(ix, p).figures,
        by_region: d.by_region.iter().map(area).collect(),
        by_departement: d.by_departement.iter().map(area).collect(),
        by_density: d
            .by_density
            .iter()
            .zip(DENSITY_LEVELS)
            .enumerate()
            .map(|(i, (&(communes, population), label))| DensityShare {
                level: i as u8 + 1,
                label: label.to_owned(),
                communes,
                population,
            })
            .collect(),
        overlap: d
            .overlap
            .iter()
            .map(|(c, n)| OverlapShare {
                code: c.clone(),
                name: ix.programme(c).map(|p| p.name.clone()).unwrap_or_default(),
                communes: *n,
            })
            .collect(),
    }))
}

/// Communes covered by both programmes, for every pair.
#[derive(Serialize, ToSchema)]
pub struct OverlapView {
    /// Programme codes, in the order of the matrix's rows and columns.
    pub codes: Vec<String>,
    /// `communes[i][j]`: communes covered by programmes i and j (the diagonal: by i).
    pub communes: Vec<Vec<usize>>,
}

/// The overlap between programmes (how many PVD communes also host a France services
/// place, how many ACV towns sit in a Territoire d'industrie…).
#[utoipa::path(get, path = "/api/v1/programmes/overlap", tag = "programmes",
    responses((status = 200, body = OverlapView)))]
pub async fn overlap(State(state): State<AppState>) -> Json<OverlapView> {
    let s = state.current();
    let o = s.programmes.overlap();
    Json(OverlapView { codes: o.codes.clone(), communes: o.communes.clone() })
}

/// A commune in a list.
#[derive(Serialize, ToSchema)]
pub struct CommuneName {
    pub code: String,
    pub name: String,
    pub departement: Option<String>,
    pub population: Option<u64>,
}

/// The programme's eligibility rule evaluated over every commune of the referential.
#[derive(Serialize, ToSchema)]
pub struct EligibilityView {
    #[schema(value_type = Object)]
    pub rule: serde_json::Value,
    /// Communes eligible.
    pub eligible: usize,
    /// Communes covered by the programme.
    pub covered: usize,
    pub eligible_not_member: Page<CommuneName>,
    pub member_not_eligible: Page<CommuneName>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size of both lists, 1 to 500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<usize>,
    /// Items to skip in both lists (default 0).
    pub offset: Option<usize>,
}

fn commune_page(r: &Referential, list: &[u32], limit: usize, offset: usize) -> Page<CommuneName> {
    Page {
        total: list.len(),
        items: list
            .iter()
            .skip(offset)
            .take(limit)
            .map(|&i| {
                let t = r.at(i);
                CommuneName {
                    code: t.code.clone(),
                    name: t.name.clone(),
                    departement: t.parents.departement.clone(),
                    population: t.population,
                }
            })
            .collect(),
    }
}

/// Eligible communes compared with members: eligible but not member, member but not
/// eligible. 404 when the programme declares no rule.
#[utoipa::path(get, path = "/api/v1/programmes/{code}/eligibility", tag = "programmes",
    params(("code" = String, Path, description = "Programme code"), PageParams),
    responses((status = 200, body = EligibilityView),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn eligibility(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(params): ApiQuery<PageParams>,
) -> Result<Json<EligibilityView>, ApiError> {
    let s = state.current();
    find(&s.programmes, &code)?;
    let mut errors = Vec::new();
    let (limit, offset) = paging(params.limit, params.offset, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let r = &s.referential;
    let rule = s
        .programmes
        .rule(&code)
        .ok_or_else(|| ApiError::NotFound(format!("programme `{code}` declares no eligibility rule")))?;
    let rep = s.programmes.eligibility_report(&code).ok_or_else(|| ApiError::NotFound(code.clone()))?;
    Ok(Json(EligibilityView {
        rule: serde_json::to_value(rule).map_err(|e| ApiError::Internal(e.to_string()))?,
        eligible: rep.eligible.len(),
        covered: s.programmes.covered_communes(&code).len(),
        eligible_not_member: commune_page(r, &rep.eligible_not_member, limit, offset),
        member_not_eligible: commune_page(r, &rep.member_not_eligible, limit, offset),
    }))
}
