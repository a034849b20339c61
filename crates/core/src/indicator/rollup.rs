//! Roll-ups: commune values added up to EPCI, département, région and France with the
//! indicator's rule, and how much of the territory the result covers.
//!
//! Every level is computed from the communes directly (not from the level below), so
//! that an EPCI spanning two départements counts in each only through its communes and
//! the coverage of each level is exact. Municipal arrondissements are parts of their
//! commune and are not counted again.

use std::collections::HashMap;

use serde::Serialize;

use super::Aggregation;
use crate::territory::{Referential, TerritoryKind, TerritoryRef};

/// One rolled-up value. `territory` is `None` for France as a whole.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rollup {
    pub territory: Option<TerritoryRef>,
    /// `None` when no component has a value (and a weight, for weighted means).
    pub value: Option<f64>,
    /// Communes in the territory.
    pub components: usize,
    /// Communes whose value (and weight) entered the result.
    pub covered: usize,
    /// Weighted means: the share of the total weight (e.g. of the population) that the
    /// covered communes hold, among communes with a known weight.
    pub weight_coverage: Option<f64>,
}

impl Rollup {
    /// Every component counted: the value is the territory's, not a partial one.
    pub fn is_complete(&self) -> bool {
        self.components > 0 && self.covered == self.components
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RollupError {
    #[error("this indicator is a median (or another order statistic): it cannot be rolled up from its components")]
    NotAggregable,
    #[error("a weighted mean needs the values of its weight indicator `{0}`")]
    MissingWeight(String),
}

#[derive(Default, Clone, Copy)]
struct Acc {
    components: usize,
    covered: usize,
    sum: f64,
    weight_sum: f64,
    weight_known: f64,
}

/// Values keyed by commune code.
pub type CommuneValues = HashMap<String, f64>;

fn check<'a>(
    aggregation: &Aggregation,
    weights: Option<&'a CommuneValues>,
) -> Result<Option<&'a CommuneValues>, RollupError> {
    match aggregation {
        Aggregation::NotAggregable => Err(RollupError::NotAggregable),
        Aggregation::Sum => Ok(None),
        Aggregation::WeightedMean { weight } => {
            weights.map(Some).ok_or_else(|| RollupError::MissingWeight(weight.clone()))
        }
    }
}

fn add(acc: &mut Acc, value: Option<f64>, weight: Option<Option<f64>>) {
    acc.components += 1;
    match weight {
        None => {
            if let Some(v) = value {
                acc.covered += 1;
                acc.sum += v;
            }
        }
        Some(w) => {
            if let Some(w) = w {
                acc.weight_known += w;
                if let Some(v) = value {
                    acc.covered += 1;
                    acc.sum += w * v;
                    acc.weight_sum += w;
                }
            }
        }
    }
}

fn finish(territory: Option<TerritoryRef>, acc: &Acc, weighted: bool) -> Rollup {
    let value = match (acc.covered, weighted) {
        (0, _) => None,
        (_, false) => Some(acc.sum),
        (_, true) if acc.weight_sum > 0.0 => Some(acc.sum / acc.weight_sum),
        (_, true) => None,
    };
    let weight_coverage = (weighted && acc.weight_known > 0.0).then(|| acc.weight_sum / acc.weight_known);
    Rollup { territory, value, components: acc.components, covered: acc.covered, weight_coverage }
}

/// Every EPCI, département and région, then France (last), in one pass over the communes.
pub fn rollup_all(
    referential: &Referential,
    aggregation: &Aggregation,
    values: &CommuneValues,
    weights: Option<&CommuneValues>,
) -> Result<Vec<Rollup>, RollupError> {
    let weights = check(aggregation, weights)?;
    let mut by: HashMap<(TerritoryKind, &str), Acc> = HashMap::new();
    let mut france = Acc::default();
    for t in referential.all().iter().filter(|t| t.kind == TerritoryKind::Commune) {
        let v = values.get(&t.code).copied();
        let w = weights.map(|w| w.get(&t.code).copied());
        add(&mut france, v, w);
        let p = &t.parents;
        for (kind, code) in [
            (TerritoryKind::Epci, &p.epci),
            (TerritoryKind::Departement, &p.departement),
            (TerritoryKind::Region, &p.region),
        ] {
            if let Some(code) = code {
                add(by.entry((kind, code.as_str())).or_default(), v, w);
            }
        }
    }
    let weighted = weights.is_some();
    let mut out: Vec<Rollup> = by
        .iter()
        .map(|((kind, code), acc)| finish(Some(TerritoryRef { kind: *kind, code: (*code).to_owned() }), acc, weighted))
        .collect();
    out.sort_by(|a, b| a.territory.cmp(&b.territory));
    out.push(finish(None, &france, weighted));
    Ok(out)
}

