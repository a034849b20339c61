//! The imputation estimator of Borusyak, Jaravel & Spiess (2024), whose point
//! estimate equals Gardner's two-stage DiD.
//!
//! 1. Fit `y_it = α_i + λ_t` on untreated cells only (never treated, or before
//!    `g - δ`), exactly (see [`super::fe`]).
//! 2. Impute `τ̂_it = y_it − α̂_i − λ̂_t` on treated cells; average with weights `w`
//!    (equal weights over all post cells, or over the cells of one event time).
//! 3. Standard error: BJS's conservative estimator
//!    `σ̂² = Σ_i (Σ_t v_it ε̃_it)²`, where `v = w` on treated cells and
//!    `v = −Z₀ (Z₀'Z₀)⁻¹ Z₁' w` on untreated cells, `ε̃` the first-stage residual on
//!    untreated cells and `τ̂ − τ̄` on treated cells, `τ̄` the `v²`-weighted mean of
//!    `τ̂` within cohort × event time (the definitions of the R `didimputation`
//!    package, without leave-out). `(Z₀'Z₀)⁻¹ Z₁' w` is one exact fixed-effect solve:
//!    no matrix sized by the number of cells or units is formed.
//!
//! With unit weights `ω` (R `didimputation`'s `wname`, Stata `did_imputation`'s
//! aweights): the first stage is weighted least squares, a selection's weights are
//! `w_it = ω_i / Σ ω` over its treated cells, `v = −Ω Z₀ (Z₀'ΩZ₀)⁻¹ Z₁' w` on untreated
//! cells, and `τ̄` is the `v²`-(so `ω²`-)weighted mean. Weights of 1 follow exactly the
//! unweighted arithmetic.

use super::fe::TwoWayFe;
use super::pretrend::wald_test;
use super::result::{CohortEstimate, EventTimeEstimate, ImpactEstimate, Method};
use super::twfe::{GroupDesign, fe_ols};
use super::{ImpactError, Panel};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImputationOptions {
    /// Years before adoption in which units may already react.
    pub anticipation: u32,
}

struct TreatedCell {
    unit: usize,
    t: usize,
    event: i32,
    /// Index of the cell's cohort × event time (the groups of `τ̄`).
    key: usize,
    tau: f64,
}

