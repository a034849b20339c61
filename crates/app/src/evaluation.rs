//! The evaluation worker: claims queued evaluation jobs from the database (any instance
//! may run any job), builds the panel from stored open-data measurements, runs the
//! estimator and stores the result with everything needed to reproduce it.
//!
//! `serve` runs one worker per instance ([`spawn`]); `cohesion evaluate --indicator`
//! queues a job and runs it at once through [`run_job`], so both paths share this code.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::time::Duration;

use cohesion_core::date;
use cohesion_core::evaluation::{EvaluationRequest, observations};
use cohesion_core::impact::{self, Panel};
use cohesion_core::indicator;
use cohesion_core::territory::Referential;
pub use cohesion_store::evaluation::EvaluationJob;
use cohesion_store::{Store, StoreError};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;

/// A running job whose heartbeat is older than this is taken over by another worker.
pub const STALE_AFTER: Duration = Duration::from_secs(600);

/// A name for this process's worker, unique across instances.
pub fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!("{host}:{}:{}", std::process::id(), uuid::Uuid::now_v7().simple())
}

/// Polls for jobs every `every` (immediately again after a job), until the runtime stops.
pub fn spawn(state: App, every: Duration) -> tokio::task::JoinHandle<()> {
    let worker = worker_name();
    tokio::spawn(async move {
        loop {
            let stale = OffsetDateTime::now_utc() - STALE_AFTER;
            match state.store.claim_evaluation(&worker, stale).await {
                Ok(Some(job)) => {
                    let referential = &state.current().referential;
                    if let Err(e) = run_job(&state.store, referential, &job, &worker).await {
                        tracing::error!(error = %e, job = %job.id, "evaluation job failed to record");
                    }
                    continue;
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "claiming an evaluation job failed"),
            }
            tokio::time::sleep(every).await;
        }
    })
}

/// Runs one claimed job to its end (done or failed). Errors are the database's only: a
/// bad request or an impossible estimate marks the job failed with a French reason.
pub async fn run_job(
    store: &Store,
    referential: &Referential,
    job: &EvaluationJob,
    worker: &str,
) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let outcome = compute(store, referential, job, worker).await?;
    match outcome {
        Ok((inputs, panel, result)) => {
            store.finish_evaluation(&job.id, worker, &inputs, &panel, &result).await?;
            tracing::info!(job = %job.id, ms = started.elapsed().as_millis() as u64, "evaluation done");
        }
        Err(reason) => {
            store.fail_evaluation(&job.id, worker, &reason.0).await?;
            tracing::info!(job = %job.id, reason = %reason, "evaluation failed");
        }
    }
    Ok(())
}

type Computed = (serde_json::Value, String, serde_json::Value);

/// Why a job failed, in French: recorded with the job and shown on its page.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct JobFailure(String);

fn failed(reason: impl Into<String>) -> Result<Computed, JobFailure> {
    Err(JobFailure(reason.into()))
}

async fn compute(
    store: &Store,
    referential: &Referential,
    job: &EvaluationJob,
    worker: &str,
) -> Result<Result<Computed, JobFailure>, StoreError> {
    let request: EvaluationRequest = match serde_json::from_value(job.request.clone()) {
        Ok(r) => r,
        Err(e) => return Ok(failed(format!("demande illisible : {e}"))),
    };
    let valid = match request.validate(referential) {
        Ok(v) => v,
        Err(faults) => {
            let text: Vec<String> = faults.iter().map(|(f, m)| format!("{f} : {m}")).collect();
            return Ok(failed(format!("demande invalide : {}", text.join(" ; "))));
        }
    };
    store.evaluation_progress(&job.id, worker, "panel", 10).await?;
    let (Some(from), Some(to)) = (date::year_start(request.from), date::ymd(request.to, 12, 31)) else {
        return Ok(failed("période invalide"));
    };
    let values = store.effective_values(&request.indicator, valid.unit_kind, from, to).await?;
    // One value per territory and year: the last date of the year (values come sorted).
    let mut by_cell: BTreeMap<(String, i32), (f64, String)> = BTreeMap::new();
    for v in &values {
        let year = v.date.get(..4).and_then(|y| y.parse::<i32>().ok()).unwrap_or(0);
        by_cell.insert((v.code.clone(), year), (v.value, v.source_version.clone()));
    }
    let (by_cell, single_year) = without_single_year_units(by_cell);
    let used: BTreeSet<String> = by_cell.values().map(|(_, s)| s.clone()).collect();
    let triples: Vec<(String, i32, f64)> = by_cell.into_iter().map(|((c, y), (v, _))| (c, y, v)).collect();
    let rows = observations(&triples, &valid.treated);
    let units: BTreeSet<&str> = rows.iter().map(|r| r.unit.as_str()).collect();
    let missing_treated: Vec<&String> =
        valid.treated.keys().filter(|c| !units.contains(c.as_str()) && single_year.binary_search(c).is_err()).collect();
    if rows.is_empty() {
        return Ok(failed(format!(
            "aucune valeur ouverte de « {} » pour les {} entre {} et {}",
            request.indicator, valid.unit_kind, request.from, request.to
        )));
    }
    let panel_csv = panel_text(&rows);
    store.evaluation_progress(&job.id, worker, "estimate", 50).await?;
    let (method, control, anticipation) = (request.method, request.control, request.anticipation);
    let estimated = tokio::task::spawn_blocking(move || {
        Panel::from_observations(&rows).and_then(|p| impact::estimate_with(&p, method, control, anticipation))
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("estimator task: {e}")))?;
    let mut result = match estimated {
        Ok(r) => r,
        Err(e) => return Ok(failed(format!("estimation impossible : {e}"))),
    };
    if !single_year.is_empty() {
        let listed = single_year.iter().take(20).map(String::as_str).collect::<Vec<_>>().join(", ");
        let n = single_year.len();
        result.note(
            format!("{n} territories with a value in one year only are left out (no change to compare): {listed}"),
            format!(
                "{n} territoire(s) n’ayant de valeur qu’une année sont écartés (aucune évolution à comparer) : {listed}"
            ),
        );
    }
    if !missing_treated.is_empty() {
        let listed = missing_treated.iter().take(20).map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        let n = missing_treated.len();
        result.note(
            format!("{n} treated territories have no value in the period and are left out: {listed}"),
            format!(
                "{n} {} aucune valeur sur la période et {} : {listed}",
                if n < 2 { "territoire traité n’a" } else { "territoires traités n’ont" },
                if n < 2 { "est écarté" } else { "sont écartés" }
            ),
        );
    }
    store.evaluation_progress(&job.id, worker, "store", 90).await?;
    let sources: Vec<serde_json::Value> =
        store.source_versions().await?.into_iter().filter(|s| used.contains(&s.id)).map(|s| json!(s)).collect();
    let inputs = json!({
        "request": request,
        "unit_kind": valid.unit_kind,
        "treated": valid.treated,
        "indicator": indicator::find(&request.indicator),
        "origin": "open_data",
        "source_versions": sources,
        "referential_vintage": referential.vintage(),
        "panel_rows": panel_csv.lines().count().saturating_sub(1),
        "panel_fnv1a64": format!("{:016x}", fnv1a64(panel_csv.as_bytes())),
        "software_version": env!("CARGO_PKG_VERSION"),
    });
    let result = serde_json::to_value(&result).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(Ok((inputs, panel_csv, result)))
}

