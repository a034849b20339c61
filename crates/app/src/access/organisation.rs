//! Organisations people act for: local authorities, State services, partners.

use cohesion_core::access::organisation::{Organisation, OrganisationInput};
use cohesion_core::access::{Principal, rules};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::By;
use crate::{App, AppError, Fault};

/// An organisation to create, or its new state.
#[derive(Deserialize, ToSchema)]
pub struct OrganisationBody {
    /// `local_authority`, `state_service` or `partner`.
    pub kind: String,
    /// Required, except for a local authority (the territory's name by default).
    pub name: Option<String>,
    /// Local authorities: taken from the referential for communes and EPCI, required
    /// for départements and régions.
    pub siren: Option<String>,
    /// Partners: required (14 digits, Luhn checksum).
    pub siret: Option<String>,
    /// Local authorities: `kind:code` (e.g. `commune:42218`).
    pub territory: Option<String>,
    /// Deprecated (kept for one release): the version read, for an update. Send it as
    /// `If-Match` instead; this field counts only when `If-Match` is missing.
    #[schema(deprecated)]
    pub version: Option<i64>,
}

/// Validates a body into the organisation to store, or every fault by field.
pub fn validated(app: &App, body: &OrganisationBody, id: Uuid, version: i64) -> Result<Organisation, AppError> {
    let input = OrganisationInput {
        kind: body.kind.clone(),
        name: body.name.clone(),
        siren: body.siren.clone(),
        siret: body.siret.clone(),
        territory: body.territory.clone(),
    };
    input
        .validate(&app.current().referential, id, version)
        .map_err(|faults| AppError::Invalid(faults.into_iter().map(|f| Fault::new(f.field, f.fault)).collect()))
}

/// Every organisation, by name (public: they are public bodies and partners).
pub async fn list(app: &App) -> Result<Vec<Organisation>, AppError> {
    Ok(app.store.organisations().await?)
}

/// Creates an organisation (admins; delegates: local authorities of their département).
/// A SIRET or territory already registered is a conflict.
pub async fn create(app: &App, who: &Principal, by: &By, body: &OrganisationBody) -> Result<Organisation, AppError> {
    let org = validated(app, body, Uuid::now_v7(), 1)?;
    if !rules::can_write_organisation(who, &org, &app.current().referential) {
        return Err(AppError::Forbidden("this organisation is outside your scope".into()));
    }
    Ok(app.store.create_organisation(&org, by).await?)
}

/// Replaces an organisation; `expected` must be the version read (a conflict
/// otherwise). The rule applies to the organisation both before and after the change.
pub async fn update(
    app: &App,
    who: &Principal,
    by: &By,
    id: Uuid,
    expected: i64,
    body: &OrganisationBody,
) -> Result<Organisation, AppError> {
    let current =
        app.store.organisation(id).await?.ok_or_else(|| AppError::NotFound(format!("no organisation {id}")))?;
    let referential = app.current();
    if !rules::can_write_organisation(who, &current, &referential.referential) {
        return Err(AppError::Forbidden("this organisation is outside your scope".into()));
    }
    let org = validated(app, body, id, expected)?;
    if !rules::can_write_organisation(who, &org, &referential.referential) {
        return Err(AppError::Forbidden("the change would take it outside your scope".into()));
    }
    Ok(app.store.update_organisation(&org, by).await?)
}

/// The name of organisation `id` (its id when it is not registered, or unreadable).
pub async fn name(app: &App, id: Uuid) -> String {
    app.store.organisation(id).await.ok().flatten().map_or_else(|| id.to_string(), |o| o.name)
}
