//! Accounts: sign-in with throttling, invitations, password links, email change,
//! ProConnect's first sign-in. Shared by the API, the pages and the `cohesion user`
//! command.

use cohesion_core::access::person::{Email, PasswordFault, Person, check_password};
use cohesion_core::access::{Principal, Role, rules};
use uuid::Uuid;

use super::role::{RoleView, resolve_all};
use super::session::{self, fresh};
use super::{AccessFault, By, LinkPurpose, NewPerson, Settings, password, secret};
use crate::database::Database;
use crate::{App, AppError};
use cohesion_store::Store;

/// Why a sign-in failed. Both wrong address and wrong password read the same to the
/// person; throttling says to wait.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("wrong email address or password")]
    Invalid,
    #[error("too many failed sign-ins")]
    Throttled,
    #[error(transparent)]
    Failed(#[from] AppError),
}

impl From<cohesion_store::StoreError> for LoginError {
    fn from(e: cohesion_store::StoreError) -> Self {
        LoginError::Failed(e.into())
    }
}

/// Checks the password and opens a session; returns the session cookie's secret.
/// Refused without checking once the account or the address has too many recent
/// failures (counted in the database, so every instance agrees).
pub async fn login(
    app: &App,
    settings: &Settings,
    email: &str,
    password_given: &str,
    address: &str,
) -> Result<String, LoginError> {
    let key = email.trim().to_lowercase();
    // The attempt counts before the password is checked (and stays a failure unless
    // it succeeds), so parallel attempts cannot all pass the check.
    let attempt = app.store.begin_login_attempt(&key, address).await?;
    let throttle = app.store.login_failures(&key, address, settings.throttle_window).await?;
    let refused = |action: &'static str, reason: &'static str| {
        let details = serde_json::json!({"address": address, "reason": reason});
        let key = key.as_str();
        async move { super::audit::refusal(app, &By::new("anonymous", None), "sign_in", key, action, details).await }
    };
    if throttle.account_failures > settings.max_account_failures
        || throttle.address_failures > settings.max_address_failures
    {
        tracing::warn!(address, "sign-in throttled");
        refused("throttled", "too many failures").await;
        return Err(LoginError::Throttled);
    }
    let found = match Email::parse(email) {
        Ok(e) => app.store.person_by_email(&e).await?,
        Err(_) => None,
    };
    let (person, hash) = match &found {
        Some((p, h)) if p.active => (Some(p), h.as_deref()),
        _ => (None, None),
    };
    let ok = password::verify(password_given, hash);
    if ok {
        app.store.login_attempt_succeeded(attempt).await?;
    }
    match person {
        Some(p) if ok => Ok(session::open(app, settings, p.id).await?),
        _ => {
            let reason = match &found {
                None => "unknown address",
                Some((p, _)) if !p.active => "deactivated account",
                Some(_) => "wrong password",
            };
            refused("failed", reason).await;
            Err(LoginError::Invalid)
        }
    }
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
pub async fn invite(
    app: &App,
    settings: &Settings,
    who: &Principal,
    by: &By,
    inv: &Invitation,
) -> Result<Person, AppError> {
    let email = Email::parse(&inv.email).map_err(|e| AppError::invalid("email", AccessFault::from(e)));
    let roles = resolve_all(app, &inv.roles).await;
    let (email, roles) = match (email, roles) {
        (Ok(e), Ok(r)) => (e, r),
        (Err(AppError::Invalid(mut a)), Err(AppError::Invalid(b))) => {
            a.extend(b);
            return Err(AppError::Invalid(a));
        }
        (Err(e), _) | (_, Err(e)) => return Err(e),
    };
    if !rules::can_invite(who, &roles, &app.current().referential) {
        return Err(AppError::Forbidden("these roles are beyond what you may grant".into()));
    }
    let new = NewPerson { email, given_name: inv.given_name.clone(), usual_name: inv.usual_name.clone() };
    let person = app.store.create_person(&new, &roles, by).await?;
    // The mail says who invites and for which roles.
    let inviter =
        app.store.person(who.person).await?.map_or_else(|| "Un administrateur".to_owned(), |p| p.display_name());
    let mut granted = Vec::new();
    for r in &roles {
        granted.push(crate::space::role_reason(app, r).await?);
    }
    let why = format!("{inviter} vous invite sur Cohésion en tant que : {}.", granted.join(" ; "));
    send_link_saying(&app.store, settings, &person, LinkPurpose::Invitation, None, by, Some(&why)).await?;
    Ok(person)
}

/// Mails a new invitation link to someone invited who has not chosen a password yet
/// (the earlier links stay valid until they expire). Whoever may grant every role the
/// person holds may resend it; an account already in use, or deactivated, is a
/// conflict.
pub async fn resend_invitation(
    app: &App,
    settings: &Settings,
    who: &Principal,
    by: &By,
    person: Uuid,
) -> Result<(), AppError> {
    let found = app.store.person(person).await?.ok_or_else(|| AppError::NotFound(format!("no person {person}")))?;
    let roles: Vec<Role> = app.store.grants(person).await?.into_iter().map(|g| g.role).collect();
    if !rules::can_administer_people(who) && !rules::can_invite(who, &roles, &app.current().referential) {
        return Err(AppError::Forbidden("these roles are beyond what you may grant".into()));
    }
    if found.has_password || !found.active {
        return Err(AppError::Conflict("this account is no longer waiting for its invitation".into()));
    }
    let inviter =
        app.store.person(who.person).await?.map_or_else(|| "Un administrateur".to_owned(), |p| p.display_name());
    let mut granted = Vec::new();
    for r in &roles {
        granted.push(crate::space::role_reason(app, r).await?);
    }
    let why = if granted.is_empty() {
        format!("{inviter} vous invite sur Cohésion.")
    } else {
        format!("{inviter} vous invite sur Cohésion en tant que : {}.", granted.join(" ; "))
    };
    send_link_saying(&app.store, settings, &found, LinkPurpose::Invitation, None, by, Some(&why)).await?;
    Ok(())
}

/// Creates an admin account from the command line (`cohesion user create --admin`):
/// with the password's hash given, or else mailed an invitation link, returned to be
/// printed.
pub async fn create_admin(
    db: &Database,
    settings: &Settings,
    new: &NewPerson,
    password_hash: Option<&str>,
    by: &By,
) -> Result<(Person, Option<String>), AppError> {
    let person = db.store.create_person(new, &[Role::Admin], by).await?;
    match password_hash {
        Some(hash) => {
            db.store.set_password(person.id, hash, by).await?;
            Ok((person, None))
        }
        None => {
            let link = send_link(&db.store, settings, &person, LinkPurpose::Invitation, None, by).await?;
            Ok((person, Some(link)))
        }
    }
}

/// Records a single-use link and mails it. Returns the link (the CLI prints it).
async fn send_link(
    store: &Store,
    settings: &Settings,
    person: &Person,
    purpose: LinkPurpose,
    new_email: Option<&Email>,
    by: &By,
) -> Result<String, AppError> {
    send_link_saying(store, settings, person, purpose, new_email, by, None).await
}

/// [`send_link`], the mail opening with `context` (who invites, for which roles).
async fn send_link_saying(
    store: &Store,
    settings: &Settings,
    person: &Person,
    purpose: LinkPurpose,
    new_email: Option<&Email>,
    by: &By,
    context: Option<&str>,
) -> Result<String, AppError> {
    let token = fresh()?;
    let ttl = if purpose == LinkPurpose::Invitation { settings.invitation_ttl } else { settings.reset_ttl };
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
    let link = format!("{}{path}?jeton={token}", settings.public_url);
    // Durations in days; a link shorter than a day in hours.
    let valid = match (ttl.whole_days(), ttl.whole_hours()) {
        (d, _) if d >= 1 => cohesion_core::paris::days(ttl),
        (_, 1) => "1 heure".to_owned(),
        (_, h) => format!("{h} heures"),
    };
    let context = context.map(|c| format!("{c}\n\n")).unwrap_or_default();
    let body = format!(
        "Bonjour,\n\n{context}{what}, ouvrez ce lien (valable {valid}, une seule fois) :\n\n{link}\n\n\
         Si vous n'êtes pas à l'origine de cette demande, ignorez ce message.\n\nCohésion"
    );
    let to = new_email.unwrap_or(&person.email);
    settings.mailer.send(to.as_str(), subject, &body).await.map_err(|e| AppError::Unavailable(format!("mail: {e}")))?;
    Ok(link)
}

/// Mails a reset link if an active account has this address; says nothing either way
/// (the answer must not tell which addresses have accounts).
pub async fn request_reset(app: &App, settings: &Settings, email: &str, by: &By) -> Result<(), AppError> {
    let Ok(email) = Email::parse(email) else { return Ok(()) };
    if let Some((person, _)) = app.store.person_by_email(&email).await?
        && person.active
    {
        send_link(&app.store, settings, &person, LinkPurpose::Reset, None, by).await?;
    }
    Ok(())
}

/// Why a password could not be set from a link.
#[derive(Debug, thiserror::Error)]
pub enum SetPasswordError {
    #[error(transparent)]
    Weak(PasswordFault),
    #[error("unknown, used or expired link")]
    BadLink,
    #[error(transparent)]
    Failed(#[from] AppError),
}

/// Sets the password of the person an invitation or reset link was sent to (the link
/// is then spent, and their other sessions ended).
pub async fn set_password(app: &App, token: &str, new_password: &str, by: &By) -> Result<Uuid, SetPasswordError> {
    check_password(new_password).map_err(SetPasswordError::Weak)?;
    let hash = password::hash(new_password).map_err(|e| AppError::Internal(e.to_string()))?;
    let token_hash = secret::hash(token);
    for purpose in [LinkPurpose::Invitation, LinkPurpose::Reset] {
        if let Some(person) =
            app.store.use_link_for_password(purpose, &token_hash, &hash, by).await.map_err(AppError::from)?
        {
            return Ok(person);
        }
    }
    Err(SetPasswordError::BadLink)
}

/// Whether a password link is still usable (to show the form or say it expired).
pub async fn link_is_usable(app: &App, purpose: &[LinkPurpose], token: &str) -> Result<bool, AppError> {
    let hash = secret::hash(token);
    for p in purpose {
        if app.store.link_person(*p, &hash).await?.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Mails a confirmation link to the new address; the change happens when it is used.
pub async fn request_email_change(
    app: &App,
    settings: &Settings,
    person: &Person,
    new_email: &str,
    by: &By,
) -> Result<(), AppError> {
    let email = Email::parse(new_email).map_err(|e| AppError::invalid("email", AccessFault::from(e)))?;
    if app.store.person_by_email(&email).await?.is_some_and(|(p, _)| p.id != person.id) {
        return Err(AppError::Conflict("a person with this email address already exists".into()));
    }
    send_link(&app.store, settings, person, LinkPurpose::EmailChange, Some(&email), by).await.map(|_| ())
}

/// Spends an email-change link and changes the address: the person's id, `None` when
/// the link is unknown, used or expired; a conflict when the address has meanwhile
/// become another account's.
pub async fn confirm_email_change(app: &App, token: &str, by: &By) -> Result<Option<Uuid>, AppError> {
    Ok(app.store.use_email_change_link(&secret::hash(token), by).await?)
}

/// Who ProConnect vouches for (the claims the account needs).
#[derive(Debug, Clone)]
pub struct Vouched {
    pub sub: String,
    pub email: String,
    pub given_name: String,
    pub usual_name: String,
    pub siret: Option<String>,
    pub id_token: String,
}

/// Signs in a person ProConnect vouches for: their account (created, without roles,
/// on first sign-in), the organisation of their `siret` claim when registered, and a
/// new session that remembers the ID token. Returns the session cookie's secret, or
/// `None` when the address is not one or its account is deactivated.
pub async fn proconnect_sign_in(
    app: &App,
    settings: &Settings,
    who: &Vouched,
    request_id: Option<String>,
) -> Result<Option<(Uuid, String)>, AppError> {
    let Ok(email) = Email::parse(&who.email) else { return Ok(None) };
    let person = match app.store.person_by_email(&email).await? {
        Some((p, _)) if p.active => p,
        Some(_) => return Ok(None),
        None => {
            let new = NewPerson { email, given_name: who.given_name.clone(), usual_name: who.usual_name.clone() };
            let by = By::new(format!("proconnect:{}", who.sub), request_id.clone());
            app.store.create_person(&new, &[], &by).await?
        }
    };
    let by = By::new(format!("person:{}", person.id), request_id);
    let organisation = match &who.siret {
        Some(siret) => app.store.organisation_by_siret(siret).await?.map(|o| o.id),
        None => None,
    };
    app.store.set_person_organisation(person.id, organisation, &by).await?;
    let id = session::open(app, settings, person.id).await?;
    app.store.set_session_id_token(&secret::hash(&id), &who.id_token).await?;
    Ok(Some((person.id, id)))
}
