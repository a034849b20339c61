//! Pre-trend (placebo) tests on leads: a joint Wald test that every lead effect is
//! zero, `W = b' V⁻¹ b ~ χ²(k)` under the null of parallel pre-trends.

use super::linalg::Cholesky;
use super::result::PretrendTest;

/// Wald test of `estimates = 0` given their covariance (row-major `k × k`).
/// `None` when there is no lead or the covariance is singular.
pub fn wald_test(leads: &[i32], estimates: &[f64], vcov: &[f64]) -> Option<PretrendTest> {
    let k = estimates.len();
    if k == 0 || leads.len() != k || vcov.len() != k * k {
        return None;
    }
    let ch = Cholesky::new(vcov, k)?;
    let mut x = estimates.to_vec();
    ch.solve_in_place(&mut x);
    let statistic: f64 = x.iter().zip(estimates).map(|(a, b)| a * b).sum();
    Some(PretrendTest { leads: leads.to_vec(), statistic, df: k, p_value: chi2_survival(statistic, k as f64) })
}

/// `P(χ²(df) > x)`.
pub fn chi2_survival(x: f64, df: f64) -> f64 {
    if x <= 0.0 {
        return 1.0;
    }
    upper_regularized_gamma(df / 2.0, x / 2.0)
}

fn ln_gamma(x: f64) -> f64 {
    // Lanczos approximation (g = 7, n = 9), accurate to ~1e-15 for x > 0.
    const C: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut a = C[0];
    let t = x + 7.5;
    for (i, c) in C.iter().enumerate().skip(1) {
        a += c / (x + i as f64);
    }
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + a.ln()
}

/// `Q(a, x) = Γ(a, x) / Γ(a)` by series (x < a + 1) or continued fraction.
fn upper_regularized_gamma(a: f64, x: f64) -> f64 {
    let log_prefix = a * x.ln() - x - ln_gamma(a);
    if x < a + 1.0 {
        let mut sum = 1.0 / a;
        let mut term = sum;
        let mut ap = a;
        for _ in 0..500 {
            ap += 1.0;
            term *= x / ap;
            sum += term;
            if term.abs() < sum.abs() * 1e-16 {
                break;
            }
        }
        (1.0 - sum * log_prefix.exp()).clamp(0.0, 1.0)
    } else {
        let tiny = 1e-300;
        let mut b = x + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..500 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let delta = d * c;
            h *= delta;
            if (delta - 1.0).abs() < 1e-16 {
                break;
            }
        }
        (log_prefix.exp() * h).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chi2_tail_matches_known_values() {
        // qchisq(0.95, df) in R: 3.841459 (1), 5.991465 (2), 11.0705 (5)
        assert!((chi2_survival(3.841_458_820_694_124, 1.0) - 0.05).abs() < 1e-9);
        assert!((chi2_survival(5.991_464_547_107_979, 2.0) - 0.05).abs() < 1e-9);
        assert!((chi2_survival(11.070_497_693_516_35, 5.0) - 0.05).abs() < 1e-9);
        assert!((chi2_survival(30.0, 2.0) - (-15.0f64).exp()).abs() < 1e-15);
        assert!((chi2_survival(30.0, 4.0) - 16.0 * (-15.0f64).exp()).abs() < 1e-14);
    }

    #[test]
    fn wald_of_independent_leads_is_sum_of_squared_t() {
        let t = wald_test(&[-3, -2], &[1.0, 2.0], &[1.0, 0.0, 0.0, 4.0]).expect("test");
        assert!((t.statistic - 2.0).abs() < 1e-12);
        assert_eq!(t.df, 2);
        assert!((t.p_value - (-1.0f64).exp()).abs() < 1e-12);
    }
}
