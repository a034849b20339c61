//! A project in the payload of Les communs, the hub to which the national
//! ecological-transition tools push their projects (its `CreateProjetRequest`, which
//! its bulk endpoint takes as `{"projets": […]}`, refusing any field it does not
//! know). What converts, and how:
//!
//! | hub field | from | conversion |
//! |---|---|---|
//! | `nom` | `name` | direct |
//! | `description` | `description` | direct; empty is `null` |
//! | `porteur.codeSiret` | `lead.siret` | a SIRET (14 digits) only; a SIREN alone has no place (noted) |
//! | `budgetPrevisionnel` | `total_cost_cents` | integer euros: cents rounded to the nearest euro, half up (noted when it rounds) |
//! | `dateDebutPrevisionnelle` | `start_date` | direct (`YYYY-MM-DD`) |
//! | `phase`, `phaseStatut` | `phase`, `phase_status` | their French labels, which are the hub's values; unknown: left out (a `null` status would become « En cours » in the hub) |
//! | `collectivites` | `territories` | commune → `{type: "Commune", code}`, EPCI → `{type: "EPCI", code}`; a municipal arrondissement → its commune (noted); départements and régions are not expressible (noted; a project in none but them is left out, with the reason) |
//! | `competences`, `leviers` | `competences`, `levers` | direct (the same national lists); none is `null` |
//! | `externalId` | `id` | the project's id in Cohésion (the caller's own id, as the hub asks) |
//!
//! Not expressible in the hub's payload (each said in the notes when the project has
//! it): the lead's name, the end date, the transitions and the priority domain, the
//! financing plan, the indicators, the budget lines and the identifiers in other
//! tools.
//!
//! The other way, [`from_hub`] reads a project as the hub writes it (its
//! `ProjetResponse`, or a `CreateProjetRequest`) without inventing anything: what has
//! no place in Cohésion is said in the notes (the referent's contact, the programme,
//! the hub's classifications), and what the project lacks stays absent (a project
//! without a phase, or a phase without status, is held so). [`merge_hub`] keeps, on a
//! project Cohésion already holds, what the hub cannot express.

use serde::{Deserialize, Serialize};

use super::fault::{FieldFault, ProjectFault};
use super::model::{ExternalId, Lead, Phase, PhaseStatus, Project, ProjectInput};
use crate::territory::{TerritoryKind, TerritoryRef};

/// The hub's `CollectiviteReference`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collectivite {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub code: String,
}

/// The hub's `PorteurDto` (the referent's fields are not kept by Cohésion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Porteur {
    pub code_siret: String,
}

/// The hub's `CreateProjetRequest`, as Cohésion fills it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Projet {
    pub nom: String,
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub porteur: Option<Porteur>,
    pub budget_previsionnel: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date_debut_previsionnelle: Option<String>,
    /// Left out when unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<&'static str>,
    /// Left out when unknown: the running hub turns a `phaseStatut: null` sent with a
    /// phase into « En cours » (its `SetEnCoursIfPhaseIsProvidedButNoPhaseStatut`),
    /// whereas a field left out stays unknown (measured, `docs/interop.md`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase_statut: Option<&'static str>,
    pub collectivites: Vec<Collectivite>,
    pub competences: Option<Vec<String>>,
    pub leviers: Option<Vec<String>>,
    pub external_id: String,
}

/// Why a project cannot be sent to the hub.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LeftOut {
    /// It lies only in départements or régions, which the hub cannot express.
    #[error("it lies only in territories the hub cannot express ({})", list(.0))]
    NoCommuneOrEpci(Vec<TerritoryRef>),
}

