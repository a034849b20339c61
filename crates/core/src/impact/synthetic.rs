//! Synthetic control for one treated unit (Abadie, Diamond & Hainmueller 2010), with
//! its placebo distribution among the donors as inference.
//!
//! The treated unit's outcome before adoption is reproduced by a weighted average of
//! donors, the weights on the simplex (`w ≥ 0`, `Σ w = 1`) minimising
//!
//! ```text
//! (1/T₀) Σ_t (x₁ₜ − Σ_j w_j x_jt)²  +  λ Σ_j w_j (1/T₀) Σ_t (x₁ₜ − x_jt)²
//! ```
//!
//! over the `T₀` pre-adoption years the treated unit is observed. The second term is
//! the penalty of Abadie & L'Hour (2021): with few pre-years many weight vectors fit
//! equally well, and a small `λ` prefers the donors nearest the treated unit (it also
//! makes the choice unique in practice); `λ = 0` is the original estimator. Outcomes
//! are divided by the treated unit's mean pre-adoption level before fitting, so that
//! `λ` and the tolerances do not depend on the unit's size.
//!
//! The fit is sequential minimal optimisation over pairs of donors (see
//! [`simplex_least_squares`]), certified within a tolerance of the minimum; donors are
//! few (the nearest neighbours), so a fit costs microseconds.
//!
//! Inference: the same fit for each donor in turn, the others as its donors (the
//! treated unit left out). The treated unit's ratio of post- to pre-adoption root mean
//! squared prediction error (RMSPE) is ranked among the donors' ratios; its rank over
//! the number of units is a permutation p-value (Abadie, Diamond & Hainmueller 2010,
//! §2.4): the share of units whose gap after adoption is, relative to their fit
//! before, at least as large as the treated unit's.
//!
//! Nothing here panics on input: every reason the data cannot answer is a
//! [`SyntheticFault`].

use serde::{Deserialize, Serialize};

/// A unit's outcome in each year of the panel (`None`: not observed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitSeries {
    pub id: String,
    pub values: Vec<Option<f64>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SyntheticOptions {
    /// λ of the penalty towards near donors (≥ 0; 0: the original estimator).
    pub penalty: f64,
    /// Fewest pre-adoption years with a treated value accepted.
    pub min_pre_years: usize,
    /// Run the placebo fits (one per donor).
    pub placebo: bool,
    pub max_iterations: usize,
    /// The fit stops once its objective (on outcomes divided by the treated unit's
    /// pre-adoption mean) is provably within this of its minimum.
    pub tolerance: f64,
}

impl Default for SyntheticOptions {
    fn default() -> Self {
        SyntheticOptions { penalty: 0.01, min_pre_years: 2, placebo: true, max_iterations: 100_000, tolerance: 1e-10 }
    }
}

/// Why a synthetic control cannot be computed from the data given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum SyntheticFault {
    #[error("the years are not strictly increasing")]
    YearsNotSorted,
    #[error("unit `{unit}` has {found} values for {expected} years")]
    LengthMismatch { unit: String, found: usize, expected: usize },
    #[error("unit `{unit}`, year {year}: the outcome is not a finite number")]
    NonFinite { unit: String, year: i32 },
    #[error("invalid option: {reason}")]
    InvalidOption { reason: String },
    #[error("adoption in {adoption_year}: no observed year before it")]
    NoPreYear { adoption_year: i32 },
    #[error("adoption in {adoption_year}: {observed} observed year(s) before it, at least {needed} needed")]
    TooFewPreYears { adoption_year: i32, observed: usize, needed: usize },
    #[error("adoption in {adoption_year}: no observed year from it on")]
    NoPostYear { adoption_year: i32 },
    #[error("no donor is observed in every pre-adoption year")]
    NoDonors,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DonorWeight {
    pub id: String,
    pub weight: f64,
}

