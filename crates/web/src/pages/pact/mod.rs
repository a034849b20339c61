//! The pact pages: the search ([`list`], `/pactes`, and the pacts section of a
//! territory or project search page), one pact and its versions ([`detail`]), the
//! text form ([`form`]), the forms of a pact's page ([`actions`]: lifecycle steps,
//! signatures, amendments, proposals, comments) and the comparison of two versions
//! ([`diff`]).

pub mod actions;
pub mod detail;
pub mod diff;
pub mod form;
pub mod list;

pub use list::{Section, badge, may_create, section};
