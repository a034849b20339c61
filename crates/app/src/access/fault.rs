//! The faults of the access use cases' inputs (roles, invitations, tokens, audit
//! filters). `Display` is the English message the API answers.

use cohesion_core::access::person::InvalidEmail;
use cohesion_core::territory::CodeError;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessFault {
    #[error("a programme code (lowercase letters, digits, - or _)")]
    ProgrammeCode,
    #[error(transparent)]
    Code(#[from] CodeError),
    #[error("département {0} is not in the referential")]
    UnknownDepartement(String),
    #[error("required")]
    Required,
    #[error("no organisation {0}")]
    NoOrganisation(Uuid),
    #[error("a local role needs a local authority")]
    LocalNeedsLocalAuthority,
    #[error("a partner role needs a partner organisation")]
    PartnerNeedsPartner,
    #[error("unknown role `{0}`")]
    UnknownRole(String),
    #[error(transparent)]
    Email(#[from] InvalidEmail),
    /// A token's name.
    #[error("1 to 100 characters")]
    NameLength,
    #[error("`{0}` is not an RFC 3339 time")]
    NotRfc3339(String),
    /// A page size.
    #[error("1 to 200")]
    Limit,
}
