//! People and their roles: who is signed in, the list for admins, granting and
//! revoking roles, deactivating accounts.

use cohesion_core::access::person::Person;
use cohesion_core::access::{Principal, Role, rules};
use uuid::Uuid;

use super::role::RoleView;
use super::{By, Grant};
use crate::{App, AppError};

/// The person behind the credentials (`None` if the account is gone).
pub async fn me(app: &App, who: &Principal) -> Result<Option<Person>, AppError> {
    Ok(app.store.person(who.person).await?)
}

/// The organisation ProConnect's `siret` claim named for `who`, by name, when registered.
pub async fn my_organisation(app: &App, who: &Principal) -> Result<Option<String>, AppError> {
    match app.store.person_organisation(who.person).await? {
        Some(id) => Ok(app.store.organisation(id).await?.map(|o| o.name)),
        None => Ok(None),
    }
}

/// Everyone with an account (a page of them, and the total), each with their grants
/// (admins).
pub async fn list(
    app: &App,
    who: &Principal,
    limit: u32,
    offset: u32,
) -> Result<(Vec<(Person, Vec<Grant>)>, u64), AppError> {
    if !rules::can_administer_people(who) {
        return Err(AppError::Forbidden("listing people is for admins".into()));
    }
    let (people, total) = app.store.people(limit, offset).await?;
    let mut items = Vec::with_capacity(people.len());
    for person in people {
        let grants = app.store.grants(person.id).await?;
        items.push((person, grants));
    }
    Ok((items, total))
}

/// One person with their grants (admins).
pub async fn get(app: &App, who: &Principal, id: &str) -> Result<(Person, Vec<Grant>), AppError> {
    if !rules::can_administer_people(who) {
        return Err(AppError::Forbidden("people are administered by admins".into()));
    }
    let uuid = parse_id(id, "person")?;
    let person = app.store.person(uuid).await?.ok_or_else(|| AppError::NotFound(format!("no person {id}")))?;
    Ok((person, app.store.grants(uuid).await?))
}

/// Grants a role to a person (no change if they hold it already); returns the grant's
/// id and the role as resolved.
pub async fn grant(
    app: &App,
    who: &Principal,
    by: &By,
    person: &str,
    role: &RoleView,
) -> Result<(Uuid, Role), AppError> {
    let (id, person) = (person, parse_id(person, "person")?);
    let role = role.resolve(app, "role").await?;
    if !rules::can_grant(who, &role, &app.current().referential) {
        return Err(AppError::Forbidden("this role is beyond what you may grant".into()));
    }
    app.store.person(person).await?.ok_or_else(|| AppError::NotFound(format!("no person {id}")))?;
    let id = app.store.grant_role(person, &role, by).await?;
    Ok((id, role))
}

/// Revokes one of a person's roles (whoever may grant it may revoke it).
pub async fn revoke(app: &App, who: &Principal, by: &By, person: &str, grant: &str) -> Result<(), AppError> {
    let (person, grant_id) = (parse_id(person, "person")?, parse_id(grant, "grant")?);
    let grants = app.store.grants(person).await?;
    let found =
        grants.iter().find(|g| g.id == grant_id).ok_or_else(|| AppError::NotFound(format!("no grant {grant}")))?;
    if person == who.person {
        return Err(AppError::Forbidden("your own roles are revoked by another person".into()));
    }
    if !rules::can_revoke(who, person, &found.role, &app.current().referential) {
        return Err(AppError::Forbidden("this role is beyond what you may revoke".into()));
    }
    app.store.revoke_grant(person, grant_id, by).await?;
    Ok(())
}

/// Deactivates (its sessions end, its tokens stop working) or reactivates an account (admins).
pub async fn set_active(app: &App, who: &Principal, by: &By, person: &str, active: bool) -> Result<(), AppError> {
    if !rules::can_administer_people(who) {
        return Err(AppError::Forbidden("deactivating accounts is for admins".into()));
    }
    let id = parse_id(person, "person")?;
    if !rules::can_set_active(who, id) {
        return Err(AppError::Forbidden("your own account is deactivated by another admin".into()));
    }
    if app.store.set_person_active(id, active, by).await? {
        Ok(())
    } else {
        Err(AppError::NotFound(format!("no person {person}")))
    }
}

/// An id from a path: not one is a not-found (`no person …`).
fn parse_id(id: &str, what: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound(format!("no {what} {id}")))
}
