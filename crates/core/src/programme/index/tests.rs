use super::*;
use crate::programme::{MembershipStatus, ProgrammeStatus, compact};
use crate::territory::{Parents, TerritoryRef};

/// Région 84, départements 42 and 43, one EPCI (with a centroid) holding two
/// communes of the Loire, one commune of the Haute-Loire.
pub(crate) fn referential() -> Referential {
    let t = |kind, code: &str, name: &str, pop: u64, parents: Parents| {
        let mut t = Territory::new(kind, code, name);
        t.population = Some(pop);
        t.parents = parents;
        t
    };
    let p = |epci: Option<&str>, dep: &str| Parents {
        commune: None,
        epci: epci.map(str::to_owned),
        departement: Some(dep.into()),
        region: Some("84".into()),
    };
    let mut epci = t(TerritoryKind::Epci, "244200770", "Saint-Étienne Métropole", 400_000, p(None, "42"));
    epci.departements = vec!["42".into()];
    epci.centroid = Some(Centroid { lon: 4.39, lat: 45.43 });
    let mut se = t(TerritoryKind::Commune, "42218", "Saint-Étienne", 173_000, p(Some("244200770"), "42"));
    se.typology.density_level = Some(1);
    se.siren = Some("214202186".into());
    let mut fi = t(TerritoryKind::Commune, "42095", "Firminy", 17_000, p(Some("244200770"), "42"));
    fi.typology.density_level = Some(2);
    let mut puy = t(TerritoryKind::Commune, "43157", "Le Puy-en-Velay", 19_000, p(None, "43"));
    puy.typology.density_level = Some(4);
    Referential::new(
        "COG test",
        vec![
            t(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes", 209_000, Parents::default()),
            t(
                TerritoryKind::Departement,
                "42",
                "Loire",
                190_000,
                Parents { region: Some("84".into()), ..Parents::default() },
            ),
            t(
                TerritoryKind::Departement,
                "43",
                "Haute-Loire",
                19_000,
                Parents { region: Some("84".into()), ..Parents::default() },
            ),
            epci,
            se,
            fi,
            puy,
        ],
    )
    .expect("consistent")
}

pub(crate) fn programme(code: &str) -> Programme {
    Programme {
        code: code.into(),
        acronym: code.to_uppercase(),
        name: format!("Programme {code}"),
        description: String::new(),
        domains: Vec::new(),
        owner: None,
        started_on: None,
        ended_on: None,
        status: ProgrammeStatus::Active,
        source: String::new(),
    }
}

pub(crate) fn member(programme: &str, kind: TerritoryKind, code: &str, status: MembershipStatus) -> Membership {
    Membership {
        programme: programme.into(),
        territory: TerritoryRef { kind, code: code.into() },
        group_id: None,
        group_name: None,
        status,
        signed_on: Some("2021-05-28".into()),
        labelled_on: None,
        exited_on: (status == MembershipStatus::Exited).then(|| "2024-01-31".into()),
        convention: None,
    }
}

fn place(id: &str, commune: &str, lat: f64, lon: f64) -> Place {
    Place {
        id: id.into(),
        name: format!("France services {id}"),
        address: "1 place de la Mairie".into(),
        address_complement: None,
        postcode: "42000".into(),
        commune: commune.into(),
        lat,
        lon,
        hours: Default::default(),
        place_type: "Principal".into(),
        format: "Fixe".into(),
        labelled_on: Some("2020-01-01".into()),
        phone: None,
        email: None,
    }
}

pub(crate) fn index() -> (Referential, ProgrammeIndex) {
    let r = referential();
    let data = ProgrammeData {
        catalogue: vec![programme("pvd"), programme("ti"), programme("fs"), programme("acv")],
        memberships: vec![
            member("pvd", TerritoryKind::Commune, "43157", MembershipStatus::Active),
            member("pvd", TerritoryKind::Commune, "42095", MembershipStatus::Exited),
            member("ti", TerritoryKind::Epci, "244200770", MembershipStatus::Active),
            member("fs", TerritoryKind::Commune, "43157", MembershipStatus::Labelled),
            member("acv", TerritoryKind::Commune, "42218", MembershipStatus::Active),
            member("acv", TerritoryKind::Commune, "99999", MembershipStatus::Active),
        ],
        places: vec![place("1", "43157", 45.04, 3.88), place("2", "43157", 45.05, 3.89)],
        rules: vec![("pvd".into(), Rule { population_max: Some(20_000), ..Rule::default() })],
        actions: Vec::new(),
    };
    let index = ProgrammeIndex::new(&r, data);
    (r, index)
}

fn at(r: &Referential, kind: TerritoryKind, code: &str) -> u32 {
    r.index_of(kind, code).expect("known")
}

#[test]
fn coverage_counts_epci_communes_and_not_exited_members() {
    let (r, ix) = index();
    let codes = |v: Vec<u32>| v.into_iter().map(|i| r.at(i).code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(ix.covered_communes("ti")), ["42095", "42218"]);
    assert_eq!(codes(ix.covered_communes("pvd")), ["43157"], "an exited member covers nothing");
    assert!(ix.covers("fs", at(&r, TerritoryKind::Commune, "43157")));
    assert_eq!(ix.unresolved(), 1, "a member unknown to the referential is counted, not dropped");
    assert_eq!(ix.members("pvd").count(), 2, "exited members stay listed");
}

#[test]
fn a_commune_sees_its_own_and_its_epci_programmes() {
    let (r, ix) = index();
    let se = at(&r, TerritoryKind::Commune, "42218");
    let got: Vec<(&str, Option<&str>)> = ix
        .involvements(&r, se)
        .iter()
        .map(|i| (i.membership.programme.as_str(), i.via.map(|t| t.code.as_str())))
        .collect();
    assert_eq!(got, [("acv", None), ("ti", Some("244200770"))]);
    let fi = at(&r, TerritoryKind::Commune, "42095");
    let exited: Vec<_> = ix.involvements(&r, fi).into_iter().filter(|i| !i.membership.is_current()).collect();
    assert_eq!(exited.len(), 1, "a territory that left a programme still shows it, with its exit");
    assert_eq!(exited[0].membership.exited_on.as_deref(), Some("2024-01-31"));
}

#[test]
fn places_in_and_nearest() {
    let (r, ix) = index();
    let puy = at(&r, TerritoryKind::Commune, "43157");
    assert_eq!(ix.places_in(&r, puy).len(), 2);
    assert_eq!(ix.places_in(&r, at(&r, TerritoryKind::Departement, "43")).len(), 2);
    let se = at(&r, TerritoryKind::Commune, "42218");
    assert!(ix.places_in(&r, se).is_empty());
    let (from, approx) = ix.location(&r, se).expect("EPCI centroid");
    assert!(approx);
    let near = ix.nearest_places(from, 1);
    assert_eq!(near.len(), 1);
    // Saint-Étienne to Le Puy-en-Velay: about 60 km as the crow flies.
    assert!((50.0..75.0).contains(&near[0].1), "{}", near[0].1);
    assert!((distance_km(from, from)).abs() < 1e-9);
}

#[test]
fn aggregates_dashboard_and_overlap() {
    let (r, ix) = index();
    let loire = at(&r, TerritoryKind::Departement, "42");
    let agg = ix.aggregates(&r, loire);
    let ti = agg.iter().find(|s| s.code == "ti").expect("ti in the Loire");
    assert_eq!((ti.members, ti.communes, ti.population), (1, 2, 190_000));
    assert!(agg.iter().all(|s| s.code != "fs"));
    let d = ix.dashboard("ti").expect("known");
    assert_eq!(ix.compute_dashboard(&r, "ti").as_ref(), Some(d));
    assert_eq!((d.members, d.communes, d.population), (1, 2, 190_000));
    assert_eq!(d.by_departement.len(), 1);
    assert_eq!(d.by_density[0], (1, 173_000));
    let pvd = ix.dashboard("pvd").expect("known");
    assert_eq!((pvd.members, pvd.exited), (1, 1));
    let o = ix.overlap();
    let (a, b) = (o.codes.iter().position(|c| c == "acv"), o.codes.iter().position(|c| c == "ti"));
    let (a, b) = (a.expect("acv"), b.expect("ti"));
    assert_eq!(o.communes[a][b], 1, "Saint-Étienne is in ACV and in a Territoire d'industrie");
    assert_eq!(o.communes[b][b], 2);
    assert_eq!(ix.compute_overlap(), *o);
}

#[test]
fn eligibility_is_compared_with_members() {
    let (r, ix) = index();
    let rep = ix.eligibility(&r, "pvd", None).expect("pvd has a rule");
    let codes = |v: &[u32]| v.iter().map(|&i| r.at(i).code.clone()).collect::<Vec<_>>();
    assert_eq!(codes(&rep.eligible), ["42095", "43157"]);
    assert_eq!(codes(&rep.eligible_not_member), ["42095"]);
    assert!(rep.member_not_eligible.is_empty());
    assert!(ix.eligibility(&r, "ti", None).is_none(), "no rule, no report");
    assert_eq!(ix.eligibility_report("pvd"), Some(&rep), "the report is computed once at build");
    let epci = at(&r, TerritoryKind::Epci, "244200770");
    let computed = ix.aggregates(&r, epci);
    assert_eq!(computed.iter().find(|s| s.code == "ti").map(|s| s.communes), Some(2), "computed for an EPCI");
}

#[test]
fn the_shipped_lists_resolve_against_the_shipped_referential() {
    let r = crate::territory::compact::read("territories.tsv", crate::territory::compact::SHIPPED).expect("valid");
    let data = compact::shipped().expect("the shipped programme files are valid");
    assert_eq!(data.catalogue.len(), 16);
    assert_eq!(data.places.len(), 2_845);
    let ix = ProgrammeIndex::new(&r, data);
    assert_eq!(ix.unresolved(), 0, "every shipped membership names a current territory");
    assert_eq!(ix.members("pvd").count(), 1_645);
    assert_eq!(ix.members("acv").count(), 245);
    assert_eq!(ix.members("ti").count(), 638);
    let groups: std::collections::HashSet<_> = ix.members("ti").filter_map(|(m, _)| m.group_id.clone()).collect();
    // 183 territories upstream; two are made only of EPT of the Métropole du Grand Paris,
    // which the referential does not hold (listed in data/programmes/codes.tsv).
    assert_eq!(groups.len(), 181);
    let paris = r.index_of(TerritoryKind::Commune, "75056").expect("Paris");
    assert!(ix.places_in(&r, paris).len() >= 10, "places in arrondissements count for Paris");
}
