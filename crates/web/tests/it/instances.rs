//! Two instances on one database (issue 15, point 9): a write on one is seen by the
//! other without waiting for its poll — told by PostgreSQL's LISTEN/NOTIFY; SQLite
//! (one process) keeps the poll of the revisions.

use std::time::Duration;

use crate::support::TestApp;
use cohesion_core::access::Role;
use cohesion_store::testing::{TestDb, storage_test};
use cohesion_web::AppState;
use serde_json::{Value, json};

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let res = app.client.post(app.url(path)).bearer_auth(token).json(&body).send().await.expect("answer");
    let status = res.status();
    let body: Value = res.json().await.expect("json");
    assert!(status.is_success(), "{path}: {status} {body}");
    body
}

/// Waits (bounded) until `seen` holds on the other instance.
async fn eventually(what: &str, mut seen: impl FnMut() -> bool) {
    for _ in 0..200 {
        if seen() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the other instance never saw {what}");
}

async fn two_instances(app: &TestApp) {
    // The other instance: its own catalog and pact index over the same database; no
    // poll runs, only the feed (which on SQLite returns at once).
    let other = cohesion_app::App::load(app.db.store.clone()).await.expect("second instance");
    let other = AppState::new(other).expect("second instance");
    let follow = other.spawn_follow();
    let postgres = app.db.backend() == "postgres";
    if postgres {
        // The feed is listening once its first refresh is done; give it that moment.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let admin = app.token("admin@anct.gouv.fr", vec![Role::Admin]).await;
    let project = json!({
        "name": "Maison de santé pluriprofessionnelle",
        "territories": [{"kind": "commune", "code": "42218"}],
        "phase": "study",
        "phase_status": "in_progress",
    });
    let created = post(app, "/api/v1/projects", &admin, project).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let pact = json!({
        "kind": "cohesion",
        "title": "Pacte de la Loire",
        "perimeter": [{"kind": "commune", "code": "42218"}],
        "parties": [
            {"kind": "state", "name": "Préfecture de la Loire"},
            {"kind": "local_authority", "name": "Saint-Étienne", "siren": "214202186"}
        ],
        "owner": "state",
        "actions": [id],
    });
    let pact = post(app, "/api/v1/pacts", &admin, pact).await;
    let pact_id = pact["id"].as_str().expect("pact id").to_owned();
    if postgres {
        eventually("the new project", || other.projects.load().get(&id).is_some()).await;
        eventually("the new pact", || other.pacts.load().pacts.iter().any(|p| p.row.id == pact_id)).await;
    } else {
        assert!(follow.await.is_ok(), "no feed on SQLite: the task ends at once");
        assert!(other.projects.load().get(&id).is_none(), "not seen before the poll");
        other.refresh().await.expect("poll");
        assert!(other.projects.load().get(&id).is_some(), "seen after the poll");
        assert!(other.pacts.load().pacts.iter().any(|p| p.row.id == pact_id));
    }
    // A change of an existing project reaches the other's search too.
    let res = app
        .client
        .patch(app.url(&format!("/api/v1/projects/{id}")))
        .bearer_auth(&admin)
        .header("if-match", created["version"].to_string())
        .header("content-type", "application/merge-patch+json")
        .body(json!({"name": "Centre de santé intercommunal"}).to_string())
        .send()
        .await
        .expect("answer");
    assert!(res.status().is_success(), "{}", res.status());
    if !postgres {
        other.refresh().await.expect("poll");
    }
    eventually("the renamed project", || {
        other.projects.load().get(&id).is_some_and(|p| p.input.name == "Centre de santé intercommunal")
    })
    .await;
}

storage_test!(a_write_on_one_instance_is_seen_by_the_other, |db: TestDb| async move {
    two_instances(&TestApp::builder(db).start().await).await
});
