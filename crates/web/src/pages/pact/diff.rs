//! `/pactes/{id}/comparaison?de=&a=`: what changed between two versions of a pact —
//! the text, the perimeter and the parties added or removed, the projects added,
//! removed and changed, with the money before and after.

use askama::Template;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use cohesion_core::pact::{Money, Pact, ProjectSnapshot};
use cohesion_core::project::money::format_euros;
use cohesion_core::territory::TerritoryRef;
use serde::Deserialize;

use crate::AppState;
use crate::pages::components::Link;
use crate::pages::error::{PageError, render};
use crate::pages::layout::{Layout, Nav, territory_href};
use crate::pages::pact::detail::version_label;
use crate::pages::visitor::Who;
use cohesion_app::AppError;
use cohesion_app::pact as pacts;

#[derive(Deserialize, Default)]
pub struct Params {
    de: Option<String>,
    a: Option<String>,
}

pub struct Change {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

pub struct ProjectRow {
    pub name: String,
    pub href: String,
    pub cost: String,
    pub financed: String,
}

pub struct ChangedProject {
    pub name: String,
    pub href: String,
    pub changes: Vec<Change>,
    pub cost_before: String,
    pub cost_after: String,
    pub financed_before: String,
    pub financed_after: String,
}

#[derive(Template)]
#[template(path = "pact_diff.html")]
struct DiffPage {
    layout: Layout,
    id: String,
    from: u32,
    to: u32,
    from_label: String,
    to_label: String,
    from_href: String,
    to_href: String,
    choices: Vec<(u32, String, bool, bool)>,
    empty: bool,
    text: Vec<Change>,
    places_added: Vec<Link>,
    places_removed: Vec<Link>,
    parties_added: Vec<String>,
    parties_removed: Vec<String>,
    projects_added: Vec<ProjectRow>,
    projects_removed: Vec<ProjectRow>,
    projects_changed: Vec<ChangedProject>,
    cost_before: String,
    cost_after: String,
    cost_delta: String,
    financed_before: String,
    financed_after: String,
    financed_delta: String,
}

fn field_label(field: &str) -> &'static str {
    match field {
        "title" => "Titre",
        "kind" => "Type de contrat",
        "description" => "Description",
        "owner" => "Pilote",
        "name" => "Nom",
        "phase" => "Phase",
        "phase_status" => "Avancement",
        "total_cost_cents" => "Coût total",
        "financing" => "Financements",
        _ => "Autre",
    }
}

