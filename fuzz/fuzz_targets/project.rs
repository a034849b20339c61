//! A project's body (`POST/PUT /api/v1/projects`): JSON through serde into
//! `ProjectInput`, then `project::validate` against the shipped referential, the
//! indicator check and the change rules; the raw text also goes through the amount,
//! date and SIREN/SIRET parsers the forms use.
#![no_main]

use std::sync::LazyLock;

use cohesion_core::project::money::{format_euros, parse_euros, parse_euros_rounding};
use cohesion_core::project::rules::{is_date, is_siren_or_siret};
use cohesion_core::project::{ProjectInput, unknown_indicators, validate, validate_change};
use cohesion_core::territory::{Referential, compact};
use libfuzzer_sys::fuzz_target;

static REFERENTIAL: LazyLock<Referential> =
    LazyLock::new(|| compact::read("territories.tsv", compact::SHIPPED).expect("the shipped referential reads"));

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<ProjectInput>(data) {
        let _ = validate(&input, |t| REFERENTIAL.get_ref(t).is_some());
        let _ = unknown_indicators(&input);
        let _ = validate_change(&input, &input);
        let _ = serde_json::to_string(&input);
    }
    let text = String::from_utf8_lossy(data);
    if let Ok(cents) = parse_euros(&text) {
        // What is read is written back as a readable amount.
        let _ = format_euros(cents);
    }
    let _ = (parse_euros_rounding(&text), is_date(&text), is_siren_or_siret(&text));
});
