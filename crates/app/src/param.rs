//! Faults of query parameters and small request fields shared by every domain (a
//! territory reference, a value out of a list, a page size).

use cohesion_core::territory::CodeError;

/// Page sizes are 1 to this.
pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamFault {
    #[error(transparent)]
    Territory(#[from] CodeError),
    #[error("between 1 and {max}")]
    Limit { max: usize },
    /// A value that is not one of a list; `expected` lists the API codes.
    #[error("`{value}`: {expected}")]
    NotOneOf { value: String, expected: &'static str },
    /// A value that is not of its vocabulary (`what`: "a pact status", "a programme code"…).
    #[error("`{value}` is not {what}")]
    Unknown { value: String, what: &'static str },
    #[error("no {what} {id}")]
    NoSuch { what: &'static str, id: String },
    #[error("required")]
    Required,
}

/// Checks a page size.
pub fn limit(limit: usize, faults: &mut Vec<crate::Fault>) {
    if limit == 0 || limit > MAX_LIMIT {
        faults.push(crate::Fault::new("limit", ParamFault::Limit { max: MAX_LIMIT }));
    }
}
