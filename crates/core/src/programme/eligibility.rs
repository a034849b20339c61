//! Eligibility as data: a programme declares which communes it is meant for, as a
//! rule over the referential's attributes, and the platform lists the eligible
//! communes and compares them with the members.
//!
//! A rule is a JSON object; every criterion present must hold (AND), each list is
//! "any of" (OR). Communes are the unit: an EPCI member covers its communes.
//!
//! ```json
//! {"population_min": 2500, "population_max": 20000, "density_levels": [4, 5],
//!  "departements": ["42", "43"], "mountain": true, "member_of": ["pvd"]}
//! ```

use serde::{Deserialize, Serialize};

use crate::territory::{Referential, Territory, TerritoryKind};

/// Which communes a programme is meant for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Municipal population at least this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_min: Option<u64>,
    /// Municipal population at most this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub population_max: Option<u64>,
    /// INSEE density grid levels (1 to 7), any of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub density_levels: Vec<u8>,
    /// Centrality levels, exactly as in the referential, any of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub centralities: Vec<String>,
    /// Rurality types, exactly as in the referential, any of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rurality: Vec<String>,
    /// `true`: only communes in a mountain massif; `false`: only outside.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mountain: Option<bool>,
    /// INSEE codes of départements, any of.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departements: Vec<String>,
    /// Codes of programmes the commune must be covered by (any of).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_of: Vec<String>,
    /// Codes of programmes the commune must not be covered by.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_member_of: Vec<String>,
}

impl Rule {
    /// Every fault of the rule against this referential and these programme codes.
    pub fn check(&self, r: &Referential, programmes: &[&str]) -> Vec<RuleFault> {
        let mut faults = Vec::new();
        if let (Some(min), Some(max)) = (self.population_min, self.population_max)
            && min > max
        {
            faults.push(RuleFault::PopulationRange { min, max });
        }
        for l in &self.density_levels {
            if !(1..=7).contains(l) {
                faults.push(RuleFault::DensityLevel(*l));
            }
        }
        for d in &self.departements {
            if r.get(TerritoryKind::Departement, d).is_none() {
                faults.push(RuleFault::UnknownDepartement(d.clone()));
            }
        }
        for p in self.member_of.iter().chain(&self.not_member_of) {
            if !programmes.contains(&p.as_str()) {
                faults.push(RuleFault::UnknownProgramme(p.clone()));
            }
        }
        faults
    }

    /// Whether this commune satisfies every criterion; `covered(code)` tells whether
    /// the commune is covered by programme `code`.
    pub fn matches(&self, t: &Territory, covered: impl Fn(&str) -> bool) -> bool {
        let pop = t.population.unwrap_or(0);
        let ty = &t.typology;
        self.population_min.is_none_or(|m| pop >= m)
            && self.population_max.is_none_or(|m| pop <= m)
            && (self.density_levels.is_empty() || ty.density_level.is_some_and(|l| self.density_levels.contains(&l)))
            && (self.centralities.is_empty()
                || ty.centrality.as_ref().is_some_and(|c| self.centralities.iter().any(|x| x == c)))
            && (self.rurality.is_empty() || ty.rurality.as_ref().is_some_and(|c| self.rurality.iter().any(|x| x == c)))
            && self.mountain.is_none_or(|m| ty.mountain.is_some() == m)
            && (self.departements.is_empty()
                || t.parents.departement.as_ref().is_some_and(|d| self.departements.iter().any(|x| x == d)))
            && (self.member_of.is_empty() || self.member_of.iter().any(|p| covered(p)))
            && !self.not_member_of.iter().any(|p| covered(p))
    }

    /// Indices (in the referential) of the eligible communes, in referential order.
    pub fn eligible(&self, r: &Referential, covered: impl Fn(&str, u32) -> bool) -> Vec<u32> {
        r.all()
            .iter()
            .enumerate()
            .filter(|(_, t)| t.kind == TerritoryKind::Commune)
            .filter(|&(i, t)| self.matches(t, |p| covered(p, i as u32)))
            .map(|(i, _)| i as u32)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territory::{Parents, Territory};

    fn commune(code: &str, pop: u64, density: u8, dep: &str, mountain: bool) -> Territory {
        let mut t = Territory::new(TerritoryKind::Commune, code, code);
        t.population = Some(pop);
        t.typology.density_level = Some(density);
        t.typology.mountain = mountain.then(|| "Massif central".to_owned());
        t.parents = Parents { departement: Some(dep.into()), region: Some("84".into()), ..Parents::default() };
        t
    }

    #[test]
    fn every_criterion_counts() {
        let mut reg = Territory::new(TerritoryKind::Region, "84", "ARA");
        reg.population = Some(1);
        let mut dep = Territory::new(TerritoryKind::Departement, "42", "Loire");
        dep.parents.region = Some("84".into());
        let mut dep43 = Territory::new(TerritoryKind::Departement, "43", "Haute-Loire");
        dep43.parents.region = Some("84".into());
        let r = Referential::new(
            "t",
            vec![
                reg,
                dep,
                dep43,
                commune("42001", 3_000, 4, "42", true),
                commune("42002", 30_000, 2, "42", false),
                commune("43001", 5_000, 5, "43", false),
            ],
        )
        .expect("ok");
        let codes = |v: Vec<u32>| v.into_iter().map(|i| r.at(i).code.clone()).collect::<Vec<_>>();
        let rule = Rule { population_min: Some(2_500), population_max: Some(20_000), ..Rule::default() };
        assert_eq!(codes(rule.eligible(&r, |_, _| false)), ["42001", "43001"]);
        let rule = Rule { departements: vec!["42".into()], mountain: Some(false), ..Rule::default() };
        assert_eq!(codes(rule.eligible(&r, |_, _| false)), ["42002"]);
        let rule = Rule { density_levels: vec![4, 5], not_member_of: vec!["pvd".into()], ..Rule::default() };
        let pvd_at = r.index_of(TerritoryKind::Commune, "43001").expect("there");
        assert_eq!(codes(rule.eligible(&r, |p, i| p == "pvd" && i == pvd_at)), ["42001"]);
        let rule = Rule { member_of: vec!["pvd".into()], ..Rule::default() };
        assert_eq!(codes(rule.eligible(&r, |p, i| p == "pvd" && i == pvd_at)), ["43001"]);

        let bad = Rule {
            population_min: Some(10),
            population_max: Some(1),
            density_levels: vec![9],
            departements: vec!["99".into()],
            member_of: vec!["xyz".into()],
            ..Rule::default()
        };
        assert_eq!(bad.check(&r, &["pvd"]).len(), 4);
        let parsed: Result<Rule, _> = serde_json::from_str(r#"{"population_minimum": 3}"#);
        assert!(parsed.is_err(), "unknown criteria are refused, not ignored");
    }
}

/// A fault of a rule (`Rule::check`): `Display` is the English message the API answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleFault {
    #[error("population_min {min} is above population_max {max}")]
    PopulationRange { min: u64, max: u64 },
    #[error("density level {0} is not between 1 and 7")]
    DensityLevel(u8),
    #[error("unknown département `{0}`")]
    UnknownDepartement(String),
    #[error("unknown programme `{0}`")]
    UnknownProgramme(String),
}
