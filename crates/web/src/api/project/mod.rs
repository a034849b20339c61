//! `/api/v1/projects`, `/api/v1/search`, a territory's projects, and the exports.
//!
//! Reads come from the in-memory catalog (search, filters, totals) or, for one
//! project, from the store (its current version, as `ETag`). Writes take an
//! authenticated [`Actor`](crate::auth::Actor), ask `cohesion_core::project::can_…`,
//! and carry the version they read (`If-Match`): a stale one is refused with 409 and
//! the current version.

pub mod export;
pub mod read;
pub mod write;
