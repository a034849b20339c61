//! Monte Carlo checks on simulated panels with known effects: bias under 3 Monte Carlo
//! standard errors, interval coverage and test rejection rates inside the 3-σ binomial
//! band around their nominal level, and the known-bad alternatives visibly bad.
//!
//! - [`estimators`]: TWFE, CS (never / not yet), imputation and Sun & Abraham, constant
//!   and growing effects, with their lead tests;
//! - [`weighted`]: the weighted TWFE, CS and imputation against the weighted estimand;
//! - [`band`]: the CS multiplier-bootstrap uniform band against pointwise intervals;
//! - [`wild`]: the wild cluster restricted bootstrap with few clusters;
//! - [`placebo`]: placebo in time and in space (randomisation inference);
//! - [`sensitivity`]: the relative-magnitude intervals at `M̄ = 0` and `M̄ = 1`;
//! - [`synthetic`]: the synthetic control's placebo-rank test.
//!
//! The default run is small (fast in a debug build, as CI runs it); every generator is
//! seeded, so a run is deterministic and its assertions are checked against the band
//! computed for its own number of replications. `COHESION_MC_FULL=1` runs the large
//! version (use `--release`). Each check prints one `MC |` line; with `--nocapture`
//! they make the table of `bench/results/monte-carlo.md`.

mod band;
mod estimators;
mod placebo;
mod sensitivity;
mod synthetic;
mod weighted;
mod wild;

use cohesion_core::impact::{EffectShape, ImpactEstimate, SimConfig};

pub(super) struct Plan {
    pub replications: usize,
    pub n_units: usize,
    pub full: bool,
}

pub(super) fn plan() -> Plan {
    if std::env::var("COHESION_MC_FULL").is_ok_and(|v| v == "1") {
        Plan { replications: 2000, n_units: 500, full: true }
    } else {
        Plan { replications: 150, n_units: 120, full: false }
    }
}

/// The common design: 8 years (2010–2017), three cohorts of a quarter of the units
/// each adopting in 2012, 2014 and 2016, a quarter never treated, AR(1) noise ρ = 0.5.
pub(super) fn design(plan: &Plan, effect: EffectShape, seed: u64) -> SimConfig {
    SimConfig {
        n_units: plan.n_units,
        n_years: 8,
        cohorts: vec![(2012, 0.25), (2014, 0.25), (2016, 0.25)],
        effect,
        rho: 0.5,
        missing_share: 0.0,
        seed,
        ..SimConfig::default()
    }
}

/// Half-width of a 3-sigma binomial band around `p` for `n` draws.
pub(super) fn band(p: f64, n: usize) -> f64 {
    3.0 * (p * (1.0 - p) / n as f64).sqrt()
}

/// Errors of an estimate against its truth, coverage of its interval, its lead test.
#[derive(Default)]
pub(super) struct Tally {
    errors: Vec<f64>,
    covered: Rate,
    leads: Rate,
}

impl Tally {
    pub fn add(&mut self, r: &ImpactEstimate, truth: f64) {
        self.add_interval(r.estimate, r.ci_low, r.ci_high, truth);
        if let Some(p) = &r.pretrend {
            self.leads.add(p.p_value < 0.05);
        }
    }

    pub fn add_interval(&mut self, estimate: f64, low: f64, high: f64, truth: f64) {
        self.errors.push(estimate - truth);
        self.covered.add(low <= truth && truth <= high);
    }

    pub fn bias_and_mcse(&self) -> (f64, f64) {
        let n = self.errors.len() as f64;
        let mean = self.errors.iter().sum::<f64>() / n;
        let var = self.errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, (var / n).sqrt())
    }

    pub fn coverage(&self) -> &Rate {
        &self.covered
    }

    pub fn leads(&self) -> &Rate {
        &self.leads
    }

    /// Prints the row and checks bias < 3 MC s.e. and 95 % coverage in the band.
    pub fn check_unbiased_and_covering(&self, what: &str, v: &mut Verdict) {
        let (bias, mcse) = self.bias_and_mcse();
        let leads = if self.leads.n > 0 { format!("{:.3}", self.leads.rate()) } else { "–".into() };
        eprintln!(
            "MC | {what} | bias {bias:+.4} (MC s.e. {mcse:.4}) | coverage {:.3} | lead rejections {leads} | n = {}",
            self.covered.rate(),
            self.errors.len()
        );
        v.check(bias.abs() < 3.0 * mcse, || format!("{what}: bias {bias} ≥ 3 × {mcse}"));
        v.near(&self.covered, 0.95, &format!("{what}: coverage"));
    }
}

/// The failed checks of a test, reported together at its end, so that a run prints
/// every row of its table before failing.
#[derive(Default)]
pub(super) struct Verdict {
    failures: Vec<String>,
}

impl Verdict {
    pub fn check(&mut self, ok: bool, message: impl FnOnce() -> String) {
        if !ok {
            self.failures.push(message());
        }
    }

    /// The rate lies within the 3-σ binomial band around `p` for its trials.
    pub fn near(&mut self, r: &Rate, p: f64, what: &str) {
        let (rate, half) = (r.rate(), band(p, r.n));
        self.check(r.n > 0 && (rate - p).abs() <= half, || {
            format!("{what}: {rate:.4} outside {p:.4} ± {half:.4} (n = {})", r.n)
        });
    }

    /// The rate is above the 3-σ band around `p`: visibly more than `p`.
    pub fn above(&mut self, r: &Rate, p: f64, what: &str) {
        let (rate, half) = (r.rate(), band(p, r.n));
        self.check(rate > p + half, || format!("{what}: {rate:.4} not above {p:.4} + {half:.4} (n = {})", r.n));
    }

    /// The rate is below the 3-σ band around `p`: visibly less than `p`.
    pub fn below(&mut self, r: &Rate, p: f64, what: &str) {
        let (rate, half) = (r.rate(), band(p, r.n));
        self.check(rate < p - half, || format!("{what}: {rate:.4} not below {p:.4} − {half:.4} (n = {})", r.n));
    }

    pub fn finish(self) {
        assert!(self.failures.is_empty(), "{} check(s) failed:\n{}", self.failures.len(), self.failures.join("\n"));
    }
}

/// A share of replications (hits over trials).
#[derive(Default)]
pub(super) struct Rate {
    hits: usize,
    n: usize,
}

impl Rate {
    pub fn add(&mut self, hit: bool) {
        self.hits += usize::from(hit);
        self.n += 1;
    }

    pub fn n(&self) -> usize {
        self.n
    }

    pub fn rate(&self) -> f64 {
        self.hits as f64 / self.n.max(1) as f64
    }
}
