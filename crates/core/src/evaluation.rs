//! Evaluations requested in the platform: which territories were treated and when, on
//! which indicator, by which estimator, over which years; and who may ask for one.
//!
//! The store turns a request into a panel (stored open-data measurements, one value per
//! territory and year) and a worker runs [`crate::impact`] on it. This module holds the
//! rules that do not need the database: validating a request, building the panel rows
//! from values, and the access rule.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::access::Principal;
use crate::impact::{ControlGroup, Method, Observation};
use crate::indicator;
use crate::programme::Membership;
use crate::territory::{Referential, TerritoryKind, TerritoryRef};

/// Largest span of years an evaluation may cover.
pub const MAX_YEARS: i32 = 50;

/// One treated territory and its adoption year (first year treated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreatedTerritory {
    /// `kind:code`, e.g. `commune:42218`.
    pub territory: String,
    pub adoption_year: i32,
}

/// Which territories were treated. Every other territory of the same kind with values is
/// a potential control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TreatedSet {
    /// Listed by hand, with their adoption years.
    Territories { territories: Vec<TreatedTerritory> },
    /// A national programme's members. The client names the programme; when the
    /// evaluation is requested, its memberships are frozen into `territories` (adoption
    /// year = year of signature, else of labelling), so that the stored request
    /// reproduces the evaluation even after the list changes.
    Programme {
        code: String,
        #[serde(default)]
        territories: Vec<TreatedTerritory>,
        /// Members left out because no date of signature or labelling is known.
        #[serde(default)]
        without_date: usize,
    },
}

impl TreatedSet {
    pub fn territories(&self) -> &[TreatedTerritory] {
        match self {
            TreatedSet::Territories { territories } | TreatedSet::Programme { territories, .. } => territories,
        }
    }

    /// The programme `code`'s members as treated territories: one per territory, at the
    /// earliest year it is known to have joined (exited members stay treated from that
    /// year: the estimate is an intention-to-treat effect).
    pub fn from_programme<'m>(code: &str, members: impl Iterator<Item = &'m Membership>) -> TreatedSet {
        let mut first: BTreeMap<String, i32> = BTreeMap::new();
        let mut without_date = 0;
        for m in members {
            match m.since().and_then(|d| d.get(..4)).and_then(|y| y.parse::<i32>().ok()) {
                Some(year) => {
                    let e = first.entry(m.territory.to_string()).or_insert(year);
                    *e = (*e).min(year);
                }
                None => without_date += 1,
            }
        }
        let territories =
            first.into_iter().map(|(territory, adoption_year)| TreatedTerritory { territory, adoption_year }).collect();
        TreatedSet::Programme { code: code.to_owned(), territories, without_date }
    }
}

/// What an evaluation estimates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationRequest {
    pub treated: TreatedSet,
    /// Indicator code of the catalogue.
    pub indicator: String,
    pub method: Method,
    #[serde(default)]
    pub control: ControlGroup,
    /// First and last year of the panel (inclusive).
    pub from: i32,
    pub to: i32,
    /// Years before adoption in which territories may already react (cs, imputation).
    #[serde(default)]
    pub anticipation: u32,
}

/// A request checked against the catalogue and the referential.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidRequest {
    pub unit_kind: TerritoryKind,
    /// Code → adoption year.
    pub treated: BTreeMap<String, i32>,
}

/// A fault in a request: the field (JSON path) and a French message.
pub type RequestFault = (String, String);

