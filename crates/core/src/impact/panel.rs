//! The long panel (unit × year) every estimator reads, validated once.
//!
//! Rows may come in any order and units may carry any label: the panel sorts units by
//! label and years by value, so that estimates do not depend on the row order. Missing
//! cells are allowed; they are stored as NaN in a dense unit × year grid, which is
//! compact at commune scale (35,000 × 10 cells) and gives O(1) look-ups.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::ImpactError;

/// Largest accepted |year| (and |adoption year|).
pub const MAX_YEAR: i32 = 100_000;

/// One row of a long panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub unit: String,
    pub year: i32,
    pub outcome: f64,
    /// Adoption year (first year treated); `None` for a never-treated unit.
    pub first_treated: Option<i32>,
}

/// A validated panel. Cells are indexed `unit * n_years + year_index`.
#[derive(Debug, Clone)]
pub struct Panel {
    units: Vec<String>,
    years: Vec<i32>,
    first_treated: Vec<Option<i32>>,
    y: Vec<f64>,
    n_obs: usize,
    /// One positive finite weight per unit (e.g. matching weights); `None`: every unit
    /// weighs 1, and the estimators take their unweighted path.
    weights: Option<Vec<f64>>,
    /// Time-invariant covariates (Callaway & Sant'Anna's doubly robust estimator).
    covariates: Option<Covariates>,
}

/// One row of named, finite covariate values per unit (row-major, unit order).
#[derive(Debug, Clone)]
struct Covariates {
    names: Vec<String>,
    values: Vec<f64>,
}

impl Panel {
    /// Builds the panel, rejecting duplicate cells, non-finite outcomes and units whose
    /// rows disagree on the adoption year. The first problem found is returned.
    pub fn from_observations(rows: &[Observation]) -> Result<Self, ImpactError> {
        if rows.is_empty() {
            return Err(ImpactError::EmptyPanel);
        }
        // Distinct labels first (one hash look-up per row), then sort only those.
        let mut first_seen: HashMap<&str, usize> = HashMap::new();
        let mut row_label = Vec::with_capacity(rows.len());
        for r in rows {
            let next = first_seen.len();
            row_label.push(*first_seen.entry(r.unit.as_str()).or_insert(next));
        }
        let mut labels: Vec<(&str, usize)> = first_seen.into_iter().collect();
        labels.sort_unstable();
        let mut rank = vec![0usize; labels.len()];
        for (position, (_, seen)) in labels.iter().enumerate() {
            rank[*seen] = position;
        }
        let mut years: Vec<i32> = rows.iter().map(|r| r.year).collect();
        years.sort_unstable();
        years.dedup();

        let n_years = years.len();
        let mut y = vec![f64::NAN; labels.len() * n_years];
        let mut first: Vec<Option<Option<i32>>> = vec![None; labels.len()];
        for (r, seen) in rows.iter().zip(&row_label) {
            if !r.outcome.is_finite() {
                return Err(ImpactError::NonFiniteOutcome { unit: r.unit.clone(), year: r.year });
            }
            // Keeps every year difference far from integer overflow.
            if r.year.unsigned_abs() > MAX_YEAR.unsigned_abs()
                || r.first_treated.is_some_and(|g| g.unsigned_abs() > MAX_YEAR.unsigned_abs())
            {
                return Err(ImpactError::InvalidParameter(format!(
                    "unit `{}`: years must lie within ±{MAX_YEAR}",
                    r.unit
                )));
            }
            let u = rank[*seen];
            let Ok(t) = years.binary_search(&r.year) else {
                continue; // unreachable: the years were collected from these rows
            };
            let cell = &mut y[u * n_years + t];
            if !cell.is_nan() {
                return Err(ImpactError::DuplicateObservation { unit: r.unit.clone(), year: r.year });
            }
            *cell = r.outcome;
            match first[u] {
                None => first[u] = Some(r.first_treated),
                Some(prev) if prev != r.first_treated => {
                    return Err(ImpactError::InconsistentAdoption {
                        unit: r.unit.clone(),
                        first: prev.unwrap_or(0),
                        second: r.first_treated.unwrap_or(0),
                    });
                }
                Some(_) => {}
            }
        }
        Ok(Panel {
            units: labels.into_iter().map(|(l, _)| l.to_owned()).collect(),
            years,
            first_treated: first.into_iter().map(Option::flatten).collect(),
            y,
            n_obs: rows.len(),
            weights: None,
            covariates: None,
        })
    }

