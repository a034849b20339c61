//! Comparison groups by nearest-neighbour matching on pre-treatment covariates and
//! territory typologies.
//!
//! Each treated territory takes its `k` nearest controls in the standardised
//! [`FeatureSpace`] (optionally only among controls of the same typologies, within a
//! caliper, with or without replacement). The result lists the pairs, the resulting
//! comparison group (to restrict a panel with [`super::Panel::restrict_units`] before
//! running an estimator) and standardised mean differences before and after
//! matching, so that balance can be checked.

use std::collections::HashSet;

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
