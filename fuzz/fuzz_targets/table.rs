//! An uploaded member list as the platform receives it: raw bytes, CSV (UTF-8, `,` or
//! `;`) or XLSX (told apart by the ZIP signature), read by `programme::table::read`.
#![no_main]

use cohesion_core::programme::table;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let_calamine_panics_unwind();
    if let Ok(records) = table::read("fuzz.csv", data) {
        // Line numbers are 1-based and never go backwards.
        let mut last = 0;
        for r in &records {
            assert!(r.line >= 1 && r.line >= last, "line {} after {last}", r.line);
            last = r.line;
        }
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
