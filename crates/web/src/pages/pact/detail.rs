//! `/pactes/{id}`: a pact, its version being written or in force (parties and their
//! signatures, actions with their money), its versions, proposals and comments, and
//! the forms of what the visitor may do now; `/pactes/{id}/versions/{n}`: one version
//! with its frozen projects.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cohesion_core::pact::{Pact, PactStatus, PactVersion, ProposalChange, ProposalStatus, VersionStatus};
use cohesion_core::project::money::{format_euros, share};
use serde::Deserialize;

use crate::AppState;
use crate::pages::components::{Link, french_time};
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, territory_href};
use crate::pages::pact::badge;
use crate::pages::visitor::Who;
use cohesion_app::AppError;
use cohesion_app::pact::read::open;
use cohesion_app::pact::{self as pacts, Acting};

/// A party and its signature of the version shown.
pub struct PartyRow {
    pub name: String,
    pub kind: &'static str,
    pub siren: String,
    pub owner: bool,
    /// "par … le …" (after a "Signé" badge), or empty.
    pub signature: String,
}

/// A project of the version, with its money.
pub struct ActionRow {
    pub name: String,
    pub href: String,
    pub phase: String,
    pub cost: String,
    pub financed: String,
    pub share: String,
}

/// What a version says, as the detail and version pages show it.
pub struct VersionPart {
    pub number: u32,
    pub label: String,
    pub status: &'static str,
    pub description: String,
    pub places: Vec<Link>,
    pub parties: Vec<PartyRow>,
    pub actions: Vec<ActionRow>,
    pub cost: String,
    pub financed: String,
    pub share: String,
    /// Projects frozen (put to signature or signed) rather than shown as they are now.
    pub frozen: bool,
}

/// "Texte initial" or "Avenant n° 2".
pub fn version_label(number: u32) -> String {
    if number <= 1 { "Texte initial".to_owned() } else { format!("Avenant n° {}", number - 1) }
}

fn pct(part: i64, whole: i64) -> String {
    share(part, whole).map_or_else(|| "–".into(), |s| format!("{} %", s.to_string().replace('.', ",")))
}

