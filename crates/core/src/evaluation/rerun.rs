//! Re-running a stored evaluation on the data as it is now, and reading how its
//! estimate moved (issue 18, point 6).
//!
//! A re-run is a new evaluation job with the inputs of the original one (its request
//! as stored: the treated territories frozen when it was asked for, the indicator, the
//! estimator and every setting), which the worker estimates on the measurements stored
//! today. What may change between the two is the data: new source versions, values
//! revised, years added within the period. The comparison says whether the estimate
//! moved by more than its own uncertainty.

use crate::access::Principal;
use crate::impact::ImpactEstimate;

/// Whether a job in `status` may be re-run: once it has ended, done or failed. A job
/// still queued or running has not used any data yet.
pub fn has_ended(status: &str) -> bool {
    matches!(status, "done" | "failed")
}

/// Who may re-run an evaluation: whoever may request one ([`super::can_request`]),
/// since a re-run is a new request with the same inputs. The rule does not depend on
/// the request, so it holds after the change exactly when it holds before.
pub fn can_rerun(principal: &Principal) -> bool {
    super::can_request(principal)
}

/// Why a stored evaluation cannot be re-run as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationFault {
    /// The stored request is not a request this version reads any more.
    #[error("the stored request cannot be read: {0}")]
    UnreadableRequest(String),
    /// The stored request no longer holds against today's catalogue or referential
    /// (a territory merged away, an indicator withdrawn): `field` is its JSON path,
    /// `reason` the request check's own sentence (French).
    #[error("the stored request no longer holds today ({field}): {reason}")]
    NoLongerValid { field: String, reason: String },
}

/// How a re-run's estimate stands against the original's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shift {
    /// Re-run minus original.
    pub difference: f64,
    /// The re-run's estimate lies within the original's 95 % interval.
    pub rerun_within_original: bool,
    /// The original's estimate lies within the re-run's 95 % interval.
    pub original_within_rerun: bool,
    /// Each 95 % interval excludes zero (original, re-run).
    pub excludes_zero: (bool, bool),
}

impl Shift {
    /// The estimate moved beyond its uncertainty: either estimate lies outside the
    /// other's 95 % interval. The two estimates share most of their data, so this is a
    /// reading rule, not a test of the difference (whose standard error would need the
    /// covariance of two estimates on overlapping panels).
    pub fn beyond_uncertainty(&self) -> bool {
        !(self.rerun_within_original && self.original_within_rerun)
    }

    /// Whether the conclusion about a zero effect changed (distinct from zero in one,
    /// not in the other).
    pub fn conclusion_changed(&self) -> bool {
        self.excludes_zero.0 != self.excludes_zero.1
    }
}

fn within(x: f64, low: f64, high: f64) -> bool {
    low <= x && x <= high
}

fn excludes_zero(e: &ImpactEstimate) -> bool {
    e.ci_low > 0.0 || e.ci_high < 0.0
}

/// The re-run's estimate against the original's.
pub fn shift(original: &ImpactEstimate, rerun: &ImpactEstimate) -> Shift {
    Shift {
        difference: rerun.estimate - original.estimate,
        rerun_within_original: within(rerun.estimate, original.ci_low, original.ci_high),
        original_within_rerun: within(original.estimate, rerun.ci_low, rerun.ci_high),
        excludes_zero: (excludes_zero(original), excludes_zero(rerun)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{Principal, Role};
    use crate::impact::Method;

    fn estimate(value: f64, low: f64, high: f64) -> ImpactEstimate {
        let mut e = ImpactEstimate::new(Method::Twfe, value, (high - low) / 3.92);
        (e.ci_low, e.ci_high) = (low, high);
        e
    }

    #[test]
    fn an_estimate_inside_the_other_interval_has_not_moved_beyond_its_uncertainty() {
        let s = shift(&estimate(2.0, 1.0, 3.0), &estimate(2.4, 1.5, 3.3));
        assert!((s.difference - 0.4).abs() < 1e-12);
        assert!(s.rerun_within_original && s.original_within_rerun);
        assert!(!s.beyond_uncertainty());
        assert!(!s.conclusion_changed(), "both exclude zero");
    }

    #[test]
    fn an_estimate_outside_either_interval_has_moved_and_the_conclusion_may_change() {
        let s = shift(&estimate(2.0, 1.0, 3.0), &estimate(0.2, -0.5, 0.9));
        assert!((s.difference + 1.8).abs() < 1e-12);
        assert!(!s.rerun_within_original);
        assert!(s.beyond_uncertainty());
        assert_eq!(s.excludes_zero, (true, false));
        assert!(s.conclusion_changed());
        // A narrow re-run interval that leaves out the original estimate counts too.
        let s = shift(&estimate(2.0, 0.0, 4.0), &estimate(3.5, 3.2, 3.8));
        assert!(s.rerun_within_original && !s.original_within_rerun);
        assert!(s.beyond_uncertainty());
    }

    #[test]
    fn only_an_ended_job_is_rerun_and_only_by_a_role() {
        assert!(has_ended("done") && has_ended("failed"));
        assert!(!has_ended("queued") && !has_ended("running"));
        let person = uuid::Uuid::nil();
        let with = |roles: Vec<Role>| Principal { person, roles };
        assert!(can_rerun(&with(vec![Role::Delegate { departement: "42".into() }])));
        assert!(!can_rerun(&with(Vec::new())));
    }
}
