//! Evaluation jobs: a row per requested evaluation, claimed by whichever instance's
//! worker asks first.
//!
//! Claiming is one `UPDATE … WHERE id = (SELECT … LIMIT 1)`: on PostgreSQL the inner
//! select takes `FOR UPDATE SKIP LOCKED`, so concurrent workers never wait on or take
//! the same job; on SQLite the statement runs in a write transaction, and SQLite has a
//! single writer. A running job whose heartbeat (`updated_at`, bumped with each
//! progress report) is older than the caller's cut-off is taken over, at most
//! [`MAX_ATTEMPTS`] times in all, so a crashed instance does not strand its jobs.

use serde::Serialize;
use serde_json::{Value, json};
use time::OffsetDateTime;

use crate::audit::{NewEvent, insert};
use crate::{Result, Store, with_pool};

/// Attempts before a job that keeps losing its worker is left alone.
pub const MAX_ATTEMPTS: i64 = 3;

/// A job as stored (the panel text is read separately: it can be large).
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct EvaluationJob {
    pub id: String,
    /// queued, running, done, failed
    pub status: String,
    #[sqlx(json)]
    pub request: Value,
    pub requested_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    pub worker: Option<String>,
    pub attempts: i64,
    pub stage: String,
    pub percent: i16,
    #[sqlx(json(nullable))]
    pub inputs: Option<Value>,
    #[sqlx(json(nullable))]
    pub result: Option<Value>,
    pub error: Option<String>,
    /// The evaluation this one re-runs on the data as it is now, if any.
    pub rerun_of: Option<String>,
}

/// The columns of [`EvaluationJob`] (a literal, so that statements are `concat!`ed at
/// compile time).
macro_rules! job_columns {
    () => {
        "id, status, request, requested_by, created_at, updated_at, started_at, finished_at, worker, attempts, \
         stage, percent, inputs, result, error, rerun_of"
    };
}

const CLAIM_TAIL: &str = "status = 'queued' OR (status = 'running' AND updated_at < $3 AND attempts < $4) \
     ORDER BY created_at, id LIMIT 1";

impl Store {
    /// Queues an evaluation (status `queued`), with its audit event.
    pub async fn create_evaluation(&self, request: &Value, requested_by: &str) -> Result<EvaluationJob> {
        self.insert_evaluation(request, requested_by, None).await
    }

    /// Queues a re-run of evaluation `original` with `request` (its inputs), recording
    /// which evaluation it re-runs, with its audit event. `Conflict` when `original` is
    /// not there to be re-run.
    pub async fn create_rerun(&self, original: &str, request: &Value, requested_by: &str) -> Result<EvaluationJob> {
        self.insert_evaluation(request, requested_by, Some(original)).await
    }

