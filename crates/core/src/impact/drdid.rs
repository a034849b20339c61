//! One 2×2 comparison with covariates, for panel data: the doubly robust estimator of
//! Sant'Anna & Zhao (2020) as `DRDID::drdid_panel` (the "traditional" one, not the
//! "improved" `drdid_imp_panel`) and its influence function, exactly as the PyPI
//! package `csdid` 0.4.3 computes each `ATT(g,t)` with `est_method = "dr"`
//! (`csdid/attgt_fnc/drdid_trim.py`). Also its two halves, the outcome regression
//! (`reg_did_panel`) and the normalised inverse probability weighting
//! (`std_ipw_did_panel`).
//!
//! For the `n₁` units of the cell (treated `D = 1`, controls `D = 0`), with the unit
//! weights normalised to mean 1 over the cell (`w`) and `X` the covariates with an
//! intercept:
//!
//! - propensity score: logit of `D` on `X` by maximum likelihood with weights `w`
//!   (Newton's method, which is the IRLS of a canonical GLM), capped at `1 − 10⁻⁶`;
//!   controls with a score `≥ 0.995` are trimmed (weight 0), treated never are;
//! - outcome regression: weighted least squares of `ΔY` on `X` among the controls;
//! - `ATT = Σ w_t (ΔY − Xβ) / Σ w_t − Σ w_c (ΔY − Xβ) / Σ w_c`, with `w_t = w·D` and
//!   `w_c = w·p/(1 − p)·(1 − D)` (trimmed controls excluded);
//! - its influence function adds to the two centred means the estimation effects of
//!   `β` and of the logit coefficients (DRDID's `asy.lin.rep`), the logit's Hessian
//!   rebuilt from the final, capped scores as csdid does.
//!
//! Everything that depends only on the cell's units (scores, Gram matrices, weights)
//! is a [`Nuisance`], reused while the cell's units stay the same (with never-treated
//! controls on a balanced panel: every year of a cohort), as csdid's own cache does.

// Small dense loops over covariates read best with indices.
#![allow(clippy::needless_range_loop)]

use super::linalg::Cholesky;

/// How each `ATT(g,t)` uses the covariates (csdid's `est_method`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CovariateMethod {
    /// Doubly robust (`"dr"`, csdid's default): propensity score and outcome regression.
    #[default]
    DoublyRobust,
    /// Outcome regression only (`"reg"`).
    Regression,
    /// Normalised inverse probability weighting only (`"ipw"`).
    Ipw,
}

/// Controls whose propensity score reaches this are trimmed (csdid's `trim_level`).
pub(crate) const TRIM_LEVEL: f64 = 0.995;
/// A fitted score reaching this anywhere in the cell means overlap fails (R `did`'s
/// `overlap_check_fail`, csdid's too).
pub(crate) const OVERLAP_LIMIT: f64 = 0.999;
const MAX_ITERATIONS: usize = 100;

/// Why a cell cannot be estimated (the caller adds the cohort and the year).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CellFault {
    Collinear(&'static str),
    NotConverged(usize),
    Overlap(f64),
    TooFewControls { units: usize, needed: usize },
}

/// What depends on the cell's units only, not on its outcomes.
pub(crate) struct Nuisance {
    /// Sample indices of the cell's units: treated first, then controls.
    pub(crate) units: Vec<usize>,
    n_treated: usize,
    p: usize,
    /// The cell's design, row-major `n₁ × p`, intercept first.
    x: Vec<f64>,
    /// Weights normalised to mean 1 over the cell.
    w: Vec<f64>,
    /// Capped propensity scores (empty for `Regression`).
    ps: Vec<f64>,
    /// `w_t` for treated rows, `w_c` for control rows (the outcome regression's `w·D`
    /// for treated rows and 0 for controls under `Regression`).
    w_arm: Vec<f64>,
    /// Cholesky factor of the controls' Gram `Σ_c w X X' / n₁` (not for `Ipw`).
    gram_c: Option<Cholesky>,
    /// `n₁ (Σ w p (1 − p) X X')⁻¹`, row-major (not for `Regression`).
    hessian: Vec<f64>,
    mean_wt: f64,
    mean_wc: f64,
    /// `mean(w_t X)` and `mean(w_c X)`.
    m1: Vec<f64>,
    m3: Vec<f64>,
    /// Controls trimmed for a score at or above [`TRIM_LEVEL`].
    pub(crate) trimmed: usize,
}

