//! The profile: my roles, my sessions ("log out everywhere"), email change
//! confirmed by link, my API tokens.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::AppError;
use cohesion_app::access::{account, organisation, person, session, token};
use cohesion_core::access::Role;
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::account::{CsrfOnly, Message, TokenQuery};
use super::error::{PageError, render};
use super::layout::{Layout, Nav};
use super::visitor::Who;
use crate::AppState;

pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub created: String,
    pub last_used: String,
    pub state: &'static str,
    pub live: bool,
}

#[derive(Template)]
#[template(path = "profil.html")]
struct Profile {
    layout: Layout,
    info: Option<&'static str>,
    name: String,
    email: String,
    /// The organisation ProConnect's `siret` claim named, when registered.
    organisation: Option<String>,
    roles: Vec<String>,
    sessions: u64,
    idle_minutes: i64,
    absolute_hours: i64,
    tokens: Vec<TokenRow>,
}

/// A role as a person reads it.
pub async fn role_label(state: &AppState, role: &Role) -> String {
    let org_name = |id: Uuid| organisation::name(state, id);
    match role {
        Role::Admin => "Administrateur de la plateforme (agence)".into(),
        Role::ProgrammeManager { programme } => {
            let s = state.current();
            let name = s.programmes.programme(programme).map_or_else(|| programme.clone(), |p| p.name.clone());
            format!("Responsable du programme « {name} »")
        }
        Role::Delegate { departement } => {
            let s = state.current();
            let dep = s.referential.get(cohesion_core::territory::TerritoryKind::Departement, departement);
            match dep {
                Some(d) => format!("Délégué territorial de l’État, {} ({departement})", d.name),
                None => format!("Délégué territorial de l’État, département {departement}"),
            }
        }
        Role::Local { organisation, .. } => format!("Collectivité : {}", org_name(*organisation).await),
        Role::Partner { organisation } => format!("Partenaire : {}", org_name(*organisation).await),
    }
}

/// "28 novembre 2026 à 10:15", in Paris time.
pub fn fr_time(t: OffsetDateTime) -> String {
    crate::pages::components::moment(t)
}

#[derive(Deserialize)]
pub struct ProfileQuery {
    info: Option<String>,
}

fn fail(who: &Who, e: impl std::fmt::Display) -> PageError {
    PageError::internal(&who.config, e)
}

/// `GET /profil`.
pub async fn profile(
    State(state): State<AppState>,
    who: Who,
    Query(q): Query<ProfileQuery>,
) -> Result<Response, PageError> {
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let mut roles = Vec::new();
    for r in &me.principal.roles {
        roles.push(role_label(&state, r).await);
    }
    let now = OffsetDateTime::now_utc();
    let tokens = token::mine(&state, &me.principal).await.map_err(|e| fail(&who, e))?;
    let tokens = tokens
        .iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            created: fr_time(t.created_at),
            last_used: t.last_used_at.map_or_else(|| "jamais".to_owned(), fr_time),
            state: if t.revoked_at.is_some() {
                "révoqué"
            } else if t.is_live(now) {
                "actif"
            } else {
                "expiré"
            },
            live: t.is_live(now),
        })
        .collect();
    let info = match q.info.as_deref() {
        Some("courriel-envoye") => Some("Un lien de confirmation a été envoyé à la nouvelle adresse."),
        Some("courriel-change") => Some("Votre adresse électronique est changée."),
        Some("jeton-revoque") => Some("Le jeton est révoqué."),
        _ => None,
    };
    let page = Profile {
        layout: Layout::new(&who.config, "Mon profil", Nav::None),
        info,
        organisation: person::my_organisation(&state, &me.principal).await.map_err(|e| fail(&who, e))?,
        name: me.person.display_name(),
        email: me.person.email.to_string(),
        roles,
        sessions: session::count(&state, me.person.id).await.map_err(|e| fail(&who, e))?,
        idle_minutes: state.auth.session_idle.whole_minutes(),
        absolute_hours: state.auth.session_absolute.whole_hours(),
        tokens,
    };
    Ok(render(&who.config, &page)?.into_response())
}

