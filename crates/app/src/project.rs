//! Projects: finding them (from the in-memory catalog), reading one, creating and
//! changing one. Writes are authorised by `cohesion_core::project::can_…` on the state
//! before and after, carry the version read (a stale one is a conflict), and update
//! the catalog in place.

pub mod catalog;

use std::collections::HashSet;

use cohesion_core::access::Principal;
use cohesion_core::project::{self, ExternalId, FieldFault, Phase, Project, ProjectInput, Transition, nomenclature};
use cohesion_core::territory::TerritoryRef;
use cohesion_store::project::WriteError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::Page;
use crate::param::{self, ParamFault};
use crate::{App, AppError, Fault, Snapshot};
use catalog::{Filter, Found, Totals};

/// A project in a list.
#[derive(Serialize, ToSchema)]
pub struct ProjectSummary {
    pub id: String,
    pub name: String,
    /// `commune:42218`, …
    pub territories: Vec<String>,
    /// idea, study or operation; `null` when unknown
    pub phase: Option<String>,
    /// in_progress, late, paused, blocked, abandoned or done; `null` when unknown
    pub phase_status: Option<String>,
    pub transitions: Vec<String>,
    pub domain: Option<String>,
    /// Levers of the ecological planning (SGPE), as the national list writes them.
    pub levers: Vec<String>,
    /// M57 function codes (`90-212`).
    pub competences: Vec<String>,
    pub total_cost_cents: Option<i64>,
    /// What the State pays (investment grants), in cents.
    pub grant_cents: i64,
    pub version: i64,
}

impl From<&Project> for ProjectSummary {
    fn from(p: &Project) -> Self {
        ProjectSummary {
            id: p.id.clone(),
            name: p.input.name.clone(),
            territories: p.input.territories.iter().map(ToString::to_string).collect(),
            phase: p.input.phase.map(|x| x.as_str().into()),
            phase_status: p.input.phase_status.map(|x| x.as_str().into()),
            transitions: p.input.transitions.iter().map(|t| t.as_str().to_owned()).collect(),
            domain: p.input.domain.clone(),
            levers: p.input.levers.clone(),
            competences: p.input.competences.clone(),
            total_cost_cents: p.input.total_cost_cents,
            grant_cents: p.input.state_grant_cents(),
            version: p.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TerritoryProjects {
    pub items: Vec<ProjectSummary>,
    pub total: usize,
    pub totals: Totals,
}

#[derive(Deserialize, IntoParams, Default, Clone)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Words, in French: accents, plurals and verb forms do not matter.
    pub q: Option<String>,
    /// `kind:code`: the projects lying in that territory, everything inside it included.
    pub territory: Option<String>,
    /// idea, study or operation; `none`: the projects whose phase is unknown
    pub phase: Option<String>,
    /// ecological, digital, democratic or demographic
    pub transition: Option<String>,
    /// A lever of the ecological planning, as `GET /api/v1/projects/levers` writes it.
    pub lever: Option<String>,
    /// An M57 function code (`90-21`): the projects under it or a function below it
    /// (`90-212`); `GET /api/v1/projects/competences` lists them.
    pub competence: Option<String>,
    /// A programme code (`pvd`, `acv`, …): the projects lying in one of its member
    /// territories (or the communes they cover).
    pub programme: Option<String>,
    /// A pact id: the projects that are actions of its current version.
    pub pact: Option<String>,
    /// `tool:id` (e.g. `recoco:1234`): the project holding this identifier in another
    /// national tool (none if no project does).
    pub external_id: Option<String>,
    /// Page size, 1 to 200 (default 20).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

/// Turns the query parameters into a filter, reporting every bad one.
pub fn filter_of(app: &App, p: &ListParams) -> Result<(Filter, usize, usize), AppError> {
    let mut faults = Vec::new();
    let mut bad = |field: &str, f: ParamFault| faults.push(Fault::new(field, f));
    let territory = match p.territory.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => t.parse::<TerritoryRef>().map_err(|e| bad("territory", e.into())).ok(),
    };
    let phase = match p.phase.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some("none") => Some(None),
        Some(s) => Phase::parse(s).map(Some).or_else(|| {
            bad("phase", ParamFault::NotOneOf { value: s.into(), expected: "idea, study, operation or none" });
            None
        }),
    };
    let transition = match p.transition.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(s) => Transition::parse(s).or_else(|| {
            bad(
                "transition",
                ParamFault::NotOneOf { value: s.into(), expected: "ecological, digital, democratic or demographic" },
            );
            None
        }),
    };
    let lever = match p.lever.as_deref().filter(|t| !t.is_empty()) {
        Some(l) if !nomenclature::is_lever(l) => {
            bad("lever", ParamFault::Unknown { value: l.into(), what: "a lever of the ecological planning" });
            None
        }
        other => other.map(str::to_owned),
    };
    let competence = match p.competence.as_deref().filter(|t| !t.is_empty()) {
        Some(c) if nomenclature::competence(c).is_none() => {
            bad("competence", ParamFault::Unknown { value: c.into(), what: "an M57 function code" });
            None
        }
        other => other.map(str::to_owned),
    };
    let territories_any = match p.programme.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(code) => {
            let snapshot = app.current();
            if snapshot.programmes.programme(code).is_none() {
                bad("programme", ParamFault::Unknown { value: code.into(), what: "a programme code" });
                None
            } else {
                Some(programme_territories(&snapshot, code))
            }
        }
    };
    if let Some(x) = p.external_id.as_deref().filter(|t| !t.is_empty())
        && ExternalId::parse(x).is_none()
    {
        bad("external_id", ParamFault::Unknown { value: x.into(), what: "an identifier tool:id (e.g. recoco:1234)" });
    }
    let limit = p.limit.unwrap_or(20);
    param::limit(limit, &mut faults);
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    let filter = Filter { q: p.q.clone(), territory, phase, transition, lever, competence, territories_any, ids: None };
    Ok((filter, limit, p.offset.unwrap_or(0)))
}