/// One year of the trajectory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrajectoryPoint {
    pub year: i32,
    pub post: bool,
    pub treated: Option<f64>,
    /// The synthetic control: `Σ w_j x_jt` when every donor with a weight is observed.
    pub synthetic: Option<f64>,
    /// `treated − synthetic`.
    pub gap: Option<f64>,
    /// The plain mean of the donors observed that year (the matched neighbours).
    pub donor_mean: Option<f64>,
}

/// The placebo distribution: the same fit for each donor, the others as its donors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticPlacebo {
    /// Donors whose placebo fit could be computed (observed after adoption).
    pub placebos: usize,
    /// Units (the treated one included) whose post/pre RMSPE ratio is at least the
    /// treated unit's.
    pub rank: usize,
    /// `rank / (placebos + 1)`: a permutation p-value, the smallest possible being
    /// `1 / (placebos + 1)`.
    pub p_value: f64,
    /// The donors' ratios, ascending.
    pub ratios: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SyntheticControl {
    pub adoption_year: i32,
    pub points: Vec<TrajectoryPoint>,
    /// Donors with a weight above 10⁻⁶, heaviest first (weights renormalised to 1).
    pub weights: Vec<DonorWeight>,
    /// Donors offered (observed in every pre-adoption year).
    pub donors: usize,
    /// Donors left out for a missing pre-adoption value.
    pub donors_left_out: usize,
    pub pre_years: usize,
    pub pre_rmspe: f64,
    /// The mean pre-adoption level of the treated unit (the scale of the RMSPE).
    pub pre_mean: f64,
    pub post_rmspe: Option<f64>,
    /// `post_rmspe / pre_rmspe` (the pre-RMSPE floored at 10⁻⁶ of the pre-mean).
    pub ratio: Option<f64>,
    pub placebo: Option<SyntheticPlacebo>,
}

/// The synthetic control of `treated`, adopting in `adoption_year`, from `donors`, all
/// observed in `years` (strictly increasing).
pub fn synthetic_control(
    years: &[i32],
    treated: &UnitSeries,
    adoption_year: i32,
    donors: &[UnitSeries],
    options: &SyntheticOptions,
) -> Result<SyntheticControl, SyntheticFault> {
    if years.windows(2).any(|w| w[0] >= w[1]) {
        return Err(SyntheticFault::YearsNotSorted);
    }
    if !options.penalty.is_finite() || options.penalty < 0.0 {
        return Err(SyntheticFault::InvalidOption { reason: "penalty must be a finite number ≥ 0".into() });
    }
    if !options.tolerance.is_finite() || options.tolerance <= 0.0 {
        return Err(SyntheticFault::InvalidOption { reason: "tolerance must be a finite number > 0".into() });
    }
    for u in std::iter::once(treated).chain(donors) {
        check(years, u)?;
    }
    let pre: Vec<usize> =
        (0..years.len()).filter(|&t| years[t] < adoption_year && treated.values[t].is_some()).collect();
    let post: Vec<usize> =
        (0..years.len()).filter(|&t| years[t] >= adoption_year && treated.values[t].is_some()).collect();
    if pre.is_empty() {
        return Err(SyntheticFault::NoPreYear { adoption_year });
    }
    let needed = options.min_pre_years.max(1);
    if pre.len() < needed {
        return Err(SyntheticFault::TooFewPreYears { adoption_year, observed: pre.len(), needed });
    }
    if post.is_empty() {
        return Err(SyntheticFault::NoPostYear { adoption_year });
    }
    let pool: Vec<&UnitSeries> = donors.iter().filter(|d| pre.iter().all(|&t| d.values[t].is_some())).collect();
    if pool.is_empty() {
        return Err(SyntheticFault::NoDonors);
    }
    let fit = fit_unit(treated, &pool, &pre, &post, options);
    let placebo = if options.placebo && pool.len() > 1 {
        let mut ratios = Vec::with_capacity(pool.len());
        for (j, d) in pool.iter().enumerate() {
            let others: Vec<&UnitSeries> = pool.iter().enumerate().filter(|&(i, _)| i != j).map(|(_, u)| *u).collect();
            let d_post: Vec<usize> = post.iter().copied().filter(|&t| d.values[t].is_some()).collect();
            if let Some(r) = fit_unit(d, &others, &pre, &d_post, options).ratio {
                ratios.push(r);
            }
        }
        ratios.sort_by(f64::total_cmp);
        fit.ratio.filter(|_| !ratios.is_empty()).map(|own| {
            // Ties count against the treated unit (the conservative p-value).
            let rank = 1 + ratios.iter().filter(|&&r| r >= own * (1.0 - 1e-12)).count();
            SyntheticPlacebo { placebos: ratios.len(), rank, p_value: rank as f64 / (ratios.len() + 1) as f64, ratios }
        })
    } else {
        None
    };
    let mut weights: Vec<DonorWeight> = pool
        .iter()
        .zip(&fit.weights)
        .filter(|(_, w)| **w > 1e-6)
        .map(|(d, w)| DonorWeight { id: d.id.clone(), weight: *w })
        .collect();
    let total: f64 = weights.iter().map(|w| w.weight).sum();
    if total > 0.0 {
        weights.iter_mut().for_each(|w| w.weight /= total);
    }
    weights.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.id.cmp(&b.id)));
    let points = (0..years.len())
        .map(|t| {
            let synthetic = synthetic_at(&pool, &fit.weights, t);
            let observed: Vec<f64> = pool.iter().filter_map(|d| d.values[t]).collect();
            let own = treated.values[t];
            TrajectoryPoint {
                year: years[t],
                post: years[t] >= adoption_year,
                treated: own,
                synthetic,
                gap: own.zip(synthetic).map(|(a, b)| a - b),
                donor_mean: (!observed.is_empty()).then(|| observed.iter().sum::<f64>() / observed.len() as f64),
            }
        })
        .collect();
    Ok(SyntheticControl {
        adoption_year,
        points,
        weights,
        donors: pool.len(),
        donors_left_out: donors.len() - pool.len(),
        pre_years: pre.len(),
        pre_rmspe: fit.pre_rmspe,
        pre_mean: fit.scale,
        post_rmspe: fit.post_rmspe,
        ratio: fit.ratio,
        placebo,
    })
}

