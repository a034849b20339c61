//! The forms of a pact's page: lifecycle steps, signatures, amendments, proposals,
//! decisions and comments. Each goes through [`cohesion_app::pact`] (which checks who acts),
//! then redirects to the pact with a notice; a refusal shows the pact again with the
//! French reason next to the form, and what was typed kept.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_core::pact::{PactStatus, ProposalChange, ProposalInput};
use serde::Deserialize;

use crate::AppState;
use crate::pages::error::PageError;
use crate::pages::pact::detail::{Fault, page};
use crate::pages::pact::form::capitalised;
use crate::pages::visitor::Who;
use cohesion_app::AppError;
use cohesion_app::pact::{self as pacts, Acting};

/// The signed-in person as the pact rules see them, or the response to give instead.
async fn acting(state: &AppState, who: &Who) -> Result<Acting, Response> {
    let me = who.signed_in().map_err(IntoResponse::into_response)?;
    Acting::of(state, me.principal.clone()).await.map_err(|e| PageError::internal(&who.config, e).into_response())
}

/// Checks the form's CSRF token and takes the signed-in person as the pact rules see
/// them; returns from the handler with the sign-in page or an error otherwise.
macro_rules! signed_in {
    ($state:expr, $who:expr, $csrf:expr) => {{
        $who.check_csrf(&$csrf)?;
        match acting(&$state, &$who).await {
            Ok(a) => a,
            Err(r) => return Ok(r),
        }
    }};
}

/// Redirects to the pact with the notice `info` when `result` is a success; shows the
/// refusal next to `form` otherwise.
async fn answer<T>(
    state: &AppState,
    who: &Who,
    id: &str,
    result: Result<T, AppError>,
    info: &str,
    form: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(done(id, info, "")),
        Err(e) => refused(state, who, id, e, Fault { form: form.into(), ..Fault::default() }).await,
    }
}

fn done(id: &str, info: &str, anchor: &str) -> Response {
    Redirect::to(&format!("/pactes/{id}?info={info}{anchor}")).into_response()
}

/// The pact shown again with `message` on `form`; or the error page for what is no form fault.
async fn refused(state: &AppState, who: &Who, id: &str, e: AppError, fault: Fault) -> Result<Response, PageError> {
    let (status, message) = match e {
        AppError::Invalid(faults) => (StatusCode::BAD_REQUEST, crate::pages::fault::sentences(&faults)),
        AppError::BadRequest { detail, .. } => (StatusCode::BAD_REQUEST, detail),
        AppError::Conflict(m) => (StatusCode::CONFLICT, capitalised(&m)),
        AppError::Forbidden(_) | AppError::Unauthenticated => return Err(PageError::forbidden(&who.config)),
        AppError::NotFound(_) => return Err(PageError::not_found(&who.config)),
        e => return Err(PageError::internal(&who.config, e)),
    };
    page(state, who, id, None, Fault { message, ..fault }, status, "").await
}

#[derive(Deserialize)]
pub struct StepForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    target: String,
    /// `oui` once the person has read the summary (closing the pact asks first).
    #[serde(default)]
    confirmer: String,
}