/// The territories of a programme: its current members and the communes it covers.
pub fn programme_territories(snapshot: &Snapshot, code: &str) -> HashSet<TerritoryRef> {
    let r = &snapshot.referential;
    let idx = |i: u32| {
        let t = r.at(i);
        TerritoryRef { kind: t.kind, code: t.code.clone() }
    };
    let mut out: HashSet<TerritoryRef> = snapshot.programmes.covered_communes(code).into_iter().map(idx).collect();
    out.extend(snapshot.programmes.members(code).filter(|(m, _)| m.is_current()).filter_map(|(_, at)| at).map(idx));
    out
}

/// Narrows `filter` to the actions of the pact named in `p`, if any: of its version in
/// force, as anyone reads it (project lists are the same for everyone; a pact not yet
/// signed is not told); and to the project holding the external identifier named, if
/// any (none when no project holds it).
pub async fn narrow(app: &App, p: &ListParams, filter: &mut Filter) -> Result<(), AppError> {
    if let Some(id) = p.pact.as_deref().filter(|t| !t.is_empty()) {
        match crate::pact::read::get(app, None, id).await? {
            Some(o) => filter.ids = Some(o.pact.current().content.actions.iter().cloned().collect()),
            None => return Err(AppError::invalid("pact", ParamFault::NoSuch { what: "pact", id: id.into() })),
        }
    }
    if let Some(x) = p.external_id.as_deref().filter(|t| !t.is_empty()) {
        let x = ExternalId::parse(x).ok_or_else(|| {
            AppError::invalid("external_id", ParamFault::Unknown { value: x.into(), what: "an identifier tool:id" })
        })?;
        let holder: HashSet<String> =
            app.store.project_by_external_id(&x.tool, &x.id).await?.map(|p| p.id).into_iter().collect();
        filter.ids = Some(match filter.ids.take() {
            Some(ids) => ids.intersection(&holder).cloned().collect(),
            None => holder,
        });
    }
    Ok(())
}

fn page(found: Found) -> Page<ProjectSummary> {
    Page { items: found.items.iter().map(|p| ProjectSummary::from(p.as_ref())).collect(), total: found.total }
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(e.to_string())
}

/// The projects matching the parameters (best match first with words, newest first
/// without), a page of them and their count.
pub async fn list(app: &App, params: &ListParams) -> Result<Page<ProjectSummary>, AppError> {
    let (mut filter, limit, offset) = filter_of(app, params)?;
    narrow(app, params, &mut filter).await?;
    if filter.q.as_deref().is_some_and(|q| !q.trim().is_empty()) {
        app.projects.load().text_ready().await;
    }
    search(app, &filter, offset, limit)
}

/// A page of the projects matching `filter`.
pub fn search(app: &App, filter: &Filter, offset: usize, limit: usize) -> Result<Page<ProjectSummary>, AppError> {
    Ok(page(app.projects.load().search(filter, offset, limit).map_err(internal)?))
}

