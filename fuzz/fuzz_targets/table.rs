//! An uploaded member list as the platform receives it: raw bytes, CSV (UTF-8, `,` or
//! `;`) or XLSX (told apart by the ZIP signature), read by `programme::table::read`.
#![no_main]

use cohesion_core::programme::table;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(records) = table::read("fuzz.csv", data) {
        // Line numbers are 1-based and never go backwards.
        let mut last = 0;
        for r in &records {
            assert!(r.line >= 1 && r.line >= last, "line {} after {last}", r.line);
            last = r.line;
        }
    }
});