/// What a conversion changed or could not carry, for the caller to know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Note {
    #[error("{0} is not expressible (the hub takes communes and EPCI only): left out")]
    TerritoryNotExpressible(TerritoryRef),
    #[error("{from} is sent as its commune, commune:{commune}")]
    ArrondissementAsCommune { from: TerritoryRef, commune: String },
    #[error("the cost {cents} cents is sent as {euros} euros (rounded to the euro, half up)")]
    CostRounded { cents: i64, euros: i64 },
    #[error("the lead's identifier {0} is a SIREN: the hub's codeSiret takes a SIRET (14 digits), so it is left out")]
    SirenNotSiret(String),
    /// Fields of the project the hub's payload has no place for.
    #[error("not expressible in the hub's payload: {}", .0.join(", "))]
    FieldsLeftOut(Vec<&'static str>),
    /// Fields of the hub's project Cohésion does not keep.
    #[error("not kept by Cohésion: {}", .0.join(", "))]
    NotKept(Vec<&'static str>),
    #[error("the start date {from} is read as {to}")]
    DateOfInstant { from: String, to: String },
    #[error("the hub's externalId {0} names no known tool: not kept")]
    ExternalIdOfUnknownTool(String),
}

/// The hub's porteur, as it writes it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubPorteur {
    pub code_siret: Option<String>,
    pub referent_email: Option<String>,
    pub referent_telephone: Option<String>,
    pub referent_prenom: Option<String>,
    pub referent_nom: Option<String>,
    pub referent_fonction: Option<String>,
}

/// A collectivité as the hub writes it: `{type, code}` in a request, `{type, codeInsee,
/// codeEpci, siren, …}` in its answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubCollectivite {
    #[serde(rename = "type")]
    pub kind: String,
    pub code: Option<String>,
    pub code_insee: Option<String>,
    pub code_epci: Option<String>,
    pub siren: Option<String>,
}

/// A project as the hub writes it (the fields Cohésion reads; others are ignored).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HubProjet {
    /// The hub's own id (in its answers).
    pub id: Option<String>,
    pub nom: String,
    pub description: Option<String>,
    pub porteur: Option<HubPorteur>,
    pub budget_previsionnel: Option<serde_json::Number>,
    pub date_debut_previsionnelle: Option<String>,
    pub phase: Option<String>,
    pub phase_statut: Option<String>,
    pub programme: Option<String>,
    pub collectivites: Option<Vec<HubCollectivite>>,
    pub competences: Option<Vec<String>>,
    pub leviers: Option<Vec<String>>,
    pub classification_thematiques: Option<Vec<String>>,
    pub mec_id: Option<String>,
    pub tet_id: Option<String>,
    pub recoco_id: Option<String>,
    /// In a request: the id in the sending tool, which the payload does not name.
    pub external_id: Option<String>,
}

/// The tool of each identifier field of the hub.
pub const HUB_TOOL: &str = "les-communs";

