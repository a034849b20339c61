//! A programme's member file as uploaded (`app::programme` import): bytes through
//! `programme::table::read`, then `membership_import::read_rows` against the shipped
//! referential, then the diff with an empty current list.
#![no_main]

use std::sync::LazyLock;

use cohesion_core::programme::membership_import::{diff, read_rows};
use cohesion_core::programme::table;
use cohesion_core::territory::{Referential, compact};
use libfuzzer_sys::fuzz_target;

static REFERENTIAL: LazyLock<Referential> =
    LazyLock::new(|| compact::read("territories.tsv", compact::SHIPPED).expect("the shipped referential reads"));

fuzz_target!(|data: &[u8]| {
    let_calamine_panics_unwind();
    let Ok(records) = table::read("members.csv", data) else { return };
    if let Ok(members) = read_rows("members.csv", "acv", &records, &REFERENTIAL) {
        let d = diff([], members);
        let _ = (d.is_noop(), d.is_mass_removal(), d.current_before());
    }
});

/// libfuzzer-sys aborts on every panic, even one caught: let the panics raised inside
/// calamine unwind to `table::read`, which turns them into a file fault (a panic that
/// escapes it still aborts in libfuzzer-sys's own catch); every other panic aborts.
fn let_calamine_panics_unwind() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let fuzzer_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.location().is_some_and(|l| l.file().contains("/calamine-")) {
                fuzzer_hook(info);
            }
        }));
    });
}
