//! Organisations people act for: local authorities (by SIREN, linked to their
//! territory), State services (the agency, prefectures) and partners (by SIRET).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::project::FieldFault;
use crate::territory::code::{is_valid_siren, luhn};
use crate::territory::{CodeError, Referential, TerritoryKind, TerritoryRef};

/// What is wrong with an organisation's input. `Display` is the English message the
/// API answers; the pages say it in French (`web::pages::fault`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrganisationFault {
    #[error("expected local_authority, state_service or partner")]
    Kind,
    #[error("`{0}` is not a valid SIREN (nine digits, Luhn checksum)")]
    Siren(String),
    #[error("`{0}` is not a valid SIRET (fourteen digits, Luhn checksum)")]
    Siret(String),
    #[error("a local authority needs its territory (kind:code)")]
    TerritoryRequired,
    #[error(transparent)]
    Territory(#[from] CodeError),
    #[error("{0} is not in the referential")]
    NotInReferential(TerritoryRef),
    #[error("a municipal arrondissement is not a local authority")]
    Arrondissement,
    #[error("{territory} has SIREN {known} in the referential, not {given}")]
    SirenMismatch { territory: TerritoryRef, known: String, given: String },
    #[error("the SIREN of {0} is required")]
    SirenRequired(TerritoryRef),
    #[error("a partner is identified by its SIRET")]
    SiretRequired,
    #[error("only local authorities have a territory")]
    TerritoryNotAllowed,
    #[error("required")]
    NameRequired,
    #[error("at most 200 characters")]
    NameTooLong,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrganisationKind {
    /// Commune, EPCI, département or région: identified by SIREN, linked to its territory.
    LocalAuthority,
    /// The agency, a prefecture, a ministry's service.
    StateService,
    /// Cerema, ADEME, Banque des Territoires, a university…: identified by SIRET.
    Partner,
}

impl OrganisationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OrganisationKind::LocalAuthority => "local_authority",
            OrganisationKind::StateService => "state_service",
            OrganisationKind::Partner => "partner",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [OrganisationKind::LocalAuthority, OrganisationKind::StateService, OrganisationKind::Partner]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A stored organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: Uuid,
    pub kind: OrganisationKind,
    pub name: String,
    pub siren: Option<String>,
    pub siret: Option<String>,
    /// Local authorities only: the territory it governs.
    pub territory: Option<TerritoryRef>,
    pub version: i64,
}

/// What a request asks to create (or an edit to apply), before validation.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct OrganisationInput {
    pub kind: String,
    pub name: Option<String>,
    pub siren: Option<String>,
    pub siret: Option<String>,
    /// `kind:code`, local authorities only.
    pub territory: Option<String>,
}

/// SIRET: fourteen digits, the first nine a SIREN, Luhn checksum over all fourteen
/// (La Poste's establishments, SIREN 356000000, use a digit sum divisible by 5).
pub fn is_valid_siret(code: &str) -> bool {
    if code.len() != 14 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    if code.starts_with("356000000") {
        return code.bytes().map(|b| u32::from(b - b'0')).sum::<u32>().is_multiple_of(5);
    }
    is_valid_siren(&code[..9]) && luhn(code)
}

fn fault(field: &str, code: OrganisationFault) -> FieldFault<OrganisationFault> {
    FieldFault::new(field, code)
}

