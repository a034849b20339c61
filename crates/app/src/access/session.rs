//! Sessions and credentials: what a session cookie or an API token resolves to,
//! opening and ending sessions, and the server-side state of a ProConnect sign-in.
//! The cookies themselves (names, flags, CSRF) are the web adapter's.

use cohesion_core::access::person::Person;
use cohesion_core::access::{Principal, Role, rules};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{By, Settings, secret};
use crate::{App, AppError};

/// Who a session or an API token belongs to, with the roles in force.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub principal: Principal,
    pub person: Person,
}

/// The person and roles of an API token's secret; `None` when it is unknown,
/// revoked or expired, or its owner is gone. A token keeps only the roles its owner
/// still holds. Also returns the token's id.
pub async fn by_token(app: &App, token: &str) -> Result<Option<(Resolved, Uuid)>, AppError> {
    let Some(found) = app.store.api_token_by_hash(&secret::hash(token.trim())).await? else { return Ok(None) };
    let Some(person) = app.store.person(found.person).await? else { return Ok(None) };
    let held: Vec<Role> = app.store.grants(person.id).await?.into_iter().map(|g| g.role).collect();
    let roles = found.roles.into_iter().filter(|r| held.contains(r)).collect();
    Ok(Some((Resolved { principal: Principal { person: person.id, roles }, person }, found.id)))
}

/// The person of a live session (by the cookie's secret), with the session's id hash
/// and CSRF token; `None` when it is unknown, idle too long or expired.
pub async fn by_session(app: &App, settings: &Settings, id: &str) -> Result<Option<(Resolved, SessionKeys)>, AppError> {
    let id_hash = secret::hash(id);
    let Some(session) = app.store.session(&id_hash, settings.session_idle).await? else { return Ok(None) };
    let Some(person) = app.store.person(session.person).await? else { return Ok(None) };
    let roles = app.store.grants(person.id).await?.into_iter().map(|g| g.role).collect();
    let principal = Principal { person: person.id, roles };
    Ok(Some((Resolved { principal, person }, SessionKeys { id_hash, csrf: session.csrf_token })))
}

/// What identifies a session once resolved: the SHA-256 of its id, and its CSRF token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionKeys {
    pub id_hash: String,
    pub csrf: String,
}

/// A new session for `person`; returns the cookie's secret.
pub async fn open(app: &App, settings: &Settings, person: Uuid) -> Result<String, AppError> {
    let id = fresh()?;
    let csrf = fresh()?;
    let expires = OffsetDateTime::now_utc() + settings.session_absolute;
    app.store.create_session(&secret::hash(&id), person, &csrf, expires).await?;
    Ok(id)
}

/// Ends one session (sign-out); returns the ProConnect ID token it was opened with,
/// if any (for the provider's logout).
pub async fn close(app: &App, id_hash: &str) -> Result<Option<String>, AppError> {
    let id_token = app.store.session_id_token(id_hash).await?;
    app.store.delete_session(id_hash).await?;
    Ok(id_token)
}

/// Ends every session of `who` ("log out everywhere"; API tokens stay valid).
pub async fn close_all(app: &App, who: &Principal, by: &By) -> Result<(), AppError> {
    if !rules::can_edit_self(who, who.person) {
        return Err(AppError::Forbidden("not yours".into()));
    }
    app.store.delete_sessions_of(who.person, by).await?;
    Ok(())
}

/// How many live sessions `person` has.
pub async fn count(app: &App, person: Uuid) -> Result<u64, AppError> {
    Ok(app.store.session_count(person).await?)
}

/// A fresh random secret, or an internal error when the OS has no randomness.
pub fn fresh() -> Result<String, AppError> {
    secret::generate().map_err(|e| AppError::Internal(format!("randomness: {e}")))
}

/// Records the state (hashed), nonce and PKCE verifier of a ProConnect sign-in, for
/// `ttl`.
pub async fn begin_oidc(
    app: &App,
    state: &str,
    nonce: &str,
    verifier: &str,
    ttl: time::Duration,
) -> Result<(), AppError> {
    app.store.create_oidc_login(&secret::hash(state), nonce, verifier, ttl).await?;
    Ok(())
}

/// Takes (once) the nonce and verifier recorded for `state`; `None` when unknown,
/// used or expired.
pub async fn take_oidc(app: &App, state: &str) -> Result<Option<(String, String)>, AppError> {
    Ok(app.store.take_oidc_login(&secret::hash(state)).await?)
}
