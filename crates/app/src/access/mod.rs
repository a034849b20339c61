//! Access: accounts and sign-in, sessions, API tokens, people and their roles,
//! organisations, the audit trail. Each operation checks its `can_…` rule
//! (`cohesion_core::access::rules`) and writes through the store with its audit event.
//!
//! The adapters keep what is HTTP's: cookies, CSRF, the extractors, ProConnect's
//! redirections. What crosses from the store is plain data and is re-exported here
//! (`By`, `ApiToken`, `Grant`, `LinkPurpose`, `NewPerson`): see
//! `docs/architecture.md`, "Types that cross".

pub mod account;
pub mod audit;
mod fault;
pub mod organisation;
pub mod password;
pub mod person;
pub mod role;
pub mod secret;
pub mod session;
pub mod token;

use cohesion_core::access::{Principal, Role};
use time::Duration;
use uuid::Uuid;

pub use cohesion_store::access::{ApiToken, Grant, LinkPurpose, NewPerson};
pub use cohesion_store::audit::By;
pub use fault::AccessFault;
pub use organisation::{OrganisationBody, validated};
pub use role::RoleView;

use crate::mail::Mailer;

/// How sessions, links and sign-in throttling behave, and where mail goes: the
/// deployment's settings the access use cases read (the web adapter's `AuthConfig`
/// holds them, with what is HTTP's).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The address people reach the service at (`COHESION_PUBLIC_URL`), used in the
    /// links mailed to them.
    pub public_url: String,
    /// A session ends after this long without a request (`COHESION_SESSION_IDLE_MINUTES`, 120).
    pub session_idle: Duration,
    /// …and in any case this long after sign-in (`COHESION_SESSION_HOURS`, 12).
    pub session_absolute: Duration,
    /// Failed sign-ins allowed per account within [`Settings::throttle_window`] (5).
    pub max_account_failures: u64,
    /// Failed sign-ins allowed per client address within the window (50).
    pub max_address_failures: u64,
    pub throttle_window: Duration,
    /// Invitation links last 7 days; reset and email-change links 1 hour.
    pub invitation_ttl: Duration,
    pub reset_ttl: Duration,
    pub mailer: Mailer,
}

impl Settings {
    /// Defaults for `public_url`, mail logged instead of sent.
    pub fn new(public_url: impl Into<String>) -> Settings {
        Settings {
            public_url: public_url.into().trim_end_matches('/').to_owned(),
            session_idle: Duration::minutes(120),
            session_absolute: Duration::hours(12),
            max_account_failures: 5,
            max_address_failures: 50,
            throttle_window: Duration::minutes(15),
            invitation_ttl: Duration::days(7),
            reset_ttl: Duration::hours(1),
            mailer: Mailer::Log,
        }
    }
}

/// Who the command line acts as: an admin (whoever runs it holds the database itself).
/// Its writes are recorded as `cli:<user>`, the name its callers give.
pub fn command_line() -> Principal {
    Principal { person: Uuid::nil(), roles: vec![Role::Admin] }
}
