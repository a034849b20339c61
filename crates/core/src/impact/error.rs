//! The one error type of the impact estimators.

/// Why an estimate could not be produced. Every variant is about the input (or the
/// options), never an internal failure: the estimators do not panic on input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ImpactError {
    #[error("the panel is empty")]
    EmptyPanel,
    #[error("unit `{unit}` has two observations for year {year}")]
    DuplicateObservation { unit: String, year: i32 },
    #[error("unit `{unit}` has two different adoption years ({first} and {second})")]
    InconsistentAdoption { unit: String, first: i32, second: i32 },
    #[error("unit `{unit}`, year {year}: the outcome is not a finite number")]
    NonFiniteOutcome { unit: String, year: i32 },
    #[error("no treated unit can be used: {0}")]
    NoTreatedUnits(String),
    #[error("no control unit can be used: {0}")]
    NoControlUnits(String),
    #[error("the effect is not identified: {0}")]
    NotIdentified(String),
    #[error("unit `{unit}`: weight {weight} is not a positive finite number")]
    InvalidWeight { unit: String, weight: String },
    #[error("fewer than two clusters ({clusters}): a clustered variance needs at least two")]
    TooFewClusters { clusters: usize },
    #[error("unit `{unit}` has no cluster")]
    MissingCluster { unit: String },
    #[error("unit `{unit}` is given two clusters (`{first}` and `{second}`)")]
    ConflictingCluster { unit: String, first: String, second: String },
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}