impl Nuisance {
    /// `x_of(s)` gives the covariates (intercept first, `p` values) of sample unit `s`,
    /// `weight(s)` its weight.
    pub(crate) fn new<'a>(
        treated: &[usize],
        controls: &[usize],
        p: usize,
        x_of: impl Fn(usize) -> &'a [f64],
        weight: impl Fn(usize) -> f64,
        method: CovariateMethod,
    ) -> Result<Self, CellFault> {
        let n_treated = treated.len();
        let units: Vec<usize> = treated.iter().chain(controls).copied().collect();
        let n1 = units.len();
        let nf = n1 as f64;
        if method != CovariateMethod::Ipw && controls.len() < p {
            return Err(CellFault::TooFewControls { units: controls.len(), needed: p });
        }
        let mut x = Vec::with_capacity(n1 * p);
        for &s in &units {
            x.extend_from_slice(x_of(s));
        }
        let raw: Vec<f64> = units.iter().map(|s| weight(*s)).collect();
        let mean_raw = raw.iter().sum::<f64>() / nf;
        let w: Vec<f64> = raw.iter().map(|v| v / mean_raw).collect();

        let (ps, hessian, trimmed) = if method == CovariateMethod::Regression {
            (Vec::new(), Vec::new(), 0)
        } else {
            if Cholesky::new(&gram(&x, p, 0..n1, |i| w[i] / nf), p).is_none() {
                return Err(CellFault::Collinear("propensity score model"));
            }
            let beta = logit(&x, p, n_treated, &w)?;
            let mut ps: Vec<f64> = (0..n1).map(|i| sigmoid(dot(&x[i * p..(i + 1) * p], &beta))).collect();
            let max = ps.iter().copied().fold(0.0, f64::max);
            if max >= OVERLAP_LIMIT {
                return Err(CellFault::Overlap(max));
            }
            for v in ps.iter_mut() {
                *v = v.min(1.0 - 1e-6);
            }
            let info = gram(&x, p, 0..n1, |i| w[i] * ps[i] * (1.0 - ps[i]));
            let inverse = Cholesky::new(&info, p).ok_or(CellFault::Collinear("propensity score model"))?.inverse();
            let trimmed = ps[n_treated..].iter().filter(|v| **v >= TRIM_LEVEL).count();
            (ps, inverse.iter().map(|v| v * nf).collect(), trimmed)
        };
        // The controls' design must be of full rank for the outcome regression (checked
        // after the propensity score's overlap, in csdid's order).
        let gram_c = if method == CovariateMethod::Ipw {
            None
        } else {
            let g = gram(&x, p, n_treated..n1, |i| w[i] / nf);
            Some(Cholesky::new(&g, p).ok_or(CellFault::Collinear("outcome regression among the comparison units"))?)
        };
        let w_arm: Vec<f64> = (0..n1)
            .map(|i| match (i < n_treated, method) {
                (true, _) => w[i],
                (false, CovariateMethod::Regression) => 0.0,
                (false, _) if ps[i] >= TRIM_LEVEL => 0.0,
                (false, _) => w[i] * ps[i] / (1.0 - ps[i]),
            })
            .collect();
        let mean_wt = w_arm[..n_treated].iter().sum::<f64>() / nf;
        let mean_wc = w_arm[n_treated..].iter().sum::<f64>() / nf;
        if method != CovariateMethod::Regression && mean_wc <= 0.0 {
            // Every comparison unit trimmed: none resembles the treated enough.
            return Err(CellFault::Overlap(ps.iter().copied().fold(0.0, f64::max)));
        }
        let mut m1 = vec![0.0; p];
        let mut m3 = vec![0.0; p];
        for i in 0..n1 {
            let m = if i < n_treated { &mut m1 } else { &mut m3 };
            for j in 0..p {
                m[j] += w_arm[i] * x[i * p + j] / nf;
            }
        }
        Ok(Nuisance { units, n_treated, p, x, w, ps, w_arm, gram_c, hessian, mean_wt, mean_wc, m1, m3, trimmed })
    }

    /// The cell's `ATT` and its influence function on the cell's scale (DRDID's, one
    /// value per unit of [`Nuisance::units`]), from `dy[i]` = ΔY of the cell's `i`-th
    /// unit.
    pub(crate) fn estimate(&self, dy: &[f64], method: CovariateMethod) -> (f64, Vec<f64>) {
        let (p, nt) = (self.p, self.n_treated);
        let n1 = self.units.len();
        let nf = n1 as f64;
        let row = |i: usize| &self.x[i * p..(i + 1) * p];
        // Outcome regression among the controls: β = (Σ_c w X X')⁻¹ Σ_c w X ΔY.
        let beta = match &self.gram_c {
            Some(ch) if method != CovariateMethod::Ipw => {
                let mut b = vec![0.0; p];
                for i in nt..n1 {
                    let r = row(i);
                    for j in 0..p {
                        b[j] += self.w[i] * r[j] * dy[i] / nf;
                    }
                }
                ch.solve_in_place(&mut b);
                b
            }
            _ => vec![0.0; p],
        };
        let resid: Vec<f64> = (0..n1).map(|i| dy[i] - dot(row(i), &beta)).collect();
        if method == CovariateMethod::Regression {
            return self.regression(dy, &resid);
        }
        let (mwt, mwc) = (self.mean_wt, self.mean_wc);
        let eta_t = (0..nt).map(|i| self.w_arm[i] * resid[i]).sum::<f64>() / nf / mwt;
        let eta_c = (nt..n1).map(|i| self.w_arm[i] * resid[i]).sum::<f64>() / nf / mwc;
        // M2 = mean(w_c (r − η_c) X); v = H M2 / mean(w_c); u = A⁻¹ (M1/mean(w_t) − M3/mean(w_c)).
        let mut m2 = vec![0.0; p];
        for i in nt..n1 {
            let r = row(i);
            let f = self.w_arm[i] * (resid[i] - eta_c) / nf;
            for j in 0..p {
                m2[j] += f * r[j];
            }
        }
        let v: Vec<f64> = (0..p).map(|j| (0..p).map(|k| self.hessian[j * p + k] * m2[k]).sum::<f64>() / mwc).collect();
        let u = match &self.gram_c {
            Some(ch) if method == CovariateMethod::DoublyRobust => {
                let mut u: Vec<f64> = (0..p).map(|j| self.m1[j] / mwt - self.m3[j] / mwc).collect();
                ch.solve_in_place(&mut u);
                u
            }
            _ => vec![0.0; p],
        };
        let inf = (0..n1)
            .map(|i| {
                let r = row(i);
                let score_ps = self.w[i] * (if i < nt { 1.0 } else { 0.0 } - self.ps[i]) * dot(r, &v);
                if i < nt {
                    self.w_arm[i] * (resid[i] - eta_t) / mwt - score_ps
                } else {
                    -self.w_arm[i] * (resid[i] - eta_c) / mwc - self.w[i] * resid[i] * dot(r, &u) - score_ps
                }
            })
            .collect();
        (eta_t - eta_c, inf)
    }

    /// `reg_did_panel`: the treated's mean change minus their predicted change.
    fn regression(&self, dy: &[f64], resid: &[f64]) -> (f64, Vec<f64>) {
        let (p, nt) = (self.p, self.n_treated);
        let n1 = self.units.len();
        let nf = n1 as f64;
        let mwt = self.mean_wt;
        let eta_t = (0..nt).map(|i| self.w_arm[i] * dy[i]).sum::<f64>() / nf / mwt;
        let eta_c = (0..nt).map(|i| self.w_arm[i] * (dy[i] - resid[i])).sum::<f64>() / nf / mwt;
        let mut u = self.m1.clone();
        if let Some(ch) = &self.gram_c {
            ch.solve_in_place(&mut u);
        }
        let inf = (0..n1)
            .map(|i| {
                let r = &self.x[i * p..(i + 1) * p];
                if i < nt {
                    let out = dy[i] - resid[i];
                    (self.w_arm[i] * (dy[i] - eta_t) - self.w_arm[i] * (out - eta_c)) / mwt
                } else {
                    -self.w[i] * resid[i] * dot(r, &u) / mwt
                }
            })
            .collect();
        (eta_t - eta_c, inf)
    }
}