    async fn insert_evaluation(
        &self,
        request: &Value,
        requested_by: &str,
        rerun_of: Option<&str>,
    ) -> Result<EvaluationJob> {
        const SQL: &str = concat!(
            "INSERT INTO evaluation (id, status, request, requested_by, created_at, updated_at, stage, percent, \
             rerun_of) VALUES ($1, 'queued', $2, $3, $4, $4, 'queued', 0, $5) RETURNING ",
            job_columns!()
        );
        const ORIGINAL: &str = "SELECT status FROM evaluation WHERE id = $1";
        let id = uuid::Uuid::now_v7().to_string();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            if let Some(original) = rerun_of {
                let found: Option<(String,)> = sqlx::query_as(ORIGINAL).bind(original).fetch_optional(&mut *tx).await?;
                if found.is_none() {
                    return Err(crate::StoreError::Conflict(format!("no evaluation {original} to re-run")));
                }
            }
            let job = sqlx::query_as::<_, EvaluationJob>(SQL)
                .bind(&id).bind(sqlx::types::Json(request)).bind(requested_by).bind(OffsetDateTime::now_utc())
                .bind(rerun_of)
                .fetch_one(&mut *tx).await?;
            let after = match rerun_of {
                Some(original) => json!({ "request": request, "rerun_of": original }),
                None => json!({ "request": request }),
            };
            let event = NewEvent {
                actor: requested_by.to_owned(),
                request_id: None,
                entity_type: "evaluation".into(),
                entity_id: id.clone(),
                action: if rerun_of.is_some() { "rerun".into() } else { "create".into() },
                before: None,
                after: Some(after),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(job)
        })
    }

    /// Takes the oldest queued job (or a running one whose heartbeat is older than
    /// `stale_before`) for `worker`; `None` when there is nothing to do.
    pub async fn claim_evaluation(&self, worker: &str, stale_before: OffsetDateTime) -> Result<Option<EvaluationJob>> {
        const HEAD: &str = "UPDATE evaluation SET status = 'running', worker = $1, started_at = $2, updated_at = $2, \
             attempts = attempts + 1, stage = 'claimed', percent = 0 WHERE id = (SELECT id FROM evaluation WHERE ";
        let now = OffsetDateTime::now_utc();
        match self {
            Store::Postgres(pool) => {
                let sql = format!("{HEAD}{CLAIM_TAIL} FOR UPDATE SKIP LOCKED) RETURNING {}", job_columns!());
                let job = sqlx::query_as::<_, EvaluationJob>(sqlx::AssertSqlSafe(sql))
                    .bind(worker)
                    .bind(now)
                    .bind(stale_before)
                    .bind(MAX_ATTEMPTS)
                    .fetch_optional(pool)
                    .await?;
                Ok(job)
            }
            Store::Sqlite(pool) => {
                let sql = format!("{HEAD}{CLAIM_TAIL}) RETURNING {}", job_columns!());
                let mut tx = pool.begin().await?;
                let job = sqlx::query_as::<_, EvaluationJob>(sqlx::AssertSqlSafe(sql))
                    .bind(worker)
                    .bind(now)
                    .bind(stale_before)
                    .bind(MAX_ATTEMPTS)
                    .fetch_optional(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(job)
            }
        }
    }

    /// Takes one given job if it is still queued (the CLI runs the job it just queued).
    pub async fn claim_evaluation_id(&self, id: &str, worker: &str) -> Result<Option<EvaluationJob>> {
        const SQL: &str = concat!(
            "UPDATE evaluation SET status = 'running', worker = $2, started_at = $3, updated_at = $3, \
             attempts = attempts + 1, stage = 'claimed', percent = 0 WHERE id = $1 AND status = 'queued' RETURNING ",
            job_columns!()
        );
        with_pool!(self, pool => {
            Ok(sqlx::query_as(SQL).bind(id).bind(worker).bind(OffsetDateTime::now_utc()).fetch_optional(pool).await?)
        })
    }

    /// Records progress (and the heartbeat). False when the job is no longer this
    /// worker's (taken over after it was thought dead): the worker should stop.
    pub async fn evaluation_progress(&self, id: &str, worker: &str, stage: &str, percent: i16) -> Result<bool> {
        const SQL: &str = "UPDATE evaluation SET stage = $3, percent = $4, updated_at = $5 \
             WHERE id = $1 AND worker = $2 AND status = 'running'";
        with_pool!(self, pool => {
            let done = sqlx::query(SQL).bind(id).bind(worker).bind(stage).bind(percent.clamp(0, 100))
                .bind(OffsetDateTime::now_utc()).execute(pool).await?;
            Ok(done.rows_affected() == 1)
        })
    }

    /// Stores the result with everything needed to reproduce it, and marks it done.
    pub async fn finish_evaluation(
        &self,
        id: &str,
        worker: &str,
        inputs: &Value,
        panel: &str,
        result: &Value,
    ) -> Result<bool> {
        const SQL: &str = "UPDATE evaluation SET status = 'done', stage = 'done', percent = 100, inputs = $3, panel = $4, \
             result = $5, error = NULL, updated_at = $6, finished_at = $6 WHERE id = $1 AND worker = $2 AND status = 'running'";
        self.close_evaluation(id, worker, SQL, Some((inputs, panel, result)), None).await
    }

    /// Marks the job failed with a reason a person can read (French).
    pub async fn fail_evaluation(&self, id: &str, worker: &str, error: &str) -> Result<bool> {
        const SQL: &str = "UPDATE evaluation SET status = 'failed', stage = 'failed', error = $3, updated_at = $4, \
             finished_at = $4 WHERE id = $1 AND worker = $2 AND status = 'running'";
        self.close_evaluation(id, worker, SQL, None, Some(error)).await
    }

    async fn close_evaluation(
        &self,
        id: &str,
        worker: &str,
        sql: &'static str,
        done: Option<(&Value, &str, &Value)>,
        error: Option<&str>,
    ) -> Result<bool> {
        let now = OffsetDateTime::now_utc();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            let q = sqlx::query(sql).bind(id).bind(worker);
            let q = match (done, error) {
                (Some((inputs, panel, result)), _) => {
                    q.bind(sqlx::types::Json(inputs)).bind(panel).bind(sqlx::types::Json(result)).bind(now)
                }
                (None, e) => q.bind(e.unwrap_or("")).bind(now),
            };
            if q.execute(&mut *tx).await?.rows_affected() != 1 {
                tx.rollback().await?;
                return Ok(false);
            }
            let event = NewEvent {
                actor: format!("worker:{worker}"),
                request_id: None,
                entity_type: "evaluation".into(),
                entity_id: id.to_owned(),
                action: if done.is_some() { "finish".into() } else { "fail".into() },
                before: None,
                after: Some(match (done, error) {
                    (Some((_, _, result)), _) => json!({ "status": "done", "estimate": result.get("estimate") }),
                    (None, e) => json!({ "status": "failed", "error": e }),
                }),
            };
            insert!(&mut *tx, &event)?;
            tx.commit().await?;
            Ok(true)
        })
    }

    pub async fn evaluation(&self, id: &str) -> Result<Option<EvaluationJob>> {
        const SQL: &str = concat!("SELECT ", job_columns!(), " FROM evaluation WHERE id = $1");
        with_pool!(self, pool => {
            Ok(sqlx::query_as(SQL).bind(id).fetch_optional(pool).await?)
        })
    }

    /// The panel an evaluation estimated (CSV `unit,year,outcome,first_treated`).
    pub async fn evaluation_panel(&self, id: &str) -> Result<Option<String>> {
        with_pool!(self, pool => {
            let row: Option<(Option<String>,)> =
                sqlx::query_as("SELECT panel FROM evaluation WHERE id = $1").bind(id).fetch_optional(pool).await?;
            Ok(row.and_then(|(p,)| p))
        })
    }

    /// The finished evaluations (status `done`) of programme `programme`'s members on
    /// `indicator`, most recently finished first, at most `limit`. The request's JSON is
    /// read with `->` / `->>`, which PostgreSQL (JSONB) and SQLite (3.38 and later, on
    /// text) both accept.
    pub async fn done_programme_evaluations(
        &self,
        programme: &str,
        indicator: &str,
        limit: i64,
    ) -> Result<Vec<EvaluationJob>> {
        const SQL: &str = concat!(
            "SELECT ",
            job_columns!(),
            " FROM evaluation WHERE status = 'done' AND request->'treated'->>'type' = 'programme' \
             AND request->'treated'->>'code' = $1 AND request->>'indicator' = $2 \
             ORDER BY finished_at DESC, id DESC LIMIT $3"
        );
        with_pool!(self, pool => {
            Ok(sqlx::query_as(SQL).bind(programme).bind(indicator).bind(limit).fetch_all(pool).await?)
        })
    }

    /// The re-runs of evaluation `id`, oldest first.
    pub async fn evaluation_reruns(&self, id: &str) -> Result<Vec<EvaluationJob>> {
        const SQL: &str =
            concat!("SELECT ", job_columns!(), " FROM evaluation WHERE rerun_of = $1 ORDER BY created_at, id");
        with_pool!(self, pool => {
            Ok(sqlx::query_as(SQL).bind(id).fetch_all(pool).await?)
        })
    }

    /// Newest first, with the total count.
    pub async fn evaluations(&self, limit: i64, offset: i64) -> Result<(Vec<EvaluationJob>, i64)> {
        const SQL: &str =
            concat!("SELECT ", job_columns!(), " FROM evaluation ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2");
        with_pool!(self, pool => {
            let jobs: Vec<EvaluationJob> = sqlx::query_as(SQL).bind(limit).bind(offset).fetch_all(pool).await?;
            let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM evaluation").fetch_one(pool).await?;
            Ok((jobs, total))
        })
    }
}
