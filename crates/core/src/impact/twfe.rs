//! Two-way fixed-effects difference-in-differences: the textbook baseline.
//!
//! Static specification `y_it = α_i + λ_t + β·D_it + ε_it` and event-study
//! specification with one dummy per event time (reference `e = -1`), both with
//! unit-clustered CR1 standard errors. Under staggered adoption with effects that
//! change over time or across cohorts, the static β is a weighted average of cell
//! effects with possibly negative weights (Goodman-Bacon 2021; de Chaisemartin &
//! D'Haultfœuille 2020): it is kept as a baseline, not as the recommended estimate.

use super::fe::{FastMap, TwoWayFe};
use super::linalg::{Cholesky, sandwich};
use super::pretrend::wald_test;
use super::result::{EventTimeEstimate, ImpactEstimate, Method};
use super::{ImpactError, Panel};

/// An OLS fit after absorbing unit and year effects, with CR1 unit-clustered vcov.
pub(crate) struct FeOls {
    pub(crate) beta: Vec<f64>,
    pub(crate) vcov: Vec<f64>,
}

/// Disjoint 0/1 regressors that depend only on a unit's group (its adoption cohort)
/// and the year — every DiD design here: treated-after-adoption, event-time dummies,
/// leads.
pub(crate) struct GroupDesign {
    pub(crate) k: usize,
    pub(crate) group_of: Vec<usize>,
    pub(crate) n_groups: usize,
    /// The dummy that is 1 for a unit of group `g` in year `t` (index `g * T + t`).
    pub(crate) dummy: Vec<Option<usize>>,
}

impl GroupDesign {
    /// Groups are adoption years (never treated is its own group); `which(adoption,
    /// year)` names the dummy that is 1 in that cell, if any.
    pub(crate) fn by_adoption(panel: &Panel, k: usize, which: impl Fn(Option<i32>, i32) -> Option<usize>) -> Self {
        let adoption: Vec<Option<i32>> = (0..panel.n_units()).map(|u| panel.adoption(u)).collect();
        let mut groups = adoption.clone();
        groups.sort_unstable();
        groups.dedup();
        let group_of = adoption.iter().map(|a| groups.binary_search(a).unwrap_or(0)).collect();
        let dummy = groups
            .iter()
            .flat_map(|g| panel.years().iter().map(|y| which(*g, *y).filter(|j| *j < k)).collect::<Vec<_>>())
            .collect();
        GroupDesign { k, group_of, n_groups: groups.len(), dummy }
    }
}

