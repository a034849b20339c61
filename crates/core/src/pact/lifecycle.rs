//! How a pact moves: draft → co-construction → ready for signature → signed (every
//! party signs) → in execution → closed; and, once signed, amendments that go through
//! the same steps. Each step is a pure function of the pact that refuses what the
//! lifecycle forbids; a signed version is never changed by any of them.

use uuid::Uuid;

use super::model::{Execution, Pact, PactContent, PactStatus, PactVersion, ProjectSnapshot, Signature, VersionStatus};

/// Why a step was refused (the message is shown to people, in French).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LifecycleError {
    #[error("{0}")]
    NotNow(String),
    #[error("la partie « {0} » n'est pas partie au pacte")]
    UnknownParty(String),
    #[error("la partie « {0} » a déjà signé cette version")]
    AlreadySigned(String),
}

fn not_now(s: impl Into<String>) -> LifecycleError {
    LifecycleError::NotNow(s.into())
}

/// A step the owner asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Draft → co-construction: the parties can propose and comment.
    OpenCoConstruction,
    /// Co-construction → ready for signature: the text and its projects are frozen.
    SubmitForSignature,
    /// Ready for signature → co-construction: signatures already given are withdrawn.
    Reopen,
    /// Signed → in execution.
    StartExecution,
    /// In execution (or signed) → closed.
    Close,
}

impl Step {
    /// From the status asked for (`co_construction`, `ready_for_signature`,
    /// `in_execution`, `closed`), given where the pact stands.
    pub fn to(pact: &Pact, target: PactStatus) -> Option<Step> {
        let working = pact.working().map(|v| v.status);
        match (target, working) {
            (PactStatus::CoConstruction, Some(VersionStatus::Draft)) => Some(Step::OpenCoConstruction),
            (PactStatus::CoConstruction, Some(VersionStatus::ReadyForSignature)) => Some(Step::Reopen),
            (PactStatus::ReadyForSignature, _) => Some(Step::SubmitForSignature),
            (PactStatus::InExecution, _) => Some(Step::StartExecution),
            (PactStatus::Closed, _) => Some(Step::Close),
            _ => None,
        }
    }
}

impl Pact {
    /// A new pact: its first version, in draft.
    pub fn new(id: String, content: PactContent, now: &str) -> Pact {
        Pact {
            id,
            versions: vec![PactVersion {
                number: 1,
                status: VersionStatus::Draft,
                content,
                signatures: Vec::new(),
                snapshots: Vec::new(),
                created_at: now.to_owned(),
                signed_at: None,
            }],
            execution: None,
            revision: 1,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            published_at: None,
        }
    }

    /// Makes the text being written public before the first signature (the owner's
    /// choice; a signed pact is public already, and publishing is never undone).
    pub fn publish(&mut self, now: &str) -> Result<(), LifecycleError> {
        if self.in_force().is_some() {
            return Err(not_now("un pacte signé est déjà public"));
        }
        if self.published_at.is_some() {
            return Err(not_now("le pacte est déjà public"));
        }
        self.published_at = Some(now.to_owned());
        self.touch(now);
        Ok(())
    }

    fn working_mut(&mut self) -> Option<&mut PactVersion> {
        self.versions.last_mut().filter(|v| v.status != VersionStatus::Signed)
    }

    fn touch(&mut self, now: &str) {
        self.revision += 1;
        self.updated_at = now.to_owned();
    }

    /// Replaces the text of the version being written (draft or co-construction).
    pub fn edit(&mut self, content: PactContent, now: &str) -> Result<(), LifecycleError> {
        let v = self
            .working_mut()
            .ok_or_else(|| not_now("la version en vigueur est signée : toute modification passe par un avenant"))?;
        if !matches!(v.status, VersionStatus::Draft | VersionStatus::CoConstruction) {
            return Err(not_now("le texte est soumis à signature : rouvrez la co-construction pour le modifier"));
        }
        v.content = content;
        self.touch(now);
        Ok(())
    }

    /// Adds a project to the actions of the version being written (an accepted
    /// proposal); no-op if it is already there.
    pub fn add_action(&mut self, project: &str, now: &str) -> Result<(), LifecycleError> {
        let mut content =
            self.working().map(|v| v.content.clone()).ok_or_else(|| not_now("aucune version en cours"))?;
        if !content.actions.iter().any(|a| a == project) {
            content.actions.push(project.to_owned());
        }
        self.edit(content, now)
    }

    /// Takes a project out of the actions of the version being written.
    pub fn remove_action(&mut self, project: &str, now: &str) -> Result<(), LifecycleError> {
        let mut content =
            self.working().map(|v| v.content.clone()).ok_or_else(|| not_now("aucune version en cours"))?;
        content.actions.retain(|a| a != project);
        self.edit(content, now)
    }

