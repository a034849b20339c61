//! Pacts: each operation checks who acts (`cohesion_core::pact::rules`) on the state
//! before and after, validates, writes through the store in one transaction with what
//! to tell the pact's people, and rebuilds the pact index (`index`).

pub mod index;
pub mod read;

use std::collections::HashMap;

use cohesion_core::access::{Principal, Role};
use cohesion_core::pact::{
    self, Comment, OrganisationIds, Pact, PactContent, PactDiff, PactFault, PactStatus, ProjectSnapshot, Proposal,
    ProposalChange, ProposalInput, ProposalStatus, Side, Step, VersionStatus,
};
use cohesion_core::project::{FieldFault, ProjectInput};
use cohesion_store::pact::{PactWriteError, Told, now_rfc3339};
use cohesion_store::project::WriteError;
use uuid::Uuid;

use crate::{App, AppError, Fault};

/// Who acts, with what the rules need to know about the organisations.
pub struct Acting {
    pub principal: Principal,
    pub name: String,
    organisations: HashMap<Uuid, OrganisationIds>,
}

impl Acting {
    pub async fn of(state: &App, principal: Principal) -> Result<Acting, AppError> {
        let name = match state.store.person(principal.person).await? {
            Some(p) => p.display_name(),
            None => return Err(AppError::Unauthenticated),
        };
        // Only the organisations this person acts for matter to the rules.
        let mut organisations = HashMap::new();
        for id in principal.roles.iter().filter_map(cohesion_core::access::Role::organisation) {
            if let Some(o) = state.store.organisation(id).await? {
                organisations.insert(id, OrganisationIds { siren: o.siren, siret: o.siret });
            }
        }
        Ok(Acting { principal, name, organisations })
    }

    fn lookup(&self) -> impl Fn(Uuid) -> Option<OrganisationIds> + '_ {
        |id| self.organisations.get(&id).cloned()
    }

    /// The parties of `c` this person acts for.
    pub fn parties(&self, state: &App, c: &PactContent) -> Vec<String> {
        pact::parties_of(&self.principal, c, &state.current().referential, self.lookup())
    }

    pub fn is_owner(&self, state: &App, c: &PactContent) -> bool {
        pact::is_owner(&self.principal, c, &state.current().referential, self.lookup())
    }

    pub fn is_participant(&self, state: &App, c: &PactContent) -> bool {
        pact::is_participant(&self.principal, c, &state.current().referential, self.lookup())
    }

    /// Whether this person reads `p` whole (`cohesion_core::pact::reads_whole`).
    pub fn reads_whole(&self, state: &App, p: &Pact) -> bool {
        pact::reads_whole(&self.principal, p, &state.current().referential, self.lookup())
    }
}

async fn organisations(state: &App) -> Result<HashMap<Uuid, OrganisationIds>, AppError> {
    Ok(state
        .store
        .organisations()
        .await?
        .into_iter()
        .map(|o| (o.id, OrganisationIds { siren: o.siren, siret: o.siret }))
        .collect())
}

/// The people acting for a party of `c`: those told of what happens on the pact.
async fn people_of(state: &App, c: &PactContent) -> Result<Vec<Uuid>, AppError> {
    people_of_any(state, &[c]).await
}

/// The people acting for a party of any of `texts` (a text and its replacement).
async fn people_of_any(state: &App, texts: &[&PactContent]) -> Result<Vec<Uuid>, AppError> {
    let orgs = organisations(state).await?;
    // Admins see every pact but are told only of those they take part in through
    // another role.
    let mut by_person: HashMap<Uuid, Vec<Role>> = HashMap::new();
    for (person, role) in state.store.active_grants().await? {
        if role != Role::Admin {
            by_person.entry(person).or_default().push(role);
        }
    }
    let snapshot = state.current();
    let mut out: Vec<Uuid> = by_person
        .into_iter()
        .filter(|(person, roles)| {
            let p = Principal { person: *person, roles: roles.clone() };
            texts
                .iter()
                .any(|c| !pact::parties_of(&p, c, &snapshot.referential, |id| orgs.get(&id).cloned()).is_empty())
        })
        .map(|(person, _)| person)
        .collect();
    out.sort();
    Ok(out)
}

fn fields(faults: Vec<FieldFault<PactFault>>) -> AppError {
    AppError::Invalid(faults.into_iter().map(|f| Fault::new(f.field, f.fault)).collect())
}

