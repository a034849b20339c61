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
use cohesion_core::evaluation::{
    BalanceRow, ClusterLevel, Clustering, Comparison, EvaluationRequest, EvaluationResult, MatchSpec, MatchingSummary,
    PlaceboTime, ValidRequest, matching_features, observations,
};
use cohesion_core::impact::{
    self, BootstrapOptions, CsOptions, FeatureSpace, ImpactError, ImpactEstimate, MatchOptions, Method, Observation,
    Panel, PreBase, Spec, WildBootstrap, WildOptions, WildWeights,
};
use cohesion_core::indicator;
use cohesion_core::territory::Referential;
pub use cohesion_store::evaluation::EvaluationJob;
use cohesion_store::{Store, StoreError};
use serde_json::json;
use time::OffsetDateTime;

use crate::App;

/// Draws of the multiplier bootstrap (CS uniform band) and the seed of every random
/// draw of a job, stored with the result so that it reproduces.
pub const BOOTSTRAP_DRAWS: usize = 999;
pub const SEED: u64 = 2026;

/// The `M̄` of the sensitivity table.
pub const SENSITIVITY_GRID: [f64; 5] = [0.0, 0.5, 1.0, 1.5, 2.0];

/// A running job whose heartbeat is older than this is taken over by another worker.
pub const STALE_AFTER: Duration = Duration::from_secs(600);

