//! The use cases' one error type, and their faults.
//!
//! Strategy: every failure a caller can cause is a variant with what it needs to be
//! said (a not-found, a refusal, a conflict, the faults of an input by field); the
//! adapters decide how to say it: the API in English as RFC 9457 problem documents
//! (`web::error`), the pages in French (`web::pages::fault`). A store failure keeps
//! its source for the log and is never shown.

use cohesion_store::StoreError;

/// A fault of an input: where (`field`, e.g. `parties[1].siren`) and what, as a typed
/// code with its parameters ([`FaultCode`]). Its `Display` is the English message the
/// API answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub field: String,
    pub code: FaultCode,
}

impl Fault {
    pub fn new(field: impl Into<String>, code: impl Into<FaultCode>) -> Fault {
        Fault { field: field.into(), code: code.into() }
    }

    /// The English message (the API's `errors[].message`).
    pub fn message(&self) -> String {
        self.code.to_string()
    }
}

/// The faults of every domain, each domain with its own enum of codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FaultCode {
    #[error(transparent)]
    Project(#[from] cohesion_core::project::ProjectFault),
    #[error(transparent)]
    Pact(#[from] cohesion_core::pact::PactFault),
    #[error(transparent)]
    Programme(#[from] crate::programme::ProgrammeFault),
    #[error(transparent)]
    Rule(#[from] cohesion_core::programme::eligibility::RuleFault),
    #[error(transparent)]
    Param(#[from] crate::param::ParamFault),
    #[error(transparent)]
    Access(#[from] crate::access::AccessFault),
    #[error(transparent)]
    Organisation(#[from] cohesion_core::access::organisation::OrganisationFault),
    #[error(transparent)]
    Engineering(#[from] cohesion_core::engineering::EngineeringFault),
    #[error(transparent)]
    Evaluation(#[from] cohesion_core::evaluation::EvaluationFault),
}

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// What was asked for does not exist (the message names it, in English).
    #[error("{0}")]
    NotFound(String),
    /// No one is signed in.
    #[error("authentication required")]
    Unauthenticated,
    /// The person may not do this (the message says who may).
    #[error("{0}")]
    Forbidden(String),
    /// A stale write, or a state that forbids the change.
    #[error("{0}")]
    Conflict(String),
    /// What would be created exists already (another project holds the identifier):
    /// `existing` is its id, for the caller to read or update it.
    #[error("{detail}")]
    Exists { detail: String, existing: String },
    /// The version the caller conditioned its write on (`If-Match`) is not the
    /// current one, or there is none: nothing was written.
    #[error("{0}")]
    PreconditionFailed(String),
    /// The input is wrong: every fault, by field.
    #[error("{}", .0.iter().map(|f| format!("{}: {}", f.field, f.message())).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Fault>),
    /// A file is wrong: every faulty line (nothing was written).
    #[error("{} fault(s) in the file; nothing was written", .0.0.len())]
    InvalidFile(cohesion_core::import::Faults),
    /// A request the use case cannot read, with a stable code.
    #[error("{detail}")]
    BadRequest { code: &'static str, detail: String },
    /// A service the use case needs does not answer (the mail relay).
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The store failed: never the caller's fault, its source goes to the log.
    #[error(transparent)]
    Store(StoreError),
    /// Anything else that is not the caller's fault.
    #[error("{0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => AppError::Conflict(m),
            other => AppError::Store(other),
        }
    }
}

impl From<crate::LoadError> for AppError {
    fn from(e: crate::LoadError) -> Self {
        match e {
            crate::LoadError::Store(e) => e.into(),
            other => AppError::Internal(other.to_string()),
        }
    }
}

impl AppError {
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        AppError::BadRequest { code, detail: detail.into() }
    }

    /// One fault.
    pub fn invalid(field: impl Into<String>, code: impl Into<FaultCode>) -> Self {
        AppError::Invalid(vec![Fault::new(field, code)])
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
