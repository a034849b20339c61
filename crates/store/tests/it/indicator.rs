//! Indicators, measurements, objectives and evaluation jobs, on SQLite always and on
//! PostgreSQL when `COHESION_TEST_DATABASE_URL` is set.

use cohesion_core::indicator::measure_file::ParsedValue;
use cohesion_core::indicator::{Date, Origin, SourceInfo, catalogue, find_source};
use cohesion_core::territory::{Parents, Referential, Territory, TerritoryKind, TerritoryRef};
use cohesion_store::Store;
use cohesion_store::testing::{TestDb, storage_test};
use serde_json::json;
use time::{Duration, OffsetDateTime};

fn referential() -> Referential {
    let com = |code: &str| {
        let mut t = Territory::new(TerritoryKind::Commune, code, code);
        t.parents = Parents { departement: Some("42".into()), region: Some("84".into()), ..Parents::default() };
        t
    };
    let mut dep = Territory::new(TerritoryKind::Departement, "42", "Loire");
    dep.parents.region = Some("84".into());
    Referential::new(
        "COG test",
        vec![Territory::new(TerritoryKind::Region, "84", "ARA"), dep, com("42218"), com("42100")],
    )
    .expect("consistent")
}

fn value(code: &str, date: &str, value: f64) -> ParsedValue {
    ParsedValue {
        line: 2,
        territory: TerritoryRef { kind: TerritoryKind::Commune, code: code.into() },
        date: day(date),
        value,
    }
}

fn source(code: &str) -> SourceInfo {
    find_source(code).expect("known source").to_info()
}

fn day(s: &str) -> Date {
    cohesion_core::date::iso_or_year(s).expect("date")
}

async fn measurements_story(store: &Store) {
    store.replace_referential(&referential(), "test").await.expect("referential");
    assert_eq!(store.sync_catalogue(catalogue(), "test").await.expect("sync"), catalogue().len());
    assert_eq!(store.sync_catalogue(catalogue(), "test").await.expect("sync again"), 0, "idempotent");

    let rp = source("insee-rp");
    let v1 = [value("42218", "2020", 10.0), value("42100", "2020", 7.0), value("42218", "2021", 11.0)];
    let first = store
        .import_measurements("vacant_dwellings_share", &rp, Origin::OpenData, day("2023-06-27"), &v1, "test")
        .await
        .expect("first version");
    assert!(first.new_version && first.written == 3);
    let again = store
        .import_measurements("vacant_dwellings_share", &rp, Origin::OpenData, day("2023-06-27"), &v1, "test")
        .await
        .expect("same file again");
    assert!(!again.new_version && again.source_version == first.source_version);
    assert!(store.source_version_exists("insee-rp", day("2023-06-27"), Origin::OpenData).await.expect("exists"));

    // A newer publication revises one cell; the older one is kept.
    let v2 = [value("42218", "2020", 12.5)];
    store
        .import_measurements("vacant_dwellings_share", &rp, Origin::OpenData, day("2024-06-25"), &v2, "test")
        .await
        .expect("newer version");
    // An older publication imported afterwards does not win.
    let v0 = [value("42218", "2020", 99.0)];
    store
        .import_measurements("vacant_dwellings_share", &rp, Origin::OpenData, day("2022-06-28"), &v0, "test")
        .await
        .expect("older version");
    // The territory's own figure stays apart.
    let local = [value("42218", "2020", 15.0)];
    store
        .import_measurements(
            "vacant_dwellings_share",
            &source("local"),
            Origin::Local,
            day("2025-01-10"),
            &local,
            "test",
        )
        .await
        .expect("local");

    let effective = store
        .effective_values("vacant_dwellings_share", TerritoryKind::Commune, day("2019-01-01"), day("2030-01-01"))
        .await
        .expect("effective");
    let cells: Vec<(&str, &str, f64)> = effective.iter().map(|v| (v.code.as_str(), v.date.as_str(), v.value)).collect();
    assert_eq!(cells, vec![("42100", "2020-01-01", 7.0), ("42218", "2020-01-01", 12.5), ("42218", "2021-01-01", 11.0)]);
    let window = store
        .effective_values("vacant_dwellings_share", TerritoryKind::Commune, day("2021-01-01"), day("2021-12-31"))
        .await
        .expect("window");
    assert_eq!(window.len(), 1);
    assert_eq!(
        store.latest_date("vacant_dwellings_share", TerritoryKind::Commune).await.expect("latest"),
        Some(day("2021-01-01"))
    );
    assert_eq!(store.latest_date("poverty_rate", TerritoryKind::Commune).await.expect("latest"), None);

    let st = TerritoryRef { kind: TerritoryKind::Commune, code: "42218".into() };
    let values = store.territory_values(&st).await.expect("territory values");
    let in_2020: Vec<(f64, &str, bool)> = values
        .iter()
        .filter(|v| v.date == "2020-01-01")
        .map(|v| (v.value, v.source.origin.as_str(), v.in_force))
        .collect();
    assert_eq!(
        in_2020,
        vec![(15.0, "local", true), (12.5, "open_data", true), (10.0, "open_data", false), (99.0, "open_data", false)]
    );
    assert!(values.iter().any(|v| v.source.origin == "local" && v.source.producer == "La collectivité concernée"));
    assert_eq!(store.source_versions().await.expect("versions").len(), 4);
    let events = store.audit_for("source_version", &first.source_version).await.expect("audit");
    assert_eq!(events.len(), 2, "one event per import");

    // Objectives: set, unchanged, revised.
    let goal = [value("42218", "2030", 8.0)];
    assert_eq!(store.set_objectives("vacant_dwellings_share", &goal, "test").await.expect("set"), 1);
    assert_eq!(store.set_objectives("vacant_dwellings_share", &goal, "test").await.expect("same"), 0);
    let revised = [value("42218", "2030", 7.5)];
    assert_eq!(store.set_objectives("vacant_dwellings_share", &revised, "test").await.expect("revise"), 1);
    let objectives = store.objectives_for(&st).await.expect("objectives");
    assert_eq!(objectives.len(), 1);
    assert_eq!((objectives[0].value, objectives[0].version, objectives[0].date.as_str()), (7.5, 2, "2030-01-01"));
    let events = store.audit_for("objective", &objectives[0].id).await.expect("audit");
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["create", "update"]);
}