fn write_error(e: PactWriteError) -> AppError {
    match e {
        PactWriteError::NotFound => AppError::NotFound("no such pact".into()),
        PactWriteError::NoProposal => AppError::NotFound("no such proposal on this pact".into()),
        PactWriteError::Stale { current, .. } => AppError::Conflict(format!(
            "le pacte a changé entre-temps : il est à la révision {} ; relisez-le et refaites votre modification",
            current.revision
        )),
        PactWriteError::Refused(why) => AppError::Conflict(why),
        PactWriteError::Store(e) => e.into(),
    }
}

fn check_content(state: &App, c: &PactContent) -> Result<(), AppError> {
    let faults = content_faults(state, c);
    if faults.is_empty() { Ok(()) } else { Err(fields(faults)) }
}

/// Every fault of a pact text: `pact::validate`, and each action lying outside the
/// perimeter (`pact::actions_outside`).
pub fn content_faults(state: &App, c: &PactContent) -> Vec<FieldFault<PactFault>> {
    let snapshot = state.current();
    let r = &snapshot.referential;
    let catalog = state.projects.load();
    let mut faults = pact::validate(c, |t| r.get_ref(t).is_some(), |id| catalog.get(id).is_some());
    faults.extend(pact::actions_outside(c, r, |id| catalog.get(id).map(|p| p.input.territories.clone())));
    faults
}

/// The fault of a project, by its `territories`, lying outside `perimeter`, at `field`.
fn outside_fault(
    state: &App,
    field: &str,
    perimeter: &[cohesion_core::territory::TerritoryRef],
    territories: &[cohesion_core::territory::TerritoryRef],
) -> Option<FieldFault<PactFault>> {
    pact::perimeter_fault(perimeter, territories, &state.current().referential).map(|f| fault(field, f))
}

/// The pact's projects as they are now (for a version not yet frozen).
pub fn live_snapshots(state: &App, actions: &[String]) -> Vec<ProjectSnapshot> {
    let catalog = state.projects.load();
    actions.iter().filter_map(|id| catalog.get(id)).map(|p| ProjectSnapshot::of(&p)).collect()
}

/// What a version shows of its projects: frozen once put to signature, live before.
pub fn version_projects(state: &App, v: &pact::PactVersion) -> Vec<ProjectSnapshot> {
    if matches!(v.status, VersionStatus::ReadyForSignature | VersionStatus::Signed) {
        v.snapshots.clone()
    } else {
        live_snapshots(state, &v.content.actions)
    }
}

pub async fn load(state: &App, id: &str) -> Result<Pact, AppError> {
    state.store.pact(id).await?.ok_or_else(|| AppError::NotFound(format!("no pact {id}")))
}

fn forbidden_owner() -> AppError {
    AppError::Forbidden("only the party that pilots the pact (its owner) may do this".into())
}

/// Creates a pact in draft; the creator must act for its owner party.
pub async fn create(state: &App, who: &Acting, content: PactContent) -> Result<Pact, AppError> {
    check_content(state, &content)?;
    if !who.is_owner(state, &content) {
        return Err(AppError::Forbidden(
            "you do not act for the party named as owner (the State's delegate of the perimeter, or the local \
             authority of that SIREN)"
                .into(),
        ));
    }
    let now = now_rfc3339();
    let p = Pact::new(Uuid::now_v7().to_string(), content, &now);
    let told = Told {
        kind: "created",
        summary: format!("{} a créé le pacte « {} » (brouillon)", who.name, p.current().content.title),
        recipients: people_of(state, &p.current().content).await?,
    };
    state.store.create_pact(&p, who.principal.person, &told).await?;
    state.reload_pacts(true).await?;
    Ok(p)
}

