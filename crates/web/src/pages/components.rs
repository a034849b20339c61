//! The components table of a territory page: the territories of one kind inside it,
//! sortable by column through links (so without JavaScript) and paginated.

use std::cmp::Ordering;
use time::{Date, Month, OffsetDateTime, UtcOffset, Weekday};

use cohesion_core::territory::{Referential, Territory, TerritoryKind};

use super::layout::{Pagination, population, territory_href};

const PER_PAGE: usize = 25;

/// A sortable column header.
pub struct Column {
    pub label: &'static str,
    pub href: String,
    /// `aria-sort`: ascending, descending or none.
    pub sort: &'static str,
    pub numeric: bool,
}

pub struct ChildRow {
    pub name: String,
    pub href: String,
    pub code: String,
    pub population: String,
    pub density: String,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Name,
    Code,
    Population,
    Density,
}

#[derive(Clone, Copy)]
pub struct Sort {
    key: Key,
    descending: bool,
}

impl Sort {
    pub fn parse(key: Option<&str>, order: Option<&str>) -> Sort {
        let key = match key {
            Some("code") => Key::Code,
            Some("population") => Key::Population,
            Some("densite") => Key::Density,
            _ => Key::Name,
        };
        Sort { key, descending: order == Some("desc") }
    }

    /// The sort as one word (`code-desc`): a key for what it shows.
    pub fn key(self) -> String {
        let key = match self.key {
            Key::Name => "nom",
            Key::Code => "code",
            Key::Population => "population",
            Key::Density => "densite",
        };
        format!("{key}-{}", if self.descending { "desc" } else { "asc" })
    }

    fn compare(self, a: &Territory, b: &Territory) -> Ordering {
        let o = match self.key {
            // Children come sorted by name already: a stable sort keeps that order.
            Key::Name => Ordering::Equal,
            Key::Code => a.code.cmp(&b.code),
            Key::Population => a.population.cmp(&b.population),
            Key::Density => a.typology.density_level.cmp(&b.typology.density_level),
        };
        if self.descending { o.reverse() } else { o }
    }
}

pub type Table = (Vec<Column>, Vec<ChildRow>, Option<Pagination>);

pub fn children_table(r: &Referential, idx: u32, list: TerritoryKind, sort: Sort, page: usize, base: &str) -> Table {
    let mut children: Vec<&Territory> = r.children_of_kind(idx, list).collect();
    if sort.key == Key::Name && sort.descending {
        children.reverse();
    } else {
        children.sort_by(|a, b| sort.compare(a, b));
    }
    let state = |key: &str, desc: bool| {
        format!("{base}liste={}&tri={key}&ordre={}", list.as_str(), if desc { "desc" } else { "asc" })
    };
    let mut keys = vec![("Nom", "nom", Key::Name, false), ("Code", "code", Key::Code, false)];
    keys.push(("Population", "population", Key::Population, true));
    if list == TerritoryKind::Commune {
        keys.push(("Densité (grille Insee)", "densite", Key::Density, false));
    }
    let columns = keys
        .into_iter()
        .map(|(label, name, key, numeric)| {
            let active = sort.key == key;
            // A click on the active column flips the order; on another, sorts it the
            // natural way (names A→Z, figures largest first).
            let desc = if active { !sort.descending } else { numeric };
            Column {
                label,
                href: format!("{}#composantes", state(name, desc)),
                sort: match (active, sort.descending) {
                    (false, _) => "none",
                    (true, false) => "ascending",
                    (true, true) => "descending",
                },
                numeric,
            }
        })
        .collect();
    let current = format!(
        "{base}liste={}&tri={}&ordre={}",
        list.as_str(),
        key_name(sort.key),
        if sort.descending { "desc" } else { "asc" }
    );
    let pagination = Pagination::new(children.len(), PER_PAGE, page, |n| format!("{current}&page={n}#composantes"));
    let page = page.min(children.len().div_ceil(PER_PAGE).max(1));
    let rows = children
        .into_iter()
        .skip((page - 1) * PER_PAGE)
        .take(PER_PAGE)
        .map(|c| ChildRow {
            name: c.name.clone(),
            href: territory_href(c),
            code: c.code.clone(),
            population: population(c.population),
            density: c
                .typology
                .density_label()
                .map(|l| format!("{} – {l}", c.typology.density_level.unwrap_or(0)))
                .unwrap_or_default(),
        })
        .collect();
    (columns, rows, pagination)
}

fn key_name(key: Key) -> &'static str {
    match key {
        Key::Name => "nom",
        Key::Code => "code",
        Key::Population => "population",
        Key::Density => "densite",
    }
}

pub struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

pub struct Link {
    pub label: String,
    pub href: Option<String>,
}

/// Who did something, as the audit trail stores it, said in French: the platform's
/// own steps by what they are, a person by their account.
pub fn actor_fr(actor: &str) -> String {
    match actor.split_once(':') {
        Some(("system", "first-start")) => "chargement initial des données".to_owned(),
        Some(("system", _)) => "la plateforme".to_owned(),
        Some(("cli", user)) => format!("ligne de commande ({user})"),
        Some(("person", _)) => "une personne inscrite".to_owned(),
        _ if actor == "anonymous" => "un visiteur".to_owned(),
        _ => actor.to_owned(),
    }
}

