//! The wild cluster restricted bootstrap (WCR) for the static TWFE coefficient, when
//! standard errors must be clustered at a coarse level with few clusters (départements,
//! régions): Cameron, Gelbach & Miller (2008), MacKinnon & Webb (2017), Roodman,
//! MacKinnon, Nielsen & Webb (2019, "boottest").
//!
//! The regression is [`super::twfe`]'s static one, `y_it = α_i + λ_t + β·D_it + ε_it`,
//! weighted by the panel's unit weights if any; clusters are given per unit. Under
//! `H0: β = β0` the bootstrap samples are `y* = β0·D + Zθ̃ + v_g·ü` (restricted fit `Zθ̃`,
//! restricted residuals `ü`, one weight `v_g` per cluster), each is re-estimated with its
//! fixed effects, and its CR1 `t*` is compared with the sample's `t`.
//!
//! Nothing is re-solved per draw. With `ỹ`, `D̃` the outcome and the dummy after the
//! fixed effects are partialled out once (weighted), `ü = ỹ − β0·D̃`, and since clusters
//! hold whole units:
//!
//! - `β̂* − β0 = Σ_g v_g S_g / A` with `S_g = Σ_{i∈g} ω D̃ ü` and `A = Σ ω D̃²`;
//! - a cluster's bootstrap score is `Σ_{i∈g} ω D̃ [M_Z(v∘ü)]_i − (β̂* − β0)·Σ_{i∈g} ω D̃²`,
//!   and `Σ_{i∈g} ω D̃ [Zθ(x)]_i = Q_g·λ(x)`: the unit effects drop out (`D̃` sums to zero
//!   within a unit), `Q_g` is the cluster's per-year sum of `ω D̃`, and the year effects
//!   of `x = v∘ü` are `λ = K·Σ_h v_h r_h` with `r_h` cluster `h`'s per-year sums of
//!   `ω ü` and `K` the `T × T` map of the year block (the unit sums of `ü` are zero).
//!
//! Every quantity is linear in `β0`, so a draw reduces to five numbers and its `t*(β0)`
//! is a ratio of a linear function to the root of a quadratic: `O(G·T)` per draw once,
//! then `O(1)` per draw for every null value tried by the interval's bisection.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::fe::TwoWayFe;
use super::result::Z_95;
use super::rng::Rng;
use super::{ImpactError, Panel};

/// The most bootstrap draws accepted.
pub const MAX_WILD_DRAWS: usize = 1 << 20;
/// With [`WildWeights::Auto`], Webb's six-point weights at or below this many clusters
/// (Rademacher weights give only `2^G` distinct samples), Rademacher above.
pub const WEBB_MAX_CLUSTERS: usize = 12;
/// The interval's bounds are located to this fraction of the standard error.
pub const CI_TOLERANCE: f64 = 1e-9;
/// Level of the test inverted into the interval (95 % interval).
const ALPHA: f64 = 0.05;
/// A sample counts as more extreme than the data only when `|t*|` exceeds `|t|` by more
/// than this relative margin: samples whose weights are all equal (`c·1`) reproduce
/// `|t|` exactly in theory and must not be counted on a rounding error. (The all-ones
/// sample is computed through the very same arithmetic as `t`, so it ties exactly.)
const TIE_TOLERANCE: f64 = 1e-10;

/// The distribution of the cluster weights `v_g`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WildWeights {
    /// Webb with at most [`WEBB_MAX_CLUSTERS`] clusters, Rademacher otherwise.
    #[default]
    Auto,
    /// ±1 with probability 1/2.
    Rademacher,
    /// ±√(1/2), ±1, ±√(3/2), each with probability 1/6 (Webb 2014).
    Webb,
}

