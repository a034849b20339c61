//! Comparison groups by nearest-neighbour matching on pre-treatment covariates and
//! territory typologies.
//!
//! Each treated territory takes its `k` nearest controls in the standardised
//! [`FeatureSpace`] (optionally only among controls of the same typologies, within a
//! caliper, with or without replacement). The result lists the pairs, the resulting
//! comparison group (to restrict a panel with [`super::Panel::restrict_units`] before
//! running an estimator) and standardised mean differences before and after
//! matching, so that balance can be checked. [`Matching::weights`] gives the matching
//! weights that the weighted estimators take (see [`super::Panel::with_unit_weights`]).

use std::collections::{BTreeMap, HashSet};

use serde::{Deserialize, Serialize};

use super::ImpactError;
use super::similar::{FeatureSpace, Neighbour};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MatchOptions {
    pub k: usize,
    pub replacement: bool,
    /// Controls must share every typology with the treated territory.
    pub exact_typology: bool,
    /// Maximum distance (in standard deviations) of an accepted control.
    pub caliper: Option<f64>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        MatchOptions { k: 1, replacement: true, exact_typology: true, caliper: None }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatchedPair {
    pub treated: String,
    pub controls: Vec<Neighbour>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balance {
    pub indicator: usize,
    /// Standardised mean difference treated − controls, before and after matching.
    pub smd_before: f64,
    pub smd_after: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matching {
    pub pairs: Vec<MatchedPair>,
    /// Treated territories for which no control was found.
    pub unmatched: Vec<String>,
    /// Distinct matched controls, sorted.
    pub comparison_group: Vec<String>,
    pub balance: Vec<Balance>,
}

impl Matching {
    /// The usual k-nearest-neighbour matching weights, by territory: 1 for each matched
    /// treated territory, and for each control the sum, over the treated territories it
    /// is matched to, of 1 / (number of controls of that treated territory). With
    /// replacement a control can thus weigh more than 1; the controls' weights sum to
    /// the number of matched treated territories. Unmatched treated territories have no
    /// weight (they leave the comparison).
    pub fn weights(&self) -> BTreeMap<String, f64> {
        let mut out: BTreeMap<String, f64> = BTreeMap::new();
        for p in &self.pairs {
            if p.controls.is_empty() {
                continue;
            }
            let w = 1.0 / p.controls.len() as f64;
            for c in &p.controls {
                *out.entry(c.id.clone()).or_insert(0.0) += w;
            }
        }
        for p in self.pairs.iter().filter(|p| !p.controls.is_empty()) {
            out.insert(p.treated.clone(), 1.0);
        }
        out
    }
}

pub fn match_controls(
    space: &FeatureSpace,
    treated: &[String],
    options: &MatchOptions,
) -> Result<Matching, ImpactError> {
    if options.k == 0 {
        return Err(ImpactError::InvalidParameter("k must be at least 1".into()));
    }
    let mut treated_pos = Vec::with_capacity(treated.len());
    for id in treated {
        let p = space
            .position(id)
            .ok_or_else(|| ImpactError::InvalidParameter(format!("unknown treated territory `{id}`")))?;
        treated_pos.push(p);
    }
    treated_pos.sort_unstable();
    treated_pos.dedup();
    let is_treated: HashSet<usize> = treated_pos.iter().copied().collect();
    if is_treated.len() == space.len() {
        return Err(ImpactError::NoControlUnits("every territory is treated".into()));
    }
    let mut used: HashSet<usize> = HashSet::new();
    let (mut pairs, mut unmatched) = (Vec::new(), Vec::new());
    let mut control_weight = vec![0.0; space.len()];
    for &q in &treated_pos {
        let mut found = space.nearest(q, options.k, |c| {
            !is_treated.contains(&c)
                && (options.replacement || !used.contains(&c))
                && (!options.exact_typology || space.same_typologies(q, c))
        });
        if let Some(cal) = options.caliper {
            found.retain(|n| n.distance <= cal);
        }
        if found.is_empty() {
            unmatched.push(space.id(q).to_owned());
            continue;
        }
        let w = 1.0 / found.len() as f64;
        for n in &found {
            if let Some(c) = space.position(&n.id) {
                used.insert(c);
                control_weight[c] += w;
            }
        }
        pairs.push(MatchedPair { treated: space.id(q).to_owned(), controls: found });
    }
    let mut comparison_group: Vec<String> = used.iter().map(|c| space.id(*c).to_owned()).collect();
    comparison_group.sort_unstable();

    let matched: Vec<usize> = pairs.iter().filter_map(|p| space.position(&p.treated)).collect();
    let balance = (0..space.dim())
        .map(|j| {
            let pool: Vec<(usize, f64)> =
                (0..space.len()).filter(|c| !is_treated.contains(c)).map(|c| (c, 1.0)).collect();
            let after: Vec<(usize, f64)> =
                (0..space.len()).filter(|c| control_weight[*c] > 0.0).map(|c| (c, control_weight[c])).collect();
            let tr: Vec<(usize, f64)> = treated_pos.iter().map(|c| (*c, 1.0)).collect();
            let tr_after: Vec<(usize, f64)> = matched.iter().map(|c| (*c, 1.0)).collect();
            Balance { indicator: j, smd_before: smd(space, j, &tr, &pool), smd_after: smd(space, j, &tr_after, &after) }
        })
        .collect();
    Ok(Matching { pairs, unmatched, comparison_group, balance })
}

fn smd(space: &FeatureSpace, j: usize, a: &[(usize, f64)], b: &[(usize, f64)]) -> f64 {
    let moments = |s: &[(usize, f64)]| {
        let w: f64 = s.iter().map(|x| x.1).sum();
        let m = s.iter().map(|(c, x)| x * space.z(*c, j)).sum::<f64>() / w;
        let v = s.iter().map(|(c, x)| x * (space.z(*c, j) - m).powi(2)).sum::<f64>() / w;
        (m, v)
    };
    let ((ma, va), (mb, vb)) = (moments(a), moments(b));
    let pooled = ((va + vb) / 2.0).sqrt();
    if pooled > 0.0 { (ma - mb) / pooled } else { 0.0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(treated: &str, controls: &[&str]) -> MatchedPair {
        MatchedPair {
            treated: treated.into(),
            controls: controls.iter().map(|c| Neighbour { id: (*c).into(), distance: 0.0 }).collect(),
        }
    }

    #[test]
    fn weights_add_one_over_k_per_match_and_treated_weigh_one() {
        let m = Matching {
            pairs: vec![pair("t1", &["a", "b"]), pair("t2", &["b"]), pair("t3", &["a", "b", "c", "d"])],
            unmatched: vec!["t4".into()],
            comparison_group: vec![],
            balance: vec![],
        };
        let w = m.weights();
        let get = |k: &str| w.get(k).copied();
        assert_eq!(get("t1"), Some(1.0));
        assert_eq!(get("t3"), Some(1.0));
        assert_eq!(get("t4"), None);
        assert_eq!(get("a"), Some(0.5 + 0.25));
        assert_eq!(get("b"), Some(0.5 + 1.0 + 0.25));
        assert_eq!(get("d"), Some(0.25));
        let controls: f64 = ["a", "b", "c", "d"].iter().filter_map(|k| get(k)).sum();
        assert!((controls - 3.0).abs() < 1e-15);
    }

    #[test]
    fn weights_of_a_real_matching_sum_to_the_matched_treated() -> Result<(), ImpactError> {
        use super::super::similar::TerritoryFeatures;
        let features: Vec<TerritoryFeatures> = (0..30)
            .map(|i| TerritoryFeatures {
                id: format!("u{i:02}"),
                indicators: vec![f64::from(i), f64::from(i % 7)],
                typologies: vec![],
            })
            .collect();
        let space = FeatureSpace::new(&features, 1.0)?;
        let treated: Vec<String> = ["u03", "u04", "u05", "u20"].iter().map(|s| (*s).to_owned()).collect();
        for replacement in [true, false] {
            let m = match_controls(
                &space,
                &treated,
                &MatchOptions { k: 3, replacement, exact_typology: false, caliper: None },
            )?;
            let w = m.weights();
            let control_total: f64 = w.iter().filter(|(k, _)| !treated.contains(k)).map(|(_, v)| v).sum();
            assert!((control_total - m.pairs.len() as f64).abs() < 1e-12);
            assert!(w.values().all(|v| v.is_finite() && *v > 0.0));
            assert_eq!(w.len(), m.pairs.len() + m.comparison_group.len());
            if !replacement {
                assert!(w.iter().filter(|(k, _)| !treated.contains(k)).all(|(_, v)| *v <= 1.0 / 3.0 + 1e-15));
            }
        }
        Ok(())
    }
}
