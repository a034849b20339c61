//! The seeded catalogue: common territorial indicators and their real producers.
//! Definitions only; values are imported (`cohesion import measurements`).

use std::sync::OnceLock;

use super::{Aggregation, Dating, Direction, Indicator, Periodicity, SourceInfo};
use crate::territory::TerritoryKind;

/// A known source, with the metadata an import records unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceDef {
    pub code: &'static str,
    pub name: &'static str,
    pub producer: &'static str,
    pub distributor: &'static str,
    pub methodology: &'static str,
    pub limits: &'static str,
}

impl SourceDef {
    pub fn to_info(&self) -> SourceInfo {
        SourceInfo {
            code: self.code.to_owned(),
            name: self.name.to_owned(),
            producer: self.producer.to_owned(),
            distributor: self.distributor.to_owned(),
            methodology: self.methodology.to_owned(),
            limits: self.limits.to_owned(),
        }
    }
}

pub const SOURCES: &[SourceDef] = &[
    SourceDef {
        code: "insee-populations-legales",
        name: "Populations légales",
        producer: "Insee",
        distributor: "Insee, reprises dans le Code officiel géographique (paquet Etalab « découpage administratif »)",
        methodology: "Recensement de la population : population municipale légale, calculée sur cinq enquêtes annuelles et ramenée à une date de référence commune.",
        limits: "Date de référence antérieure de trois ans à l’entrée en vigueur ; Mayotte recensée selon un autre calendrier ; collectivités d’outre-mer hors champ.",
    },
    SourceDef {
        code: "insee-rp",
        name: "Recensement de la population",
        producer: "Insee",
        distributor: "Insee",
        methodology: "Enquêtes annuelles de recensement cumulées sur cinq ans (exhaustif tous les cinq ans dans les communes de moins de 10 000 habitants, sondage de 8 % par an au-delà).",
        limits: "Valeurs centrées sur l’année médiane du cycle de cinq ans ; faibles effectifs fragiles dans les petites communes.",
    },
    SourceDef {
        code: "insee-filosofi",
        name: "Fichier localisé social et fiscal (Filosofi)",
        producer: "Insee, à partir des données de la DGFiP, de la Cnaf, de la Cnav et de la CCMSA",
        distributor: "Insee",
        methodology: "Revenus déclarés et prestations sociales par ménage fiscal ; niveau de vie par unité de consommation ; seuil de pauvreté à 60 % du niveau de vie médian national.",
        limits: "Secret statistique : pas de valeur pour les communes de moins de 50 ménages fiscaux (moins de 1 000 ménages pour le taux de pauvreté) ; hors Mayotte.",
    },
    SourceDef {
        code: "insee-chomage-localise",
        name: "Taux de chômage localisés",
        producer: "Insee",
        distributor: "Insee",
        methodology: "Taux de chômage au sens du BIT estimé par zone d’emploi, département et région à partir de l’enquête Emploi et des demandeurs d’emploi inscrits.",
        limits: "Non disponible à la commune ; estimations révisées lors des publications suivantes.",
    },
    SourceDef {
        code: "dares-stmt",
        name: "Demandeurs d’emploi inscrits à France Travail (STMT)",
        producer: "France Travail et Dares",
        distributor: "Dares",
        methodology: "Personnes inscrites en fin de trimestre, par catégorie (A : sans emploi, tenues de chercher un emploi), données brutes.",
        limits: "Dépend des règles d’inscription ; petites valeurs arrondies ou masquées à la commune.",
    },
    SourceDef {
        code: "insee-sirene-creations",
        name: "Créations d’entreprises (Sirene)",
        producer: "Insee",
        distributor: "Insee",
        methodology: "Créations d’entreprises enregistrées au répertoire Sirene, y compris micro-entrepreneurs, par commune d’implantation.",
        limits: "Les micro-entreprises pèsent fortement et varient avec la législation ; les créations ne disent rien de la survie.",
    },
    SourceDef {
        code: "urssaf-emploi-salarie",
        name: "Effectifs salariés du secteur privé",
        producer: "Urssaf Caisse nationale",
        distributor: "Urssaf (open data)",
        methodology: "Effectifs salariés en fin de période des établissements employeurs du secteur privé déclarés en DSN, par commune d’implantation.",
        limits: "Hors secteur public, agriculture (MSA) et particuliers employeurs ; effectifs localisés à l’établissement, pas au domicile.",
    },
    SourceDef {
        code: "dgfip-dvf",
        name: "Demandes de valeurs foncières (DVF)",
        producer: "DGFiP",
        distributor: "Etalab (data.gouv.fr)",
        methodology: "Mutations à titre onéreux publiées par les services de publicité foncière ; prix et surfaces déclarés.",
        limits: "Hors Alsace, Moselle et Mayotte ; cinq dernières années seulement ; ventes en bloc et surfaces manquantes à écarter.",
    },
    SourceDef {
        code: "drees-apl",
        name: "Accessibilité potentielle localisée (APL)",
        producer: "Drees",
        distributor: "Drees",
        methodology: "Consultations accessibles par habitant standardisé pour l’âge, selon l’offre des médecins généralistes et la distance (jusqu’à 20 minutes).",
        limits: "Ne mesure ni les délais d’attente ni l’acceptation de nouveaux patients.",
    },
    SourceDef {
        code: "local",
        name: "Saisie de la collectivité",
        producer: "La collectivité concernée",
        distributor: "Cohésion (saisie ou import)",
        methodology: "Valeurs fournies par les services du territoire lui-même.",
        limits: "Non vérifiées par un producteur public ; affichées à part des données ouvertes.",
    },
];

