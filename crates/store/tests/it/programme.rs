//! Programme storage, on SQLite always and on PostgreSQL when
//! `COHESION_TEST_DATABASE_URL` is set: seeding from the shipped files, imports with
//! history and stale-revision refusal, eligibility rules, actions with versions.

use cohesion_core::programme::eligibility::Rule;
use cohesion_core::programme::membership_import::diff;
use cohesion_core::programme::{Action, ActionStatus, MembershipStatus, Transition, compact};
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use cohesion_store::Store;
use cohesion_store::programme::{PreviewCounts, Stale};
use cohesion_store::testing::{TestDb, storage_test};

async fn programme_story(store: &Store) {
    assert_eq!(store.programme_revision().await.expect("revision"), None);
    let shipped = compact::shipped().expect("valid");
    assert!(store.seed_programmes(&shipped, "test").await.expect("seed"));
    assert!(!store.seed_programmes(&shipped, "test").await.expect("second seed"), "seeding happens once");
    assert_eq!(store.programme_revision().await.expect("revision"), Some(1));
    let loaded = store.load_programmes().await.expect("load");
    assert_eq!(loaded.catalogue, shipped.catalogue);
    let mut places = shipped.places.clone();
    places.sort_by(|a, b| a.id.cmp(&b.id));
    assert!(loaded.places == places, "places round-trip, hours and coordinates included");
    let sort = |mut v: Vec<cohesion_core::programme::Membership>| {
        v.sort_by_key(|m| (m.programme.clone(), m.key()));
        v
    };
    assert!(sort(loaded.memberships.clone()) == sort(shipped.memberships.clone()), "memberships round-trip");

    // An import on PVD: one commune leaves, one changes, one arrives.
    let pvd: Vec<_> = loaded.memberships.iter().filter(|m| m.programme == "pvd").cloned().collect();
    let mut new = pvd.clone();
    let leaving = new.remove(0);
    new[0].convention = Some("CONV-PVD-2024-001".into());
    let changed_ref = new[0].territory.clone();
    let mut arriving = new[1].clone();
    arriving.territory = TerritoryRef { kind: TerritoryKind::Commune, code: "42218".into() };
    arriving.group_id = Some("pvd-test".into());
    arriving.status = MembershipStatus::Candidate;
    new.push(arriving);
    let d = diff(&pvd, new);
    assert_eq!((d.added.len(), d.removed.len(), d.changed.len()), (1, 1, 1));
    // Two lists previewed on the pages, kept for the manager's space until answered.
    let new = cohesion_store::access::NewPerson {
        email: cohesion_core::access::person::Email::parse("manager@example.fr").expect("email"),
        given_name: "Camille".into(),
        usual_name: "manager@example.fr".into(),
    };
    let by = cohesion_store::audit::By::new("test", None);
    let manager = store.create_person(&new, &[], &by).await.expect("person").id;
    let counts = PreviewCounts { added: 1, removed: 1, changed: 1, erased: 0 };
    let applied = store.record_import_preview("pvd", manager, "pvd.csv", b"file one", 1, counts).await.expect("keep");
    let again = store.record_import_preview("pvd", manager, "pvd.csv", b"file one", 1, counts).await.expect("again");
    let other = store.record_import_preview("pvd", manager, "autre.csv", b"file two", 1, counts).await.expect("keep");
    let set_aside = store.record_import_preview("pvd", manager, "vieux.csv", b"file 3", 1, counts).await.expect("keep");
    assert!(store.import_preview("pvd", &applied).await.expect("read").is_none(), "the same file is kept once");
    assert!(store.dismiss_import_preview("pvd", &set_aside).await.expect("dismiss"));
    assert!(!store.dismiss_import_preview("pvd", &set_aside).await.expect("twice"), "only an open one");
    let open = store.space_open_previews("pvd", 0, 10).await.expect("open");
    assert_eq!(open.total, 2);
    assert_eq!((open.rows[0].title.as_str(), open.rows[0].detail.as_str()), ("pvd.csv", "1 1 1 0"));
    assert_eq!(store.space_open_previews("acv", 0, 10).await.expect("other programme").total, 0);
    assert_eq!(
        store.apply_memberships("pvd", &d, 0, "2026-11-28", "test", b"file one").await.expect("apply"),
        Err(Stale { current: 1 }),
        "a preview computed on an older revision is refused"
    );
    assert_eq!(store.space_open_previews("pvd", 0, 10).await.expect("open").total, 2, "a refused apply closes none");
    let revision =
        store.apply_memberships("pvd", &d, 1, "2026-11-28", "test", b"file one").await.expect("apply").expect("fresh");
    assert_eq!(revision, 2);
    assert_eq!(store.space_open_previews("pvd", 0, 10).await.expect("open").total, 0, "all answered");
    let outcome = |id: String| async move {
        let p = store.import_preview("pvd", &id).await.expect("read").expect("kept");
        (p.outcome, p.closed_at.is_some(), p.by_name)
    };
    assert_eq!(outcome(again).await, (Some("applied".into()), true, "Camille manager@example.fr".into()));
    assert_eq!(outcome(other).await.0.as_deref(), Some("superseded"));
    assert_eq!(outcome(set_aside).await.0.as_deref(), Some("dismissed"));
    let after = store.load_programmes().await.expect("load");
    let now_pvd: Vec<_> = after.memberships.iter().filter(|m| m.programme == "pvd").collect();
    assert_eq!(now_pvd.len(), 1_646, "the leaving commune stays, as exited");
    let gone = now_pvd.iter().find(|m| m.territory == leaving.territory).expect("kept");
    assert_eq!((gone.status, gone.exited_on.as_deref()), (MembershipStatus::Exited, Some("2026-11-28")));
    let history = store.membership_history("pvd", &leaving.territory).await.expect("history");
    assert_eq!(history.len(), 2, "the active version and the exited one");
    assert!(history[0].valid_to.is_some() && history[1].valid_to.is_none());
    assert_eq!(history[0].membership.status, MembershipStatus::Active);
    let history = store.membership_history("pvd", &changed_ref).await.expect("history");
    assert_eq!(history.last().and_then(|v| v.membership.convention.as_deref()), Some("CONV-PVD-2024-001"));
    let events = store.audit_for("programme", "pvd").await.expect("audit");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].after.as_ref().expect("after")["removed"][0], leaving.territory.to_string());

    // Eligibility rule and an action with its version.
    let rule = Rule { population_max: Some(20_000), density_levels: vec![3, 4, 5], ..Rule::default() };
    assert_eq!(store.set_eligibility("pvd", &rule, "test").await.expect("rule"), 3);
    let action = Action {
        id: uuid::Uuid::now_v7().to_string(),
        programme: "pvd".into(),
        title: "Rénovation énergétique des écoles".into(),
        description: String::new(),
        transitions: vec![Transition::Ecological, Transition::Recovery],
        status: ActionStatus::Planned,
        owner: Some("Équipe PVD".into()),
        territory: None,
        version: 0,
    };
    let saved = store.save_action(&action, None, "test").await.expect("save").expect("new");
    assert_eq!(saved.version, 1);
    let moved = cohesion_core::programme::Action { status: ActionStatus::InProgress, ..saved.clone() };
    assert_eq!(store.save_action(&moved, Some(1), "test").await.expect("save").map(|a| a.version), Ok(2));
    assert_eq!(store.save_action(&moved, Some(1), "test").await.expect("save"), Err(Stale { current: 2 }));
    let data = store.load_programmes().await.expect("load");
    assert_eq!(data.rules.len(), 2, "the shipped rules (pvd, va)");
    assert_eq!(data.rules.iter().find(|(c, _)| c == "pvd").map(|(_, r)| r), Some(&rule), "pvd's rule replaced");
    assert_eq!(data.actions.len(), 1);
    assert_eq!((data.actions[0].status, data.actions[0].version), (ActionStatus::InProgress, 2));

    let mut extra = shipped.catalogue[0].clone();
    assert_eq!(store.create_programme(&extra, "test").await.expect("create"), None, "codes are unique");
    extra.code = "crte".into();
    extra.name = "Contrats pour la réussite de la transition écologique".into();
    assert!(store.create_programme(&extra, "test").await.expect("create").is_some());
    assert_eq!(store.load_programmes().await.expect("load").catalogue.len(), 17);
}

storage_test!(programme, |db: TestDb| async move { programme_story(&db.store).await });
