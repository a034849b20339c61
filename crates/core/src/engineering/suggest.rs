//! Which providers to ask for a request: competence × territory × current load,
//! ranked, each with the reason shown to the delegate.

use serde::Serialize;

use super::model::{Need, Provider};

/// A provider and how many missions it carries now.
#[derive(Debug, Clone)]
pub struct ProviderLoad {
    pub provider: Provider,
    /// Missions proposed to it or in progress with it.
    pub active_missions: u32,
}

/// One suggested provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suggestion {
    pub provider: String,
    pub name: String,
    /// The needs of the request it has the competence for.
    pub matched: Vec<Need>,
    /// Whether it names the département (rather than working everywhere).
    pub local: bool,
    pub active_missions: u32,
    pub capacity: u32,
    /// Why it is suggested, in French.
    pub reason: String,
}

impl Suggestion {
    fn full(&self) -> bool {
        self.active_missions >= self.capacity
    }
}

/// The active providers covering `departement` with at least one of `needs`, best
/// first: those with room before those at capacity; then more needs matched; then
/// those of the département before national ones; then the lighter load (missions
/// per unit of capacity); then by name.
pub fn suggest(needs: &[Need], departement: &str, providers: &[ProviderLoad]) -> Vec<Suggestion> {
    let mut out: Vec<Suggestion> = providers
        .iter()
        .filter(|l| l.provider.active && l.provider.covers(departement))
        .filter_map(|l| {
            let p = &l.provider;
            let matched: Vec<Need> = needs.iter().copied().filter(|n| p.competences.contains(n)).collect();
            if matched.is_empty() {
                return None;
            }
            let local = !p.departements.is_empty();
            let labels: Vec<&str> = matched.iter().map(|n| n.label()).collect();
            let place = if local {
                format!("intervient dans le département {departement}")
            } else {
                "intervient sur tout le territoire".to_owned()
            };
            let load = if l.active_missions >= p.capacity {
                format!("capacité atteinte ({} missions en cours pour {} possibles)", l.active_missions, p.capacity)
            } else {
                let missions = if l.active_missions < 2 { "mission en cours" } else { "missions en cours" };
                format!("{} {missions} pour {} possibles", l.active_missions, p.capacity)
            };
            let reason = format!(
                "Compétent en {} ({} {} sur {}) ; {place} ; {load}",
                labels.join(", "),
                matched.len(),
                if matched.len() < 2 { "besoin" } else { "besoins" },
                needs.len()
            );
            Some(Suggestion {
                provider: p.id.clone(),
                name: p.name.clone(),
                matched,
                local,
                active_missions: l.active_missions,
                capacity: p.capacity,
                reason,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        a.full()
            .cmp(&b.full())
            .then(b.matched.len().cmp(&a.matched.len()))
            .then(b.local.cmp(&a.local))
            // a.active / a.capacity < b.active / b.capacity, without floats.
            .then(
                (u64::from(a.active_missions) * u64::from(b.capacity.max(1)))
                    .cmp(&(u64::from(b.active_missions) * u64::from(a.capacity.max(1)))),
            )
            .then(a.name.cmp(&b.name))
    });
    out
}
