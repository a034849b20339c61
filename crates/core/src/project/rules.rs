//! The rules a project obeys, checked before anything is stored: every fault is
//! reported with its field, never only the first. And who may write a project.

use std::collections::HashSet;

use crate::access::{Principal, Role};
use crate::territory::{Referential, TerritoryKind, TerritoryRef, is_valid_siren};

use super::model::{Project, ProjectInput};

use super::fault::{FieldFault, ProjectFault as F};

fn fault(out: &mut Vec<FieldFault>, field: impl Into<String>, code: F) {
    out.push(FieldFault::new(field, code));
}

/// `YYYY-MM-DD` with a real month and day.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|p| p.parse::<u32>().ok());
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
            let days = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
            (1..=12).contains(&m) && d >= 1 && d <= days[(m - 1) as usize]
        }
        _ => false,
    }
}

/// SIREN (9 digits, Luhn) or SIRET (14 digits whose first 9 are a SIREN).
pub fn is_siren_or_siret(s: &str) -> bool {
    match s.len() {
        9 => is_valid_siren(s),
        14 => s.bytes().all(|b| b.is_ascii_digit()) && is_valid_siren(&s[..9]),
        _ => false,
    }
}

/// Checks a project on its own; `known` says whether a territory exists.
pub fn validate(p: &ProjectInput, known: impl Fn(&TerritoryRef) -> bool) -> Vec<FieldFault> {
    let mut out = Vec::new();
    let f = &mut out;
    if p.name.trim().is_empty() {
        fault(f, "name", F::NameRequired);
    } else if p.name.chars().count() > 300 {
        fault(f, "name", F::TooLong { max: 300 });
    }
    if p.territories.is_empty() {
        fault(f, "territories", F::NoTerritory);
    }
    for (i, t) in p.territories.iter().enumerate() {
        if !known(t) {
            fault(f, format!("territories[{i}]"), F::UnknownTerritory(t.clone()));
        }
    }
    if let Some(lead) = &p.lead {
        // The SIRET or SIREN identifies the organisation: its name is then optional
        // (the hub Les communs sends a porteur by its SIRET only).
        if lead.name.trim().is_empty() && lead.siret.is_none() {
            fault(f, "lead.name", F::LeadNameRequired);
        }
        if let Some(s) = &lead.siret
            && !is_siren_or_siret(s)
        {
            fault(f, "lead.siret", F::NotSirenOrSiret(s.clone()));
        }
    }
    for (field, d) in [("start_date", &p.start_date), ("end_date", &p.end_date)] {
        if let Some(d) = d
            && !is_date(d)
        {
            fault(f, field, F::NotADate(d.clone()));
        }
    }
    if let (Some(s), Some(e)) = (&p.start_date, &p.end_date)
        && is_date(s)
        && is_date(e)
        && e < s
    {
        fault(f, "end_date", F::EndsBeforeStart);
    }
    if p.phase.is_none() && p.phase_status.is_some() {
        fault(f, "phase_status", F::StatusWithoutPhase);
    }
    if p.transitions.iter().collect::<HashSet<_>>().len() != p.transitions.len() {
        fault(f, "transitions", F::TransitionTwice);
    }
    let mut seen = HashSet::new();
    for (i, l) in p.levers.iter().enumerate() {
        if !super::nomenclature::is_lever(l) {
            fault(f, format!("levers[{i}]"), F::UnknownLever(l.clone()));
        } else if !seen.insert(l) {
            fault(f, format!("levers[{i}]"), F::LeverTwice);
        }
    }
    let mut seen = HashSet::new();
    for (i, c) in p.competences.iter().enumerate() {
        if super::nomenclature::competence(c).is_none() {
            fault(f, format!("competences[{i}]"), F::UnknownCompetence(c.clone()));
        } else if !seen.insert(c) {
            fault(f, format!("competences[{i}]"), F::CompetenceTwice);
        }
    }
    if let Some(c) = p.total_cost_cents
        && c < 0
    {
        fault(f, "total_cost_cents", F::NegativeCost);
    }
    for (i, l) in p.financing.iter().enumerate() {
        if l.financer.trim().is_empty() {
            fault(f, format!("financing[{i}].financer"), F::FinancerRequired);
        }
        if l.amount_cents <= 0 {
            fault(f, format!("financing[{i}].amount_cents"), F::AmountNotPositive);
        }
        if let Some(c) = &l.convention {
            let at = |field: &str| format!("financing[{i}].convention.{field}");
            if c.financer_siret.len() != 14 || !is_siren_or_siret(&c.financer_siret) {
                fault(f, at("financer_siret"), F::NotASiret(c.financer_siret.clone()));
            }
            if !is_date(&c.date) {
                fault(f, at("date"), F::NotADate(c.date.clone()));
            }
            let dates: Vec<&str> = c.payment_period.split('_').collect();
            if dates.len() > 2 || !dates.iter().all(|d| is_date(d)) || dates.windows(2).any(|w| w[1] < w[0]) {
                fault(f, at("payment_period"), F::NotAPeriod(c.payment_period.clone()));
            }
        }
    }
    let financed = p.financing.iter().try_fold(0i64, |acc, l| acc.checked_add(l.amount_cents.max(0)));
    match (financed, p.total_cost_cents) {
        (None, _) => fault(f, "financing", F::AmountsOverflow),
        (Some(sum), Some(cost)) if sum > cost => fault(f, "financing", F::FinancingExceedsCost { financed: sum, cost }),
        _ => {}
    }
    for (i, ind) in p.indicators.iter().enumerate() {
        if ind.code.trim().is_empty() {
            fault(f, format!("indicators[{i}].code"), F::IndicatorCodeRequired);
        }
        if !ind.target.is_finite() || ind.baseline.is_some_and(|b| !b.is_finite()) {
            fault(f, format!("indicators[{i}]"), F::IndicatorNotNumber);
        }
        if let Some(d) = &ind.target_date
            && !is_date(d)
        {
            fault(f, format!("indicators[{i}].target_date"), F::NotADate(d.clone()));
        }
    }
    for (i, b) in p.budget_lines.iter().enumerate() {
        if !(1900..=2100).contains(&b.year) {
            fault(f, format!("budget_lines[{i}].year"), F::BudgetYear);
        }
        if b.planned_cents < 0 || b.actual_cents.is_some_and(|a| a < 0) {
            fault(f, format!("budget_lines[{i}]"), F::NegativeAmounts);
        }
    }
    let mut tools = HashSet::new();
    for (i, x) in p.external_ids.iter().enumerate() {
        if !super::model::is_tool(&x.tool) {
            fault(f, format!("external_ids[{i}].tool"), F::ToolName);
        }
        if x.id.trim().is_empty() {
            fault(f, format!("external_ids[{i}].id"), F::ExternalIdRequired);
        } else if x.id.chars().count() > 200 {
            fault(f, format!("external_ids[{i}].id"), F::TooLong { max: 200 });
        }
        if !tools.insert(&x.tool) {
            fault(f, format!("external_ids[{i}].tool"), F::ToolTwice);
        }
    }
    out
}