/// `Σ_{i ∈ rows} f(i) x_i x_i'`, row-major `p × p`.
fn gram(x: &[f64], p: usize, rows: std::ops::Range<usize>, f: impl Fn(usize) -> f64) -> Vec<f64> {
    let mut g = vec![0.0; p * p];
    for i in rows {
        let r = &x[i * p..(i + 1) * p];
        let fi = f(i);
        for a in 0..p {
            let fa = fi * r[a];
            for b in 0..=a {
                g[a * p + b] += fa * r[b];
            }
        }
    }
    for a in 0..p {
        for b in 0..a {
            g[b * p + a] = g[a * p + b];
        }
    }
    g
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// The logistic function as statsmodels' logit link inverts it, `1 / (1 + e^{−η})`.
fn sigmoid(eta: f64) -> f64 {
    1.0 / (1.0 + (-eta).exp())
}

/// `Σ w [D η − log(1 + e^η)]`, computed without overflow.
fn log_likelihood(x: &[f64], p: usize, n_treated: usize, w: &[f64], beta: &[f64]) -> f64 {
    (0..w.len())
        .map(|i| {
            let eta = dot(&x[i * p..(i + 1) * p], beta);
            let log1pexp = eta.max(0.0) + (-eta.abs()).exp().ln_1p();
            w[i] * (if i < n_treated { eta } else { 0.0 } - log1pexp)
        })
        .sum()
}

/// Weighted logit of `D` (1 on the first `n_treated` rows) on `X` by Newton's method
/// with step halving, started from the weighted share of treated in the intercept.
/// Converged when no coefficient moves by more than 1e-10 on the scale of its column;
/// the step that passes the test is taken, so the result is the maximum of the
/// likelihood to rounding (Newton converges quadratically).
fn logit(x: &[f64], p: usize, n_treated: usize, w: &[f64]) -> Result<Vec<f64>, CellFault> {
    let n1 = w.len();
    let share = w[..n_treated].iter().sum::<f64>() / w.iter().sum::<f64>();
    let mut beta = vec![0.0; p];
    beta[0] = (share / (1.0 - share)).ln();
    let scale: Vec<f64> =
        (0..p).map(|j| (0..n1).map(|i| x[i * p + j].abs()).fold(0.0, f64::max).max(f64::MIN_POSITIVE)).collect();
    let mut ll = log_likelihood(x, p, n_treated, w, &beta);
    let mut max_score = 0.0;
    for _ in 0..MAX_ITERATIONS {
        let mut grad = vec![0.0; p];
        let mut info = vec![0.0; p * p];
        max_score = 0.0f64;
        for i in 0..n1 {
            let r = &x[i * p..(i + 1) * p];
            let mu = sigmoid(dot(r, &beta));
            max_score = max_score.max(mu);
            let resid = w[i] * ((if i < n_treated { 1.0 } else { 0.0 }) - mu);
            let h = w[i] * mu * (1.0 - mu);
            for a in 0..p {
                grad[a] += resid * r[a];
                for b in 0..=a {
                    info[a * p + b] += h * r[a] * r[b];
                }
            }
        }
        for a in 0..p {
            for b in 0..a {
                info[b * p + a] = info[a * p + b];
            }
        }
        let Some(ch) = Cholesky::new(&info, p) else {
            // The information vanishes only when the scores reach 0 or 1: separation.
            return Err(CellFault::Overlap(max_score));
        };
        ch.solve_in_place(&mut grad);
        let step = grad;
        let small = step.iter().zip(&scale).all(|(s, c)| (s * c).abs() <= 1e-10);
        let mut t = 1.0;
        let mut next: Vec<f64> = beta.iter().zip(&step).map(|(b, s)| b + s).collect();
        let mut next_ll = log_likelihood(x, p, n_treated, w, &next);
        // Halve a step that lowers the likelihood (beyond rounding).
        let mut halvings = 0;
        let worse = |v: f64| v.is_nan() || v < ll - 1e-12 * ll.abs();
        while !small && worse(next_ll) && halvings < 40 {
            t /= 2.0;
            next = beta.iter().zip(&step).map(|(b, s)| b + t * s).collect();
            next_ll = log_likelihood(x, p, n_treated, w, &next);
            halvings += 1;
        }
        beta = next;
        ll = next_ll;
        if small {
            return Ok(beta);
        }
    }
    if max_score >= OVERLAP_LIMIT {
        return Err(CellFault::Overlap(max_score));
    }
    Err(CellFault::NotConverged(MAX_ITERATIONS))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// With only an intercept, every method is the (weighted) difference of means, and
    /// its influence function the one the unconditional CS uses.
    #[test]
    fn intercept_only_is_the_difference_of_means() {
        let dy = [1.0, 2.5, 0.5, 0.2, -0.3, 0.9, 0.4];
        let w = [1.0, 2.0, 0.5, 1.5, 1.0, 3.0, 0.7];
        let (treated, controls) = ([0, 1, 2], [3, 4, 5, 6]);
        let one = [1.0];
        let (wg, wc) = (3.5, 6.2);
        let mg = (1.0 + 5.0 + 0.25) / wg;
        let mc = (0.3 - 0.3 + 2.7 + 0.28) / wc;
        for method in [CovariateMethod::DoublyRobust, CovariateMethod::Regression, CovariateMethod::Ipw] {
            let nu = Nuisance::new(&treated, &controls, 1, |_| &one, |s| w[s], method).expect("fit");
            let (att, inf) = nu.estimate(&dy, method);
            assert!((att - (mg - mc)).abs() < 1e-14, "{method:?}: {att}");
            for i in 0..7 {
                let expected = if i < 3 { 7.0 * w[i] / wg * (dy[i] - mg) } else { -7.0 * w[i] / wc * (dy[i] - mc) };
                assert!((inf[i] - expected).abs() < 1e-13, "{method:?} {i}: {} vs {expected}", inf[i]);
            }
        }
    }

    /// The logit reaches the maximum of the likelihood: its score is zero.
    #[test]
    fn the_logit_solves_its_score_equations() {
        let x: Vec<f64> = (0..40).flat_map(|i| [1.0, (i as f64 * 0.37).sin() * 2.0]).collect();
        let w: Vec<f64> = (0..40).map(|i| 0.5 + (i % 3) as f64).collect();
        let n_treated = 15;
        let beta = logit(&x, 2, n_treated, &w).expect("converges");
        for j in 0..2 {
            let score: f64 = (0..40)
                .map(|i| {
                    let d = if i < n_treated { 1.0 } else { 0.0 };
                    w[i] * (d - sigmoid(x[2 * i] * beta[0] + x[2 * i + 1] * beta[1])) * x[2 * i + j]
                })
                .sum();
            assert!(score.abs() < 1e-12, "{score}");
        }
    }
}
