//! The indicators section of a territory's page, from `cohesion_app::indicator`.

use cohesion_core::territory::TerritoryRef;

use cohesion_core::indicator::Dating;

use crate::pages::explain::{fr_date, fr_decimal, fr_value};
use cohesion_app::indicator::{DatedValue, TerritoryIndicators};

pub struct Line {
    pub date: String,
    pub value: String,
    pub source: String,
}

pub struct Peer {
    pub name: String,
    pub href: String,
    pub value: String,
}

pub struct Block {
    pub code: String,
    pub name: String,
    pub unit: String,
    pub latest: Option<Line>,
    pub limits: String,
    pub history: Vec<Line>,
    /// "2 valeurs d’une version antérieure conservées", or empty.
    pub superseded: String,
    pub local: Vec<Line>,
    pub objectives: Vec<Line>,
    /// Value, date, coverage sentence, rule.
    pub rollup: Option<(String, String, String, String)>,
    pub refused: Option<String>,
    pub peers: Vec<Peer>,
}

pub struct Section {
    pub blocks: Vec<Block>,
    pub peers_basis: String,
}

/// A value's date as the sentence says it: « au 1er janvier 2023 » for a stock, « en
/// 2023 » for a flow counted over the year (`Indicator::dating`).
pub fn dated(dating: Dating, date: &str) -> String {
    match dating {
        Dating::DuringYear => match date.get(..4).filter(|y| y.bytes().all(|b| b.is_ascii_digit())) {
            Some(year) => format!("en {year}"),
            None => format!("au {}", fr_date(date)),
        },
        Dating::AtDate => format!("au {}", fr_date(date)),
    }
}

fn line(v: &DatedValue, dating: Dating) -> Line {
    Line {
        date: dated(dating, &v.date),
        value: fr_value(v.value),
        source: format!("{} ({}), version du {}", v.source.name, v.source.producer, fr_date(&v.source.version_date)),
    }
}

pub fn section(data: TerritoryIndicators) -> Section {
    let blocks = data
        .items
        .into_iter()
        .map(|i| {
            let dating = cohesion_core::indicator::find(&i.code).map_or(Dating::AtDate, |d| d.dating);
            let line = |v: &DatedValue| line(v, dating);
            Block {
                latest: i.latest.as_ref().map(line),
                limits: i.latest.as_ref().map(|l| l.source.limits.clone()).unwrap_or_default(),
                history: i.history.iter().skip(1).take(5).map(line).collect(),
                superseded: match i.superseded.len() {
                    0 => String::new(),
                    1 => "1 valeur d’une version antérieure conservée".to_owned(),
                    n => {
                        format!(
                            "{} valeurs d’une version antérieure conservées",
                            crate::pages::layout::fr_number(n as u64)
                        )
                    }
                },
                local: i.local.iter().map(line).collect(),
                objectives: i
                    .objectives
                    .iter()
                    .map(|o| Line {
                        date: dated(dating, &o.date),
                        value: fr_value(o.value),
                        source: format!("version {}", o.version),
                    })
                    .collect(),
                rollup: i.rollup.as_ref().map(|r| {
                    let mut coverage = format!(
                        "{} sur {} {} une valeur",
                        crate::pages::layout::fr_number(r.covered as u64),
                        crate::pages::layout::plural(r.components, "commune", "communes"),
                        if r.covered < 2 { "a" } else { "ont" }
                    );
                    if let Some(w) = r.weight_coverage {
                        coverage.push_str(&format!(", soit {} % du poids", fr_decimal(w * 100.0, 1)));
                    }
                    if !r.complete {
                        coverage.push_str(" : valeur partielle");
                    }
                    (r.value.map_or_else(|| "—".to_owned(), fr_value), dated(dating, &r.date), coverage, r.rule.clone())
                }),
                refused: i.rollup_refused.clone(),
                peers: i
                    .peers
                    .iter()
                    .filter(|_| i.peers.iter().any(|p| p.value.is_some()))
                    .map(|p| Peer {
                        name: p.name.clone(),
                        href: p
                            .territory
                            .parse::<TerritoryRef>()
                            .map(|t| format!("/territoires/{}/{}", t.kind.as_str(), t.code))
                            .unwrap_or_default(),
                        value: match (p.value, p.from_communes) {
                            (Some(v), true) => format!("{} (calculé depuis les communes)", fr_value(v)),
                            (Some(v), false) => fr_value(v),
                            (None, _) => "—".to_owned(),
                        },
                    })
                    .collect(),
                code: i.code,
                name: i.name,
                unit: i.unit,
            }
        })
        .collect();
    Section { blocks, peers_basis: data.peers_basis }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_yearly_count_is_dated_as_its_year_a_stock_at_its_date() {
        assert_eq!(dated(Dating::DuringYear, "2023-01-01"), "en 2023");
        assert_eq!(dated(Dating::DuringYear, "2023-12-31"), "en 2023");
        assert_eq!(dated(Dating::AtDate, "2023-01-01"), "au 1er janvier 2023");
        assert_eq!(dated(Dating::DuringYear, "2023"), "en 2023", "a year alone");
        let creations = cohesion_core::indicator::find("business_creations").expect("indicator");
        assert_eq!(creations.dating, Dating::DuringYear);
        assert_eq!(cohesion_core::indicator::find("population").expect("indicator").dating, Dating::AtDate);
    }
}
