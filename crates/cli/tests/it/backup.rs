//! `cohesion backup` and `cohesion restore`: a round trip on SQLite and on PostgreSQL
//! (a database of its own, created and dropped with psql).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use crate::support::text;

/// Runs `cohesion ARGS` on the data directory, or on `database` when given.
fn cohesion(data_dir: &Path, database: Option<&str>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cohesion"));
    command.args(args).env("COHESION_DATA_DIR", data_dir).env("RUST_LOG", "warn");
    match database {
        Some(url) => command.env("DATABASE_URL", url),
        None => command.env_remove("DATABASE_URL"),
    };
    command.output().expect("the binary runs")
}

fn round_trip(dir: &Path, database: Option<&str>) {
    let run = |args: &[&str]| cohesion(dir, database, args);
    let ok = |args: &[&str]| {
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    ok(&["user", "create", "--admin", "one@example.fr"]);
    let file = dir.join("backup.bin");
    let file = file.to_str().expect("utf-8 path");
    let said = ok(&["backup", file]);
    assert!(said.contains("backup written"), "{said}");
    assert!(std::fs::metadata(file).expect("written").len() > 0);
    let again = run(&["backup", file]);
    assert!(!again.status.success() && text(&again.stderr).contains("exists already"), "never overwritten");

    // Written after the backup: gone once it is restored.
    ok(&["user", "create", "--admin", "two@example.fr"]);
    let refused = run(&["restore", file]);
    assert!(!refused.status.success() && text(&refused.stderr).contains("--replace-everything"));
    let said = ok(&["restore", file, "--replace-everything"]);
    assert!(said.contains("restored from"), "{said}");
    let one = run(&["user", "create", "--admin", "one@example.fr"]);
    assert!(!one.status.success(), "the backup's person is back: {}", text(&one.stdout));
    ok(&["user", "create", "--admin", "two@example.fr"]);
    let missing = run(&["restore", "/nonexistent/backup.bin", "--replace-everything"]);
    assert!(!missing.status.success() && text(&missing.stderr).contains("no such backup file"));
}

#[test]
fn backup_round_trip_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    round_trip(dir.path(), None);
}

fn psql(url: &str, sql: &str) {
    let out =
        Command::new("psql").arg(url).args(["-v", "ON_ERROR_STOP=1", "-q", "-c", sql]).output().expect("psql runs");
    assert!(out.status.success(), "{sql}: {}", text(&out.stderr));
}

#[test]
fn backup_round_trip_postgres() {
    let Ok(url) = std::env::var("COHESION_TEST_DATABASE_URL") else {
        if std::env::var("COHESION_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
            panic!("COHESION_REQUIRE_POSTGRES=1 but COHESION_TEST_DATABASE_URL is not set");
        }
        let _ = writeln!(
            std::io::stderr(),
            "backup_round_trip_postgres: skipped: set COHESION_TEST_DATABASE_URL=postgres://… to run the PostgreSQL tests"
        );
        return;
    };
    // A database of its own: a dump and a restore take a whole database.
    let name = format!("cohesion_backup_{}", std::process::id());
    let base = url.rsplit_once('/').map_or(url.as_str(), |(base, _)| base).to_owned();
    psql(&url, &format!("DROP DATABASE IF EXISTS {name}"));
    psql(&url, &format!("CREATE DATABASE {name}"));
    let dir = tempfile::tempdir().expect("temp dir");
    let result = std::panic::catch_unwind(|| round_trip(dir.path(), Some(&format!("{base}/{name}"))));
    psql(&url, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
