//! Sun & Abraham (2021) interaction-weighted event study.
//!
//! One regression with unit and year effects and a dummy for every cohort × event time
//! cell of the treated cohorts (`e = −1` omitted for each cohort), the never-treated
//! units serving as the control cohort: each coefficient is a cohort-specific effect
//! `CATT(g, e)` that no other cohort contaminates (the problem of the TWFE event
//! study). They are then averaged:
//!
//! - by event time, weighted by each cohort's share of the observations at that event
//!   time (the interaction-weighted estimator, as R `fixest::sunab`);
//! - overall, over every post-adoption cell weighted by its observations (`fixest`'s
//!   `agg = "ATT"`).
//!
//! Standard errors: clustered by unit with the same CR1 factor as [`super::twfe`]
//! (pyfixest's default), the weights taken as fixed (delta method `w'Vw`), as `fixest`.

use super::fe::TwoWayFe;
use super::pretrend::wald_test;
use super::result::{EventTimeEstimate, ImpactEstimate, Method};
use super::twfe::{GroupDesign, fe_ols};
use super::{ImpactError, Panel};

/// The interaction-weighted event study and its overall post-adoption average.
///
/// Treated units never observed before their adoption have no reference year: they are
/// left out first (as CS leaves them out), and said in the notes.
pub fn sun_abraham(panel: &Panel) -> Result<ImpactEstimate, ImpactError> {
    panel.refuse_covariates("sun_abraham")?;
    if panel.is_weighted() {
        // Its cohort shares would need the weights too; not written yet.
        return Err(ImpactError::InvalidParameter(
            "sun_abraham has no weighted version: use twfe, cs or imputation with unit weights".into(),
        ));
    }
    let years = panel.years();
    let unseen: Vec<bool> = (0..panel.n_units())
        .map(|u| {
            panel
                .adoption(u)
                .is_some_and(|g| !years.iter().enumerate().any(|(t, y)| *y < g && panel.outcome(u, t).is_some()))
        })
        .collect();
    let dropped = unseen.iter().filter(|d| **d).count();
    if dropped == 0 {
        return fit(panel);
    }
    let plan: Vec<Option<Option<i32>>> =
        (0..panel.n_units()).map(|u| (!unseen[u]).then(|| panel.first_treated_raw(u))).collect();
    let mut out = fit(&panel.reassign(&plan, |_, _| true)?)?;
    out.note(
        format!("{dropped} treated units never observed before adoption left out (no reference year)"),
        format!(
            "{dropped} {} avant l’adoption, sans année de référence",
            if dropped < 2 {
                "unité traitée écartée : jamais observée"
            } else {
                "unités traitées écartées : jamais observées"
            }
        ),
    );
    Ok(out)
}

