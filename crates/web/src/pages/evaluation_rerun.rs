//! Re-running an evaluation on the data as it is now (issue 18, point 6): the form of
//! the evaluation page (`POST /evaluations/{id}/relancer`, for whoever may request an
//! evaluation: `cohesion_core::evaluation::rerun::can_rerun`), the list of an
//! evaluation's re-runs, and on a re-run's page the comparison with the original —
//! both estimates, their intervals, counts, period and source versions, and a
//! plain-French reading of whether the estimate moved beyond its uncertainty
//! (`cohesion_core::evaluation::rerun::shift`).

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::AppError;
use cohesion_app::evaluation::EvaluationJob;
use cohesion_core::evaluation::EvaluationResult;
use cohesion_core::evaluation::rerun::{self, Shift};
use time::OffsetDateTime;

use super::PagesConfig;
use super::components::{day, in_paris};
use super::error::{PageError, render};
use super::explain::fr_decimal;
use super::programme::plan::Fields;
use super::visitor::Who;
use crate::AppState;

/// One re-run in the original's list.
pub struct RerunRow {
    pub href: String,
    pub when: String,
    pub status: &'static str,
}

/// A re-run beside the evaluation it re-runs.
pub struct RerunComparison {
    /// « Comparaison avec l’évaluation du 6 décembre 2026 ».
    pub title: String,
    pub original_href: String,
    /// Both ended with an estimate: (label, original, re-run) rows.
    pub rows: Vec<[String; 3]>,
    /// The source versions each used.
    pub sources: [Vec<String>; 2],
    /// The reading, in French; or why there is nothing to compare yet.
    pub reading: Vec<String>,
}

/// "6 décembre 2026 à 09:15", in Europe/Paris.
fn when(t: OffsetDateTime) -> String {
    let p = in_paris(t);
    format!("{} à {:02}:{:02}", day(p.date()), p.hour(), p.minute())
}

/// When an evaluation read its data: when it ended, else when it was asked for.
fn as_of(job: &EvaluationJob) -> OffsetDateTime {
    job.finished_at.unwrap_or(job.created_at)
}

fn status_label(s: &str) -> &'static str {
    match s {
        "queued" => "en attente",
        "running" => "en cours",
        "done" => "terminée",
        _ => "en échec",
    }
}

/// The re-runs of `job` and, when `job` re-runs another, the comparison with it.
pub async fn related(
    state: &AppState,
    config: &Arc<PagesConfig>,
    job: &EvaluationJob,
    unit: &str,
) -> Result<(Vec<RerunRow>, Option<RerunComparison>), PageError> {
    let reruns = cohesion_app::evaluation::reruns(state, &job.id)
        .await
        .map_err(|e| PageError::internal(config, e))?
        .into_iter()
        .map(|r| RerunRow {
            href: format!("/evaluations/{}", r.id),
            when: when(r.created_at),
            status: status_label(&r.status),
        })
        .collect();
    let original = match &job.rerun_of {
        None => None,
        Some(id) => cohesion_app::evaluation::get(state, id).await.map_err(|e| PageError::internal(config, e))?,
    };
    Ok((reruns, original.map(|o| compare(&o, job, unit))))
}

fn source_list(job: &EvaluationJob) -> Vec<String> {
    super::evaluation::source_lines(job, |s| {
        format!("{} : version du {}", s.field("name"), super::explain::fr_date(s.field("version_date")))
    })
}

fn result_of(job: &EvaluationJob) -> Option<EvaluationResult> {
    job.result.clone().and_then(|v| serde_json::from_value(v).ok())
}

