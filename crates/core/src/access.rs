//! Who may do what: people act through roles, each role bounded by a scope.
//!
//! This module is the shared vocabulary of authorisation. Each use case decides in
//! one place (a `can_…` function of [`rules`]) from a [`Principal`]; the web layer only
//! turns a session or an API token into a `Principal`.

pub mod organisation;
pub mod person;
pub mod rules;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::territory::{Referential, TerritoryKind, TerritoryRef};

/// A role and the scope it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Role {
    /// Agency staff: everything.
    Admin,
    /// Runs one national programme (its code, e.g. `pvd`).
    ProgrammeManager { programme: String },
    /// The State's delegate in one département (its INSEE code, e.g. `42`).
    Delegate { departement: String },
    /// Acts for one local authority, hence for its territory.
    Local { organisation: Uuid, territory: TerritoryRef },
    /// Acts for one partner organisation.
    Partner { organisation: Uuid },
}

/// The role names, as stored and as written in the API (`role` field).
pub const ROLE_NAMES: [&str; 5] = ["admin", "programme_manager", "delegate", "local", "partner"];

impl Role {
    /// `admin`, `programme_manager`, `delegate`, `local` or `partner`.
    pub fn name(&self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::ProgrammeManager { .. } => "programme_manager",
            Role::Delegate { .. } => "delegate",
            Role::Local { .. } => "local",
            Role::Partner { .. } => "partner",
        }
    }

    /// The scope as stored next to the name: programme code, département code,
    /// organisation id, or empty for `admin`.
    pub fn scope(&self) -> String {
        match self {
            Role::Admin => String::new(),
            Role::ProgrammeManager { programme } => programme.clone(),
            Role::Delegate { departement } => departement.clone(),
            Role::Local { organisation, .. } | Role::Partner { organisation } => organisation.to_string(),
        }
    }

    /// The organisation this role acts for, if any.
    pub fn organisation(&self) -> Option<Uuid> {
        match self {
            Role::Local { organisation, .. } | Role::Partner { organisation } => Some(*organisation),
            _ => None,
        }
    }
}

/// Someone authenticated (a person by session, or a machine client by API token
/// carrying a person's roles, possibly fewer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub person: Uuid,
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| matches!(r, Role::Admin))
    }

    /// Admin, or manager of this programme.
    pub fn manages_programme(&self, code: &str) -> bool {
        self.is_admin()
            || self.roles.iter().any(|r| matches!(r, Role::ProgrammeManager { programme } if programme == code))
    }

    /// Delegate of this département (admins included).
    pub fn delegates_departement(&self, code: &str) -> bool {
        self.is_admin() || self.roles.iter().any(|r| matches!(r, Role::Delegate { departement } if departement == code))
    }

    /// Acts for this organisation (local or partner role), admins included.
    pub fn acts_for(&self, organisation: Uuid) -> bool {
        self.is_admin() || self.roles.iter().any(|r| r.organisation() == Some(organisation))
    }

    /// Whether one of the roles covers the territory `t`: admin everywhere; a delegate
    /// of département D the département, its communes (and their arrondissements) and
    /// every EPCI one of whose départements is D; a local authority its own territory
    /// and what lies inside it (a commune's arrondissements, an EPCI's communes…).
    /// Programme managers and partners have no territorial scope.
    pub fn covers(&self, referential: &Referential, t: &TerritoryRef) -> bool {
        self.roles.iter().any(|role| role_covers(role, referential, t))
    }
}

fn role_covers(role: &Role, referential: &Referential, t: &TerritoryRef) -> bool {
    match role {
        Role::Admin => true,
        Role::Delegate { departement } => in_departement(referential, t, departement),
        Role::Local { territory, .. } => {
            if territory == t {
                return true;
            }
            let (Some(outer), Some(inner)) =
                (referential.index_of(territory.kind, &territory.code), referential.index_of(t.kind, &t.code))
            else {
                return false;
            };
            referential.contained(outer).contains(&inner)
        }
        Role::ProgrammeManager { .. } | Role::Partner { .. } => false,
    }
}

/// Whether `t` lies in (or, for an EPCI, reaches into) département `code`.
pub fn in_departement(referential: &Referential, t: &TerritoryRef, code: &str) -> bool {
    match t.kind {
        TerritoryKind::Departement => t.code == code,
        TerritoryKind::Region => false,
        TerritoryKind::Epci => referential.get_ref(t).is_some_and(|e| e.departements.iter().any(|d| d == code)),
        TerritoryKind::Commune | TerritoryKind::ArrondissementMunicipal => {
            referential.get_ref(t).is_some_and(|c| c.parents.departement.as_deref() == Some(code))
        }
    }
}

#[cfg(test)]
mod tests;