/// Leaves out the territories observed in one year only, and names them. Such a unit
/// shows no change, so no difference-in-differences uses it; with unit and year fixed
/// effects it would even cut the panel in two when nobody else is observed that year
/// (Mayotte's communes, whose legal populations are all dated on their 2017 census, made
/// the population panel "not connected").
fn without_single_year_units<V>(by_cell: BTreeMap<(String, i32), V>) -> (BTreeMap<(String, i32), V>, Vec<String>) {
    let mut years: BTreeMap<&str, usize> = BTreeMap::new();
    for (code, _) in by_cell.keys() {
        *years.entry(code.as_str()).or_default() += 1;
    }
    let single: BTreeSet<String> = years.into_iter().filter(|(_, n)| *n < 2).map(|(c, _)| c.to_owned()).collect();
    if single.is_empty() {
        return (by_cell, Vec::new());
    }
    let kept = by_cell.into_iter().filter(|((code, _), _)| !single.contains(code)).collect();
    (kept, single.into_iter().collect())
}

/// The panel as `cohesion evaluate --panel` reads it (values printed to round-trip).
pub fn panel_text(rows: &[impact::Observation]) -> String {
    let mut s = String::with_capacity(rows.len() * 24 + 32);
    s.push_str("unit,year,outcome,first_treated\n");
    for r in rows {
        let _ = writeln!(s, "{},{},{},{}", r.unit, r.year, r.outcome, r.first_treated.unwrap_or(0));
    }
    s
}

/// FNV-1a, 64 bits: a checksum of the stored panel, not a security measure.
fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Queues an evaluation request (validated by the caller) for the worker; the job as
/// recorded.
pub async fn queue(
    app: &App,
    who: &cohesion_core::access::Principal,
    request: &serde_json::Value,
) -> Result<EvaluationJob, crate::AppError> {
    Ok(app.store.create_evaluation(request, &format!("person:{}", who.person)).await?)
}

/// One evaluation job, if any.
pub async fn get(app: &App, id: &str) -> Result<Option<EvaluationJob>, crate::AppError> {
    Ok(app.store.evaluation(id).await?)
}

/// Evaluation jobs, newest first, and how many there are.
pub async fn list(app: &App, limit: i64, offset: i64) -> Result<(Vec<EvaluationJob>, i64), crate::AppError> {
    Ok(app.store.evaluations(limit, offset).await?)
}

/// Queues a (validated) request as a job, then claims and runs it at once in this
/// process with the worker's code (`cohesion evaluate`): the job as it ended.
pub async fn run_now(
    db: &crate::database::Database,
    referential: &Referential,
    request: &serde_json::Value,
    actor: &str,
    worker: &str,
) -> Result<EvaluationJob, crate::AppError> {
    let store = &db.store;
    let job = store.create_evaluation(request, actor).await?;
    let claimed = store
        .claim_evaluation_id(&job.id, worker)
        .await?
        .ok_or_else(|| crate::AppError::Conflict("the job was taken by another worker".into()))?;
    run_job(store, referential, &claimed, worker).await?;
    store.evaluation(&job.id).await?.ok_or_else(|| crate::AppError::NotFound("the job disappeared".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_year_units_are_left_out_and_named() {
        let cells: BTreeMap<(String, i32), f64> = [
            (("01001".to_owned(), 2016), 767.0),
            (("01001".to_owned(), 2019), 779.0),
            (("97611".to_owned(), 2017), 71_437.0),
        ]
        .into_iter()
        .collect();
        let (kept, left) = without_single_year_units(cells);
        assert_eq!(left, ["97611"]);
        assert_eq!(kept.len(), 2);
        assert!(kept.keys().all(|(c, _)| c == "01001"));
    }
}
