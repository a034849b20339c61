//! The components table of a territory page: the territories of one kind inside it,
//! sortable by column through links (so without JavaScript) and paginated.

use std::cmp::Ordering;

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

/// `2026-11-28T08:49:11.159Z` → `28/11/2026 à 08:49 UTC`.
pub fn french_time(rfc3339: &str) -> String {
    match (rfc3339.get(0..4), rfc3339.get(5..7), rfc3339.get(8..10), rfc3339.get(11..16)) {
        (Some(y), Some(m), Some(d), Some(hm)) => format!("{d}/{m}/{y} à {hm} UTC"),
        _ => rfc3339.to_owned(),
    }
}
