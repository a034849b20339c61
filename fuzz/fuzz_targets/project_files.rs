//! The project file import (`cohesion projects import`, the DETR/DSIL dotations CSV):
//! bytes through `import::utf8` as the command reads them, `dotations::read` with a
//! resolver over the shipped referential (merged communes included), then each row's
//! project through `project::validate`; the bare record readers too.
#![no_main]

use std::sync::LazyLock;

use cohesion_core::import::utf8;
use cohesion_core::project::dotations::{self, Resolution};
use cohesion_core::project::{csv, validate};
use cohesion_core::territory::{Referential, TerritoryKind, TerritoryRef, compact};
use libfuzzer_sys::fuzz_target;

static REFERENTIAL: LazyLock<Referential> =
    LazyLock::new(|| compact::read("territories.tsv", compact::SHIPPED).expect("the shipped referential reads"));

/// As `cohesion projects import` resolves: the commune `01001` stands for a merged one.
fn resolve(t: &TerritoryRef) -> Resolution {
    match REFERENTIAL.get_ref(t) {
        Some(found) => Resolution::Current(found.siren.clone()),
        None if t.kind == TerritoryKind::Commune && t.code.starts_with("99") => Resolution::Merged(
            TerritoryRef { kind: TerritoryKind::Commune, code: "01001".into() },
            REFERENTIAL.get(TerritoryKind::Commune, "01001").and_then(|c| c.siren.clone()),
        ),
        None => Resolution::Unknown,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = utf8("projects.csv", data.to_vec()) else { return };
    if let Ok((rows, _notes)) = dotations::read("projects.csv", &text, resolve) {
        for row in &rows {
            let _ = validate(&row.input, |t| REFERENTIAL.get_ref(t).is_some());
        }
    }
    let _ = dotations::raw_records(&text);
    let _ = csv::records(&text);
});