impl WildWeights {
    fn support(self) -> &'static [f64] {
        const RADEMACHER: [f64; 2] = [-1.0, 1.0];
        const WEBB: [f64; 6] = [
            -1.224_744_871_391_589, // −√(3/2)
            -1.0,
            -std::f64::consts::FRAC_1_SQRT_2,
            std::f64::consts::FRAC_1_SQRT_2,
            1.0,
            1.224_744_871_391_589,
        ];
        match self {
            WildWeights::Webb => &WEBB,
            _ => &RADEMACHER,
        }
    }
}

/// How many samples to draw, from which distribution, with which seed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WildOptions {
    /// Bootstrap samples (1 to [`MAX_WILD_DRAWS`]). When the weight distribution has
    /// `k` points and `k^G ≤ draws`, every one of the `k^G` weight vectors is taken
    /// once instead (full enumeration, deterministic).
    pub draws: usize,
    pub seed: u64,
    pub weights: WildWeights,
}

impl Default for WildOptions {
    fn default() -> Self {
        WildOptions { draws: 999, seed: 1, weights: WildWeights::Auto }
    }
}

/// The cluster-robust inference on the static TWFE coefficient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WildBootstrap {
    /// The static TWFE coefficient (the same as [`super::twfe`]'s).
    pub estimate: f64,
    /// CR1 standard error clustered at the given level:
    /// `G/(G−1)·(N−1)/(N−K)`, `K` = 1 + year effects (unit effects are nested).
    pub std_error: f64,
    /// `estimate / std_error`.
    pub t_stat: f64,
    /// Symmetric two-sided WCR p-value of `H0: β = 0`: the share of samples with
    /// `|t*| > |t|` (ties, such as the all-ones weight vector, do not count; a relative
    /// margin of 1e-10 keeps rounding from counting them).
    pub p_value: f64,
    /// 95 % interval by inverting the WCR test (the null values whose p-value is at
    /// least 0.05); `None` when a side is not bounded within 2⁶⁰ standard errors.
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    /// Bounds are located to this distance (a fraction [`CI_TOLERANCE`] of the SE).
    pub ci_tolerance: f64,
    pub n_clusters: usize,
    /// Clusters with at least one treated observation.
    pub n_treated_clusters: usize,
    pub n_obs: usize,
    /// Samples used (`k^G` when enumerated).
    pub draws: usize,
    /// The distribution used (`rademacher` or `webb`, never `auto`).
    pub weights: WildWeights,
    pub enumerated: bool,
    /// The seed of random draws (`None` when enumerated).
    pub seed: Option<u64>,
}

/// One bootstrap sample reduced to what `t*(β0)` needs:
/// `t*(β0) ∝ (a_y − β0·a_d) / sqrt(pp − 2β0·pq + β0²·qq)` (the factor `A/√c` is common
/// to every sample and to the observed statistic, so it is left out).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sample {
    a_y: f64,
    a_d: f64,
    pp: f64,
    pq: f64,
    qq: f64,
}

impl Sample {
    /// `t*(β0)` up to the common positive factor `A/√c` (the tests compare it with a
    /// dense re-estimation).
    #[cfg(test)]
    pub(crate) fn scaled_t(&self, b0: f64) -> f64 {
        (self.a_y - b0 * self.a_d) / (self.pp - 2.0 * b0 * self.pq + b0 * b0 * self.qq).max(0.0).sqrt()
    }

    fn abs_t(&self, b0: f64) -> f64 {
        let num = self.a_y - b0 * self.a_d;
        let den = (self.pp - 2.0 * b0 * self.pq + b0 * b0 * self.qq).max(0.0).sqrt();
        if den > 0.0 {
            (num / den).abs()
        } else if num == 0.0 {
            0.0
        } else {
            f64::INFINITY
        }
    }
}

/// The per-cluster sums the draws combine.
struct Sums {
    n_clusters: usize,
    t_n: usize,
    a: f64,
    /// `Σ ω D̃ ỹ`, `Σ ω D̃²` per cluster.
    sy: Vec<f64>,
    sd: Vec<f64>,
    /// Per cluster and year: `Σ ω ỹ`, `Σ ω D̃` (= `Q_g`), and `W_g = K'Q_g`.
    ry: Vec<f64>,
    rd: Vec<f64>,
    w: Vec<f64>,
}