pub fn imputation(panel: &Panel, opts: &ImputationOptions) -> Result<ImpactEstimate, ImpactError> {
    panel.refuse_covariates("imputation")?;
    let (n_units, t_n) = (panel.n_units(), panel.n_years());
    let years = panel.years();
    let delta = i32::try_from(opts.anticipation)
        .map_err(|_| ImpactError::InvalidParameter("anticipation is too large".into()))?;
    let grid = panel.grid();
    let y: Vec<f64> = grid.iter().map(|v| if v.is_nan() { 0.0 } else { *v }).collect();
    let mut untreated = vec![false; grid.len()];
    let mut candidates = Vec::new();
    for u in 0..n_units {
        let g = panel.adoption(u);
        for (t, year) in years.iter().enumerate() {
            let cell = u * t_n + t;
            if grid[cell].is_nan() {
                continue;
            }
            match g {
                Some(g) if *year >= g - delta => candidates.push((cell, u, t, g, year - g)),
                _ => untreated[cell] = true,
            }
        }
    }
    if candidates.is_empty() {
        return Err(ImpactError::NoTreatedUnits("no observation is treated".into()));
    }
    let fe = TwoWayFe::weighted(n_units, t_n, untreated.clone(), panel.unit_weights())?;
    let (alpha, lambda) = fe.fit(&y);
    // Cohort × event-time keys, densely indexed.
    let mut cohorts: Vec<i32> = (0..n_units).filter_map(|u| panel.adoption(u)).collect();
    cohorts.sort_unstable();
    cohorts.dedup();
    let e_min = candidates.iter().map(|c| c.4).min().unwrap_or(0);
    let e_span = candidates.iter().map(|c| c.4).max().unwrap_or(0) - e_min + 1;
    let span = usize::try_from(e_span).unwrap_or(1);
    let key_of = |cohort: i32, event: i32| {
        cohorts.binary_search(&cohort).unwrap_or(0) * span + usize::try_from(event - e_min).unwrap_or(0)
    };
    let n_keys = cohorts.len() * span;
    let mut treated = Vec::with_capacity(candidates.len());
    let mut dropped = 0usize;
    for (cell, unit, t, cohort, event) in candidates {
        if fe.unit_count(unit) > 0.0 && fe.year_count(t) > 0.0 {
            let tau = y[cell] - alpha[unit] - lambda[t];
            let key = key_of(cohort, event);
            treated.push(TreatedCell { unit, t, event, key, tau });
        } else {
            dropped += 1;
        }
    }
    // First-stage residuals on untreated cells and their per-unit cross-products
    // M = Σ_i r_i r_i' (T × T), computed once for every weight vector.
    let mut resid = vec![0.0; grid.len()];
    let mut cross = vec![0.0; t_n * t_n];
    for u in 0..n_units {
        let row = &mut resid[u * t_n..(u + 1) * t_n];
        for (t, r) in row.iter_mut().enumerate() {
            if untreated[u * t_n + t] {
                *r = y[u * t_n + t] - alpha[u] - lambda[t];
            }
        }
        let w2 = fe.weight(u) * fe.weight(u);
        for (a, ra) in row.iter().enumerate() {
            if *ra != 0.0 {
                cross[a * t_n + a..(a + 1) * t_n].iter_mut().zip(&row[a..]).for_each(|(c, rb)| *c += ra * rb * w2);
            }
        }
    }
    for a in 0..t_n {
        for b in 0..a {
            cross[a * t_n + b] = cross[b * t_n + a];
        }
    }
    let first_stage = FirstStage { fe: &fe, resid: &resid, cross: &cross, t_n, n_keys };

    let post: Vec<usize> = (0..treated.len()).filter(|i| treated[*i].event >= 0).collect();
    let (estimate, se) = first_stage
        .weighted_effect(&treated, &post)
        .ok_or_else(|| ImpactError::NotIdentified("no post-adoption cell can be imputed".into()))?;
    let mut out = ImpactEstimate::new(Method::Imputation, estimate, se);
    let mut events: Vec<i32> = treated.iter().map(|c| c.event).collect();
    events.sort_unstable();
    events.dedup();
    let mut by_event: Vec<Vec<usize>> = vec![Vec::new(); events.len()];
    for (i, c) in treated.iter().enumerate() {
        if let Ok(j) = events.binary_search(&c.event) {
            by_event[j].push(i);
        }
    }
    for (e, sel) in events.iter().zip(&by_event) {
        if let Some((est, se)) = first_stage.weighted_effect(&treated, sel) {
            out.event_time.push(EventTimeEstimate::new(*e, est, se));
        }
    }
    // Each cohort's own effect: the mean of its imputed post-adoption effects.
    for &g in &cohorts {
        let sel: Vec<usize> = post.iter().copied().filter(|i| panel.adoption(treated[*i].unit) == Some(g)).collect();
        if let Some((est, se)) = first_stage.weighted_effect(&treated, &sel) {
            let mut units: Vec<usize> = sel.iter().map(|i| treated[*i].unit).collect();
            units.dedup();
            let mut periods: Vec<usize> = sel.iter().map(|i| treated[*i].t).collect();
            periods.sort_unstable();
            periods.dedup();
            out.by_cohort.push(CohortEstimate::new(g, est, se, units.len(), periods.len()));
        }
    }
    let mut treated_units: Vec<usize> = post.iter().map(|i| treated[*i].unit).collect();
    treated_units.dedup();
    out.n_treated_units = treated_units.len();
    out.n_control_units = (0..n_units).filter(|u| panel.adoption(*u).is_none()).count();
    out.n_obs = treated.len() + untreated.iter().filter(|m| **m).count();
    if dropped > 0 {
        out.note(
            format!(
                "{dropped} treated cells dropped: their unit has no untreated year or their year has no untreated unit"
            ),
            format!(
                "{dropped} {} : leur territoire n’a pas d’année sans traitement, ou leur année aucun territoire non traité",
                if dropped < 2 { "cellule traitée écartée" } else { "cellules traitées écartées" }
            ),
        );
    }
    out.note(
        "overall = mean of imputed effects over all post-adoption cells; conservative BJS \
         standard errors clustered by unit, tau-bar by cohort x event time",
        "effet global : moyenne des effets imputés sur toutes les cellules après adoption ; erreurs types \
         prudentes de Borusyak, Jaravel et Spiess, par territoire, l’effet moyen étant pris par cohorte et par \
         année depuis l’adoption",
    );
    if panel.is_weighted() {
        out.note(
            "weighted by the unit weights: weighted first stage on untreated cells, treated effects averaged with \
             weights proportional to their unit's weight",
            "pondéré par les poids des territoires : première étape par moindres carrés pondérés sur les cellules non \
             traitées, effets imputés moyennés avec des poids proportionnels à ceux de leur territoire",
        );
    }
    match lead_test(panel, &fe, &y, delta) {
        Ok(test) => out.pretrend = test,
        Err(e) => out.note(
            format!("pre-trend test not computed: {e}"),
            format!("test des tendances avant l’adoption non calculé ({e})"),
        ),
    }
    Ok(out)
}

