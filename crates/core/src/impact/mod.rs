//! Impact evaluation: counterfactual estimators for territorialised interventions.
//!
//! Every estimator takes a validated long [`Panel`] (unit × year, outcome, adoption
//! year) and returns an [`ImpactEstimate`]: estimate, standard error, 95 % interval,
//! counts, event-time profile, a pre-trend test on leads and notes.
//!
//! - [`twfe`]: two-way fixed effects, the textbook baseline (biased under staggered
//!   adoption with dynamic effects — kept to show it);
//! - [`callaway_santanna`]: group-time ATTs with never- or not-yet-treated controls,
//!   unconditional or doubly robust with the panel's covariates ([`callaway_santanna_with`]);
//! - [`imputation`]: Borusyak–Jaravel–Spiess imputation (= Gardner two-stage);
//! - [`sun_abraham`]: Sun & Abraham interaction-weighted event study;
//! - [`placebo_in_time`], [`placebo_in_space`], [`relative_magnitudes`]: the checks
//!   around an estimate (placebos, randomisation inference, sensitivity);
//! - [`wild_cluster_bootstrap`]: the TWFE coefficient's p-value and interval by the wild
//!   cluster restricted bootstrap, for clusters coarser than units (départements, régions);
//! - [`match_controls`]: comparison groups by nearest-neighbour matching;
//! - [`FeatureSpace::most_similar`]: the k most similar territories;
//! - [`synthetic_control`]: one treated unit against a weighted average of donors, with
//!   its placebo distribution.
//!
//! [`simulate`] draws panels with known effects; the tests prove the estimators on
//! them. Everything here is pure: no I/O, no threads, no global state. The method
//! details and the small-sample corrections are in `docs/impact.md`.

#[cfg(test)]
mod covariate_tests;
mod cs;
mod drdid;
mod error;
mod fe;
mod imputation;
mod linalg;
mod matching;
mod panel;
mod pretrend;
mod result;
pub mod rng;
mod robust;
mod sa;
mod similar;
mod simulate;
mod synthetic;
mod twfe;
#[cfg(test)]
mod weighted_tests;
mod wild;

pub use cs::{BootstrapOptions, CsOptions, callaway_santanna, callaway_santanna_with};
pub use drdid::CovariateMethod;
pub use error::ImpactError;
pub use imputation::{ImputationOptions, imputation};
pub use matching::{Balance, MatchOptions, MatchedPair, Matching, match_controls};
pub use panel::{Observation, Panel};
pub use pretrend::{chi2_survival, wald_test};
pub use result::{
    CohortEstimate, ControlGroup, EventTimeEstimate, ImpactEstimate, Method, PretrendTest, UniformBand,
    UniformBandPoint, Z_95,
};
pub use robust::{
    PreBase, RandomisationInference, Sensitivity, SensitivityRow, Spec, placebo_in_space, placebo_in_time,
    relative_magnitudes,
};
pub use sa::sun_abraham;
pub use similar::{FeatureSpace, Neighbour, TerritoryFeatures};
pub use simulate::{EffectShape, SimConfig, SimPanel, simulate};
pub use synthetic::{
    DonorWeight, SyntheticControl, SyntheticFault, SyntheticOptions, SyntheticPlacebo, TrajectoryPoint, UnitSeries,
    simplex_least_squares, synthetic_control,
};
pub use twfe::twfe;
pub use wild::{
    CI_TOLERANCE, MAX_WILD_DRAWS, WEBB_MAX_CLUSTERS, WildBootstrap, WildOptions, WildWeights, wild_cluster_bootstrap,
};

/// Runs one estimator by name, as the CLI and the web layer choose it.
pub fn estimate(panel: &Panel, method: Method, control: ControlGroup) -> Result<ImpactEstimate, ImpactError> {
    match method {
        Method::Twfe => twfe(panel),
        Method::Cs => callaway_santanna(panel, &CsOptions { control, anticipation: 0, bootstrap: None }),
        Method::Imputation => imputation(panel, &ImputationOptions::default()),
        Method::SunAbraham => sun_abraham(panel),
    }
}

/// [`estimate`] allowing units to react `anticipation` years before adoption (CS and
/// imputation; the TWFE baseline has no such option and refuses a non-zero value).
pub fn estimate_with(
    panel: &Panel,
    method: Method,
    control: ControlGroup,
    anticipation: u32,
) -> Result<ImpactEstimate, ImpactError> {
    match method {
        Method::Twfe if anticipation > 0 => Err(ImpactError::InvalidParameter(
            "twfe has no anticipation option: use cs or imputation, or shift the adoption years".into(),
        )),
        Method::SunAbraham if anticipation > 0 => Err(ImpactError::InvalidParameter(
            "sun_abraham has no anticipation option: use cs or imputation, or shift the adoption years".into(),
        )),
        Method::Twfe => twfe(panel),
        Method::Cs => callaway_santanna(panel, &CsOptions { control, anticipation, bootstrap: None }),
        Method::Imputation => imputation(panel, &ImputationOptions { anticipation }),
        Method::SunAbraham => sun_abraham(panel),
    }
}
