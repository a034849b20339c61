//! Stored projects: each write in one transaction with its audit event, guarded by
//! the version the writer read (a stale write is refused with the current project,
//! never applied over it), and an import that upserts by external identifier (the
//! upsert of one project is `app::project::upsert`: it authorises between the read and
//! the write).

use std::collections::HashMap;

use cohesion_core::project::{ExternalId, Phase, PhaseStatus, Project, ProjectInput};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::audit::{NewEvent, insert};
use crate::{Result, Store, StoreError, with_pool};

/// Why a write was refused.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("no such project")]
    NotFound,
    /// The writer read an older version: here is the current one.
    #[error("the project changed since version {expected}: it is at version {}", .current.version)]
    Stale { expected: i64, current: Box<Project> },
    /// Another project already holds this identifier in that tool.
    #[error("{}:{} already identifies project {project}", .id.tool, .id.id)]
    ExternalIdTaken { id: ExternalId, project: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sqlx::Error> for WriteError {
    fn from(e: sqlx::Error) -> Self {
        WriteError::Store(StoreError::Database(e))
    }
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportChange {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// Rows per multi-row INSERT (10 parameters each at most: under both backends' limits).
const CHUNK: usize = 500;

/// A `project` row as stored.
#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: String,
    document: String,
    version: i64,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<ProjectRow> for Project {
    type Error = StoreError;

    fn try_from(r: ProjectRow) -> Result<Project> {
        let mut input: ProjectInput =
            serde_json::from_str(&r.document).map_err(|e| StoreError::Corrupt(format!("project.document: {e}")))?;
        // Every project stays in memory (the index): no spare capacity in its lists
        // (issue 16: the financing plans' alone held 16 MB at start).
        input.shrink_to_fit();
        Ok(Project {
            id: r.id,
            input,
            version: r.version,
            created_at: rfc3339(r.created_at),
            updated_at: rfc3339(r.updated_at),
        })
    }
}

/// A project row with the identifier it has in the tool being imported.
#[derive(sqlx::FromRow)]
struct ImportedRow {
    external_id: String,
    #[sqlx(flatten)]
    project: ProjectRow,
}

/// Now, to the microsecond: what PostgreSQL keeps, so that a project reads back equal.
fn now_micros() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(now.nanosecond() / 1_000 * 1_000).unwrap_or(now)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn document(input: &ProjectInput) -> Result<String> {
    serde_json::to_string(input).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn event(actor: &str, id: &str, action: &str, before: Option<&Project>, after: Option<&Project>) -> NewEvent {
    NewEvent {
        actor: actor.to_owned(),
        request_id: None,
        entity_type: "project".into(),
        entity_id: id.to_owned(),
        action: action.into(),
        before: before.and_then(|p| serde_json::to_value(p).ok()),
        after: after.and_then(|p| serde_json::to_value(p).ok()),
    }
}

/// Writes the territory and external-id rows of `projects` (inside `$tx`).
macro_rules! insert_parts {
    ($tx:expr, $projects:expr) => {{
        let projects: &[&Project] = $projects;
        let territories: Vec<(&str, &str, &str)> = projects
            .iter()
            .flat_map(|p| p.input.territories.iter().map(move |t| (p.id.as_str(), t.kind.as_str(), t.code.as_str())))
            .collect();
        for chunk in territories.chunks(CHUNK * 3) {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO project_territory (project_id, kind, code) ");
            qb.push_values(chunk, |mut b, (id, kind, code)| {
                b.push_bind(*id).push_bind(*kind).push_bind(*code);
            });
            qb.push(" ON CONFLICT DO NOTHING");
            qb.build().execute(&mut *$tx).await?;
        }
        let ids: Vec<(&str, &str, &str)> = projects
            .iter()
            .flat_map(|p| p.input.external_ids.iter().map(move |x| (x.tool.as_str(), x.id.as_str(), p.id.as_str())))
            .collect();
        for chunk in ids.chunks(CHUNK * 3) {
            let mut qb = sqlx::QueryBuilder::new("INSERT INTO project_external_id (tool, external_id, project_id) ");
            qb.push_values(chunk, |mut b, (tool, id, project)| {
                b.push_bind(*tool).push_bind(*id).push_bind(*project);
            });
            qb.build().execute(&mut *$tx).await?;
        }
    }};
}

/// Which project holds each of `ids`, other than `except` (inside `$tx`).
macro_rules! taken_external_id {
    ($tx:expr, $ids:expr, $except:expr) => {{
        let mut taken = None;
        for x in $ids {
            let holder: Option<(String,)> =
                sqlx::query_as("SELECT project_id FROM project_external_id WHERE tool = $1 AND external_id = $2")
                    .bind(&x.tool)
                    .bind(&x.id)
                    .fetch_optional(&mut *$tx)
                    .await?;
            if let Some((p,)) = holder
                && Some(p.as_str()) != $except
            {
                taken = Some(WriteError::ExternalIdTaken { id: x.clone(), project: p });
                break;
            }
        }
        taken
    }};
}

const BY_ID: &str = "SELECT id, document, version, created_at, updated_at FROM project WHERE id = $1";

const BUMP: &str = "UPDATE project_state SET revision = revision + 1 WHERE id = 1";

impl Store {
    /// The revision of the projects, bumped by every write.
    pub async fn project_revision(&self) -> Result<i64> {
        with_pool!(self, pool => {
            Ok(sqlx::query_as::<_, (i64,)>("SELECT revision FROM project_state WHERE id = 1").fetch_one(pool).await?.0)
        })
    }

    pub async fn project(&self, id: &str) -> Result<Option<Project>> {
        with_pool!(self, pool => {
            sqlx::query_as::<_, ProjectRow>(BY_ID).bind(id).fetch_optional(pool).await?.map(Project::try_from).transpose()
        })
    }

    /// Every project, oldest first (the search index is built from them).
    pub async fn all_projects(&self) -> Result<Vec<Project>> {
        const SQL: &str = "SELECT id, document, version, created_at, updated_at FROM project ORDER BY id";
        with_pool!(self, pool => {
            let rows = sqlx::query_as::<_, ProjectRow>(SQL).fetch_all(pool).await?;
            rows.into_iter().map(Project::try_from).collect()
        })
    }

    /// The project holding this identifier in that tool.
    pub async fn project_by_external_id(&self, tool: &str, id: &str) -> Result<Option<Project>> {
        const SQL: &str = "SELECT p.id, p.document, p.version, p.created_at, p.updated_at FROM project p \
             JOIN project_external_id e ON e.project_id = p.id WHERE e.tool = $1 AND e.external_id = $2";
        with_pool!(self, pool => {
            let row = sqlx::query_as::<_, ProjectRow>(SQL).bind(tool).bind(id).fetch_optional(pool).await?;
            row.map(Project::try_from).transpose()
        })
    }

    /// Stores a new project (already validated), at version 1.
    pub async fn create_project(&self, input: &ProjectInput, actor: &str) -> Result<Project, WriteError> {
        let now = now_micros();
        let project = Project {
            id: uuid::Uuid::now_v7().to_string(),
            input: input.clone(),
            version: 1,
            created_at: rfc3339(now),
            updated_at: rfc3339(now),
        };
        let doc = document(input)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Writing first takes SQLite's write lock (a read-then-write transaction
            // could not upgrade under a concurrent writer) and serialises project
            // writers on PostgreSQL, which makes the checks below race-free.
            sqlx::query(BUMP).execute(&mut *tx).await?;
            if let Some(e) = taken_external_id!(tx, &input.external_ids, None::<&str>) {
                return Err(e);
            }
            sqlx::query(
                "INSERT INTO project (id, name, phase, phase_status, total_cost_cents, grant_cents, document, version, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8)",
            )
            .bind(&project.id)
            .bind(&input.name)
            .bind(input.phase.map(Phase::as_str))
            .bind(input.phase_status.map(PhaseStatus::as_str))
            .bind(input.total_cost_cents)
            .bind(input.state_grant_cents())
            .bind(&doc)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            insert_parts!(tx, &[&project]);
            insert!(&mut *tx, &event(actor, &project.id, "create", None, Some(&project)))?;
            tx.commit().await?;
        });
        Ok(project)
    }

    /// Replaces the project `id` by `input` if it is still at `expected` version;
    /// otherwise nothing is written and the current project comes back in the error.
    pub async fn update_project(
        &self,
        id: &str,
        expected: i64,
        input: &ProjectInput,
        actor: &str,
    ) -> Result<Project, WriteError> {
        let now = now_micros();
        let doc = document(input)?;
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Writing first takes SQLite's write lock (a read-then-write transaction
            // could not upgrade under a concurrent writer) and serialises project
            // writers on PostgreSQL, which makes the checks below race-free.
            sqlx::query(BUMP).execute(&mut *tx).await?;
            let before = match sqlx::query_as::<_, ProjectRow>(BY_ID).bind(id).fetch_optional(&mut *tx).await? {
                Some(r) => Project::try_from(r)?,
                None => return Err(WriteError::NotFound),
            };
            if before.version != expected {
                return Err(WriteError::Stale { expected, current: Box::new(before) });
            }
            if let Some(e) = taken_external_id!(tx, &input.external_ids, Some(id)) {
                return Err(e);
            }
            // The version in the WHERE clause makes the check and the write one step: a
            // concurrent writer that committed in between leaves no row to update.
            let done = sqlx::query(
                "UPDATE project SET name = $1, phase = $2, phase_status = $3, total_cost_cents = $4, grant_cents = $5, \
                 document = $6, version = version + 1, updated_at = $7 WHERE id = $8 AND version = $9",
            )
            .bind(&input.name)
            .bind(input.phase.map(Phase::as_str))
            .bind(input.phase_status.map(PhaseStatus::as_str))
            .bind(input.total_cost_cents)
            .bind(input.state_grant_cents())
            .bind(&doc)
            .bind(now)
            .bind(id)
            .bind(expected)
            .execute(&mut *tx)
            .await?;
            if done.rows_affected() == 0 {
                tx.rollback().await?;
                return match self.project(id).await? {
                    Some(current) => Err(WriteError::Stale { expected, current: Box::new(current) }),
                    None => Err(WriteError::NotFound),
                };
            }
            sqlx::query("DELETE FROM project_territory WHERE project_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM project_external_id WHERE project_id = $1").bind(id).execute(&mut *tx).await?;
            let after = Project { input: input.clone(), version: expected + 1, updated_at: rfc3339(now), ..before.clone() };
            insert_parts!(tx, &[&after]);
            insert!(&mut *tx, &event(actor, id, "update", Some(&before), Some(&after)))?;
            tx.commit().await?;
            Ok(after)
        })
    }

    /// Upserts many projects keyed by their identifier in `tool` (each input must
    /// carry one), in one transaction: new ones inserted in batches, changed ones
    /// updated (version bumped), identical ones left alone; one audit event per
    /// project written, and one for the import.
    pub async fn import_projects(&self, tool: &str, inputs: &[ProjectInput], actor: &str) -> Result<ImportChange> {
        let key = |p: &ProjectInput| p.external_ids.iter().find(|x| x.tool == tool).map(|x| x.id.clone());
        let now = now_micros();
        with_pool!(self, pool => {
            let mut tx = pool.begin().await?;
            // Writing first takes SQLite's write lock (a read-then-write transaction
            // could not upgrade under a concurrent writer) and serialises project
            // writers on PostgreSQL, which makes the checks below race-free.
            sqlx::query(BUMP).execute(&mut *tx).await?;
            let rows = sqlx::query_as::<_, ImportedRow>(
                "SELECT e.external_id, p.id, p.document, p.version, p.created_at, p.updated_at FROM project p \
                 JOIN project_external_id e ON e.project_id = p.id WHERE e.tool = $1",
            )
            .bind(tool)
            .fetch_all(&mut *tx)
            .await?;
            let mut existing: HashMap<String, Project> = HashMap::with_capacity(rows.len());
            for r in rows {
                existing.insert(r.external_id, Project::try_from(r.project)?);
            }
            let mut change = ImportChange::default();
            let mut added = Vec::new();
            let mut changed = Vec::new();
            for input in inputs {
                let Some(k) = key(input) else {
                    return Err(StoreError::Corrupt(format!("an imported project has no {tool} identifier")));
                };
                match existing.get(&k) {
                    Some(p) if p.input == *input => change.unchanged += 1,
                    Some(p) => changed.push((p.clone(), Project { input: input.clone(), version: p.version + 1, updated_at: rfc3339(now), ..p.clone() })),
                    None => added.push(Project {
                        id: uuid::Uuid::now_v7().to_string(),
                        input: input.clone(),
                        version: 1,
                        created_at: rfc3339(now),
                        updated_at: rfc3339(now),
                    }),
                }
            }
            change.added = added.len();
            change.changed = changed.len();
            if added.is_empty() && changed.is_empty() {
                tx.rollback().await?;
                return Ok(change);
            }
            let docs: Vec<String> = added.iter().map(|p| document(&p.input)).collect::<Result<_>>()?;
            for (chunk, docs) in added.chunks(CHUNK).zip(docs.chunks(CHUNK)) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO project (id, name, phase, phase_status, total_cost_cents, grant_cents, document, version, \
                     created_at, updated_at) ",
                );
                qb.push_values(chunk.iter().zip(docs), |mut b, (p, doc)| {
                    b.push_bind(&p.id)
                        .push_bind(&p.input.name)
                        .push_bind(p.input.phase.map(Phase::as_str))
                        .push_bind(p.input.phase_status.map(PhaseStatus::as_str))
                        .push_bind(p.input.total_cost_cents)
                        .push_bind(p.input.state_grant_cents())
                        .push_bind(doc)
                        .push_bind(1i64)
                        .push_bind(now)
                        .push_bind(now);
                });
                qb.build().execute(&mut *tx).await?;
            }
            let refs: Vec<&Project> = added.iter().collect();
            insert_parts!(tx, &refs);
            for (_, after) in &changed {
                sqlx::query(
                    "UPDATE project SET name = $1, phase = $2, phase_status = $3, total_cost_cents = $4, \
                     grant_cents = $5, document = $6, version = $7, updated_at = $8 WHERE id = $9",
                )
                .bind(&after.input.name)
                .bind(after.input.phase.map(Phase::as_str))
                .bind(after.input.phase_status.map(PhaseStatus::as_str))
                .bind(after.input.total_cost_cents)
                .bind(after.input.state_grant_cents())
                .bind(document(&after.input)?)
                .bind(after.version)
                .bind(now)
                .bind(&after.id)
                .execute(&mut *tx)
                .await?;
                sqlx::query("DELETE FROM project_territory WHERE project_id = $1").bind(&after.id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM project_external_id WHERE project_id = $1").bind(&after.id).execute(&mut *tx).await?;
                insert_parts!(tx, &[after]);
            }
            let events: Vec<NewEvent> = added
                .iter()
                .map(|p| event(actor, &p.id, "import", None, Some(p)))
                .chain(changed.iter().map(|(b, a)| event(actor, &a.id, "import", Some(b), Some(a))))
                .collect();
            for chunk in events.chunks(CHUNK) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO audit_event (id, at, actor, request_id, entity_type, entity_id, action, before, after) ",
                );
                qb.push_values(chunk, |mut b, e| {
                    b.push_bind(uuid::Uuid::now_v7().to_string())
                        .push_bind(now)
                        .push_bind(&e.actor)
                        .push_bind(&e.request_id)
                        .push_bind(&e.entity_type)
                        .push_bind(&e.entity_id)
                        .push_bind(&e.action)
                        .push_bind(e.before.clone().map(sqlx::types::Json))
                        .push_bind(e.after.clone().map(sqlx::types::Json));
                });
                qb.build().execute(&mut *tx).await?;
            }
            let summary: Value = json!({ "tool": tool, "added": change.added, "changed": change.changed, "unchanged": change.unchanged });
            let import = NewEvent {
                actor: actor.to_owned(),
                request_id: None,
                entity_type: "projects".into(),
                entity_id: tool.to_owned(),
                action: "import".into(),
                before: None,
                after: Some(summary),
            };
            insert!(&mut *tx, &import)?;
            tx.commit().await?;
            Ok(change)
        })
    }
}