/// What the variance needs from the first stage.
struct FirstStage<'a> {
    fe: &'a TwoWayFe,
    /// First-stage residuals on untreated cells, 0 elsewhere (grid).
    resid: &'a [f64],
    /// `Σ_i ω_i² r_i r_i'` over units, `T × T`.
    cross: &'a [f64],
    t_n: usize,
    n_keys: usize,
}

impl FirstStage<'_> {
    /// Estimate and conservative standard error for weights proportional to the unit
    /// weights (equal weights when unweighted) over the treated cells `selection`
    /// (indices into `treated`, ordered by unit).
    ///
    /// On an untreated cell `v_it = −ω_i (a_i + l_t)` with `(a, l) = (Z₀'ΩZ₀)⁻¹ Z₁'w`.
    /// Since first-stage residuals sum to zero within each unit, `a_i` drops out of
    /// `Σ_t v_it r_it = −ω_i l·r_i`, so `Σ_i (ω_i l·r_i)² = l' M l` and only the units
    /// with selected treated cells need a pass of their own.
    fn weighted_effect(&self, treated: &[TreatedCell], selection: &[usize]) -> Option<(f64, f64)> {
        if selection.is_empty() {
            return None;
        }
        let t_n = self.t_n;
        let total: f64 = selection.iter().map(|i| self.fe.weight(treated[*i].unit)).sum();
        let inv = 1.0 / total;
        let mut class_rhs = vec![0.0; self.fe.n_classes()];
        let mut year_rhs = vec![0.0; t_n];
        let mut estimate = 0.0;
        let mut key_sum = vec![0.0; self.n_keys];
        let mut key_count = vec![0.0; self.n_keys];
        for c in selection.iter().map(|i| &treated[*i]) {
            let omega = self.fe.weight(c.unit);
            let w = omega * inv;
            class_rhs[self.fe.class_of(c.unit)] += w;
            year_rhs[c.t] += w;
            estimate += w * c.tau;
            let v2 = omega * omega;
            key_sum[c.key] += v2 * c.tau;
            key_count[c.key] += v2;
        }
        let l = self.fe.solve_years_by_class(&class_rhs, &year_rhs);
        let mut var = 0.0;
        for a in 0..t_n {
            for b in 0..t_n {
                var += l[a] * self.cross[a * t_n + b] * l[b];
            }
        }
        let mut i = 0;
        while i < selection.len() {
            let u = treated[selection[i]].unit;
            let omega = self.fe.weight(u);
            let w = omega * inv;
            let mut q = 0.0;
            while i < selection.len() && treated[selection[i]].unit == u {
                let c = &treated[selection[i]];
                q += w * (c.tau - key_sum[c.key] / key_count[c.key]);
                i += 1;
            }
            let p: f64 = -omega * l.iter().zip(&self.resid[u * t_n..(u + 1) * t_n]).map(|(a, b)| a * b).sum::<f64>();
            var += 2.0 * p * q + q * q;
        }
        Some((estimate, var.max(0.0).sqrt()))
    }
}

