//! Roles as the API and forms write them, and their resolution against stored
//! organisations (a `local` role takes its territory from its organisation).

use cohesion_core::access::Role;
use cohesion_core::access::organisation::OrganisationKind;
use cohesion_core::territory::TerritoryKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::AccessFault;
use crate::{App, AppError, Fault};

/// A role with its scope. `programme` for `programme_manager`, `departement` for
/// `delegate`, `organisation` for `local` and `partner`; `territory` (`kind:code`) is
/// given in answers for `local` and ignored in requests (it is the organisation's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RoleView {
    /// `admin`, `programme_manager`, `delegate`, `local` or `partner`.
    pub role: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub programme: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub departement: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub organisation: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub territory: Option<String>,
}

impl From<&Role> for RoleView {
    fn from(role: &Role) -> RoleView {
        let mut v = RoleView {
            role: role.name().to_owned(),
            programme: None,
            departement: None,
            organisation: None,
            territory: None,
        };
        match role {
            Role::Admin => {}
            Role::ProgrammeManager { programme } => v.programme = Some(programme.clone()),
            Role::Delegate { departement } => v.departement = Some(departement.clone()),
            Role::Local { organisation, territory } => {
                v.organisation = Some(*organisation);
                v.territory = Some(territory.to_string());
            }
            Role::Partner { organisation } => v.organisation = Some(*organisation),
        }
        v
    }
}

/// A programme code: 1 to 32 lowercase letters, digits, `-` or `_` (e.g. `pvd`).
fn valid_programme(code: &str) -> bool {
    (1..=32).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl RoleView {
    /// The role this asks for, checked against the referential and the stored
    /// organisations. `at` names the field in faults (`roles[0]`).
    pub async fn resolve(&self, app: &App, at: &str) -> Result<Role, AppError> {
        let bad = |f: &str, code: AccessFault| AppError::invalid(format!("{at}.{f}"), code);
        match self.role.as_str() {
            "admin" => Ok(Role::Admin),
            "programme_manager" => match self.programme.as_deref() {
                Some(p) if valid_programme(p) => Ok(Role::ProgrammeManager { programme: p.to_owned() }),
                _ => Err(bad("programme", AccessFault::ProgrammeCode)),
            },
            "delegate" => {
                let code = self.departement.as_deref().unwrap_or("");
                let code = TerritoryKind::Departement.parse_code(code).map_err(|e| bad("departement", e.into()))?;
                if app.current().referential.get(TerritoryKind::Departement, &code).is_none() {
                    return Err(bad("departement", AccessFault::UnknownDepartement(code)));
                }
                Ok(Role::Delegate { departement: code })
            }
            "local" | "partner" => {
                let id = self.organisation.ok_or_else(|| bad("organisation", AccessFault::Required))?;
                let org = app
                    .store
                    .organisation(id)
                    .await?
                    .ok_or_else(|| bad("organisation", AccessFault::NoOrganisation(id)))?;
                match (self.role.as_str(), org.kind, org.territory) {
                    ("local", OrganisationKind::LocalAuthority, Some(territory)) => {
                        Ok(Role::Local { organisation: id, territory })
                    }
                    ("partner", OrganisationKind::Partner, _) => Ok(Role::Partner { organisation: id }),
                    ("local", ..) => Err(bad("organisation", AccessFault::LocalNeedsLocalAuthority)),
                    _ => Err(bad("organisation", AccessFault::PartnerNeedsPartner)),
                }
            }
            other => Err(bad("role", AccessFault::UnknownRole(other.to_owned()))),
        }
    }
}

/// Resolves every role of a request, reporting every fault.
pub async fn resolve_all(app: &App, views: &[RoleView]) -> Result<Vec<Role>, AppError> {
    let mut roles = Vec::new();
    let mut faults: Vec<Fault> = Vec::new();
    for (i, v) in views.iter().enumerate() {
        match v.resolve(app, &format!("roles[{i}]")).await {
            Ok(r) => roles.push(r),
            Err(AppError::Invalid(f)) => faults.extend(f),
            Err(e) => return Err(e),
        }
    }
    if faults.is_empty() { Ok(roles) } else { Err(AppError::Invalid(faults)) }
}
