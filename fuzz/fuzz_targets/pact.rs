//! A pact's text (`POST /api/v1/pacts`, the body of `PUT`) and a proposal's body:
//! JSON through serde into `PactContent` then `pact::validate` (and a diff with itself),
//! into `ProposalInput` then the text and project checks; the raw text also goes
//! through `cocon::check_text` and `is_thread` (comments, decisions).
#![no_main]

use std::sync::LazyLock;

use cohesion_core::pact::cocon::{check_text, is_thread};
use cohesion_core::pact::{PactContent, ProposalChange, ProposalInput, Side, diff, validate};
use cohesion_core::territory::{Referential, compact};
use libfuzzer_sys::fuzz_target;

static REFERENTIAL: LazyLock<Referential> =
    LazyLock::new(|| compact::read("territories.tsv", compact::SHIPPED).expect("the shipped referential reads"));

fuzz_target!(|data: &[u8]| {
    let known = |t: &_| REFERENTIAL.get_ref(t).is_some();
    if let Ok(content) = serde_json::from_slice::<PactContent>(data) {
        let _ = validate(&content, known, |id| id.len() % 2 == 0);
        let side = Side { number: 1, content: &content, projects: &[] };
        let _ = diff(&side, &side);
    }
    if let Ok(proposal) = serde_json::from_slice::<ProposalInput>(data) {
        let _ = check_text("message", &proposal.message, false, 5_000);
        let _ = (proposal.change.kind(), proposal.change.label(), proposal.change.project_id());
        if let ProposalChange::NewProject { project } | ProposalChange::ChangeProject { project, .. } = &proposal.change
        {
            let _ = cohesion_core::project::validate(project, known);
        }
    }
    let text = String::from_utf8_lossy(data);
    let _ = (check_text("body", &text, true, 5_000), is_thread(&text));
});
