// Amounts are written euros_cents (`40_000_00` is 40,000.00 €), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use uuid::Uuid;

use super::*;
use crate::access::{Principal, Role};
use crate::project::tests::{referential, sample};
use crate::project::{Financing, Project};

const NOW: &str = "2026-11-30T08:00:00Z";
const LATER: &str = "2026-12-01T08:00:00Z";
const COMMUNE_SIREN: &str = "214202186";

fn r(s: &str) -> crate::territory::TerritoryRef {
    s.parse().expect("valid ref")
}

fn content() -> PactContent {
    PactContent {
        kind: PactKind::Resilience,
        title: "Pacte de résilience de Saint-Étienne".into(),
        description: String::new(),
        perimeter: vec![r("commune:42218")],
        parties: vec![
            Party { kind: PartyKind::State, name: "Préfecture de la Loire".into(), siren: None },
            Party { kind: PartyKind::LocalAuthority, name: "Saint-Étienne".into(), siren: Some(COMMUNE_SIREN.into()) },
        ],
        owner: STATE_PARTY.into(),
        actions: vec!["p1".into()],
    }
}

fn project(id: &str, cost: i64, state: i64) -> ProjectSnapshot {
    let mut input = sample();
    input.total_cost_cents = Some(cost);
    input.financing =
        vec![Financing {
            financer: "État".into(), scheme: Some("DSIL".into()), amount_cents: state, convention: None
        }];
    ProjectSnapshot::of(&Project { id: id.into(), input, version: 1, created_at: NOW.into(), updated_at: NOW.into() })
}

fn signed_pact() -> Pact {
    let mut p = Pact::new("pact-1".into(), content(), NOW);
    p.step(Step::OpenCoConstruction, vec![], 0, NOW).expect("open");
    p.step(Step::SubmitForSignature, vec![project("p1", 100_000_00, 40_000_00)], 0, NOW).expect("submit");
    assert!(!p.sign(STATE_PARTY, Uuid::nil(), "Préfète", NOW).expect("state signs"));
    assert!(p.sign(COMMUNE_SIREN, Uuid::nil(), "Maire", NOW).expect("commune signs"));
    p
}

#[test]
fn a_pact_goes_from_draft_to_closed() {
    let mut p = Pact::new("pact-1".into(), content(), NOW);
    assert_eq!(p.status(), PactStatus::Draft);
    p.step(Step::OpenCoConstruction, vec![], 0, NOW).expect("open");
    assert_eq!(p.status(), PactStatus::CoConstruction);
    let err = p.step(Step::SubmitForSignature, vec![], 2, NOW).expect_err("open proposals");
    assert!(err.to_string().contains("2 propositions attendent"), "{err}");
    p.step(Step::SubmitForSignature, vec![project("p1", 100_000_00, 40_000_00)], 0, NOW).expect("submit");
    assert_eq!(p.status(), PactStatus::ReadyForSignature);
    assert!(p.edit(content(), NOW).is_err(), "a text under signature is frozen");
    assert!(!p.sign(STATE_PARTY, Uuid::nil(), "Préfète", NOW).expect("sign"));
    assert_eq!(p.sign(STATE_PARTY, Uuid::nil(), "Préfète", NOW), Err(LifecycleError::AlreadySigned("state".into())));
    assert_eq!(p.sign("123456782", Uuid::nil(), "X", NOW), Err(LifecycleError::UnknownParty("123456782".into())));
    assert_eq!(p.status(), PactStatus::ReadyForSignature, "one party of two signed");
    assert!(p.sign(COMMUNE_SIREN, Uuid::nil(), "Maire", LATER).expect("sign"));
    assert_eq!(p.status(), PactStatus::Signed);
    assert_eq!(p.current().signed_at.as_deref(), Some(LATER));
    assert!(p.edit(content(), NOW).is_err(), "a signed text never changes");
    assert!(p.step(Step::OpenCoConstruction, vec![], 0, NOW).is_err());
    p.step(Step::StartExecution, vec![], 0, NOW).expect("execute");
    assert_eq!(p.status(), PactStatus::InExecution);
    p.step(Step::Close, vec![], 0, NOW).expect("close");
    assert_eq!(p.status(), PactStatus::Closed);
    assert!(p.amend(NOW).is_err(), "a closed pact is not amended");
}