/// Evaluations this process finished (done) since it started: the territory pages show
/// each programme's latest one, so the bodies they keep are stamped with it.
static FINISHED_HERE: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// How many evaluations this process's worker has finished (an evaluation finished by
/// another instance is seen here at the next change of the data the pages show).
pub fn finished_here() -> i64 {
    FINISHED_HERE.load(std::sync::atomic::Ordering::Relaxed)
}

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
            FINISHED_HERE.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
    let (triples, transform_lost) = request.transform.apply(triples);
    let mut rows = observations(&triples, &valid.treated);
    // Clustered at a coarse level: each territory's département or région; a territory
    // the referential places in none is left out (and named).
    let (clusters, without_cluster) = match request.cluster {
        None => (None, Vec::new()),
        Some(level) => {
            let (map, lacking) = cluster_map(&rows, referential, &valid, level);
            rows.retain(|r| map.contains_key(&r.unit));
            (Some((level, map)), lacking)
        }
    };
    let units: BTreeSet<&str> = rows.iter().map(|r| r.unit.as_str()).collect();
    let missing_treated: Vec<String> = valid
        .treated
        .keys()
        .filter(|c| !units.contains(c.as_str()) && single_year.binary_search(c).is_err())
        .cloned()
        .collect();
    if rows.is_empty() {
        return Ok(failed(format!(
            "aucune valeur ouverte de « {} » pour les {} entre {} et {}",
            request.indicator, valid.unit_kind, request.from, request.to
        )));
    }
    let (matching, weights) = match &request.comparison {
        Comparison::All => (None, None),
        Comparison::Matched(spec) => {
            store.evaluation_progress(&job.id, worker, "matching", 30).await?;
            match matched_rows(&rows, referential, &valid, &request, spec) {
                Ok((kept, summary, weights)) => {
                    rows = kept;
                    (Some(summary), Some(weights))
                }
                Err(reason) => return Ok(failed(reason)),
            }
        }
    };
    // Baseline covariates (CS, doubly robust): a territory without a value is left out.
    let (covariates, without_covariate) = covariate_values(&rows, referential, valid.unit_kind, &request.covariates);
    if !request.covariates.is_empty() {
        rows.retain(|r| covariates.contains_key(&r.unit));
        if rows.is_empty() {
            return Ok(failed("aucun territoire n’a de valeur pour toutes les covariables demandées"));
        }
    }
    // A matched comparison is estimated with the matching weights, except by Sun &
    // Abraham, which has no weighted version (the weights are then left aside and said).
    let weighting = match (&weights, request.method) {
        (None, _) => Weighting::None,
        (Some(_), Method::SunAbraham) => Weighting::LeftAside,
        (Some(_), _) => Weighting::Matching,
    };
    let unit_weights = if weighting == Weighting::Matching { weights.clone() } else { None };
    let panel_csv = panel_text(&rows);
    let covariate_names: Vec<String> = request.covariates.iter().map(|c| c.label_fr().to_owned()).collect();
    store.evaluation_progress(&job.id, worker, "estimate", 50).await?;
    let spec = Spec { method: request.method, control: request.control, anticipation: request.anticipation };
    let draws = request.placebo_draws as usize;
    let progress_store = store.clone();
    let (job_id, worker_name) = (job.id.clone(), worker.to_owned());
    let handle = tokio::runtime::Handle::current();
    let estimated = tokio::task::spawn_blocking(move || {
        let panel = Panel::from_observations(&rows)?;
        let panel = match &unit_weights {
            Some(w) => panel.with_unit_weights(|code| w.get(code).copied())?,
            None => panel,
        };
        let panel = if covariate_names.is_empty() {
            panel
        } else {
            let names: Vec<&str> = covariate_names.iter().map(|n| n.as_str()).collect();
            panel.with_unit_covariates(&names, |code| covariates.get(code).cloned())?
        };
        // The wild bootstrap first: a panel that cannot be clustered fails the job early.
        let wild = match &clusters {
            None => None,
            Some((level, map)) => {
                let options = WildOptions { draws: BOOTSTRAP_DRAWS, seed: SEED, weights: WildWeights::Auto };
                match impact::wild_cluster_bootstrap(&panel, map.iter(), &options) {
                    Ok(wb) => Some((*level, wb)),
                    Err(e) => return Ok(Err(cluster_failure(*level, &e))),
                }
            }
        };
        let estimate = match spec.method {
            Method::Cs => impact::callaway_santanna(
                &panel,
                &CsOptions {
                    control: spec.control,
                    anticipation: spec.anticipation,
                    bootstrap: Some(BootstrapOptions { draws: BOOTSTRAP_DRAWS, seed: SEED }),
                },
            )?,
            _ => impact::estimate_with(&panel, spec.method, spec.control, spec.anticipation)?,
        };
        let _ = handle.block_on(progress_store.evaluation_progress(&job_id, &worker_name, "placebo", 65));
        let mut result = checks(&panel, &spec, estimate, draws);
        if let Some((level, wb)) = wild {
            apply_clustering(&mut result, level, wb);
        }
        Ok::<_, impact::ImpactError>(Ok(result))
    })
    .await
    .map_err(|e| StoreError::Corrupt(format!("estimator task: {e}")))?;
    let mut result = match estimated {
        Ok(Ok(r)) => r,
        Ok(Err(reason)) => return Ok(Err(reason)),
        Err(e) => return Ok(failed(format!("estimation impossible : {}", impact_error_fr(&e)))),
    };
    result.matching = matching;
    if !without_cluster.is_empty() {
        let listed = without_cluster.iter().take(20).map(String::as_str).collect::<Vec<_>>().join(", ");
        let n = without_cluster.len();
        let level = request.cluster.map_or("", ClusterLevel::label_fr);
        result.estimate.note(
            format!("{n} territories without a {level} in the referential are left out: {listed}"),
            format!(
                "{n} {} de {level} dans le référentiel et {} : {listed}",
                if n < 2 { "territoire n’a pas" } else { "territoires n’ont pas" },
                if n < 2 { "est écarté" } else { "sont écartés" }
            ),
        );
    }
    weighting.note(&mut result.estimate);
    if let cohesion_core::evaluation::TreatedSet::Programme { without_date, undated_year: Some(year), .. } =
        &request.treated
        && *without_date > 0
    {
        let n = *without_date;
        result.estimate.note(
            format!(
                "{n} memberships carry no date of signature or labelling: their territories are taken as treated \
                 from {year}, the year declared by the requester (an assumption, not a fact of the list); a member \
                 that joined later is counted as treated too early, which pulls the estimate towards zero"
            ),
            format!(
                "{n} {} : {} traités à partir de {year}, l’année déclarée par le demandeur (une hypothèse, \
                 pas une donnée de la liste) ; un membre entré plus tard est compté comme traité trop tôt, ce qui \
                 rapproche l’estimation de zéro",
                if n < 2 {
                    "adhésion n’a pas de date de signature ni de labellisation"
                } else {
                    "adhésions n’ont pas de date de signature ni de labellisation"
                },
                if n < 2 { "son territoire est" } else { "leurs territoires sont" }
            ),
        );
    }
    if !without_covariate.is_empty() {
        let listed = without_covariate.iter().take(20).map(String::as_str).collect::<Vec<_>>().join(", ");
        let n = without_covariate.len();
        result.estimate.note(
            format!("{n} territories lack a covariate value and are left out: {listed}"),
            format!(
                "{n} {} : {listed}",
                if n < 2 {
                    "territoire sans valeur pour une covariable est écarté"
                } else {
                    "territoires sans valeur pour une covariable sont écartés"
                }
            ),
        );
    }
    if !single_year.is_empty() {
        let listed = single_year.iter().take(20).map(String::as_str).collect::<Vec<_>>().join(", ");
        let n = single_year.len();
        result.estimate.note(
            format!("{n} territories with a value in one year only are left out (no change to compare): {listed}"),
            format!(
                "{n} {} (aucune évolution à comparer) : {listed}",
                if n < 2 {
                    "territoire n’ayant de valeur qu’une année est écarté"
                } else {
                    "territoires n’ayant de valeur qu’une année sont écartés"
                }
            ),
        );
    }
    if transform_lost > 0 {
        let n = transform_lost;
        result.estimate.note(
            format!("{n} values could not be transformed ({:?}) and are left out", request.transform),
            format!(
                "{n} {} ({}) : {}",
                if n < 2 { "valeur ne peut être transformée" } else { "valeurs ne peuvent être transformées" },
                request.transform.label_fr(),
                if n < 2 { "elle est écartée" } else { "elles sont écartées" }
            ),
        );
    }
    if !missing_treated.is_empty() {
        let listed = missing_treated.iter().take(20).map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        let n = missing_treated.len();
        result.estimate.note(
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
        "matching_weights": if weighting == Weighting::Matching { weights } else { None },
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

/// Each territory's covariate values, in the request's order, for the territories that
/// have them all; and the territories left out for want of one. The outcome in the
/// panel's first year with values comes from the rows, the rest from the referential.
fn covariate_values(
    rows: &[impact::Observation],
    referential: &Referential,
    kind: cohesion_core::territory::TerritoryKind,
    wanted: &[cohesion_core::evaluation::Covariate],
) -> (BTreeMap<String, Vec<f64>>, Vec<String>) {
    use cohesion_core::evaluation::Covariate;
    let mut values = BTreeMap::new();
    let mut lacking = Vec::new();
    if wanted.is_empty() {
        return (values, lacking);
    }
    let first_year = rows.iter().map(|r| r.year).min().unwrap_or(0);
    let first: BTreeMap<&str, f64> =
        rows.iter().filter(|r| r.year == first_year).map(|r| (r.unit.as_str(), r.outcome)).collect();
    let units: BTreeSet<&str> = rows.iter().map(|r| r.unit.as_str()).collect();
    for unit in units {
        let territory = referential.get(kind, unit);
        let row: Option<Vec<f64>> = wanted
            .iter()
            .map(|c| match c {
                Covariate::OutcomeFirstYear => first.get(unit).copied(),
                c => territory.and_then(|t| c.of_territory(t)),
            })
            .collect();
        match row {
            Some(row) => {
                values.insert(unit.to_owned(), row);
            }
            None => lacking.push(unit.to_owned()),
        }
    }
    (values, lacking)
}

/// An estimator's refusal in French where it concerns the covariates (the others keep
/// the estimator's own words).
fn impact_error_fr(e: &impact::ImpactError) -> String {
    use impact::ImpactError as E;
    match e {
        E::CollinearCovariates { group, year, .. } => format!(
            "cohorte {group}, année {year} : les covariables sont colinéaires ou constantes dans ce groupe ; retirez-en \
             une"
        ),
        E::PropensityNotConverged { group, year, iterations } => format!(
            "cohorte {group}, année {year} : le score de propension n’a pas convergé en {iterations} itérations ; \
             retirez ou simplifiez des covariables"
        ),
        E::OverlapViolated { group, year, max_score } => format!(
            "cohorte {group}, année {year} : le score de propension atteint {max_score:.4} (des territoires sont \
             presque sûrement traités au vu de leurs covariables, sans comparable non traité) ; retirez ou simplifiez \
             des covariables"
        ),
        E::TooFewUnits { group, year, units, needed, .. } => format!(
            "cohorte {group}, année {year} : {units} territoires dans un des groupes comparés, il en faut au moins \
             {needed} avec ces covariables"
        ),
        e => e.to_string(),
    }
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

/// Makes a posted request ready to queue: a programme's members are frozen into its
/// treated territories (adoption year = signature, else labelling), a signed pact's
/// perimeter into its (adoption year = the signature covering each territory), then
/// every field is checked. The faults name their field (JSON path) in French.
pub fn prepare(app: &App, mut request: EvaluationRequest) -> Result<EvaluationRequest, Vec<(String, String)>> {
    use cohesion_core::evaluation::TreatedSet;
    let snapshot = app.current();
    match &request.treated {
        TreatedSet::Programme { code, undated_year, .. } => {
            if snapshot.programmes.programme(code).is_none() {
                return Err(vec![("treated.code".into(), format!("aucun programme « {code} »"))]);
            }
            let members = snapshot.programmes.members(code).map(|(m, _)| m);
            request.treated = TreatedSet::from_programme(code, members, *undated_year);
        }
        // A signed pact is public (`pact::public_part`): anyone may take its perimeter.
        // An unsigned one, or none, gets the same answer, which tells nothing of it.
        TreatedSet::Pact { id, .. } => {
            let index = app.pacts.load();
            let signed = index.pacts.iter().find(|p| &p.pact.id == id).and_then(|p| TreatedSet::from_pact(&p.pact));
            match signed {
                Some(set) => request.treated = set,
                None => return Err(vec![("treated.id".into(), format!("aucun pacte signé « {id} »"))]),
            }
        }
        TreatedSet::Territories { .. } => {}
    }
    request.validate(&snapshot.referential)?;
    Ok(request)
}

/// A signed pact whose perimeter may be evaluated, as the request form offers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedPact {
    pub id: String,
    /// The title in force.
    pub title: String,
    /// The territories of its perimeter, over its signed versions.
    pub territories: usize,
    /// The year of its first signature.
    pub signed_year: i32,
}

fn signed_pact_of(pact: &cohesion_core::pact::Pact) -> Option<SignedPact> {
    let set = cohesion_core::evaluation::TreatedSet::from_pact(pact)?;
    let cohesion_core::evaluation::TreatedSet::Pact { id, title, territories } = set else { return None };
    let signed_year = territories.iter().map(|t| t.adoption_year).min()?;
    Some(SignedPact { id, title, territories: territories.len(), signed_year })
}

/// The signed pacts matching the words `q` (the pacts' French search: title, kind,
/// parties, perimeter), at most `limit`. Signed pacts are public: the list is the same
/// for everyone.
pub fn signed_pacts(app: &App, q: &str, limit: usize) -> Result<Vec<SignedPact>, crate::AppError> {
    let filter = crate::pact::read::PactFilter { q: Some(q.to_owned()), ..Default::default() };
    let found = crate::pact::read::find_as(app, &crate::pact::read::Reader::anyone(), &filter, 0, 200)?;
    let index = app.pacts.load();
    Ok(found
        .items
        .iter()
        .filter_map(|s| index.pacts.iter().find(|p| p.pact.id == s.id))
        .filter_map(|p| signed_pact_of(&p.pact))
        .take(limit)
        .collect())
}

/// The signed pact `id`, if there is one.
pub fn signed_pact(app: &App, id: &str) -> Option<SignedPact> {
    app.pacts.load().pacts.iter().find(|p| p.pact.id == id).and_then(|p| signed_pact_of(&p.pact))
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

/// Queues a re-run of evaluation `id` on the data as it is now: a new job with the
/// same inputs (its request as stored, the treated territories as they were frozen),
/// recording which evaluation it re-runs.
///
/// Authorised on the state before (the person may request an evaluation,
/// `evaluation::rerun::can_rerun`; the original has ended, else `Conflict`) and after
/// (the new job's request is the original's, which the same rule allows: it does not
/// depend on the request); the stored request must still hold against today's
/// catalogue and referential (typed faults, `EvaluationFault`).
pub async fn rerun(
    app: &App,
    who: &cohesion_core::access::Principal,
    id: &str,
) -> Result<EvaluationJob, crate::AppError> {
    use cohesion_core::evaluation::{EvaluationFault, rerun};
    let original =
        app.store.evaluation(id).await?.ok_or_else(|| crate::AppError::NotFound(format!("no evaluation {id}")))?;
    if !rerun::can_rerun(who) {
        return Err(crate::AppError::Forbidden("re-running an evaluation needs a role on the platform".into()));
    }
    if !rerun::has_ended(&original.status) {
        return Err(crate::AppError::Conflict(format!(
            "evaluation {id} is {}: only a done or failed evaluation can be re-run",
            original.status
        )));
    }
    let request: EvaluationRequest = serde_json::from_value(original.request.clone())
        .map_err(|e| crate::AppError::invalid("request", EvaluationFault::UnreadableRequest(e.to_string())))?;
    if let Err(faults) = request.validate(&app.current().referential) {
        return Err(crate::AppError::Invalid(
            faults
                .into_iter()
                .map(|(field, reason)| {
                    crate::Fault::new(field.clone(), EvaluationFault::NoLongerValid { field, reason })
                })
                .collect(),
        ));
    }
    // The state after: a job whose request is the original's, byte for byte, which the
    // rule above allows (it does not depend on the request).
    Ok(app.store.create_rerun(&original.id, &original.request, &format!("person:{}", who.person)).await?)
}

/// The re-runs of evaluation `id`, oldest first.
pub async fn reruns(app: &App, id: &str) -> Result<Vec<EvaluationJob>, crate::AppError> {
    Ok(app.store.evaluation_reruns(id).await?)
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

/// The checks run around an estimate: placebo in time (two years earlier, else one),
/// randomisation inference over the never treated (`draws`, none if 0) and the
/// relative-magnitude sensitivity (event studies with leads only).
fn checks(panel: &Panel, spec: &Spec, estimate: ImpactEstimate, draws: usize) -> EvaluationResult {
    let mut estimate = estimate;
    let placebo_time = [2, 1].into_iter().find_map(|shift| {
        impact::placebo_in_time(panel, spec, shift).ok().map(|p| PlaceboTime {
            shift,
            estimate: p.estimate,
            std_error: p.std_error,
            ci_low: p.ci_low,
            ci_high: p.ci_high,
            n_treated_units: p.n_treated_units,
        })
    });
    if placebo_time.is_none() {
        estimate.note(
            "placebo in time not computed: too few years before adoption",
            "placebo dans le temps non calculé : trop peu d’années avant l’adoption",
        );
    }
    let placebo_space = if draws == 0 {
        None
    } else {
        match impact::placebo_in_space(panel, spec, estimate.estimate, draws, SEED) {
            Ok(ri) => Some(ri),
            Err(e) => {
                estimate.note(
                    format!("placebo in space not computed: {e}"),
                    format!("placebo dans l’espace non calculé ({e})"),
                );
                None
            }
        }
    };
    let base = match spec.method {
        Method::Cs => Some(PreBase::Varying),
        Method::Twfe | Method::SunAbraham => Some(PreBase::Universal),
        Method::Imputation => None,
    };
    let sensitivity = base.and_then(|b| impact::relative_magnitudes(&estimate, b, &SENSITIVITY_GRID));
    if sensitivity.is_none() {
        estimate.note(
            "sensitivity to parallel trends not computed: the event study has no pre-adoption estimate",
            "sensibilité aux tendances parallèles non calculée : l’étude d’événement n’a pas d’estimation avant \
             l’adoption (méthode par imputation, ou années antérieures absentes)",
        );
    }
    EvaluationResult { estimate, matching: None, placebo_time, placebo_space, sensitivity, clustering: None }
}

/// Each unit's cluster (its département or région code) and the units the referential
/// places in none.
fn cluster_map(
    rows: &[Observation],
    referential: &Referential,
    valid: &ValidRequest,
    level: ClusterLevel,
) -> (BTreeMap<String, String>, Vec<String>) {
    let mut map = BTreeMap::new();
    let mut lacking = Vec::new();
    let units: BTreeSet<&str> = rows.iter().map(|r| r.unit.as_str()).collect();
    for code in units {
        match level.of(referential, valid.unit_kind, code) {
            Some(cluster) => {
                map.insert(code.to_owned(), cluster);
            }
            None => lacking.push(code.to_owned()),
        }
    }
    (map, lacking)
}

/// Why a clustered estimate could not be made, in French.
fn cluster_failure(level: ClusterLevel, e: &ImpactError) -> JobFailure {
    let level = level.label_fr();
    JobFailure(match e {
        ImpactError::TooFewClusters { clusters } => format!(
            "regroupement par {level} impossible : les territoires du panel ne couvrent que {clusters} {level}, il en \
             faut au moins deux"
        ),
        ImpactError::MissingCluster { unit } => {
            format!("regroupement par {level} impossible : {unit} n’a pas de {level}")
        }
        other => format!("estimation impossible : {other}"),
    })
}

/// French decimal with `digits` decimals.
fn fr(x: f64, digits: usize) -> String {
    format!("{x:.digits$}").replace('.', ",")
}

/// The clustered figures replace the territory-clustered ones in the headline estimate
/// (standard error, interval), and the notes say how they were obtained.
fn apply_clustering(result: &mut EvaluationResult, level: ClusterLevel, wb: WildBootstrap) {
    let estimate = &mut result.estimate;
    let unit_std_error = estimate.std_error;
    estimate.std_error = wb.std_error;
    let bounded = match (wb.ci_low, wb.ci_high) {
        (Some(lo), Some(hi)) => {
            estimate.ci_low = lo;
            estimate.ci_high = hi;
            true
        }
        _ => {
            estimate.ci_low = estimate.estimate - impact::Z_95 * wb.std_error;
            estimate.ci_high = estimate.estimate + impact::Z_95 * wb.std_error;
            false
        }
    };
    let (g, gt, b) = (wb.n_clusters, wb.n_treated_clusters, wb.draws);
    let name = level.label_fr();
    let (weights_en, weights_fr) = match wb.weights {
        WildWeights::Webb => ("Webb six-point weights", "poids de Webb à six valeurs"),
        _ => ("Rademacher weights", "poids de Rademacher ±1"),
    };
    let (draws_en, draws_fr) = if wb.enumerated {
        (
            format!("all {b} weight vectors enumerated"),
            format!("les {b} combinaisons de poids énumérées : résultat exact, sans tirage au hasard"),
        )
    } else {
        let seed = wb.seed.unwrap_or(SEED);
        (format!("{b} draws, seed {seed}"), format!("{b} tirages, graine {seed}"))
    };
    let few =
        if g <= 50 { "Avec si peu de groupes, l" } else { "Pour ne pas dépendre d’une approximation normale, l" };
    estimate.note(
        format!(
            "standard errors clustered by {}: {g} clusters ({gt} with treated territories), CR1 ({:.6} vs {:.6} \
             clustered by territory); 95 % interval and p-value (p = {:.4}) from the wild cluster restricted \
             bootstrap ({weights_en}, {draws_en}), the interval by inverting the test (bisection, to {:.1e}); the \
             event study, placebos and sensitivity remain clustered by territory",
            match level {
                ClusterLevel::Departement => "département",
                ClusterLevel::Region => "région",
            },
            wb.std_error,
            unit_std_error,
            wb.p_value,
            wb.ci_tolerance
        ),
        format!(
            "Erreurs types regroupées par {name} ({g} groupes, dont {gt} avec des territoires traités) : l’erreur \
             type est l’estimateur CR1 à ce niveau ({} contre {} en regroupant par territoire). {few}’intervalle à \
             95 % et la p-valeur de l’effet nul (p = {}) viennent d’un bootstrap sauvage par grappes restreint \
             ({weights_fr}, {draws_fr}) : l’effet nul est imposé au modèle, les résidus de tous les territoires \
             d’un même groupe sont multipliés par un même poids, et l’intervalle réunit les valeurs de l’effet que \
             ce test ne rejette pas au seuil de 5 %. L’étude d’événement, les placebos et la sensibilité restent \
             calculés avec des erreurs types regroupées par territoire.",
            fr(wb.std_error, 4),
            fr(unit_std_error, 4),
            fr(wb.p_value, 4)
        ),
    );
    if gt < 2 {
        estimate.note(
            "only one cluster holds treated territories: even the wild cluster bootstrap is unreliable then \
             (MacKinnon & Webb 2017)",
            "Un seul groupe contient des territoires traités : même le bootstrap sauvage par grappes est alors peu \
             fiable (MacKinnon et Webb, 2017) ; lisez la p-valeur et l’intervalle avec prudence.",
        );
    }
    if !bounded {
        estimate.note(
            "the bootstrap interval is not bounded on one side: the interval shown is the normal one with the \
             clustered standard error",
            "L’intervalle du bootstrap n’est pas borné d’un côté : l’intervalle affiché est l’intervalle normal \
             avec l’erreur type regroupée, à lire avec prudence.",
        );
    }
    result.clustering = Some(Clustering { level, unit_std_error, wild_bootstrap: wb });
}

/// How the estimate uses the matching weights.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Weighting {
    /// No matched comparison.
    None,
    /// The estimators are weighted by the matching weights.
    Matching,
    /// Matched comparison, but the estimator has no weighted version.
    LeftAside,
}

impl Weighting {
    fn note(self, estimate: &mut ImpactEstimate) {
        match self {
            Weighting::None => {}
            Weighting::Matching => estimate.note(
                "matched comparison: estimates weighted by the matching weights (each matched treated territory 1, \
                 each control the sum over the treated territories it is matched to of 1/(number of controls of that \
                 treated territory)); standard errors take the weights as fixed: the uncertainty of the matching step \
                 is not propagated",
                "comparaison appariée : les estimations sont pondérées par les poids d’appariement — chaque \
                 territoire traité apparié pèse 1, chaque territoire témoin la somme, sur les territoires traités \
                 auxquels il est apparié, de 1 / (nombre de témoins de ce territoire traité), si bien qu’un témoin \
                 retenu plusieurs fois (appariement avec remise) pèse davantage. Les erreurs types, les placebos et \
                 la sensibilité prennent ces poids comme fixés : l’incertitude de l’appariement lui-même (le choix \
                 des voisins) n’est pas propagée.",
            ),
            Weighting::LeftAside => estimate.note(
                "matched comparison without the matching weights: Sun & Abraham has no weighted version here (a \
                 control matched several times counts once)",
                "comparaison appariée sans les poids d’appariement : la méthode de Sun et Abraham n’a pas ici de \
                 version pondérée, si bien qu’un témoin retenu pour plusieurs territoires traités ne compte qu’une \
                 fois ; les autres méthodes utilisent ces poids.",
            ),
        }
    }
}

/// The rows kept by a matched comparison, its summary and the matching weights.
type Matched = (Vec<Observation>, MatchingSummary, BTreeMap<String, f64>);

/// The panel's rows kept by a matched comparison: the matched treated territories and
/// their neighbours, with their matching weights ([`impact::Matching::weights`]).
/// Matching uses the outcome in the last `pre_years` years before the earliest adoption
/// (minus anticipation), the population and, for communes, the density level and
/// typologies.
fn matched_rows(
    rows: &[Observation],
    referential: &Referential,
    valid: &ValidRequest,
    request: &EvaluationRequest,
    spec: &MatchSpec,
) -> Result<Matched, String> {
    let earliest = valid.treated.values().min().copied().unwrap_or(request.from);
    let before = earliest - request.anticipation as i32;
    let mut years: Vec<i32> = rows.iter().map(|r| r.year).filter(|y| *y < before).collect();
    years.sort_unstable();
    years.dedup();
    if years.is_empty() {
        return Err(format!("appariement impossible : aucune année observée avant la première adoption ({earliest})"));
    }
    let pre_years: Vec<i32> = years[years.len().saturating_sub(spec.pre_years)..].to_vec();
    // Territories adopting after the window are neither treated nor controls here.
    let last = rows.iter().map(|r| r.year).max().unwrap_or(request.to);
    let later: BTreeSet<&str> = valid.treated.iter().filter(|(_, g)| **g > last).map(|(c, _)| c.as_str()).collect();
    let (mut features, names, lacking) = matching_features(rows, referential, valid.unit_kind, &pre_years);
    features.retain(|f| !later.contains(f.id.as_str()));
    let space = FeatureSpace::new(&features, 1.0).map_err(|e| format!("appariement impossible : {e}"))?;
    let treated: Vec<String> = valid
        .treated
        .iter()
        .filter(|(code, g)| **g <= last && space.position(code).is_some())
        .map(|(code, _)| code.clone())
        .collect();
    if treated.is_empty() {
        return Err("appariement impossible : aucun territoire traité n’a toutes ses valeurs avant l’adoption".into());
    }
    let options = MatchOptions {
        k: spec.k,
        replacement: spec.replacement,
        exact_typology: spec.exact_typology,
        caliper: spec.caliper,
    };
    let matching =
        impact::match_controls(&space, &treated, &options).map_err(|e| format!("appariement impossible : {e}"))?;
    let weights = matching.weights();
    let pairs = matching.pairs;
    let mut keep: BTreeSet<&str> = pairs.iter().map(|p| p.treated.as_str()).collect();
    let controls: BTreeSet<&str> = pairs.iter().flat_map(|p| p.controls.iter().map(|c| c.id.as_str())).collect();
    keep.extend(controls.iter().copied());
    let kept: Vec<Observation> = rows.iter().filter(|r| keep.contains(r.unit.as_str())).cloned().collect();
    let n_controls = controls.len();
    let summary = MatchingSummary {
        features: names.clone(),
        pre_years,
        treated: treated.len(),
        matched: pairs.len(),
        unmatched: matching.unmatched,
        controls: n_controls,
        lacking_features: lacking,
        balance: matching
            .balance
            .iter()
            .map(|b| BalanceRow {
                feature: names.get(b.indicator).cloned().unwrap_or_default(),
                smd_before: b.smd_before,
                smd_after: b.smd_after,
            })
            .collect(),
        pairs,
    };
    Ok((kept, summary, weights))
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

#[cfg(test)]
mod clustering_tests {
    use super::*;
    use cohesion_core::evaluation::{EvaluationResult, ValidRequest};
    use cohesion_core::impact::{EffectShape, SimConfig, simulate};
    use cohesion_core::territory::{Territory, TerritoryKind};

    fn commune(code: &str, departement: &str, region: Option<&str>) -> Territory {
        let mut t = Territory::new(TerritoryKind::Commune, code, code);
        t.parents.departement = Some(departement.into());
        t.parents.region = region.map(Into::into);
        t
    }

    #[test]
    fn clusters_come_from_the_referential_and_the_lacking_are_named() {
        let referential = Referential::new(
            "t",
            vec![
                commune("42218", "42", Some("84")),
                commune("69123", "69", Some("84")),
                commune("97501", "975", None),
                Territory::new(TerritoryKind::Departement, "42", "Loire"),
                Territory::new(TerritoryKind::Departement, "69", "Rhône"),
                Territory::new(TerritoryKind::Departement, "975", "Saint-Pierre-et-Miquelon"),
                Territory::new(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes"),
            ],
        )
        .expect("consistent");
        let valid = ValidRequest { unit_kind: TerritoryKind::Commune, treated: BTreeMap::new() };
        let row = |unit: &str| Observation { unit: unit.into(), year: 2020, outcome: 1.0, first_treated: None };
        let rows = [row("42218"), row("69123"), row("97501"), row("42218")];
        let (map, lacking) = cluster_map(&rows, &referential, &valid, ClusterLevel::Region);
        assert_eq!(map.into_iter().collect::<Vec<_>>(), [("42218".into(), "84".into()), ("69123".into(), "84".into())]);
        assert_eq!(lacking, ["97501"]);
        let (map, lacking) = cluster_map(&rows, &referential, &valid, ClusterLevel::Departement);
        assert_eq!(map.get("97501").map(String::as_str), Some("975"));
        assert!(lacking.is_empty());
        let why = cluster_failure(ClusterLevel::Region, &ImpactError::TooFewClusters { clusters: 1 });
        assert!(why.0.contains("ne couvrent que 1 région"), "{why}");
    }

    #[test]
    fn the_clustered_figures_replace_the_headline_interval_and_are_said_in_french() {
        let cfg = SimConfig {
            n_units: 120,
            n_years: 6,
            cohorts: vec![(2012, 0.3)],
            effect: EffectShape::Constant(0.2),
            seed: 4,
            ..SimConfig::default()
        };
        let panel = Panel::from_observations(&simulate(&cfg).expect("simulated").observations).expect("panel");
        let estimate = impact::twfe(&panel).expect("twfe");
        let unit_se = estimate.std_error;
        let clusters: Vec<(String, String)> =
            (0..panel.n_units()).map(|u| (panel.unit_label(u).to_owned(), format!("r{}", u % 13))).collect();
        let options = WildOptions { draws: BOOTSTRAP_DRAWS, seed: SEED, weights: WildWeights::Auto };
        let wb = impact::wild_cluster_bootstrap(&panel, clusters, &options).expect("bootstrap");
        let mut result = EvaluationResult {
            estimate,
            matching: None,
            placebo_time: None,
            placebo_space: None,
            sensitivity: None,
            clustering: None,
        };
        apply_clustering(&mut result, ClusterLevel::Region, wb.clone());
        let e = &result.estimate;
        assert_eq!((e.std_error, Some(e.ci_low), Some(e.ci_high)), (wb.std_error, wb.ci_low, wb.ci_high));
        assert!((e.estimate - wb.estimate).abs() < 1e-12);
        let note = e.notes_fr.last().expect("a note");
        assert!(note.starts_with("Erreurs types regroupées par région (13 groupes, dont"), "{note}");
        assert!(
            note.contains("bootstrap sauvage par grappes restreint (poids de Rademacher ±1, 999 tirages, graine 2026)")
        );
        assert_eq!(e.notes.len(), e.notes_fr.len());
        let json = serde_json::to_value(&result).expect("json");
        assert_eq!(json["clustering"]["level"], "region");
        assert_eq!(json["clustering"]["unit_std_error"], unit_se);
        assert_eq!(json["clustering"]["wild_bootstrap"]["n_clusters"], 13);
        assert_eq!(json["clustering"]["wild_bootstrap"]["weights"], "rademacher");
        let back: EvaluationResult = serde_json::from_value(json).expect("reads back");
        assert_eq!(back.clustering.map(|c| c.wild_bootstrap), Some(wb));
    }
}
