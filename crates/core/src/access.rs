//! Who may do what: people act through roles, each role bounded by a scope.
//!
//! This module is the shared vocabulary of authorisation. Each use case decides in
//! one place (a `can_…` function next to its domain rule) from a [`Principal`]; the web
//! layer only turns a session or an API token into a `Principal`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::territory::TerritoryRef;

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
}
