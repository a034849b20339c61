//! Accounts: sign-in with throttling, invitations, password links, email change,
//! API tokens. Shared by the API handlers, the pages and the `cohesion user` command.

use cohesion_core::access::person::{Email, Person, check_password};
use cohesion_core::access::{Principal, Role, rules};
use cohesion_store::Store;
use cohesion_store::access::{ApiToken, LinkPurpose, NewApiToken, NewPerson};
use cohesion_store::audit::By;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::roles::{RoleView, resolve_all};
use crate::AppState;
use crate::auth::{AuthConfig, password, secret};
use crate::error::{ApiError, FieldError};

/// Why a sign-in failed. Both cases show the same message to the person except
/// throttling, which says to wait.
#[derive(Debug)]
pub enum LoginError {
    Invalid,
    Throttled,
    Internal(String),
}

impl From<cohesion_store::StoreError> for LoginError {
    fn from(e: cohesion_store::StoreError) -> Self {
        LoginError::Internal(e.to_string())
    }
}

fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::Internal(e.to_string())
}

/// Checks the password and opens a session; returns the session cookie's secret.
/// Refused without checking once the account or the address has too many recent
/// failures (counted in the database, so every instance agrees).
pub async fn login(state: &AppState, email: &str, password_given: &str, address: &str) -> Result<String, LoginError> {
    let config = &state.auth;
    let key = email.trim().to_lowercase();
    // The attempt counts before the password is checked (and stays a failure unless
    // it succeeds), so parallel attempts cannot all pass the check.
    let attempt = state.store.begin_login_attempt(&key, address).await?;
    let throttle = state.store.login_failures(&key, address, config.throttle_window).await?;
    if throttle.account_failures > config.max_account_failures
        || throttle.address_failures > config.max_address_failures
    {
        tracing::warn!(address, "sign-in throttled");
        return Err(LoginError::Throttled);
    }
    let found = match Email::parse(email) {
        Ok(e) => state.store.person_by_email(&e).await?,
        Err(_) => None,
    };
    let (person, hash) = match &found {
        Some((p, h)) if p.active => (Some(p), h.as_deref()),
        _ => (None, None),
    };
    let ok = password::verify(password_given, hash);
    if ok {
        state.store.login_attempt_succeeded(attempt).await?;
    }
    match person {
        Some(p) if ok => open_session(&state.store, config, p.id).await.map_err(LoginError::Internal),
        _ => Err(LoginError::Invalid),
    }
}

/// A new session for `person`; returns the cookie's secret.
pub async fn open_session(store: &Store, config: &AuthConfig, person: Uuid) -> Result<String, String> {
    let id = secret::generate().map_err(|e| e.to_string())?;
    let csrf = secret::generate().map_err(|e| e.to_string())?;
    let expires = OffsetDateTime::now_utc() + config.session_absolute;
    store.create_session(&secret::hash(&id), person, &csrf, expires).await.map_err(|e| e.to_string())?;
    Ok(id)
}

/// What an invitation asks for.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct Invitation {
    pub email: String,
    #[serde(default)]
    pub given_name: String,
    #[serde(default)]
    pub usual_name: String,
    pub roles: Vec<RoleView>,
}

