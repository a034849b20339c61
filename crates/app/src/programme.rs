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

/// The catalogue's own spelling of a programme code typed in any case, with spaces
/// around (" PVD " → `pvd`); the code as given, trimmed and lowercased, when no
/// programme has it. Every use case that writes takes the code through it.
pub fn canonical(programmes: &ProgrammeIndex, code: &str) -> String {
    programmes.programme(code).map_or_else(|| code.trim().to_lowercase(), |p| p.code.clone())
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
    let code = &canonical(&s.programmes, code);
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
    let code = &canonical(&app.current().programmes, code);
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
    let code = &canonical(&app.current().programmes, code);
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
    let applied = app.store.apply_memberships(code, &d, base_revision, &today(), actor, file.bytes).await?;
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

pub use cohesion_store::programme::StoredPreview;

/// Keeps a member list previewed on the pages (`d`, computed at `revision`) until it is
/// applied, overtaken or set aside, so that the programme's managers find it in their
/// space. A list that changes nothing is not kept (`None`).
pub async fn record_preview(
    app: &App,
    who: &Principal,
    code: &str,
    file_name: &str,
    body: &[u8],
    d: &MembershipDiff,
    revision: i64,
) -> Result<Option<String>, AppError> {
    let code = &canonical(&app.current().programmes, code);
    may_manage(who, code)?;
    if d.is_noop() {
        return Ok(None);
    }
    let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
    let counts = cohesion_store::programme::PreviewCounts {
        added: count(d.added.len()),
        removed: count(d.removed.len()),
        changed: count(d.changed.len()),
        erased: count(d.erased.iter().map(|e| e.count).sum()),
    };
    let name = if file_name.trim().is_empty() { "liste" } else { file_name.trim() };
    Ok(Some(app.store.record_import_preview(code, who.person, name, body, revision, counts).await?))
}

/// A kept preview of programme `code`, for its managers.
pub async fn stored_preview(app: &App, who: &Principal, code: &str, id: &str) -> Result<StoredPreview, AppError> {
    let code = &canonical(&app.current().programmes, code);
    may_manage(who, code)?;
    app.store.import_preview(code, id).await?.ok_or_else(|| AppError::NotFound(format!("no preview `{id}`")))
}

/// Sets a kept preview aside: it leaves the managers' space. A preview already closed
/// (applied, overtaken, set aside) is a conflict.
pub async fn dismiss_preview(app: &App, who: &Principal, code: &str, id: &str) -> Result<(), AppError> {
    let code = &canonical(&app.current().programmes, code);
    stored_preview(app, who, code, id).await?;
    if app.store.dismiss_import_preview(code, id).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(format!("preview `{id}` is no longer open")))
    }
}

/// Checks a rule against the referential and the catalogue, then stores it.
pub async fn set_rule(app: &App, who: &Principal, code: &str, rule: &Rule) -> Result<(), AppError> {
    let code = &canonical(&app.current().programmes, code);
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
    let code = &canonical(&app.current().programmes, code);
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
    let code = &canonical(&app.current().programmes, code);
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

pub use cohesion_store::programme::MembershipChange;

/// The latest `limit` changes of programme `code`'s memberships (status, dates,
/// convention; joins and exits), newest first, each with the version it replaced.
/// Memberships are public: anyone reads them.
pub async fn changes(app: &App, code: &str, limit: usize) -> Result<Vec<MembershipChange>, AppError> {
    let code = canonical(&app.current().programmes, code);
    find(&app.current().programmes, &code)?;
    Ok(app.store.membership_changes(&code, i64::try_from(limit).unwrap_or(i64::MAX)).await?)
}

/// Every change of the memberships of territory `t`, in every programme, newest first.
pub async fn territory_changes(
    app: &App,
    t: &cohesion_core::territory::TerritoryRef,
) -> Result<Vec<MembershipChange>, AppError> {
    Ok(app.store.territory_membership_changes(t).await?)
}

/// How a programme's member list is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MemberSort {
    /// By territory name (the stored order).
    #[default]
    Name,
    /// By INSEE code or SIREN.
    Code,
    /// By département, then name.
    Departement,
    /// By status (candidate, labelled, active, exited), then name.
    Status,
    /// By signature date, the undated last, then name.
    SignedOn,
}

