//! "S'identifier avec ProConnect": the two addresses of the flow (see
//! `crate::auth::proconnect`). A person ProConnect vouches for gets an account on
//! first sign-in (without roles: they see what is published until someone grants them
//! one); the `siret` claim records the organisation they work for, when registered.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::access::account::{self, Vouched};
use serde::Deserialize;

use super::account::{CsrfOnly, Message};
use super::error::{PageError, render};
use super::layout::{Layout, Nav};
use super::visitor::{Who, redirect_with_cookie};
use crate::AppState;

pub const CALLBACK: &str = "/connexion/proconnect/retour";

/// `POST /connexion/proconnect`: off to the provider.
pub async fn start(State(state): State<AppState>, who: Who, Form(form): Form<CsrfOnly>) -> Result<Response, PageError> {
    who.check_csrf(&form.csrf)?;
    let Some(pc) = state.auth.proconnect.clone() else {
        return Ok(Redirect::to("/connexion?info=proconnect-indisponible").into_response());
    };
    match pc.start(&state, &format!("{}{CALLBACK}", state.auth.public_url)).await {
        Ok(url) => Ok(Redirect::to(&url).into_response()),
        Err(e) => {
            tracing::error!(error = %e, "ProConnect unavailable");
            Ok(Redirect::to("/connexion?info=proconnect-indisponible").into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

fn refused(who: &Who) -> Result<Response, PageError> {
    let page = Message {
        layout: Layout::new(&who.config, "Connexion avec ProConnect", Nav::None),
        kind: "error",
        text: "La connexion avec ProConnect n’a pas abouti. Réessayez, ou connectez-vous avec votre mot de passe."
            .into(),
        secret: None,
        action: None,
        back: ("/connexion", "Retour à la connexion"),
    };
    Ok((StatusCode::UNAUTHORIZED, render(&who.config, &page)?).into_response())
}

/// `GET /connexion/proconnect/retour?code=…&state=…`: checks everything, opens a session.
pub async fn callback(
    State(state): State<AppState>,
    who: Who,
    Query(q): Query<Callback>,
) -> Result<Response, PageError> {
    let Some(pc) = state.auth.proconnect.clone() else { return Err(PageError::not_found(&who.config)) };
    let (Some(code), Some(st)) = (q.code, q.state) else {
        tracing::warn!(error = ?q.error, "ProConnect returned without a code");
        return refused(&who);
    };
    let identity = match pc.finish(&state, &format!("{}{CALLBACK}", state.auth.public_url), &st, &code).await {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "ProConnect sign-in refused");
            return refused(&who);
        }
    };
    let vouched = Vouched {
        sub: identity.sub.clone(),
        email: identity.email.clone(),
        given_name: identity.given_name.clone(),
        usual_name: identity.usual_name.clone(),
        siret: identity.siret.clone(),
        id_token: identity.id_token.clone(),
    };
    let signed_in = account::proconnect_sign_in(&state, &state.auth, &vouched, who.request_id.clone())
        .await
        .map_err(|e| PageError::internal(&who.config, e))?;
    let Some((person, id)) = signed_in else { return refused(&who) };
    tracing::info!(person = %person, acr = ?identity.acr, amr = ?identity.amr, uid = ?identity.uid, siret = ?identity.siret, "ProConnect sign-in");
    let cookie = state.auth.cookie(state.auth.session_cookie(), &id, Some(state.auth.session_absolute));
    Ok(redirect_with_cookie("/mon-espace", &cookie))
}
