//! `/api/v1/territories`: search, detail and children of the national referential.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use cohesion_core::territory::search::{Page as SearchPage, Query};
use cohesion_core::territory::{Referential, Territory, TerritoryKind, TerritoryRef};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::error::{ApiError, FieldError, Problem};
use cohesion_app::Page;

const DEFAULT_LIMIT: usize = 20;
const MAX_LIMIT: usize = 200;

/// A territory in a list.
#[derive(Serialize, ToSchema)]
pub struct TerritorySummary {
    /// commune, arrondissement_municipal, epci, departement or region
    #[schema(value_type = String, example = "commune")]
    pub kind: TerritoryKind,
    /// INSEE code, or SIREN for an EPCI.
    pub code: String,
    pub name: String,
    /// Municipal population (INSEE); summed from the communes for départements and régions.
    pub population: Option<u64>,
    pub parents: ParentCodes,
    /// In a search: the former commune (commune déléguée or associée) this commune
    /// was found through, when its own name or code does not match the query.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub former: Option<FormerCommune>,
}

/// A former commune, now part of the commune it is listed with.
#[derive(Serialize, ToSchema)]
pub struct FormerCommune {
    /// Its own INSEE code.
    pub code: String,
    pub name: String,
    /// delegated (commune déléguée) or associated (commune associée)
    pub kind: String,
}

/// Codes of the containing territories.
#[derive(Serialize, ToSchema)]
pub struct ParentCodes {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commune: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub epci: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub departement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

impl From<&Territory> for TerritorySummary {
    fn from(t: &Territory) -> Self {
        TerritorySummary {
            kind: t.kind,
            code: t.code.clone(),
            name: t.name.clone(),
            population: t.population,
            parents: ParentCodes {
                commune: t.parents.commune.clone(),
                epci: t.parents.epci.clone(),
                departement: t.parents.departement.clone(),
                region: t.parents.region.clone(),
            },
            former: None,
        }
    }
}

/// The kinds of territory, as the API names them (documentation of the parameters).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KindName {
    Commune,
    ArrondissementMunicipal,
    Epci,
    Departement,
    Region,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Name (case, accents, hyphens, apostrophes ignored; "st"/"ste" understood),
    /// INSEE code, SIREN or postcode. Empty: every territory, most populated first.
    q: Option<String>,
    /// Keep only this kind.
    #[param(value_type = Option<KindName>)]
    kind: Option<String>,
    /// Keep only territories inside this one, as `kind:code` (e.g. `departement:42`).
    parent: Option<String>,
    /// Page size, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
    /// Items to skip (default 0).
    offset: Option<usize>,
}

/// The most bytes of search answers kept: an answer of 20 territories weighs about
/// 3 kB, one of 200 about 35 kB.
pub const SEARCH_BUDGET: usize = 2 * 1024 * 1024;

/// The territory search's answers, serialised, by query string, under the revision of
/// the referential they were found in (`crate::kept`): the same query typed by many
/// visitors (a search box answers each keystroke) is searched and serialised once per
/// referential.
pub type Searches = crate::kept::Kept<i64, Bytes>;

/// The answers kept, within [`SEARCH_BUDGET`].
pub fn searches() -> Searches {
    Searches::new(SEARCH_BUDGET)
}

/// Find territories by name, code or postcode.
///
/// Ranking: exact name, then name prefix, then a later word of the name, then names
/// holding every word; inside each, larger population first.
#[utoipa::path(get, path = "/api/v1/territories", tag = "territories", params(SearchParams),
    responses((status = 200, body = Page<TerritorySummary>),
              (status = 400, body = Problem, content_type = "application/problem+json")))]