/// One project, as stored (its current version).
pub async fn get(app: &App, id: &str) -> Result<Project, AppError> {
    app.store.project(id).await?.ok_or_else(|| AppError::NotFound(format!("no project {id}")))
}

/// The project holding `key` in its tool.
pub async fn get_by_external_id(app: &App, key: &ExternalId) -> Result<Project, AppError> {
    app.store
        .project_by_external_id(&key.tool, &key.id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no project holds {key}")))
}

/// A programme membership of one of a project's territories: the territory itself or
/// one containing it (its EPCI, département, région) is a current member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProgrammeOfTerritory {
    /// The programme's code (`pvd`, `acv`…).
    pub programme: String,
    /// The project's territory (`commune:42218`).
    pub territory: String,
    /// The member territory: the same, or the one containing it.
    pub member: String,
}

/// The current programme memberships of `p`'s territories, by programme then territory.
pub fn programmes_of(snapshot: &Snapshot, p: &Project) -> Vec<ProgrammeOfTerritory> {
    let r = &snapshot.referential;
    let mut out = Vec::new();
    for t in &p.input.territories {
        let Some(idx) = r.index_of(t.kind, &t.code) else { continue };
        for inv in snapshot.programmes.involvements(r, idx) {
            if !inv.membership.is_current() {
                continue;
            }
            let row = ProgrammeOfTerritory {
                programme: inv.membership.programme.clone(),
                territory: t.to_string(),
                member: inv.membership.territory.to_string(),
            };
            if !out.contains(&row) {
                out.push(row);
            }
        }
    }
    out.sort_by(|a, b| (&a.programme, &a.territory, &a.member).cmp(&(&b.programme, &b.territory, &b.member)));
    out
}

/// A competence of the M57 nomenclature.
#[derive(Serialize, ToSchema)]
pub struct CompetenceView {
    /// The M57 function code (`90-212`).
    pub code: &'static str,
    /// Its label (`Enseignement du premier degré > Ecoles primaires`).
    pub label: &'static str,
}

/// The levers of the ecological planning a project may name, in the national order.
pub fn levers() -> Vec<&'static str> {
    nomenclature::levers().to_vec()
}

/// The competences a project may name.
pub fn competences() -> Vec<CompetenceView> {
    nomenclature::competences().iter().map(|c| CompetenceView { code: c.code, label: c.label }).collect()
}

/// A project's faults, and the indicator codes the catalogue does not know.
pub fn faults_of(app: &App, input: &ProjectInput) -> Vec<FieldFault> {
    let snapshot = app.current();
    let mut faults = project::validate(input, |t| snapshot.referential.get_ref(t).is_some());
    faults.extend(project::unknown_indicators(input));
    faults
}

/// The faults of a project as the use cases answer them (`prefix` for a project
/// inside another input, e.g. `change.project.`).
pub fn fields(prefix: &str, faults: Vec<FieldFault>) -> Vec<Fault> {
    faults.into_iter().map(|f| Fault::new(format!("{prefix}{}", f.field), f.fault)).collect()
}

fn check(app: &App, input: &ProjectInput) -> Result<(), AppError> {
    let faults = faults_of(app, input);
    if faults.is_empty() { Ok(()) } else { Err(AppError::Invalid(fields("", faults))) }
}

/// A store write's failure, as the use cases answer it.
pub fn write_error(e: WriteError) -> AppError {
    match e {
        WriteError::NotFound => AppError::NotFound("no such project".into()),
        WriteError::Stale { current, .. } => AppError::Conflict(format!(
            "the project changed meanwhile: it is at version {}; read it again and reapply your change",
            current.version
        )),
        WriteError::ExternalIdTaken { id, project } => {
            AppError::Exists { detail: format!("{id} already identifies project {project}"), existing: project }
        }
        WriteError::Store(e) => e.into(),
    }
}

/// Puts a written project into the catalog.
pub async fn publish(app: &App, p: &Project) -> Result<(), AppError> {
    let revision = app.store.project_revision().await?;
    app.projects.load().text_ready().await;
    publish_at(app, p.clone(), revision)
}

/// Puts a project written at `revision` (by this instance or another) into the catalog.
pub fn publish_at(app: &App, p: Project, revision: i64) -> Result<(), AppError> {
    app.projects.load().apply(p, &app.current().referential, revision).map_err(internal)
}