pub fn version_part(state: &AppState, v: &PactVersion) -> VersionPart {
    let snapshot = state.current();
    let r = &snapshot.referential;
    let c = &v.content;
    let projects = pacts::version_projects(state, v);
    let actions: Vec<_> = c.actions.iter().filter_map(|id| projects.iter().find(|p| &p.id == id)).collect();
    let cost: i64 = actions.iter().map(|p| p.total_cost_cents.unwrap_or(0)).sum();
    let financed: i64 = actions.iter().map(|p| p.financed_cents()).sum();
    VersionPart {
        number: v.number,
        label: version_label(v.number),
        status: v.status.label(),
        description: c.description.clone(),
        places: c
            .perimeter
            .iter()
            .map(|t| match r.get_ref(t) {
                Some(x) => Link { label: x.name.clone(), href: Some(territory_href(x)) },
                None => Link { label: t.to_string(), href: None },
            })
            .collect(),
        parties: c
            .parties
            .iter()
            .map(|p| PartyRow {
                name: p.name.clone(),
                kind: p.kind.label(),
                siren: p.siren.clone().unwrap_or_default(),
                owner: p.key() == c.owner,
                signature: v
                    .signatures
                    .iter()
                    .find(|s| s.party == p.key())
                    .map(|s| {
                        // The public part of a pact names no signer (`public_part`).
                        if s.name.is_empty() {
                            format!("le {}", french_time(&s.signed_at))
                        } else {
                            format!("par {} le {}", s.name, french_time(&s.signed_at))
                        }
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        actions: actions
            .iter()
            .map(|p| ActionRow {
                name: p.name.clone(),
                href: format!("/projets/{}", p.id),
                phase: match (p.phase, p.phase_status) {
                    (Some(ph), Some(st)) => format!("{} ({})", ph.label(), st.label().to_lowercase()),
                    (Some(ph), None) => ph.label().to_owned(),
                    (None, _) => "Phase non renseignée".to_owned(),
                },
                cost: p.total_cost_cents.map_or_else(|| "non renseigné".into(), format_euros),
                financed: format_euros(p.financed_cents()),
                share: p.total_cost_cents.map_or_else(|| "–".into(), |c| pct(p.financed_cents(), c)),
            })
            .collect(),
        cost: format_euros(cost),
        financed: format_euros(financed),
        share: pct(financed, cost),
        frozen: matches!(v.status, VersionStatus::ReadyForSignature | VersionStatus::Signed),
    }
}

pub struct VersionRow {
    pub label: String,
    pub status: &'static str,
    pub when: String,
    pub href: String,
    /// The comparison with the version before.
    pub diff: Option<String>,
}

pub struct ProposalRow {
    pub id: String,
    pub what: String,
    pub project: Option<String>,
    pub party: String,
    pub author: String,
    pub at: String,
    pub message: String,
    pub status: &'static str,
    pub accepted: bool,
    pub decided: String,
    pub reason: String,
    /// A fault of its decision form, and the reason typed.
    pub fault: Option<String>,
    pub kept: String,
}

pub struct CommentRow {
    pub author: String,
    pub at: String,
    pub body: String,
}

pub struct Thread {
    pub label: String,
    pub comments: Vec<CommentRow>,
}

/// A lifecycle step button: target status and label.
pub struct StepButton {
    pub target: &'static str,
    pub label: &'static str,
    pub primary: bool,
}

/// A form of the page that failed: which one, why (French), and what was typed.
#[derive(Default)]
pub struct Fault {
    /// `etape`, `signature`, `avenant`, `proposition`, `decision:{id}`, `commentaire`.
    pub form: String,
    pub message: String,
    /// The text typed (comment, reason, message of a proposal).
    pub kept: String,
    /// The project typed in a proposal, the thread chosen for a comment.
    pub kept_other: String,
}

impl Fault {
    pub fn at(&self, form: &str) -> Option<&str> {
        (self.form == form).then_some(self.message.as_str())
    }

    pub fn kept_for(&self, form: &str) -> &str {
        if self.form == form { &self.kept } else { "" }
    }
}

#[derive(Template)]
#[template(path = "pact.html")]
struct Detail {
    layout: Layout,
    id: String,
    /// The reader sees the pact whole (a party's person or the agency): its drafts,
    /// proposals and comments; otherwise its signed versions only.
    whole: bool,
    /// The owner may close the pact (signed or in execution, no amendment pending).
    can_close: bool,
    kind: &'static str,
    status: String,
    badge: &'static str,
    info: Option<&'static str>,
    alert: Option<String>,
    v: VersionPart,
    in_force: Option<String>,
    versions: Vec<VersionRow>,
    open: Vec<ProposalRow>,
    decided: Vec<ProposalRow>,
    threads: Vec<Thread>,
    thread_choices: Vec<(String, String, bool)>,
    owner: bool,
    participant: bool,
    can_edit: bool,
    steps: Vec<StepButton>,
    can_amend: bool,
    /// An amendment is being written and the visitor pilots the pact.
    can_abandon: bool,
    /// Not signed nor published yet: its owner may make it public (asks to confirm).
    can_publish: bool,
    /// Who reads this page as shown, for those who read the pact whole: « réservé aux
    /// parties et à l’Agence » before it is public.
    visibility: Option<String>,
    sign_for: Vec<(String, String)>,
    propose_for: Vec<(String, String)>,
    /// Projects of the perimeter a party may propose (id, label, chosen before), found
    /// by the proposal form's search (`projet_q`), or the first ones without it.
    candidates: Vec<(String, String, bool)>,
    project_q: String,
    removable: Vec<(String, String)>,
    fault: Fault,
}

/// Up to ten projects lying in the perimeter of `c` and not yet among its actions,
/// matching `q` (any when empty), each with its place; `kept` is ticked.
fn candidates(
    state: &AppState,
    c: &cohesion_core::pact::PactContent,
    q: &str,
    kept: &str,
) -> Vec<(String, String, bool)> {
    let mut seen: Vec<String> = c.actions.clone();
    let mut out = Vec::new();
    let snapshot = state.current();
    for t in &c.perimeter {
        let filter = cohesion_app::project::catalog::Filter {
            q: (!q.is_empty()).then(|| q.to_owned()),
            territory: Some(t.clone()),
            ..Default::default()
        };
        let Ok(found) = cohesion_app::project::search(state, &filter, 0, 10) else { continue };
        for p in found.items {
            if out.len() < 10 && !seen.contains(&p.id) {
                seen.push(p.id.clone());
                let place = p
                    .territories
                    .first()
                    .and_then(|x| x.parse::<cohesion_core::territory::TerritoryRef>().ok())
                    .and_then(|x| snapshot.referential.get_ref(&x).map(|x| x.name.clone()))
                    .map(|n| format!(" — {n}"))
                    .unwrap_or_default();
                let chosen = p.id == kept;
                out.push((p.id.clone(), format!("{}{place}", p.name), chosen));
            }
        }
    }
    out
}

#[derive(Deserialize)]
pub struct InfoQuery {
    info: Option<String>,
    /// Words of a project to propose (the proposal form's search).
    projet_q: Option<String>,
}

fn info_text(code: Option<&str>) -> Option<&'static str> {
    Some(match code? {
        "cree" => "Le pacte est créé, en brouillon. Ouvrez la co-construction quand le texte est prêt à être discuté.",
        "texte" => "Le texte est enregistré.",
        "etape" => "Le pacte a changé d’étape.",
        "signe" => "Votre signature est enregistrée.",
        "avenant" => "L’avenant est ouvert, en brouillon : modifiez le texte puis soumettez-le à la signature.",
        "avenant-abandonne" => "L’avenant est abandonné : le texte signé reste en vigueur.",
        "publie" => "Le pacte est public : tout visiteur lit désormais le texte en cours.",
        "proposition" => "Votre proposition est envoyée au pilote du pacte.",
        "decision" => "La décision est enregistrée et les parties en sont informées.",
        "commentaire" => "Votre commentaire est publié.",
        _ => return None,
    })
}

/// The steps the owner may ask for now.
fn steps(p: &Pact) -> Vec<StepButton> {
    let b = |target, label, primary| StepButton { target, label, primary };
    match (p.working().map(|v| v.status), p.status()) {
        (Some(VersionStatus::Draft), _) => vec![
            b("co_construction", "Ouvrir la co-construction", true),
            b("ready_for_signature", "Soumettre à la signature", false),
        ],
        (Some(VersionStatus::CoConstruction), _) => vec![b("ready_for_signature", "Soumettre à la signature", true)],
        (Some(VersionStatus::ReadyForSignature), _) => vec![b("co_construction", "Rouvrir la co-construction", false)],
        (_, PactStatus::Signed) => vec![b("in_execution", "Démarrer l’exécution", true)],
        _ => Vec::new(),
    }
}

/// The pact's page, with `fault` on the form that failed (then answered with `status`).
pub async fn page(
    state: &AppState,
    who: &Who,
    id: &str,
    info: Option<&'static str>,
    fault: Fault,
    status: StatusCode,
    project_q: &str,
) -> Result<Response, PageError> {
    let fail = |e: &dyn std::fmt::Display| PageError::internal(&who.config, e);
    let principal = who.auth.as_ref().map(|a| &a.principal);
    let (p, whole) = match open(state, principal, id).await {
        Ok(o) => (o.pact, o.whole),
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(fail(&e)),
    };
    let acting = match &who.auth {
        Some(a) => Some(Acting::of(state, a.principal.clone()).await.map_err(|e| fail(&e))?),
        None => None,
    };
    let current = p.current();
    let c = &current.content;
    let owner = acting.as_ref().is_some_and(|a| a.is_owner(state, c));
    let participant = acting.as_ref().is_some_and(|a| a.is_participant(state, c));
    let mine = acting.as_ref().map(|a| a.parties(state, c)).unwrap_or_default();
    let party_name = |key: &str| c.party(key).map_or_else(|| key.to_owned(), |p| p.name.clone());
    let working = p.working().map(|v| v.status);
    let catalog = state.projects.load();
    let project_name = |pid: &str| catalog.get(pid).map(|p| p.input.name.clone());

    // The proposals and comments are the parties' and the agency's only.
    let proposals = if whole {
        cohesion_app::pact::read::proposals(state, principal, id).await.map_err(|e| fail(&e))?
    } else {
        Vec::new()
    };
    let rows: Vec<ProposalRow> = proposals
        .iter()
        .map(|pr| {
            let subject = match &pr.change {
                ProposalChange::NewProject { project } => Some(project.name.clone()),
                other => other.project_id().map(|pid| project_name(pid).unwrap_or_else(|| pid.to_owned())),
            };
            let form = format!("decision:{}", pr.id);
            ProposalRow {
                id: pr.id.clone(),
                what: match &subject {
                    Some(s) => format!("{} : « {s} »", pr.change.label()),
                    None => pr.change.label().to_owned(),
                },
                project: pr.change.project_id().map(|pid| format!("/projets/{pid}")),
                party: party_name(&pr.party),
                author: pr.author_name.clone(),
                at: french_time(&pr.created_at),
                message: pr.message.clone(),
                status: pr.status.label(),
                accepted: pr.status == ProposalStatus::Accepted,
                decided: match (&pr.decided_by_name, &pr.decided_at) {
                    (Some(n), Some(at)) => format!("par {n} le {}", french_time(at)),
                    _ => String::new(),
                },
                reason: pr.decision_reason.clone().unwrap_or_default(),
                fault: fault.at(&form).map(str::to_owned),
                kept: fault.kept_for(&form).to_owned(),
            }
        })
        .collect();
    let (open, decided): (Vec<_>, Vec<_>) = rows.into_iter().partition(|r| r.status == ProposalStatus::Open.label());

    let comments = if whole {
        cohesion_app::pact::read::comments(state, principal, id).await.map_err(|e| fail(&e))?
    } else {
        Vec::new()
    };
    let thread_label = |thread: &str| -> String {
        if let Some(pid) = thread.strip_prefix("proposal:") {
            let what = open.iter().chain(&decided).find(|r| r.id == pid).map_or("une proposition", |r| r.what.as_str());
            format!("Sur la proposition {what}")
        } else if let Some(pid) = thread.strip_prefix("project:") {
            format!("Sur le projet « {} »", project_name(pid).unwrap_or_else(|| pid.to_owned()))
        } else {
            "Discussion générale".to_owned()
        }
    };
    let mut threads: Vec<(String, Thread)> = Vec::new();
    for cm in &comments {
        let row = CommentRow { author: cm.author_name.clone(), at: french_time(&cm.created_at), body: cm.body.clone() };
        match threads.iter_mut().find(|(t, _)| *t == cm.thread) {
            Some((_, t)) => t.comments.push(row),
            None => threads.push((cm.thread.clone(), Thread { label: thread_label(&cm.thread), comments: vec![row] })),
        }
    }
    threads.sort_by_key(|(t, _)| t != "pact");
    let chosen = if fault.form == "commentaire" { fault.kept_other.clone() } else { "pact".to_owned() };
    let mut choices = vec!["pact".to_owned()];
    choices.extend(open.iter().chain(&decided).map(|r| format!("proposal:{}", r.id)));
    choices.extend(c.actions.iter().map(|a| format!("project:{a}")));
    let thread_choices = choices
        .into_iter()
        .map(|t| {
            let selected = t == chosen;
            let label = thread_label(&t);
            (t, label, selected)
        })
        .collect();

    let versions = p
        .versions
        .iter()
        .map(|v| VersionRow {
            label: version_label(v.number),
            status: v.status.label(),
            when: match &v.signed_at {
                Some(at) => format!("le {}", french_time(at)),
                None => format!("ouverte le {}", french_time(&v.created_at)),
            },
            href: format!("/pactes/{id}/versions/{}", v.number),
            diff: (v.number > 1).then(|| format!("/pactes/{id}/comparaison?de={}&a={}", v.number - 1, v.number)),
        })
        .collect();
    let status_now = p.status();
    let alert = ["etape", "signature", "avenant"].contains(&fault.form.as_str()).then(|| fault.message.clone());
    let page = Detail {
        layout: Layout::new(&who.config, c.title.clone(), Nav::Pacts).crumb("Pactes", "/pactes"),
        id: id.to_owned(),
        whole,
        kind: c.kind.label(),
        status: pacts::status_label(&p),
        badge: badge(status_now),
        info,
        alert,
        v: version_part(state, current),
        in_force: p
            .in_force()
            .filter(|v| v.number != current.number)
            .map(|v| format!("/pactes/{id}/versions/{}", v.number)),
        versions,
        thread_choices,
        threads: threads.into_iter().map(|(_, t)| t).collect(),
        open,
        decided,
        owner,
        participant: participant && status_now != PactStatus::Closed,
        can_edit: owner && matches!(working, Some(VersionStatus::Draft | VersionStatus::CoConstruction)),
        steps: if owner { steps(&p) } else { Vec::new() },
        // Closing stands apart from the other steps, and asks to confirm (`actions::step`).
        can_close: owner && p.working().is_none() && matches!(status_now, PactStatus::Signed | PactStatus::InExecution),
        can_amend: owner && working.is_none() && status_now != PactStatus::Closed,
        can_abandon: owner && p.pending_amendment().is_some(),
        can_publish: owner && p.in_force().is_none() && p.published_at.is_none(),
        visibility: whole.then(|| match (p.in_force().is_some(), p.published_at.as_deref()) {
            (true, _) => "Le texte signé et les signatures (organisations et dates) sont publics ; les versions en \
                          cours, les propositions et les commentaires restent réservés aux parties et à l’Agence."
                .to_owned(),
            (false, Some(at)) => format!(
                "Rendu public le {} : tout visiteur lit le texte en cours ; les propositions et les commentaires \
                 restent réservés aux parties et à l’Agence.",
                crate::pages::components::french_time(at)
            ),
            (false, None) => "Réservé aux parties et à l’Agence jusqu’à sa signature.".to_owned(),
        }),
        sign_for: if working == Some(VersionStatus::ReadyForSignature) {
            mine.iter()
                .filter(|k| !current.signatures.iter().any(|s| &s.party == *k))
                .map(|k| (k.clone(), party_name(k)))
                .collect()
        } else {
            Vec::new()
        },
        candidates: if working == Some(VersionStatus::CoConstruction) && !mine.is_empty() {
            candidates(state, c, project_q, &fault.kept_other)
        } else {
            Vec::new()
        },
        project_q: project_q.to_owned(),
        propose_for: if working == Some(VersionStatus::CoConstruction) {
            mine.iter().map(|k| (k.clone(), party_name(k))).collect()
        } else {
            Vec::new()
        },
        removable: c.actions.iter().map(|a| (a.clone(), project_name(a).unwrap_or_else(|| a.clone()))).collect(),
        fault,
    };
    Ok((status, render(&who.config, &page)?).into_response())
}

/// `GET /pactes/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Query(q): Query<InfoQuery>,
) -> Result<Response, PageError> {
    let project_q = q.projet_q.unwrap_or_default();
    page(&state, &who, &id, info_text(q.info.as_deref()), Fault::default(), StatusCode::OK, project_q.trim()).await
}

#[derive(Template)]
#[template(path = "pact_version.html")]
struct VersionPage {
    layout: Layout,
    id: String,
    title: String,
    v: VersionPart,
    signed_at: String,
    diff: Option<String>,
}

/// `GET /pactes/{id}/versions/{n}`.
pub async fn version(
    State(state): State<AppState>,
    who: Who,
    Path((id, number)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let p = match open(&state, who.auth.as_ref().map(|a| &a.principal), &id).await {
        Ok(o) => o.pact,
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let Some(v) = number.parse::<u32>().ok().and_then(|n| p.version(n)) else {
        return Err(PageError::not_found(&who.config));
    };
    let title = p.current().content.title.clone();
    let part = version_part(&state, v);
    let page = VersionPage {
        layout: Layout::new(&who.config, format!("{} — {}", part.label, v.content.title), Nav::Pacts)
            .crumb("Pactes", "/pactes")
            .crumb(title.clone(), format!("/pactes/{id}")),
        diff: (v.number > 1).then(|| format!("/pactes/{id}/comparaison?de={}&a={}", v.number - 1, v.number)),
        signed_at: v.signed_at.as_deref().map(french_time).unwrap_or_default(),
        id,
        title,
        v: part,
    };
    Ok(render(&who.config, &page)?.into_response())
}