/// Regresses `y` (a grid, any value outside the sample) on the design's dummies with
/// unit and year effects on the cells of `fe`.
///
/// Frisch–Waugh–Lovell without residualised columns: since a dummy depends only on
/// (group, year), its fitted unit effect is shared by all units of the same group and
/// mask class, `X̃'X̃ = X'X − (Z'X)'(Z'Z)⁻¹(Z'X)` and `X̃'ỹ = X'ỹ` reduce to sums per
/// group and year, and a unit's score is `G_g'e_u` with `G_g = X_g − Λ` (its unit
/// effect drops out because residuals sum to zero within a unit), so the meat is
/// `Σ_g G_g' (Σ_{u∈g} e_u e_u') G_g`. Two passes over the cells in all.
///
/// Small-sample factor as pyfixest's default `ssc()` for a vcov clustered by unit with
/// `| unit + year` effects: `G/(G-1) · (N-1)/(N-K)` where `K` counts the regressors
/// plus the year effects (unit effects are nested in the clusters).
///
/// With unit weights `ω` (the weights of `fe`) this is weighted least squares as
/// pyfixest's `feols(..., weights=...)` (analytic weights): counts become weight sums,
/// a unit's score is `ω_u G_g'e_u`, and `N` in the small-sample factor still counts
/// observations.
pub(crate) fn fe_ols(fe: &TwoWayFe, n_years: usize, y: &[f64], design: &GroupDesign) -> Result<FeOls, ImpactError> {
    let (k, t_n, n_g) = (design.k, n_years.max(1), design.n_groups);
    let n_units = y.len() / t_n;
    let x = |g: usize, t: usize| design.dummy.get(g * t_n + t).copied().flatten();
    // (group, mask class) classes: units in one share every dummy's fitted unit effect.
    let mut gc_index: FastMap<(usize, usize), usize> = FastMap::default();
    let mut gc_of = vec![0usize; n_units];
    let mut gc: Vec<(usize, usize, f64)> = Vec::new(); // (group, mask class, units)
    for (u, slot) in gc_of.iter_mut().enumerate() {
        let (g, c) = (design.group_of[u], fe.class_of(u));
        let i = *gc_index.entry((g, c)).or_insert_with(|| {
            gc.push((g, c, 0.0));
            gc.len() - 1
        });
        gc[i].2 += fe.weight(u);
        *slot = i;
    }
    let mut n_gt = vec![0.0; n_g * t_n];
    for (g, c, m) in &gc {
        for t in fe.class_years(*c) {
            n_gt[g * t_n + t] += m;
        }
    }
    // Z'X: per class unit sums and per year sums of each dummy.
    let mut unit_rhs = vec![0.0; gc.len() * k];
    for (i, (g, c, _)) in gc.iter().enumerate() {
        for &t in fe.class_years(*c) {
            if let Some(j) = x(*g, t) {
                unit_rhs[i * k + j] += 1.0;
            }
        }
    }
    let mut year_rhs = vec![0.0; k * t_n];
    for g in 0..n_g {
        for t in 0..t_n {
            if let Some(j) = x(g, t) {
                year_rhs[j * t_n + t] += n_gt[g * t_n + t];
            }
        }
    }
    // θ_j = (Z'Z)⁻¹Z'X_j: year effects λ (year-major `t * k + j`), unit effects per class.
    let mut lam = vec![0.0; t_n * k];
    let mut alpha = vec![0.0; gc.len() * k];
    for j in 0..k {
        let mut class_rhs = vec![0.0; fe.n_classes()];
        for (i, (_, c, m)) in gc.iter().enumerate() {
            class_rhs[*c] += m * unit_rhs[i * k + j];
        }
        let l = fe.solve_years_by_class(&class_rhs, &year_rhs[j * t_n..(j + 1) * t_n]);
        let sums = fe.class_lambda_sums(&l);
        for (i, (_, c, _)) in gc.iter().enumerate() {
            let n = fe.class_years(*c).len() as f64;
            if n > 0.0 {
                alpha[i * k + j] = (unit_rhs[i * k + j] - sums[*c]) / n;
            }
        }
        for (t, v) in l.iter().enumerate() {
            lam[t * k + j] = *v;
        }
    }
    // ỹ sums per group and year.
    let (alpha_y, lambda_y) = fe.fit(y);
    let mut y_sum = vec![0.0; n_g * t_n];
    for u in 0..n_units {
        let g = design.group_of[u];
        let w = fe.weight(u);
        for (t, m) in fe.mask_row(u).iter().enumerate() {
            if *m {
                y_sum[g * t_n + t] += w * (y[u * t_n + t] - alpha_y[u] - lambda_y[t]);
            }
        }
    }
    let mut xtx = vec![0.0; k * k];
    let mut xty = vec![0.0; k];
    for g in 0..n_g {
        for t in 0..t_n {
            if let Some(a) = x(g, t) {
                xty[a] += y_sum[g * t_n + t];
                xtx[a * k + a] += n_gt[g * t_n + t];
            }
        }
    }
    for (i, (_, _, m)) in gc.iter().enumerate() {
        for a in 0..k {
            let ra = unit_rhs[i * k + a];
            if ra != 0.0 {
                for b in 0..k {
                    xtx[a * k + b] -= m * ra * alpha[i * k + b];
                }
            }
        }
    }
    for a in 0..k {
        for t in 0..t_n {
            let ya = year_rhs[a * t_n + t];
            if ya != 0.0 {
                for b in 0..k {
                    xtx[a * k + b] -= ya * lam[t * k + b];
                }
            }
        }
    }
    for a in 0..k {
        for b in (a + 1)..k {
            let m = 0.5 * (xtx[a * k + b] + xtx[b * k + a]);
            xtx[a * k + b] = m;
            xtx[b * k + a] = m;
        }
    }
    let ch = Cholesky::new(&xtx, k).ok_or_else(|| {
        ImpactError::NotIdentified("the treatment regressors are collinear with the fixed effects".into())
    })?;
    let mut beta = xty;
    ch.solve_in_place(&mut beta);
    // Residuals e = ỹ − X̃β with X̃β = Xβ − A − L.
    let big_a: Vec<f64> = (0..gc.len()).map(|i| (0..k).map(|j| beta[j] * alpha[i * k + j]).sum()).collect();
    let big_l: Vec<f64> = (0..t_n).map(|t| (0..k).map(|j| beta[j] * lam[t * k + j]).sum()).collect();
    let xb: Vec<f64> = (0..n_g * t_n).map(|i| design.dummy[i].map_or(0.0, |j| beta[j])).collect();
    let mut ee = vec![0.0; n_g * t_n * t_n];
    let mut e_row = vec![0.0; t_n];
    let (mut n_obs, mut clusters) = (0usize, 0usize);
    for u in 0..n_units {
        let g = design.group_of[u];
        let shift = big_a[gc_of[u]] - alpha_y[u];
        // The unit's score is ω_u G'e_u: its weight is carried by its residuals.
        let w = fe.weight(u);
        let mut any = false;
        for (t, (e, m)) in e_row.iter_mut().zip(fe.mask_row(u)).enumerate() {
            *e = 0.0;
            if *m {
                any = true;
                n_obs += 1;
                *e = w * (y[u * t_n + t] - lambda_y[t] - xb[g * t_n + t] + shift + big_l[t]);
            }
        }
        if !any {
            continue;
        }
        clusters += 1;
        let block = &mut ee[g * t_n * t_n..(g + 1) * t_n * t_n];
        for (a, ea) in e_row.iter().enumerate() {
            if *ea != 0.0 {
                block[a * t_n + a..(a + 1) * t_n].iter_mut().zip(&e_row[a..]).for_each(|(s, eb)| *s += ea * eb);
            }
        }
    }
    // meat = Σ_g G_g' E_g G_g, G_g[t][j] = X_g[t][j] − λ_j[t].
    let mut meat = vec![0.0; k * k];
    let mut gmat = vec![0.0; t_n * k];
    let mut h = vec![0.0; t_n * k];
    for g in 0..n_g {
        let block = &ee[g * t_n * t_n..(g + 1) * t_n * t_n];
        for t in 0..t_n {
            for j in 0..k {
                let xv = if x(g, t) == Some(j) { 1.0 } else { 0.0 };
                gmat[t * k + j] = xv - lam[t * k + j];
            }
        }
        for t in 0..t_n {
            for j in 0..k {
                h[t * k + j] = (0..t_n)
                    .map(|r| {
                        let e = if r >= t { block[t * t_n + r] } else { block[r * t_n + t] };
                        e * gmat[r * k + j]
                    })
                    .sum();
            }
        }
        for a in 0..k {
            for b in 0..k {
                meat[a * k + b] += (0..t_n).map(|t| gmat[t * k + a] * h[t * k + b]).sum::<f64>();
            }
        }
    }
    let years_with_data = (0..t_n).filter(|t| fe.year_count(*t) > 0.0).count();
    let df_k = (k + years_with_data) as f64;
    let (n, g) = (n_obs as f64, clusters as f64);
    if g < 2.0 || n <= df_k {
        return Err(ImpactError::NotIdentified("too few units or observations for a clustered variance".into()));
    }
    let ssc = g / (g - 1.0) * (n - 1.0) / (n - df_k);
    let mut vcov = sandwich(&ch.inverse(), &meat, k);
    vcov.iter_mut().for_each(|v| *v *= ssc);
    Ok(FeOls { beta, vcov })
}

