//! The web crate's tests, as one binary: the real app on a random port over a fresh
//! database ([`support::TestApp`]), one module per concept. Tests that depend on the
//! database run on SQLite and on PostgreSQL (`cohesion_store::testing::storage_test!`).

mod access;
mod engineering;
mod engineering_export;
mod engineering_import;
mod engineering_instances;
mod engineering_invite;
mod engineering_search;
mod evaluation_form;
mod evaluation_pact;
mod evaluation_rerun;
mod hardening;
mod indicator;
mod instances;
mod matrix;
mod openapi;
mod pact;
mod page;
mod programme;
mod project;
mod project_communs;
mod project_nomenclature;
mod project_roundtrip;
mod project_sync;
mod space;
mod support;
mod territory;
mod territory_page;
mod territory_trajectory;
mod unknown_parameters;