#[test]
fn reopening_withdraws_signatures_and_unfreezes() {
    let mut p = Pact::new("pact-1".into(), content(), NOW);
    p.step(Step::SubmitForSignature, vec![project("p1", 10, 5)], 0, NOW).expect("submit from draft");
    p.sign(STATE_PARTY, Uuid::nil(), "Préfète", NOW).expect("sign");
    p.step(Step::Reopen, vec![], 0, NOW).expect("reopen");
    assert_eq!(p.status(), PactStatus::CoConstruction);
    assert!(p.current().signatures.is_empty() && p.current().snapshots.is_empty());
    let before = p.revision;
    p.edit(content(), NOW).expect("editable again");
    assert_eq!(p.revision, before + 1);
}

#[test]
fn an_empty_text_is_not_put_to_signature() {
    let mut c = content();
    c.actions.clear();
    let mut p = Pact::new("pact-1".into(), c, NOW);
    assert!(p.step(Step::SubmitForSignature, vec![], 0, NOW).is_err());
}

#[test]
fn an_amendment_is_a_new_version_and_the_signed_one_stays() {
    let mut p = signed_pact();
    p.step(Step::StartExecution, vec![], 0, NOW).expect("execute");
    let signed = p.current().clone();
    assert_eq!(p.amend(LATER), Ok(2));
    assert!(p.amend(LATER).is_err(), "one amendment at a time");
    assert_eq!(p.status(), PactStatus::InExecution, "the signed text stays in force");
    let mut c = p.current().content.clone();
    c.actions.push("p2".into());
    p.edit(c, LATER).expect("the amendment is editable");
    assert_eq!(p.version(1), Some(&signed), "version 1 untouched");
    assert!(p.step(Step::Close, vec![], 0, LATER).is_err(), "not closed under an open amendment");
    p.step(Step::SubmitForSignature, vec![project("p1", 120_000_00, 40_000_00), project("p2", 50_000_00, 0)], 0, LATER)
        .expect("submit amendment");
    p.sign(COMMUNE_SIREN, Uuid::nil(), "Maire", LATER).expect("sign");
    assert!(p.sign(STATE_PARTY, Uuid::nil(), "Préfète", LATER).expect("sign"));
    assert_eq!(p.in_force().map(|v| v.number), Some(2));
    assert_eq!(p.version(1), Some(&signed), "version 1 still untouched");

    let d = diff(
        &Side { number: 1, content: &p.versions[0].content, projects: &p.versions[0].snapshots },
        &Side { number: 2, content: &p.versions[1].content, projects: &p.versions[1].snapshots },
    );
    assert_eq!(d.projects_added.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(), ["p2"]);
    assert!(d.projects_removed.is_empty());
    assert_eq!(d.projects_changed.len(), 1);
    assert_eq!(d.projects_changed[0].changes[0].field, "total_cost_cents");
    assert_eq!(d.projects_changed[0].changes[0].before, "100000.00");
    assert_eq!(d.money_before, Money { cost_cents: 100_000_00, financed_cents: 40_000_00 });
    assert_eq!(d.money_after, Money { cost_cents: 170_000_00, financed_cents: 40_000_00 });
    assert!(d.text.is_empty() && d.parties_added.is_empty());
}

#[test]
fn an_abandoned_amendment_leaves_the_signed_text() {
    let mut p = signed_pact();
    p.amend(LATER).expect("amend");
    assert_eq!(p.abandon_amendment(LATER), Ok(2));
    assert_eq!(p.versions.len(), 1);
    assert!(p.abandon_amendment(LATER).is_err(), "never the first version");
}

#[test]
fn a_diff_reports_text_parties_and_perimeter() {
    let a = content();
    let mut b = content();
    b.title = "Pacte de résilience de Saint-Étienne Métropole".into();
    b.perimeter.push(r("epci:244200770"));
    b.parties.push(Party {
        kind: PartyKind::Partner,
        name: "Banque des Territoires".into(),
        siren: Some("180020026".into()),
    });
    b.actions = vec![];
    let snaps = [project("p1", 10, 5)];
    let d = diff(&Side { number: 1, content: &a, projects: &snaps }, &Side { number: 2, content: &b, projects: &[] });
    assert_eq!(d.text.len(), 1);
    assert_eq!(d.perimeter_added, vec![r("epci:244200770")]);
    assert_eq!(d.parties_added.len(), 1);
    assert_eq!(d.projects_removed.len(), 1);
    assert_eq!(d.money_after, Money::default());
    assert!(!d.is_empty());
    let same =
        diff(&Side { number: 1, content: &a, projects: &snaps }, &Side { number: 1, content: &a, projects: &snaps });
    assert!(same.is_empty());
}

