//! Projects: the unit of work of the platform (inside a pact or not).
//!
//! [`model`] holds the types, [`rules`] what a valid project is and who may write it,
//! [`communs`] writes a project in the payload of the hub Les communs,
//! [`dotations`] reads the DETR/DSIL/DSID file of 2019, [`money`] turns decimal text
//! into cents exactly, [`nomenclature`] holds the national lists of levers and
//! competences.

pub mod communs;
pub mod csv;
pub mod dotations;
pub mod fault;
pub mod model;
pub mod money;
pub mod nomenclature;
pub mod rules;

pub use fault::{FieldFault, ProjectFault};
pub use model::*;
pub use rules::{can_create, can_edit, covers, unknown_indicators, validate, validate_change};

#[cfg(test)]
pub(crate) mod tests;
