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
    #[error("unit `{unit}`: covariate `{covariate}` is missing or not a finite number ({value})")]
    InvalidCovariate { unit: String, covariate: String, value: String },
    #[error("unit `{unit}` has {found} covariate values, {expected} expected")]
    CovariateCount { unit: String, expected: usize, found: usize },
    #[error(
        "cohort {group}, year {year}: the covariates are collinear or constant in the {model} \
         (remove redundant covariates or typology levels)"
    )]
    CollinearCovariates { group: i32, year: i32, model: String },
    #[error("cohort {group}, year {year}: the propensity score fit did not converge in {iterations} iterations")]
    PropensityNotConverged { group: i32, year: i32, iterations: usize },
    #[error(
        "cohort {group}, year {year}: the propensity score reaches {max_score:.4} (overlap fails: some units are \
         almost surely treated given their covariates); remove or coarsen covariates"
    )]
    OverlapViolated { group: i32, year: i32, max_score: f64 },
    #[error("cohort {group}, year {year}: {units} {which} units, at least {needed} needed with these covariates")]
    TooFewUnits { group: i32, year: i32, which: String, units: usize, needed: usize },
    #[error("fewer than two clusters ({clusters}): a clustered variance needs at least two")]
    TooFewClusters { clusters: usize },
    #[error("unit `{unit}` has no cluster")]
    MissingCluster { unit: String },
    #[error("unit `{unit}` is given two clusters (`{first}` and `{second}`)")]
    ConflictingCluster { unit: String, first: String, second: String },
    #[error("invalid parameter: {0}")]
    InvalidParameter(String),
}
