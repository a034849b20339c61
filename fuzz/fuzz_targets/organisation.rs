//! An organisation's body (`POST/PUT /api/v1/organisations`): JSON through serde into
//! `OrganisationInput`, then `validate` against the shipped referential; the raw text
//! also goes through the SIRET/SIREN checks and the territory reference parser (a past
//! panic was an unchecked `s[..9]`).
#![no_main]

use std::sync::LazyLock;

use cohesion_core::access::organisation::{OrganisationInput, OrganisationKind, is_valid_siret};
use cohesion_core::territory::{Referential, TerritoryRef, compact, is_valid_siren};
use libfuzzer_sys::fuzz_target;

static REFERENTIAL: LazyLock<Referential> =
    LazyLock::new(|| compact::read("territories.tsv", compact::SHIPPED).expect("the shipped referential reads"));

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<OrganisationInput>(data) {
        let _ = input.validate(&REFERENTIAL, uuid::Uuid::nil(), 1);
    }
    let text = String::from_utf8_lossy(data);
    let _ = (is_valid_siret(&text), is_valid_siren(&text), OrganisationKind::parse(&text));
    if let Some((kind, code)) = text.split_once(':') {
        let _ = TerritoryRef::parse(kind, code);
    }
});