impl EvaluationRequest {
    /// Checks every field and reports every fault.
    pub fn validate(&self, referential: &Referential) -> Result<ValidRequest, Vec<RequestFault>> {
        let mut faults = Vec::new();
        if indicator::find(&self.indicator).is_none() {
            faults.push(("indicator".into(), format!("indicateur `{}` inconnu du catalogue", self.indicator)));
        }
        if self.from > self.to || self.to - self.from >= MAX_YEARS || self.from < 1900 || self.to > 2200 {
            faults
                .push(("from".into(), format!("période {}–{} invalide (au plus {MAX_YEARS} ans)", self.from, self.to)));
        }
        if self.anticipation > 0 && self.method == Method::Twfe {
            faults.push(("anticipation".into(), "la méthode twfe n’accepte pas d’anticipation".into()));
        }
        if self.anticipation > 10 {
            faults.push(("anticipation".into(), "au plus 10 ans".into()));
        }
        let territories = self.treated.territories();
        if territories.is_empty() {
            faults.push(("treated.territories".into(), "au moins un territoire traité".into()));
        }
        let mut kind = None;
        let mut treated = BTreeMap::new();
        for (i, t) in territories.iter().enumerate() {
            let field = format!("treated.territories[{i}]");
            match t.territory.parse::<TerritoryRef>() {
                Ok(r) if referential.get_ref(&r).is_none() => {
                    faults.push((field, format!("{r} absent du référentiel")))
                }
                Ok(r) => {
                    if *kind.get_or_insert(r.kind) != r.kind {
                        faults.push((field.clone(), "tous les territoires traités doivent être du même type".into()));
                    }
                    if !(1900..=2200).contains(&t.adoption_year) {
                        faults.push((format!("{field}.adoption_year"), "année d’adoption invalide".into()));
                    }
                    if treated.insert(r.code.clone(), t.adoption_year).is_some() {
                        faults.push((field, format!("{r} donné deux fois")));
                    }
                }
                Err(e) => faults.push((field, e.to_string())),
            }
        }
        match kind {
            Some(unit_kind) if faults.is_empty() => Ok(ValidRequest { unit_kind, treated }),
            _ => Err(faults),
        }
    }
}

/// Panel rows from `(territory code, year, value)` triples: every territory of the
/// panel's kind with a value in the period is a unit; the treated carry their adoption
/// year. One value per territory and year is expected (the store keeps the last date of
/// each year); a repeated cell keeps the last one given.
pub fn observations(values: &[(String, i32, f64)], treated: &BTreeMap<String, i32>) -> Vec<Observation> {
    let mut cells: HashMap<(&str, i32), f64> = HashMap::with_capacity(values.len());
    for (code, year, value) in values {
        cells.insert((code.as_str(), *year), *value);
    }
    let mut rows: Vec<Observation> = cells
        .into_iter()
        .map(|((code, year), outcome)| Observation {
            unit: code.to_owned(),
            year,
            outcome,
            first_treated: treated.get(code).copied(),
        })
        .collect();
    rows.sort_by(|a, b| (&a.unit, a.year).cmp(&(&b.unit, b.year)));
    rows
}

/// Who may request an evaluation: any authenticated person holding at least one role on
/// the platform (admin, programme manager, delegate, local authority, partner). An
/// evaluation only reads published open-data measurements and writes its own job row,
/// so there is nothing to protect but the machine's time; each job records who asked.
/// An account without any role (not yet attached to an organisation) is refused.
pub fn can_request(principal: &Principal) -> bool {
    !principal.roles.is_empty()
}