impl Sums {
    fn sample(&self, v: &[f64], ry_star: &mut [f64], rd_star: &mut [f64]) -> Sample {
        let t_n = self.t_n;
        ry_star.iter_mut().for_each(|x| *x = 0.0);
        rd_star.iter_mut().for_each(|x| *x = 0.0);
        let (mut num_y, mut num_d) = (0.0, 0.0);
        for (g, vg) in v.iter().enumerate() {
            num_y += vg * self.sy[g];
            num_d += vg * self.sd[g];
            let row = g * t_n..(g + 1) * t_n;
            ry_star.iter_mut().zip(&self.ry[row.clone()]).for_each(|(s, r)| *s += vg * r);
            rd_star.iter_mut().zip(&self.rd[row]).for_each(|(s, r)| *s += vg * r);
        }
        let (a_y, a_d) = (num_y / self.a, num_d / self.a);
        let (mut pp, mut pq, mut qq) = (0.0, 0.0, 0.0);
        for (g, vg) in v.iter().enumerate() {
            let w = &self.w[g * t_n..(g + 1) * t_n];
            let wy: f64 = w.iter().zip(ry_star.iter()).map(|(a, b)| a * b).sum();
            let wd: f64 = w.iter().zip(rd_star.iter()).map(|(a, b)| a * b).sum();
            let p = vg * self.sy[g] - wy - a_y * self.sd[g];
            let q = vg * self.sd[g] - wd - a_d * self.sd[g];
            pp += p * p;
            pq += p * q;
            qq += q * q;
        }
        Sample { a_y, a_d, pp, pq, qq }
    }
}

/// The bootstrap distribution, ready to be evaluated at any null value.
pub(crate) struct Distribution {
    pub(crate) observed: Sample,
    pub(crate) samples: Vec<Sample>,
}

impl Distribution {
    /// Share of samples with `|t*(β0)| > |t(β0)|` (beyond [`TIE_TOLERANCE`]).
    pub(crate) fn p_value(&self, b0: f64) -> f64 {
        let t = self.observed.abs_t(b0) * (1.0 + TIE_TOLERANCE);
        let above = self.samples.iter().filter(|s| s.abs_t(b0) > t).count();
        above as f64 / self.samples.len().max(1) as f64
    }

    /// The bound of the 95 % interval on the side `direction` (±1) of `estimate`:
    /// expand until a null value is rejected, scan 32 points from the estimate to it,
    /// bisect between the outermost accepted point and the next one.
    fn bound(&self, estimate: f64, se: f64, direction: f64) -> Option<f64> {
        let rejected = |b0: f64| self.p_value(b0) < ALPHA;
        let mut reach = 2.0 * Z_95 * se;
        let mut found = false;
        for _ in 0..60 {
            if rejected(estimate + direction * reach) {
                found = true;
                break;
            }
            reach *= 2.0;
        }
        if !found {
            return None;
        }
        const STEPS: usize = 32;
        let step = reach / STEPS as f64;
        let last_accepted = (0..STEPS).rev().find(|j| !rejected(estimate + direction * step * *j as f64)).unwrap_or(0);
        let (mut inside, mut outside) = (step * last_accepted as f64, step * (last_accepted + 1) as f64);
        let tol = CI_TOLERANCE * se;
        while outside - inside > tol {
            let mid = 0.5 * (inside + outside);
            if mid <= inside || mid >= outside {
                break;
            }
            if rejected(estimate + direction * mid) {
                outside = mid;
            } else {
                inside = mid;
            }
        }
        Some(estimate + direction * 0.5 * (inside + outside))
    }
}

