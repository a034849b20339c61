//! `/api/v1/indicators`: the catalogue (definitions, sources, roll-up rules), and
//! `/api/v1/territories/{kind}/{code}/indicators`: a territory's values.

use axum::Json;
use axum::extract::{Path, State};
use cohesion_core::indicator::{self, Aggregation, Indicator};
use cohesion_core::territory::TerritoryRef;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, Problem};
use cohesion_app::indicator::{RollupView, SourceView, TerritoryIndicators, france_rollup, of_territory};

/// One indicator of the catalogue (a definition; values are measurements).
#[derive(Serialize, ToSchema)]
pub struct IndicatorView {
    pub code: String,
    /// French name.
    pub name: String,
    pub unit: String,
    /// up (a rise is good), down (a fall is good) or neutral (context)
    pub direction: String,
    /// Finest territorial level published by the producer.
    pub level: String,
    /// monthly, quarterly or annual
    pub periodicity: String,
    /// at_date (a stock, counted at the value's date) or during_year (a flow, counted
    /// over the year of the value's date)
    pub dating: String,
    /// sum, weighted_mean or not_aggregable (medians: no roll-up is computed)
    pub aggregation: String,
    /// Weight indicator of a weighted mean.
    pub weight: Option<String>,
    /// The roll-up rule, in French.
    pub aggregation_label: String,
    pub definition: String,
    /// The usual source and its metadata.
    pub source: SourceView,
}

impl From<&Indicator> for IndicatorView {
    fn from(i: &Indicator) -> Self {
        let (aggregation, weight) = match &i.aggregation {
            Aggregation::Sum => ("sum", None),
            Aggregation::WeightedMean { weight } => ("weighted_mean", Some(weight.clone())),
            Aggregation::NotAggregable => ("not_aggregable", None),
        };
        let s = indicator::find_source(i.source).map(|s| s.to_info()).unwrap_or_default();
        IndicatorView {
            code: i.code.to_owned(),
            name: i.name.to_owned(),
            unit: i.unit.to_owned(),
            direction: i.direction.as_str().to_owned(),
            level: i.level.as_str().to_owned(),
            periodicity: i.periodicity.as_str().to_owned(),
            dating: match i.dating {
                cohesion_core::indicator::Dating::AtDate => "at_date",
                cohesion_core::indicator::Dating::DuringYear => "during_year",
            }
            .to_owned(),
            aggregation: aggregation.to_owned(),
            weight,
            aggregation_label: i.aggregation.label(),
            definition: i.definition.to_owned(),
            source: SourceView {
                code: s.code,
                name: s.name,
                producer: s.producer,
                distributor: s.distributor,
                version_date: String::new(),
                origin: if i.source == "local" { "local".into() } else { "open_data".into() },
                methodology: s.methodology,
                limits: s.limits,
            },
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct IndicatorList {
    pub items: Vec<IndicatorView>,
}

/// The indicator catalogue.
#[utoipa::path(get, path = "/api/v1/indicators", tag = "indicators",
    responses((status = 200, body = IndicatorList)))]
pub async fn list() -> Json<IndicatorList> {
    Json(IndicatorList { items: indicator::catalogue().iter().map(IndicatorView::from).collect() })
}

/// One indicator, with its roll-up for France at the latest date with commune values.
#[derive(Serialize, ToSchema)]
pub struct IndicatorDetail {
    #[serde(flatten)]
    pub indicator: IndicatorView,
    /// France as a whole, from every commune (`null` without commune values).
    pub france: Option<RollupView>,
    /// Why no roll-up is computed (medians), in French.
    pub rollup_refused: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/indicators/{code}", tag = "indicators",
    params(("code" = String, Path, description = "Indicator code, e.g. `population`")),
    responses((status = 200, body = IndicatorDetail),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn detail(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<IndicatorDetail>, ApiError> {
    let ind = indicator::find(&code).ok_or_else(|| ApiError::NotFound(format!("no indicator `{code}`")))?;
    let snapshot = state.current();
    let (france, rollup_refused) = france_rollup(&state, &snapshot, ind).await?;
    Ok(Json(IndicatorDetail { indicator: IndicatorView::from(ind), france, rollup_refused }))
}

/// A territory's indicators: latest open-data values with their source, its own
/// (local) values apart, superseded versions, objectives, the roll-up from its
/// communes with coverage, and its most similar peers' values.
#[utoipa::path(get, path = "/api/v1/territories/{kind}/{code}/indicators", tag = "indicators",
    params(("kind" = crate::api::territory::KindName, Path, description = "commune, arrondissement_municipal, epci, departement or region"),
           ("code" = String, Path, description = "INSEE code, or SIREN for an EPCI")),
    responses((status = 200, body = TerritoryIndicators),
              (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
pub async fn territory(
    State(state): State<AppState>,
    Path((kind, code)): Path<(String, String)>,
) -> Result<Json<TerritoryIndicators>, ApiError> {
    let tr =
        TerritoryRef::parse(&kind, &code).map_err(|e| ApiError::bad_request("invalid_territory", e.to_string()))?;
    let snapshot = state.current();
    let r = &snapshot.referential;
    let idx = r.index_of(tr.kind, &tr.code).ok_or_else(|| ApiError::NotFound(format!("no {tr} in {}", r.vintage())))?;
    Ok(Json(of_territory(&state, &snapshot, idx).await?))
}