    /// The same panel with one weight per unit, given by label (sampling or matching
    /// weights: a unit of weight `k` counts as `k` copies of itself in the point
    /// estimates). Every unit needs a weight, positive and finite; the first unit
    /// without one, or with a bad one, is refused.
    pub fn with_unit_weights(mut self, weight: impl Fn(&str) -> Option<f64>) -> Result<Self, ImpactError> {
        let mut weights = Vec::with_capacity(self.units.len());
        for label in &self.units {
            match weight(label) {
                Some(w) if w.is_finite() && w > 0.0 => weights.push(w),
                Some(w) => return Err(ImpactError::InvalidWeight { unit: label.clone(), weight: w.to_string() }),
                None => return Err(ImpactError::InvalidWeight { unit: label.clone(), weight: "none".into() }),
            }
        }
        self.weights = Some(weights);
        Ok(self)
    }

    /// The same panel with time-invariant covariates, one value of each named
    /// covariate per unit, given by label (baseline values: log population, typology
    /// dummies…). Only Callaway & Sant'Anna uses them (doubly robust); the other
    /// estimators refuse such a panel rather than ignore them. Every unit needs every
    /// value, finite: the first unit without one is named in the error.
    pub fn with_unit_covariates(
        mut self,
        names: &[&str],
        values: impl Fn(&str) -> Option<Vec<f64>>,
    ) -> Result<Self, ImpactError> {
        if names.is_empty() {
            return Err(ImpactError::InvalidParameter("no covariate named".into()));
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err(ImpactError::InvalidParameter(format!("covariate `{name}` is named twice")));
            }
        }
        let k = names.len();
        let mut all = Vec::with_capacity(self.units.len() * k);
        for label in &self.units {
            let row = values(label).ok_or_else(|| ImpactError::InvalidCovariate {
                unit: label.clone(),
                covariate: names.join(", "),
                value: "none".into(),
            })?;
            if row.len() != k {
                return Err(ImpactError::CovariateCount { unit: label.clone(), expected: k, found: row.len() });
            }
            if let Some((name, v)) = names.iter().zip(&row).find(|(_, v)| !v.is_finite()) {
                return Err(ImpactError::InvalidCovariate {
                    unit: label.clone(),
                    covariate: (*name).to_owned(),
                    value: v.to_string(),
                });
            }
            all.extend_from_slice(&row);
        }
        self.covariates = Some(Covariates { names: names.iter().map(|n| (*n).to_owned()).collect(), values: all });
        Ok(self)
    }

    /// The covariate names (empty without covariates).
    pub fn covariate_names(&self) -> &[String] {
        self.covariates.as_ref().map_or(&[], |c| &c.names)
    }

    /// One unit's covariate values, in the order of [`Panel::covariate_names`].
    pub fn unit_covariates(&self, unit: usize) -> Option<&[f64]> {
        let c = self.covariates.as_ref()?;
        let k = c.names.len();
        c.values.get(unit * k..(unit + 1) * k)
    }

    /// True when the panel carries covariates.
    pub fn has_covariates(&self) -> bool {
        self.covariates.is_some()
    }

    /// The refusal of an estimator that has no covariate-adjusted version.
    pub(crate) fn refuse_covariates(&self, method: &str) -> Result<(), ImpactError> {
        if self.has_covariates() {
            return Err(ImpactError::InvalidParameter(format!(
                "{method} takes no covariates: use cs (doubly robust), or a panel without covariates"
            )));
        }
        Ok(())
    }

    /// True when the panel carries unit weights.
    pub fn is_weighted(&self) -> bool {
        self.weights.is_some()
    }

    /// The unit weights, if any (one per unit, in unit order).
    pub fn unit_weights(&self) -> Option<&[f64]> {
        self.weights.as_deref()
    }

    /// The weight of one unit (1 on an unweighted panel).
    pub fn unit_weight(&self, unit: usize) -> f64 {
        self.weights.as_ref().and_then(|w| w.get(unit).copied()).unwrap_or(1.0)
    }

    pub fn n_units(&self) -> usize {
        self.units.len()
    }

    pub fn n_years(&self) -> usize {
        self.years.len()
    }

    pub fn n_obs(&self) -> usize {
        self.n_obs
    }

    pub fn years(&self) -> &[i32] {
        &self.years
    }

    pub fn unit_label(&self, unit: usize) -> &str {
        self.units.get(unit).map_or("", String::as_str)
    }

    /// The outcome grid, `n_units × n_years`, NaN where a cell is missing.
    pub fn grid(&self) -> &[f64] {
        &self.y
    }

    pub fn outcome(&self, unit: usize, t: usize) -> Option<f64> {
        self.y.get(unit * self.years.len() + t).copied().filter(|v| !v.is_nan())
    }

    /// The adoption year as given (may lie outside the observed window).
    pub fn first_treated_raw(&self, unit: usize) -> Option<i32> {
        self.first_treated.get(unit).copied().flatten()
    }

    /// The adoption year if the unit is ever treated inside the observed window;
    /// a unit adopting after the last observed year is, for the data, never treated
    /// (the same rule as R `did` and `csdid`).
    pub fn adoption(&self, unit: usize) -> Option<i32> {
        let last = self.years.last().copied().unwrap_or(i32::MIN);
        self.first_treated_raw(unit).filter(|g| *g <= last)
    }

    /// True when the cell is observed and the unit is treated in that year.
    pub fn is_treated(&self, unit: usize, t: usize) -> bool {
        match (self.adoption(unit), self.years.get(t)) {
            (Some(g), Some(year)) => *year >= g,
            _ => false,
        }
    }

    /// A new panel with each unit kept or not and given an adoption year, without
    /// going back through labelled rows: `plan[u]` is `None` to drop unit `u`, or
    /// `Some(first_treated)` to keep it with that adoption year (`None` = never
    /// treated). `keep_year(u, year)` may drop single cells of a kept unit. Used by the
    /// placebo analyses, which build hundreds of panels from one.
    pub fn reassign(
        &self,
        plan: &[Option<Option<i32>>],
        keep_year: impl Fn(usize, i32) -> bool,
    ) -> Result<Panel, ImpactError> {
        if plan.len() != self.units.len() {
            return Err(ImpactError::InvalidParameter("one plan entry per unit is needed".into()));
        }
        let t_n = self.years.len();
        let mut units = Vec::new();
        let mut first_treated = Vec::new();
        let mut y = Vec::new();
        let mut n_obs = 0;
        let mut weights = self.weights.as_ref().map(|_| Vec::new());
        let mut covariates =
            self.covariates.as_ref().map(|c| Covariates { names: c.names.clone(), values: Vec::new() });
        for (u, entry) in plan.iter().enumerate() {
            let Some(g) = entry else { continue };
            let row = &self.y[u * t_n..(u + 1) * t_n];
            let mut kept = 0;
            for (t, v) in row.iter().enumerate() {
                let keep = !v.is_nan() && keep_year(u, self.years[t]);
                y.push(if keep { *v } else { f64::NAN });
                kept += usize::from(keep);
            }
            if kept == 0 {
                y.truncate(y.len() - t_n);
                continue;
            }
            n_obs += kept;
            units.push(self.units[u].clone());
            first_treated.push(*g);
            if let Some(w) = weights.as_mut() {
                w.push(self.unit_weight(u));
            }
            if let (Some(c), Some(row)) = (covariates.as_mut(), self.unit_covariates(u)) {
                c.values.extend_from_slice(row);
            }
        }
        if units.is_empty() {
            return Err(ImpactError::EmptyPanel);
        }
        // Years left without any observation are dropped, as a panel built from rows
        // would not have them.
        let seen: Vec<bool> = (0..t_n).map(|t| y.chunks(t_n).any(|row| !row[t].is_nan())).collect();
        let years: Vec<i32> = self.years.iter().zip(&seen).filter(|(_, s)| **s).map(|(yr, _)| *yr).collect();
        let y = if years.len() == t_n {
            y
        } else {
            y.chunks(t_n).flat_map(|row| row.iter().zip(&seen).filter(|(_, s)| **s).map(|(v, _)| *v)).collect()
        };
        Ok(Panel { units, years, first_treated, y, n_obs, weights, covariates })
    }

    /// A new panel keeping only the units for which `keep` is true (e.g. the treated
    /// units and their matched comparison group), with their weights and covariates if
    /// any.
    pub fn restrict_units(&self, keep: impl Fn(&str) -> bool) -> Result<Panel, ImpactError> {
        let mut rows = Vec::new();
        for (u, label) in self.units.iter().enumerate() {
            if !keep(label) {
                continue;
            }
            for (t, year) in self.years.iter().enumerate() {
                if let Some(v) = self.outcome(u, t) {
                    rows.push(Observation {
                        unit: label.clone(),
                        year: *year,
                        outcome: v,
                        first_treated: self.first_treated_raw(u),
                    });
                }
            }
        }
        let mut panel = Panel::from_observations(&rows)?;
        let index = |label: &str| self.units.binary_search_by(|u| u.as_str().cmp(label)).ok();
        if self.weights.is_some() {
            panel = panel.with_unit_weights(|label| index(label).map(|u| self.unit_weight(u)))?;
        }
        if let Some(c) = &self.covariates {
            let names: Vec<&str> = c.names.iter().map(String::as_str).collect();
            panel = panel.with_unit_covariates(&names, |label| {
                index(label).and_then(|u| self.unit_covariates(u)).map(<[f64]>::to_vec)
            })?;
        }
        Ok(panel)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(unit: &str, year: i32, outcome: f64, g: Option<i32>) -> Observation {
        Observation { unit: unit.into(), year, outcome, first_treated: g }
    }

    #[test]
    fn rejects_bad_panels() {
        assert_eq!(Panel::from_observations(&[]).err(), Some(ImpactError::EmptyPanel));
        let dup = [obs("a", 2020, 1.0, None), obs("a", 2020, 2.0, None)];
        assert!(matches!(Panel::from_observations(&dup), Err(ImpactError::DuplicateObservation { .. })));
        let inconsistent = [obs("a", 2020, 1.0, Some(2021)), obs("a", 2021, 2.0, None)];
        assert!(matches!(Panel::from_observations(&inconsistent), Err(ImpactError::InconsistentAdoption { .. })));
        let far = [obs("a", 2020, 1.0, Some(i32::MIN))];
        assert!(matches!(Panel::from_observations(&far), Err(ImpactError::InvalidParameter(_))));
        let nan = [obs("a", 2020, f64::NAN, None)];
        assert!(matches!(Panel::from_observations(&nan), Err(ImpactError::NonFiniteOutcome { .. })));
    }

    #[test]
    fn refuses_bad_weights_and_keeps_good_ones() -> Result<(), ImpactError> {
        let p = Panel::from_observations(&[obs("a", 2020, 1.0, None), obs("b", 2020, 2.0, Some(2020))])?;
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let w = move |l: &str| Some(if l == "b" { bad } else { 1.0 });
            assert!(
                matches!(p.clone().with_unit_weights(w), Err(ImpactError::InvalidWeight { unit, .. }) if unit == "b")
            );
        }
        let missing = |l: &str| (l == "a").then_some(1.0);
        assert!(matches!(p.clone().with_unit_weights(missing), Err(ImpactError::InvalidWeight { .. })));
        let w = p.with_unit_weights(|l| Some(if l == "a" { 2.5 } else { 1.0 }))?;
        assert!(w.is_weighted() && w.unit_weight(0) == 2.5);
        let kept = w.restrict_units(|l| l == "a")?;
        assert_eq!(kept.unit_weights(), Some(&[2.5][..]));
        Ok(())
    }

    #[test]
    fn sorts_units_and_years_and_keeps_gaps() -> Result<(), ImpactError> {
        let p = Panel::from_observations(&[
            obs("b", 2021, 4.0, Some(2021)),
            obs("a", 2020, 1.0, None),
            obs("b", 2020, 3.0, Some(2021)),
        ])?;
        assert_eq!(p.years(), &[2020, 2021]);
        assert_eq!(p.unit_label(0), "a");
        assert_eq!(p.outcome(0, 1), None);
        assert_eq!(p.outcome(1, 1), Some(4.0));
        assert!(p.is_treated(1, 1) && !p.is_treated(1, 0));
        Ok(())
    }
}