/// Who may see an evaluation: everyone. Its inputs are open data and its result is
/// published with them, so that anyone can check or reproduce it.
pub fn can_view(_principal: Option<&Principal>) -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::territory::Territory;

    #[test]
    fn a_programme_is_frozen_into_territories_at_their_first_year() {
        use crate::programme::MembershipStatus;
        let member = |code: &str, signed: Option<&str>, labelled: Option<&str>, status| Membership {
            programme: "pvd".into(),
            territory: TerritoryRef { kind: TerritoryKind::Commune, code: code.into() },
            group_id: None,
            group_name: None,
            status,
            signed_on: signed.map(Into::into),
            labelled_on: labelled.map(Into::into),
            exited_on: None,
            convention: None,
        };
        let list = [
            member("42218", Some("2021-03-01"), None, MembershipStatus::Active),
            member("42218", Some("2019-06-30"), None, MembershipStatus::Exited),
            member("42100", None, Some("2020-01-15"), MembershipStatus::Labelled),
            member("42101", None, None, MembershipStatus::Candidate),
        ];
        let set = TreatedSet::from_programme("pvd", list.iter());
        let TreatedSet::Programme { code, territories, without_date } = &set else { panic!("programme") };
        assert_eq!((code.as_str(), *without_date), ("pvd", 1));
        let got: Vec<(&str, i32)> = territories.iter().map(|t| (t.territory.as_str(), t.adoption_year)).collect();
        assert_eq!(got, vec![("commune:42100", 2020), ("commune:42218", 2019)]);
        assert_eq!(set.territories().len(), 2);
        let json = serde_json::to_value(&set).expect("json");
        assert_eq!(json["type"], "programme");
        let back: TreatedSet = serde_json::from_str(r#"{"type":"programme","code":"acv"}"#).expect("parses");
        assert!(back.territories().is_empty(), "filled by the platform, not the client");
    }

    fn referential() -> Referential {
        Referential::new(
            "t",
            vec![
                Territory::new(TerritoryKind::Commune, "42218", "Saint-Étienne"),
                Territory::new(TerritoryKind::Commune, "42100", "Boën"),
                Territory::new(TerritoryKind::Departement, "42", "Loire"),
            ],
        )
        .expect("consistent")
    }

    fn request(territories: &[(&str, i32)]) -> EvaluationRequest {
        EvaluationRequest {
            treated: TreatedSet::Territories {
                territories: territories
                    .iter()
                    .map(|(t, y)| TreatedTerritory { territory: (*t).into(), adoption_year: *y })
                    .collect(),
            },
            indicator: "population".into(),
            method: Method::Cs,
            control: ControlGroup::Never,
            from: 2015,
            to: 2024,
            anticipation: 0,
        }
    }

    #[test]
    fn validates_every_field() {
        let ok = request(&[("commune:42218", 2019)]).validate(&referential()).expect("valid");
        assert_eq!(ok.unit_kind, TerritoryKind::Commune);
        assert_eq!(ok.treated.get("42218"), Some(&2019));
        let mut bad = request(&[("commune:42218", 2019), ("departement:42", 2019), ("commune:99999", 2019), ("x", 1)]);
        bad.indicator = "nope".into();
        bad.from = 2030;
        let faults = bad.validate(&referential()).expect_err("invalid");
        let fields: Vec<&str> = faults.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            vec!["indicator", "from", "treated.territories[1]", "treated.territories[2]", "treated.territories[3]"]
        );
        assert!(request(&[]).validate(&referential()).is_err());
    }

    #[test]
    fn who_may_request() {
        use crate::access::Role;
        let person = uuid::Uuid::nil();
        let with = |roles: Vec<Role>| Principal { person, roles };
        assert!(can_request(&with(vec![Role::Admin])));
        assert!(can_request(&with(vec![Role::Partner { organisation: person }])));
        assert!(can_request(&with(vec![Role::Delegate { departement: "42".into() }])));
        assert!(!can_request(&with(Vec::new())), "no role, no request");
        assert!(can_view(None), "published with their inputs");
    }

    #[test]
    fn request_json_shape() {
        let json = r#"{"treated":{"type":"territories","territories":[{"territory":"commune:42218","adoption_year":2019}]},
            "indicator":"population","method":"imputation","control":"not_yet","from":2015,"to":2024}"#;
        let r: EvaluationRequest = serde_json::from_str(json).expect("parses");
        assert_eq!(r.method, Method::Imputation);
        assert_eq!(r.control, ControlGroup::NotYet);
        assert_eq!(r.anticipation, 0);
    }

    #[test]
    fn builds_sorted_observations() {
        let treated: BTreeMap<String, i32> = [("b".to_owned(), 2020)].into_iter().collect();
        let rows = observations(&[("b".into(), 2021, 2.0), ("a".into(), 2020, 1.0), ("b".into(), 2020, 1.5)], &treated);
        assert_eq!(
            rows.iter().map(|r| (r.unit.as_str(), r.year)).collect::<Vec<_>>(),
            vec![("a", 2020), ("b", 2020), ("b", 2021)]
        );
        assert_eq!(rows[1].first_treated, Some(2020));
        assert_eq!(rows[0].first_treated, None);
    }
}
