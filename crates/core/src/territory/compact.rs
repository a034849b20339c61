//! The compact form of the referential shipped inside the binary: one tab-separated
//! line per territory, readable and diffable (`data/territories.tsv`).
//!
//! Line 1: `#cohesion-territories<TAB>v1<TAB><vintage>`; line 2: the column names;
//! then one territory per line. Empty cell = unknown; lists are space-separated.

use crate::import::{Fault, Faults};

use super::{Centroid, Parents, Referential, Territory, TerritoryKind, Typology};

const MAGIC: &str = "#cohesion-territories";
const COLUMNS: [&str; 21] = [
    "kind",
    "code",
    "name",
    "population",
    "siren",
    "postcodes",
    "commune",
    "epci",
    "departement",
    "region",
    "departements",
    "zone",
    "chef_lieu",
    "category",
    "financing",
    "density_level",
    "rurality",
    "centrality",
    "mountain",
    "lon",
    "lat",
];

/// The referential shipped with this build (COG vintage inside).
pub const SHIPPED: &str = include_str!("../../../../data/territories.tsv");

/// Writes the compact form.
pub fn write(referential: &Referential) -> String {
    let mut out = String::with_capacity(referential.len() * 128);
    out.push_str(&format!("{MAGIC}\tv1\t{}\n", referential.vintage()));
    out.push_str(&COLUMNS.join("\t"));
    out.push('\n');
    for t in referential.all() {
        let opt = |o: &Option<String>| o.clone().unwrap_or_default();
        let cells = [
            t.kind.as_str().to_owned(),
            t.code.clone(),
            clean(&t.name),
            t.population.map(|p| p.to_string()).unwrap_or_default(),
            opt(&t.siren),
            t.postcodes.join(" "),
            opt(&t.parents.commune),
            opt(&t.parents.epci),
            opt(&t.parents.departement),
            opt(&t.parents.region),
            t.departements.join(" "),
            opt(&t.zone),
            opt(&t.chef_lieu),
            opt(&t.category),
            opt(&t.financing),
            t.typology.density_level.map(|d| d.to_string()).unwrap_or_default(),
            t.typology.rurality.as_deref().map(clean).unwrap_or_default(),
            t.typology.centrality.as_deref().map(clean).unwrap_or_default(),
            t.typology.mountain.as_deref().map(clean).unwrap_or_default(),
            t.centroid.map(|c| format!("{:.6}", c.lon)).unwrap_or_default(),
            t.centroid.map(|c| format!("{:.6}", c.lat)).unwrap_or_default(),
        ];
        out.push_str(&cells.join("\t"));
        out.push('\n');
    }
    out
}