pub async fn search(State(state): State<AppState>, uri: Uri) -> Result<Response, ApiError> {
    let snapshot = state.current();
    // Only an answer is kept, never a fault: a query kept is a valid one.
    let key = uri.query().unwrap_or("");
    if let Some(body) = state.territory_searches.get(key, &snapshot.revision) {
        return Ok(json(body));
    }
    let ApiQuery(params) = ApiQuery::<SearchParams>::of(&uri)?;
    let r = &snapshot.referential;
    let mut errors = Vec::new();
    let kind = parse_kind(params.kind.as_deref(), &mut errors);
    let (limit, offset) = paging(params.limit, params.offset, &mut errors);
    let parent = match params.parent.as_deref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => match p.parse::<TerritoryRef>() {
            Ok(tr) => match r.index_of(tr.kind, &tr.code) {
                Some(i) => Some(i),
                None => return Err(ApiError::NotFound(format!("no territory {tr}"))),
            },
            Err(e) => {
                errors.push(FieldError { field: "parent".into(), message: e.to_string() });
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let query = Query { text: params.q.as_deref().unwrap_or(""), kind, parent, limit, offset };
    let found = page(r, &snapshot.index, snapshot.index.search(r, &query));
    let body = Bytes::from(serde_json::to_vec(&found).map_err(|e| ApiError::Internal(e.to_string()))?);
    state.territory_searches.put(key.to_owned(), snapshot.revision, body.clone(), body.len() + key.len());
    Ok(json(body))
}

/// A JSON answer already serialised.
fn json(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response()
}

/// Identity, population, typologies, parents, children counts and centroid.
#[derive(Serialize, ToSchema)]
pub struct TerritoryDetail {
    #[schema(value_type = String, example = "commune")]
    pub kind: TerritoryKind,
    pub code: String,
    pub name: String,
    pub population: Option<u64>,
    /// SIREN of the local authority.
    pub siren: Option<String>,
    pub postcodes: Vec<String>,
    /// metro, drom or com
    pub zone: Option<String>,
    /// INSEE code of the seat (départements, régions).
    pub chef_lieu: Option<String>,
    /// EPCI legal form (CC, CA, CU, METRO, MET69).
    pub category: Option<String>,
    /// EPCI tax regime (FPU, FA).
    pub financing: Option<String>,
    pub typology: TypologyView,
    /// Containing territories, nearest first (commune → EPCI → département → région).
    pub parents: Vec<TerritoryLink>,
    /// For an EPCI: every département its communes lie in, the main one first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub departements: Vec<TerritoryLink>,
    /// Number of territories of each kind inside this one.
    pub children: Vec<ChildCount>,
    pub centroid: Option<CentroidView>,
    /// COG vintage of the referential.
    pub vintage: String,
}

#[derive(Serialize, ToSchema)]
pub struct TypologyView {
    /// INSEE density grid level, 1 (large urban centre) to 7 (very sparse rural).
    pub density_level: Option<u8>,
    pub density: Option<&'static str>,
    pub rurality: Option<String>,
    pub centrality: Option<String>,
    /// Mountain massif.
    pub mountain: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TerritoryLink {
    #[schema(value_type = String, example = "commune")]
    pub kind: TerritoryKind,
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChildCount {
    #[schema(value_type = String, example = "commune")]
    pub kind: TerritoryKind,
    pub count: usize,
}

/// WGS 84 degrees.
#[derive(Serialize, ToSchema)]
pub struct CentroidView {
    pub lon: f64,
    pub lat: f64,
}

fn link(t: &Territory) -> TerritoryLink {
    TerritoryLink { kind: t.kind, code: t.code.clone(), name: t.name.clone() }
}

/// One territory.
#[utoipa::path(get, path = "/api/v1/territories/{kind}/{code}", tag = "territories",
    params(("kind" = crate::api::territory::KindName, Path, description = "commune, arrondissement_municipal, epci, departement or region"),
           ("code" = String, Path, description = "INSEE code, or SIREN for an EPCI")),
    responses((status = 200, body = TerritoryDetail),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    Path((kind, code)): Path<(String, String)>,
) -> Result<Json<TerritoryDetail>, ApiError> {
    let snapshot = state.current();
    let r = &snapshot.referential;
    let (idx, t) = find(r, &kind, &code)?;
    Ok(Json(TerritoryDetail {
        kind: t.kind,
        code: t.code.clone(),
        name: t.name.clone(),
        population: t.population,
        siren: t.siren.clone(),
        postcodes: t.postcodes.clone(),
        zone: t.zone.clone(),
        chef_lieu: t.chef_lieu.clone(),
        category: t.category.clone(),
        financing: t.financing.clone(),
        typology: TypologyView {
            density_level: t.typology.density_level,
            density: t.typology.density_label(),
            rurality: t.typology.rurality.clone(),
            centrality: t.typology.centrality.clone(),
            mountain: t.typology.mountain.clone(),
        },
        parents: r.ancestors(t).into_iter().map(link).collect(),
        departements: t.departements.iter().filter_map(|d| r.get(TerritoryKind::Departement, d)).map(link).collect(),
        children: r.children_counts(idx).into_iter().map(|(kind, count)| ChildCount { kind, count }).collect(),
        centroid: t.centroid.map(|c| CentroidView { lon: c.lon, lat: c.lat }),
        vintage: r.vintage().to_owned(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChildrenParams {
    /// Kind of the children; default: the next level down (région → départements,
    /// département → EPCI, EPCI → communes, commune → arrondissements municipaux).
    #[param(value_type = Option<KindName>)]
    kind: Option<String>,
    /// Page size, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
    /// Items to skip (default 0).
    offset: Option<usize>,
}

/// Territories inside one territory, sorted by name.
#[utoipa::path(get, path = "/api/v1/territories/{kind}/{code}/children", tag = "territories",
    params(("kind" = crate::api::territory::KindName, Path, description = "Kind of the containing territory"),
           ("code" = String, Path, description = "Its INSEE code or SIREN"),
           ChildrenParams),
    responses((status = 200, body = Page<TerritorySummary>),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn children(
    State(state): State<AppState>,
    Path((kind, code)): Path<(String, String)>,
    ApiQuery(params): ApiQuery<ChildrenParams>,
) -> Result<Json<Page<TerritorySummary>>, ApiError> {
    let snapshot = state.current();
    let r = &snapshot.referential;
    let (idx, t) = find(r, &kind, &code)?;
    let mut errors = Vec::new();
    let child_kind = parse_kind(params.kind.as_deref(), &mut errors).or(Referential::default_child_kind(t.kind));
    let (limit, offset) = paging(params.limit, params.offset, &mut errors);
    if let Some(ck) = child_kind
        && ck.level() >= t.kind.level()
    {
        errors.push(FieldError { field: "kind".into(), message: format!("a {} contains no {ck}", t.kind) });
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let Some(child_kind) = child_kind else {
        return Ok(Json(Page { items: Vec::new(), total: 0 }));
    };
    let all: Vec<&Territory> = r.children_of_kind(idx, child_kind).collect();
    Ok(Json(Page {
        total: all.len(),
        items: all.into_iter().skip(offset).take(limit).map(TerritorySummary::from).collect(),
    }))
}

fn find<'r>(r: &'r Referential, kind: &str, code: &str) -> Result<(u32, &'r Territory), ApiError> {
    let tr = TerritoryRef::parse(kind, code).map_err(|e| ApiError::bad_request("invalid_territory", e.to_string()))?;
    r.index_of(tr.kind, &tr.code)
        .map(|i| (i, r.at(i)))
        .ok_or_else(|| ApiError::NotFound(format!("no {} with code {} in {}", tr.kind, tr.code, r.vintage())))
}

fn parse_kind(raw: Option<&str>, errors: &mut Vec<FieldError>) -> Option<TerritoryKind> {
    let raw = raw.filter(|k| !k.is_empty())?;
    match raw.parse() {
        Ok(k) => Some(k),
        Err(e) => {
            errors.push(FieldError { field: "kind".into(), message: format!("{e}") });
            None
        }
    }
}

fn paging(limit: Option<usize>, offset: Option<usize>, errors: &mut Vec<FieldError>) -> (usize, usize) {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        errors.push(FieldError { field: "limit".into(), message: format!("must be between 1 and {MAX_LIMIT}") });
    }
    (limit, offset.unwrap_or(0))
}

fn page(
    r: &Referential,
    index: &cohesion_core::territory::search::SearchIndex,
    p: SearchPage,
) -> Page<TerritorySummary> {
    let items = p
        .items
        .iter()
        .enumerate()
        .map(|(n, &i)| TerritorySummary {
            former: p.via.get(n).copied().flatten().and_then(|f| index.former(f)).map(|f| FormerCommune {
                code: f.code.clone(),
                name: f.name.clone(),
                kind: f.kind.as_str().to_owned(),
            }),
            ..TerritorySummary::from(r.at(i))
        })
        .collect();
    Page { total: p.total, items }
}
