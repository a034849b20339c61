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
//! | `phase`, `phaseStatut` | `phase`, `phase_status` | their French labels, which are the hub's values |
//! | `collectivites` | `territories` | commune → `{type: "Commune", code}`, EPCI → `{type: "EPCI", code}`; a municipal arrondissement → its commune (noted); départements and régions are not expressible (noted; a project in none but them is left out, with the reason) |
//! | `competences`, `leviers` | `competences`, `levers` | direct (the same national lists); none is `null` |
//! | `externalId` | `id` | the project's id in Cohésion (the caller's own id, as the hub asks) |
//!
//! Not expressible in the hub's payload (each said in the notes when the project has
//! it): the lead's name, the end date, the transitions and the priority domain, the
//! financing plan, the indicators, the budget lines and the identifiers in other
//! tools.

use serde::Serialize;

use super::model::Project;
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
    pub phase: &'static str,
    pub phase_statut: &'static str,
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
        phase: i.phase.label(),
        phase_statut: i.phase_status.label(),
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
                phase: Phase::Study,
                phase_status: PhaseStatus::Late,
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
    fn rounds_half_up_to_the_euro() {
        assert_eq!([0, 49, 50, 149, 150, 12_345_678].map(euros_rounded), [0, 0, 1, 1, 2, 123_457]);
    }
}
