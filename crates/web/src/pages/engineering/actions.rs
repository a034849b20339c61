//! The forms of a request's page: qualification, a provider's answer, messages,
//! documents, recommendations and their statuses, milestones, spending, closure and
//! satisfaction. Each goes through [`cohesion_app::engineering`] (which checks who
//! acts, on the state before and after), then redirects to the page with a notice; a
//! refusal shows the page again with the French reason next to the form and what was
//! typed kept.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::AppError;
use cohesion_app::engineering::work::{self, ClosureInput, FundingInput, MilestoneInput, SpendingInput};
use cohesion_app::engineering::{self as eng, QualifyInput};
use cohesion_core::access::Principal;
use cohesion_core::project::money::parse_euros;
use serde::Deserialize;

use super::case::{Refusal, page};
use super::href;
use crate::AppState;
use crate::pages::error::PageError;
use crate::pages::visitor::Who;

/// Checks the CSRF token and takes the signed-in person; returns from the handler with
/// the sign-in page otherwise.
macro_rules! signed_in {
    ($who:expr, $csrf:expr) => {{
        $who.check_csrf(&$csrf)?;
        match $who.signed_in() {
            Ok(a) => a.principal.clone(),
            Err(r) => return Ok(r.into_response()),
        }
    }};
}

fn done(id: &str, info: &str) -> Response {
    Redirect::to(&format!("{}?info={info}", href(id))).into_response()
}

/// The page again with the reason on `form`; or the error page for what is no form fault.
async fn refused(
    state: &AppState,
    who: &Who,
    id: &str,
    e: AppError,
    form: &str,
    kept: &[(&str, &str)],
) -> Result<Response, PageError> {
    let (status, message) = match e {
        AppError::Invalid(faults) => (StatusCode::BAD_REQUEST, crate::pages::fault::sentences(&faults)),
        AppError::BadRequest { detail, .. } => (StatusCode::BAD_REQUEST, detail),
        AppError::Conflict(_) => (
            StatusCode::CONFLICT,
            "Quelqu’un a modifié la mission entre-temps : la page est à jour, recommencez votre saisie.".to_owned(),
        ),
        AppError::Forbidden(_) | AppError::Unauthenticated => return Err(PageError::forbidden(&who.config)),
        AppError::NotFound(_) => return Err(PageError::not_found(&who.config)),
        e => return Err(PageError::internal(&who.config, e)),
    };
    let kept: HashMap<String, String> = kept.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let refusal = Refusal { form: form.to_owned(), message, kept };
    page(state, who, id, None, refusal, status, "").await
}

/// Redirects with `info` on success, shows the refusal on `form` otherwise.
async fn answer<T>(
    state: &AppState,
    who: &Who,
    id: &str,
    result: Result<T, AppError>,
    info: &str,
    form: &str,
    kept: &[(&str, &str)],
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(done(id, info)),
        Err(e) => refused(state, who, id, e, form, kept).await,
    }
}

/// `POST /ingenierie/demandes/{id}/qualification`: accept (with the providers
/// checked), redirect or decline (with the reason shown to the authority).
pub async fn qualify(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    // Pairs, since `providers` repeats once per provider checked.
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map_or("", |(_, v)| v.as_str());
    let me: Principal = signed_in!(who, get("csrf"));
    let input = match get("outcome") {
        "accept" => QualifyInput::Accept {
            providers: fields.iter().filter(|(n, _)| n == "providers").map(|(_, v)| v.clone()).collect(),
        },
        "redirect" => QualifyInput::Redirect {
            to: get("to").to_owned(),
            target: get("target").to_owned(),
            reason: get("reason").to_owned(),
        },
        _ => QualifyInput::Decline { reason: get("reason").to_owned() },
    };
    let r = eng::qualify(&state, &me, &id, None, input).await;
    let kept = [("target", get("target")), ("reason", get("reason"))];
    answer(&state, &who, &id, r, "qualifiee", "qualification", &kept).await
}

#[derive(Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /ingenierie/demandes/{id}/reponse`: a provider accepts or declines the mission.
pub async fn respond(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let r = work::answer(&state, &me, &id, None, &f.provider, f.decision == "accept", &f.reason).await;
    answer(&state, &who, &id, r, "reponse", "reponse", &[("reason", &f.reason)]).await
}

#[derive(Deserialize)]
pub struct MessageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    thread: String,
    #[serde(default)]
    body: String,
}

