//! The faults of an engineering input, as typed codes: `Display` is the English
//! message the API answers; the pages say each one in French (`web::pages::fault`).

use super::model::{MissionStatus, RecommendationStatus, RequestStatus};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineeringFault {
    #[error("this field is required")]
    Required,
    #[error("at most {max} characters")]
    TooLong { max: usize },
    #[error("name at least one need")]
    NoNeed,
    #[error("`{0}` is not a need of the list")]
    UnknownNeed(String),
    #[error("a need is listed twice")]
    NeedTwice,
    #[error("`{0}` is not an urgency (low, normal, high)")]
    UnknownUrgency(String),
    #[error("`{0}` is not a day YYYY-MM-DD")]
    NotADate(String),
    #[error("name an existing project or the title of a new one, not both")]
    ProjectOrTitle,
    #[error("no project {0}")]
    NoProject(String),
    #[error("the requesting authority acts for no territory of the referential")]
    NoTerritory,
    #[error("the requesting authority has no SIREN")]
    NoSiren,
    #[error("say why (shown to the authority)")]
    ReasonRequired,
    #[error("`{0}` is not a redirection (national_programme, other_offer, funding_scheme)")]
    UnknownRedirection(String),
    #[error("the request is {0}: it cannot be answered again")]
    AlreadyAnswered(RequestStatus),
    #[error("the request is {0}")]
    RequestNotNow(RequestStatus),
    #[error("the mission is {0}")]
    MissionNotNow(MissionStatus),
    #[error("no provider {0}")]
    NoProvider(String),
    #[error("this provider is already on the mission")]
    ProviderTwice,
    #[error("this provider is not on the mission")]
    NotOnMission,
    #[error("this provider already answered")]
    ProviderAnswered,
    #[error("a mission needs at least one provider")]
    NoProviderOnMission,
    #[error("`{0}` is not a recommendation status")]
    UnknownStatus(String),
    #[error("the recommendation is already {0}")]
    SameStatus(RecommendationStatus),
    #[error("a status change needs a comment")]
    CommentRequired,
    #[error("`{0}` is not a number of days (up to two decimals, more than 0, at most 365)")]
    NotDays(String),
    #[error("`{0}` is not an amount in cents (0 or more)")]
    NotAmount(String),
    #[error("this spending would take the département's {year} engineering budget over by {over_cents} cents")]
    OverBudget { year: i32, over_cents: i64 },
    #[error("no engineering budget is set for this département in {0}")]
    NoBudget(i32),
    #[error("satisfaction is a whole number from 1 to 5")]
    NotSatisfaction,
    #[error("satisfaction was already given for this round")]
    SatisfactionGiven,
    #[error("`{0}` is not a project phase (idea, study, operation)")]
    UnknownPhase(String),
    #[error("this person is already on the mission")]
    ParticipantTwice,
    #[error("an advisor acts for a provider on the mission")]
    AdvisorNotOfProvider,
    #[error("`{0}` is not a thread (public, internal)")]
    UnknownThread(String),
    #[error("`{0}` is not a provider kind")]
    UnknownProviderKind(String),
    #[error("`{0}` is not a département code")]
    UnknownDepartement(String),
    #[error("`{0}` is not a SIREN")]
    NotSiren(String),
    #[error("`{0}` is not a capacity (a whole number from 1 to 1000)")]
    NotCapacity(String),
    #[error("a provider with this name already exists")]
    ProviderNameTaken,
    #[error("`{0}`: {1}")]
    Document(String, super::document::DocumentFault),
    #[error("`{0}` is not a tool identifier (lowercase letters, digits, `-`, `_`)")]
    NotATool(String),
    #[error("this identifier is already recorded")]
    ExternalIdTwice,
    /// A providers' file that cannot be read as CSV.
    #[error("not readable as CSV")]
    NotCsv,
    #[error("the file is empty")]
    EmptyFile,
    /// A column the providers' file must have.
    #[error("missing column `{0}`")]
    MissingColumn(String),
}