/// The comparison of re-run `rerun` with `original`.
fn compare(original: &EvaluationJob, rerun: &EvaluationJob, unit: &str) -> RerunComparison {
    let date = day(in_paris(as_of(original)).date());
    let mut c = RerunComparison {
        title: format!("Comparaison avec l’évaluation du {date}"),
        original_href: format!("/evaluations/{}", original.id),
        rows: Vec::new(),
        sources: [source_list(original), source_list(rerun)],
        reading: Vec::new(),
    };
    if !rerun::has_ended(&rerun.status) {
        c.reading.push(format!(
            "Cette évaluation relance celle du {date} sur les données actuelles, avec les mêmes entrées. La \
             comparaison des deux estimations s’affichera ici à la fin du calcul."
        ));
        return c;
    }
    let (Some(before), Some(now)) = (result_of(original), result_of(rerun)) else {
        let failed = if rerun.status == "failed" {
            "cette relance n’a pas abouti".to_owned()
        } else {
            format!("l’évaluation du {date} n’avait pas abouti")
        };
        c.reading.push(format!("Pas d’estimation à comparer : {failed}."));
        return c;
    };
    let (b, n) = (&before.estimate, &now.estimate);
    let value = |x: f64| format!("{} {unit}", fr_decimal(x, 3));
    let interval = |lo: f64, hi: f64| format!("de {} à {}", fr_decimal(lo, 3), fr_decimal(hi, 3));
    let period = |job: &EvaluationJob| {
        let year = |k: &str| job.request.get(k).and_then(|v| v.as_i64()).map_or_else(String::new, |y| y.to_string());
        format!("{} à {}", year("from"), year("to"))
    };
    c.rows = vec![
        ["Calculée le".into(), when(as_of(original)), when(as_of(rerun))],
        ["Effet estimé".into(), value(b.estimate), value(n.estimate)],
        ["Intervalle de confiance à 95 %".into(), interval(b.ci_low, b.ci_high), interval(n.ci_low, n.ci_high)],
        ["Territoires traités retenus".into(), b.n_treated_units.to_string(), n.n_treated_units.to_string()],
        ["Territoires de comparaison".into(), b.n_control_units.to_string(), n.n_control_units.to_string()],
        ["Observations (territoire × année)".into(), b.n_obs.to_string(), n.n_obs.to_string()],
        ["Période".into(), period(original), period(rerun)],
    ];
    let shift = rerun::shift(b, n);
    let same_data = c.sources[0] == c.sources[1];
    c.reading = reading(&shift, &date, unit, same_data, (b.estimate, n.estimate));
    c
}

/// The plain-French reading of how the estimate moved.
fn reading(shift: &Shift, date: &str, unit: &str, same_data: bool, (before, now): (f64, f64)) -> Vec<String> {
    let mut p = Vec::new();
    let moved =
        format!("{} {unit} (de {} à {})", fr_decimal(shift.difference, 3), fr_decimal(before, 3), fr_decimal(now, 3));
    if shift.difference == 0.0 && same_data {
        p.push(format!(
            "L’estimation n’a pas bougé : les versions des sources sont les mêmes qu’à l’évaluation du {date}, et le \
             calcul redonne la même valeur."
        ));
        return p;
    }
    p.push(if !shift.beyond_uncertainty() {
        format!(
            "L’estimation a bougé de {moved}, moins que son incertitude : chacune des deux estimations reste dans \
             l’intervalle de confiance à 95 % de l’autre. Les données actuelles ne changent pas ce que disait \
             l’évaluation du {date}."
        )
    } else {
        let outside = if shift.rerun_within_original {
            format!("l’estimation du {date} sort de l’intervalle de confiance à 95 %")
        } else {
            "la nouvelle estimation sort de l’intervalle de confiance à 95 %".to_owned()
        };
        format!(
            "L’estimation a bougé de {moved}, au-delà de son incertitude : {outside} de l’autre. Les données \
             actuelles changent ce que disait l’évaluation du {date} ; c’est la nouvelle estimation qu’il faut lire, \
             et les versions des sources ci-dessus disent ce qui a changé."
        )
    });
    match shift.excludes_zero {
        (true, false) => p.push(format!(
            "L’évaluation du {date} concluait à un effet distinct de zéro ; avec les données actuelles, l’intervalle \
             contient zéro : on ne peut plus exclure l’absence d’effet."
        )),
        (false, true) => p.push(format!(
            "L’évaluation du {date} ne permettait pas d’exclure l’absence d’effet ; avec les données actuelles, \
             l’intervalle exclut zéro."
        )),
        _ => {}
    }
    p.push(
        "Les deux estimations reposent en grande partie sur les mêmes données : cette lecture situe chacune dans \
         l’intervalle de l’autre, ce n’est pas un test statistique de leur écart."
            .to_owned(),
    );
    p
}