/// Static TWFE estimate with the event-study profile and a lead test.
pub fn twfe(panel: &Panel) -> Result<ImpactEstimate, ImpactError> {
    panel.refuse_covariates("twfe")?;
    let (n_units, t_n) = (panel.n_units(), panel.n_years());
    let years = panel.years();
    let grid = panel.grid();
    let mask: Vec<bool> = grid.iter().map(|v| !v.is_nan()).collect();
    let mut events: Vec<i32> = Vec::new();
    let (mut n_treated, mut n_never) = (0, 0);
    for u in 0..n_units {
        match panel.adoption(u) {
            None => n_never += 1,
            Some(g) => {
                let row = &mask[u * t_n..(u + 1) * t_n];
                n_treated += usize::from(years.iter().zip(row).any(|(y, m)| *m && *y >= g));
                events.extend(years.iter().zip(row).filter(|(_, m)| **m).map(|(y, _)| y - g));
            }
        }
    }
    if n_treated == 0 {
        return Err(ImpactError::NoTreatedUnits("no observation is treated".into()));
    }
    let y: Vec<f64> = grid.iter().map(|v| if v.is_nan() { 0.0 } else { *v }).collect();
    let n_obs = mask.iter().filter(|m| **m).count();
    let fe = TwoWayFe::weighted(n_units, t_n, mask, panel.unit_weights())?;
    let design = GroupDesign::by_adoption(panel, 1, |g, year| g.filter(|g| year >= *g).map(|_| 0));
    let fit = fe_ols(&fe, t_n, &y, &design)?;
    let se = fit.vcov.first().copied().unwrap_or(f64::NAN).max(0.0).sqrt();
    let mut out = ImpactEstimate::new(Method::Twfe, fit.beta.first().copied().unwrap_or(f64::NAN), se);
    out.n_treated_units = n_treated;
    out.n_control_units = n_never;
    out.n_obs = n_obs;
    out.note(
        "static two-way fixed effects: biased under staggered adoption when effects vary over \
         time or across cohorts (negative weights); prefer cs or imputation",
        "doubles effets fixes statiques : biaisés quand l’adoption est échelonnée et que l’effet varie dans le \
         temps ou selon les cohortes (poids négatifs) ; préférez Callaway et Sant’Anna ou l’imputation",
    );
    out.note(
        "standard errors clustered by unit, CR1: G/(G-1)·(N-1)/(N-K), K = regressors + year \
         effects (pyfixest default ssc)",
        "erreurs types groupées par territoire, correction CR1 : G/(G-1)·(N-1)/(N-K), K = régresseurs et effets \
         années (la correction par défaut de pyfixest)",
    );
    if panel.is_weighted() {
        out.note(
            "weighted least squares with the unit weights (analytic weights, as pyfixest feols weights=)",
            "moindres carrés pondérés par les poids des territoires (comme pyfixest feols avec weights=)",
        );
    }

    // Event study: one dummy per observed event time of the ever-treated units, e = -1
    // omitted.
    events.sort_unstable();
    events.dedup();
    events.retain(|e| *e != -1);
    if n_never == 0 && events.len() > 1 {
        events.remove(0);
        out.note(
            "no never-treated unit: the earliest lead is also omitted from the event study",
            "aucun territoire jamais traité : l’année la plus ancienne avant l’adoption est aussi omise de l’étude \
             d’événement",
        );
    }
    let k = events.len();
    let design = GroupDesign::by_adoption(panel, k, |g, year| g.and_then(|g| events.binary_search(&(year - g)).ok()));
    match fe_ols(&fe, t_n, &y, &design) {
        Ok(es) => {
            out.event_time = events
                .iter()
                .enumerate()
                .map(|(j, e)| EventTimeEstimate::new(*e, es.beta[j], es.vcov[j * k + j].max(0.0).sqrt()))
                .collect();
            let leads: Vec<usize> = (0..k).filter(|j| events[*j] < -1).collect();
            let lead_est: Vec<f64> = leads.iter().map(|j| es.beta[*j]).collect();
            let lead_vcov: Vec<f64> =
                leads.iter().flat_map(|a| leads.iter().map(|b| es.vcov[a * k + b]).collect::<Vec<_>>()).collect();
            let lead_e: Vec<i32> = leads.iter().map(|j| events[*j]).collect();
            out.pretrend = wald_test(&lead_e, &lead_est, &lead_vcov);
            out.note(
                "event study: reference event time -1 (estimate 0 by construction)",
                "étude d’événement : l’année précédant l’adoption sert de référence (effet nul par construction)",
            );
        }
        Err(e) => out.note(format!("event study not estimated: {e}"), format!("étude d’événement non estimée ({e})")),
    }
    Ok(out)
}