/// Reads a hub project whose hub id is `hub_id`: the project as Cohésion holds it
/// (every fault at its hub field), and what was converted or not kept.
pub fn from_hub(h: &HubProjet, hub_id: &str) -> Result<(ProjectInput, Vec<Note>), Vec<FieldFault>> {
    let mut faults = Vec::new();
    let mut notes = Vec::new();
    let mut bad = |field: &str, f: ProjectFault| faults.push(FieldFault::new(field, f));
    if h.id.as_deref().is_some_and(|id| id != hub_id) {
        bad("id", ProjectFault::NotTheKey { key: format!("{HUB_TOOL}:{hub_id}") });
    }
    // Absent stays absent: the hub holds projects without a phase, and phases without
    // a status (its « En cours » default applies only to a `phaseStatut: null` sent).
    let phase = h.phase.as_deref().and_then(|s| {
        Phase::ALL.iter().copied().find(|p| p.label() == s).or_else(|| {
            bad("phase", ProjectFault::NotInList(s.to_owned()));
            None
        })
    });
    let phase_status = h.phase_statut.as_deref().and_then(|s| {
        PhaseStatus::ALL.iter().copied().find(|p| p.label() == s).or_else(|| {
            bad("phaseStatut", ProjectFault::NotInList(s.to_owned()));
            None
        })
    });
    if h.phase.is_none() && h.phase_statut.is_some() {
        bad("phaseStatut", ProjectFault::StatusWithoutPhase);
    }
    let mut territories = Vec::new();
    for (i, c) in h.collectivites.iter().flatten().enumerate() {
        let (kind, code) = match c.kind.as_str() {
            "Commune" => (TerritoryKind::Commune, c.code.clone().or_else(|| c.code_insee.clone())),
            "EPCI" => (TerritoryKind::Epci, c.code.clone().or_else(|| c.code_epci.clone()).or_else(|| c.siren.clone())),
            other => {
                bad(&format!("collectivites[{i}].type"), ProjectFault::NotInList(other.to_owned()));
                continue;
            }
        };
        match code.map(|code| kind.parse_code(&code)) {
            Some(Ok(code)) => territories.push(TerritoryRef { kind, code }),
            Some(Err(e)) => bad(&format!("collectivites[{i}].code"), ProjectFault::NotInList(e.to_string())),
            None => bad(&format!("collectivites[{i}].code"), ProjectFault::NotInList(String::new())),
        }
    }
    let total_cost_cents = match &h.budget_previsionnel {
        None => None,
        Some(n) => match n.as_i64().and_then(|e| e.checked_mul(100)) {
            Some(c) => Some(c),
            // Euros with decimals: to the cent, half away from zero.
            None => match n.as_f64().map(|f| (f * 100.0).round()).filter(|c| c.is_finite() && c.abs() < 9e15) {
                Some(c) => Some(c as i64),
                None => {
                    bad("budgetPrevisionnel", ProjectFault::NotInList(n.to_string()));
                    None
                }
            },
        },
    };
    let start_date = h.date_debut_previsionnelle.as_ref().map(|d| match d.get(..10) {
        Some(day) if d.len() > 10 && super::rules::is_date(day) => {
            notes.push(Note::DateOfInstant { from: d.clone(), to: day.to_owned() });
            day.to_owned()
        }
        _ => d.clone(),
    });
    let porteur = h.porteur.clone().unwrap_or_default();
    let mut not_kept = Vec::new();
    if [
        &porteur.referent_email,
        &porteur.referent_telephone,
        &porteur.referent_prenom,
        &porteur.referent_nom,
        &porteur.referent_fonction,
    ]
    .iter()
    .any(|x| x.as_deref().is_some_and(|v| !v.is_empty()))
    {
        not_kept.push("porteur.referent*");
    }
    if h.programme.as_deref().is_some_and(|p| !p.is_empty()) {
        not_kept.push("programme");
    }
    if h.classification_thematiques.as_ref().is_some_and(|c| !c.is_empty()) {
        not_kept.push("classification*");
    }
    if !not_kept.is_empty() {
        notes.push(Note::NotKept(not_kept));
    }
    let mut external_ids = vec![ExternalId { tool: HUB_TOOL.into(), id: hub_id.to_owned() }];
    for (tool, id) in
        [("mon-espace-collectivite", &h.mec_id), ("territoires-en-transitions", &h.tet_id), ("recoco", &h.recoco_id)]
    {
        if let Some(id) = id.as_ref().filter(|x| !x.trim().is_empty()) {
            external_ids.push(ExternalId { tool: tool.into(), id: id.clone() });
        }
    }
    if let Some(x) = h.external_id.as_ref().filter(|x| !x.trim().is_empty()) {
        notes.push(Note::ExternalIdOfUnknownTool(x.clone()));
    }
    if !faults.is_empty() {
        return Err(faults);
    }
    Ok((
        ProjectInput {
            name: h.nom.clone(),
            description: h.description.clone().unwrap_or_default(),
            lead: porteur
                .code_siret
                .filter(|s| !s.trim().is_empty())
                .map(|s| Lead { name: String::new(), siret: Some(s) }),
            territories,
            phase,
            phase_status,
            transitions: vec![],
            domain: None,
            levers: h.leviers.clone().unwrap_or_default(),
            competences: h.competences.clone().unwrap_or_default(),
            start_date,
            end_date: None,
            total_cost_cents,
            financing: vec![],
            indicators: vec![],
            budget_lines: vec![],
            external_ids,
        },
        notes,
    ))
}

/// The hub's name of a Cohésion field at fault (`levers[2]` → `leviers[2]`), so that a
/// tool sending the hub's payload reads its faults in its own terms; a field the hub
/// does not carry keeps its name.
pub fn hub_field(field: &str) -> String {
    const NAMES: [(&str, &str); 10] = [
        ("name", "nom"),
        ("description", "description"),
        ("lead.siret", "porteur.codeSiret"),
        ("lead", "porteur"),
        ("territories", "collectivites"),
        ("levers", "leviers"),
        ("competences", "competences"),
        ("start_date", "dateDebutPrevisionnelle"),
        ("total_cost_cents", "budgetPrevisionnel"),
        ("phase_status", "phaseStatut"),
    ];
    for (ours, theirs) in NAMES {
        if let Some(rest) = field.strip_prefix(ours)
            && (rest.is_empty() || rest.starts_with('[') || rest.starts_with('.'))
        {
            return format!("{theirs}{rest}");
        }
    }
    field.to_owned()
}

