//! Changes to programmes, each behind the `cohesion_core::programme::can_…` rule
//! (admin, or manager of that programme): membership imports (the difference, then
//! applying it against the revision it was computed on), the eligibility rule, the
//! actions of the plan, new programmes.

use cohesion_core::access::Principal;
use cohesion_core::import::Faults;
use cohesion_core::programme::NotInVocabulary;
use cohesion_core::programme::eligibility::Rule;
use cohesion_core::programme::index::ProgrammeIndex;
use cohesion_core::programme::membership_import::{MembershipDiff, diff, read_list};
use cohesion_core::programme::{self, Action, ActionStatus, Programme, Transition, table};
use cohesion_core::territory::{CodeError, TerritoryRef};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{App, AppError, Fault, Snapshot};

/// The faults of a programme, an action of its plan, or their fields.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgrammeFault {
    #[error("a lowercase acronym (letters and digits)")]
    CodeFormat,
    #[error("`{0}` names a page, choose another code")]
    CodeReserved(String),
    #[error("`{0}` is not a date (YYYY-MM-DD)")]
    NotADate(String),
    #[error(transparent)]
    Vocabulary(#[from] NotInVocabulary),
    #[error(transparent)]
    Territory(#[from] CodeError),
    #[error("required")]
    Required,
}

fn forbidden(code: &str) -> AppError {
    AppError::Forbidden(format!("only an admin or a manager of programme `{code}` may change it"))
}

/// Refuses who may not change programme `code`.
pub fn may_manage(who: &Principal, code: &str) -> Result<(), AppError> {
    if programme::can_manage(who, code) { Ok(()) } else { Err(forbidden(code)) }
}

/// How the audit names a person.
pub fn actor(p: &Principal) -> String {
    format!("person:{}", p.person)
}

fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0));
    programme::date_of_unix_seconds(secs)
}

/// The programme `code` of the catalogue.
pub fn find<'a>(programmes: &'a ProgrammeIndex, code: &str) -> Result<&'a Programme, AppError> {
    programmes.programme(code).ok_or_else(|| AppError::NotFound(format!("no programme with code `{code}`")))
}

/// Reads a list (CSV or XLSX) and checks it whole against the snapshot: the difference
/// with the programme's stored list, or every faulty line.
pub fn list_diff(s: &Snapshot, code: &str, body: &[u8]) -> Result<MembershipDiff, Faults> {
    list_diff_of(s, code, &ListFile { source: "upload", bytes: body })
}

/// A member list as read: what its faults name it (a file name; `upload` for the API
/// and the pages) and its bytes.
pub struct ListFile<'a> {
    pub source: &'a str,
    pub bytes: &'a [u8],
}

fn list_diff_of(s: &Snapshot, code: &str, file: &ListFile<'_>) -> Result<MembershipDiff, Faults> {
    let records = table::read(file.source, file.bytes)?;
    let current = s.programmes.members(code).map(|(m, _)| m);
    let new = read_list(file.source, code, &records, &s.referential, current)?;
    Ok(diff(s.programmes.members(code).map(|(m, _)| m), new))
}

/// What applying a list would change, computed on the snapshot in force, with the
/// programmes' revision it was computed on. Writes nothing.
pub fn preview(app: &App, who: &Principal, code: &str, body: &[u8]) -> Result<(MembershipDiff, i64), AppError> {
    preview_file(app, who, code, &ListFile { source: "upload", bytes: body })
}

/// [`preview`] of a list named `file.source` (the command line names the file).
pub fn preview_file(
    app: &App,
    who: &Principal,
    code: &str,
    file: &ListFile<'_>,
) -> Result<(MembershipDiff, i64), AppError> {
    may_manage(who, code)?;
    let s = app.current();
    find(&s.programmes, code)?;
    let d = list_diff_of(&s, code, file).map_err(AppError::InvalidFile)?;
    Ok((d, s.programme_revision))
}

/// What was applied.
#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    pub revision: i64,
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
}