// One positional line per indicator keeps the catalogue readable as a table.
#[allow(clippy::too_many_arguments)]
fn ind(
    code: &'static str,
    name: &'static str,
    unit: &'static str,
    direction: Direction,
    source: &'static str,
    level: TerritoryKind,
    periodicity: Periodicity,
    aggregation: Aggregation,
    definition: &'static str,
) -> Indicator {
    Indicator {
        code,
        name,
        unit,
        direction,
        source,
        level,
        periodicity,
        aggregation,
        definition,
        dating: Dating::AtDate,
    }
}

/// A flow: its values count what happened during the year of their date.
fn during_year(i: Indicator) -> Indicator {
    Indicator { dating: Dating::DuringYear, ..i }
}

fn weighted(by: &str) -> Aggregation {
    Aggregation::WeightedMean { weight: by.to_owned() }
}

/// Every indicator of the catalogue, sorted by code.
pub fn catalogue() -> &'static [Indicator] {
    static CATALOGUE: OnceLock<Vec<Indicator>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        use Direction::*;
        use Periodicity::*;
        use TerritoryKind::{Commune, Departement};
        let mut all = vec![
            ind("population", "Population municipale", "habitants", Neutral, "insee-populations-legales", Commune, Annual, Aggregation::Sum,
                "Personnes ayant leur résidence habituelle dans la commune (population légale de l’Insee)."),
            ind("households", "Nombre de ménages", "ménages", Neutral, "insee-rp", Commune, Annual, Aggregation::Sum,
                "Ménages au sens du recensement (occupants d’une résidence principale)."),
            ind("dwellings", "Nombre de logements", "logements", Neutral, "insee-rp", Commune, Annual, Aggregation::Sum,
                "Résidences principales, résidences secondaires, logements occasionnels et vacants."),
            ind("vacant_dwellings_share", "Part des logements vacants", "%", Down, "insee-rp", Commune, Annual, weighted("dwellings"),
                "Logements vacants rapportés à l’ensemble des logements."),
            ind("labour_force", "Population active de 15 à 64 ans", "personnes", Neutral, "insee-rp", Commune, Annual, Aggregation::Sum,
                "Actifs occupés et chômeurs de 15 à 64 ans au sens du recensement."),
            ind("median_disposable_income", "Médiane du revenu disponible par unité de consommation", "€", Up, "insee-filosofi", Commune, Annual, Aggregation::NotAggregable,
                "Niveau de vie médian des personnes ; une médiane ne s’agrège pas : la valeur publiée pour l’EPCI ou le département doit être importée."),
            ind("poverty_rate", "Taux de pauvreté au seuil de 60 %", "%", Down, "insee-filosofi", Commune, Annual, weighted("population"),
                "Part des personnes dont le niveau de vie est inférieur à 60 % du niveau de vie médian ; agrégé en pondérant par la population municipale, approximation de la population des ménages fiscaux."),
            ind("unemployment_rate", "Taux de chômage localisé (BIT)", "%", Down, "insee-chomage-localise", Departement, Quarterly, weighted("labour_force"),
                "Chômeurs au sens du BIT rapportés à la population active ; publié par zone d’emploi, département et région, pas par commune."),
            ind("jobseekers_a", "Demandeurs d’emploi en catégorie A", "personnes", Down, "dares-stmt", Commune, Quarterly, Aggregation::Sum,
                "Inscrits à France Travail sans emploi et tenus de rechercher un emploi, en fin de trimestre."),
            during_year(ind("business_creations", "Créations d’entreprises", "entreprises", Up, "insee-sirene-creations", Commune, Annual, Aggregation::Sum,
                "Créations d’entreprises dans l’année, micro-entrepreneurs compris.")),
            ind("salaried_jobs_private", "Effectifs salariés du secteur privé", "salariés", Up, "urssaf-emploi-salarie", Commune, Annual, Aggregation::Sum,
                "Salariés des établissements du secteur privé implantés dans la commune, au 31 décembre."),
            during_year(ind("property_sales", "Ventes de logements", "ventes", Neutral, "dgfip-dvf", Commune, Annual, Aggregation::Sum,
                "Mutations à titre onéreux de maisons et d’appartements dans l’année.")),
            during_year(ind("median_price_m2_apartments", "Prix médian au m² des appartements", "€/m²", Neutral, "dgfip-dvf", Commune, Annual, Aggregation::NotAggregable,
                "Prix de vente médian au mètre carré des appartements vendus dans l’année ; une médiane ne s’agrège pas.")),
            during_year(ind("median_price_houses", "Prix médian des maisons", "€", Neutral, "dgfip-dvf", Commune, Annual, Aggregation::NotAggregable,
                "Prix de vente médian des maisons vendues dans l’année ; une médiane ne s’agrège pas.")),
            during_year(ind("gp_accessibility", "Accessibilité potentielle localisée aux médecins généralistes (APL)", "consultations par an et par habitant", Up, "drees-apl", Commune, Annual, weighted("population"),
                "Consultations de médecine générale accessibles par habitant standardisé ; la Drees agrège elle aussi en pondérant par la population.")),
        ];
        all.sort_by_key(|i| i.code);
        all
    })
}

pub fn find(code: &str) -> Option<&'static Indicator> {
    catalogue().iter().find(|i| i.code == code)
}

pub fn find_source(code: &str) -> Option<&'static SourceDef> {
    SOURCES.iter().find(|s| s.code == code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_and_sources_exist() {
        for i in catalogue() {
            assert!(find_source(i.source).is_some(), "{}: unknown source {}", i.code, i.source);
            if let Aggregation::WeightedMean { weight } = &i.aggregation {
                let w = find(weight).unwrap_or_else(|| panic!("{}: unknown weight {weight}", i.code));
                assert_eq!(w.aggregation, Aggregation::Sum, "a weight must be a count");
            }
            assert!(i.code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
        }
        let codes: Vec<&str> = catalogue().iter().map(|i| i.code).collect();
        let mut sorted = codes.clone();
        sorted.dedup();
        assert_eq!(codes, sorted, "sorted, no duplicate");
    }
}
