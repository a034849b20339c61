//! The domain's integration tests, as one binary: one module per concept (fixtures in
//! `tests/fixtures/`).

mod impact;
mod programme;
