//! The faults of a pact text, a proposal, a decision or a comment, as typed codes:
//! `Display` is the English message the API answers; the pages say each one in
//! French (`web::pages::fault`).

use crate::project::ProjectFault;
use crate::territory::TerritoryRef;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PactFault {
    #[error("a pact needs a title")]
    TitleRequired,
    #[error("at most {max} characters")]
    TooLong { max: usize },
    #[error("a pact covers at least one territory")]
    NoTerritory,
    #[error("{0} is not in the territory referential")]
    UnknownTerritory(TerritoryRef),
    #[error("a pact binds at least two parties")]
    TooFewParties,
    #[error("name the party")]
    PartyNameRequired,
    #[error("the State party has no SIREN")]
    StateHasNoSiren,
    #[error("a local authority or partner is known by its SIREN")]
    SirenRequired,
    #[error("`{0}` is neither a SIREN nor a SIRET")]
    NotSirenOrSiret(String),
    #[error("a party is listed twice")]
    PartyTwice,
    #[error("`{0}` is not one of the parties (`state` or a party's SIREN)")]
    OwnerNotParty(String),
    #[error("a project is listed twice")]
    ActionTwice,
    #[error("no project {0}")]
    NoProject(String),
    #[error("this text is required")]
    TextRequired,
    /// A proposal names a project already among the actions.
    #[error("this project is already an action of the pact")]
    AlreadyAction,
    /// A proposal to remove or change a project that is not an action.
    #[error("this project is not an action of the pact")]
    NotAnAction,
    #[error("`{0}`: pact, proposal:{{id}} or project:{{id}}")]
    NotAThread(String),
    /// A project of the pact (or proposed to it) lies, at least in part, outside the
    /// pact's perimeter: the first of its territories that no territory of the
    /// perimeter covers.
    #[error("the project lies outside the pact's perimeter: {name} ({territory}) is not covered by it")]
    OutsidePerimeter { territory: TerritoryRef, name: String },
    /// A fault of the project a proposal carries.
    #[error(transparent)]
    Project(#[from] ProjectFault),
}
