// Amounts are written euros_cents (`40_000_00` is 40,000.00 €), on purpose.
#![allow(clippy::inconsistent_digit_grouping)]

use super::dotations::{self, Resolution};
use super::*;
use crate::access::{Principal, Role};
use crate::territory::{Parents, Referential, Territory, TerritoryKind, TerritoryRef};

fn r(s: &str) -> TerritoryRef {
    s.parse().expect("valid ref")
}

pub(crate) fn referential() -> Referential {
    let t = |kind, code: &str, parents: Parents| {
        let mut t = Territory::new(kind, code, code);
        t.parents = parents;
        t
    };
    let dep = Parents { region: Some("84".into()), ..Parents::default() };
    let epci = Parents { departement: Some("42".into()), region: Some("84".into()), ..Parents::default() };
    let com = Parents { epci: Some("244200770".into()), ..epci.clone() };
    let mut e = t(TerritoryKind::Epci, "244200770", epci);
    e.departements = vec!["42".into()];
    Referential::new(
        "test",
        vec![
            t(TerritoryKind::Region, "84", Parents::default()),
            t(TerritoryKind::Departement, "42", dep.clone()),
            t(TerritoryKind::Departement, "69", dep),
            e,
            t(TerritoryKind::Commune, "42218", com),
        ],
    )
    .expect("consistent")
}

pub(crate) fn sample() -> ProjectInput {
    ProjectInput {
        name: "Rénovation de l'école".into(),
        description: "Isolation et chauffage".into(),
        lead: Some(Lead { name: "Saint-Étienne".into(), siret: Some("21420218600011".into()) }),
        territories: vec![r("commune:42218")],
        phase: Some(Phase::Study),
        phase_status: Some(PhaseStatus::InProgress),
        transitions: vec![Transition::Ecological],
        domain: Some("Éducation".into()),
        levers: vec!["Vélo".into(), "Réseaux de chaleur décarbonés".into()],
        competences: vec!["90-212".into(), "90-751".into()],
        start_date: Some("2026-01-15".into()),
        end_date: Some("2027-06-30".into()),
        total_cost_cents: Some(100_000_00),
        financing: vec![
            Financing {
                financer: STATE.into(),
                scheme: Some("DSIL".into()),
                amount_cents: 40_000_00,
                convention: None,
            },
            Financing { financer: "Région".into(), scheme: None, amount_cents: 20_000_00, convention: None },
        ],
        indicators: vec![IndicatorTarget {
            code: "conso-energie".into(),
            baseline: Some(120.0),
            target: 60.0,
            target_date: Some("2028-12-31".into()),
        }],
        budget_lines: vec![BudgetLine {
            nature: BudgetNature::Investment,
            year: 2026,
            planned_cents: 100_000_00,
            actual_cents: None,
        }],
        external_ids: vec![ExternalId { tool: "recoco".into(), id: "42".into() }],
    }
}

#[test]
fn a_valid_project_passes() {
    assert_eq!(validate(&sample(), |_| true), vec![]);
    assert_eq!(sample().financed_cents(), 60_000_00);
    assert_eq!(sample().state_grant_cents(), 40_000_00);
}

#[test]
fn every_fault_is_reported_with_its_field() {
    let mut p = sample();
    p.name = " ".into();
    p.total_cost_cents = Some(50_000_00);
    p.start_date = Some("2026-02-30".into());
    p.lead = Some(Lead { name: "x".into(), siret: Some("123".into()) });
    p.financing.push(Financing { financer: "".into(), scheme: None, amount_cents: 0, convention: None });
    p.external_ids.push(ExternalId { tool: "recoco".into(), id: "43".into() });
    p.transitions.push(Transition::Ecological);
    let fields: Vec<String> = validate(&p, |t| t.code != "42218").into_iter().map(|f| f.field).collect();
    for f in [
        "name",
        "territories[0]",
        "lead.siret",
        "start_date",
        "transitions",
        "financing[2].financer",
        "financing[2].amount_cents",
        "financing",
        "external_ids[1].tool",
    ] {
        assert!(fields.iter().any(|x| x == f), "{f} missing from {fields:?}");
    }
}

