//! The project pages: [`list`] (`/projets`, and the projects section of a territory
//! page) and [`detail`] (`/projets/{id}`).

pub mod detail;
pub mod list;

pub use list::{Section, section};
