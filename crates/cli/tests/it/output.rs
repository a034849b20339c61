//! `cohesion … | head`: a reader that closes the pipe ends the command quietly (exit
//! 0), never with the panic of `println!` on a broken pipe.

use std::fmt::Write as _;
use std::process::{Command, Stdio};

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    let dir = tempfile::tempdir().expect("dir");
    // A small panel: 40 units over 6 years, half of them treated from year 4.
    let mut csv = String::from("unit,year,outcome,first_treated\n");
    for unit in 0..40 {
        for year in 1..=6 {
            let treated = if unit % 2 == 0 { "4" } else { "" };
            let outcome = f64::from(unit) + f64::from(year) + if unit % 2 == 0 && year >= 4 { 2.0 } else { 0.0 };
            let _ = writeln!(csv, "u{unit},{year},{outcome},{treated}");
        }
    }
    let panel = dir.path().join("panel.csv");
    std::fs::write(&panel, csv).expect("panel");
    let mut child = Command::new(env!("CARGO_BIN_EXE_cohesion"))
        .args(["evaluate", "--panel", panel.to_str().expect("path"), "--method", "twfe"])
        .env("COHESION_DATA_DIR", dir.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The reader goes away before anything is written.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "status {:?}, stderr: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
