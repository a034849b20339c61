//! A measurement (or objective) file (`cohesion indicators import`): the first byte
//! picks the kind of bare codes and the indicator (or none), the rest is the file's
//! text (UTF-8, as the command reads it) through `measure_file::csv_rows`, then
//! `parse_rows` against the shipped referential.
#![no_main]

use std::sync::LazyLock;

use cohesion_core::indicator::catalogue;
use cohesion_core::indicator::measure_file::{csv_rows, parse_rows};
use cohesion_core::territory::{Referential, TerritoryKind, compact};
use libfuzzer_sys::fuzz_target;

static REFERENTIAL: LazyLock<Referential> =
    LazyLock::new(|| compact::read("territories.tsv", compact::SHIPPED).expect("the shipped referential reads"));

const KINDS: [TerritoryKind; 4] =
    [TerritoryKind::Commune, TerritoryKind::Epci, TerritoryKind::Departement, TerritoryKind::Region];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kind = KINDS[usize::from(pick & 3)];
    let all = catalogue();
    let indicator = match usize::from(pick >> 2) {
        0 => None,
        n => all.get((n - 1) % all.len()),
    };
    let Ok((rows, sep)) = csv_rows("measures.csv", text) else { return };
    let _ = parse_rows("measures.csv", &rows, sep != ',', &REFERENTIAL, kind, indicator);
});