/// `POST /evaluations/{id}/relancer`: queues a re-run and lands on its page; the
/// evaluation's page again, with the reason, when it cannot be re-run.
pub async fn submit(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(fields);
    who.check_csrf(f.get("csrf"))?;
    let me = match who.allowed(rerun::can_rerun) {
        Ok(me) => me.clone(),
        Err(r) => return Ok(*r),
    };
    let config = &who.config;
    let (status, refused) = match cohesion_app::evaluation::rerun(&state, &me.principal, &id).await {
        Ok(job) => return Ok(Redirect::to(&format!("/evaluations/{}", job.id)).into_response()),
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(config)),
        Err(AppError::Forbidden(_)) => return Err(PageError::forbidden(config)),
        Err(AppError::Conflict(_)) => (
            StatusCode::CONFLICT,
            "Cette évaluation n’est pas terminée : elle pourra être relancée à la fin de son calcul.".to_owned(),
        ),
        Err(AppError::Invalid(faults)) => (StatusCode::BAD_REQUEST, super::fault::sentences(&faults)),
        Err(e) => return Err(PageError::internal(config, e)),
    };
    let job = cohesion_app::evaluation::get(&state, &id)
        .await
        .map_err(|e| PageError::internal(config, e))?
        .ok_or_else(|| PageError::not_found(config))?;
    let page = super::evaluation::build(&state, &who, job, Some(refused)).await?;
    Ok((status, render(config, &page)?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(difference: f64, within: (bool, bool), zero: (bool, bool)) -> Shift {
        Shift { difference, rerun_within_original: within.0, original_within_rerun: within.1, excludes_zero: zero }
    }

    #[test]
    fn the_reading_says_whether_the_estimate_moved_beyond_its_uncertainty() {
        let same = reading(&shift(0.0, (true, true), (true, true)), "6 décembre 2026", "€", true, (2.0, 2.0));
        assert_eq!(same.len(), 1);
        assert!(same[0].starts_with("L’estimation n’a pas bougé"), "{same:?}");

        let small = reading(&shift(0.25, (true, true), (true, true)), "6 décembre 2026", "€", false, (2.0, 2.25));
        assert!(small[0].starts_with("L’estimation a bougé de 0,250 € (de 2,000 à 2,250), moins que son incertitude"));
        assert!(small[0].ends_with("ne changent pas ce que disait l’évaluation du 6 décembre 2026."));
        assert!(small.last().is_some_and(|p| p.contains("pas un test statistique")));

        let lost = reading(&shift(-1.8, (false, true), (true, false)), "1er mars 2026", "€", false, (2.0, 0.2));
        assert!(
            lost[0].contains("de −1,800 € (de 2,000 à 0,200), au-delà de son incertitude : la nouvelle estimation")
        );
        assert!(lost[1].contains("on ne peut plus exclure l’absence d’effet"), "{lost:?}");

        let narrow = reading(&shift(1.5, (true, false), (true, true)), "1er mars 2026", "€", false, (2.0, 3.5));
        assert!(narrow[0].contains("au-delà de son incertitude : l’estimation du 1er mars 2026 sort de l’intervalle"));
        assert_eq!(narrow.len(), 2, "no change of conclusion: {narrow:?}");
    }
}
