//! Small dense linear algebra: Cholesky factorisation of symmetric positive-definite
//! matrices of a few dozen rows (years, event-time dummies). Nothing here is ever
//! sized by the number of units.

// Triangular solves read best with explicit indices.
#![allow(clippy::needless_range_loop)]

/// Lower-triangular Cholesky factor of a row-major `n × n` matrix.
#[derive(Debug, Clone)]
pub(crate) struct Cholesky {
    n: usize,
    l: Vec<f64>,
}

/// Pivots below this fraction of the original diagonal mean the matrix is singular
/// (a fixed effect or a regressor is not identified).
const RELATIVE_PIVOT_TOLERANCE: f64 = 1e-10;

impl Cholesky {
    /// Factorises `a`; `None` when it is not (numerically) positive definite.
    pub(crate) fn new(a: &[f64], n: usize) -> Option<Self> {
        if a.len() != n * n {
            return None;
        }
        let mut l = vec![0.0; n * n];
        for j in 0..n {
            let mut d = a[j * n + j];
            for k in 0..j {
                d -= l[j * n + k] * l[j * n + k];
            }
            let scale = a[j * n + j].abs().max(f64::MIN_POSITIVE);
            if !d.is_finite() || d <= RELATIVE_PIVOT_TOLERANCE * scale {
                return None;
            }
            let d = d.sqrt();
            l[j * n + j] = d;
            for i in (j + 1)..n {
                let mut s = a[i * n + j];
                for k in 0..j {
                    s -= l[i * n + k] * l[j * n + k];
                }
                l[i * n + j] = s / d;
            }
        }
        Some(Cholesky { n, l })
    }

    /// Solves `A x = b` in place.
    pub(crate) fn solve_in_place(&self, b: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let mut s = b[i];
            for k in 0..i {
                s -= self.l[i * n + k] * b[k];
            }
            b[i] = s / self.l[i * n + i];
        }
        for i in (0..n).rev() {
            let mut s = b[i];
            for k in (i + 1)..n {
                s -= self.l[k * n + i] * b[k];
            }
            b[i] = s / self.l[i * n + i];
        }
    }

    /// The inverse, row-major.
    pub(crate) fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        let mut inv = vec![0.0; n * n];
        let mut col = vec![0.0; n];
        for j in 0..n {
            col.iter_mut().for_each(|c| *c = 0.0);
            col[j] = 1.0;
            self.solve_in_place(&mut col);
            for i in 0..n {
                inv[i * n + j] = col[i];
            }
        }
        inv
    }
}

/// `B A B` for symmetric row-major `k × k` matrices (the sandwich).
pub(crate) fn sandwich(bread: &[f64], meat: &[f64], k: usize) -> Vec<f64> {
    let mut tmp = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            tmp[i * k + j] = (0..k).map(|m| bread[i * k + m] * meat[m * k + j]).sum();
        }
    }
    let mut out = vec![0.0; k * k];
    for i in 0..k {
        for j in 0..k {
            out[i * k + j] = (0..k).map(|m| tmp[i * k + m] * bread[m * k + j]).sum();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_inverts_and_detects_singularity() {
        let a = [4.0, 2.0, 0.6, 2.0, 5.0, 1.0, 0.6, 1.0, 3.0];
        let ch = Cholesky::new(&a, 3).expect("positive definite");
        let mut b = [1.0, 2.0, 3.0];
        ch.solve_in_place(&mut b);
        for i in 0..3 {
            let ax: f64 = (0..3).map(|j| a[i * 3 + j] * b[j]).sum();
            assert!((ax - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let inv = ch.inverse();
        let id = sandwich(&a, &inv, 3);
        // A A^-1 A = A
        for (x, y) in id.iter().zip(a.iter()) {
            assert!((x - y).abs() < 1e-12);
        }
        assert!(Cholesky::new(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }
}