#[test]
fn levers_and_competences_come_from_the_national_lists() {
    let mut p = sample();
    p.levers = vec!["Vélo".into(), "Transition écologique".into(), "Vélo".into(), "vélo".into()];
    p.competences = vec!["90-212".into(), "Éducation".into(), "212".into(), "90-212".into()];
    let faults: Vec<(String, ProjectFault)> = validate(&p, |_| true).into_iter().map(|f| (f.field, f.fault)).collect();
    assert_eq!(
        faults,
        vec![
            ("levers[1]".into(), ProjectFault::UnknownLever("Transition écologique".into())),
            ("levers[2]".into(), ProjectFault::LeverTwice),
            ("levers[3]".into(), ProjectFault::UnknownLever("vélo".into())),
            ("competences[1]".into(), ProjectFault::UnknownCompetence("Éducation".into())),
            ("competences[2]".into(), ProjectFault::UnknownCompetence("212".into())),
            ("competences[3]".into(), ProjectFault::CompetenceTwice),
        ]
    );
}

#[test]
fn the_plan_may_equal_the_cost_not_exceed_it() {
    let mut p = sample();
    p.total_cost_cents = Some(60_000_00);
    assert!(validate(&p, |_| true).is_empty());
    p.total_cost_cents = Some(60_000_00 - 1);
    assert_eq!(validate(&p, |_| true)[0].field, "financing");
}

#[test]
fn phases_move_forward_and_closed_projects_stay() {
    let old = sample();
    let mut back = old.clone();
    back.phase = Some(Phase::Idea);
    assert_eq!(validate_change(&old, &back)[0].field, "phase");
    let mut fwd = old.clone();
    fwd.phase = Some(Phase::Operation);
    assert!(validate_change(&old, &fwd).is_empty());
    let mut done = old.clone();
    done.phase_status = Some(PhaseStatus::Abandoned);
    assert_eq!(validate_change(&done, &fwd).len(), 1);
    assert_eq!(Phase::parse("Étude"), Some(Phase::Study));
    assert_eq!(PhaseStatus::parse("late"), Some(PhaseStatus::Late));
}

#[test]
fn a_phase_may_be_unknown_but_once_known_is_not_removed() {
    let mut none = sample();
    none.phase = None;
    none.phase_status = None;
    assert!(validate(&none, |_| true).is_empty(), "no phase, no status: held as such");
    let mut status_only = none.clone();
    status_only.phase_status = Some(PhaseStatus::Late);
    assert_eq!(validate(&status_only, |_| true)[0].fault, ProjectFault::StatusWithoutPhase);
    let mut phase_only = none.clone();
    phase_only.phase = Some(Phase::Idea);
    assert!(validate(&phase_only, |_| true).is_empty(), "a phase without status is not given one");
    assert!(validate_change(&none, &phase_only).is_empty(), "a phase may be learnt");
    assert_eq!(validate_change(&phase_only, &none)[0].fault, ProjectFault::PhaseRemoved { from: "Idée" });
}

#[test]
fn who_may_write() {
    let refs = referential();
    let person = uuid::Uuid::nil();
    let who = |roles| Principal { person, roles };
    let admin = who(vec![Role::Admin]);
    let commune = who(vec![Role::Local { organisation: person, territory: r("commune:42218") }]);
    let epci = who(vec![Role::Local { organisation: person, territory: r("epci:244200770") }]);
    let loire = who(vec![Role::Delegate { departement: "42".into() }]);
    let rhone = who(vec![Role::Delegate { departement: "69".into() }]);
    let partner = who(vec![Role::Partner { organisation: person }]);
    let p = sample();
    for (principal, expected) in
        [(&admin, true), (&commune, true), (&epci, true), (&loire, true), (&rhone, false), (&partner, false)]
    {
        assert_eq!(can_create(principal, &p, &refs), expected, "{:?}", principal.roles);
    }
    let stored =
        Project { id: "x".into(), input: p.clone(), version: 1, created_at: String::new(), updated_at: String::new() };
    assert!(can_edit(&commune, &stored, &p, &refs));
    let mut moved = p.clone();
    moved.territories.push(r("departement:69"));
    assert!(!can_edit(&commune, &stored, &moved, &refs), "cannot file onto a territory it does not act on");
    assert!(can_edit(&admin, &stored, &moved, &refs));
    assert!(!can_edit(&rhone, &stored, &p, &refs));
    assert!(covers(&refs, &r("departement:42"), &r("epci:244200770")));
    assert!(!covers(&refs, &r("departement:69"), &r("commune:42218")));
}

const HEADER: &str = "id_projet,id_dep,id_terr,nom_terr,pop19,dotation,echelon,categorie,description,cout_total,montant_sub,pct_sub,lat,long\n";

