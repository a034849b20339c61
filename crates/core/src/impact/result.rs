//! What every estimator returns, in one serialisable shape.

use serde::{Deserialize, Serialize};

/// The 97.5 % quantile of the standard normal: 95 % intervals are `± Z_95 · se`.
pub const Z_95: f64 = 1.959_963_984_540_054;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Two-way fixed effects, static and event-study specifications.
    Twfe,
    /// Callaway & Sant'Anna group-time ATTs.
    Cs,
    /// Borusyak, Jaravel & Spiess imputation (Gardner two-stage point estimate).
    Imputation,
    /// Sun & Abraham interaction-weighted event study.
    SunAbraham,
}

/// Which units serve as controls for the staggered estimators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlGroup {
    /// Units never treated in the observed window.
    #[default]
    Never,
    /// Never-treated units plus units not yet treated at the compared dates.
    NotYet,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventTimeEstimate {
    /// Years since adoption (`year - first_treated`); negative values are leads.
    pub event_time: i32,
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

impl EventTimeEstimate {
    pub fn new(event_time: i32, estimate: f64, std_error: f64) -> Self {
        EventTimeEstimate {
            event_time,
            estimate,
            std_error,
            ci_low: estimate - Z_95 * std_error,
            ci_high: estimate + Z_95 * std_error,
        }
    }
}

/// A simultaneous confidence band over the event times (multiplier bootstrap): every
/// event-time effect lies in its band at once with 95 % confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniformBand {
    pub draws: usize,
    pub seed: u64,
    /// The band is `estimate ± critical_value × std_error` (1.96 would be pointwise).
    pub critical_value: f64,
    pub points: Vec<UniformBandPoint>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UniformBandPoint {
    pub event_time: i32,
    /// Bootstrap standard error.
    pub std_error: f64,
    pub low: f64,
    pub high: f64,
}

/// Joint Wald test that all lead (pre-adoption) effects are zero.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PretrendTest {
    pub leads: Vec<i32>,
    pub statistic: f64,
    pub df: usize,
    pub p_value: f64,
}

/// One adoption cohort's effect from its adoption to the last year, with its standard
/// error: for CS the mean of its group-time effects (`did::aggte(type = "group")`), for
/// imputation the mean of its imputed effects (BJS standard error).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CohortEstimate {
    /// The cohort's adoption year.
    pub cohort: i32,
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    /// Treated units of the cohort in the estimate.
    pub n_units: usize,
    /// Post-adoption years averaged.
    pub n_years: usize,
}

impl CohortEstimate {
    /// The estimate with its 95 % normal interval.
    pub(crate) fn new(cohort: i32, estimate: f64, std_error: f64, n_units: usize, n_years: usize) -> Self {
        CohortEstimate {
            cohort,
            estimate,
            std_error,
            ci_low: estimate - Z_95 * std_error,
            ci_high: estimate + Z_95 * std_error,
            n_units,
            n_years,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImpactEstimate {
    pub method: Method,
    /// The control group, for the estimators that have a choice.
    pub control: Option<ControlGroup>,
    pub estimate: f64,
    pub std_error: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub n_treated_units: usize,
    pub n_control_units: usize,
    /// Observations (cells) the estimate uses.
    pub n_obs: usize,
    pub event_time: Vec<EventTimeEstimate>,
    pub pretrend: Option<PretrendTest>,
    /// Simultaneous band over the event study (Callaway & Sant'Anna with the bootstrap).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uniform_band: Option<UniformBand>,
    /// The effect of each adoption cohort over its post-adoption years (Callaway &
    /// Sant'Anna's "group" aggregation; imputation's mean of the cohort's imputed
    /// effects; empty for Sun & Abraham and TWFE).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub by_cohort: Vec<CohortEstimate>,
    /// What was dropped, which corrections apply, and known caveats (English, as the
    /// API says them).
    pub notes: Vec<String>,
    /// The same notes in French, one for one, for the pages (empty in results stored
    /// before they were written).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes_fr: Vec<String>,
}

impl ImpactEstimate {
    pub(crate) fn new(method: Method, estimate: f64, std_error: f64) -> Self {
        ImpactEstimate {
            method,
            control: None,
            estimate,
            std_error,
            ci_low: estimate - Z_95 * std_error,
            ci_high: estimate + Z_95 * std_error,
            n_treated_units: 0,
            n_control_units: 0,
            n_obs: 0,
            event_time: Vec::new(),
            pretrend: None,
            uniform_band: None,
            by_cohort: Vec::new(),
            notes: Vec::new(),
            notes_fr: Vec::new(),
        }
    }

    /// Adds a note, in English (the API) and in French (the pages).
    pub fn note(&mut self, en: impl Into<String>, fr: impl Into<String>) {
        self.notes.push(en.into());
        self.notes_fr.push(fr.into());
    }
}