impl OrganisationInput {
    /// Checks the whole input against the referential and returns the organisation
    /// to store (with `id` and `version` given), or every fault. A local authority of a
    /// commune or an EPCI takes its SIREN from the referential (a SIREN given must
    /// match it); départements and régions carry no SIREN there, so one is required.
    pub fn validate(
        &self,
        referential: &Referential,
        id: Uuid,
        version: i64,
    ) -> Result<Organisation, Vec<FieldFault<OrganisationFault>>> {
        let mut faults = Vec::new();
        let clean = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let kind = OrganisationKind::parse(&self.kind);
        if kind.is_none() {
            faults.push(fault("kind", OrganisationFault::Kind));
        }
        let mut name = clean(&self.name);
        let mut siren = clean(&self.siren).map(|s| s.replace(' ', ""));
        let siret = clean(&self.siret).map(|s| s.replace(' ', ""));
        let mut territory = None;
        if let Some(s) = &siren
            && !is_valid_siren(s)
        {
            faults.push(fault("siren", OrganisationFault::Siren(s.clone())));
        }
        if let Some(s) = &siret
            && !is_valid_siret(s)
        {
            faults.push(fault("siret", OrganisationFault::Siret(s.clone())));
        }
        match kind {
            Some(OrganisationKind::LocalAuthority) => match clean(&self.territory).map(|t| t.parse::<TerritoryRef>()) {
                None => faults.push(fault("territory", OrganisationFault::TerritoryRequired)),
                Some(Err(e)) => faults.push(fault("territory", e.into())),
                Some(Ok(t)) => match referential.get_ref(&t) {
                    None => faults.push(fault("territory", OrganisationFault::NotInReferential(t.clone()))),
                    Some(_) if t.kind == TerritoryKind::ArrondissementMunicipal => {
                        faults.push(fault("territory", OrganisationFault::Arrondissement))
                    }
                    Some(found) => {
                        match (&found.siren, &siren) {
                            (Some(known), Some(given)) if known != given => faults.push(fault(
                                "siren",
                                OrganisationFault::SirenMismatch {
                                    territory: t.clone(),
                                    known: known.clone(),
                                    given: given.clone(),
                                },
                            )),
                            (Some(known), _) => siren = Some(known.clone()),
                            (None, None) => faults.push(fault("siren", OrganisationFault::SirenRequired(t.clone()))),
                            (None, Some(_)) => {}
                        }
                        name = name.or_else(|| Some(found.name.clone()));
                        territory = Some(t);
                    }
                },
            },
            Some(OrganisationKind::Partner) => {
                if siret.is_none() {
                    faults.push(fault("siret", OrganisationFault::SiretRequired));
                }
                if self.territory.is_some() {
                    faults.push(fault("territory", OrganisationFault::TerritoryNotAllowed));
                }
            }
            Some(OrganisationKind::StateService) if self.territory.is_some() => {
                faults.push(fault("territory", OrganisationFault::TerritoryNotAllowed));
            }
            Some(OrganisationKind::StateService) => {}
            None => {}
        }
        if name.is_none() {
            faults.push(fault("name", OrganisationFault::NameRequired));
        }
        if let Some(n) = &name
            && n.chars().count() > 200
        {
            faults.push(fault("name", OrganisationFault::NameTooLong));
        }
        // The SIREN of a partner is the start of its SIRET (only read once valid).
        let siren = siren.or_else(|| siret.as_deref().and_then(|s| s.get(..9)).map(str::to_owned));
        match (kind, name, faults.is_empty()) {
            (Some(kind), Some(name), true) => Ok(Organisation { id, kind, name, siren, siret, territory, version }),
            _ => Err(faults),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::tests::referential;

    fn input(kind: &str, territory: Option<&str>, siren: Option<&str>, siret: Option<&str>) -> OrganisationInput {
        OrganisationInput {
            kind: kind.into(),
            name: None,
            siren: siren.map(Into::into),
            siret: siret.map(Into::into),
            territory: territory.map(Into::into),
        }
    }

    #[test]
    fn siret_checksum() {
        assert!(is_valid_siret("13000548100002"));
        assert!(!is_valid_siret("13000548100003"), "checksum");
        assert!(!is_valid_siret("13000548100012"), "checksum");
        assert!(!is_valid_siret("1300054810000"), "length");
        assert!(is_valid_siret("35600000000001"), "La Poste's rule");
    }

    #[test]
    fn a_commune_takes_its_siren_and_name_from_the_referential() {
        let r = referential();
        let o =
            input("local_authority", Some("commune:42218"), None, None).validate(&r, Uuid::nil(), 1).expect("valid");
        assert_eq!((o.siren.as_deref(), o.name.as_str()), (Some("214202186"), "Saint-Étienne"));
        let faults = input("local_authority", Some("commune:42218"), Some("200046977"), None)
            .validate(&r, Uuid::nil(), 1)
            .expect_err("wrong SIREN");
        assert_eq!(faults[0].field, "siren");
    }

    #[test]
    fn every_fault_is_reported() {
        let r = referential();
        let faults =
            input("partner", Some("commune:42218"), Some("123"), None).validate(&r, Uuid::nil(), 1).expect_err("bad");
        let fields: Vec<_> = faults.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["siren", "siret", "territory", "name"]);
        let faults = input("local_authority", Some("departement:42"), None, None)
            .validate(&r, Uuid::nil(), 1)
            .expect_err("no siren");
        assert_eq!(faults[0].message(), "the SIREN of departement:42 is required");
        assert!(input("club", None, None, None).validate(&r, Uuid::nil(), 1).is_err());
    }

    #[test]
    fn a_short_siret_is_a_fault_not_a_panic() {
        let r = referential();
        let mut i = input("partner", None, None, Some("abc"));
        i.name = Some("X".into());
        let faults = i.validate(&r, Uuid::nil(), 1).expect_err("bad siret");
        assert_eq!(faults.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["siret"]);
    }

    #[test]
    fn a_partner_needs_a_valid_siret() {
        let r = referential();
        let mut i = input("partner", None, None, Some("130 005 481 00002"));
        i.name = Some("Partenaire".into());
        let o = i.validate(&r, Uuid::nil(), 1).expect("valid");
        assert_eq!((o.siret.as_deref(), o.siren.as_deref()), (Some("13000548100002"), Some("130005481")));
    }
}
