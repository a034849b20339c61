//! The referential inputs: the first byte picks the reader, the rest is the text
//! (lossy UTF-8; the commands read UTF-8). The compact forms (`territory::compact::read`
//! of the referential snapshot, the programme catalogue, members, places and rules) and
//! the upstream files of `cohesion data compile` / `import territories`: the territory
//! JSON and GeoJSON and the typology CSV (`territory::upstream`, several files split
//! on NUL, then `build`), the programmes' upstream lists (`programme::upstream`).
#![no_main]

use std::collections::HashMap;
use std::sync::LazyLock;

use cohesion_core::programme::{compact as programmes, upstream as lists};
use cohesion_core::territory::upstream::Upstream;
use cohesion_core::territory::{Referential, compact};
use libfuzzer_sys::fuzz_target;

static REFERENTIAL: LazyLock<Referential> =
    LazyLock::new(|| compact::read("territories.tsv", compact::SHIPPED).expect("the shipped referential reads"));
static RESOLVER: LazyLock<lists::Resolver<'static>> =
    LazyLock::new(|| lists::Resolver::new(&REFERENTIAL, HashMap::from([("99999".into(), "01001".into())])));

const UPSTREAM_FILES: [&str; 6] =
    ["communes.json", "epci.json", "departements.json", "regions.json", "centroides.geojson", "grille_densite.csv"];
const PROGRAMMES: [&str; 4] = ["acv", "pvd", "fs", "ti"];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest);
    match pick % 10 {
        0 => {
            if let Ok(r) = compact::read("territories.tsv", &text) {
                // What is read writes back to a text that reads the same.
                let again = compact::read("again.tsv", &compact::write(&r)).expect("a written referential reads");
                assert_eq!(again.len(), r.len());
            }
        }
        1 => {
            let _ = programmes::read_catalogue("catalogue.tsv", &text);
            let _ = programmes::catalogue_upstreams("catalogue.tsv", &text);
        }
        2 => {
            if let Ok(members) = programmes::read_members("members/acv.tsv", "acv", &text) {
                let written = programmes::write_members("acv", &members);
                let again = programmes::read_members("again.tsv", "acv", &written).expect("written members read");
                assert_eq!(again.len(), members.len());
            }
        }
        3 => {
            let _ = programmes::read_places("fs_lieux.tsv", &text);
        }
        4 => {
            let _ = programmes::read_rules("eligibility.tsv", &text);
        }
        5 | 6 => {
            let mut upstream = Upstream::new();
            for (i, part) in text.split('\0').take(UPSTREAM_FILES.len()).enumerate() {
                let _ = upstream.add_file(UPSTREAM_FILES[(usize::from(pick >> 4) + i) % UPSTREAM_FILES.len()], part);
            }
            let base = (pick % 10 == 6).then_some(&*REFERENTIAL);
            let _ = upstream.build(base, Some("2025"));
        }
        7 => {
            let _ = lists::former_communes(&text);
        }
        8 => {
            let mut report = lists::Report::default();
            let _ = lists::read_places("liste-fs.csv", &text, &RESOLVER, &mut report);
        }
        _ => {
            let mut report = lists::Report::default();
            let programme = PROGRAMMES[usize::from(pick >> 4) % PROGRAMMES.len()];
            let _ = lists::read_list(programme, "liste.csv", &text, &RESOLVER, &[], &mut report);
        }
    }
});
