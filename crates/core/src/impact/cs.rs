//! Callaway & Sant'Anna (2021) group-time average treatment effects for panel data,
//! unconditional or, when the panel carries time-invariant covariates, conditional on
//! them (each 2×2 by the doubly robust estimator of Sant'Anna & Zhao 2020: `drdid.rs`).
//!
//! Each `ATT(g,t)` is a 2×2 difference in differences between cohort `g` and its
//! controls, from a base period: `g-1-δ` for post periods, `t-1` for pre periods (the
//! "varying" base of R `did`/`csdid`). Without covariates the doubly robust estimator
//! reduces to this difference of means, and its influence function to
//! `n/n_g·(ΔY_i − mean_g) − n/n_c·(ΔY_i − mean_c)`. Aggregations (`simple`, by event
//! time) follow `did::aggte`, including the influence-function term for the
//! estimated group shares, and the analytical standard error `sqrt(Σ IF²)/n`
//! (`bstrap = FALSE`).
//!
//! With unit weights `ω` (sampling weights, as `did`'s `weightsname` and csdid's
//! `weights_name`): each 2×2 uses weighted means, its influence function becomes
//! `n·ω_i/W_g·(ΔY_i − mean_g) − n·ω_i/W_c·(ΔY_i − mean_c)` (`W` the weight sums), the
//! cohort shares are weight shares and the share-estimation term uses the weights
//! normalised to mean 1. Weights of 1 follow exactly the unweighted arithmetic.

use super::drdid::{CellFault, CovariateMethod, Nuisance};
use super::pretrend::wald_test;
use super::result::{
    CohortEstimate, ControlGroup, EventTimeEstimate, ImpactEstimate, Method, UniformBand, UniformBandPoint,
};
use super::rng::Rng;
use super::{ImpactError, Panel};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsOptions {
    pub control: ControlGroup,
    /// Years before adoption in which units may already react (δ in the paper).
    pub anticipation: u32,
    /// Simultaneous confidence band for the event study by multiplier bootstrap.
    pub bootstrap: Option<BootstrapOptions>,
}

/// The multiplier bootstrap of `did` (`bstrap = TRUE, cband = TRUE`): Mammen weights on
/// the units' influence functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootstrapOptions {
    pub draws: usize,
    pub seed: u64,
}

struct Cell {
    group: i32,
    year: i32,
    att: f64,
    /// Influence function over the `n` sample units.
    inf: Vec<f64>,
}

struct Sample {
    /// Panel unit index of each sample unit.
    units: Vec<usize>,
    /// Adoption year of each sample unit (`None`: never treated).
    group: Vec<Option<i32>>,
    groups: Vec<i32>,
    /// Weight of each sample unit (1 when unweighted).
    weight: Vec<f64>,
    /// Weight of each sample unit normalised to mean 1 over the sample.
    normalised: Vec<f64>,
    /// Share of the sample's weight in each of `groups`.
    share: Vec<f64>,
}

/// Group-time ATTs aggregated overall (`simple`) and by event time; with the panel's
/// covariates if it carries any, by the doubly robust estimator (csdid's default).
pub fn callaway_santanna(panel: &Panel, opts: &CsOptions) -> Result<ImpactEstimate, ImpactError> {
    callaway_santanna_with(panel, opts, CovariateMethod::DoublyRobust)
}