/// Applies a list previewed at `base_revision`, or a conflict if the programmes moved
/// since. A list removing more than a tenth of the current members is refused unless
/// `confirm_removals` (`MembershipDiff::is_mass_removal`).
pub async fn apply(
    app: &App,
    who: &Principal,
    code: &str,
    body: &[u8],
    base_revision: i64,
    confirm_removals: bool,
) -> Result<ImportResult, AppError> {
    let file = ListFile { source: "upload", bytes: body };
    apply_file(app, who, &actor(who), code, &file, base_revision, confirm_removals).await
}

/// [`apply`] of a list named `file.source`, recorded in the audit as `actor` (the
/// command line: `cli:<user>`, acting as [`crate::access::command_line`]).
pub async fn apply_file(
    app: &App,
    who: &Principal,
    actor: &str,
    code: &str,
    file: &ListFile<'_>,
    base_revision: i64,
    confirm_removals: bool,
) -> Result<ImportResult, AppError> {
    may_manage(who, code)?;
    // The difference must be computed on the revision the client previewed: catch up
    // with the store first (another instance may have applied a change).
    app.refresh().await?;
    let (d, revision) = preview_file(app, who, code, file)?;
    if revision != base_revision {
        return Err(AppError::Conflict(format!(
            "the programmes are at revision {revision}, not {base_revision}; preview again"
        )));
    }
    if d.is_mass_removal() && !confirm_removals {
        return Err(AppError::bad_request(
            "mass_removal",
            format!(
                "the list marks {} of the {} current members exited (more than {} %): send confirm_removals=true \
                 to apply it",
                d.removed.len(),
                d.current_before(),
                cohesion_core::programme::membership_import::MAX_UNCONFIRMED_REMOVAL_PERCENT
            ),
        ));
    }
    let applied = app.store.apply_memberships(code, &d, base_revision, &today(), actor).await?;
    let revision = applied.map_err(|s| {
        AppError::Conflict(format!(
            "the programmes changed since the preview (now revision {}); preview again",
            s.current
        ))
    })?;
    app.refresh().await?;
    Ok(ImportResult {
        revision,
        added: d.added.len(),
        removed: d.removed.len(),
        changed: d.changed.len(),
        unchanged: d.unchanged,
    })
}

/// Checks a rule against the referential and the catalogue, then stores it.
pub async fn set_rule(app: &App, who: &Principal, code: &str, rule: &Rule) -> Result<(), AppError> {
    may_manage(who, code)?;
    let s = app.current();
    find(&s.programmes, code)?;
    let codes: Vec<&str> = s.programmes.programmes().iter().map(|p| p.code.as_str()).collect();
    let problems = rule.check(&s.referential, &codes);
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems.into_iter().map(|m| Fault::new("rule", m)).collect()));
    }
    app.store.set_eligibility(code, rule, &actor(who)).await?;
    app.refresh().await?;
    Ok(())
}

/// An action to create or update.
#[derive(Deserialize, ToSchema)]
pub struct ActionInput {
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// ecological, digital, democratic, demographic, recovery
    pub transitions: Vec<String>,
    /// planned, in_progress, done, abandoned
    pub status: String,
    pub owner: Option<String>,
    /// `kind:code`
    pub territory: Option<String>,
    /// For an update: the version read (a stale one is refused with 409).
    pub version: Option<i64>,
}

/// Reads an action of programme `code` (id `id`), every fault by field; with the
/// version the input says was read.
pub fn parse_action(code: &str, id: String, input: ActionInput) -> Result<(Action, Option<i64>), AppError> {
    let mut errors = Vec::new();
    let mut err = |field: &str, f: ProgrammeFault| errors.push(Fault::new(field, f));
    if input.title.trim().is_empty() {
        err("title", ProgrammeFault::Required);
    }
    let transitions: Vec<Transition> = input
        .transitions
        .iter()
        .filter_map(|t| t.parse().map_err(|e: NotInVocabulary| err("transitions", e.into())).ok())
        .collect();
    let status: Option<ActionStatus> = input.status.parse().map_err(|e: NotInVocabulary| err("status", e.into())).ok();
    let territory: Option<TerritoryRef> = match input.territory.as_deref() {
        None | Some("") => None,
        Some(t) => t.parse().map_err(|e: CodeError| err("territory", e.into())).ok(),
    };
    let Some(status) = status.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let action = Action {
        id,
        programme: code.to_owned(),
        title: input.title.trim().to_owned(),
        description: input.description,
        transitions,
        status,
        owner: input.owner,
        territory,
        version: 0,
    };
    Ok((action, input.version))
}