/// How the audit names a person acting through the API or the pages.
pub fn actor(who: &Principal) -> String {
    format!("person:{}", who.person)
}

/// Creates a project (local authority of its territories, the State's delegate, or admin).
pub async fn create(app: &App, who: &Principal, input: ProjectInput) -> Result<Project, AppError> {
    check(app, &input)?;
    if !project::can_create(who, &input, &app.current().referential) {
        return Err(AppError::Forbidden("you do not act on every territory of this project".into()));
    }
    let p = app.store.create_project(&input, &actor(who)).await.map_err(write_error)?;
    publish(app, &p).await?;
    Ok(p)
}

/// RFC 7396 JSON merge patch.
pub fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// Changes a project by a JSON merge patch against the version read (`expected`).
pub async fn update(app: &App, who: &Principal, id: &str, expected: i64, patch: &Value) -> Result<Project, AppError> {
    let current = get(app, id).await?;
    if current.version != expected {
        return Err(write_error(WriteError::Stale { expected, current: Box::new(current) }));
    }
    let mut doc = serde_json::to_value(&current.input).map_err(internal)?;
    merge(&mut doc, patch);
    let input: ProjectInput =
        serde_json::from_value(doc).map_err(|e| AppError::bad_request("invalid_body", e.to_string()))?;
    check(app, &input)?;
    let change = project::validate_change(&current.input, &input);
    if !change.is_empty() {
        return Err(AppError::Invalid(fields("", change)));
    }
    if !project::can_edit(who, &current, &input, &app.current().referential) {
        return Err(AppError::Forbidden("you do not act on this project's territories".into()));
    }
    let p = app.store.update_project(id, expected, &input, &actor(who)).await.map_err(write_error)?;
    publish(app, &p).await?;
    Ok(p)
}

/// What an upsert is conditioned on (the API's `If-Match`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMatch {
    /// Nothing: create or replace, whatever the current version.
    Nothing,
    /// `*`: only if the project exists.
    Exists,
    /// Only if the project is at this version.
    Version(i64),
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upserted {
    Created,
    Changed,
    /// The input was the project as stored: nothing was written.
    Unchanged,
}

/// Creates or replaces the project that `key` identifies in its tool, as a client
/// syncing from another national tool does, any number of times: created the first
/// time, replaced after, left alone (nothing written, the version kept) when the input
/// is the project as stored. The input may repeat the key among its `external_ids`,
/// not contradict it; it is added last when missing (the same identifiers in another
/// order are no change). Authorised as a creation
/// (`can_create`) or as a change (`can_edit`, on the state before and after); a
/// change obeys `validate_change` (the phase goes forward only).
pub async fn upsert(
    app: &App,
    who: &Principal,
    key: &ExternalId,
    mut input: ProjectInput,
    condition: IfMatch,
) -> Result<(Project, Upserted), AppError> {
    let mut faults = Vec::new();
    if !project::is_tool(&key.tool) {
        faults.push(Fault::new("tool", ParamFault::Unknown { value: key.tool.clone(), what: "a tool name" }));
    }
    if key.id.trim().is_empty() || key.id.chars().count() > 200 {
        faults.push(Fault::new("id", ParamFault::Unknown { value: key.id.clone(), what: "an identifier" }));
    }
    match input.external_ids.iter().position(|x| x.tool == key.tool) {
        Some(i) if input.external_ids[i].id != key.id => faults.push(Fault::new(
            format!("external_ids[{i}].id"),
            project::ProjectFault::NotTheKey { key: key.to_string() },
        )),
        Some(_) => {}
        None => input.external_ids.push(key.clone()),
    }
    if !faults.is_empty() {
        return Err(AppError::Invalid(faults));
    }
    check(app, &input)?;
    let current = app.store.project_by_external_id(&key.tool, &key.id).await?;
    let failed = |what: String| Err(AppError::PreconditionFailed(what));
    match (&current, condition) {
        (None, IfMatch::Exists | IfMatch::Version(_)) => return failed(format!("no project holds {key}")),
        (Some(c), IfMatch::Version(v)) if c.version != v => {
            return failed(format!("the project {key} is at version {}, not {v}; nothing was written", c.version));
        }
        _ => {}
    }
    let snapshot = app.current();
    let referential = &snapshot.referential;
    let Some(current) = current else {
        if !project::can_create(who, &input, referential) {
            return Err(AppError::Forbidden("you do not act on every territory of this project".into()));
        }
        let p = app.store.create_project(&input, &actor(who)).await.map_err(write_error)?;
        publish(app, &p).await?;
        return Ok((p, Upserted::Created));
    };
    // The same identifiers in another order are the same: keep the stored order.
    let (mut stored, mut given) = (current.input.external_ids.clone(), input.external_ids.clone());
    stored.sort();
    given.sort();
    if stored == given {
        input.external_ids = current.input.external_ids.clone();
    }
    if !project::can_edit(who, &current, &input, referential) {
        return Err(AppError::Forbidden("you do not act on this project's territories".into()));
    }
    if current.input == input {
        return Ok((current, Upserted::Unchanged));
    }
    let change = project::validate_change(&current.input, &input);
    if !change.is_empty() {
        return Err(AppError::Invalid(fields("", change)));
    }
    let p = match app.store.update_project(&current.id, current.version, &input, &actor(who)).await {
        Err(WriteError::Stale { current, .. }) if condition != IfMatch::Nothing => {
            return failed(format!("the project {key} changed meanwhile: it is at version {}", current.version));
        }
        other => other.map_err(write_error)?,
    };
    publish(app, &p).await?;
    Ok((p, Upserted::Changed))
}