impl MemberSort {
    /// `name`, `code`, `departement`, `status` or `signed_on`.
    pub fn parse(s: &str) -> Option<MemberSort> {
        Some(match s {
            "name" | "nom" => MemberSort::Name,
            "code" => MemberSort::Code,
            "departement" => MemberSort::Departement,
            "status" | "statut" => MemberSort::Status,
            "signed_on" | "signature" => MemberSort::SignedOn,
            _ => return None,
        })
    }
}

/// What a programme's member list keeps, and in which order: shared by the API, the
/// exports and the pages, so that the three always agree.
#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    /// Words of the territory's name (accents and case ignored), or the start of its
    /// code or SIREN.
    pub q: Option<String>,
    /// Members in this département (an EPCI counts in every département it spans).
    pub departement: Option<String>,
    pub region: Option<String>,
    pub status: Option<programme::MembershipStatus>,
    pub sort: MemberSort,
    pub descending: bool,
}

/// The département a member is listed under: its own, an EPCI's main one.
pub fn member_departement(t: &cohesion_core::territory::Territory) -> Option<&str> {
    match t.kind {
        cohesion_core::territory::TerritoryKind::Epci => t.departements.first().map(String::as_str),
        cohesion_core::territory::TerritoryKind::Departement => Some(t.code.as_str()),
        cohesion_core::territory::TerritoryKind::Region => None,
        _ => t.parents.departement.as_deref(),
    }
}

/// The members of programme `code` that `f` keeps, in its order, with the index of
/// their territory in the referential when it knows it.
pub fn members<'a>(s: &'a Snapshot, code: &str, f: &MemberFilter) -> Vec<(&'a programme::Membership, Option<u32>)> {
    use cohesion_core::territory::{TerritoryKind, fold};
    let r = &s.referential;
    let words: Vec<String> =
        f.q.as_deref().map(fold).unwrap_or_default().split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect();
    let code_prefix = f.q.as_deref().map(|q| q.trim().to_uppercase()).unwrap_or_default();
    let mut out: Vec<_> = s
        .programmes
        .members(code)
        .filter(|(m, at)| {
            let t = at.map(|i| r.at(i));
            let in_dep = |d: &str| {
                t.is_some_and(|t| match t.kind {
                    TerritoryKind::Epci => t.departements.iter().any(|x| x == d),
                    TerritoryKind::Departement => t.code == d,
                    _ => t.parents.departement.as_deref() == Some(d),
                })
            };
            let in_reg = |g: &str| {
                t.is_some_and(|t| {
                    if t.kind == TerritoryKind::Region { t.code == g } else { t.parents.region.as_deref() == Some(g) }
                })
            };
            let named = || {
                words.is_empty()
                    || m.territory.code.starts_with(&code_prefix)
                    || t.and_then(|t| t.siren.as_deref()).is_some_and(|siren| siren.starts_with(&code_prefix))
                    || t.is_some_and(|t| {
                        let name = fold(&t.name);
                        words.iter().all(|w| name.split(' ').any(|n| n.starts_with(w.as_str())))
                    })
            };
            f.departement.as_deref().is_none_or(in_dep)
                && f.region.as_deref().is_none_or(in_reg)
                && f.status.is_none_or(|st| m.status == st)
                && named()
        })
        .collect();
    let dep = |at: Option<u32>| at.and_then(|i| member_departement(r.at(i))).unwrap_or("").to_owned();
    match f.sort {
        MemberSort::Name => {}
        MemberSort::Code => out.sort_by(|a, b| a.0.territory.code.cmp(&b.0.territory.code)),
        MemberSort::Departement => out.sort_by_cached_key(|(_, at)| dep(*at)),
        MemberSort::Status => out.sort_by_key(|(m, _)| m.status),
        MemberSort::SignedOn => out.sort_by(|a, b| match (&a.0.signed_on, &b.0.signed_on) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }),
    }
    if f.descending {
        out.reverse();
    }
    out
}