/// Adds an action to the plan of programme `code`.
pub async fn add_action(app: &App, who: &Principal, code: &str, input: ActionInput) -> Result<Action, AppError> {
    may_manage(who, code)?;
    find(&app.current().programmes, code)?;
    let (action, _) = parse_action(code, uuid::Uuid::now_v7().to_string(), input)?;
    save_action(app, who, action, None).await
}

/// Changes action `id` of programme `code`; the input names the version read.
pub async fn change_action(
    app: &App,
    who: &Principal,
    code: &str,
    id: &str,
    input: ActionInput,
) -> Result<Action, AppError> {
    may_manage(who, code)?;
    let (action, version) = parse_action(code, id.to_owned(), input)?;
    let version = version.ok_or_else(|| AppError::bad_request("missing_version", "give the version you read"))?;
    save_action(app, who, action, Some(version)).await
}

/// Stores an action (a new one without `version`), or a conflict if stale.
pub async fn save_action(app: &App, who: &Principal, action: Action, version: Option<i64>) -> Result<Action, AppError> {
    may_manage(who, &action.programme)?;
    let saved = app.store.save_action(&action, version, &actor(who)).await?;
    let saved = saved.map_err(|s| match s.current {
        0 => AppError::NotFound(format!("no action {}", action.id)),
        v => AppError::Conflict(format!("the action is at version {v}; read it again")),
    })?;
    app.refresh().await?;
    Ok(saved)
}

/// A programme to add to the catalogue.
#[derive(Deserialize, ToSchema)]
pub struct ProgrammeInput {
    /// Lowercase acronym (letters and digits), unique.
    pub code: String,
    pub acronym: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// rurality, urban_policy, digital
    #[serde(default)]
    pub domains: Vec<String>,
    pub owner: Option<String>,
    /// YYYY-MM-DD
    pub started_on: Option<String>,
    pub ended_on: Option<String>,
}

/// Codes that name pages under `/programmes/`, not programmes.
const RESERVED_CODES: [&str; 1] = ["nouveau"];

/// Adds a programme (admins). Every fault is reported by field; a code already taken
/// is a conflict. Returns the code.
pub async fn add(app: &App, who: &Principal, input: ProgrammeInput) -> Result<String, AppError> {
    if !programme::can_create(who) {
        return Err(AppError::Forbidden("only an admin may add a programme".into()));
    }
    let mut errors = Vec::new();
    let mut err = |field: &str, f: ProgrammeFault| errors.push(Fault::new(field, f));
    if input.code.is_empty() || !input.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()) {
        err("code", ProgrammeFault::CodeFormat);
    } else if RESERVED_CODES.contains(&input.code.as_str()) {
        err("code", ProgrammeFault::CodeReserved(input.code.clone()));
    }
    if input.name.trim().is_empty() {
        err("name", ProgrammeFault::Required);
    }
    let domains = input
        .domains
        .iter()
        .filter_map(|d| d.parse().map_err(|e: NotInVocabulary| err("domains", e.into())).ok())
        .collect();
    let mut date = |field: &str, d: &Option<String>| match d.as_deref() {
        None | Some("") => None,
        Some(raw) => programme::parse_date(raw).or_else(|| {
            err(field, ProgrammeFault::NotADate(raw.to_owned()));
            None
        }),
    };
    let (started_on, ended_on) = (date("started_on", &input.started_on), date("ended_on", &input.ended_on));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let by = actor(who);
    let p = Programme {
        code: input.code,
        acronym: input.acronym,
        name: input.name.trim().to_owned(),
        description: input.description,
        domains,
        owner: input.owner.filter(|o| !o.trim().is_empty()),
        started_on,
        ended_on,
        status: programme::ProgrammeStatus::Active,
        source: format!("created on the platform by {by}"),
    };
    match app.store.create_programme(&p, &by).await? {
        None => Err(AppError::Conflict(format!("a programme with code `{}` exists", p.code))),
        Some(_) => {
            app.refresh().await?;
            Ok(p.code)
        }
    }
}
