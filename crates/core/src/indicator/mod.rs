//! Indicators: what is measured in a territory, by whom, and how it adds up.
//!
//! The catalogue ([`catalogue`]) holds definitions only, never values: each indicator's
//! unit, direction of improvement, producer, finest territorial level, periodicity and
//! [`Aggregation`] rule. Values arrive as measurements, each tied to one version of a
//! [`SourceInfo`] (producer, distributor, version date, methodology, known limits), so
//! that a figure shown anywhere can be traced to its publication.

mod catalogue;
pub mod measure_file;
pub mod population_series;
pub mod populations;
pub mod rollup;

use serde::{Deserialize, Serialize};

use crate::territory::TerritoryKind;

/// Measurement dates are calendar days (see [`crate::date`]).
pub use crate::date::{Date, DateError};
pub use catalogue::{SOURCES, SourceDef, catalogue, find, find_source};

/// Whether a higher value is better for the territory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Up,
    Down,
    /// Context indicator (population, prices): neither direction is an improvement.
    Neutral,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
            Direction::Neutral => "neutral",
        }
    }

    /// French label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Direction::Up => "une hausse est favorable",
            Direction::Down => "une baisse est favorable",
            Direction::Neutral => "indicateur de contexte",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Periodicity {
    Monthly,
    Quarterly,
    Annual,
}

impl Periodicity {
    pub fn as_str(self) -> &'static str {
        match self {
            Periodicity::Monthly => "monthly",
            Periodicity::Quarterly => "quarterly",
            Periodicity::Annual => "annual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Periodicity::Monthly => "mensuelle",
            Periodicity::Quarterly => "trimestrielle",
            Periodicity::Annual => "annuelle",
        }
    }
}

/// How commune values add up to an EPCI, a département, a région and France.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Aggregation {
    /// Counts: the sum of the components.
    Sum,
    /// Rates and shares: the mean of the components weighted by another indicator
    /// (its code, e.g. `population`), taken at the same date.
    WeightedMean { weight: String },
    /// Medians and other order statistics: the median of a union is not a function of
    /// the components' medians, so no roll-up is computed; the producer's own figure
    /// for the larger territory must be imported instead.
    NotAggregable,
}

impl Aggregation {
    pub fn label(&self) -> String {
        match self {
            Aggregation::Sum => "somme des communes".to_owned(),
            Aggregation::WeightedMean { weight } => {
                let w = find(weight).map_or(weight.as_str(), |i| i.name);
                format!("moyenne des communes pondérée par « {w} »")
            }
            Aggregation::NotAggregable => {
                "non agrégeable (médiane) : seule la valeur publiée par le producteur fait foi".to_owned()
            }
        }
    }
}

/// One indicator of the catalogue (a definition, no value).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Indicator {
    /// Stable code, snake_case (`vacant_dwellings_share`).
    pub code: &'static str,
    /// French name shown on pages.
    pub name: &'static str,
    /// Unit, as shown after a value (`habitants`, `%`, `€`).
    pub unit: &'static str,
    pub direction: Direction,
    /// Code of the usual source in [`SOURCES`].
    pub source: &'static str,
    /// Finest level at which the producer publishes it.
    pub level: TerritoryKind,
    pub periodicity: Periodicity,
    pub aggregation: Aggregation,
    /// What it measures and its main caveat, in French.
    pub definition: &'static str,
    /// Whether a value is a stock at its date or a flow over the year of its date.
    pub dating: Dating,
}

/// How a value's date reads: a stock is counted at its date (« 173 136 habitants au
/// 1er janvier 2023 »), a flow over the year of its date (« 27 créations d’entreprises
/// en 2023 »).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dating {
    AtDate,
    DuringYear,
}

impl Indicator {
    /// Counts cannot be negative and shares lie between 0 and 100: checked on import.
    pub fn check_value(&self, value: f64) -> Result<(), ValueFault> {
        if !value.is_finite() {
            return Err(ValueFault::NotFinite);
        }
        if self.unit == "%" && !(0.0..=100.0).contains(&value) {
            return Err(ValueFault::NotAPercentage(value));
        }
        if self.aggregation == Aggregation::Sum && value < 0.0 {
            return Err(ValueFault::NegativeCount(value));
        }
        Ok(())
    }
}

/// Why a value cannot be an indicator's (`Display`: in French, as the measure files'
/// readers say it).
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum ValueFault {
    #[error("valeur non finie")]
    NotFinite,
    #[error("{0} n’est pas un pourcentage entre 0 et 100")]
    NotAPercentage(f64),
    #[error("{0} : un effectif ne peut pas être négatif")]
    NegativeCount(f64),
}

/// A source and what must be known to use it well.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Stable code (`insee-filosofi`).
    pub code: String,
    pub name: String,
    /// Who produces the figures (INSEE, DGFiP…).
    pub producer: String,
    /// Who distributes the files used (may differ: Etalab distributes DGFiP's DVF).
    pub distributor: String,
    pub methodology: String,
    pub limits: String,
}

/// Where a value comes from: a public producer, or the territory itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Published open data (INSEE, DGFiP…): the reference value.
    OpenData,
    /// Entered by the territory's own services: shown apart, never mixed into
    /// roll-ups or evaluations of open data.
    Local,
}

impl Origin {
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::OpenData => "open_data",
            Origin::Local => "local",
        }
    }

    pub fn parse(s: &str) -> Option<Origin> {
        match s {
            "open_data" => Some(Origin::OpenData),
            "local" => Some(Origin::Local),
            _ => None,
        }
    }
}