    /// Takes one step. `snapshots` are the pact's projects as they are now: they are
    /// frozen into the version when it is submitted for signature. `open_proposals`
    /// counts the proposals not yet decided: a text with some cannot be submitted.
    pub fn step(
        &mut self,
        step: Step,
        snapshots: Vec<ProjectSnapshot>,
        open_proposals: usize,
        now: &str,
    ) -> Result<(), LifecycleError> {
        let status = self.status();
        match step {
            Step::OpenCoConstruction => {
                let v = self
                    .working_mut()
                    .filter(|v| v.status == VersionStatus::Draft)
                    .ok_or_else(|| not_now("seul un brouillon passe en co-construction"))?;
                v.status = VersionStatus::CoConstruction;
            }
            Step::SubmitForSignature => {
                let v = self
                    .working_mut()
                    .filter(|v| matches!(v.status, VersionStatus::Draft | VersionStatus::CoConstruction))
                    .ok_or_else(|| not_now("seul un texte en cours d'écriture peut être soumis à signature"))?;
                if open_proposals > 0 {
                    return Err(not_now(if open_proposals == 1 {
                        "1 proposition attend une décision : acceptez-la ou refusez-la d'abord".to_owned()
                    } else {
                        format!(
                            "{open_proposals} propositions attendent une décision : acceptez-les ou refusez-les d'abord"
                        )
                    }));
                }
                if v.content.actions.is_empty() {
                    return Err(not_now("un pacte soumis à signature compte au moins une action"));
                }
                v.status = VersionStatus::ReadyForSignature;
                v.snapshots = snapshots;
            }
            Step::Reopen => {
                let v = self
                    .working_mut()
                    .filter(|v| v.status == VersionStatus::ReadyForSignature)
                    .ok_or_else(|| not_now("seul un texte soumis à signature peut être rouvert"))?;
                v.status = VersionStatus::CoConstruction;
                v.signatures.clear();
                v.snapshots.clear();
            }
            Step::StartExecution => {
                if status != PactStatus::Signed {
                    return Err(not_now("seul un pacte signé entre en exécution"));
                }
                self.execution = Some(Execution::InExecution);
            }
            Step::Close => {
                if !matches!(status, PactStatus::Signed | PactStatus::InExecution) {
                    return Err(not_now("seul un pacte signé ou en exécution peut être clos"));
                }
                if self.working().is_some() {
                    return Err(not_now("un avenant est en cours : signez-le ou abandonnez-le avant de clore"));
                }
                self.execution = Some(Execution::Closed);
            }
        }
        self.touch(now);
        Ok(())
    }

    /// One party signs the version submitted for signature. When every party has
    /// signed, the version is signed: it becomes the text in force. Returns whether
    /// this signature completed it.
    pub fn sign(&mut self, party: &str, person: Uuid, name: &str, now: &str) -> Result<bool, LifecycleError> {
        let v = self
            .working_mut()
            .filter(|v| v.status == VersionStatus::ReadyForSignature)
            .ok_or_else(|| not_now("aucune version n'est soumise à signature"))?;
        if v.content.party(party).is_none() {
            return Err(LifecycleError::UnknownParty(party.to_owned()));
        }
        if v.signatures.iter().any(|s| s.party == party) {
            return Err(LifecycleError::AlreadySigned(party.to_owned()));
        }
        v.signatures.push(Signature {
            party: party.to_owned(),
            person,
            name: name.to_owned(),
            signed_at: now.to_owned(),
        });
        let complete = v.content.parties.iter().all(|p| v.signatures.iter().any(|s| s.party == p.key()));
        if complete {
            v.status = VersionStatus::Signed;
            v.signed_at = Some(now.to_owned());
        }
        self.touch(now);
        Ok(complete)
    }

    /// Starts an amendment (avenant): a new version, in draft, copied from the text in
    /// force. The signed versions stay as they are.
    pub fn amend(&mut self, now: &str) -> Result<u32, LifecycleError> {
        if self.working().is_some() {
            return Err(not_now("une version est déjà en cours d'écriture"));
        }
        if self.execution == Some(Execution::Closed) {
            return Err(not_now("un pacte clos ne se modifie plus"));
        }
        let base = self.in_force().ok_or_else(|| not_now("seul un pacte signé se modifie par avenant"))?;
        let number = base.number + 1;
        let content = base.content.clone();
        self.versions.push(PactVersion {
            number,
            status: VersionStatus::Draft,
            content,
            signatures: Vec::new(),
            snapshots: Vec::new(),
            created_at: now.to_owned(),
            signed_at: None,
        });
        self.touch(now);
        Ok(number)
    }

    /// Drops the amendment being written (never a signed version, never the first).
    pub fn abandon_amendment(&mut self, now: &str) -> Result<u32, LifecycleError> {
        let number = self.pending_amendment().map(|v| v.number).ok_or_else(|| not_now("aucun avenant en cours"))?;
        self.versions.pop();
        self.touch(now);
        Ok(number)
    }
}