/// The WCR bootstrap of the static TWFE coefficient with clusters given per unit as
/// `(unit label, cluster label)` pairs (pairs for units not in the panel are ignored;
/// every unit of the panel needs exactly one cluster).
pub fn wild_cluster_bootstrap<I, U, C>(
    panel: &Panel,
    clusters: I,
    options: &WildOptions,
) -> Result<WildBootstrap, ImpactError>
where
    I: IntoIterator<Item = (U, C)>,
    U: AsRef<str>,
    C: AsRef<str>,
{
    panel.refuse_covariates("the wild cluster bootstrap (a TWFE regression)")?;
    let p = prepare(panel, clusters, options)?;
    let dist = &p.dist;
    Ok(WildBootstrap {
        estimate: p.estimate,
        std_error: p.std_error,
        t_stat: p.estimate / p.std_error,
        p_value: dist.p_value(0.0),
        ci_low: dist.bound(p.estimate, p.std_error, -1.0),
        ci_high: dist.bound(p.estimate, p.std_error, 1.0),
        ci_tolerance: CI_TOLERANCE * p.std_error,
        n_clusters: p.n_clusters,
        n_treated_clusters: p.n_treated_clusters,
        n_obs: p.n_obs,
        draws: dist.samples.len(),
        weights: p.weights,
        enumerated: p.enumerated,
        seed: (!p.enumerated).then_some(options.seed),
    })
}

/// The fit, its clustered standard error and the bootstrap distribution.
pub(crate) struct Prepared {
    pub(crate) estimate: f64,
    pub(crate) std_error: f64,
    /// The CR1 factor and `A = Σ ω D̃²`: `t*(β0) = A/√c · (a_y − β0·a_d)/√(quadratic)`.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) ssc: f64,
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) a: f64,
    n_clusters: usize,
    n_treated_clusters: usize,
    n_obs: usize,
    weights: WildWeights,
    enumerated: bool,
    pub(crate) dist: Distribution,
}