/// `hub` (read by [`from_hub`]) over a project Cohésion already holds: the fields the
/// hub expresses come from it; what it cannot express stays as it was (the lead's
/// name and a SIREN, the end date, transitions, domain, financing, indicators, budget
/// lines, the départements and régions among the territories, identifiers in other
/// tools). What [`to_hub`] converted and comes back the same is not a change: a cost
/// in cents that rounds to the hub's euros keeps its cents, and a municipal
/// arrondissement sent as its commune (`commune_of`) stays while the hub still names
/// that commune.
pub fn merge_hub(
    current: &ProjectInput,
    hub: ProjectInput,
    commune_of: impl Fn(&TerritoryRef) -> Option<String>,
) -> ProjectInput {
    let mut out = current.clone();
    out.name = hub.name;
    out.description = hub.description;
    let is_siret = |s: &Option<String>| s.as_ref().is_some_and(|s| s.len() == 14);
    out.lead = match (hub.lead, &current.lead) {
        (Some(mut l), Some(c)) => {
            l.name = c.name.clone();
            Some(l)
        }
        (Some(l), None) => Some(l),
        // The hub names no porteur: a SIRET it would have carried is gone; the name
        // and a SIREN, which it cannot carry, stay.
        (None, Some(c)) if is_siret(&c.siret) => {
            (!c.name.trim().is_empty()).then(|| Lead { name: c.name.clone(), siret: None })
        }
        (None, c) => c.clone(),
    };
    let arrondissements: Vec<(&TerritoryRef, String)> = current
        .territories
        .iter()
        .filter(|t| t.kind == TerritoryKind::ArrondissementMunicipal)
        .filter_map(|t| commune_of(t).map(|c| (t, c)))
        .collect();
    let mut territories = Vec::new();
    for t in hub.territories {
        let inside: Vec<&TerritoryRef> = arrondissements
            .iter()
            .filter(|(_, c)| t.kind == TerritoryKind::Commune && *c == t.code)
            .map(|(a, _)| *a)
            .collect();
        if inside.is_empty() {
            territories.push(t);
        } else {
            territories.extend(inside.into_iter().cloned());
        }
    }
    let kept =
        current.territories.iter().filter(|t| matches!(t.kind, TerritoryKind::Departement | TerritoryKind::Region));
    out.territories = territories.into_iter().chain(kept.cloned()).collect();
    if out.territories.iter().collect::<std::collections::HashSet<_>>()
        == current.territories.iter().collect::<std::collections::HashSet<_>>()
    {
        // The same territories: keep their order.
        out.territories = current.territories.clone();
    }
    out.phase = hub.phase;
    out.phase_status = hub.phase_status;
    out.levers = hub.levers;
    out.competences = hub.competences;
    out.start_date = hub.start_date;
    out.total_cost_cents = match (hub.total_cost_cents, current.total_cost_cents) {
        (Some(h), Some(c)) if h % 100 == 0 && euros_rounded(c) == h / 100 => Some(c),
        (h, _) => h,
    };
    for x in hub.external_ids {
        match out.external_ids.iter_mut().find(|y| y.tool == x.tool) {
            Some(y) => *y = x,
            None => out.external_ids.push(x),
        }
    }
    out
}

