//! The territory referential on both backends: imports counted and audited,
//! retirements, the snapshot and the rows read back equal to what was written, and
//! the whole shipped country round-tripping.

use cohesion_core::territory::{Parents, Referential, Territory, TerritoryKind, compact};
use cohesion_store::Store;
use cohesion_store::testing::{TestDb, storage_test};

fn territory(kind: TerritoryKind, code: &str, name: &str, parents: Parents) -> Territory {
    let mut t = Territory::new(kind, code, name);
    t.parents = parents;
    t.population = Some(1_000);
    t
}

fn small(vintage: &str) -> Referential {
    let dep = Parents { region: Some("84".into()), ..Parents::default() };
    let com = Parents { departement: Some("42".into()), region: Some("84".into()), ..Parents::default() };
    let mut se = territory(TerritoryKind::Commune, "42218", "Saint-Étienne", com.clone());
    se.postcodes = vec!["42000".into(), "42100".into()];
    se.typology.density_level = Some(1);
    se.typology.rurality = Some("Hors champ : DOM ou commune urbaine".into());
    se.centroid = Some(cohesion_core::territory::Centroid { lon: 4.39, lat: 45.43 });
    Referential::new(
        vintage,
        vec![
            territory(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes", Parents::default()),
            territory(TerritoryKind::Departement, "42", "Loire", dep),
            se,
            territory(TerritoryKind::Commune, "42100", "Boën-sur-Lignon", com),
        ],
    )
    .expect("consistent")
}

async fn referential_story(store: &Store) {
    assert_eq!(store.referential_state().await.expect("state"), None);
    assert!(store.load_referential().await.expect("load").is_none());

    let first = small("COG 2026");
    let change = store.replace_referential(&first, "test").await.expect("first import");
    assert_eq!((change.added, change.changed, change.retired, change.revision), (4, 0, 0, 1));
    let loaded = store.load_referential().await.expect("load").expect("present");
    assert_eq!(loaded.all(), first.all(), "what is read back equals what was written");
    let rows = store.load_referential_rows().await.expect("rows").expect("present");
    assert_eq!(rows.all(), first.all(), "rows and snapshot agree");
    assert_eq!(loaded.vintage(), "COG 2026");

    let again = store.replace_referential(&first, "test").await.expect("same import");
    assert!(again.is_noop());
    assert_eq!(again.revision, 1, "an idempotent import leaves the revision alone");

    // A later vintage: one commune renamed, one gone.
    let mut next: Vec<Territory> = first.all().to_vec();
    next.retain(|t| t.code != "42100");
    if let Some(t) = next.iter_mut().find(|t| t.code == "42218") {
        t.name = "Saint-Étienne (renommée)".into();
    }
    let next = Referential::new("COG 2027", next).expect("consistent");
    let change = store.replace_referential(&next, "test").await.expect("second import");
    assert_eq!((change.added, change.changed, change.retired, change.unchanged), (0, 1, 1, 2));
    assert_eq!(store.referential_state().await.expect("state"), Some(("COG 2027".into(), 2)));
    let loaded = store.load_referential().await.expect("load").expect("present");
    assert!(loaded.get(TerritoryKind::Commune, "42100").is_none(), "retired territories are not current");
    let rows = store.load_referential_rows().await.expect("rows").expect("present");
    assert_eq!(rows.all(), loaded.all(), "rows and snapshot agree after a retirement");
    assert_eq!(loaded.len(), 3);

    // It comes back (e.g. a merger undone): un-retired, counted as changed.
    let change = store.replace_referential(&first, "test").await.expect("third import");
    assert_eq!((change.added, change.changed, change.retired), (0, 2, 0));

    let events = store.audit_for("referential", "territories").await.expect("audit");
    assert_eq!(events.len(), 3, "one audit event per import that changed something");
    assert!(events.iter().all(|e| e.actor == "test" && e.action == "import"));
    let after = events[1].after.as_ref().expect("after");
    assert_eq!(after["retired_codes"][0], "commune:42100");
    assert_eq!(events[1].before.as_ref().expect("before")["vintage"], "COG 2026");
}

async fn shipped_story(store: &Store) {
    let shipped = compact::read("territories.tsv", compact::SHIPPED).expect("valid");
    let change = store.replace_referential(&shipped, "test").await.expect("seed");
    assert_eq!(change.added, 36_404);
    let loaded = store.load_referential().await.expect("load").expect("present");
    assert_eq!(loaded.count(TerritoryKind::Commune), 34_969);
    assert_eq!(loaded.all(), shipped.all(), "the whole country round-trips exactly");
    let rows = store.load_referential_rows().await.expect("rows").expect("present");
    assert_eq!(rows.all(), shipped.all(), "the rows and the snapshot hold the same referential");

    // A truncated file (4 territories) would retire the rest of the country: refused
    // under a 1 % limit, nothing written; allowed when the limit is lifted.
    let truncated = small("COG 2027");
    let refused = store.replace_referential_limited(&truncated, "test", 1).await.expect("counted");
    assert!(refused.refused, "{refused:?}");
    assert_eq!((refused.retired, refused.before), (36_400, 36_404));
    assert_eq!(store.referential_state().await.expect("state"), Some(("COG 2026".into(), 1)));
    assert_eq!(store.load_referential().await.expect("load").expect("present").len(), 36_404, "nothing retired");
    assert_eq!(store.audit_for("referential", "territories").await.expect("audit").len(), 1, "no event");
    let allowed = store.replace_referential_limited(&truncated, "test", 100).await.expect("allowed");
    assert!(!allowed.refused && allowed.retired == 36_400, "{allowed:?}");
}

storage_test!(referential, |db: TestDb| async move { referential_story(&db.store).await });

storage_test!(shipped, |db: TestDb| async move { shipped_story(&db.store).await });
