//! What the CLI tests share: running the built binary on a data directory of their own.

use std::path::Path;
use std::process::{Command, Output};

/// Runs `cohesion ARGS` with its data in `data_dir` (never a configured database).
pub fn cohesion(data_dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cohesion"))
        .args(args)
        .env("COHESION_DATA_DIR", data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

/// Standard output or error as text.
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