fn list(ts: &[TerritoryRef]) -> String {
    ts.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// Cents to whole euros, half up (amounts are never negative here; a negative one
/// rounds half away from zero).
pub fn euros_rounded(cents: i64) -> i64 {
    let (q, r) = (cents / 100, cents % 100);
    if r >= 50 {
        q + 1
    } else if r <= -50 {
        q - 1
    } else {
        q
    }
}

/// The project as the hub takes it, with what the conversion changed; `commune_of`
/// gives the commune of a municipal arrondissement.
pub fn to_hub(
    p: &Project,
    commune_of: impl Fn(&TerritoryRef) -> Option<String>,
) -> Result<(Projet, Vec<Note>), LeftOut> {
    let i = &p.input;
    let mut notes = Vec::new();
    let mut collectivites: Vec<Collectivite> = Vec::new();
    let mut not_expressible = Vec::new();
    for t in &i.territories {
        let c = match t.kind {
            TerritoryKind::Commune => Some(Collectivite { kind: "Commune", code: t.code.clone() }),
            TerritoryKind::Epci => Some(Collectivite { kind: "EPCI", code: t.code.clone() }),
            TerritoryKind::ArrondissementMunicipal => commune_of(t).map(|commune| {
                notes.push(Note::ArrondissementAsCommune { from: t.clone(), commune: commune.clone() });
                Collectivite { kind: "Commune", code: commune }
            }),
            TerritoryKind::Departement | TerritoryKind::Region => None,
        };
        match c {
            Some(c) if !collectivites.contains(&c) => collectivites.push(c),
            Some(_) => {}
            None => not_expressible.push(t.clone()),
        }
    }
    if collectivites.is_empty() {
        return Err(LeftOut::NoCommuneOrEpci(not_expressible));
    }
    notes.extend(not_expressible.into_iter().map(Note::TerritoryNotExpressible));
    let porteur = match i.lead.as_ref().and_then(|l| l.siret.clone()) {
        Some(s) if s.len() == 14 => Some(Porteur { code_siret: s }),
        Some(s) => {
            notes.push(Note::SirenNotSiret(s));
            None
        }
        None => None,
    };
    let budget = i.total_cost_cents.map(|cents| {
        let euros = euros_rounded(cents);
        if cents % 100 != 0 {
            notes.push(Note::CostRounded { cents, euros });
        }
        euros
    });
    let mut lost = Vec::new();
    for (field, present) in [
        ("lead.name", i.lead.as_ref().is_some_and(|l| !l.name.is_empty())),
        ("end_date", i.end_date.is_some()),
        ("transitions", !i.transitions.is_empty()),
        ("domain", i.domain.is_some()),
        ("financing", !i.financing.is_empty()),
        ("indicators", !i.indicators.is_empty()),
        ("budget_lines", !i.budget_lines.is_empty()),
        ("external_ids", !i.external_ids.is_empty()),
    ] {
        if present {
            lost.push(field);
        }
    }
    if !lost.is_empty() {
        notes.push(Note::FieldsLeftOut(lost));
    }
    let some = |v: &Vec<String>| (!v.is_empty()).then(|| v.clone());
    let projet = Projet {
        nom: i.name.clone(),
        description: (!i.description.is_empty()).then(|| i.description.clone()),
        porteur,
        budget_previsionnel: budget,
        date_debut_previsionnelle: i.start_date.clone(),
        phase: i.phase.map(Phase::label),
        phase_statut: i.phase_status.map(PhaseStatus::label),
        collectivites,
        competences: some(&i.competences),
        leviers: some(&i.levers),
        external_id: p.id.clone(),
    };
    Ok((projet, notes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::project::model::{Lead, Phase, PhaseStatus, ProjectInput};

    fn project(territories: &[&str]) -> Project {
        Project {
            id: "0190-a".into(),
            input: ProjectInput {
                name: "Halle".into(),
                description: String::new(),
                lead: Some(Lead { name: "Commune".into(), siret: Some("214202186".into()) }),
                territories: territories.iter().map(|t| t.parse().expect("ref")).collect(),
                phase: Some(Phase::Study),
                phase_status: Some(PhaseStatus::Late),
                transitions: vec![],
                domain: None,
                levers: vec!["Vélo".into()],
                competences: vec![],
                start_date: Some("2026-01-15".into()),
                end_date: None,
                total_cost_cents: Some(1_234_550),
                financing: vec![],
                indicators: vec![],
                budget_lines: vec![],
                external_ids: vec![],
            },
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn converts_and_says_what_it_changed() {
        let p = project(&["commune:42218", "arrondissement_municipal:75101", "departement:42", "epci:244200770"]);
        let (hub, notes) = to_hub(&p, |t| (t.code == "75101").then(|| "75056".to_owned())).expect("expressible");
        let json = serde_json::to_value(&hub).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "nom": "Halle", "description": null, "budgetPrevisionnel": 12346,
                "dateDebutPrevisionnelle": "2026-01-15", "phase": "Étude", "phaseStatut": "En retard",
                "collectivites": [{"type": "Commune", "code": "42218"}, {"type": "Commune", "code": "75056"},
                                  {"type": "EPCI", "code": "244200770"}],
                "competences": null, "leviers": ["Vélo"], "externalId": "0190-a"
            })
        );
        assert_eq!(
            notes,
            vec![
                Note::ArrondissementAsCommune {
                    from: "arrondissement_municipal:75101".parse().expect("ref"),
                    commune: "75056".into()
                },
                Note::TerritoryNotExpressible("departement:42".parse().expect("ref")),
                Note::SirenNotSiret("214202186".into()),
                Note::CostRounded { cents: 1_234_550, euros: 12_346 },
                Note::FieldsLeftOut(vec!["lead.name"]),
            ]
        );
    }

    #[test]
    fn a_project_of_departements_only_is_left_out_with_the_reason() {
        let p = project(&["departement:42", "region:84"]);
        let e = to_hub(&p, |_| None).expect_err("not expressible");
        assert_eq!(e.to_string(), "it lies only in territories the hub cannot express (departement:42, region:84)");
    }

    #[test]
    fn faults_are_named_as_the_hub_names_its_fields() {
        assert_eq!(hub_field("levers[2]"), "leviers[2]");
        assert_eq!(hub_field("territories[0]"), "collectivites[0]");
        assert_eq!(hub_field("lead.siret"), "porteur.codeSiret");
        assert_eq!(hub_field("name"), "nom");
        assert_eq!(hub_field("financing[0].amount_cents"), "financing[0].amount_cents");
        assert_eq!(hub_field("names"), "names");
    }

    fn hub(phase: Option<&str>, status: Option<&str>) -> HubProjet {
        serde_json::from_value(serde_json::json!({
            "id": "h1", "nom": "Friche", "phase": phase, "phaseStatut": status,
            "collectivites": [{"type": "Commune", "codeInsee": "42218"}]
        }))
        .expect("hub project")
    }

    #[test]
    fn what_the_hub_leaves_out_stays_out() {
        let (p, notes) = from_hub(&hub(None, None), "h1").expect("no phase is accepted");
        assert_eq!((p.phase, p.phase_status), (None, None));
        assert!(notes.is_empty(), "{notes:?}");
        let (p, notes) = from_hub(&hub(Some("Étude"), None), "h1").expect("a phase without status");
        assert_eq!((p.phase, p.phase_status), (Some(Phase::Study), None), "no « En cours » invented");
        assert!(notes.is_empty(), "{notes:?}");
        let faults = from_hub(&hub(None, Some("En cours")), "h1").expect_err("a status without phase");
        assert_eq!(faults[0].field, "phaseStatut");
        let back = to_hub(
            &Project { id: "x".into(), input: p, version: 1, created_at: String::new(), updated_at: String::new() },
            |_| None,
        )
        .expect("expressible");
        let json = serde_json::to_value(&back.0).expect("json");
        assert_eq!(json["phase"], serde_json::json!("Étude"));
        assert!(json.get("phaseStatut").is_none(), "left out, not null: the hub would make it « En cours »");
    }

    #[test]
    fn what_went_to_the_hub_and_comes_back_the_same_is_no_change() {
        let mut p = project(&["arrondissement_municipal:75101", "departement:42"]);
        p.input.lead = Some(Lead { name: "Commune".into(), siret: Some("214202186".into()) });
        let commune_of = |t: &TerritoryRef| (t.code == "75101").then(|| "75056".to_owned());
        let (sent, _) = to_hub(&p, commune_of).expect("expressible");
        let mut answer = serde_json::to_value(&sent).expect("json");
        answer["id"] = serde_json::json!("h9");
        let h: HubProjet = serde_json::from_value(answer).expect("hub project");
        let (read, _) = from_hub(&h, "h9").expect("read");
        let merged = merge_hub(&p.input, read, commune_of);
        let mut expected = p.input.clone();
        expected.external_ids.push(ExternalId { tool: HUB_TOOL.into(), id: "h9".into() });
        assert_eq!(merged, expected, "the SIREN lead, the cents and the arrondissement stay");
        // What the hub changed does change: another cost, no porteur for a SIRET.
        let mut siret = p.input.clone();
        siret.lead = Some(Lead { name: "Commune".into(), siret: Some("21420218600017".into()) });
        let mut other = from_hub(&h, "h9").expect("read").0;
        other.total_cost_cents = Some(1_300_000);
        let merged = merge_hub(&siret, other, commune_of);
        assert_eq!(merged.lead, Some(Lead { name: "Commune".into(), siret: None }));
        assert_eq!(merged.total_cost_cents, Some(1_300_000));
    }

    #[test]
    fn rounds_half_up_to_the_euro() {
        assert_eq!([0, 49, 50, 149, 150, 12_345_678].map(euros_rounded), [0, 0, 1, 1, 2, 123_457]);
    }
}
