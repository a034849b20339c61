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

/// A file without a date column leaves every member's dates as they are; an empty
/// cell in a present column erases, and the diff counts it per field. (A 1,645-line
/// file without dates once erased every signature date of Petites villes de demain.)
#[test]
fn a_missing_column_keeps_the_values_and_an_empty_cell_erases_them() {
    let r = referential();
    let mut signed = member("pvd", TerritoryKind::Commune, "42218", MembershipStatus::Labelled);
    signed.signed_on = Some("2021-05-28".into());
    signed.convention = Some("CONV-7".into());
    let mut other = member("pvd", TerritoryKind::Commune, "42095", MembershipStatus::Exited);
    other.signed_on = Some("2020-01-15".into());
    other.exited_on = Some("2024-06-30".into());
    let current = vec![signed.clone(), other.clone()];
    let list = |text: &str| read_list("liste.csv", "pvd", &parse(text).expect("csv"), &r, &current);

    // Only codes: nothing changes, statuses and exit dates included.
    let same = list("code\n42218\n42095\n").expect("valid");
    assert_eq!(same, current);
    let d = diff(&current, same);
    assert!(d.is_noop() && d.erased.is_empty(), "{d:?}");

    // A present, empty signature column erases, and says so per field.
    let erased =
        list("code;date_signature;statut;date_sortie\n42218;;labellise;\n42095;;sorti;30/06/2024\n").expect("valid");
    let d = diff(&current, erased);
    assert_eq!(d.changed.len(), 2);
    assert_eq!(d.erased, [Erased { field: "signed_on", count: 2 }]);
    let se = d.changed.iter().find(|(b, _)| b.territory.code == "42218").expect("42218 changed");
    assert_eq!(se.1.convention.as_deref(), Some("CONV-7"), "the convention column is absent: kept");

    // A new member gets no value from an absent column, and the status `active`.
    let new = list("code\n43157\n").expect("valid");
    assert_eq!((new[0].status, new[0].signed_on.as_deref()), (MembershipStatus::Active, None));

    // Re-activated without an exit-date column: the old exit date goes with the status.
    let back = list("code;statut\n42095;actif\n").expect("valid");
    assert_eq!((back[0].status, back[0].exited_on.as_deref()), (MembershipStatus::Active, None));
    // Exited without a date anywhere: a fault, not an invented date.
    let faults = list("code;statut\n42218;sorti\n").expect_err("no exit date").0;
    assert_eq!(faults[0].field.as_deref(), Some("exited_on"));
}

#[test]
fn the_programme_export_columns_read_back() {
    let r = referential();
    let text = "programme,territory_kind,territory_code,territory_name,departement,region,population,group_id,\
                group_name,status,signed_on,labelled_on,exited_on,convention\n\
                pvd,commune,42218,Saint-Étienne,42,84,170000,,,active,2021-05-28,,,CONV-1\n\
                pvd,epci,244200770,,,,,,,labelled,,,,\n";
    let got = read_list("export.csv", "pvd", &parse(text).expect("csv"), &r, std::iter::empty()).expect("valid");
    let refs: Vec<String> = got.iter().map(|m| m.territory.to_string()).collect();
    assert_eq!(refs, ["commune:42218", "epci:244200770"]);
    assert_eq!((got[0].signed_on.as_deref(), got[0].convention.as_deref()), (Some("2021-05-28"), Some("CONV-1")));
    assert_eq!(got[1].status, MembershipStatus::Labelled);
    let other = "programme,territory_code\nacv,42218\n";
    let faults = read_list("export.csv", "pvd", &parse(other).expect("csv"), &r, std::iter::empty())
        .expect_err("another programme's line")
        .0;
    assert_eq!((faults[0].line, faults[0].field.as_deref()), (2, Some("programme")));
}
