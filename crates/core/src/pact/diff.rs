//! The difference between two versions of a pact: text, perimeter, parties, projects
//! added, removed and changed, and the money.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::territory::TerritoryRef;

use super::model::{PactContent, Party, ProjectSnapshot};
use crate::project::{Phase, PhaseStatus};

/// One version as compared: its text and its projects (frozen if it was put to
/// signature, as they are now otherwise).
pub struct Side<'a> {
    pub number: u32,
    pub content: &'a PactContent,
    pub projects: &'a [ProjectSnapshot],
}

/// Money of a set of projects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Money {
    /// Sum of the known total costs, in cents.
    pub cost_cents: i64,
    /// Sum of the financing plans, in cents.
    pub financed_cents: i64,
}

impl Money {
    fn of<'a>(projects: impl IntoIterator<Item = &'a ProjectSnapshot>) -> Money {
        projects.into_iter().fold(Money::default(), |m, p| Money {
            cost_cents: m.cost_cents + p.total_cost_cents.unwrap_or(0),
            financed_cents: m.financed_cents + p.financed_cents(),
        })
    }
}

/// A field that differs, before and after, as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub before: String,
    pub after: String,
}

/// A project in both versions whose content differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectChange {
    pub id: String,
    pub name: String,
    pub changes: Vec<FieldChange>,
    pub before: Money,
    pub after: Money,
}

/// What changed from one version to another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PactDiff {
    pub from: u32,
    pub to: u32,
    /// Title, kind, description, owner.
    pub text: Vec<FieldChange>,
    pub perimeter_added: Vec<TerritoryRef>,
    pub perimeter_removed: Vec<TerritoryRef>,
    pub parties_added: Vec<Party>,
    pub parties_removed: Vec<Party>,
    pub projects_added: Vec<ProjectSnapshot>,
    pub projects_removed: Vec<ProjectSnapshot>,
    pub projects_changed: Vec<ProjectChange>,
    pub money_before: Money,
    pub money_after: Money,
}

impl PactDiff {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
            && self.perimeter_added.is_empty()
            && self.perimeter_removed.is_empty()
            && self.parties_added.is_empty()
            && self.parties_removed.is_empty()
            && self.projects_added.is_empty()
            && self.projects_removed.is_empty()
            && self.projects_changed.is_empty()
    }
}

fn change(out: &mut Vec<FieldChange>, field: &str, before: String, after: String) {
    if before != after {
        out.push(FieldChange { field: field.into(), before, after });
    }
}

fn euros(cents: Option<i64>) -> String {
    cents.map_or_else(|| "—".into(), |c| format!("{}.{:02}", c / 100, (c % 100).abs()))
}

fn financing_text(p: &ProjectSnapshot) -> String {
    p.financing
        .iter()
        .map(|f| match &f.scheme {
            Some(s) => format!("{} ({s}) {}", f.financer, euros(Some(f.amount_cents))),
            None => format!("{} {}", f.financer, euros(Some(f.amount_cents))),
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

fn project_changes(a: &ProjectSnapshot, b: &ProjectSnapshot) -> Vec<FieldChange> {
    let mut out = Vec::new();
    change(&mut out, "name", a.name.clone(), b.name.clone());
    let label = |x: Option<&'static str>| x.unwrap_or("—").to_owned();
    change(&mut out, "phase", label(a.phase.map(Phase::label)), label(b.phase.map(Phase::label)));
    change(
        &mut out,
        "phase_status",
        label(a.phase_status.map(PhaseStatus::label)),
        label(b.phase_status.map(PhaseStatus::label)),
    );
    change(&mut out, "total_cost_cents", euros(a.total_cost_cents), euros(b.total_cost_cents));
    change(&mut out, "financing", financing_text(a), financing_text(b));
    out
}

/// Compares two versions.
pub fn diff(from: &Side<'_>, to: &Side<'_>) -> PactDiff {
    let (a, b) = (from.content, to.content);
    let mut text = Vec::new();
    change(&mut text, "title", a.title.clone(), b.title.clone());
    change(&mut text, "kind", a.kind.label().into(), b.kind.label().into());
    change(&mut text, "description", a.description.clone(), b.description.clone());
    change(&mut text, "owner", a.owner.clone(), b.owner.clone());

    let only = |x: &[TerritoryRef], y: &[TerritoryRef]| x.iter().filter(|t| !y.contains(t)).cloned().collect();
    let parties_only = |x: &[Party], y: &[Party]| {
        x.iter()
            .filter(|p| !y.iter().any(|q| q.key() == p.key() && q.name == p.name && q.kind == p.kind))
            .cloned()
            .collect()
    };

    // Projects are matched by id, among the actions of each version.
    let by_id = |side: &Side<'_>| -> BTreeMap<String, ProjectSnapshot> {
        side.content
            .actions
            .iter()
            .filter_map(|id| side.projects.iter().find(|p| &p.id == id).map(|p| (id.clone(), p.clone())))
            .collect()
    };
    let (before, after) = (by_id(from), by_id(to));
    let projects_added = after.values().filter(|p| !before.contains_key(&p.id)).cloned().collect();
    let projects_removed = before.values().filter(|p| !after.contains_key(&p.id)).cloned().collect();
    let projects_changed = before
        .values()
        .filter_map(|p| {
            let q = after.get(&p.id)?;
            let changes = project_changes(p, q);
            (!changes.is_empty()).then(|| ProjectChange {
                id: p.id.clone(),
                name: q.name.clone(),
                changes,
                before: Money::of([p]),
                after: Money::of([q]),
            })
        })
        .collect();
    PactDiff {
        from: from.number,
        to: to.number,
        text,
        perimeter_added: only(&b.perimeter, &a.perimeter),
        perimeter_removed: only(&a.perimeter, &b.perimeter),
        parties_added: parties_only(&b.parties, &a.parties),
        parties_removed: parties_only(&a.parties, &b.parties),
        projects_added,
        projects_removed,
        projects_changed,
        money_before: Money::of(before.values()),
        money_after: Money::of(after.values()),
    }
}