/// Creates the person with the roles and mails them a link to choose a password.
/// The inviter must be allowed to grant every role (`rules::can_invite`).
pub async fn invite(state: &AppState, p: &Principal, by: &By, inv: &Invitation) -> Result<Person, ApiError> {
    let email = Email::parse(&inv.email)
        .map_err(|e| ApiError::invalid_fields(vec![FieldError { field: "email".into(), message: e.to_string() }]));
    let roles = resolve_all(state, &inv.roles).await;
    let (email, roles) = match (email, roles) {
        (Ok(e), Ok(r)) => (e, r),
        (Err(ApiError::BadRequest { errors: mut a, .. }), Err(ApiError::BadRequest { errors: b, .. })) => {
            a.extend(b);
            return Err(ApiError::invalid_fields(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    if !rules::can_invite(p, &roles, &state.current().referential) {
        return Err(ApiError::Forbidden("these roles are beyond what you may grant".into()));
    }
    let new = NewPerson { email, given_name: inv.given_name.clone(), usual_name: inv.usual_name.clone() };
    let person = state.store.create_person(&new, &roles, by).await.map_err(conflict)?;
    send_link(&state.store, &state.auth, &person, LinkPurpose::Invitation, None, by).await?;
    Ok(person)
}

/// Store conflicts (unique email, stale version) are the client's: 409.
pub fn conflict(e: cohesion_store::StoreError) -> ApiError {
    match e {
        cohesion_store::StoreError::Conflict(m) => ApiError::Conflict(m),
        other => internal(other),
    }
}

/// Records a single-use link and mails it. Returns the link (the CLI prints it).
pub async fn send_link(
    store: &Store,
    config: &AuthConfig,
    person: &Person,
    purpose: LinkPurpose,
    new_email: Option<&Email>,
    by: &By,
) -> Result<String, ApiError> {
    let token = secret::generate().map_err(internal)?;
    let ttl = if purpose == LinkPurpose::Invitation { config.invitation_ttl } else { config.reset_ttl };
    store.create_link(purpose, person.id, new_email, &secret::hash(&token), ttl, by).await?;
    let (path, subject, what) = match purpose {
        LinkPurpose::Invitation => (
            "/mot-de-passe",
            "Votre compte Cohésion",
            "Vous êtes invité(e) sur Cohésion. Pour choisir votre mot de passe",
        ),
        LinkPurpose::Reset => {
            ("/mot-de-passe", "Réinitialiser votre mot de passe Cohésion", "Pour choisir un nouveau mot de passe")
        }
        LinkPurpose::EmailChange => {
            ("/profil/courriel", "Confirmer votre nouvelle adresse Cohésion", "Pour confirmer cette adresse")
        }
    };
    let link = format!("{}{path}?jeton={token}", config.public_url);
    let hours = ttl.whole_hours();
    let body = format!(
        "Bonjour,\n\n{what}, ouvrez ce lien (valable {hours} heures, une seule fois) :\n\n{link}\n\n\
         Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\nCohésion"
    );
    let to = new_email.unwrap_or(&person.email);
    config.mailer.send(to.as_str(), subject, &body).await.map_err(|e| ApiError::Unavailable(format!("mail: {e}")))?;
    Ok(link)
}

/// Mails a reset link if an active account has this address; says nothing either way
/// (the answer must not tell which addresses have accounts).
pub async fn request_reset(state: &AppState, email: &str, by: &By) -> Result<(), ApiError> {
    let Ok(email) = Email::parse(email) else { return Ok(()) };
    if let Some((person, _)) = state.store.person_by_email(&email).await?
        && person.active
    {
        send_link(&state.store, &state.auth, &person, LinkPurpose::Reset, None, by).await?;
    }
    Ok(())
}

/// Why a password could not be set from a link.
#[derive(Debug)]
pub enum SetPasswordError {
    Weak(&'static str),
    BadLink,
    Internal(String),
}

/// Sets the password of the person an invitation or reset link was sent to (the link
/// is then spent, and their other sessions ended).
pub async fn set_password(
    state: &AppState,
    token: &str,
    new_password: &str,
    by: &By,
) -> Result<Uuid, SetPasswordError> {
    check_password(new_password).map_err(SetPasswordError::Weak)?;
    let hash = password::hash(new_password).map_err(SetPasswordError::Internal)?;
    let token_hash = secret::hash(token);
    for purpose in [LinkPurpose::Invitation, LinkPurpose::Reset] {
        match state.store.use_link_for_password(purpose, &token_hash, &hash, by).await {
            Ok(Some(person)) => return Ok(person),
            Ok(None) => {}
            Err(e) => return Err(SetPasswordError::Internal(e.to_string())),
        }
    }
    Err(SetPasswordError::BadLink)
}

/// Whether a password link is still usable (to show the form or say it expired).
pub async fn link_is_usable(state: &AppState, purpose: &[LinkPurpose], token: &str) -> Result<bool, ApiError> {
    let hash = secret::hash(token);
    for p in purpose {
        if state.store.link_person(*p, &hash).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Mails a confirmation link to the new address; the change happens when it is used.
pub async fn request_email_change(state: &AppState, person: &Person, new_email: &str, by: &By) -> Result<(), ApiError> {
    let email = Email::parse(new_email)
        .map_err(|e| ApiError::invalid_fields(vec![FieldError { field: "email".into(), message: e.to_string() }]))?;
    if state.store.person_by_email(&email).await?.is_some_and(|(p, _)| p.id != person.id) {
        return Err(ApiError::Conflict("a person with this email address already exists".into()));
    }
    send_link(&state.store, &state.auth, person, LinkPurpose::EmailChange, Some(&email), by).await.map(|_| ())
}

/// A new API token carrying `roles` (all of the owner's when `None`); returns it and
/// its secret, shown this once.
///
/// Created through another token (`parent`), it carries no role that token lacks (its
/// principal holds the token's roles), never outlives it, and is revoked with it.
#[allow(clippy::too_many_arguments)]
pub async fn create_token(
    state: &AppState,
    p: &Principal,
    by: &By,
    parent: Option<Uuid>,
    name: &str,
    roles: Option<&[RoleView]>,
    expires_in_days: Option<u32>,
) -> Result<(ApiToken, String), ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ApiError::invalid_fields(vec![FieldError {
            field: "name".into(),
            message: "1 to 100 characters".into(),
        }]));
    }
    let roles: Vec<Role> = match roles {
        Some(views) => resolve_all(state, views).await?,
        None => p.roles.clone(),
    };
    if !rules::can_create_token(p, &roles) {
        return Err(ApiError::Forbidden("a token carries only roles you hold".into()));
    }
    let secret = secret::generate().map_err(internal)?;
    let expires_at = expires_in_days.map(|d| OffsetDateTime::now_utc() + Duration::days(i64::from(d.clamp(1, 3650))));
    if let Some(parent) = parent {
        let from = state.store.api_token(parent).await?.ok_or(ApiError::Unauthenticated)?;
        if let Some(limit) = from.expires_at
            && expires_at.is_none_or(|e| e > limit)
        {
            return Err(ApiError::Forbidden(format!(
                "a token cannot outlive the token that creates it (it expires {}): ask for fewer days",
                limit.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
            )));
        }
    }
    let new =
        NewApiToken { person: p.person, name: name.to_owned(), token_hash: secret::hash(&secret), roles, expires_at };
    let token = state.store.create_api_token_from(&new, parent, by).await?;
    Ok((token, secret))
}

/// Revokes a token of one's own (admins: anyone's).
pub async fn revoke_token(state: &AppState, p: &Principal, by: &By, id: Uuid) -> Result<(), ApiError> {
    let token = state.store.api_token(id).await?.ok_or_else(|| ApiError::NotFound(format!("no token {id}")))?;
    if !rules::can_revoke_token(p, token.person) {
        return Err(ApiError::Forbidden("this token is not yours".into()));
    }
    state.store.revoke_api_token(id, by).await?;
    Ok(())
}
