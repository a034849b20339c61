//! Signing in and out, forgotten password, choosing a password from an invitation
//! or reset link. Every form carries the CSRF token (`visitor::Who::check_csrf`).

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::access::account::{self as accounts, LoginError, SetPasswordError};
use cohesion_app::access::{LinkPurpose, session};
use cohesion_core::access::person::PasswordFault;
use serde::Deserialize;

use super::error::{PageError, render};
use super::layout::{Layout, Nav};
use super::visitor::{Who, redirect_with_cookie};
use crate::AppState;
use crate::auth::Via;

#[derive(Template)]
#[template(path = "connexion.html")]
struct SignIn {
    layout: Layout,
    proconnect: bool,
    email: String,
    error: Option<&'static str>,
    info: Option<&'static str>,
    /// How long a session lasts, said before signing in (issue 15: the cookie is kept
    /// by the browser until then, so closing the browser does not sign out).
    lifetime: String,
}

/// « 12 heures », « 1 heure », « 90 minutes ».
fn duration_fr(d: time::Duration) -> String {
    let minutes = d.whole_minutes();
    let (n, unit) = if minutes % 60 == 0 { (minutes / 60, "heure") } else { (minutes, "minute") };
    format!("{n} {unit}{}", if n > 1 { "s" } else { "" })
}

fn session_lifetime(auth: &crate::auth::AuthConfig) -> String {
    format!(
        "Une session dure au plus {} et se ferme après {} sans activité. Fermer le navigateur ne vous déconnecte pas : sur un ordinateur partagé, choisissez « Se déconnecter ».",
        duration_fr(auth.session_absolute),
        duration_fr(auth.session_idle)
    )
}

#[derive(Template)]
#[template(path = "mot_de_passe.html")]
struct SetPassword {
    layout: Layout,
    token: String,
    error: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "mot_de_passe_oublie.html")]
struct Forgot {
    layout: Layout,
}

/// A short page with one message, and maybe one button.
#[derive(Template)]
#[template(path = "message.html")]
pub struct Message {
    pub layout: Layout,
    /// DSFR alert kind: `success`, `info`, `error`.
    pub kind: &'static str,
    pub text: String,
    pub secret: Option<String>,
    /// (form action, button label, hidden `jeton` value)
    pub action: Option<(String, String, String)>,
    pub back: (&'static str, &'static str),
}

#[derive(Deserialize)]
pub struct InfoQuery {
    info: Option<String>,
}

