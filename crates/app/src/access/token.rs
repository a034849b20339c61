//! API tokens for machine clients: created with some of the owner's roles, shown
//! once, stored hashed, revocable.

use cohesion_core::access::{Principal, Role, rules};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::role::{RoleView, resolve_all};
use super::session::fresh;
use super::{AccessFault, ApiToken, By, secret};
use crate::{App, AppError};
use cohesion_store::access::NewApiToken;

/// What a new token asks for.
#[derive(Debug, Clone, Default)]
pub struct NewToken<'a> {
    pub name: &'a str,
    /// All of the owner's roles when `None`.
    pub roles: Option<&'a [RoleView]>,
    /// Never expires when `None` (1 to 3650 days).
    pub expires_in_days: Option<u32>,
    /// The token the request is authenticated with, when it is one.
    pub parent: Option<Uuid>,
}

/// A new API token; returns it and its secret, shown this once.
///
/// Created through another token (`parent`), it carries no role that token lacks (its
/// principal holds the token's roles), never outlives it, and is revoked with it.
pub async fn create(app: &App, who: &Principal, by: &By, input: NewToken<'_>) -> Result<(ApiToken, String), AppError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid("name", AccessFault::NameLength));
    }
    let roles: Vec<Role> = match input.roles {
        Some(views) => resolve_all(app, views).await?,
        None => who.roles.clone(),
    };
    if !rules::can_create_token(who, &roles) {
        return Err(AppError::Forbidden("a token carries only roles you hold".into()));
    }
    let secret = fresh()?;
    let expires_at =
        input.expires_in_days.map(|d| OffsetDateTime::now_utc() + Duration::days(i64::from(d.clamp(1, 3650))));
    if let Some(parent) = input.parent {
        let from = app.store.api_token(parent).await?.ok_or(AppError::Unauthenticated)?;
        if let Some(limit) = from.expires_at
            && expires_at.is_none_or(|e| e > limit)
        {
            return Err(AppError::Forbidden(format!(
                "a token cannot outlive the token that creates it (it expires {}): ask for fewer days",
                limit.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
            )));
        }
    }
    let new =
        NewApiToken { person: who.person, name: name.to_owned(), token_hash: secret::hash(&secret), roles, expires_at };
    let token = app.store.create_api_token_from(&new, input.parent, by).await?;
    Ok((token, secret))
}

/// Revokes a token of one's own (admins: anyone's), and every token created from it.
pub async fn revoke(app: &App, who: &Principal, by: &By, id: Uuid) -> Result<(), AppError> {
    let token = app.store.api_token(id).await?.ok_or_else(|| AppError::NotFound(format!("no token {id}")))?;
    if !rules::can_revoke_token(who, token.person) {
        return Err(AppError::Forbidden("this token is not yours".into()));
    }
    app.store.revoke_api_token(id, by).await?;
    Ok(())
}

/// The tokens of `who`, newest first (revoked ones included).
pub async fn mine(app: &App, who: &Principal) -> Result<Vec<ApiToken>, AppError> {
    Ok(app.store.api_tokens_of(who.person).await?)
}

/// A token for the active person of `email`, with every role they hold, made by the
/// command line (whoever runs it holds the database itself): a machine client's first
/// access, or a test campaign's. Recorded as made by `by`.
pub async fn create_for(
    app: &App,
    email: &cohesion_core::access::person::Email,
    by: &By,
    name: &str,
    expires_in_days: Option<u32>,
) -> Result<(ApiToken, String), AppError> {
    let person = match app.store.person_by_email(email).await? {
        Some((p, _)) if p.active => p,
        _ => return Err(AppError::NotFound(format!("no active person {email}"))),
    };
    let roles = app.store.grants(person.id).await?.into_iter().map(|g| g.role).collect();
    let who = Principal { person: person.id, roles };
    create(app, &who, by, NewToken { name, roles: None, expires_in_days, parent: None }).await
}
