//! The faults of a project input, as typed codes: `Display` is the English message
//! the API answers; the pages say each one in French (`web::pages::fault`).

use crate::territory::TerritoryRef;

/// A fault at a field (`financing[2].amount_cents`); `F` is the domain's code enum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldFault<F = ProjectFault> {
    pub field: String,
    pub fault: F,
}

impl<F: std::fmt::Display> FieldFault<F> {
    pub fn new(field: impl Into<String>, fault: F) -> Self {
        FieldFault { field: field.into(), fault }
    }

    /// The English message.
    pub fn message(&self) -> String {
        self.fault.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectFault {
    #[error("a project needs a name")]
    NameRequired,
    #[error("at most {max} characters")]
    TooLong { max: usize },
    #[error("a project concerns at least one territory")]
    NoTerritory,
    #[error("{0} is not in the territory referential")]
    UnknownTerritory(TerritoryRef),
    #[error("the lead organisation needs a name, or its SIREN or SIRET")]
    LeadNameRequired,
    #[error("`{0}` is neither a SIREN (9 digits) nor a SIRET (14 digits)")]
    NotSirenOrSiret(String),
    #[error("`{0}` is not a date YYYY-MM-DD")]
    NotADate(String),
    #[error("ends before it starts")]
    EndsBeforeStart,
    #[error("a transition is listed twice")]
    TransitionTwice,
    #[error("`{0}` is not a lever of the ecological planning (GET /api/v1/projects/levers lists them)")]
    UnknownLever(String),
    #[error("a lever is listed twice")]
    LeverTwice,
    #[error("`{0}` is not an M57 function code (GET /api/v1/projects/competences lists them)")]
    UnknownCompetence(String),
    #[error("a competence is listed twice")]
    CompetenceTwice,
    #[error("a cost cannot be negative")]
    NegativeCost,
    #[error("name the co-financer")]
    FinancerRequired,
    #[error("`{0}` is not a SIRET (14 digits)")]
    NotASiret(String),
    #[error("`{0}` is not a date YYYY-MM-DD nor a period YYYY-MM-DD_YYYY-MM-DD")]
    NotAPeriod(String),
    #[error("an amount must be positive")]
    AmountNotPositive,
    #[error("the amounts overflow")]
    AmountsOverflow,
    #[error("the financing plan ({financed} cents) exceeds the total cost ({cost} cents)")]
    FinancingExceedsCost { financed: i64, cost: i64 },
    #[error("name the indicator by its catalogue code")]
    IndicatorCodeRequired,
    #[error("baseline and target must be numbers")]
    IndicatorNotNumber,
    #[error("`{0}` is not in the indicator catalogue")]
    UnknownIndicator(String),
    #[error("a year between 1900 and 2100")]
    BudgetYear,
    #[error("amounts cannot be negative")]
    NegativeAmounts,
    #[error("a tool name of 1 to 40 lowercase letters, digits, hyphens or underscores")]
    ToolName,
    #[error("the identifier in that tool")]
    ExternalIdRequired,
    #[error("one identifier per tool")]
    ToolTwice,
    /// A status says how a phase goes: without a phase it says nothing (the hub's
    /// rule too).
    #[error("a phase status needs a phase")]
    StatusWithoutPhase,
    /// A value of the hub's payload outside its lists (a phase, a status, a
    /// collectivité type or code, an amount).
    #[error("`{0}` is not a value the hub's payload allows here")]
    NotInList(String),
    /// An upsert's body names, for the tool of its address, another identifier.
    #[error("the address names this project {key}: its identifier in that tool cannot differ")]
    NotTheKey { key: String },
    /// The phase goes back (labels in French, as the model names them).
    #[error("a project does not go back from {from} to {to}")]
    PhaseBack { from: &'static str, to: &'static str },
    /// A known phase is not removed (a project only moves forward).
    #[error("a project's phase ({from}) is not removed")]
    PhaseRemoved { from: &'static str },
    #[error("the project is {status}: its phase no longer changes")]
    PhaseFrozen { status: &'static str },
}