/// One territory (`None` = France) from the communes it contains; a commune is its own
/// single component.
pub fn rollup_one(
    referential: &Referential,
    target: Option<&TerritoryRef>,
    aggregation: &Aggregation,
    values: &CommuneValues,
    weights: Option<&CommuneValues>,
) -> Result<Rollup, RollupError> {
    let weights = check(aggregation, weights)?;
    let mut acc = Acc::default();
    let mut visit = |code: &str| add(&mut acc, values.get(code).copied(), weights.map(|w| w.get(code).copied()));
    match target {
        None => referential.all().iter().filter(|t| t.kind == TerritoryKind::Commune).for_each(|t| visit(&t.code)),
        Some(r) if r.kind == TerritoryKind::Commune => visit(&r.code),
        Some(r) => {
            if let Some(idx) = referential.index_of(r.kind, &r.code) {
                referential.children_of_kind(idx, TerritoryKind::Commune).for_each(|t| visit(&t.code));
            }
        }
    }
    Ok(finish(target.cloned(), &acc, weights.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territory::{Parents, Territory};

    fn referential() -> Referential {
        let com = |code: &str, epci: &str, dep: &str| {
            let mut t = Territory::new(TerritoryKind::Commune, code, code);
            t.parents = Parents {
                epci: Some(epci.into()),
                departement: Some(dep.into()),
                region: Some("84".into()),
                ..Parents::default()
            };
            t
        };
        let mut d42 = Territory::new(TerritoryKind::Departement, "42", "Loire");
        d42.parents.region = Some("84".into());
        let mut d43 = Territory::new(TerritoryKind::Departement, "43", "Haute-Loire");
        d43.parents.region = Some("84".into());
        Referential::new(
            "test",
            vec![
                Territory::new(TerritoryKind::Region, "84", "ARA"),
                d42,
                d43,
                Territory::new(TerritoryKind::Epci, "200046977", "SEM"),
                com("42001", "200046977", "42"),
                com("42002", "200046977", "42"),
                com("43001", "200046977", "43"),
            ],
        )
        .expect("consistent")
    }

    fn map(pairs: &[(&str, f64)]) -> CommuneValues {
        pairs.iter().map(|(c, v)| ((*c).to_owned(), *v)).collect()
    }

    #[test]
    fn sums_and_weighted_means_with_coverage() -> Result<(), RollupError> {
        let r = referential();
        let counts = map(&[("42001", 10.0), ("42002", 20.0), ("43001", 5.0)]);
        let all = rollup_all(&r, &Aggregation::Sum, &counts, None)?;
        let get = |k: &str| all.iter().find(|x| x.territory.as_ref().map(|t| t.to_string()).as_deref() == Some(k));
        assert_eq!(get("departement:42").and_then(|x| x.value), Some(30.0));
        assert_eq!(get("epci:200046977").and_then(|x| x.value), Some(35.0), "an EPCI across two départements");
        let france = all.last().expect("France");
        assert!(france.territory.is_none() && france.value == Some(35.0) && france.is_complete());

        let rates = map(&[("42001", 10.0), ("42002", 40.0)]);
        let weights = map(&[("42001", 300.0), ("42002", 100.0), ("43001", 600.0)]);
        let mean = Aggregation::WeightedMean { weight: "population".into() };
        let region = rollup_one(&r, Some(&"region:84".parse().expect("ref")), &mean, &rates, Some(&weights))?;
        assert_eq!(region.value, Some(17.5), "(10·300 + 40·100) / 400");
        assert_eq!((region.components, region.covered), (3, 2));
        assert_eq!(region.weight_coverage, Some(0.4));
        assert!(!region.is_complete());
        let whole = rollup_all(&r, &mean, &rates, Some(&weights))?;
        assert_eq!(
            whole.iter().find(|x| x.territory.is_some() && x.territory.as_ref().map(|t| t.code.as_str()) == Some("84")),
            Some(&region)
        );
        assert_eq!(rollup_one(&r, None, &Aggregation::Sum, &map(&[]), None)?.value, None);
        Ok(())
    }

    #[test]
    fn medians_and_missing_weights_are_refused() {
        let r = referential();
        assert_eq!(rollup_all(&r, &Aggregation::NotAggregable, &map(&[]), None), Err(RollupError::NotAggregable));
        let mean = Aggregation::WeightedMean { weight: "population".into() };
        assert_eq!(rollup_one(&r, None, &mean, &map(&[]), None), Err(RollupError::MissingWeight("population".into())));
    }
}
