//! Territorial pacts (cohesion, resilience, CRTE, contrats de ville): co-built by
//! their parties, signed by each, carried out, amended only by new versions.
//!
//! [`model`] holds the types, [`lifecycle`] the steps a pact takes, [`rules`] what a
//! valid text is and who may act, [`diff`] what changed between two versions,
//! [`cocon`] proposals, comments and the daily digest.

pub mod cocon;
pub mod diff;
pub mod fault;
pub mod lifecycle;
pub mod model;
pub mod rules;

pub use cocon::{Comment, PactEvent, Proposal, ProposalChange, ProposalInput, ProposalStatus};
pub use diff::{Money, PactDiff, Side, diff};
pub use fault::PactFault;
pub use lifecycle::{LifecycleError, Step};
pub use model::*;
pub use rules::{
    OrganisationIds, actions_outside, acts_for, is_owner, is_participant, parties_of, perimeter_fault, public_part,
    reads_whole, validate,
};

#[cfg(test)]
mod tests;