/// `POST /ingenierie/demandes/{id}/messages`: a message in one of the two conversations.
pub async fn message(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<MessageForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let form = if f.thread == "internal" { "message-internal" } else { "message-public" };
    let r = work::post(&state, &me, &id, &f.thread, &f.body).await;
    answer(&state, &who, &id, r, "message", form, &[("body", &f.body)]).await
}

/// `POST /ingenierie/demandes/{id}/documents` (multipart: `thread`, the file in
/// `fichier`): a bad file is named with its reason.
pub async fn document(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let mut csrf = String::new();
    let mut thread = "public".to_owned();
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut readable = form.is_ok();
    if let Ok(mut form) = form {
        while let Ok(Some(field)) = form.next_field().await {
            match field.name() {
                Some("csrf") => csrf = field.text().await.unwrap_or_default(),
                Some("thread") => thread = field.text().await.unwrap_or_default(),
                Some("fichier") => {
                    let name = field.file_name().unwrap_or("").to_owned();
                    match field.bytes().await {
                        Ok(b) => file = Some((name, b.to_vec())),
                        Err(_) => readable = false,
                    }
                }
                _ => {}
            }
        }
    }
    let me = signed_in!(who, csrf);
    let result = match file {
        Some((name, bytes)) if readable && !(name.is_empty() && bytes.is_empty()) => {
            work::upload(&state, &me, &id, &thread, &name, &bytes).await
        }
        _ => Err(AppError::BadRequest {
            code: "no_file",
            detail: if readable {
                "Choisissez un fichier.".into()
            } else {
                "Le fichier n’a pas pu être lu : il dépasse sans doute 20 Mo.".into()
            },
        }),
    };
    answer(&state, &who, &id, result, "document", "document", &[]).await
}

#[derive(Deserialize)]
pub struct RecommendationForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
}

/// `POST /ingenierie/demandes/{id}/recommandations`.
pub async fn recommend(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<RecommendationForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let input = work::RecommendationInput { title: f.title.clone(), body: f.body.clone() };
    let r = work::recommend(&state, &me, &id, input).await;
    answer(&state, &who, &id, r, "recommandation", "recommandation", &[("title", &f.title), ("body", &f.body)]).await
}

#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    comment: String,
}

/// `POST /ingenierie/demandes/{id}/recommandations/{rid}/statut`: a status change
/// with its comment.
pub async fn track(
    State(state): State<AppState>,
    who: Who,
    Path((id, rid)): Path<(String, String)>,
    Form(f): Form<StatusForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let r = work::track(&state, &me, &rid, None, &f.status, &f.comment).await;
    answer(&state, &who, &id, r, "statut", &rid, &[("comment", &f.comment)]).await
}

#[derive(Deserialize)]
pub struct MilestoneForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    due: String,
}