/// `1234.50` (as the diff writes amounts) → `1 234,50 €`; other words unchanged.
fn euros_in(text: &str) -> String {
    text.split(' ')
        .map(|w| {
            let (body, tail) = w.strip_suffix(';').map_or((w, ""), |b| (b, ";"));
            match body.split_once('.') {
                Some((e, c))
                    if !e.is_empty()
                        && c.len() == 2
                        && (e.to_owned() + c).chars().all(|x| x.is_ascii_digit() || x == '-') =>
                {
                    match format!("{e}{c}").parse::<i64>() {
                        Ok(cents) => format!("{}{tail}", format_euros(cents)),
                        Err(_) => w.to_owned(),
                    }
                }
                _ => w.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn signed(cents: i64) -> String {
    if cents > 0 { format!("+{}", format_euros(cents)) } else { format_euros(cents) }
}

fn project_row(p: &ProjectSnapshot) -> ProjectRow {
    ProjectRow {
        name: p.name.clone(),
        href: format!("/projets/{}", p.id),
        cost: p.total_cost_cents.map_or_else(|| "non renseigné".into(), format_euros),
        financed: format_euros(p.financed_cents()),
    }
}

/// A party key (`state`, a SIREN) as the name it has in either version.
fn party_name(p: &Pact, key: &str) -> String {
    p.versions.iter().rev().find_map(|v| v.content.party(key)).map_or_else(|| key.to_owned(), |x| x.name.clone())
}

fn money(m: Money) -> (String, String) {
    (format_euros(m.cost_cents), format_euros(m.financed_cents))
}

/// `GET /pactes/{id}/comparaison?de=1&a=2` (by default the newest version and the one before).
pub async fn compare(
    State(state): State<AppState>,
    who: Who,
    Path(id): Path<String>,
    params: Result<Query<Params>, QueryRejection>,
) -> Result<Response, PageError> {
    let q = params.ok().map(|Query(q)| q).unwrap_or_default();
    let p = match cohesion_app::pact::read::open(&state, who.auth.as_ref().map(|a| &a.principal), &id).await {
        Ok(o) => o.pact,
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let to = q.a.and_then(|n| n.parse::<u32>().ok()).unwrap_or(p.current().number);
    let from = q.de.and_then(|n| n.parse::<u32>().ok()).unwrap_or(to.saturating_sub(1).max(1));
    let d = match pacts::diff(&state, &p, from, to) {
        Ok(d) => d,
        Err(AppError::NotFound(_)) => return Err(PageError::not_found(&who.config)),
        Err(e) => return Err(PageError::internal(&who.config, e)),
    };
    let snapshot = state.current();
    let r = &snapshot.referential;
    let link = |t: &TerritoryRef| match r.get_ref(t) {
        Some(x) => Link { label: x.name.clone(), href: Some(territory_href(x)) },
        None => Link { label: t.to_string(), href: None },
    };
    let title = p.current().content.title.clone();
    let (cost_before, financed_before) = money(d.money_before);
    let (cost_after, financed_after) = money(d.money_after);
    let page = DiffPage {
        layout: Layout::new(
            &who.config,
            format!("Ce qui a changé : {} → {}", version_label(from), version_label(to)),
            Nav::Pacts,
        )
        .crumb("Pactes", "/pactes")
        .crumb(title, format!("/pactes/{id}")),
        from,
        to,
        from_label: version_label(from),
        to_label: version_label(to),
        from_href: format!("/pactes/{id}/versions/{from}"),
        to_href: format!("/pactes/{id}/versions/{to}"),
        choices: p
            .versions
            .iter()
            .map(|v| (v.number, version_label(v.number), v.number == from, v.number == to))
            .collect(),
        empty: d.is_empty(),
        text: d
            .text
            .iter()
            .map(|c| {
                let (before, after) = if c.field == "owner" {
                    (party_name(&p, &c.before), party_name(&p, &c.after))
                } else {
                    (c.before.clone(), c.after.clone())
                };
                Change { field: field_label(&c.field), before, after }
            })
            .collect(),
        places_added: d.perimeter_added.iter().map(link).collect(),
        places_removed: d.perimeter_removed.iter().map(link).collect(),
        parties_added: d.parties_added.iter().map(|x| format!("{} ({})", x.name, x.kind.label())).collect(),
        parties_removed: d.parties_removed.iter().map(|x| format!("{} ({})", x.name, x.kind.label())).collect(),
        projects_added: d.projects_added.iter().map(project_row).collect(),
        projects_removed: d.projects_removed.iter().map(project_row).collect(),
        projects_changed: d
            .projects_changed
            .iter()
            .map(|c| ChangedProject {
                name: c.name.clone(),
                href: format!("/projets/{}", c.id),
                changes: c
                    .changes
                    .iter()
                    .map(|f| Change {
                        field: field_label(&f.field),
                        before: euros_in(&f.before),
                        after: euros_in(&f.after),
                    })
                    .collect(),
                cost_before: format_euros(c.before.cost_cents),
                cost_after: format_euros(c.after.cost_cents),
                financed_before: format_euros(c.before.financed_cents),
                financed_after: format_euros(c.after.financed_cents),
            })
            .collect(),
        cost_before,
        cost_after,
        cost_delta: signed(d.money_after.cost_cents - d.money_before.cost_cents),
        financed_before,
        financed_after,
        financed_delta: signed(d.money_after.financed_cents - d.money_before.financed_cents),
        id,
    };
    Ok(render(&who.config, &page)?.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_of_the_diff_read_in_euros() {
        assert_eq!(
            euros_in("État (DSIL) 400000.00 ; Région 5.50"),
            "État (DSIL) 400\u{202f}000\u{a0}€ ; Région 5,50\u{a0}€"
        );
        assert_eq!(euros_in("—"), "—");
    }
}
