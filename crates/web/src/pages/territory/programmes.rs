//! The programmes section of a territory page (and its France services block), built
//! from the same section builders as the API's overview.

use crate::Snapshot;
use crate::pages::layout::fr_number;
use crate::pages::programme::{fr_date, programme_href, status_label};
use cohesion_app::territory::{aggregates_section, france_services_section, programmes_section};

pub struct ProgrammeLine {
    pub href: String,
    pub name: String,
    /// "Directe", or the containing territory.
    pub via: Option<(String, String)>,
    pub group: String,
    pub status: &'static str,
    pub period: String,
    pub exited: bool,
}

pub struct PlaceLine {
    /// The place's own page (address, hours, contact).
    pub href: String,
    pub name: String,
    pub address: String,
    pub commune: String,
    pub format: String,
    /// "Lundi : 09:00 - 12:00", one per open day.
    pub hours: Vec<String>,
    pub distance: Option<String>,
}

pub struct AggregateLine {
    pub href: String,
    pub name: String,
    pub members: String,
    pub communes: String,
    pub population: String,
    pub share: String,
}

pub struct ProgrammesBlock {
    pub lines: Vec<ProgrammeLine>,
    pub aggregates: Option<Vec<AggregateLine>>,
    /// true: places inside the territory; false: the nearest ones.
    pub places_inside: bool,
    pub places: Vec<PlaceLine>,
    /// All places inside (only the first ones are listed).
    pub places_total: String,
    /// More than [`HOURS_INLINE`] places: a table linking to each place's page.
    pub places_compact: bool,
    pub approximate: bool,
}

/// Up to this many places, their hours are shown on the territory page; beyond, a
/// compact table links to each place's page (a département has 25 or more).
pub const HOURS_INLINE: usize = 3;

/// The page of a France services place.
pub fn place_href(id: &str) -> String {
    format!("/france-services/{}", crate::pages::layout::encode(id))
}

pub const DAYS: [&str; 6] = ["Lundi", "Mardi", "Mercredi", "Jeudi", "Vendredi", "Samedi"];

pub fn programmes_block(s: &Snapshot, idx: u32) -> ProgrammesBlock {
    let lines = programmes_section(s, idx)
        .into_iter()
        .map(|p| {
            let since = p.since.as_deref().map(fr_date);
            let period = match (&since, p.exited_on.as_deref()) {
                (Some(a), Some(b)) => format!("du {a} au {}", fr_date(b)),
                (None, Some(b)) => format!("jusqu’au {}", fr_date(b)),
                (Some(a), None) => format!("depuis le {a}"),
                (None, None) => String::new(),
            };
            let status = p.status.parse().map(status_label).unwrap_or("");
            ProgrammeLine {
                href: programme_href(&p.code),
                name: p.name,
                via: p.via.zip(p.via_name).map(|(r, n)| {
                    let href = format!("/territoires/{}", r.replacen(':', "/", 1));
                    (href, n)
                }),
                group: p.group_name.or(p.group_id).unwrap_or_default(),
                status,
                exited: p.exited_on.is_some(),
                period,
            }
        })
        .collect();
    let aggregates = aggregates_section(s, idx).map(|list| {
        list.into_iter()
            .map(|a| AggregateLine {
                href: programme_href(&a.code),
                name: a.name,
                members: fr_number(a.members as u64),
                communes: fr_number(a.communes as u64),
                population: fr_number(a.population),
                share: format!("{}\u{a0}%", a.population_share.to_string().replace('.', ",")),
            })
            .collect()
    });
    let fs = france_services_section(s, idx);
    let places: Vec<PlaceLine> = fs
        .places
        .iter()
        .take(30)
        .map(|p| PlaceLine {
            href: place_href(&p.id),
            name: p.name.clone(),
            address: [Some(p.address.clone()), p.address_complement.clone(), Some(p.postcode.clone())]
                .into_iter()
                .flatten()
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            commune: p.commune_name.clone().unwrap_or_else(|| p.commune.clone()),
            format: p.format.replace('_', " "),
            hours: p.hours.iter().zip(DAYS).filter_map(|(h, d)| h.as_ref().map(|h| format!("{d} : {h}"))).collect(),
            distance: p.distance_km.map(|d| format!("{} km", d.to_string().replace('.', ","))),
        })
        .collect();
    ProgrammesBlock {
        lines,
        aggregates,
        places_inside: fs.scope == "in",
        places_total: crate::pages::layout::plural(fs.places.len(), "lieu France services", "lieux France services"),
        places_compact: places.len() > HOURS_INLINE,
        places,
        approximate: fs.approximate_origin,
    }
}