#[test]
fn validation_reports_every_fault() {
    let mut c = content();
    c.title = " ".into();
    c.perimeter = vec![r("commune:99999")];
    c.parties.push(Party { kind: PartyKind::LocalAuthority, name: "".into(), siren: Some("123".into()) });
    c.parties.push(Party { kind: PartyKind::LocalAuthority, name: "Bis".into(), siren: Some(COMMUNE_SIREN.into()) });
    c.owner = "000000000".into();
    c.actions = vec!["p1".into(), "p1".into(), "nope".into()];
    let faults = validate(&c, |t| t.code == "42218", |id| id == "p1");
    let fields: Vec<&str> = faults.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "title",
            "perimeter[0]",
            "parties[2].name",
            "parties[2].siren",
            "parties[3]",
            "owner",
            "actions[1]",
            "actions[2]"
        ]
    );
    assert!(validate(&content(), |_| true, |_| true).is_empty());
}

#[test]
fn who_acts_for_which_party() {
    let refs = referential();
    let org = Uuid::from_u128(7);
    let lookup = |id: Uuid| (id == org).then(|| OrganisationIds { siren: Some(COMMUNE_SIREN.into()), siret: None });
    let person = |roles| Principal { person: Uuid::nil(), roles };
    let c = content();
    let delegate = person(vec![Role::Delegate { departement: "42".into() }]);
    let other_delegate = person(vec![Role::Delegate { departement: "69".into() }]);
    let mayor = person(vec![Role::Local { organisation: org, territory: r("commune:42218") }]);
    let partner = person(vec![Role::Partner { organisation: org }]);
    let admin = person(vec![Role::Admin]);
    assert_eq!(parties_of(&delegate, &c, &refs, lookup), ["state"]);
    assert!(parties_of(&other_delegate, &c, &refs, lookup).is_empty());
    assert_eq!(parties_of(&mayor, &c, &refs, lookup), [COMMUNE_SIREN]);
    assert!(parties_of(&partner, &c, &refs, lookup).is_empty(), "a partner role does not act for a local authority");
    assert_eq!(parties_of(&admin, &c, &refs, lookup), ["state"], "an admin signs for the State only");
    assert!(is_owner(&delegate, &c, &refs, lookup) && is_owner(&admin, &c, &refs, lookup));
    assert!(!is_owner(&mayor, &c, &refs, lookup) && is_participant(&mayor, &c, &refs, lookup));
    assert!(!is_participant(&other_delegate, &c, &refs, lookup));
}

#[test]
fn threads_are_named() {
    assert!(cocon::is_thread("pact"));
    assert!(cocon::is_thread("proposal:0193-ab"));
    assert!(!cocon::is_thread("proposal:"));
    assert!(!cocon::is_thread("other:1"));
    assert!(!cocon::is_thread("project:a b"));
}

#[test]
fn a_digest_tells_each_event_once_grouped_by_pact() {
    let e = |id, pact: &str, summary: &str| PactEvent {
        id,
        subject: crate::notice::Subject::Pact,
        subject_id: pact.into(),
        title: format!("Pacte {pact}"),
        kind: "comment".into(),
        summary: summary.into(),
        actor: Uuid::nil(),
        created_at: "2026-11-30T08:15:00Z".into(),
    };
    let (subject, body) = cocon::digest(
        "Camille",
        &[e(1, "a", "premier"), e(2, "b", "deuxième"), e(3, "a", "troisième")],
        "https://cohesion.example/",
    );
    assert_eq!(subject, "Cohésion : 3 nouveautés sur vos pactes");
    assert!(body.starts_with("Bonjour Camille,"));
    assert_eq!(body.matches("premier").count(), 1);
    let a = body.find("Pacte a").expect("pact a");
    let b = body.find("Pacte b").expect("pact b");
    assert!(a < body.find("troisième").expect("3") && body.find("troisième").expect("3") < b, "{body}");
    assert!(body.contains("https://cohesion.example/pactes/a\n"));
    assert!(body.contains("2026-11-30 08:15 UTC : premier"));
}