/// The page asking to confirm an irreversible step: what is signed or closed (the
/// version's parties, projects and money), and the form that does it.
#[derive(askama::Template)]
#[template(path = "pact_confirm.html")]
struct ConfirmPage {
    layout: crate::pages::layout::Layout,
    id: String,
    /// What the step does, in one sentence.
    what: String,
    v: crate::pages::pact::detail::VersionPart,
    action: String,
    /// The form's own fields (`party` or `target`), sent again with `confirmer=oui`.
    field: (&'static str, String),
    button: String,
}

/// The confirmation page for `step` on the version `v` of pact `id`.
fn confirm(
    state: &AppState,
    who: &Who,
    id: &str,
    p: &cohesion_core::pact::Pact,
    v: &cohesion_core::pact::PactVersion,
    (what, action, field, button): (String, &str, (&'static str, String), String),
) -> Result<Response, PageError> {
    let title = p.current().content.title.clone();
    let page = ConfirmPage {
        layout: crate::pages::layout::Layout::new(
            &who.config,
            format!("Confirmer : {button}"),
            crate::pages::layout::Nav::Pacts,
        )
        .crumb("Pactes", "/pactes")
        .crumb(title, format!("/pactes/{id}")),
        id: id.to_owned(),
        what,
        v: crate::pages::pact::detail::version_part(state, v),
        action: format!("/pactes/{id}/{action}"),
        field,
        button,
    };
    Ok(crate::pages::error::render(&who.config, &page)?.into_response())
}

/// `POST /pactes/{id}/etape`: the owner moves the pact along its lifecycle.
pub async fn step(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    let Some(target) = PactStatus::parse(&form.target) else {
        let e = AppError::Conflict("cette étape n’existe pas".into());
        return refused(&state, &who, &id, e, Fault { form: "etape".into(), ..Fault::default() }).await;
    };
    // Closing is irreversible: the owner confirms it on a page of its own first.
    if target == PactStatus::Closed
        && form.confirmer != "oui"
        && let Ok(p) = pacts::load(&state, &id).await
        && a.is_owner(&state, &p.current().content)
        && let Some(v) = p.in_force()
    {
        let what = "Clore le pacte met fin à son exécution : il ne pourra plus être modifié ni faire l’objet d’un \
                    avenant. Le texte en vigueur, rappelé ci-dessous, reste consultable."
            .to_owned();
        let step = (what, "etape", ("target", "closed".to_owned()), "Clore le pacte".to_owned());
        return confirm(&state, &who, &id, &p, v, step);
    }
    answer(&state, &who, &id, pacts::step(&state, &a, &id, target).await, "etape", "etape").await
}

#[derive(Deserialize)]
pub struct SignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party: String,
    /// `oui` once the person has read what they sign.
    #[serde(default)]
    confirmer: String,
}

/// `POST /pactes/{id}/signature`: signs the version submitted for signature, for one party.
pub async fn sign(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<SignForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    // A signature engages the party: the signer reads the summary of the version and
    // confirms. Anyone who may not sign gets the refusal straight away.
    if form.confirmer != "oui"
        && let Ok(p) = pacts::load(&state, &id).await
        && let Some(v) = p.working().filter(|v| v.status == cohesion_core::pact::VersionStatus::ReadyForSignature)
        && let Some(party) = v.content.party(&form.party)
        && a.parties(&state, &v.content).contains(&form.party)
        && !v.signatures.iter().any(|s| s.party == form.party)
    {
        let what = format!(
            "Vous signez « {} » au nom de {}. Votre signature engage cette partie sur le texte, le périmètre, les \
             projets et les montants ci-dessous ; elle ne peut pas être retirée.",
            v.content.title, party.name
        );
        let step = (what, "signature", ("party", form.party.clone()), format!("Signer pour {}", party.name));
        return confirm(&state, &who, &id, &p, v, step);
    }
    answer(&state, &who, &id, pacts::sign(&state, &a, &id, &form.party).await, "signe", "signature").await
}

#[derive(Deserialize)]
pub struct PublishForm {
    #[serde(default)]
    csrf: String,
    /// `oui` once the owner has read what becomes public.
    #[serde(default)]
    confirmer: String,
}

/// `POST /pactes/{id}/publication`: the owner makes the pact public before its
/// signature, after a confirmation page (publishing is never undone).
pub async fn publish(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<PublishForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    if form.confirmer != "oui"
        && let Ok(p) = pacts::load(&state, &id).await
        && a.is_owner(&state, &p.current().content)
        && p.in_force().is_none()
        && p.published_at.is_none()
    {
        let what = "Rendre le pacte public permet à tout visiteur de lire le texte en cours, rappelé ci-dessous, et \
                    ses mises à jour jusqu’à la signature. Les propositions, les commentaires et le nom de leurs \
                    auteurs restent réservés aux parties et à l’Agence. Ce choix ne peut pas être annulé."
            .to_owned();
        let step = (what, "publication", ("publier", "oui".to_owned()), "Rendre le pacte public".to_owned());
        return confirm(&state, &who, &id, &p, p.current(), step);
    }
    answer(&state, &who, &id, pacts::publish(&state, &a, &id).await, "publie", "publication").await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /pactes/{id}/avenant`: the owner opens an amendment of the signed pact.
pub async fn amend(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    answer(&state, &who, &id, pacts::amend(&state, &a, &id).await, "avenant", "avenant").await
}

/// `POST /pactes/{id}/avenant/abandonner`: the owner drops the amendment being
/// written; the signed text stays in force.
pub async fn abandon(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    let pending = match pacts::load(&state, &id).await {
        Ok(p) => p.pending_amendment().map(|v| v.number),
        Err(e) => return refused(&state, &who, &id, e, Fault { form: "avenant".into(), ..Fault::default() }).await,
    };
    let Some(number) = pending else {
        let e = AppError::Conflict("aucun avenant n’est en cours d’écriture".into());
        return refused(&state, &who, &id, e, Fault { form: "avenant".into(), ..Fault::default() }).await;
    };
    answer(&state, &who, &id, pacts::abandon(&state, &a, &id, number).await, "avenant-abandonne", "avenant").await
}

#[derive(Deserialize)]
pub struct ProposeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    party: String,
    /// `add_project` or `remove_project`.
    #[serde(rename = "type", default)]
    kind: String,
    /// A project id or address.
    #[serde(default)]
    project: String,
    #[serde(default)]
    message: String,
}

/// `POST /pactes/{id}/propositions`: a party proposes to add or remove a project.
pub async fn propose(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<ProposeForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    let raw = form.project.trim();
    let path = raw.split(['?', '#']).next().unwrap_or(raw).trim_end_matches('/');
    let project_id = path.rsplit('/').next().unwrap_or(path).to_owned();
    let (change, name) = if form.kind == "remove_project" {
        (ProposalChange::RemoveProject { project_id }, "retrait")
    } else {
        (ProposalChange::AddProject { project_id }, "ajout")
    };
    let fault = Fault { form: name.into(), kept: form.message.clone(), kept_other: raw.to_owned(), ..Fault::default() };
    if raw.is_empty() {
        let e = AppError::invalid("change.project_id", cohesion_core::pact::PactFault::NoProject(String::new()));
        return refused(&state, &who, &id, e, fault).await;
    }
    let input = ProposalInput { party: form.party, change, message: form.message.trim().to_owned() };
    match pacts::propose(&state, &a, &id, input).await {
        Ok(_) => Ok(done(&id, "proposition", "#propositions")),
        Err(e) => refused(&state, &who, &id, e, fault).await,
    }
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    csrf: String,
    /// `accept` or `decline`.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /pactes/{id}/propositions/{proposal}/decision`: the owner accepts or declines, with a reason.
pub async fn decide(
    State(state): State<AppState>,
    who: Who,
    Path((id, proposal)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    let fault = Fault { form: format!("decision:{proposal}"), kept: form.reason.clone(), ..Fault::default() };
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            let e = AppError::Conflict("choisissez d’accepter ou de refuser la proposition".into());
            return refused(&state, &who, &id, e, fault).await;
        }
    };
    match pacts::decide(&state, &a, &id, &proposal, accept, &form.reason).await {
        Ok(_) => Ok(done(&id, "decision", "#propositions")),
        Err(e) => refused(&state, &who, &id, e, fault).await,
    }
}

#[derive(Deserialize)]
pub struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    thread: String,
    #[serde(default)]
    body: String,
}

/// `POST /pactes/{id}/commentaires`: a participant comments in a thread.
pub async fn comment(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<CommentForm>,
) -> Result<Response, PageError> {
    let a = signed_in!(state, who, form.csrf);
    let thread = if form.thread.trim().is_empty() { "pact" } else { form.thread.trim() };
    let fault = Fault {
        form: "commentaire".into(),
        kept: form.body.clone(),
        kept_other: thread.to_owned(),
        ..Fault::default()
    };
    match pacts::comment(&state, &a, &id, thread, &form.body).await {
        Ok(_) => Ok(done(&id, "commentaire", "#commentaires")),
        Err(e) => refused(&state, &who, &id, e, fault).await,
    }
}