/// Creates or updates, from the hub Les communs, the project whose hub id is `hub_id`
/// (`core::project::communs::from_hub`: nothing invented, every conversion in the
/// notes). The project Cohésion already holds is found by its hub id, or else by its
/// id in Mon Espace Collectivité, Territoires en Transitions or Recoco (the ids the
/// hub relays); the fields the hub cannot express are kept (`merge_hub`). Then as
/// [`upsert`]: authorised, `If-Match`, the same call twice writes nothing.
pub async fn upsert_from_hub(
    app: &App,
    who: &Principal,
    hub_id: &str,
    hub: &project::communs::HubProjet,
    condition: IfMatch,
) -> Result<(Project, Upserted, Vec<project::communs::Note>), AppError> {
    let (key, input, notes) = from_hub_checked(app, who, hub_id, hub).await?;
    let (p, done) = upsert(app, who, &key, input, condition).await.map_err(hub_names)?;
    Ok((p, done, notes))
}

/// The rules' faults, named as the hub names its fields.
fn hub_names(e: AppError) -> AppError {
    match e {
        AppError::Invalid(faults) => AppError::Invalid(
            faults.into_iter().map(|f| Fault { field: project::communs::hub_field(&f.field), ..f }).collect(),
        ),
        other => other,
    }
}

/// A hub project read, matched with the project Cohésion holds, merged, and checked
/// as [`upsert`] would check it (rules, change, who), without writing: the key to
/// upsert by, the input and the notes.
async fn from_hub_checked(
    app: &App,
    who: &Principal,
    hub_id: &str,
    hub: &project::communs::HubProjet,
) -> Result<(ExternalId, ProjectInput, Vec<project::communs::Note>), AppError> {
    let (input, notes) = project::communs::from_hub(hub, hub_id).map_err(|f| AppError::Invalid(fields("", f)))?;
    let mut found = None;
    for x in &input.external_ids {
        if let Some(p) = app.store.project_by_external_id(&x.tool, &x.id).await? {
            found = Some((x.clone(), p));
            break;
        }
    }
    let snapshot = app.current();
    let referential = &snapshot.referential;
    match found {
        Some((key, current)) => {
            let commune_of = |t: &TerritoryRef| referential.get_ref(t).and_then(|x| x.parents.commune.clone());
            let input = project::communs::merge_hub(&current.input, input, commune_of);
            check(app, &input).map_err(hub_names)?;
            if current.input != input {
                let change = project::validate_change(&current.input, &input);
                if !change.is_empty() {
                    return Err(hub_names(AppError::Invalid(fields("", change))));
                }
            }
            if !project::can_edit(who, &current, &input, referential) {
                return Err(AppError::Forbidden("you do not act on this project's territories".into()));
            }
            Ok((key, input, notes))
        }
        None => {
            check(app, &input).map_err(hub_names)?;
            if !project::can_create(who, &input, referential) {
                return Err(AppError::Forbidden("you do not act on every territory of this project".into()));
            }
            Ok((ExternalId { tool: project::communs::HUB_TOOL.into(), id: hub_id.to_owned() }, input, notes))
        }
    }
}

