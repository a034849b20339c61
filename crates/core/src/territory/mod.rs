//! The national territory referential: communes, municipal arrondissements, EPCI,
//! départements and régions, with their hierarchy, populations and INSEE typologies.
//!
//! [`Referential`] is an immutable value: it is built once (from the shipped compact
//! files, from the database, or from the upstream files of a yearly COG update) and
//! then only read. [`search::SearchIndex`] answers name, code and postcode queries
//! over it.

pub(crate) mod code;
pub mod compact;
mod fold;
pub mod former;
mod model;
mod referential;
pub mod search;
pub mod upstream;

pub use code::{CodeError, TerritoryKind, TerritoryRef, is_valid_siren};
pub use fold::{fold, fold_query};
pub use model::{Centroid, DENSITY_LEVELS, Parents, Territory, Typology};
pub use referential::{Referential, ReferentialError};