/// [`callaway_santanna`] choosing how each `ATT(g,t)` uses the panel's covariates:
/// doubly robust, outcome regression or inverse probability weighting (csdid's
/// `est_method`). Without covariates the three are the same difference of means.
pub fn callaway_santanna_with(
    panel: &Panel,
    opts: &CsOptions,
    method: CovariateMethod,
) -> Result<ImpactEstimate, ImpactError> {
    let years = panel.years();
    let delta = i32::try_from(opts.anticipation)
        .map_err(|_| ImpactError::InvalidParameter("anticipation is too large".into()))?;
    let first_year = years.first().copied().ok_or(ImpactError::EmptyPanel)?;
    let mut notes = Vec::new();
    let sample = build_sample(panel, delta, first_year, &mut notes)?;
    let n = sample.units.len();
    let nf = n as f64;

    let mut cells: Vec<Cell> = Vec::new();
    let mut used_as_control = vec![false; n];
    let mut skipped = 0usize;
    // Cells whose covariate adjustment failed: cohort, year, why.
    let mut unadjusted: Vec<(i32, i32, ImpactError)> = Vec::new();
    let (mut dy_g, mut dy_c) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let t_n = years.len();
    let grid = panel.grid();
    // Time-major copy of the sample's outcomes, so that a cell streams two rows.
    let mut by_year = vec![f64::NAN; t_n * n];
    for (s, &u) in sample.units.iter().enumerate() {
        for t in 0..t_n {
            by_year[t * n + s] = grid[u * t_n + t];
        }
    }
    // The covariates of each sample unit, intercept first (`p` values per unit).
    let p = panel.covariate_names().len() + 1;
    let design: Option<Vec<f64>> = panel.has_covariates().then(|| {
        let mut x = Vec::with_capacity(n * p);
        for &u in &sample.units {
            x.push(1.0);
            x.extend_from_slice(panel.unit_covariates(u).unwrap_or(&[]));
        }
        x
    });
    let mut nuisance: Option<Nuisance> = None;
    let (mut trimmed, mut trimmed_cells) = (0usize, 0usize);
    let mut cell_units = Vec::with_capacity(n);
    let mut cell_dy = Vec::with_capacity(n);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); sample.groups.len()];
    let mut never = Vec::new();
    for (s, g) in sample.group.iter().enumerate() {
        match g.and_then(|g| sample.groups.binary_search(&g).ok()) {
            Some(k) => members[k].push(s),
            None => never.push(s),
        }
    }
    // ΔY of the listed sample units between periods `t` and `base`, when both exist.
    let deltas = |list: &[usize], t: usize, base: usize, out: &mut Vec<(usize, f64)>| {
        let (now, before) = (&by_year[t * n..(t + 1) * n], &by_year[base * n..(base + 1) * n]);
        for &s in list {
            let (a, b) = (now[s], before[s]);
            if !a.is_nan() && !b.is_nan() {
                out.push((s, a - b));
            }
        }
    };
    for (gk, &g) in sample.groups.iter().enumerate() {
        for (ti, &year) in years.iter().enumerate() {
            let post = year >= g - delta;
            let base = if post {
                years.iter().rposition(|y| *y < g - delta)
            } else if ti > 0 {
                Some(ti - 1)
            } else {
                None
            };
            let Some(base) = base else { continue };
            let horizon = year.max(years[base]) + delta;
            dy_g.clear();
            dy_c.clear();
            deltas(&members[gk], ti, base, &mut dy_g);
            deltas(&never, ti, base, &mut dy_c);
            if opts.control == ControlGroup::NotYet {
                for (hk, h) in sample.groups.iter().enumerate() {
                    if *h != g && *h > horizon {
                        deltas(&members[hk], ti, base, &mut dy_c);
                    }
                }
            }
            if dy_g.is_empty() || dy_c.is_empty() {
                skipped += 1;
                continue;
            }
            let omega = &sample.weight;
            if let Some(x) = &design {
                cell_units.clear();
                cell_units.extend(dy_g.iter().chain(dy_c.iter()).map(|v| v.0));
                if nuisance.as_ref().is_none_or(|c| c.units != cell_units) {
                    let treated: Vec<usize> = dy_g.iter().map(|v| v.0).collect();
                    let controls: Vec<usize> = dy_c.iter().map(|v| v.0).collect();
                    // A cell whose covariate adjustment cannot be estimated is left
                    // out and said, as csdid does (its ATT(g,t) is NA there); if no
                    // post-adoption cell is left, its reason is the estimate's refusal.
                    match Nuisance::new(&treated, &controls, p, |s| &x[s * p..(s + 1) * p], |s| omega[s], method) {
                        Ok(fresh) => nuisance = Some(fresh),
                        Err(f) => {
                            unadjusted.push((g, year, cell_error(f, g, year)));
                            nuisance = None;
                            continue;
                        }
                    }
                }
                let Some(nu) = nuisance.as_ref() else { continue };
                cell_dy.clear();
                cell_dy.extend(dy_g.iter().chain(dy_c.iter()).map(|v| v.1));
                let (att, cell_inf) = nu.estimate(&cell_dy, method);
                let scale = nf / cell_units.len() as f64;
                let mut inf = vec![0.0; n];
                for (&s, v) in cell_units.iter().zip(&cell_inf) {
                    inf[s] = scale * v;
                }
                if year >= g {
                    for &(s, _) in &dy_c {
                        used_as_control[s] = true;
                    }
                }
                if nu.trimmed > 0 {
                    trimmed += nu.trimmed;
                    trimmed_cells += 1;
                }
                cells.push(Cell { group: g, year, att, inf });
                continue;
            }
            let ng: f64 = dy_g.iter().map(|x| omega[x.0]).sum();
            let nc: f64 = dy_c.iter().map(|x| omega[x.0]).sum();
            let mg = dy_g.iter().map(|x| omega[x.0] * x.1).sum::<f64>() / ng;
            let mc = dy_c.iter().map(|x| omega[x.0] * x.1).sum::<f64>() / nc;
            let mut inf = vec![0.0; n];
            for &(s, v) in &dy_g {
                inf[s] = nf * omega[s] / ng * (v - mg);
            }
            for &(s, v) in &dy_c {
                inf[s] = -nf * omega[s] / nc * (v - mc);
                if year >= g {
                    used_as_control[s] = true;
                }
            }
            cells.push(Cell { group: g, year, att: mg - mc, inf });
        }
    }
    if skipped > 0 {
        notes.push((
            format!("{skipped} group-time cells skipped: no treated or no control unit observed"),
            format!(
                "{skipped} {} : aucune unité traitée ou aucune unité de comparaison observée",
                if skipped < 2 { "cellule groupe-année écartée" } else { "cellules groupe-année écartées" }
            ),
        ));
    }

    if !unadjusted.is_empty() {
        let n = unadjusted.len();
        let mut listed: Vec<String> = unadjusted.iter().map(|(g, y, _)| format!("{g}/{y}")).collect();
        listed.truncate(20);
        let listed = listed.join(", ");
        let first = unadjusted.first().map(|(_, _, e)| e.to_string()).unwrap_or_default();
        notes.push((
            format!(
                "{n} group-time cells (cohort/year: {listed}) left out: their covariate adjustment could not be \
                 estimated (first: {first}); the aggregates average the other cells (csdid: NA cells)"
            ),
            format!(
                "{n} {} (cohorte/année : {listed}) : l’ajustement sur les covariables n’a pas pu y être estimé \
                 (score de propension sans convergence, recouvrement insuffisant, covariables colinéaires ou trop peu \
                 de territoires) ; les agrégats portent sur les autres cellules",
                if n < 2 { "cellule groupe-année écartée" } else { "cellules groupe-année écartées" }
            ),
        ));
    }
    let post: Vec<&Cell> = cells.iter().filter(|c| c.year >= c.group).collect();
    if post.is_empty()
        && let Some(pos) = unadjusted.iter().position(|(g, y, _)| y >= g)
    {
        return Err(unadjusted.swap_remove(pos).2);
    }
    if post.is_empty() {
        // Name the cause when it is the absence of never-treated units (issue 18, 8).
        if opts.control == ControlGroup::Never && !sample.group.iter().any(Option::is_none) {
            return Err(ImpactError::NotIdentified(
                "no post-adoption group-time effect can be estimated: the panel has no never-treated unit to \
                 compare with; use the not-yet-treated units as controls (control = notyet)"
                    .into(),
            ));
        }
        return Err(ImpactError::NotIdentified("no post-adoption group-time effect can be estimated".into()));
    }
    let (att, inf) = aggregate(&post, &sample);
    let mut out = ImpactEstimate::new(Method::Cs, att, std_error(&inf, nf));
    out.control = Some(opts.control);
    // Each cohort's own effect ("group" aggregation): within a cohort the cells weigh
    // the same, so `aggregate` is their mean and its weight term vanishes.
    for &g in &sample.groups {
        let own: Vec<&Cell> = post.iter().copied().filter(|c| c.group == g).collect();
        if own.is_empty() {
            continue;
        }
        let (a, f) = aggregate(&own, &sample);
        let units = sample.group.iter().filter(|x| **x == Some(g)).count();
        out.by_cohort.push(CohortEstimate::new(g, a, std_error(&f, nf), units, own.len()));
    }

    let mut events: Vec<i32> = cells.iter().map(|c| c.year - c.group).collect();
    events.sort_unstable();
    events.dedup();
    let mut lead_ifs = Vec::new();
    let mut lead_est = Vec::new();
    let mut lead_e = Vec::new();
    let mut event_ifs = Vec::with_capacity(events.len());
    for &e in &events {
        let keep: Vec<&Cell> = cells.iter().filter(|c| c.year - c.group == e).collect();
        let (a, f) = aggregate(&keep, &sample);
        out.event_time.push(EventTimeEstimate::new(e, a, std_error(&f, nf)));
        if e < -delta {
            lead_e.push(e);
            lead_est.push(a);
            lead_ifs.push(f.clone());
        }
        event_ifs.push(f);
    }
    if let Some(b) = opts.bootstrap {
        out.uniform_band = uniform_band(&out.event_time, &event_ifs, nf, b);
    }
    let k = lead_ifs.len();
    let mut vcov = vec![0.0; k * k];
    for a in 0..k {
        for b in 0..k {
            let s: f64 = lead_ifs[a].iter().zip(&lead_ifs[b]).map(|(x, y)| x * y).sum();
            vcov[a * k + b] = s / (nf * nf);
        }
    }
    out.pretrend = wald_test(&lead_e, &lead_est, &vcov);

    let post_groups: Vec<i32> = post.iter().map(|c| c.group).collect();
    out.n_treated_units = sample.group.iter().filter(|g| g.is_some_and(|g| post_groups.contains(&g))).count();
    out.n_control_units = match opts.control {
        ControlGroup::Never => sample.group.iter().filter(|g| g.is_none()).count(),
        ControlGroup::NotYet => used_as_control.iter().filter(|u| **u).count(),
    };
    out.n_obs = sample.units.iter().map(|&u| (0..years.len()).filter(|t| panel.outcome(u, *t).is_some()).count()).sum();
    notes.push((
        format!(
            "overall = 'simple' aggregation of {} post-adoption ATT(g,t), weighted by cohort size; \
             analytical influence-function standard errors (did/csdid with bstrap = FALSE)",
            post.len()
        ),
        format!(
            "effet global : moyenne des {} effets groupe-année après adoption, pondérée par la taille des \
             cohortes (agrégation « simple ») ; erreurs types analytiques par la fonction d’influence, sans \
             bootstrap (comme did et csdid)",
            post.len()
        ),
    ));
    notes.push((
        "pre-adoption event times use the varying base period (t-1): they are placebo estimates".into(),
        "avant l’adoption, chaque année est comparée à la précédente (période de base glissante) : ces \
         estimations sont des tests placebo"
            .into(),
    ));
    if panel.has_covariates() {
        notes.push(covariate_note(panel.covariate_names(), method));
    }
    if trimmed > 0 {
        notes.push((
            format!(
                "{trimmed} comparison unit-cells in {trimmed_cells} group-time cells trimmed: propensity score at \
                 or above 0.995 (csdid trim_level)"
            ),
            format!(
                "{trimmed} couples unité de comparaison × cellule écartés dans {trimmed_cells} cellules \
                 groupe-année : score de propension d’au moins 0,995 (comme csdid)"
            ),
        ));
    }
    if panel.is_weighted() {
        notes.push((
            "weighted by the unit weights: weighted means in each 2x2 comparison, cohorts weighted by their total \
             weight (csdid weights_name)"
                .into(),
            "pondéré par les poids des territoires : moyennes pondérées dans chaque comparaison, cohortes pesant la \
             somme des poids de leurs territoires (comme csdid avec weights_name)"
                .into(),
        ));
    }
    for (en, fr) in notes {
        out.note(en, fr);
    }
    Ok(out)
}

