//! People and access: what the use cases of organisations share between the API and
//! the pages. (Accounts, sessions and tokens still live in `web::access`; they move
//! here next, see `docs/architecture.md`.)

use cohesion_core::access::organisation::{Organisation, OrganisationInput};
use cohesion_core::import::Fault as LineFault;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::App;

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
    /// For an update: the version read (a stale one answers 409).
    pub version: Option<i64>,
}

/// Validates a body into the organisation to store, or every fault by field.
pub fn validated(app: &App, body: &OrganisationBody, id: Uuid, version: i64) -> Result<Organisation, Vec<LineFault>> {
    let input = OrganisationInput {
        kind: body.kind.clone(),
        name: body.name.clone(),
        siren: body.siren.clone(),
        siret: body.siret.clone(),
        territory: body.territory.clone(),
    };
    input.validate(&app.current().referential, id, version)
}