/// Replaces the text of the version being written; `expected` is the revision read.
pub async fn edit(state: &App, who: &Acting, id: &str, expected: i64, content: PactContent) -> Result<Pact, AppError> {
    let current = load(state, id).await?;
    // The owner may hand the pilot to another party: only the current text's owner
    // counts. After the edit, the person must still act for a party of the new text
    // (a delegate cannot move the perimeter out of their département).
    if !who.is_owner(state, &current.current().content) {
        return Err(forbidden_owner());
    }
    if !who.is_participant(state, &content) {
        return Err(AppError::Forbidden(
            "after this change you would act for none of the pact's parties (perimeter or parties outside your scope)"
                .into(),
        ));
    }
    // Authorised on the state before and after: now the whole text is checked.
    check_content(state, &content)?;
    let recipients = people_of_any(state, &[&current.current().content, &content]).await?;
    let summary = format!("{} a modifié le texte de la version {}", who.name, current.current().number);
    let (p, _) = state
        .store
        .update_pact(id, Some(expected), None, who.principal.person, |p, _| {
            p.edit(content, &now_rfc3339()).map_err(|e| e.to_string())?;
            Ok(Told { kind: "edited", summary, recipients })
        })
        .await
        .map_err(write_error)?;
    state.reload_pacts(true).await?;
    Ok(p)
}

/// Moves the pact to `target` (`co_construction`, `ready_for_signature`,
/// `in_execution`, `closed`).
pub async fn step(state: &App, who: &Acting, id: &str, target: PactStatus) -> Result<Pact, AppError> {
    let current = load(state, id).await?;
    if !who.is_owner(state, &current.current().content) {
        return Err(forbidden_owner());
    }
    let step = Step::to(&current, target).ok_or_else(|| {
        AppError::Conflict(format!(
            "le pacte ({}) ne peut pas passer à « {} »",
            current.status().label(),
            target.label()
        ))
    })?;
    let open = state.store.open_proposals(id).await?;
    let recipients = people_of(state, &current.current().content).await?;
    let (p, _) = state
        .store
        .update_pact(id, None, None, who.principal.person, |p, _| {
            let snapshots = live_snapshots(state, &p.current().content.actions);
            p.step(step, snapshots, open, &now_rfc3339()).map_err(|e| e.to_string())?;
            let summary = format!("{} a fait passer le pacte à l'étape « {} »", who.name, status_label(p));
            Ok(Told { kind: "status", summary, recipients })
        })
        .await
        .map_err(write_error)?;
    state.reload_pacts(true).await?;
    Ok(p)
}

/// The pact's status, and the amendment's when one is being written.
pub fn status_label(p: &Pact) -> String {
    match p.pending_amendment() {
        Some(v) => format!("{} — avenant n° {} : {}", p.status().label(), v.number - 1, v.status.label()),
        None => p.status().label().to_owned(),
    }
}

/// One party signs the version submitted for signature.
pub async fn sign(state: &App, who: &Acting, id: &str, party: &str) -> Result<Pact, AppError> {
    let current = load(state, id).await?;
    let content = &current.current().content;
    if !who.parties(state, content).iter().any(|p| p == party) {
        return Err(AppError::Forbidden(format!("you do not act for the party `{party}`")));
    }
    let party_name = content.party(party).map(|p| p.name.clone()).unwrap_or_default();
    let recipients = people_of(state, content).await?;
    let (p, _) = state
        .store
        .update_pact(id, None, None, who.principal.person, |p, _| {
            let number = p.current().number;
            let complete = p.sign(party, who.principal.person, &who.name, &now_rfc3339()).map_err(|e| e.to_string())?;
            let what = if number == 1 { "le pacte".to_owned() } else { format!("l'avenant n° {}", number - 1) };
            let mut summary = format!("{} a signé {what} pour « {party_name} »", who.name);
            if complete {
                summary.push_str(" : toutes les parties ont signé, la version est en vigueur");
            }
            Ok(Told { kind: "signature", summary, recipients })
        })
        .await
        .map_err(write_error)?;
    state.reload_pacts(true).await?;
    Ok(p)
}

/// Starts an amendment of a signed pact.
pub async fn amend(state: &App, who: &Acting, id: &str) -> Result<Pact, AppError> {
    let current = load(state, id).await?;
    if !who.is_owner(state, &current.current().content) {
        return Err(forbidden_owner());
    }
    let recipients = people_of(state, &current.current().content).await?;
    let (p, _) = state
        .store
        .update_pact(id, None, None, who.principal.person, |p, _| {
            let n = p.amend(&now_rfc3339()).map_err(|e| e.to_string())?;
            let summary = format!("{} a ouvert l'avenant n° {} (version {n})", who.name, n - 1);
            Ok(Told { kind: "amendment", summary, recipients })
        })
        .await
        .map_err(write_error)?;
    state.reload_pacts(true).await?;
    Ok(p)
}

