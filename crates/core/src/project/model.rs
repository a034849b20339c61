//! A project (projet de territoire, fiche-action), aligned with the national
//! `projets-territoire` data schema: identity, lead, territories, phase and status,
//! transitions, schedule, cost and its financing plan, indicators, budget lines, and
//! identifiers in other national tools.

use serde::{Deserialize, Serialize};

use crate::territory::TerritoryRef;

/// Where a project stands (schema field `phase`). Written as its code; read from the
/// code or the French label the exports and pages write (`Étude`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[serde(alias = "Idée")]
    Idea,
    #[serde(alias = "Étude")]
    Study,
    #[serde(alias = "Opération")]
    Operation,
}

/// How the phase goes (schema field `phaseStatut`); read from the code or the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhaseStatus {
    #[serde(alias = "En cours")]
    InProgress,
    #[serde(alias = "En retard")]
    Late,
    #[serde(alias = "En pause")]
    Paused,
    #[serde(alias = "Bloqué")]
    Blocked,
    #[serde(alias = "Abandonné")]
    Abandoned,
    #[serde(alias = "Terminé")]
    Done,
}

/// The four transitions a pact's actions aim at first; read from the code or the label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    #[serde(alias = "Transition écologique")]
    Ecological,
    #[serde(alias = "Transition numérique")]
    Digital,
    #[serde(alias = "Transition démocratique")]
    Democratic,
    #[serde(alias = "Transition démographique")]
    Demographic,
}

/// Investment or operating expenditure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetNature {
    Investment,
    Operating,
}

crate::labels!(Phase { Idea => "idea", "Idée"; Study => "study", "Étude"; Operation => "operation", "Opération"; });
crate::labels!(PhaseStatus {
    InProgress => "in_progress", "En cours"; Late => "late", "En retard"; Paused => "paused", "En pause";
    Blocked => "blocked", "Bloqué"; Abandoned => "abandoned", "Abandonné"; Done => "done", "Terminé";
});
crate::labels!(Transition {
    Ecological => "ecological", "Transition écologique"; Digital => "digital", "Transition numérique";
    Democratic => "democratic", "Transition démocratique"; Demographic => "demographic", "Transition démographique";
});
crate::labels!(BudgetNature { Investment => "investment", "Investissement"; Operating => "operating", "Fonctionnement"; });

impl PhaseStatus {
    /// Abandoned and done projects are closed: their phase no longer moves.
    pub fn is_final(self) -> bool {
        matches!(self, PhaseStatus::Abandoned | PhaseStatus::Done)
    }
}

/// The organisation that carries the project (schema `porteur`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Lead {
    /// Optional (empty) when the SIREN or SIRET identifies the organisation.
    #[serde(default)]
    pub name: String,
    /// SIREN (9 digits) or SIRET (14 digits).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siret: Option<String>,
}

/// One line of the financing plan: who pays how much.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Financing {
    /// The co-financer (e.g. `État`, `Région Auvergne-Rhône-Alpes`).
    pub financer: String,
    /// The scheme it pays through, if any (e.g. `DETR`, `DSIL`, `Fonds vert`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    pub amount_cents: i64,
    /// The financer's decision, when known: what the SCDL `subventions` file needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub convention: Option<Convention>,
}

/// How a grant is paid (SCDL `conditionsVersement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payment {
    #[serde(rename = "unique")]
    Once,
    #[serde(rename = "échelonné")]
    Staggered,
}

/// The financer's decision on a line of the financing plan (SCDL `subventions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Convention {
    /// The SIRET of the body that grants it (`idAttribuant`: a préfecture for DETR…).
    pub financer_siret: String,
    /// The date of the convention or decision, `YYYY-MM-DD` (`dateConvention`).
    pub date: String,
    /// The decision's reference (`referenceDecision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// `conditionsVersement`.
    pub payment: Payment,
    /// When it is paid: `YYYY-MM-DD`, or a period `YYYY-MM-DD_YYYY-MM-DD`
    /// (`datesPeriodeVersement`).
    pub payment_period: String,
}

/// An indicator followed by the project: a code of the indicator catalogue, a
/// baseline, a target and when the target should be reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorTarget {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    pub target: f64,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_date: Option<String>,
}

/// Planned (and, once known, actual) spending of one nature in one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetLine {
    pub nature: BudgetNature,
    pub year: i32,
    pub planned_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actual_cents: Option<i64>,
}

