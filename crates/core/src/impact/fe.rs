//! Unit and year fixed effects on any subset of the cells of a panel, solved exactly.
//!
//! The normal equations of `y_it = α_i + λ_t` have a diagonal unit block, so the unit
//! effects are eliminated exactly (Schur complement) and only a `(T-1) × (T-1)` system
//! in the year effects remains (one year is the reference). Units are grouped into
//! *mask classes* (units observed in exactly the same years): a class contributes to
//! that system once, whatever its size, so building it costs `O(N·T + classes·T²)` and
//! every solve one pass over the units plus a `T × T` triangular solve. This replaces
//! alternating projections: no iteration, no convergence tolerance, exact for
//! unbalanced panels, and no matrix sized by the number of units is ever formed.
//!
//! With unit weights `ω_i` (weighted least squares, a weight constant within a unit)
//! the same elimination holds: the year block sums weights instead of counts, a mask
//! class contributes its total weight, and a unit's effect is still its own mean of
//! `y − λ` (its weight cancels). Weights of 1 follow exactly the unweighted arithmetic.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use super::ImpactError;
use super::linalg::Cholesky;

/// A multiply-rotate hasher for small integer keys (class look-ups run once per unit;
/// SipHash's flood resistance is not needed for keys we build ourselves).
#[derive(Default)]
pub(crate) struct FastHasher(u64);

impl Hasher for FastHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, x: u64) {
        self.0 = (self.0.rotate_left(5) ^ x).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, x: usize) {
        self.write_u64(x as u64);
    }
}

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FastHasher>>;

#[derive(Debug, Clone)]
pub(crate) struct TwoWayFe {
    n_years: usize,
    mask: Vec<bool>,
    /// Unit weights; `None`: all 1.
    weight: Option<Vec<f64>>,
    unit_count: Vec<f64>,
    year_count: Vec<f64>,
    /// Mask class of each unit.
    class_of: Vec<usize>,
    /// Years (in sample) of each class, and its row count.
    class_years: Vec<Vec<usize>>,
    class_count: Vec<f64>,
    /// Position of each year in the reduced system (`None`: reference or empty year).
    reduced: Vec<Option<usize>>,
    chol: Option<Cholesky>,
}

impl TwoWayFe {
    /// `mask` marks the cells (unit-major grid) the effects are fitted on.
    #[cfg(test)]
    pub(crate) fn new(n_units: usize, n_years: usize, mask: Vec<bool>) -> Result<Self, ImpactError> {
        Self::weighted(n_units, n_years, mask, None)
    }

