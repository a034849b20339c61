//! The k most similar territories on chosen indicators and typologies.
//!
//! Indicators are standardised (z-scores over all territories); each typology that
//! differs adds `typology_weight` to the squared distance (the same as a one-hot
//! encoding scaled by `sqrt(typology_weight / 2)`), or can be required to match.
//! The search is exhaustive with a bounded sorted buffer and partial-distance early
//! exit, so it is exact (equal to sorting all distances, ties broken by position)
//! and takes well under a millisecond over 35,000 communes with ten indicators.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::ImpactError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TerritoryFeatures {
    pub id: String,
    pub indicators: Vec<f64>,
    pub typologies: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Neighbour {
    pub id: String,
    pub distance: f64,
}

#[derive(Debug, Clone)]
pub struct FeatureSpace {
    ids: Vec<String>,
    index: HashMap<String, usize>,
    dim: usize,
    /// Standardised indicators, row-major.
    z: Vec<f64>,
    n_typologies: usize,
    /// Typology codes, row-major.
    typology: Vec<u32>,
    typology_weight: f64,
}

impl FeatureSpace {
    pub fn new(rows: &[TerritoryFeatures], typology_weight: f64) -> Result<Self, ImpactError> {
        let first = rows.first().ok_or(ImpactError::EmptyPanel)?;
        let (dim, n_typ) = (first.indicators.len(), first.typologies.len());
        if !typology_weight.is_finite() || typology_weight < 0.0 {
            return Err(ImpactError::InvalidParameter("typology weight must be ≥ 0".into()));
        }
        let mut index = HashMap::with_capacity(rows.len());
        for (i, r) in rows.iter().enumerate() {
            if r.indicators.len() != dim || r.typologies.len() != n_typ {
                return Err(ImpactError::InvalidParameter(format!(
                    "territory `{}` has {} indicators and {} typologies, expected {dim} and {n_typ}",
                    r.id,
                    r.indicators.len(),
                    r.typologies.len()
                )));
            }
            if r.indicators.iter().any(|v| !v.is_finite()) {
                return Err(ImpactError::InvalidParameter(format!(
                    "territory `{}` has a missing or non-finite indicator",
                    r.id
                )));
            }
            if index.insert(r.id.clone(), i).is_some() {
                return Err(ImpactError::InvalidParameter(format!("territory `{}` appears twice", r.id)));
            }
        }
        let n = rows.len() as f64;
        let mut z = vec![0.0; rows.len() * dim];
        for j in 0..dim {
            let mean = rows.iter().map(|r| r.indicators[j]).sum::<f64>() / n;
            let var = rows.iter().map(|r| (r.indicators[j] - mean).powi(2)).sum::<f64>() / n;
            let sd = var.sqrt();
            for (i, r) in rows.iter().enumerate() {
                // A constant indicator carries no information: it contributes zero.
                z[i * dim + j] = if sd > 0.0 { (r.indicators[j] - mean) / sd } else { 0.0 };
            }
        }
        let mut typology = vec![0u32; rows.len() * n_typ];
        for j in 0..n_typ {
            let mut codes: HashMap<&str, u32> = HashMap::new();
            for (i, r) in rows.iter().enumerate() {
                let next = codes.len() as u32;
                typology[i * n_typ + j] = *codes.entry(r.typologies[j].as_str()).or_insert(next);
            }
        }
        Ok(FeatureSpace {
            ids: rows.iter().map(|r| r.id.clone()).collect(),
            index,
            dim,
            z,
            n_typologies: n_typ,
            typology,
            typology_weight,
        })
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn position(&self, id: &str) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn id(&self, position: usize) -> &str {
        self.ids.get(position).map_or("", String::as_str)
    }

    /// Standardised indicator `j` of the territory at `position`.
    pub fn z(&self, position: usize, j: usize) -> f64 {
        self.z.get(position * self.dim + j).copied().unwrap_or(f64::NAN)
    }

    pub fn dim(&self) -> usize {
        self.dim
    }

    pub fn same_typologies(&self, a: usize, b: usize) -> bool {
        let t = self.n_typologies;
        self.typology[a * t..(a + 1) * t] == self.typology[b * t..(b + 1) * t]
    }

    /// The `k` territories most similar to `id` (itself excluded).
    pub fn most_similar(&self, id: &str, k: usize, same_typology: bool) -> Result<Vec<Neighbour>, ImpactError> {
        let q = self.position(id).ok_or_else(|| ImpactError::InvalidParameter(format!("unknown territory `{id}`")))?;
        Ok(self.nearest(q, k, |c| c != q && (!same_typology || self.same_typologies(q, c))))
    }

    /// The `k` candidates (those for which `candidate` is true) nearest to `q`,
    /// nearest first, ties by position.
    pub fn nearest(&self, q: usize, k: usize, candidate: impl Fn(usize) -> bool) -> Vec<Neighbour> {
        if k == 0 || q >= self.ids.len() {
            return Vec::new();
        }
        let (d, t) = (self.dim, self.n_typologies);
        let zq = &self.z[q * d..(q + 1) * d];
        let tq = &self.typology[q * t..(q + 1) * t];
        let mut best: Vec<(f64, usize)> = Vec::with_capacity(k + 1);
        for c in 0..self.ids.len() {
            if !candidate(c) {
                continue;
            }
            let bound = if best.len() == k { best[k - 1].0 } else { f64::INFINITY };
            let tc = &self.typology[c * t..(c + 1) * t];
            let mut s = self.typology_weight * tq.iter().zip(tc).filter(|(a, b)| a != b).count() as f64;
            let zc = &self.z[c * d..(c + 1) * d];
            for (a, b) in zq.iter().zip(zc) {
                s += (a - b) * (a - b);
                if s > bound {
                    break;
                }
            }
            if s > bound || (s == bound && best.len() == k) {
                continue; // equal distance: the earlier position already holds the place
            }
            let at = best.partition_point(|(bs, bi)| (*bs, *bi) < (s, c));
            best.insert(at, (s, c));
            best.truncate(k);
        }
        best.into_iter().map(|(s, c)| Neighbour { id: self.ids[c].clone(), distance: s.sqrt() }).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::impact::rng::Rng;

    #[test]
    fn equals_brute_force_sort() -> Result<(), ImpactError> {
        let mut rng = Rng::new(11);
        let rows: Vec<TerritoryFeatures> = (0..2000)
            .map(|i| TerritoryFeatures {
                id: format!("{i:05}"),
                // rounded values create many exact ties
                indicators: (0..4).map(|_| (rng.normal() * 2.0).round()).collect(),
                typologies: vec![format!("t{}", rng.below(3))],
            })
            .collect();
        let space = FeatureSpace::new(&rows, 1.5)?;
        for q in [0usize, 17, 1999] {
            let got = space.most_similar(space.id(q), 10, false)?;
            let mut all: Vec<(f64, usize)> = (0..rows.len())
                .filter(|c| *c != q)
                .map(|c| {
                    // same summation order as the search, so that ties are exact
                    let mut s = if space.same_typologies(q, c) { 0.0 } else { 1.5 };
                    for j in 0..4 {
                        let d = space.z(q, j) - space.z(c, j);
                        s += d * d;
                    }
                    (s, c)
                })
                .collect();
            all.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let want: Vec<&str> = all.iter().take(10).map(|(_, c)| space.id(*c)).collect();
            let got_ids: Vec<&str> = got.iter().map(|n| n.id.as_str()).collect();
            assert_eq!(got_ids, want);
            let same = space.most_similar(space.id(q), 10, true)?;
            assert!(same.iter().all(|n| space.position(&n.id).is_some_and(|c| space.same_typologies(q, c))));
        }
        Ok(())
    }
}
