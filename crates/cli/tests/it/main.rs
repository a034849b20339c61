//! The `cohesion` command's tests, as one binary: the built binary run as a process on
//! a temporary data directory ([`support`]), one module per concept (fixtures in
//! `tests/fixtures/`).

mod backup;
mod digest;
mod indicator;
mod membership;
mod output;
mod project;
mod support;
mod territory;