pub(crate) fn prepare<I, U, C>(panel: &Panel, clusters: I, options: &WildOptions) -> Result<Prepared, ImpactError>
where
    I: IntoIterator<Item = (U, C)>,
    U: AsRef<str>,
    C: AsRef<str>,
{
    if options.draws == 0 || options.draws > MAX_WILD_DRAWS {
        return Err(ImpactError::InvalidParameter(format!("wild bootstrap draws must lie in 1..={MAX_WILD_DRAWS}")));
    }
    let (cluster_of, n_clusters) = assign_clusters(panel, clusters)?;
    if n_clusters < 2 {
        return Err(ImpactError::TooFewClusters { clusters: n_clusters });
    }
    let (n_units, t_n) = (panel.n_units(), panel.n_years());
    let grid = panel.grid();
    let mask: Vec<bool> = grid.iter().map(|v| !v.is_nan()).collect();
    let y: Vec<f64> = grid.iter().map(|v| if v.is_nan() { 0.0 } else { *v }).collect();
    let d: Vec<f64> = (0..n_units * t_n).map(|c| f64::from(u8::from(panel.is_treated(c / t_n, c % t_n)))).collect();
    let n_obs = mask.iter().filter(|m| **m).count();
    let mut treated_cluster = vec![false; n_clusters];
    for (c, x) in d.iter().enumerate() {
        if *x > 0.0 && mask[c] {
            treated_cluster[cluster_of[c / t_n]] = true;
        }
    }
    let n_treated_clusters = treated_cluster.iter().filter(|t| **t).count();
    if n_treated_clusters == 0 {
        return Err(ImpactError::NoTreatedUnits("no observation is treated, so no cluster is".into()));
    }
    let fe = TwoWayFe::weighted(n_units, t_n, mask, panel.unit_weights())?;
    let yt = partial_out(&fe, &y, t_n);
    let dt = partial_out(&fe, &d, t_n);

    let mut sums = Sums {
        n_clusters,
        t_n,
        a: 0.0,
        sy: vec![0.0; n_clusters],
        sd: vec![0.0; n_clusters],
        ry: vec![0.0; n_clusters * t_n],
        rd: vec![0.0; n_clusters * t_n],
        w: vec![0.0; n_clusters * t_n],
    };
    let mut d_mass = 0.0;
    for u in 0..n_units {
        let (g, om) = (cluster_of[u], fe.weight(u));
        for (t, m) in fe.mask_row(u).iter().enumerate() {
            if *m {
                let (yc, dc) = (yt[u * t_n + t], dt[u * t_n + t]);
                sums.sy[g] += om * dc * yc;
                sums.sd[g] += om * dc * dc;
                sums.ry[g * t_n + t] += om * yc;
                sums.rd[g * t_n + t] += om * dc;
                d_mass += om * d[u * t_n + t];
            }
        }
    }
    sums.a = sums.sd.iter().sum();
    if sums.a.is_nan() || sums.a <= 1e-10 * d_mass {
        return Err(ImpactError::NotIdentified(
            "the treatment dummy is collinear with the unit and year effects".into(),
        ));
    }
    let estimate = sums.sy.iter().sum::<f64>() / sums.a;
    let meat: f64 = sums.sy.iter().zip(&sums.sd).map(|(sy, sd)| (sy - estimate * sd).powi(2)).sum();
    let years_with_data = (0..t_n).filter(|t| fe.year_count(*t) > 0.0).count();
    let (n, g, k) = (n_obs as f64, n_clusters as f64, (1 + years_with_data) as f64);
    if n <= k {
        return Err(ImpactError::NotIdentified("too few observations for a clustered variance".into()));
    }
    let ssc = g / (g - 1.0) * (n - 1.0) / (n - k);
    let std_error = (ssc * meat).sqrt() / sums.a;
    // An exact fit leaves residuals of rounding size only: no variance to speak of.
    let (mut rss, mut tss) = (0.0, 0.0);
    for (c, (yc, dc)) in yt.iter().zip(&dt).enumerate() {
        let om = fe.weight(c / t_n);
        rss += om * (yc - estimate * dc).powi(2);
        tss += om * y[c] * y[c];
    }
    if !std_error.is_finite() || std_error <= 0.0 || rss.is_nan() || rss <= 1e-24 * tss {
        return Err(ImpactError::NotIdentified(
            "the residuals are zero or not finite: there is nothing to bootstrap".into(),
        ));
    }
    // K: the year effects of a right-hand side made of per-year sums only.
    let zeros = vec![0.0; fe.n_classes()];
    let mut unit_rhs = vec![0.0; t_n];
    let mut big_k = vec![0.0; t_n * t_n]; // column s at [t * T + s]
    for s in 0..t_n {
        unit_rhs.iter_mut().enumerate().for_each(|(t, x)| *x = f64::from(u8::from(t == s)));
        for (t, l) in fe.solve_years_by_class(&zeros, &unit_rhs).iter().enumerate() {
            big_k[t * t_n + s] = *l;
        }
    }
    for c in 0..n_clusters {
        for s in 0..t_n {
            sums.w[c * t_n + s] = (0..t_n).map(|t| sums.rd[c * t_n + t] * big_k[t * t_n + s]).sum();
        }
    }
    let (weights, enumerated, samples) = draw(&sums, options)?;
    let mut ry_star = vec![0.0; t_n];
    let mut rd_star = vec![0.0; t_n];
    let observed = sums.sample(&vec![1.0; n_clusters], &mut ry_star, &mut rd_star);
    Ok(Prepared {
        estimate,
        std_error,
        ssc,
        a: sums.a,
        n_clusters,
        n_treated_clusters,
        n_obs,
        weights,
        enumerated,
        dist: Distribution { observed, samples },
    })
}

