//! Stored people and access: organisations, people and their role grants, one-time
//! account links, sessions, login attempts, API tokens.
//!
//! Secrets never reach this module in clear: callers pass the SHA-256 of session
//! ids, link tokens and API tokens, and an argon2id hash of passwords.

mod link;
mod oidc;
mod organisation;
mod person;
pub(crate) use person::name_key;
mod session;
mod token;

pub use link::LinkPurpose;
pub use person::{Grant, NewPerson};
pub use session::{Session, Throttle};
pub use token::{ApiToken, NewApiToken};

use uuid::Uuid;

use crate::StoreError;

/// Reads a UUID stored as text.
pub(crate) fn uuid(s: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(s).map_err(|e| StoreError::Corrupt(format!("bad uuid {s}: {e}")))
}
