//! The custom engineering offer ("offre d'ingénierie sur-mesure"): a local authority
//! asks for help about a project, the State's delegate of its département qualifies
//! the request, providers take the mission, advisors write recommendations, the
//! mission closes with a measured outcome.
//!
//! [`model`] holds the types, [`lifecycle`] the steps a request and a mission take,
//! [`rules`] who may read and write what, [`suggest`] the ranking of providers for a
//! request, [`document`] what an attached file really is, [`fault`] the typed faults.

pub mod dashboard;
pub mod delegation;
pub mod document;
pub mod fault;
pub mod lifecycle;
pub mod model;
pub mod rules;
pub mod suggest;

pub use document::{DocumentKind, MAX_DOCUMENT_BYTES, sniff};
pub use fault::EngineeringFault;
pub use model::*;
pub use rules::{Audience, Parties, Viewer};
pub use suggest::{ProviderLoad, Suggestion, suggest};

#[cfg(test)]
mod tests;