    /// [`TwoWayFe::new`] by weighted least squares with one weight per unit (`None`:
    /// ordinary least squares).
    pub(crate) fn weighted(
        n_units: usize,
        n_years: usize,
        mask: Vec<bool>,
        weight: Option<&[f64]>,
    ) -> Result<Self, ImpactError> {
        if mask.len() != n_units * n_years || n_years == 0 || weight.is_some_and(|w| w.len() != n_units) {
            return Err(ImpactError::InvalidParameter("fixed-effect mask has the wrong size".into()));
        }
        let unit_weight = |u: usize| weight.map_or(1.0, |w| w[u]);
        let mut unit_count = vec![0.0; n_units];
        let mut year_count = vec![0.0; n_years];
        let mut class_of = vec![0usize; n_units];
        let mut class_years: Vec<Vec<usize>> = Vec::new();
        let mut class_size: Vec<f64> = Vec::new();
        let mut index: FastMap<Vec<u64>, usize> = FastMap::default();
        let words = n_years.div_ceil(64);
        let mut key = vec![0u64; words];
        for (u, row) in mask.chunks(n_years).enumerate() {
            key.iter_mut().for_each(|w| *w = 0);
            let w = unit_weight(u);
            for (t, m) in row.iter().enumerate() {
                if *m {
                    unit_count[u] += 1.0;
                    year_count[t] += w;
                    key[t / 64] |= 1 << (t % 64);
                }
            }
            let c = match index.get(&key) {
                Some(c) => *c,
                None => {
                    let c = class_years.len();
                    index.insert(key.clone(), c);
                    class_years.push(row.iter().enumerate().filter(|(_, m)| **m).map(|(t, _)| t).collect());
                    class_size.push(0.0);
                    c
                }
            };
            class_of[u] = c;
            class_size[c] += w;
        }
        let class_count: Vec<f64> = class_years.iter().map(|y| y.len() as f64).collect();
        let mut reduced = vec![None; n_years];
        let mut m = 0;
        let mut seen_reference = false;
        for (t, c) in year_count.iter().enumerate() {
            if *c > 0.0 {
                if seen_reference {
                    reduced[t] = Some(m);
                    m += 1;
                } else {
                    seen_reference = true;
                }
            }
        }
        if !seen_reference {
            return Err(ImpactError::NotIdentified("no cell to fit the fixed effects on".into()));
        }
        let mut s = vec![0.0; m * m];
        for (t, r) in reduced.iter().enumerate() {
            if let Some(r) = r {
                s[r * m + r] = year_count[t];
            }
        }
        for ((years, size), count) in class_years.iter().zip(&class_size).zip(&class_count) {
            if *count == 0.0 {
                continue;
            }
            let w = size / count;
            for a in years.iter().filter_map(|t| reduced[*t]) {
                for b in years.iter().filter_map(|t| reduced[*t]) {
                    s[a * m + b] -= w;
                }
            }
        }
        let chol = if m == 0 {
            None
        } else {
            Some(Cholesky::new(&s, m).ok_or_else(|| {
                ImpactError::NotIdentified(
                    "units and years do not form one connected panel, so unit and year effects \
                     cannot be separated"
                        .into(),
                )
            })?)
        };
        Ok(TwoWayFe {
            n_years,
            mask,
            weight: weight.map(<[f64]>::to_vec),
            unit_count,
            year_count,
            class_of,
            class_years,
            class_count,
            reduced,
            chol,
        })
    }

    pub(crate) fn in_sample(&self, cell: usize) -> bool {
        self.mask.get(cell).copied().unwrap_or(false)
    }

    /// The sample flags of one unit's row of cells.
    pub(crate) fn mask_row(&self, unit: usize) -> &[bool] {
        let t_n = self.n_years;
        self.mask.get(unit * t_n..(unit + 1) * t_n).unwrap_or(&[])
    }

    /// The weight of a unit (1 when unweighted).
    pub(crate) fn weight(&self, unit: usize) -> f64 {
        self.weight.as_ref().and_then(|w| w.get(unit).copied()).unwrap_or(1.0)
    }

    pub(crate) fn unit_count(&self, unit: usize) -> f64 {
        self.unit_count.get(unit).copied().unwrap_or(0.0)
    }

    pub(crate) fn year_count(&self, t: usize) -> f64 {
        self.year_count.get(t).copied().unwrap_or(0.0)
    }

    pub(crate) fn n_classes(&self) -> usize {
        self.class_years.len()
    }

    pub(crate) fn class_of(&self, unit: usize) -> usize {
        self.class_of.get(unit).copied().unwrap_or(0)
    }

    /// The in-sample years of a mask class.
    pub(crate) fn class_years(&self, class: usize) -> &[usize] {
        self.class_years.get(class).map_or(&[], Vec::as_slice)
    }

    /// Solves the normal equations `Z'ΩZ θ = (Ω·unit_sums, year_rhs)`, returning
    /// `(α, λ)` with the reference year's effect at zero. `unit_sums` are the
    /// unweighted per-unit sums, `year_rhs` the weighted per-year sums.
    pub(crate) fn solve(&self, unit_sums: &[f64], year_rhs: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let mut class_rhs = vec![0.0; self.n_classes()];
        for (u, r) in unit_sums.iter().enumerate() {
            class_rhs[self.class_of[u]] += self.weight(u) * r;
        }
        let lambda = self.solve_years_by_class(&class_rhs, year_rhs);
        let sums = self.class_lambda_sums(&lambda);
        let alpha = unit_sums
            .iter()
            .zip(&self.class_of)
            .map(|(r, c)| if self.class_count[*c] > 0.0 { (r - sums[*c]) / self.class_count[*c] } else { 0.0 })
            .collect();
        (alpha, lambda)
    }