/// `POST /ingenierie/demandes/{id}/jalons`.
pub async fn milestone(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<MilestoneForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let input = MilestoneInput { title: f.title.clone(), due: Some(f.due.clone()) };
    let r = work::milestone(&state, &me, &id, None, input).await;
    answer(&state, &who, &id, r, "jalon", "jalon", &[("title", &f.title), ("due", &f.due)]).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /ingenierie/demandes/{id}/jalons/{mid}/atteint`.
pub async fn milestone_done(
    State(state): State<AppState>,
    who: Who,
    Path((id, mid)): Path<(String, String)>,
    Form(f): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let r = work::complete_milestone(&state, &me, &id, &mid, None).await;
    answer(&state, &who, &id, r, "jalon", "jalon", &[]).await
}

#[derive(Deserialize)]
pub struct SpendingForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    provider: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    cost: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    approve: String,
}

/// `POST /ingenierie/demandes/{id}/depenses`: days and cost (in euros) against the
/// département's budget; over it, only the delegate's approval lets it through.
pub async fn spend(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<SpendingForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let kept = [("days", f.days.as_str()), ("cost", &f.cost), ("on", &f.on), ("note", &f.note)];
    let Ok(cost_cents) = parse_euros(f.cost.trim().replace(['\u{202f}', '\u{a0}', ' '], "").as_str()) else {
        let e = AppError::BadRequest {
            code: "not_amount",
            detail: format!("« {} » n’est pas un montant en euros (par exemple 1200 ou 1200,50).", f.cost.trim()),
        };
        return refused(&state, &who, &id, e, "depense", &kept).await;
    };
    let input = SpendingInput {
        provider: f.provider.clone(),
        days: f.days.clone(),
        cost_cents,
        on: f.on.clone(),
        note: f.note.clone(),
        approve_over_budget: f.approve == "1",
    };
    let r = work::spend(&state, &me, &id, None, input).await;
    answer(&state, &who, &id, r, "depense", "depense", &kept).await
}

/// `POST /ingenierie/demandes/{id}/cloture`: what was delivered, the phases, up to
/// three fundings (funder and amount in euros).
pub async fn close(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let get = |k: &str| f.get(k).map_or("", String::as_str);
    let me = signed_in!(who, get("csrf"));
    let kept = [("delivered", get("delivered"))];
    let mut fundings = Vec::new();
    for n in 1..=3 {
        let funder = get(&format!("funder_{n}")).trim().to_owned();
        let amount = get(&format!("amount_{n}")).trim().replace(['\u{202f}', '\u{a0}', ' '], "");
        if funder.is_empty() && amount.is_empty() {
            continue;
        }
        let Ok(amount_cents) = parse_euros(&amount) else {
            let e = AppError::BadRequest {
                code: "not_amount",
                detail: format!("Financement {n} : « {amount} » n’est pas un montant en euros."),
            };
            return refused(&state, &who, &id, e, "cloture", &kept).await;
        };
        fundings.push(FundingInput { funder, amount_cents });
    }
    let input = ClosureInput {
        delivered: get("delivered").to_owned(),
        phase_before: Some(get("phase_before").to_owned()),
        phase_after: Some(get("phase_after").to_owned()),
        fundings,
    };
    let r = work::close(&state, &me, &id, None, input).await;
    answer(&state, &who, &id, r, "cloture", "cloture", &kept).await
}

#[derive(Deserialize)]
pub struct SatisfactionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    round: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

/// `POST /ingenierie/demandes/{id}/avis`: the authority's satisfaction, 1 to 5.
pub async fn rate(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<SatisfactionForm>,
) -> Result<Response, PageError> {
    let me = signed_in!(who, f.csrf);
    let kept = [("comment", f.comment.as_str())];
    let Ok(score) = f.score.trim().parse::<u8>() else {
        let e = AppError::BadRequest { code: "no_score", detail: "Choisissez une note de 1 à 5.".into() };
        return refused(&state, &who, &id, e, "avis", &kept).await;
    };
    let round = if f.round.is_empty() { "at_closure" } else { f.round.as_str() };
    let r = work::rate(&state, &me, &id, round, score, &f.comment).await;
    answer(&state, &who, &id, r, "avis", "avis", &kept).await
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    csrf: String,
    /// The person picked among the search's results.
    #[serde(default)]
    person: String,
    #[serde(default)]
    role: String,
    /// For an advisor: the engaged provider they act for.
    #[serde(default)]
    provider: String,
}

/// `POST /ingenierie/demandes/{id}/participants`: the State invites the person picked
/// from the search (`?personne=` on the request's page) as an observer, or as an
/// advisor of an engaged provider — the use case the API calls.
pub async fn invite(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<InviteForm>,
) -> Result<Response, PageError> {
    use cohesion_app::param::ParamFault;
    use cohesion_core::engineering::ParticipantRole;
    let me: Principal = signed_in!(who, f.csrf);
    let r = match (uuid::Uuid::parse_str(f.person.trim()), ParticipantRole::parse(f.role.trim())) {
        (Err(_), _) => Err(AppError::invalid("person", ParamFault::Required)),
        (_, None) => Err(AppError::invalid(
            "role",
            ParamFault::NotOneOf { value: f.role.clone(), expected: "advisor, observer" },
        )),
        (Ok(person), Some(role)) => {
            let provider =
                Some(f.provider.trim().to_owned()).filter(|p| role == ParticipantRole::Advisor && !p.is_empty());
            work::invite(&state, &me, &id, person, role, provider).await
        }
    };
    answer(&state, &who, &id, r, "invitation", "invitation", &[]).await
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /ingenierie/demandes/{id}/invitation`: the invitee accepts their own
/// invitation (anyone else: not found).
pub async fn accept_invitation(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(f): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    let me: Principal = signed_in!(who, f.csrf);
    let r = work::accept_invitation(&state, &me, &id).await;
    answer(&state, &who, &id, r, "bienvenue", "accepter", &[]).await
}