/// `POST /profil/deconnexion-partout`: ends every session of mine, this one included.
pub async fn end_sessions(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    session::close_all(&state, &me.principal, &who.by()).await.map_err(|e| fail(&who, e))?;
    Ok(Redirect::to("/connexion?info=deconnexion").into_response())
}

#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

fn message(who: &Who, title: &str, kind: &'static str, text: &str) -> Message {
    Message {
        layout: Layout::new(&who.config, title, Nav::None),
        kind,
        text: text.to_owned(),
        secret: None,
        action: None,
        back: ("/profil", "Retour au profil"),
    }
}

/// `POST /profil/courriel`: mails a confirmation link to the new address.
pub async fn change_email(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<EmailForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let text = match account::request_email_change(&state, &state.auth, &me.person, &form.email, &who.by()).await {
        Ok(()) => return Ok(Redirect::to("/profil?info=courriel-envoye").into_response()),
        Err(AppError::Invalid(_)) => "Cette adresse électronique n’est pas valide (format attendu : nom@domaine.fr).",
        Err(AppError::Conflict(_)) => "Cette adresse électronique est déjà celle d’un autre compte.",
        Err(e) => return Err(fail(&who, e)),
    };
    let page = message(&who, "Changer d’adresse électronique", "error", text);
    Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
}

/// `GET /profil/courriel?jeton=…`: a button to confirm (a link click alone changes nothing).
pub async fn confirm_email_page(who: Who, Query(q): Query<TokenQuery>) -> Result<Response, PageError> {
    let mut page = message(
        &who,
        "Confirmer la nouvelle adresse",
        "info",
        "Confirmez-vous cette nouvelle adresse électronique pour votre compte Cohésion ?",
    );
    page.action = Some(("/profil/courriel/confirmer".into(), "Confirmer l’adresse".into(), q.jeton));
    Ok(render(&who.config, &page)?.into_response())
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    jeton: String,
}

/// `POST /profil/courriel/confirmer`: spends the link and changes the address.
pub async fn confirm_email(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let text = match account::confirm_email_change(&state, &form.jeton, &who.by()).await {
        Ok(Some(_)) => return Ok(Redirect::to("/profil?info=courriel-change").into_response()),
        Ok(None) => "Ce lien n’est plus valable : il a déjà servi, ou il a expiré.",
        Err(AppError::Conflict(_)) => "Cette adresse électronique est déjà celle d’un autre compte.",
        Err(e) => return Err(fail(&who, e)),
    };
    let page = message(&who, "Confirmer la nouvelle adresse", "error", text);
    Ok((StatusCode::GONE, render(&who.config, &page)?).into_response())
}

#[derive(Deserialize)]
pub struct NewTokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

/// `POST /profil/jetons`: creates a token with all my roles and shows its secret once.
pub async fn create_token(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<NewTokenForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let input = token::NewToken { name: &form.name, ..Default::default() };
    match token::create(&state, &me.principal, &who.by(), input).await {
        Ok((_, secret)) => {
            let mut page = message(
                &who,
                "Jeton créé",
                "success",
                "Le jeton est créé. Copiez son secret maintenant : il ne sera plus affiché.",
            );
            page.secret = Some(secret);
            Ok(render(&who.config, &page)?.into_response())
        }
        Err(AppError::Invalid(_)) => {
            let page = message(&who, "Créer un jeton", "error", "Donnez au jeton un nom de 1 à 100 caractères.");
            Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
        }
        Err(e) => Err(fail(&who, e)),
    }
}

/// `POST /profil/jetons/{id}/revoquer`.
pub async fn revoke_token(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let me = match who.signed_in() {
        Ok(a) => a.clone(),
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let Ok(id) = Uuid::parse_str(&id) else { return Err(PageError::not_found(&who.config)) };
    match token::revoke(&state, &me.principal, &who.by(), id).await {
        Ok(()) => Ok(Redirect::to("/profil?info=jeton-revoque").into_response()),
        Err(AppError::NotFound(_)) => Err(PageError::not_found(&who.config)),
        Err(AppError::Forbidden(_)) => Err(PageError::forbidden(&who.config)),
        Err(e) => Err(fail(&who, e)),
    }
}