/// A note in English and in French.
type Note = (String, String);

fn covariate_note(names: &[String], method: CovariateMethod) -> Note {
    let list = names.join(", ");
    match method {
        CovariateMethod::DoublyRobust => (
            format!(
                "conditional on the covariates {list}: doubly robust 2x2 comparisons (Sant'Anna & Zhao 2020, \
                 drdid_panel as csdid est_method = 'dr'): logit propensity score and linear outcome regression \
                 among the comparison units"
            ),
            format!(
                "conditionnel aux covariables {list} : comparaisons doublement robustes (Sant’Anna et Zhao \
                 2020, comme csdid) : score de propension logit et régression linéaire de l’évolution parmi les \
                 unités de comparaison"
            ),
        ),
        CovariateMethod::Regression => (
            format!("conditional on the covariates {list}: outcome regression 2x2 comparisons (csdid 'reg')"),
            format!(
                "conditionnel aux covariables {list} : évolution des unités de comparaison prédite par régression \
                 linéaire (comme csdid « reg »)"
            ),
        ),
        CovariateMethod::Ipw => (
            format!("conditional on the covariates {list}: inverse probability weighted 2x2 comparisons (csdid 'ipw')"),
            format!(
                "conditionnel aux covariables {list} : unités de comparaison pondérées par l’inverse du score de \
                 propension (comme csdid « ipw »)"
            ),
        ),
    }
}