/// One project of a batch from the hub: what was done, or why not.
#[derive(Debug)]
pub struct FromHubItem {
    /// The project's id in the hub.
    pub hub_id: String,
    /// The project as Cohésion holds it after the call, when written or unchanged.
    pub project: Option<Project>,
    pub done: Option<Upserted>,
    pub notes: Vec<project::communs::Note>,
    /// Why it was refused (the whole batch is refused unless `partial`).
    pub refused: Option<AppError>,
}

/// The hub's list (`GET /projets`) in one call: every project is read and checked as
/// [`upsert_from_hub`] checks it before anything is written. With a fault anywhere,
/// nothing is written and every fault comes back, at `[i].field` (`[3].phaseStatut`);
/// with `partial`, the valid projects are written and the others said, each with its
/// reason. Each project is then written as its own upsert (the same call twice
/// writes nothing); a project changed by someone else between the check and the write
/// is refused then, and said.
pub async fn upsert_many_from_hub(
    app: &App,
    who: &Principal,
    hubs: &[project::communs::HubProjet],
    partial: bool,
) -> Result<Vec<FromHubItem>, AppError> {
    let mut checked = Vec::with_capacity(hubs.len());
    let mut faults = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, h) in hubs.iter().enumerate() {
        let hub_id = h.id.clone().unwrap_or_default();
        let outcome = if hub_id.trim().is_empty() {
            Err(AppError::Invalid(vec![Fault::new("id", ParamFault::Required)]))
        } else if !seen.insert(hub_id.clone()) {
            Err(AppError::Invalid(vec![Fault::new(
                "id",
                ParamFault::Unknown { value: hub_id.clone(), what: "an id listed once" },
            )]))
        } else {
            from_hub_checked(app, who, &hub_id, h).await
        };
        let outcome = match outcome {
            Err(AppError::Invalid(fs)) => {
                faults.extend(fs.iter().map(|f| Fault { field: format!("[{i}].{}", f.field), ..f.clone() }));
                Err(AppError::Invalid(fs))
            }
            Err(AppError::Forbidden(why)) if !partial => {
                return Err(AppError::Forbidden(format!("[{i}] (hub id {hub_id}): {why}")));
            }
            Err(e @ AppError::Forbidden(_)) => Err(e),
            Err(e) => return Err(e),
            Ok(x) => Ok(x),
        };
        checked.push((hub_id, outcome));
    }
    if !faults.is_empty() && !partial {
        return Err(AppError::Invalid(faults));
    }
    let mut out = Vec::with_capacity(checked.len());
    for (hub_id, outcome) in checked {
        let item = match outcome {
            Ok((key, input, notes)) => match upsert(app, who, &key, input, IfMatch::Nothing).await.map_err(hub_names) {
                Ok((p, done)) => FromHubItem { hub_id, project: Some(p), done: Some(done), notes, refused: None },
                Err(e) => FromHubItem { hub_id, project: None, done: None, notes, refused: Some(e) },
            },
            Err(e) => FromHubItem { hub_id, project: None, done: None, notes: vec![], refused: Some(e) },
        };
        out.push(item);
    }
    Ok(out)
}

/// The projects section of a territory (also in its overview): the newest first, and
/// the totals of everything inside it.
pub fn territory_projects(
    app: &App,
    t: &TerritoryRef,
    limit: Option<usize>,
    offset: Option<usize>,
) -> Result<TerritoryProjects, AppError> {
    let params = ListParams { territory: Some(t.to_string()), limit, offset, ..ListParams::default() };
    let (filter, limit, offset) = filter_of(app, &params)?;
    let catalog = app.projects.load();
    let found = catalog.search(&filter, offset, limit).map_err(internal)?;
    let totals = catalog.totals(t);
    let Page { items, total } = page(found);
    Ok(TerritoryProjects { items, total, totals })
}

/// Writes the projects of an import from `tool` (checked whole by the caller), matched
/// on their identifier in that tool: what was added, changed, left unchanged.
pub async fn import(
    db: &crate::database::Database,
    tool: &str,
    inputs: &[ProjectInput],
    actor: &str,
) -> Result<cohesion_store::project::ImportChange, AppError> {
    Ok(db.store.import_projects(tool, inputs, actor).await?)
}

/// Whether no project was ever written (the demonstration set is loaded only then).
pub async fn never_written(db: &crate::database::Database) -> Result<bool, AppError> {
    Ok(db.store.project_revision().await? == 0)
}