fn check(years: &[i32], u: &UnitSeries) -> Result<(), SyntheticFault> {
    if u.values.len() != years.len() {
        return Err(SyntheticFault::LengthMismatch {
            unit: u.id.clone(),
            found: u.values.len(),
            expected: years.len(),
        });
    }
    for (t, v) in u.values.iter().enumerate() {
        if v.is_some_and(|v| !v.is_finite()) {
            return Err(SyntheticFault::NonFinite { unit: u.id.clone(), year: years[t] });
        }
    }
    Ok(())
}

/// `Σ w_j x_jt` if every donor with a weight is observed in year `t`.
fn synthetic_at(pool: &[&UnitSeries], weights: &[f64], t: usize) -> Option<f64> {
    let mut s = 0.0;
    for (d, &w) in pool.iter().zip(weights) {
        if w > 1e-12 {
            s += w * d.values[t]?;
        }
    }
    Some(s)
}

struct Fit {
    weights: Vec<f64>,
    scale: f64,
    pre_rmspe: f64,
    post_rmspe: Option<f64>,
    ratio: Option<f64>,
}

/// Fits `unit` on `pool` over the years `pre` (all observed for every unit there), and
/// measures its gap over the years `post` where it and its synthetic are observed.
fn fit_unit(unit: &UnitSeries, pool: &[&UnitSeries], pre: &[usize], post: &[usize], o: &SyntheticOptions) -> Fit {
    let value = |u: &UnitSeries, t: usize| u.values[t].unwrap_or(0.0);
    let mean = pre.iter().map(|&t| value(unit, t)).sum::<f64>() / pre.len() as f64;
    let scale = if mean.abs() > 0.0 { mean.abs() } else { 1.0 };
    let x1: Vec<f64> = pre.iter().map(|&t| value(unit, t) / scale).collect();
    let x0: Vec<Vec<f64>> = pool.iter().map(|d| pre.iter().map(|&t| value(d, t) / scale).collect()).collect();
    let weights = simplex_least_squares(&x1, &x0, o.penalty, o.max_iterations, o.tolerance);
    let rmspe = |years: &[usize]| {
        let gaps: Vec<f64> =
            years.iter().filter_map(|&t| Some(unit.values[t]? - synthetic_at(pool, &weights, t)?)).collect();
        (!gaps.is_empty()).then(|| (gaps.iter().map(|g| g * g).sum::<f64>() / gaps.len() as f64).sqrt())
    };
    let pre_rmspe = rmspe(pre).unwrap_or(0.0);
    let post_rmspe = rmspe(post);
    let ratio = post_rmspe.map(|p| p / pre_rmspe.max(1e-6 * scale));
    Fit { weights, scale, pre_rmspe, post_rmspe, ratio }
}

