use super::*;
use crate::programme::csv::parse;
use crate::programme::index::tests::{member, referential};

fn read(text: &str) -> Result<Vec<Membership>, Faults> {
    let r = referential();
    read_rows("liste.csv", "pvd", &parse(text).expect("csv"), &r)
}

#[test]
fn every_faulty_line_is_reported_with_its_number() {
    let text = "code;statut;date_signature;date_sortie\n\
                42218;actif;28/05/2021;\n\
                99999;actif;;\n\
                43157;peut-être;;\n\
                42095;sorti;2021-13-01;\n\
                42095;sorti;;\n\
                42218;actif;;\n";
    let faults = read(text).expect_err("faulty").0;
    let lines: Vec<(usize, Option<&str>)> = faults.iter().map(|f| (f.line, f.field.as_deref())).collect();
    assert_eq!(
        lines,
        [(3, Some("code")), (4, Some("status")), (5, Some("signed_on")), (6, Some("exited_on")), (7, Some("code"))]
    );
    assert!(faults[0].message().contains("unknown commune `99999`"), "{}", faults[0].message());
}

#[test]
fn codes_resolve_by_insee_code_siren_and_kind() {
    let text = "code,kind,group_id\n42218,,g1\n214202186,,g2\n244200770,,\n43,departement,\n";
    let got = read(text).expect("valid");
    let refs: Vec<String> = got.iter().map(|m| m.territory.to_string()).collect();
    assert_eq!(refs, ["commune:42218", "commune:42218", "epci:244200770", "departement:43"]);
    assert_eq!(got[0].status, MembershipStatus::Active);
    assert!(read("nom\nx\n").is_err(), "no code column");
}

#[test]
fn the_diff_names_added_removed_and_changed() {
    let current = vec![
        member("pvd", TerritoryKind::Commune, "42218", MembershipStatus::Active),
        member("pvd", TerritoryKind::Commune, "42095", MembershipStatus::Active),
        member("pvd", TerritoryKind::Commune, "43157", MembershipStatus::Exited),
    ];
    let mut changed = current[0].clone();
    changed.convention = Some("CONV-2021-7".into());
    let added = member("pvd", TerritoryKind::Epci, "244200770", MembershipStatus::Candidate);
    let d = diff(&current, vec![changed.clone(), added.clone()]);
    assert_eq!(d.added, [added]);
    assert_eq!(d.removed, [current[1].clone()]);
    assert_eq!(d.changed, [(current[0].clone(), changed.clone())]);
    assert_eq!(d.unchanged, 1, "an exited member absent from the file stays as history");
    let gone = exited(&d.removed[0], "2026-11-28");
    assert_eq!((gone.status, gone.exited_on.as_deref()), (MembershipStatus::Exited, Some("2026-11-28")));
    assert!(diff(&current, current.clone()).is_noop());
}