/// Makes a pact public before its first signature (its owner): anyone then reads the
/// text being written, never its proposals, comments or the names of their authors.
pub async fn publish(state: &App, who: &Acting, id: &str) -> Result<Pact, AppError> {
    let current = load(state, id).await?;
    if !who.is_owner(state, &current.current().content) {
        return Err(forbidden_owner());
    }
    let recipients = people_of(state, &current.current().content).await?;
    let (p, _) = state
        .store
        .update_pact(id, None, None, who.principal.person, |p, _| {
            p.publish(&now_rfc3339()).map_err(|e| e.to_string())?;
            let summary = format!("{} a rendu le pacte public avant sa signature", who.name);
            Ok(Told { kind: "publication", summary, recipients })
        })
        .await
        .map_err(write_error)?;
    state.reload_pacts(true).await?;
    Ok(p)
}

/// Drops the amendment being written (number `number`); the signed text stays in force.
pub async fn abandon(state: &App, who: &Acting, id: &str, number: u32) -> Result<Pact, AppError> {
    let current = load(state, id).await?;
    if !who.is_owner(state, &current.current().content) {
        return Err(forbidden_owner());
    }
    if current.pending_amendment().map(|v| v.number) != Some(number) {
        return Err(AppError::Conflict(format!(
            "la version {number} n'est pas un avenant en cours : seules les versions non signées d'un pacte signé s'abandonnent"
        )));
    }
    let recipients = people_of(state, &current.current().content).await?;
    let (p, _) = state
        .store
        .update_pact(id, None, None, who.principal.person, |p, _| {
            if p.pending_amendment().map(|v| v.number) != Some(number) {
                return Err("cet avenant n'est plus en cours".to_owned());
            }
            let n = p.abandon_amendment(&now_rfc3339()).map_err(|e| e.to_string())?;
            let summary = format!("{} a abandonné l'avenant n° {} (version {n})", who.name, n - 1);
            Ok(Told { kind: "amendment", summary, recipients })
        })
        .await
        .map_err(write_error)?;
    state.reload_pacts(true).await?;
    Ok(p)
}

/// A party proposes a change while the text is in co-construction.
pub async fn propose(state: &App, who: &Acting, id: &str, input: ProposalInput) -> Result<Proposal, AppError> {
    let current = load(state, id).await?;
    let working = current
        .working()
        .filter(|v| v.status == VersionStatus::CoConstruction)
        .ok_or_else(|| AppError::Conflict("les propositions se font pendant la co-construction du texte".into()))?;
    if !who.parties(state, &working.content).contains(&input.party) {
        return Err(AppError::Forbidden(format!("you do not act for the party `{}`", input.party)));
    }
    let mut faults = pact::cocon::check_text("message", &input.message, false, 5_000);
    let catalog = state.projects.load();
    let in_pact = |pid: &str| working.content.actions.iter().any(|a| a == pid);
    let perimeter = &working.content.perimeter;
    match &input.change {
        ProposalChange::AddProject { project_id } => match catalog.get(project_id) {
            None => faults.push(fault("change.project_id", PactFault::NoProject(project_id.clone()))),
            Some(_) if in_pact(project_id) => faults.push(fault("change.project_id", PactFault::AlreadyAction)),
            Some(p) => faults.extend(outside_fault(state, "change.project_id", perimeter, &p.input.territories)),
        },
        ProposalChange::RemoveProject { project_id } if !in_pact(project_id) => {
            faults.push(fault("change.project_id", PactFault::NotAnAction));
        }
        ProposalChange::RemoveProject { .. } => {}
        ProposalChange::NewProject { project } => {
            faults.extend(project_faults(state, "change.project", project));
            faults.extend(outside_fault(state, "change.project.territories", perimeter, &project.territories));
        }
        ProposalChange::ChangeProject { project_id, project, .. } => {
            if !in_pact(project_id) {
                faults.push(fault("change.project_id", PactFault::NotAnAction));
            }
            faults.extend(project_faults(state, "change.project", project));
            faults.extend(outside_fault(state, "change.project.territories", perimeter, &project.territories));
        }
    }
    if !faults.is_empty() {
        return Err(fields(faults));
    }
    let proposal = Proposal {
        id: Uuid::now_v7().to_string(),
        pact_id: id.to_owned(),
        version: working.number,
        party: input.party,
        author: who.principal.person,
        author_name: who.name.clone(),
        change: input.change,
        message: input.message,
        status: ProposalStatus::Open,
        decided_by: None,
        decided_by_name: None,
        decision_reason: None,
        created_at: now_rfc3339(),
        decided_at: None,
    };
    let told = Told {
        kind: "proposal",
        summary: format!("{} propose : {}{}", who.name, proposal.change.label(), subject(state, &proposal.change)),
        recipients: people_of(state, &working.content).await?,
    };
    state.store.create_proposal(&proposal, &told).await?;
    Ok(proposal)
}