fn clean(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// Reads the compact form, reporting every faulty line.
pub fn read(source: &str, text: &str) -> Result<Referential, Faults> {
    let mut lines = text.lines();
    let vintage = lines
        .next()
        .and_then(|l| {
            let mut parts = l.split('\t');
            (parts.next() == Some(MAGIC) && parts.next() == Some("v1")).then(|| parts.next().unwrap_or("").to_owned())
        })
        .ok_or_else(|| Faults(vec![Fault::new(source, 1, None, "not a Cohésion territories file (v1)")]))?;
    if lines.next().map(|h| h.split('\t').eq(COLUMNS.iter().copied())) != Some(true) {
        return Err(Faults(vec![Fault::new(source, 2, None, "unexpected column names")]));
    }
    let mut faults = Vec::new();
    let mut territories = Vec::with_capacity(40_000);
    for (i, line) in lines.enumerate() {
        match parse_line(line) {
            Ok(t) => territories.push(t),
            Err((field, msg)) => faults.push(Fault::new(source, i + 3, field, msg)),
        }
    }
    if !faults.is_empty() {
        return Err(Faults(faults));
    }
    Referential::new(vintage, territories)
        .map_err(|e| Faults(e.faults.into_iter().map(|m| Fault::file(source, m)).collect()))
}

type LineError = (Option<&'static str>, String);

fn parse_line(line: &str) -> Result<Territory, LineError> {
    let c: Vec<&str> = line.split('\t').collect();
    if c.len() != COLUMNS.len() {
        return Err((None, format!("{} columns instead of {}", c.len(), COLUMNS.len())));
    }
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let list = |s: &str| s.split(' ').filter(|p| !p.is_empty()).map(str::to_owned).collect::<Vec<_>>();
    let kind: TerritoryKind = c[0].parse().map_err(|e| (Some("kind"), format!("{e}")))?;
    let code = kind.parse_code(c[1]).map_err(|e| (Some("code"), e.to_string()))?;
    let number = |field: &'static str, s: &str| -> Result<Option<f64>, LineError> {
        if s.is_empty() {
            return Ok(None);
        }
        s.parse().map(Some).map_err(|_| (Some(field), format!("`{s}` is not a number")))
    };
    let population = match c[3] {
        "" => None,
        p => Some(p.parse().map_err(|_| (Some("population"), format!("`{p}` is not a whole number")))?),
    };
    let density_level = match c[15] {
        "" => None,
        d => match d.parse::<u8>() {
            Ok(l @ 1..=7) => Some(l),
            _ => return Err((Some("density_level"), format!("`{d}` is not a level from 1 to 7"))),
        },
    };
    let centroid = match (number("lon", c[19])?, number("lat", c[20])?) {
        (Some(lon), Some(lat)) => Some(Centroid { lon, lat }),
        _ => None,
    };
    Ok(Territory {
        kind,
        code,
        name: c[2].to_owned(),
        population,
        siren: opt(c[4]),
        postcodes: list(c[5]),
        parents: Parents { commune: opt(c[6]), epci: opt(c[7]), departement: opt(c[8]), region: opt(c[9]) },
        departements: list(c[10]),
        zone: opt(c[11]),
        chef_lieu: opt(c[12]),
        category: opt(c[13]),
        financing: opt(c[14]),
        typology: Typology { density_level, rurality: opt(c[16]), centrality: opt(c[17]), mountain: opt(c[18]) },
        centroid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_reports_lines() {
        let mut com = Territory::new(TerritoryKind::Commune, "42218", "Saint-Étienne");
        com.population = Some(173_136);
        com.postcodes = vec!["42000".into(), "42100".into()];
        com.typology.density_level = Some(1);
        com.centroid = Some(Centroid { lon: 4.387_1, lat: 45.434_2 });
        let r = Referential::new("COG 2026", vec![com]).expect("ok");
        let text = write(&r);
        let back = read("t.tsv", &text).expect("round trip");
        assert_eq!(back.all(), r.all());
        assert_eq!(back.vintage(), "COG 2026");

        let broken = text.replace("173136", "17x").replace("\t1\t", "\t9\t");
        let err = read("t.tsv", &broken).expect_err("faulty");
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].line, 3);
        assert_eq!(err.0[0].field.as_deref(), Some("population"));
    }

    #[test]
    fn shipped_referential_is_complete() {
        let r = read("territories.tsv", SHIPPED).expect("the shipped referential is valid");
        assert_eq!(r.count(TerritoryKind::Commune), 34_969);
        assert_eq!(r.count(TerritoryKind::ArrondissementMunicipal), 45);
        assert_eq!(r.count(TerritoryKind::Epci), 1_255);
        assert_eq!(r.count(TerritoryKind::Departement), 109);
        assert_eq!(r.count(TerritoryKind::Region), 26);
        let paris = r.get(TerritoryKind::Commune, "75056").expect("Paris");
        let idx = r.index_of(TerritoryKind::Commune, "75056").expect("Paris");
        assert_eq!(r.children_of_kind(idx, TerritoryKind::ArrondissementMunicipal).count(), 20);
        assert!(paris.population.unwrap_or(0) > 2_000_000);
    }
}