/// `2026-11-28T08:49:11.159Z` → `28 novembre 2026 à 09:49`, in Paris time (the
/// stored text as it is if it is not RFC 3339).
pub fn french_time(rfc3339: &str) -> String {
    match OffsetDateTime::parse(rfc3339, &time::format_description::well_known::Rfc3339) {
        Ok(t) => moment(t),
        Err(_) => rfc3339.to_owned(),
    }
}

/// The last Sunday of `month` of `year`.
fn last_sunday(year: i32, month: Month) -> Option<Date> {
    let mut d = Date::from_calendar_date(year, month, time::util::days_in_month(month, year)).ok()?;
    while d.weekday() != Weekday::Sunday {
        d = d.previous_day()?;
    }
    Some(d)
}

/// `t` in Europe/Paris: UTC+2 from the last Sunday of March to the last Sunday of
/// October (at 01:00 UTC both), UTC+1 otherwise (the EU rule since 1996).
pub fn in_paris(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    let year = t.year();
    let summer = match (last_sunday(year, Month::March), last_sunday(year, Month::October)) {
        (Some(start), Some(end)) => {
            let start = start.midnight().assume_utc() + time::Duration::hours(1);
            let end = end.midnight().assume_utc() + time::Duration::hours(1);
            t >= start && t < end
        }
        _ => false,
    };
    let hours = if summer { 2 } else { 1 };
    t.to_offset(UtcOffset::from_hms(hours, 0, 0).unwrap_or(UtcOffset::UTC))
}

/// The months in French, January first.
pub const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "6 décembre 2026" (`1er` for the first of the month).
pub fn day(d: Date) -> String {
    let n = d.day();
    let month = MONTHS[usize::from(u8::from(d.month())) - 1];
    if n == 1 { format!("1er {month} {}", d.year()) } else { format!("{n} {month} {}", d.year()) }
}

/// "6 décembre 2026 à 05:12", in Paris time.
pub fn moment(t: OffsetDateTime) -> String {
    let p = in_paris(t);
    format!("{} à {:02}:{:02}", day(p.date()), p.hour(), p.minute())
}

/// One territory chosen by searching, in a form that works without a script: the
/// territory ticked (a radio button), a search field whose « Chercher » button
/// (`name="chercher"`, `value` = the picker's name) sends the form back with what was
/// found, and everything else typed kept. `templates/territory_picker.html` shows it.
#[derive(Default)]
pub struct TerritoryPicker {
    /// The territory chosen (`kind:code`, its label).
    pub chosen: Option<(String, String)>,
    pub q: String,
    /// What the search found (`kind:code`, label), the chosen one left out.
    pub found: Vec<(String, String)>,
    /// « Aucun territoire ne correspond à … », after a search that found nothing.
    pub none: Option<String>,
}

impl TerritoryPicker {
    /// The picker from the form's chosen value and search words; `search`: its
    /// « Chercher » was pressed.
    pub fn new(state: &crate::AppState, chosen: &str, q: &str, search: bool) -> TerritoryPicker {
        let chosen = chosen
            .trim()
            .parse::<cohesion_core::territory::TerritoryRef>()
            .ok()
            .map(|t| (t.to_string(), territory_label(state, &t)));
        let q = q.trim().to_owned();
        let mut picker = TerritoryPicker { chosen, q, ..TerritoryPicker::default() };
        if search && !picker.q.is_empty() {
            picker.found = found_territories(state, &picker.q, 10)
                .into_iter()
                .map(|t| cohesion_core::territory::TerritoryRef { kind: t.kind, code: t.code })
                .filter(|t| picker.chosen.as_ref().is_none_or(|(v, _)| *v != t.to_string()))
                .map(|t| (t.to_string(), territory_label(state, &t)))
                .collect();
            if picker.found.is_empty() {
                picker.none = Some(format!("Aucun territoire ne correspond à « {} ».", picker.q));
            }
        }
        picker
    }
}

/// The first `limit` territories the search finds for `q`, best first (the territory
/// search of the site: names with their elisions, codes, postcodes, former communes).
pub fn found_territories(state: &crate::AppState, q: &str, limit: usize) -> Vec<cohesion_core::territory::Territory> {
    let snapshot = state.current();
    let r = &snapshot.referential;
    let query = cohesion_core::territory::search::Query { text: q, kind: None, parent: None, limit, offset: 0 };
    snapshot.index.search(r, &query).items.iter().filter_map(|&i| r.all().get(i as usize)).cloned().collect()
}

/// A territory as a choice names it: « Saint-Étienne — commune, Loire (42) ».
pub fn territory_label(state: &crate::AppState, t: &cohesion_core::territory::TerritoryRef) -> String {
    use cohesion_core::territory::TerritoryKind;
    let snapshot = state.current();
    let r = &snapshot.referential;
    match r.get_ref(t) {
        Some(x) => {
            let dep = x
                .parents
                .departement
                .as_deref()
                .filter(|_| x.kind != TerritoryKind::Departement)
                .and_then(|d| r.get(TerritoryKind::Departement, d))
                .map(|d| format!(", {} ({})", d.name, d.code))
                .unwrap_or_default();
            format!("{} — {}{dep}", x.name, crate::pages::layout::kind_label(x.kind).to_lowercase())
        }
        None => t.to_string(),
    }
}
