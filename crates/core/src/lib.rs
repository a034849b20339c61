//! Cohésion domain: types and rules, no I/O.
//!
//! Every module here is pure: it takes values and returns values. Reading files,
//! databases or the network belongs to `cohesion-store`, `cohesion-web` and the CLI.

pub mod access;
pub mod evaluation;
pub mod impact;
pub mod import;
pub mod indicator;
pub mod programme;
pub mod project;
pub mod territory;
