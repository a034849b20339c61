//! The store's integration tests, as one binary: one module per domain concept, each
//! storage test written once and run on SQLite and on PostgreSQL
//! (`cohesion_store::testing::storage_test!`).

mod access;
mod engineering;
mod indicator;
mod migration;
mod pact;
mod programme;
mod project;
mod space;
mod territory;