fn fault(field: &str, code: PactFault) -> FieldFault<PactFault> {
    FieldFault::new(field, code)
}

fn project_faults(state: &App, prefix: &str, p: &ProjectInput) -> Vec<FieldFault<PactFault>> {
    crate::project::faults_of(state, p)
        .into_iter()
        .map(|f| FieldFault::new(format!("{prefix}.{}", f.field), PactFault::Project(f.fault)))
        .collect()
}

/// ` « name »` of the project a change is about.
fn subject(state: &App, change: &ProposalChange) -> String {
    match change {
        ProposalChange::NewProject { project } => format!(" « {} »", project.name),
        other => other
            .project_id()
            .and_then(|id| state.projects.load().get(id))
            .map(|p| format!(" « {} »", p.input.name))
            .unwrap_or_default(),
    }
}

/// The owner accepts or declines a proposal, with a reason. Accepting applies it: a
/// new project is created, a changed project written against the version the
/// proposal was made from (refused with 409 if it moved since), then the pact's
/// actions change, the proposal is marked decided, and the parties are told.
pub async fn decide(
    state: &App,
    who: &Acting,
    id: &str,
    proposal_id: &str,
    accept: bool,
    reason: &str,
) -> Result<(Pact, Proposal), AppError> {
    let current = load(state, id).await?;
    if !who.is_owner(state, &current.current().content) {
        return Err(forbidden_owner());
    }
    let faults = pact::cocon::check_text("reason", reason, true, 5_000);
    if !faults.is_empty() {
        return Err(fields(faults));
    }
    let proposal = state
        .store
        .proposal(id, proposal_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no proposal {proposal_id} on this pact")))?;
    if proposal.status != ProposalStatus::Open {
        return Err(AppError::Conflict(format!(
            "cette proposition est déjà {}",
            proposal.status.label().to_lowercase()
        )));
    }
    if current.working().is_none_or(|v| v.status != VersionStatus::CoConstruction) {
        return Err(AppError::Conflict("les décisions se prennent pendant la co-construction du texte".into()));
    }
    // The state after: the project must still lie inside the perimeter as it is now
    // (the owner may have narrowed it since the proposal).
    if accept {
        let perimeter = &current.current().content.perimeter;
        let catalog = state.projects.load();
        let territories = match &proposal.change {
            ProposalChange::AddProject { project_id } => catalog.get(project_id).map(|p| p.input.territories.clone()),
            ProposalChange::NewProject { project } | ProposalChange::ChangeProject { project, .. } => {
                Some(project.territories.clone())
            }
            ProposalChange::RemoveProject { .. } => None,
        };
        if let Some(f) = territories.and_then(|t| outside_fault(state, "change", perimeter, &t)) {
            return Err(fields(vec![f]));
        }
    }
    let actor = format!("person:{}", who.principal.person);
    // The project side of an accepted proposal, written first (its own versioned write).
    let mut action: Option<(bool, String)> = None; // (add?, project id)
    if accept {
        match &proposal.change {
            ProposalChange::AddProject { project_id } => action = Some((true, project_id.clone())),
            ProposalChange::RemoveProject { project_id } => action = Some((false, project_id.clone())),
            ProposalChange::NewProject { project } => {
                let faults = project_faults(state, "change.project", project);
                if !faults.is_empty() {
                    return Err(fields(faults));
                }
                let p = state.store.create_project(project, &actor).await.map_err(project_write_error)?;
                crate::project::publish(state, &p).await?;
                action = Some((true, p.id));
            }
            ProposalChange::ChangeProject { project_id, base_version, project } => {
                let faults = project_faults(state, "change.project", project);
                if !faults.is_empty() {
                    return Err(fields(faults));
                }
                let p = state
                    .store
                    .update_project(project_id, *base_version, project, &actor)
                    .await
                    .map_err(project_write_error)?;
                crate::project::publish(state, &p).await?;
            }
        }
    }
    let recipients = people_of(state, &current.current().content).await?;
    let summary = format!(
        "{} a {} la proposition « {} »{} : {reason}",
        who.name,
        if accept { "accepté" } else { "refusé" },
        proposal.change.label(),
        subject(state, &proposal.change)
    );
    let now = now_rfc3339();
    let (p, decided) = state
        .store
        .update_pact(id, None, Some(proposal_id), who.principal.person, |p, prop| {
            let prop = prop.ok_or("proposition introuvable")?;
            if prop.status != ProposalStatus::Open {
                return Err(format!("cette proposition est déjà {}", prop.status.label().to_lowercase()));
            }
            match &action {
                Some((true, pid)) => p.add_action(pid, &now).map_err(|e| e.to_string())?,
                Some((false, pid)) => p.remove_action(pid, &now).map_err(|e| e.to_string())?,
                None => {}
            }
            prop.status = if accept { ProposalStatus::Accepted } else { ProposalStatus::Declined };
            prop.decided_by = Some(who.principal.person);
            prop.decided_by_name = Some(who.name.clone());
            prop.decision_reason = Some(reason.trim().to_owned());
            prop.decided_at = Some(now.clone());
            Ok(Told { kind: "decision", summary, recipients })
        })
        .await
        .map_err(write_error)?;
    state.reload_pacts(true).await?;
    let decided = decided.ok_or_else(|| AppError::Internal("decided proposal missing".into()))?;
    Ok((p, decided))
}

fn project_write_error(e: WriteError) -> AppError {
    match e {
        WriteError::NotFound => AppError::NotFound("the project of this proposal no longer exists".into()),
        WriteError::Stale { expected, current } => AppError::Conflict(format!(
            "le projet a changé depuis la proposition (version {expected}, il est à la version {}) : rien n'a été \
             écrit ; refusez cette proposition et demandez-en une nouvelle",
            current.version
        )),
        WriteError::ExternalIdTaken { id, project } => {
            AppError::Conflict(format!("{}:{} already identifies project {project}", id.tool, id.id))
        }
        WriteError::Store(e) => e.into(),
    }
}

/// A participant comments in a thread of the pact.
pub async fn comment(state: &App, who: &Acting, id: &str, thread: &str, body: &str) -> Result<Comment, AppError> {
    let current = load(state, id).await?;
    let content = &current.current().content;
    if !who.is_participant(state, content) {
        return Err(AppError::Forbidden("only the parties of the pact comment on it".into()));
    }
    let mut faults = pact::cocon::check_text("body", body, true, 5_000);
    if !pact::cocon::is_thread(thread) {
        faults.push(fault("thread", PactFault::NotAThread(thread.to_owned())));
    }
    if !faults.is_empty() {
        return Err(fields(faults));
    }
    if current.status() == PactStatus::Closed {
        return Err(AppError::Conflict("le pacte est clos".into()));
    }
    let c = Comment {
        id: Uuid::now_v7().to_string(),
        pact_id: id.to_owned(),
        thread: thread.to_owned(),
        author: who.principal.person,
        author_name: who.name.clone(),
        body: body.trim().to_owned(),
        created_at: now_rfc3339(),
    };
    let excerpt: String = c.body.chars().take(140).collect();
    let told = Told {
        kind: "comment",
        summary: format!(
            "{} a commenté : « {excerpt}{} »",
            who.name,
            if c.body.chars().count() > 140 { "…" } else { "" }
        ),
        recipients: people_of(state, content).await?,
    };
    state.store.create_comment(&c, &told).await?;
    Ok(c)
}

/// The difference between versions `from` and `to` of a pact.
pub fn diff(state: &App, p: &Pact, from: u32, to: u32) -> Result<PactDiff, AppError> {
    let (Some(a), Some(b)) = (p.version(from), p.version(to)) else {
        return Err(AppError::NotFound(format!("the pact has versions 1 to {}", p.current().number)));
    };
    let (pa, pb) = (version_projects(state, a), version_projects(state, b));
    Ok(pact::diff(
        &Side { number: a.number, content: &a.content, projects: &pa },
        &Side { number: b.number, content: &b.content, projects: &pb },
    ))
}