    /// `Σ_{t in class} λ_t` for every class.
    pub(crate) fn class_lambda_sums(&self, lambda: &[f64]) -> Vec<f64> {
        self.class_years.iter().map(|ys| ys.iter().map(|t| lambda[*t]).sum()).collect()
    }

    /// `λ` from the unit right-hand side summed per mask class (a unit's right-hand side
    /// of the weighted normal equations, i.e. already multiplied by its weight).
    pub(crate) fn solve_years_by_class(&self, class_rhs: &[f64], year_rhs: &[f64]) -> Vec<f64> {
        let m = self.reduced.iter().flatten().count();
        let mut rhs = vec![0.0; m];
        for (t, r) in self.reduced.iter().enumerate() {
            if let Some(r) = r {
                rhs[*r] = year_rhs[t];
            }
        }
        for ((years, count), value) in self.class_years.iter().zip(&self.class_count).zip(class_rhs) {
            if *count == 0.0 || *value == 0.0 {
                continue;
            }
            let q = value / count;
            for r in years.iter().filter_map(|t| self.reduced[*t]) {
                rhs[r] -= q;
            }
        }
        self.finish(rhs)
    }

    fn finish(&self, mut rhs: Vec<f64>) -> Vec<f64> {
        if let Some(ch) = &self.chol {
            ch.solve_in_place(&mut rhs);
        }
        self.reduced.iter().map(|r| r.map_or(0.0, |r| rhs[r])).collect()
    }

    /// (Weighted) least-squares unit and year effects of `values` (a grid) on the masked
    /// cells.
    pub(crate) fn fit(&self, values: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let t_n = self.n_years;
        let mut unit_sums = vec![0.0; self.unit_count.len()];
        let mut year_rhs = vec![0.0; t_n];
        for (u, ((row, vals), r)) in self.mask.chunks(t_n).zip(values.chunks(t_n)).zip(unit_sums.iter_mut()).enumerate()
        {
            let w = self.weight(u);
            for ((m, v), y) in row.iter().zip(vals).zip(year_rhs.iter_mut()) {
                if *m {
                    *r += v;
                    *y += w * v;
                }
            }
        }
        self.solve(&unit_sums, &year_rhs)
    }

    /// `values` minus its fitted unit and year effects on the masked cells, 0 elsewhere.
    #[cfg(test)]
    pub(crate) fn residualize(&self, values: &[f64]) -> Vec<f64> {
        let (alpha, lambda) = self.fit(values);
        let t_n = self.n_years;
        let mut out = vec![0.0; values.len()];
        for (cell, (o, v)) in out.iter_mut().zip(values).enumerate() {
            if self.mask[cell] {
                *o = v - alpha[cell / t_n] - lambda[cell % t_n];
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_additive_effects_on_an_unbalanced_panel() -> Result<(), ImpactError> {
        let (n, t) = (6, 4);
        let alpha = [1.0, -2.0, 0.5, 3.0, 0.0, 7.0];
        let lambda = [0.0, 1.5, -1.0, 2.0];
        let mut mask = vec![true; n * t];
        mask[1] = false;
        mask[2 * t + 3] = false;
        mask[5 * t] = false;
        let values: Vec<f64> = (0..n * t).map(|c| alpha[c / t] + lambda[c % t]).collect();
        let fe = TwoWayFe::new(n, t, mask.clone())?;
        let r = fe.residualize(&values);
        assert!(r.iter().all(|x| x.abs() < 1e-12));
        let (a, l) = fe.fit(&values);
        assert!((a[3] - 3.0).abs() < 1e-12 && (l[2] + 1.0).abs() < 1e-12);
        Ok(())
    }

    #[test]
    fn disconnected_panels_are_not_identified() {
        // unit 0 only in years 0-1, unit 1 only in years 2-3
        let mask = vec![true, true, false, false, false, false, true, true];
        assert!(matches!(TwoWayFe::new(2, 4, mask), Err(ImpactError::NotIdentified(_))));
    }
}