/// The project's identifier in another national tool, unique per tool.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ExternalId {
    /// `mon-espace-collectivite`, `territoires-en-transitions`, `recoco`, `les-communs`,
    /// or the source of an import (`dotations-2019`).
    pub tool: String,
    pub id: String,
}

/// Whether `tool` names a tool: 1 to 40 lowercase ASCII letters, digits, `-` or `_`
/// (engineering requests and projects follow the one rule).
pub fn is_tool(tool: &str) -> bool {
    (1..=40).contains(&tool.len())
        && tool.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

impl ExternalId {
    /// `tool:id`, as the list's `external_id` filter and the CSV export write it.
    pub fn parse(s: &str) -> Option<ExternalId> {
        let (tool, id) = s.split_once(':')?;
        (is_tool(tool) && !id.trim().is_empty() && id.chars().count() <= 200)
            .then(|| ExternalId { tool: tool.to_owned(), id: id.to_owned() })
    }
}

impl std::fmt::Display for ExternalId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.tool, self.id)
    }
}

/// The known tools (others are accepted when they follow [`is_tool`]).
pub const KNOWN_TOOLS: [(&str, &str); 5] = [
    ("mon-espace-collectivite", "Mon Espace Collectivité"),
    ("territoires-en-transitions", "Territoires en Transitions"),
    ("recoco", "Recoco"),
    ("les-communs", "les communs"),
    ("dotations-2019", "Dotations d'investissement 2019 (DETR, DSIL, DSID)"),
];

/// Everything a client writes about a project (creation, full replacement).
///
/// What the platform writes it reads: the project as `GET /api/v1/projects/{id}` and
/// the JSON export answer it (its read-only `id`, `version`, `created_at`,
/// `updated_at` and the export's `programmes` ignored), territories as objects or `kind:code`, phase, status and
/// transitions as codes or French labels; `null` stands for absent (an empty
/// description, an empty list), as other tools send it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProjectInput {
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<Lead>,
    pub territories: Vec<TerritoryRef>,
    /// Where the project stands, when known: a project from the hub Les communs or
    /// another tool may come without one, and Cohésion does not invent it.
    #[serde(default)]
    pub phase: Option<Phase>,
    /// How the phase goes, when known; only with a phase (the hub's rule).
    #[serde(default)]
    pub phase_status: Option<PhaseStatus>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub transitions: Vec<Transition>,
    /// The priority domain (e.g. `Éducation`, `Mobilité`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Levers of the ecological planning (SGPE) the project acts on, written as the
    /// national list writes them (`nomenclature::levers`; schema field `leviers`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub levers: Vec<String>,
    /// Competences it falls under: M57 function codes (`90-212`;
    /// `nomenclature::competences`; schema field `competences`).
    #[serde(default, deserialize_with = "null_as_default")]
    pub competences: Vec<String>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<String>,
    /// Total cost in cents, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cost_cents: Option<i64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub financing: Vec<Financing>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub indicators: Vec<IndicatorTarget>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub budget_lines: Vec<BudgetLine>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub external_ids: Vec<ExternalId>,
}

/// `null` read as the empty value.
fn null_as_default<'de, D: serde::Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    #[serde(flatten)]
    pub input: ProjectInput,
    /// Bumped by every change; a write must name the version it read.
    pub version: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub updated_at: String,
}

impl ProjectInput {
    /// Drops the spare capacity of every list (read with growing buffers): what a
    /// project kept in memory for the life of an index should cost (issue 16).
    pub fn shrink_to_fit(&mut self) {
        self.territories.shrink_to_fit();
        self.transitions.shrink_to_fit();
        self.levers.shrink_to_fit();
        self.competences.shrink_to_fit();
        self.financing.shrink_to_fit();
        self.indicators.shrink_to_fit();
        self.budget_lines.shrink_to_fit();
        self.external_ids.shrink_to_fit();
    }

    /// The sum of the financing plan, in cents.
    pub fn financed_cents(&self) -> i64 {
        self.financing.iter().map(|f| f.amount_cents).sum()
    }

    /// What the State pays through the investment grants (DETR, DSIL, DSID…): the
    /// financing lines whose financer is `État`.
    pub fn state_grant_cents(&self) -> i64 {
        self.financing.iter().filter(|f| f.financer == STATE).map(|f| f.amount_cents).sum()
    }
}

/// The financer name of the State.
pub const STATE: &str = "État";