/// BJS's pre-trend test: on untreated cells, add dummies for the last `L ≤ 3` years
/// before adoption (one further lead must remain as reference) and test them jointly.
fn lead_test(
    panel: &Panel,
    fe: &TwoWayFe,
    y: &[f64],
    delta: i32,
) -> Result<Option<super::result::PretrendTest>, ImpactError> {
    let (n_units, t_n) = (panel.n_units(), panel.n_years());
    let years = panel.years();
    let mut max_lead = 0;
    for u in 0..n_units {
        if let Some(g) = panel.adoption(u) {
            for (t, year) in years.iter().enumerate() {
                if fe.in_sample(u * t_n + t) {
                    max_lead = max_lead.max(g - delta - year);
                }
            }
        }
    }
    let l = (max_lead - 1).min(3);
    if l < 1 {
        return Ok(None);
    }
    let leads: Vec<i32> = (1..=l).map(|k| -delta - k).collect();
    let design = GroupDesign::by_adoption(panel, leads.len(), |g, year| {
        g.and_then(|g| usize::try_from(g - year - delta - 1).ok()).filter(|j| *j < leads.len())
    });
    let fit = fe_ols(fe, t_n, y, &design)?;
    Ok(wald_test(&leads, &fit.beta, &fit.vcov))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::linalg::Cholesky;
    use crate::impact::{EffectShape, SimConfig, simulate};

    /// The textbook formula with dense matrices: `v₀ = −Z₀ (Z₀'Z₀)⁻¹ Z₁' w`.
    #[test]
    fn standard_error_equals_the_dense_formula() -> Result<(), ImpactError> {
        let cfg = SimConfig {
            n_units: 40,
            n_years: 6,
            cohorts: vec![(2012, 0.3), (2013, 0.3)],
            effect: EffectShape::Growing { base: 1.0, slope: 0.5 },
            missing_share: 0.1,
            seed: 5,
            ..SimConfig::default()
        };
        let panel = Panel::from_observations(&simulate(&cfg)?.observations)?;
        let ours = imputation(&panel, &ImputationOptions::default())?;

        let (n_u, t_n) = (panel.n_units(), panel.n_years());
        let p = n_u + t_n - 1; // unit dummies + year dummies except the first year
        let mut cells = Vec::new(); // (unit, t, y, treated, cohort, event)
        for u in 0..n_u {
            for t in 0..t_n {
                if let Some(y) = panel.outcome(u, t) {
                    let g = panel.adoption(u);
                    let treated = g.is_some_and(|g| panel.years()[t] >= g);
                    cells.push((u, t, y, treated, g.unwrap_or(0), g.map_or(0, |g| panel.years()[t] - g)));
                }
            }
        }
        let z = |u: usize, t: usize| {
            let mut row = vec![0.0; p];
            row[u] = 1.0;
            if t > 0 {
                row[n_u + t - 1] = 1.0;
            }
            row
        };
        let mut ztz = vec![0.0; p * p];
        let mut zty = vec![0.0; p];
        let mut z1w = vec![0.0; p];
        let n1 = cells.iter().filter(|c| c.3).count() as f64;
        for c in &cells {
            let r = z(c.0, c.1);
            if c.3 {
                r.iter().zip(z1w.iter_mut()).for_each(|(a, b)| *b += a / n1);
            } else {
                for i in 0..p {
                    zty[i] += r[i] * c.2;
                    for j in 0..p {
                        ztz[i * p + j] += r[i] * r[j];
                    }
                }
            }
        }
        let ch = Cholesky::new(&ztz, p).expect("identified");
        ch.solve_in_place(&mut zty);
        ch.solve_in_place(&mut z1w);
        let fitted = |u: usize, t: usize, th: &[f64]| z(u, t).iter().zip(th).map(|(a, b)| a * b).sum::<f64>();
        let taus: Vec<f64> = cells.iter().map(|c| c.2 - fitted(c.0, c.1, &zty)).collect();
        let estimate: f64 = cells.iter().zip(&taus).filter(|(c, _)| c.3).map(|(_, t)| t / n1).sum();
        let mut per_unit = vec![0.0; n_u];
        for (c, tau) in cells.iter().zip(&taus) {
            if c.3 {
                let same: Vec<f64> =
                    cells.iter().zip(&taus).filter(|(d, _)| d.3 && d.4 == c.4 && d.5 == c.5).map(|(_, t)| *t).collect();
                let bar = same.iter().sum::<f64>() / same.len() as f64;
                per_unit[c.0] += (tau - bar) / n1;
            } else {
                per_unit[c.0] += -fitted(c.0, c.1, &z1w) * tau;
            }
        }
        let se = per_unit.iter().map(|s| s * s).sum::<f64>().sqrt();
        assert!((ours.estimate - estimate).abs() < 1e-10, "{} vs {estimate}", ours.estimate);
        assert!((ours.std_error - se).abs() < 1e-10 * se, "{} vs {se}", ours.std_error);
        Ok(())
    }
}