fn resolve(t: &TerritoryRef) -> Resolution {
    match (t.kind, t.code.as_str()) {
        (TerritoryKind::Commune, "42999") => Resolution::Merged(r("commune:42218"), Some("214202186".into())),
        (TerritoryKind::Epci, "241800325") => Resolution::Unknown,
        _ => Resolution::Current(None),
    }
}

#[test]
fn reads_the_dotations_file() {
    let text = format!(
        "{HEADER}a1,42,42218,Saint-Étienne,1,DETR,commune,4 - Education,\"rénover les écoles, \"\"vite\"\"\nsur deux lignes\",520721.28,100000.5,0.19,45,4\n\
         a2,42,42999,Ancienne,1,DSIL,commune,3 - Environnement,Chaufferie,0,2000,0,45,4\n\
         a3,18,241800325,CC disparue,1,DSIL,epci,8 - Contrat de Ruralité,1146000,174421,0.15,45,3\n\
         a4,2A,20A,Corse-du-Sud,1,DSID,conseil_departemental,5 - Actions et services publics ,Route,10,5,0.5,41,9\n"
    );
    let (rows, notes) = dotations::read("f.csv", &text, resolve).expect("valid");
    assert_eq!(rows.len(), 4);
    let a1 = &rows[0].input;
    assert_eq!(a1.total_cost_cents, Some(52_072_128));
    assert_eq!(a1.financing[0].amount_cents, 10_000_050);
    assert_eq!(a1.name, "Rénover les écoles, \"vite\" sur deux lignes");
    assert_eq!(a1.domain.as_deref(), Some("Éducation"));
    assert_eq!(rows[1].line, 4, "the line after a two-line record");
    assert_eq!(rows[1].input.territories, vec![r("commune:42218")]);
    assert_eq!(rows[1].input.total_cost_cents, None);
    assert_eq!(rows[1].input.transitions, vec![Transition::Ecological]);
    assert_eq!(rows[2].input.territories, vec![r("departement:18")], "unknown EPCI filed under its département");
    assert_eq!(rows[2].input.name, "Projet financé par la DSIL (CC disparue)");
    assert_eq!(rows[3].input.territories, vec![r("departement:2A")]);
    let lines: Vec<(usize, Option<&str>)> = notes.iter().map(|n| (n.line, n.field.as_deref())).collect();
    assert_eq!(lines, [(4, Some("id_terr")), (4, Some("cout_total")), (5, Some("description")), (5, Some("id_terr"))]);
}

#[test]
fn every_fault_of_the_file_with_its_line() {
    let text = format!(
        "{HEADER}a1,42,42218,X,1,DETR,commune,4 - Education,x,12.3x,1,0,0,0\n\
         a1,42,42218,X,1,DXXX,village,4 - Education,x,1,1,0,0,0\n\
         a3,42,4221,X,1,DETR,commune,9 - Autre,x,10,20,0,0,0\n\
         a4,42,42218,X,1,DETR,commune,4 - Education,x,10,20,0,0,0\na5,short\n"
    );
    let faults = dotations::read("f.csv", &text, resolve).expect_err("invalid").0;
    let at: Vec<(usize, Option<&str>)> = faults.iter().map(|f| (f.line, f.field.as_deref())).collect();
    assert_eq!(
        at,
        [
            (2, Some("cout_total")),
            (3, Some("id_projet")),
            (3, Some("echelon")),
            (4, Some("id_terr")),
            (5, Some("montant_sub")),
            (6, None)
        ]
    );
    assert!(dotations::read("f.csv", "a,b\n", resolve).is_err(), "missing columns");
}

#[test]
fn an_edit_cannot_leave_the_project_outside_the_editors_scope() {
    let refs = referential();
    let person = uuid::Uuid::nil();
    let loire = Principal { person, roles: vec![Role::Delegate { departement: "42".into() }] };
    let mut shared = sample();
    shared.territories = vec![r("commune:42218"), r("departement:69")];
    let stored = Project { id: "x".into(), input: shared.clone(), version: 1, ..sample_project() };
    let mut only_rhone = shared.clone();
    only_rhone.territories = vec![r("departement:69")];
    assert!(!can_edit(&loire, &stored, &only_rhone, &refs), "removing its own territory leaves it outside");
    let mut only_loire = shared;
    only_loire.territories = vec![r("commune:42218")];
    assert!(can_edit(&loire, &stored, &only_loire, &refs), "removing another territory keeps it in scope");
}

/// A stored project around `sample()`.
fn sample_project() -> Project {
    Project { id: "x".into(), input: sample(), version: 1, created_at: String::new(), updated_at: String::new() }
}