/// `GET /connexion`.
pub async fn sign_in_page(
    State(state): State<AppState>,
    who: Who,
    Query(q): Query<InfoQuery>,
) -> Result<Response, PageError> {
    let info = match q.info.as_deref() {
        Some("mot-de-passe") => Some("Votre mot de passe est enregistré : vous pouvez vous connecter."),
        Some("deconnexion") => Some("Vous êtes déconnecté(e)."),
        Some("proconnect-indisponible") => {
            Some("ProConnect est indisponible pour le moment : connectez-vous avec votre mot de passe.")
        }
        _ => None,
    };
    let page = SignIn {
        layout: Layout::new(&who.config, "Connexion", Nav::None),
        proconnect: state.auth.proconnect.is_some(),
        email: String::new(),
        error: None,
        info,
        lifetime: session_lifetime(&state.auth),
    };
    Ok(render(&who.config, &page)?.into_response())
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// `POST /connexion`: opens a session and goes to the person's space.
pub async fn sign_in(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let (status, error) = match accounts::login(&state, &state.auth, &form.email, &form.password, &who.address).await {
        Ok(id) => {
            let cookie = state.auth.cookie(state.auth.session_cookie(), &id, Some(state.auth.session_absolute));
            return Ok(redirect_with_cookie("/mon-espace", &cookie));
        }
        Err(LoginError::Invalid) => (StatusCode::UNAUTHORIZED, "Adresse électronique ou mot de passe incorrect."),
        Err(LoginError::Throttled) => (
            StatusCode::TOO_MANY_REQUESTS,
            "Trop de tentatives de connexion échouées : réessayez dans un quart d’heure, ou choisissez un nouveau mot de passe.",
        ),
        Err(LoginError::Failed(e)) => return Err(PageError::internal(&who.config, e)),
    };
    let page = SignIn {
        layout: Layout::new(&who.config, "Connexion", Nav::None),
        proconnect: state.auth.proconnect.is_some(),
        email: form.email.trim().to_owned(),
        error: Some(error),
        info: None,
        lifetime: session_lifetime(&state.auth),
    };
    Ok((status, render(&who.config, &page)?).into_response())
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /deconnexion`: ends this session; a ProConnect session also ends at the
/// provider (its `end_session_endpoint`), which sends the browser back here.
pub async fn sign_out(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let after = "/connexion?info=deconnexion";
    let mut to = after.to_owned();
    if let Some(Via::Session { id_hash, .. }) = who.auth.as_deref().map(|a| &a.via) {
        let id_token = session::close(&state, id_hash).await.map_err(|e| PageError::internal(&who.config, e))?;
        if let (Some(token), Some(pc)) = (id_token, &state.auth.proconnect)
            && let Some(url) = pc.logout_url(&token, &format!("{}{after}", state.auth.public_url)).await
        {
            to = url;
        }
    }
    let cookie = state.auth.cookie(state.auth.session_cookie(), "", Some(time::Duration::ZERO));
    Ok(redirect_with_cookie(&to, &cookie))
}

/// `GET /mot-de-passe-oublie`.
pub async fn forgot_page(who: Who) -> Result<Response, PageError> {
    Ok(render(&who.config, &Forgot { layout: Layout::new(&who.config, "Mot de passe oublié", Nav::None) })?
        .into_response())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// `POST /mot-de-passe-oublie`: the same answer whether the account exists or not.
pub async fn forgot(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<ForgotForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    accounts::request_reset(&state, &state.auth, &form.email, &who.by())
        .await
        .map_err(|e| PageError::internal(&who.config, e))?;
    let page = Message {
        layout: Layout::new(&who.config, "Mot de passe oublié", Nav::None),
        kind: "info",
        text: "Si un compte correspond à cette adresse, un lien pour choisir un nouveau mot de passe vient d’y être envoyé. Il est valable une heure.".into(),
        secret: None,
        action: None,
        back: ("/connexion", "Retour à la connexion"),
    };
    Ok(render(&who.config, &page)?.into_response())
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    pub jeton: String,
}

fn expired_link(who: &Who) -> Result<Response, PageError> {
    let page = Message {
        layout: Layout::new(&who.config, "Lien expiré", Nav::None),
        kind: "error",
        text: "Ce lien n’est plus valable : il a déjà servi, ou il a expiré. Demandez-en un nouveau.".into(),
        secret: None,
        action: None,
        back: ("/mot-de-passe-oublie", "Recevoir un nouveau lien"),
    };
    Ok((StatusCode::GONE, render(&who.config, &page)?).into_response())
}

/// `GET /mot-de-passe?jeton=…`: the form, if the link is still usable.
pub async fn set_password_page(
    State(state): State<AppState>,
    who: Who,
    Query(q): Query<TokenQuery>,
) -> Result<Response, PageError> {
    let usable = accounts::link_is_usable(&state, &[LinkPurpose::Invitation, LinkPurpose::Reset], &q.jeton)
        .await
        .map_err(|e| PageError::internal(&who.config, e))?;
    if !usable {
        return expired_link(&who);
    }
    let page = SetPassword {
        layout: Layout::new(&who.config, "Choisir votre mot de passe", Nav::None),
        token: q.jeton,
        error: None,
    };
    Ok(render(&who.config, &page)?.into_response())
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    jeton: String,
    #[serde(default)]
    password: String,
}

/// `POST /mot-de-passe`: sets the password and spends the link.
pub async fn set_password(
    State(state): State<AppState>,
    who: Who,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    match accounts::set_password(&state, &form.jeton, &form.password, &who.by()).await {
        Ok(_) => Ok(Redirect::to("/connexion?info=mot-de-passe").into_response()),
        Err(SetPasswordError::BadLink) => expired_link(&who),
        Err(SetPasswordError::Weak(why)) => {
            let error = match why {
                PasswordFault::TooShort => "Le mot de passe doit compter au moins 12 caractères.",
                PasswordFault::TooLong => "Le mot de passe doit compter au plus 128 caractères.",
                PasswordFault::Common => {
                    "Ce mot de passe figure parmi les plus utilisés, que les attaquants essaient en premier : choisissez-en un autre, par exemple une phrase de plusieurs mots."
                }
                PasswordFault::Predictable => {
                    "Ce mot de passe est trop prévisible (caractères répétés ou qui se suivent) : choisissez-en un autre, par exemple une phrase de plusieurs mots."
                }
            };
            let page = SetPassword {
                layout: Layout::new(&who.config, "Choisir votre mot de passe", Nav::None),
                token: form.jeton,
                error: Some(error),
            };
            Ok((StatusCode::BAD_REQUEST, render(&who.config, &page)?).into_response())
        }
        Err(SetPasswordError::Failed(e)) => Err(PageError::internal(&who.config, e)),
    }
}