/// Indicator codes of a project that the indicator catalogue does not know (checked
/// on writes through the API and pacts; imported files carry no indicators).
pub fn unknown_indicators(p: &ProjectInput) -> Vec<FieldFault> {
    p.indicators
        .iter()
        .enumerate()
        .filter(|(_, i)| !i.code.trim().is_empty() && crate::indicator::find(&i.code).is_none())
        .map(|(n, i)| FieldFault::new(format!("indicators[{n}].code"), F::UnknownIndicator(i.code.clone())))
        .collect()
}

/// Checks a change of an existing project: the phase moves forward only (Idée →
/// Étude → Opération; a project without a phase may get any), a known phase is not
/// removed, and an abandoned or finished project keeps its phase.
pub fn validate_change(old: &ProjectInput, new: &ProjectInput) -> Vec<FieldFault> {
    let mut out = Vec::new();
    match (old.phase, new.phase) {
        (Some(from), Some(to)) if to < from => {
            fault(&mut out, "phase", F::PhaseBack { from: from.label(), to: to.label() });
        }
        (Some(from), None) => fault(&mut out, "phase", F::PhaseRemoved { from: from.label() }),
        _ => {}
    }
    if let Some(status) = old.phase_status.filter(|s| s.is_final())
        && new.phase != old.phase
    {
        fault(&mut out, "phase", F::PhaseFrozen { status: status.label() });
    }
    out
}

/// Whether `scope` is `target` or contains it in the referential.
pub fn covers(referential: &Referential, scope: &TerritoryRef, target: &TerritoryRef) -> bool {
    if scope == target {
        return true;
    }
    let Some(t) = referential.get_ref(target) else { return false };
    if target.kind == TerritoryKind::Epci && scope.kind == TerritoryKind::Departement {
        return t.departements.contains(&scope.code);
    }
    referential.ancestors(t).iter().any(|a| a.kind == scope.kind && a.code == scope.code)
}

/// Admin; or a local authority or the State's delegate whose territory covers one of
/// the project's territories.
fn acts_on(p: &Principal, territories: &[TerritoryRef], referential: &Referential) -> bool {
    p.is_admin()
        || p.roles.iter().any(|r| {
            let scope = match r {
                Role::Local { territory, .. } => territory.clone(),
                Role::Delegate { departement } => {
                    TerritoryRef { kind: TerritoryKind::Departement, code: departement.clone() }
                }
                _ => return false,
            };
            territories.iter().any(|t| covers(referential, &scope, t))
        })
}

/// May `p` create this project? It must act on every territory named, so that no one
/// files a project on someone else's territory.
pub fn can_create(p: &Principal, input: &ProjectInput, referential: &Referential) -> bool {
    p.is_admin() || input.territories.iter().all(|t| acts_on(p, std::slice::from_ref(t), referential))
}

/// May `p` change this project? Checked on the state before and after: it acts on one
/// of its territories now and still after the change (removing territories cannot
/// leave the project wholly outside its scope), and, if the change names new
/// territories, on those too.
pub fn can_edit(p: &Principal, project: &Project, new: &ProjectInput, referential: &Referential) -> bool {
    if p.is_admin() {
        return true;
    }
    acts_on(p, &project.input.territories, referential)
        && acts_on(p, &new.territories, referential)
        && new
            .territories
            .iter()
            .filter(|t| !project.input.territories.contains(t))
            .all(|t| acts_on(p, std::slice::from_ref(t), referential))
}