fn fit(panel: &Panel) -> Result<ImpactEstimate, ImpactError> {
    let (n_units, t_n) = (panel.n_units(), panel.n_years());
    let years = panel.years();
    let grid = panel.grid();
    let mask: Vec<bool> = grid.iter().map(|v| !v.is_nan()).collect();
    // Observed cells per (cohort, event time) of the treated cohorts.
    let mut cells: Vec<((i32, i32), usize)> = Vec::new();
    let mut n_never = 0usize;
    let mut treated_units = 0usize;
    for u in 0..n_units {
        let Some(g) = panel.adoption(u) else {
            n_never += usize::from(mask[u * t_n..(u + 1) * t_n].iter().any(|m| *m));
            continue;
        };
        let mut post = false;
        for (t, year) in years.iter().enumerate() {
            if !mask[u * t_n + t] {
                continue;
            }
            post |= *year >= g;
            let key = (g, year - g);
            match cells.iter_mut().find(|c| c.0 == key) {
                Some(c) => c.1 += 1,
                None => cells.push((key, 1)),
            }
        }
        treated_units += usize::from(post);
    }
    if treated_units == 0 {
        return Err(ImpactError::NoTreatedUnits("no observation is treated".into()));
    }
    if n_never == 0 {
        return Err(ImpactError::NotIdentified(
            "Sun & Abraham needs never-treated units as the control cohort; the panel has none: use cs with \
             not-yet-treated controls"
                .into(),
        ));
    }
    // Each cohort's reference: e = −1, or when that year is not observed for the cohort,
    // its latest observed year before adoption (R fixest drops the collinear cell the
    // same way); a cohort never observed before adoption cannot be identified and is
    // left out (said in the notes).
    let mut cohorts: Vec<i32> = cells.iter().map(|c| c.0.0).collect();
    cohorts.sort_unstable();
    cohorts.dedup();
    let mut references: Vec<(i32, i32)> = Vec::new();
    let mut unidentified = Vec::new();
    for g in &cohorts {
        match cells.iter().filter(|c| c.0.0 == *g && c.0.1 < 0).map(|c| c.0.1).max() {
            Some(e) => references.push((*g, e)),
            None => unidentified.push(*g),
        }
    }
    cells.retain(|c| !unidentified.contains(&c.0.0) && !references.contains(&c.0));
    cells.sort_unstable();
    let keys: Vec<(i32, i32)> = cells.iter().map(|c| c.0).collect();
    let k = keys.len();
    if k == 0 || !keys.iter().any(|(_, e)| *e >= 0) {
        return Err(ImpactError::NotIdentified("no post-adoption cohort × event time cell is observed".into()));
    }
    let y: Vec<f64> = grid.iter().map(|v| if v.is_nan() { 0.0 } else { *v }).collect();
    let n_obs = mask.iter().filter(|m| **m).count();
    let fe = TwoWayFe::weighted(n_units, t_n, mask, None)?;
    let design = GroupDesign::by_adoption(panel, k, |g, year| g.and_then(|g| keys.binary_search(&(g, year - g)).ok()));
    let fit = fe_ols(&fe, t_n, &y, &design)?;
    let (beta, vcov_cells) = (&fit.beta, &fit.vcov);

    // w'Vw for weights on the cells.
    let combine = |w: &[(usize, f64)]| -> (f64, f64) {
        let est = w.iter().map(|(j, x)| x * beta[*j]).sum::<f64>();
        let var =
            w.iter().flat_map(|(a, xa)| w.iter().map(move |(b, xb)| xa * xb * vcov_cells[a * k + b])).sum::<f64>();
        (est, var.max(0.0).sqrt())
    };
    let post: Vec<(usize, f64)> =
        cells.iter().enumerate().filter(|(_, c)| c.0.1 >= 0).map(|(j, c)| (j, c.1 as f64)).collect();
    let total: f64 = post.iter().map(|p| p.1).sum();
    let post_w: Vec<(usize, f64)> = post.iter().map(|(j, n)| (*j, n / total)).collect();
    let (att, se) = combine(&post_w);
    let mut out = ImpactEstimate::new(Method::SunAbraham, att, se);
    for (g, e) in references.iter().filter(|(_, e)| *e != -1) {
        out.note(
            format!("cohort {g}: year {} not observed, reference event time {e}", g - 1),
            format!("cohorte {g} : l’année {} n’est pas observée, l’année de référence est {}", g - 1, g + e),
        );
    }
    if !unidentified.is_empty() {
        let list = unidentified.iter().map(i32::to_string).collect::<Vec<_>>().join(", ");
        out.note(
            format!("cohorts never observed before adoption left out: {list}"),
            format!("cohortes jamais observées avant l’adoption, écartées : {list}"),
        );
    }
    out.control = Some(super::ControlGroup::Never);
    out.n_treated_units = treated_units;
    out.n_control_units = n_never;
    out.n_obs = n_obs;

    let mut events: Vec<i32> = keys.iter().map(|(_, e)| *e).collect();
    events.sort_unstable();
    events.dedup();
    let mut lead = (Vec::new(), Vec::new(), Vec::new());
    for e in &events {
        let sel: Vec<(usize, f64)> =
            cells.iter().enumerate().filter(|(_, c)| c.0.1 == *e).map(|(j, c)| (j, c.1 as f64)).collect();
        let n: f64 = sel.iter().map(|s| s.1).sum();
        let w: Vec<(usize, f64)> = sel.iter().map(|(j, m)| (*j, m / n)).collect();
        let (est, se) = combine(&w);
        out.event_time.push(EventTimeEstimate::new(*e, est, se));
        if *e < -1 {
            lead.0.push(*e);
            lead.1.push(est);
            lead.2.push(w);
        }
    }
    // Joint test of the interaction-weighted leads.
    let (lead_e, lead_est, lead_w) = lead;
    let m = lead_w.len();
    let mut vcov = vec![0.0; m * m];
    for a in 0..m {
        for b in 0..m {
            vcov[a * m + b] = lead_w[a]
                .iter()
                .flat_map(|(i, xi)| lead_w[b].iter().map(move |(j, xj)| xi * xj * vcov_cells[i * k + j]))
                .sum();
        }
    }
    out.pretrend = wald_test(&lead_e, &lead_est, &vcov);
    out.note(
        format!(
            "Sun & Abraham: {k} cohort x event-time effects against the never-treated units (e = -1 omitted per \
             cohort); event times weighted by each cohort's observations, overall = post-adoption cells weighted by \
             their observations; CR1 unit-clustered errors, weights taken as fixed"
        ),
        format!(
            "Sun et Abraham : {k} effets propres à chaque cohorte et année depuis l’adoption, estimés contre les \
             territoires jamais traités (l’année précédant l’adoption sert de référence à chaque cohorte) ; chaque \
             année depuis l’adoption pondère les cohortes par leurs observations, l’effet global les cellules après \
             adoption par leurs observations ; erreurs types groupées par territoire (CR1), pondérations tenues pour \
             fixes"
        ),
    );
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::{EffectShape, SimConfig, simulate, twfe};

    #[test]
    fn recovers_cohort_and_time_varying_effects_where_twfe_does_not() {
        let sim = simulate(&SimConfig {
            n_units: 3_000,
            effect: EffectShape::Growing { base: 1.0, slope: 0.5 },
            cohort_heterogeneity: 0.5,
            noise_sd: 0.3,
            seed: 17,
            ..SimConfig::default()
        })
        .expect("simulated");
        let panel = Panel::from_observations(&sim.observations).expect("panel");
        let sa = sun_abraham(&panel).expect("sa");
        // The estimand: mean true effect over post-adoption observations.
        let truth = sim.true_post_average();
        assert!((sa.estimate - truth).abs() < 4.0 * sa.std_error.max(0.02), "sa {} vs truth {truth}", sa.estimate);
        let tw = twfe(&panel).expect("twfe");
        assert!((tw.estimate - truth).abs() > (sa.estimate - truth).abs(), "twfe {} sa {}", tw.estimate, sa.estimate);
        // Leads near zero, one per observed pre event time except −1.
        assert!(sa.event_time.iter().all(|e| e.event_time != -1));
        for e in sa.event_time.iter().filter(|e| e.event_time < -1) {
            assert!(e.estimate.abs() < 4.0 * e.std_error.max(0.01), "lead {} = {}", e.event_time, e.estimate);
        }
        assert!(sa.pretrend.is_some());
    }

    #[test]
    fn a_cohort_without_its_year_before_adoption_takes_its_last_observed_year() {
        let sim =
            simulate(&SimConfig { n_units: 2_000, noise_sd: 0.3, seed: 8, ..SimConfig::default() }).expect("simulated");
        // Year 2012, the year before the 2013 cohort's adoption, is missing for everyone:
        // that cohort's reference becomes 2011; the other cohorts keep e = −1.
        let rows: Vec<_> = sim.observations.iter().filter(|o| o.year != 2012).cloned().collect();
        let panel = Panel::from_observations(&rows).expect("panel");
        let sa = sun_abraham(&panel).expect("identified with another reference");
        assert!(
            sa.notes_fr.iter().any(|n| n.contains("cohorte 2013 : l’année 2012 n’est pas observée")),
            "{:?}",
            sa.notes_fr
        );
        assert!((sa.estimate - 1.0).abs() < 0.1, "constant effect 1: {}", sa.estimate);
        // A unit treated from the first year is left out, not a singular regression.
        let mut early = rows.clone();
        early.push(crate::impact::Observation {
            unit: "zz".into(),
            year: 2010,
            outcome: 0.0,
            first_treated: Some(2010),
        });
        early.push(crate::impact::Observation {
            unit: "zz".into(),
            year: 2011,
            outcome: 1.0,
            first_treated: Some(2010),
        });
        let sa = sun_abraham(&Panel::from_observations(&early).expect("panel")).expect("identified");
        assert!(sa.notes_fr.iter().any(|n| n.contains("1 unité traitée écartée")), "{:?}", sa.notes_fr);
    }

    #[test]
    fn refuses_a_panel_without_never_treated_units() {
        let sim = simulate(&SimConfig { cohorts: vec![(2013, 0.5), (2016, 0.5)], seed: 4, ..SimConfig::default() })
            .expect("simulated");
        let all_treated: Vec<_> = sim.observations.into_iter().filter(|o| o.first_treated.is_some()).collect();
        let panel = Panel::from_observations(&all_treated).expect("panel");
        assert!(matches!(sun_abraham(&panel), Err(ImpactError::NotIdentified(m)) if m.contains("not-yet")));
    }
}