fn cell_error(fault: CellFault, group: i32, year: i32) -> ImpactError {
    match fault {
        CellFault::Collinear(model) => ImpactError::CollinearCovariates { group, year, model: model.into() },
        CellFault::NotConverged(iterations) => ImpactError::PropensityNotConverged { group, year, iterations },
        CellFault::Overlap(max_score) => ImpactError::OverlapViolated { group, year, max_score },
        CellFault::TooFewControls { units, needed } => {
            ImpactError::TooFewUnits { group, year, which: "comparison".into(), units, needed }
        }
    }
}

fn build_sample(panel: &Panel, delta: i32, first_year: i32, notes: &mut Vec<Note>) -> Result<Sample, ImpactError> {
    let mut units = Vec::new();
    let mut group = Vec::new();
    let mut dropped = 0usize;
    let mut unobserved_before = 0usize;
    let years = panel.years();
    for u in 0..panel.n_units() {
        match panel.adoption(u) {
            Some(g) if g - delta <= first_year => dropped += 1,
            // On an unbalanced panel, a treated unit never observed before its adoption
            // enters no 2×2 comparison; it must not weigh in its cohort's share either.
            Some(g) if !years.iter().enumerate().any(|(t, y)| *y < g - delta && panel.outcome(u, t).is_some()) => {
                unobserved_before += 1
            }
            a => {
                units.push(u);
                group.push(a);
            }
        }
    }
    if dropped > 0 {
        notes.push((
            format!("{dropped} units treated from the first observed year dropped (no pre-period)"),
            format!(
                "{dropped} {} dès la première année observée, sans période de référence",
                if dropped < 2 { "unité écartée : traitée" } else { "unités écartées : traitées" }
            ),
        ));
    }
    if unobserved_before > 0 {
        let n = unobserved_before;
        notes.push((
            format!(
                "{n} treated units with no observation before adoption dropped (from the comparisons and from their \
                 cohort's weight)"
            ),
            format!(
                "{n} {} : aucune observation avant l’adoption ({} des comparaisons et du poids de la cohorte)",
                if n < 2 { "unité traitée écartée" } else { "unités traitées écartées" },
                if n < 2 { "retirée" } else { "retirées" }
            ),
        ));
    }
    let mut groups: Vec<i32> = group.iter().flatten().copied().collect();
    groups.sort_unstable();
    groups.dedup();
    if groups.is_empty() {
        return Err(ImpactError::NoTreatedUnits("no unit adopts inside the observed window".into()));
    }
    let weight: Vec<f64> = units.iter().map(|u| panel.unit_weight(*u)).collect();
    let total: f64 = weight.iter().sum();
    let n = units.len() as f64;
    let normalised = weight.iter().map(|w| w * n / total).collect();
    let share = groups
        .iter()
        .map(|g| group.iter().zip(&weight).filter(|(x, _)| **x == Some(*g)).map(|(_, w)| w).sum::<f64>() / total)
        .collect();
    Ok(Sample { units, group, groups, weight, normalised, share })
}

