//! The "Ingénierie" section of a territory page: the public view of the accepted and
//! closed requests in the territory or inside it (needs, status, providers, outcome)
//! and their totals, from the same builder as the overview API
//! (`cohesion_app::engineering::read::territory_section`).

use cohesion_app::engineering::read::TerritoryEngineering;
use cohesion_core::engineering::{Need, RequestStatus};
use cohesion_core::project::money::format_euros;

use super::{count, days, href, request_badge};

pub struct Row {
    pub href: String,
    pub title: String,
    pub authority: String,
    pub needs: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub providers: String,
    pub outcome: String,
}

pub struct Section {
    pub rows: Vec<Row>,
    pub summary: String,
    pub more: bool,
    pub days: String,
    pub cost: String,
}

pub fn section(s: &TerritoryEngineering) -> Section {
    Section {
        rows: s
            .items
            .iter()
            .map(|p| {
                let status = RequestStatus::parse(&p.status).unwrap_or(RequestStatus::Accepted);
                let phase = match (p.phase_before, p.phase_after) {
                    (Some(a), Some(b)) if a != b => format!(" Phase : {} → {}.", a.label(), b.label()),
                    _ => String::new(),
                };
                let funded: i64 = p.fundings.iter().map(|f| f.amount_cents).sum();
                let funded = if funded > 0 {
                    format!(" Financements obtenus : {}.", format_euros(funded))
                } else {
                    String::new()
                };
                Row {
                    href: href(&p.id),
                    title: p.project_title.clone(),
                    authority: p.organisation_name.clone(),
                    needs: p
                        .needs
                        .iter()
                        .filter_map(|n| Need::parse(n))
                        .map(|n| n.label())
                        .collect::<Vec<_>>()
                        .join(", "),
                    status: status.label(),
                    badge: request_badge(status),
                    providers: p.providers.join(", "),
                    outcome: p.delivered.as_ref().map(|d| format!("{d}{phase}{funded}")).unwrap_or_default(),
                }
            })
            .collect(),
        summary: format!(
            "{}, dont {}",
            count(s.total, "demande accompagnée", "demandes accompagnées"),
            count(s.closed, "mission clôturée", "missions clôturées")
        ),
        more: s.total > s.items.len(),
        days: days(s.centidays),
        cost: format_euros(s.cost_cents),
    }
}
