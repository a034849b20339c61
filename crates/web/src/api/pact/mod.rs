//! `/api/v1/pacts`: territorial pacts, their versions and amendments, signatures,
//! the diff of two versions, proposals and comments. The rules live in
//! `cohesion_core::pact`, the orchestration in [`cohesion_app::pact`]; the views in
//! [`views`], the handlers in [`read`] and [`write`].

pub mod read;
pub mod views;
pub mod write;
