//! An XLSX list read through `programme::table` and checked like a CSV one: row
//! numbers as in the spreadsheet, codes typed as numbers, date serials.
//! The fixture (`tests/fixtures/liste.xlsx`) is a minimal workbook written by hand.

use cohesion_core::programme::membership_import::read_rows;
use cohesion_core::programme::table;
use cohesion_core::territory::{Parents, Referential, Territory, TerritoryKind};

fn referential() -> Referential {
    let commune = |code: &str, dep: &str| {
        let mut t = Territory::new(TerritoryKind::Commune, code, code);
        t.parents = Parents { departement: Some(dep.into()), region: Some("84".into()), ..Parents::default() };
        t
    };
    let dep = |code: &str| {
        let mut t = Territory::new(TerritoryKind::Departement, code, code);
        t.parents.region = Some("84".into());
        t
    };
    let region = Territory::new(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes");
    Referential::new(
        "test",
        vec![region, dep("42"), dep("43"), commune("42218", "42"), commune("43157", "43"), commune("42100", "42")],
    )
    .expect("consistent")
}

#[test]
fn an_xlsx_list_is_read_and_checked_with_its_row_numbers() {
    let bytes = include_bytes!("../fixtures/liste.xlsx");
    let records = table::read("liste.xlsx", bytes).expect("readable workbook");
    assert_eq!(records.len(), 4);
    assert_eq!(records[1].cells, ["42218", "actif", "2021-05-28"], "date serial read as a date");
    assert_eq!(records[3].cells[0], "42100", "a code typed as a number keeps its digits");
    let faults = read_rows("liste.xlsx", "pvd", &records, &referential()).expect_err("row 4 is faulty").0;
    assert_eq!(faults.len(), 1);
    assert_eq!((faults[0].line, faults[0].field.as_deref()), (4, Some("exited_on")));
    let ok = read_rows("liste.xlsx", "pvd", &records[..3], &referential()).expect("rows 1 to 3 are valid");
    assert_eq!(ok[0].signed_on.as_deref(), Some("2021-05-28"));
}

#[test]
fn a_cell_far_away_is_refused_before_any_grid_is_built() {
    // The fixture is `liste.xlsx` plus one cell at XFD2000 (column 16,384, row 2,000):
    // read as a dense grid it took 1 GB for a 2 KB file.
    let bytes = include_bytes!("../fixtures/far-cell.xlsx");
    let faults = table::read("far-cell.xlsx", bytes).expect_err("refused").0;
    assert_eq!(faults.len(), 1);
    assert_eq!(faults[0].line, 2000);
    assert!(faults[0].message().contains("column 16384"), "{}", faults[0].message());
}

#[test]
fn an_overlong_cell_reference_is_a_fault_not_a_panic() {
    // Found by `cargo fuzz` (target `table`): the fixture is `liste.xlsx` with the cell
    // B4 renamed `AAAAAAAA4`; calamine 0.38's column arithmetic overflows on it (a panic
    // where overflow checks are on, as in this test; a wrapped column far to the right
    // in release builds). Either way the list is refused with a file fault.
    let bytes = include_bytes!("../fixtures/overlong-ref.xlsx");
    let faults = table::read("overlong-ref.xlsx", bytes).expect_err("refused").0;
    assert_eq!(faults.len(), 1);
    let message = faults[0].message();
    assert!(message.contains("unreadable XLSX") || message.contains("column"), "{message}");
}