/// Cohort-share weighted average of cells, with `did::aggte`'s influence function
/// (cell influence functions plus the effect of estimating the weights).
fn aggregate(cells: &[&Cell], sample: &Sample) -> (f64, Vec<f64>) {
    let n = sample.units.len();
    let pg: Vec<f64> = cells
        .iter()
        .map(|c| sample.groups.iter().position(|g| *g == c.group).map_or(0.0, |i| sample.share[i]))
        .collect();
    let total: f64 = pg.iter().sum();
    if cells.is_empty() || total <= 0.0 {
        return (f64::NAN, vec![0.0; n]);
    }
    let weighted: f64 = cells.iter().zip(&pg).map(|(c, p)| p * c.att).sum();
    let att = weighted / total;
    let mut inf = vec![0.0; n];
    for (c, p) in cells.iter().zip(&pg) {
        let w = p / total;
        for (o, v) in inf.iter_mut().zip(&c.inf) {
            *o += w * v;
        }
    }
    // Weight-estimation term, per group: cells of the unit's own group and their count.
    let mut by_group: Vec<(i32, f64, f64)> = Vec::new();
    for c in cells {
        match by_group.iter_mut().find(|(g, _, _)| *g == c.group) {
            Some(entry) => {
                entry.1 += c.att;
                entry.2 += 1.0;
            }
            None => by_group.push((c.group, c.att, 1.0)),
        }
    }
    for ((o, g), w) in inf.iter_mut().zip(&sample.group).zip(&sample.normalised) {
        let (own_att, own_count) =
            g.and_then(|g| by_group.iter().find(|(h, _, _)| *h == g)).map_or((0.0, 0.0), |(_, a, m)| (*a, *m));
        *o += (w * own_att - weighted) / total - (w * own_count - total) * weighted / (total * total);
    }
    (att, inf)
}

