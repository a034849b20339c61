//! The territory record.

use serde::{Deserialize, Serialize};

use super::TerritoryKind;

/// The seven levels of INSEE's municipal density grid, from the densest (1) to the
/// most sparsely populated (7).
pub const DENSITY_LEVELS: [&str; 7] = [
    "Grands centres urbains",
    "Centres urbains intermédiaires",
    "Ceintures urbaines",
    "Petites villes",
    "Bourgs ruraux",
    "Rural à habitat dispersé",
    "Rural à habitat très dispersé",
];

/// One territory of the referential.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Territory {
    pub kind: TerritoryKind,
    /// INSEE code (communes, départements, régions) or SIREN (EPCI).
    pub code: String,
    pub name: String,
    /// Municipal population (INSEE legal population); summed from the communes for
    /// départements and régions.
    pub population: Option<u64>,
    /// SIREN of the local authority (communes; equal to the code for an EPCI).
    pub siren: Option<String>,
    pub postcodes: Vec<String>,
    pub parents: Parents,
    /// For an EPCI: every département one of its member communes lies in, the one
    /// holding most of its population first. Empty for the other kinds.
    pub departements: Vec<String>,
    /// `metro`, `drom` or `com` (overseas collectivity).
    pub zone: Option<String>,
    /// Seat (INSEE code of the commune) of a département or région.
    pub chef_lieu: Option<String>,
    /// EPCI legal form: CC, CA, CU, METRO, MET69.
    pub category: Option<String>,
    /// EPCI tax regime: FPU (single business tax) or FA (additional tax).
    pub financing: Option<String>,
    pub typology: Typology,
    pub centroid: Option<Centroid>,
}

/// Codes of the territories that contain this one, along the main chain
/// commune → EPCI → département → région. An arrondissement municipal also names its
/// commune.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parents {
    pub commune: Option<String>,
    pub epci: Option<String>,
    pub departement: Option<String>,
    pub region: Option<String>,
}

/// INSEE and agency typologies of a commune.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Typology {
    /// 1 (large urban centre) to 7 (very sparse rural); see [`DENSITY_LEVELS`].
    pub density_level: Option<u8>,
    pub rurality: Option<String>,
    pub centrality: Option<String>,
    pub mountain: Option<String>,
}

impl Typology {
    pub fn density_label(&self) -> Option<&'static str> {
        self.density_level.and_then(|l| DENSITY_LEVELS.get(usize::from(l).checked_sub(1)?).copied())
    }

    pub fn is_empty(&self) -> bool {
        *self == Typology::default()
    }
}

/// A point in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Centroid {
    pub lon: f64,
    pub lat: f64,
}

impl Territory {
    /// A bare territory, to be completed field by field.
    pub fn new(kind: TerritoryKind, code: impl Into<String>, name: impl Into<String>) -> Self {
        Territory {
            kind,
            code: code.into(),
            name: name.into(),
            population: None,
            siren: None,
            postcodes: Vec::new(),
            parents: Parents::default(),
            departements: Vec::new(),
            zone: None,
            chef_lieu: None,
            category: None,
            financing: None,
            typology: Typology::default(),
            centroid: None,
        }
    }
}
