//! `cohesion digest send` on a fresh data directory: nothing pending, nothing sent,
//! the report as JSON.

use crate::support::{cohesion, text};

#[test]
fn digest_send_reports_what_it_sent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = cohesion(dir.path(), &["digest", "send"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).expect("json");
    assert_eq!(
        report,
        serde_json::json!({"sent": 0, "events": 0, "failed": 0, "skipped": 0, "unmailed": 0, "waiting": 0})
    );
}