async fn jobs_story(store: &Store) {
    let request = json!({ "indicator": "population", "method": "cs" });
    let a = store.create_evaluation(&request, "person:a").await.expect("create a");
    let b = store.create_evaluation(&request, "person:b").await.expect("create b");
    assert_eq!((a.status.as_str(), a.stage.as_str(), a.percent), ("queued", "queued", 0));
    let never_stale = OffsetDateTime::now_utc() - Duration::hours(1);

    let first = store.claim_evaluation("w1", never_stale).await.expect("claim").expect("a job");
    assert_eq!((first.id.as_str(), first.status.as_str(), first.attempts), (a.id.as_str(), "running", 1));
    let second = store.claim_evaluation("w2", never_stale).await.expect("claim").expect("b job");
    assert_eq!(second.id, b.id, "oldest first, never the same job twice");
    assert!(store.claim_evaluation("w3", never_stale).await.expect("claim").is_none(), "nothing left");

    assert!(store.evaluation_progress(&a.id, "w1", "panel", 40).await.expect("progress"));
    assert!(!store.evaluation_progress(&a.id, "w2", "panel", 40).await.expect("not w2's job"));
    let result = json!({ "estimate": 1.5 });
    assert!(store.finish_evaluation(&a.id, "w1", &json!({ "rows": 3 }), "unit,year\n", &result).await.expect("finish"));
    assert!(!store.finish_evaluation(&a.id, "w1", &json!({}), "", &result).await.expect("twice"), "already done");
    let done = store.evaluation(&a.id).await.expect("get").expect("present");
    assert_eq!((done.status.as_str(), done.percent), ("done", 100));
    assert_eq!(done.result, Some(result));
    assert_eq!(done.request, request);
    assert_eq!(store.evaluation_panel(&a.id).await.expect("panel").as_deref(), Some("unit,year\n"));
    // Found by programme and indicator only once done (the request is not a programme's).
    assert!(store.done_programme_evaluations("pvd", "population", 5).await.expect("none").is_empty());
    let pvd = json!({ "indicator": "population", "method": "cs", "treated": { "type": "programme", "code": "pvd" } });
    let p = store.create_evaluation(&pvd, "person:a").await.expect("create pvd");
    assert!(store.done_programme_evaluations("pvd", "population", 5).await.expect("queued").is_empty());
    let mine = store.claim_evaluation_id(&p.id, "w1").await.expect("claim pvd").expect("pvd job");
    assert!(
        store.finish_evaluation(&mine.id, "w1", &json!({}), "", &json!({ "estimate": 1.0 })).await.expect("finish pvd")
    );
    let found = store.done_programme_evaluations("pvd", "population", 5).await.expect("found");
    assert_eq!(found.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), vec![p.id.as_str()]);
    assert!(store.done_programme_evaluations("acv", "population", 5).await.expect("acv").is_empty());
    assert!(store.done_programme_evaluations("pvd", "unemployment", 5).await.expect("other").is_empty());

    // w2 goes silent: its job is taken over once its heartbeat is older than the cut-off.
    let later = OffsetDateTime::now_utc() + Duration::seconds(5);
    let taken = store.claim_evaluation("w4", later).await.expect("claim").expect("stale job");
    assert_eq!((taken.id.as_str(), taken.worker.as_deref(), taken.attempts), (b.id.as_str(), Some("w4"), 2));
    assert!(!store.fail_evaluation(&b.id, "w2", "late").await.expect("w2 lost it"));
    assert!(store.fail_evaluation(&b.id, "w4", "données absentes").await.expect("fail"));
    let failed = store.evaluation(&b.id).await.expect("get").expect("present");
    assert_eq!((failed.status.as_str(), failed.error.as_deref()), ("failed", Some("données absentes")));

    let c = store.create_evaluation(&request, "cli").await.expect("create c");
    assert!(store.claim_evaluation_id(&c.id, "cli").await.expect("claim c").is_some());
    assert!(store.claim_evaluation_id(&c.id, "cli").await.expect("claim c twice").is_none());
    let (list, total) = store.evaluations(2, 0).await.expect("list");
    assert_eq!(total, 4);
    assert_eq!(list.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), vec![c.id.as_str(), p.id.as_str()]);
    let events = store.audit_for("evaluation", &a.id).await.expect("audit");
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["create", "finish"]);

    // Re-runs name the evaluation they re-run, which lists them oldest first; an
    // unknown original writes nothing.
    assert!(a.rerun_of.is_none());
    let r1 = store.create_rerun(&a.id, &request, "person:b").await.expect("rerun");
    let r2 = store.create_rerun(&a.id, &request, "person:a").await.expect("rerun again");
    assert_eq!((r1.rerun_of.as_deref(), r1.status.as_str()), (Some(a.id.as_str()), "queued"));
    let reruns = store.evaluation_reruns(&a.id).await.expect("reruns");
    assert_eq!(reruns.iter().map(|j| j.id.as_str()).collect::<Vec<_>>(), vec![r1.id.as_str(), r2.id.as_str()]);
    assert!(store.evaluation_reruns(&b.id).await.expect("none").is_empty());
    assert_eq!(store.evaluation(&r2.id).await.expect("get").expect("present").rerun_of.as_deref(), Some(a.id.as_str()));
    let events = store.audit_for("evaluation", &r1.id).await.expect("audit");
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["rerun"]);
    assert_eq!(events[0].after.as_ref().map(|a| a["rerun_of"].clone()), Some(json!(a.id)));
    let unknown = store.create_rerun("0190a1b2-0000-7000-8000-000000000000", &request, "person:a").await;
    assert!(matches!(unknown, Err(cohesion_store::StoreError::Conflict(_))), "{unknown:?}");
    let (_, total) = store.evaluations(1, 0).await.expect("list");
    assert_eq!(total, 6, "two re-runs more, nothing for the unknown one");
    for r in [&r1, &r2] {
        assert!(store.claim_evaluation_id(&r.id, "w1").await.expect("claim rerun").is_some());
        assert!(store.fail_evaluation(&r.id, "w1", "test").await.expect("ended"));
    }

    // Concurrent workers take distinct jobs.
    let mut ids = Vec::new();
    for _ in 0..6 {
        ids.push(store.create_evaluation(&request, "person:a").await.expect("create").id);
    }
    let claims = (0..8).map(|i| {
        let store = store.clone();
        tokio::spawn(async move { store.claim_evaluation(&format!("c{i}"), never_stale).await })
    });
    let mut claimed = Vec::new();
    for c in claims {
        if let Some(job) = c.await.expect("task").expect("claim") {
            claimed.push(job.id);
        }
    }
    claimed.sort();
    ids.sort();
    assert_eq!(claimed, ids, "each queued job claimed exactly once");
}

storage_test!(measurements, |db: TestDb| async move { measurements_story(&db.store).await });

storage_test!(evaluation_jobs, threads = 4, |db: TestDb| async move { jobs_story(&db.store).await });