/// Every bootstrap sample: the full enumeration when it fits in `draws`, else `draws`
/// seeded random weight vectors.
fn draw(sums: &Sums, options: &WildOptions) -> Result<(WildWeights, bool, Vec<Sample>), ImpactError> {
    let g_n = sums.n_clusters;
    let weights = match options.weights {
        WildWeights::Auto if g_n <= WEBB_MAX_CLUSTERS => WildWeights::Webb,
        WildWeights::Auto => WildWeights::Rademacher,
        w => w,
    };
    let support = weights.support();
    let k = support.len();
    let combinations = u32::try_from(g_n).ok().and_then(|g| k.checked_pow(g)).filter(|c| *c <= options.draws);
    let mut v = vec![0.0; g_n];
    let mut ry_star = vec![0.0; sums.t_n];
    let mut rd_star = vec![0.0; sums.t_n];
    let mut samples = Vec::with_capacity(combinations.unwrap_or(options.draws));
    if let Some(total) = combinations {
        let mut digits = vec![0usize; g_n];
        for _ in 0..total {
            v.iter_mut().zip(&digits).for_each(|(x, d)| *x = support[*d]);
            samples.push(sums.sample(&v, &mut ry_star, &mut rd_star));
            for d in digits.iter_mut() {
                *d += 1;
                if *d < k {
                    break;
                }
                *d = 0;
            }
        }
        return Ok((weights, true, samples));
    }
    let mut rng = Rng::new(options.seed);
    for _ in 0..options.draws {
        match weights {
            WildWeights::Webb => v.iter_mut().for_each(|x| *x = support[rng.below(6) as usize]),
            _ => {
                for chunk in v.chunks_mut(64) {
                    let bits = rng.next_u64();
                    chunk.iter_mut().enumerate().for_each(|(i, x)| *x = if bits >> i & 1 == 1 { 1.0 } else { -1.0 });
                }
            }
        }
        samples.push(sums.sample(&v, &mut ry_star, &mut rd_star));
    }
    Ok((weights, false, samples))
}

/// `values` minus its (weighted) unit and year effects on the panel's cells, 0 elsewhere.
fn partial_out(fe: &TwoWayFe, values: &[f64], t_n: usize) -> Vec<f64> {
    let (alpha, lambda) = fe.fit(values);
    values
        .iter()
        .enumerate()
        .map(|(c, v)| if fe.in_sample(c) { v - alpha[c / t_n] - lambda[c % t_n] } else { 0.0 })
        .collect()
}

/// Each unit's cluster index (clusters numbered in label order) and the number of
/// clusters holding a unit of the panel.
fn assign_clusters<I, U, C>(panel: &Panel, clusters: I) -> Result<(Vec<usize>, usize), ImpactError>
where
    I: IntoIterator<Item = (U, C)>,
    U: AsRef<str>,
    C: AsRef<str>,
{
    let position: HashMap<&str, usize> = (0..panel.n_units()).map(|u| (panel.unit_label(u), u)).collect();
    let mut label: Vec<Option<String>> = vec![None; panel.n_units()];
    for (unit, cluster) in clusters {
        let Some(u) = position.get(unit.as_ref()) else { continue };
        match &label[*u] {
            Some(first) if first != cluster.as_ref() => {
                return Err(ImpactError::ConflictingCluster {
                    unit: unit.as_ref().to_owned(),
                    first: first.clone(),
                    second: cluster.as_ref().to_owned(),
                });
            }
            Some(_) => {}
            None => label[*u] = Some(cluster.as_ref().to_owned()),
        }
    }
    let mut names: Vec<&str> = Vec::with_capacity(label.len());
    for (u, l) in label.iter().enumerate() {
        match l {
            Some(l) => names.push(l),
            None => return Err(ImpactError::MissingCluster { unit: panel.unit_label(u).to_owned() }),
        }
    }
    let mut distinct = names.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let of = names.iter().map(|l| distinct.binary_search(l).unwrap_or(0)).collect();
    Ok((of, distinct.len()))
}

#[cfg(test)]
#[path = "wild_tests.rs"]
mod tests;