/// The weights on the simplex minimising `(1/T)‖x₁ − X₀w‖² + λ Σ_j w_j (1/T)‖x₁ − x_j‖²`,
/// `x0[j]` the donor `j`'s `T` values, to within `tol` of the minimum.
///
/// Sequential minimal optimisation with the maximal violating pair (as for support
/// vector machines; Keerthi & Gilbert 2002): each step moves weight from the donor
/// with the largest gradient among those with a weight to the one with the smallest,
/// by the exact minimiser along that direction, and updates the gradient in `O(J)`.
/// It stops when the largest gradient among weighted donors exceeds the smallest by at
/// most `tol`: that difference bounds the Frank–Wolfe gap, hence `f(w) − f*`.
pub fn simplex_least_squares(x1: &[f64], x0: &[Vec<f64>], penalty: f64, max_iterations: usize, tol: f64) -> Vec<f64> {
    let j = x0.len();
    if j == 0 {
        return Vec::new();
    }
    let t = x1.len().max(1) as f64;
    let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
    // On the simplex `x₁ − X₀w = −Σ_j w_j (x_j − x₁)`: working on the differences
    // removes the level all donors share, so the Gram matrix is well scaled.
    let d: Vec<Vec<f64>> = x0.iter().map(|x| x.iter().zip(x1).map(|(a, b)| a - b).collect()).collect();
    let mut h = vec![0.0; j * j];
    for (a, da) in d.iter().enumerate() {
        for (b, db) in d.iter().enumerate().skip(a) {
            let v = dot(da, db) / t;
            h[a * j + b] = v;
            h[b * j + a] = v;
        }
    }
    // f(w) = w'Hw + λ c'w, c_j the donor's mean squared distance to the treated unit.
    let lin: Vec<f64> = d.iter().map(|x| penalty * dot(x, x) / t).collect();
    let mut w = vec![1.0 / j as f64; j];
    let mut g: Vec<f64> = h.chunks(j).zip(&lin).map(|(row, l)| 2.0 * dot(row, &w) + l).collect();
    for _ in 0..max_iterations {
        let Some(up) = (0..j).min_by(|&a, &b| g[a].total_cmp(&g[b])) else { break };
        let Some(down) = (0..j).filter(|&a| w[a] > 0.0).max_by(|&a, &b| g[a].total_cmp(&g[b])) else { break };
        let violation = g[down] - g[up];
        // NaN (a non-finite input) stops too.
        if violation.is_nan() || violation <= tol || up == down {
            break;
        }
        // f(w + δ(e_up − e_down)) = f(w) − δ·violation + δ²·curvature.
        let curvature = h[up * j + up] + h[down * j + down] - 2.0 * h[up * j + down];
        let step = if curvature > 0.0 { (violation / (2.0 * curvature)).min(w[down]) } else { w[down] };
        if step.is_nan() || step <= 0.0 {
            break;
        }
        w[up] += step;
        w[down] = if step >= w[down] { 0.0 } else { w[down] - step };
        for (k, gk) in g.iter_mut().enumerate() {
            *gk += 2.0 * step * (h[k * j + up] - h[k * j + down]);
        }
    }
    w
}

#[cfg(test)]
#[path = "synthetic_tests.rs"]
mod tests;