fn std_error(inf: &[f64], n: f64) -> f64 {
    inf.iter().map(|x| x * x).sum::<f64>().sqrt() / n
}

/// Simultaneous 95 % band over the event times, as `did::mboot`: for each draw, the
/// Mammen-weighted mean of the influence functions; bootstrap standard errors from the
/// interquartile range; the critical value is the 95 % quantile of the largest
/// studentised deviation over the event times.
fn uniform_band(points: &[EventTimeEstimate], ifs: &[Vec<f64>], n: f64, b: BootstrapOptions) -> Option<UniformBand> {
    if b.draws < 10 || points.len() != ifs.len() || points.is_empty() {
        return None;
    }
    let sqrt5 = 5f64.sqrt();
    let (low, high) = ((1.0 - sqrt5) / 2.0, (1.0 + sqrt5) / 2.0);
    let p_low = (sqrt5 + 1.0) / (2.0 * sqrt5);
    let mut rng = Rng::new(b.seed);
    let units = ifs.first().map_or(0, Vec::len);
    // Only units with a non-zero influence somewhere matter.
    let active: Vec<usize> = (0..units).filter(|i| ifs.iter().any(|f| f[*i] != 0.0)).collect();
    let k = points.len();
    let mut draws = vec![0.0; b.draws * k];
    let mut v = vec![0.0; active.len()];
    for d in 0..b.draws {
        for w in v.iter_mut() {
            *w = if rng.uniform() < p_low { low } else { high };
        }
        for (j, f) in ifs.iter().enumerate() {
            draws[d * k + j] = active.iter().zip(&v).map(|(i, w)| w * f[*i]).sum::<f64>() / n;
        }
    }
    // IQR-based standard errors (normal: IQR = 1.349 σ).
    let iqr_to_sd = 2.0 * 0.674_489_750_196_081_7;
    let mut se = Vec::with_capacity(k);
    for j in 0..k {
        let mut col: Vec<f64> = (0..b.draws).map(|d| draws[d * k + j]).collect();
        col.sort_by(f64::total_cmp);
        se.push((super::robust::quantile(&col, 0.75) - super::robust::quantile(&col, 0.25)) / iqr_to_sd);
    }
    let mut sup: Vec<f64> = (0..b.draws)
        .map(|d| (0..k).filter(|j| se[*j] > 0.0).map(|j| (draws[d * k + j] / se[j]).abs()).fold(0.0, f64::max))
        .collect();
    sup.sort_by(f64::total_cmp);
    let critical_value = super::robust::quantile(&sup, 0.95);
    if !critical_value.is_finite() {
        return None;
    }
    Some(UniformBand {
        draws: b.draws,
        seed: b.seed,
        critical_value,
        points: points
            .iter()
            .zip(&se)
            .map(|(p, s)| UniformBandPoint {
                event_time: p.event_time,
                std_error: *s,
                low: p.estimate - critical_value * s,
                high: p.estimate + critical_value * s,
            })
            .collect(),
    })
}
