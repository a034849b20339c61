//! Co-construction: proposals made by a party and decided by the owner, comment
//! threads, and what people are told of it (one daily digest).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::project::{FieldFault, ProjectInput};

use super::fault::PactFault;

/// What a party proposes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ProposalChange {
    /// An existing project becomes an action of the pact.
    AddProject { project_id: String },
    /// A new project, created and added when the proposal is accepted.
    NewProject { project: ProjectInput },
    /// A project leaves the actions.
    RemoveProject { project_id: String },
    /// A project of the pact changes: the whole new text, and the version of the
    /// project it was written from (accepting it over a newer version is refused).
    ChangeProject { project_id: String, base_version: i64, project: ProjectInput },
}

impl ProposalChange {
    pub fn kind(&self) -> &'static str {
        match self {
            ProposalChange::AddProject { .. } => "add_project",
            ProposalChange::NewProject { .. } => "new_project",
            ProposalChange::RemoveProject { .. } => "remove_project",
            ProposalChange::ChangeProject { .. } => "change_project",
        }
    }

    /// In French, for lists and mails.
    pub fn label(&self) -> &'static str {
        match self {
            ProposalChange::AddProject { .. } => "Ajout d'un projet existant",
            ProposalChange::NewProject { .. } => "Nouveau projet",
            ProposalChange::RemoveProject { .. } => "Retrait d'un projet",
            ProposalChange::ChangeProject { .. } => "Modification d'un projet",
        }
    }

    /// The project concerned, when it exists already.
    pub fn project_id(&self) -> Option<&str> {
        match self {
            ProposalChange::AddProject { project_id }
            | ProposalChange::RemoveProject { project_id }
            | ProposalChange::ChangeProject { project_id, .. } => Some(project_id),
            ProposalChange::NewProject { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Open,
    Accepted,
    Declined,
}

crate::labels!(ProposalStatus {
    Open => "open", "En attente de décision";
    Accepted => "accepted", "Acceptée";
    Declined => "declined", "Refusée";
});

/// What a party asks (the body of a proposal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalInput {
    /// The party proposing (`state` or its SIREN): the author must act for it.
    pub party: String,
    pub change: ProposalChange,
    /// Why.
    #[serde(default)]
    pub message: String,
}

/// A stored proposal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    pub pact_id: String,
    /// The version it was made on.
    pub version: u32,
    pub party: String,
    pub author: Uuid,
    pub author_name: String,
    pub change: ProposalChange,
    pub message: String,
    pub status: ProposalStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_by_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_reason: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decided_at: Option<String>,
}

/// Checks the free text of a proposal, a decision or a comment.
pub fn check_text(field: &str, text: &str, required: bool, max: usize) -> Vec<FieldFault<PactFault>> {
    let mut out = Vec::new();
    if required && text.trim().is_empty() {
        out.push(FieldFault::new(field, PactFault::TextRequired));
    }
    if text.chars().count() > max {
        out.push(FieldFault::new(field, PactFault::TooLong { max }));
    }
    out
}

/// A comment in a thread of a pact: about the pact itself (`pact`), one proposal
/// (`proposal:{id}`) or one project (`project:{id}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub id: String,
    pub pact_id: String,
    pub thread: String,
    pub author: Uuid,
    pub author_name: String,
    pub body: String,
    pub created_at: String,
}

/// Whether `thread` names a thread: `pact`, `proposal:…` or `project:…`.
pub fn is_thread(thread: &str) -> bool {
    thread == "pact"
        || thread.strip_prefix("proposal:").or_else(|| thread.strip_prefix("project:")).is_some_and(|id| {
            !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Something that happened on a pact, told to its people in their digest: the
/// platform's one kind of event ([`crate::notice`]).
pub type PactEvent = crate::notice::Event;

/// The daily digest of one person ([`crate::notice::digest`]).
pub fn digest(name: &str, events: &[PactEvent], base_url: &str) -> (String, String) {
    crate::notice::digest(name, events, base_url)
}
