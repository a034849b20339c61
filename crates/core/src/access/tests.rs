use super::*;
use crate::territory::{Parents, Territory};

pub(crate) fn referential() -> Referential {
    let com = |code: &str, name: &str, dep: &str, epci: &str| {
        let mut t = Territory::new(TerritoryKind::Commune, code, name);
        t.parents = Parents {
            epci: Some(epci.into()),
            departement: Some(dep.into()),
            region: Some("84".into()),
            ..Parents::default()
        };
        t.siren = Some(if code == "42218" { "214202186".into() } else { "210100012".into() });
        t
    };
    let dep = |code: &str| {
        let mut t = Territory::new(TerritoryKind::Departement, code, code);
        t.parents.region = Some("84".into());
        t
    };
    let mut epci = Territory::new(TerritoryKind::Epci, "244200770", "Saint-Étienne Métropole");
    epci.parents = Parents { departement: Some("42".into()), region: Some("84".into()), ..Parents::default() };
    epci.departements = vec!["42".into(), "43".into()];
    epci.siren = Some("244200770".into());
    Referential::new(
        "test",
        vec![
            Territory::new(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes"),
            dep("42"),
            dep("43"),
            dep("01"),
            epci,
            com("42218", "Saint-Étienne", "42", "244200770"),
            com("01001", "L'Abergement-Clémenciat", "01", "244200770"),
        ],
    )
    .expect("consistent")
}

fn tref(s: &str) -> TerritoryRef {
    s.parse().expect("ref")
}

#[test]
fn delegate_covers_its_departement_its_communes_and_epci_reaching_into_it() {
    let r = referential();
    let p = Principal { person: Uuid::nil(), roles: vec![Role::Delegate { departement: "42".into() }] };
    assert!(p.covers(&r, &tref("departement:42")));
    assert!(p.covers(&r, &tref("commune:42218")));
    assert!(p.covers(&r, &tref("epci:244200770")));
    assert!(!p.covers(&r, &tref("commune:01001")));
    assert!(!p.covers(&r, &tref("departement:01")));
    assert!(!p.covers(&r, &tref("region:84")));
    let p43 = Principal { person: Uuid::nil(), roles: vec![Role::Delegate { departement: "43".into() }] };
    assert!(p43.covers(&r, &tref("epci:244200770")), "the EPCI spans 42 and 43");
    assert!(!p43.covers(&r, &tref("commune:42218")));
}

#[test]
fn local_covers_its_territory_and_what_lies_inside() {
    let r = referential();
    let org = Uuid::now_v7();
    let epci = Principal {
        person: Uuid::nil(),
        roles: vec![Role::Local { organisation: org, territory: tref("epci:244200770") }],
    };
    assert!(epci.covers(&r, &tref("epci:244200770")));
    assert!(epci.covers(&r, &tref("commune:42218")));
    assert!(!epci.covers(&r, &tref("departement:42")));
    let commune = Principal {
        person: Uuid::nil(),
        roles: vec![Role::Local { organisation: org, territory: tref("commune:42218") }],
    };
    assert!(!commune.covers(&r, &tref("epci:244200770")));
    assert!(commune.acts_for(org) && !commune.acts_for(Uuid::now_v7()));
}

#[test]
fn programme_managers_and_partners_have_no_territory() {
    let r = referential();
    let p = Principal {
        person: Uuid::nil(),
        roles: vec![Role::ProgrammeManager { programme: "pvd".into() }, Role::Partner { organisation: Uuid::now_v7() }],
    };
    assert!(!p.covers(&r, &tref("commune:42218")));
    assert!(p.manages_programme("pvd") && !p.manages_programme("acv") && !p.is_admin());
    let admin = Principal { person: Uuid::nil(), roles: vec![Role::Admin] };
    assert!(admin.covers(&r, &tref("commune:01001")) && admin.manages_programme("acv"));
}

#[test]
fn roles_serialise_with_their_scope() {
    let role = Role::Delegate { departement: "42".into() };
    assert_eq!(
        serde_json::to_value(&role).expect("json"),
        serde_json::json!({"role": "delegate", "departement": "42"})
    );
    assert_eq!((role.name(), role.scope().as_str()), ("delegate", "42"));
    assert_eq!(Role::Admin.scope(), "");
}
