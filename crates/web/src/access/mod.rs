//! The access use cases shared by the API and the pages: sign-in, invitations,
//! password links, email change, API tokens. Each checks its `can_…` rule
//! (`cohesion_core::access::rules`) and writes through the store with its audit event.

pub mod accounts;
pub mod roles;

pub use roles::RoleView;
