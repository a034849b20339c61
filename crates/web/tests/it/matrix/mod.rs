//! The authorisation matrix: every operation that changes something (each non-GET
//! operation of the OpenAPI document, and each page form of `pages::form_posts()`) ×
//! every role × in scope / out of scope, checked against the expected answer.
//!
//! The test fails when an operation has no entry in [`ops`]: an endpoint added by any
//! branch must be declared here with its rule. The outcome is written to
//! `docs/access-matrix.md`; the test compares that file with what it generated
//! (`COHESION_WRITE_ACCESS_MATRIX=1` rewrites it). The world the requests run in and
//! how they are sent are in [`world`], the operations and their rules in [`ops`].

mod engineering;
mod ops;
mod reads;
mod world;

use std::collections::BTreeSet;

use cohesion_store::testing::{TestDb, storage_test};
use ops::ops;
pub use world::{Build, Op, Req, Scope, Who, World, by};
use world::{Outcome, WHO, document};

storage_test!(sqlite = every_change_is_allowed_exactly_as_the_rules_say, postgres = access_matrix_postgres, matrix_on);

async fn matrix_on(db: TestDb) {
    let world = World::new(db).await;
    let mut ops = ops();
    ops.extend(engineering::ops());

    // Every operation that changes something is declared, and nothing else.
    let mut documented = BTreeSet::new();
    for (path, item) in cohesion_web::api::openapi().paths.paths {
        for (method, op) in [("POST", &item.post), ("PUT", &item.put), ("PATCH", &item.patch), ("DELETE", &item.delete)]
        {
            if op.is_some() {
                documented.insert(format!("{method} {path}"));
            }
        }
    }
    for path in cohesion_web::pages::form_posts() {
        documented.insert(format!("POST {path}"));
    }
    let declared: BTreeSet<String> = ops.iter().map(|o| format!("{} {}", o.method, o.path)).collect();
    let missing: Vec<_> = documented.difference(&declared).collect();
    let stale: Vec<_> = declared.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "operations missing from the authorisation matrix (crates/web/tests/it/matrix/): {missing:?}"
    );
    assert!(stale.is_empty(), "operations in the matrix that no longer exist: {stale:?}");

    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for op in &ops {
        let mut cells = Vec::new();
        for who in WHO {
            let scopes: &[Scope] = if op.scoped { &[Scope::In, Scope::Out] } else { &[Scope::In] };
            let mut cell = Vec::new();
            for &scope in scopes {
                let expected = (op.allowed)(who, scope);
                let request = (op.build)(&world, who, scope).await;
                let outcome = world.send(op, who, &request).await;
                match outcome {
                    Outcome::Allowed(_) if expected => {}
                    Outcome::Denied(_) if !expected => {}
                    other => failures.push(format!(
                        "{} {} as {who:?} ({scope:?}): expected {}, got {other:?}",
                        op.method,
                        op.path,
                        if expected { "allowed" } else { "denied" }
                    )),
                }
                cell.push(if expected { "✓" } else { "✗" });
            }
            cells.push(cell.join(" / "));
        }
        rows.push(format!("| `{} {}` | {} | {} |", op.method, op.path, cells.join(" | "), op.rule));
    }
    world.cleanup().await;
    assert!(failures.is_empty(), "{} unexpected answers:\n{}", failures.len(), failures.join("\n"));

    let doc = document(&rows);
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/access-matrix.md");
    if std::env::var("COHESION_WRITE_ACCESS_MATRIX").is_ok_and(|v| v == "1") {
        std::fs::write(path, &doc).expect("write docs/access-matrix.md");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == doc,
        "docs/access-matrix.md is out of date: run with COHESION_WRITE_ACCESS_MATRIX=1 and commit it"
    );
}
