//! A territorial pact: its versions (the first one, then each amendment), what each
//! version says (kind, title, perimeter, parties, owner, the projects that are its
//! actions), who signed it, and what the projects were when it was put to signature.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::project::{Financing, Phase, PhaseStatus, Project};
use crate::territory::TerritoryRef;

/// What kind of contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PactKind {
    Cohesion,
    Resilience,
    Crte,
    ContratDeVille,
    Other,
}

crate::labels!(PactKind {
    Cohesion => "cohesion", "Pacte territorial de cohésion";
    Resilience => "resilience", "Pacte territorial de résilience";
    Crte => "crte", "Contrat de relance et de transition écologique";
    ContratDeVille => "contrat_de_ville", "Contrat de ville";
    Other => "other", "Autre contrat territorial";
});

/// Who a party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    State,
    LocalAuthority,
    Partner,
}

crate::labels!(PartyKind {
    State => "state", "État";
    LocalAuthority => "local_authority", "Collectivité territoriale";
    Partner => "partner", "Partenaire";
});

/// A party to the pact. The State is one party (key `state`); a local authority is
/// known by its SIREN, a partner by its SIREN or SIRET.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub kind: PartyKind,
    pub name: String,
    /// SIREN (9 digits) or SIRET (14); none for the State.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub siren: Option<String>,
}

/// The key of the State party.
pub const STATE_PARTY: &str = "state";

impl Party {
    /// How the pact names this party (`state`, or its SIREN/SIRET).
    pub fn key(&self) -> &str {
        match (self.kind, &self.siren) {
            (PartyKind::State, _) | (_, None) => STATE_PARTY,
            (_, Some(s)) => s,
        }
    }
}

/// What one version of a pact says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PactContent {
    pub kind: PactKind,
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The territories the pact covers.
    pub perimeter: Vec<TerritoryRef>,
    pub parties: Vec<Party>,
    /// The key of the party that pilots the pact: it edits the text, accepts or
    /// declines proposals and moves the pact along its lifecycle.
    pub owner: String,
    /// The projects that are its actions (their ids).
    #[serde(default)]
    pub actions: Vec<String>,
}

impl PactContent {
    pub fn party(&self, key: &str) -> Option<&Party> {
        self.parties.iter().find(|p| p.key() == key)
    }
}

/// Where one version stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionStatus {
    Draft,
    CoConstruction,
    ReadyForSignature,
    Signed,
}

crate::labels!(VersionStatus {
    Draft => "draft", "Brouillon";
    CoConstruction => "co_construction", "En co-construction";
    ReadyForSignature => "ready_for_signature", "Prêt pour signature";
    Signed => "signed", "Signé";
});

/// Where the pact stands as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PactStatus {
    Draft,
    CoConstruction,
    ReadyForSignature,
    Signed,
    InExecution,
    Closed,
}

crate::labels!(PactStatus {
    Draft => "draft", "Brouillon";
    CoConstruction => "co_construction", "En co-construction";
    ReadyForSignature => "ready_for_signature", "Prêt pour signature";
    Signed => "signed", "Signé";
    InExecution => "in_execution", "En exécution";
    Closed => "closed", "Clos";
});

/// One party's signature of one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signature {
    pub party: String,
    pub person: Uuid,
    /// The signer's name as it was when signing.
    pub name: String,
    /// RFC 3339, UTC.
    pub signed_at: String,
}

/// A project as a version of the pact shows it: frozen when the version is put to
/// signature, so that what the parties sign, and a signed version, never change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSnapshot {
    pub id: String,
    /// The project's own version at that time.
    pub version: i64,
    pub name: String,
    #[serde(default)]
    pub phase: Option<Phase>,
    #[serde(default)]
    pub phase_status: Option<PhaseStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cost_cents: Option<i64>,
    #[serde(default)]
    pub financing: Vec<Financing>,
}

impl ProjectSnapshot {
    pub fn of(p: &Project) -> ProjectSnapshot {
        ProjectSnapshot {
            id: p.id.clone(),
            version: p.version,
            name: p.input.name.clone(),
            phase: p.input.phase,
            phase_status: p.input.phase_status,
            total_cost_cents: p.input.total_cost_cents,
            financing: p.input.financing.clone(),
        }
    }

    pub fn financed_cents(&self) -> i64 {
        self.financing.iter().map(|f| f.amount_cents).sum()
    }
}

/// One version: the first text, or an amendment (avenant) of the one before.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PactVersion {
    /// 1 for the first text, 2 for the first amendment, …
    pub number: u32,
    pub status: VersionStatus,
    pub content: PactContent,
    #[serde(default)]
    pub signatures: Vec<Signature>,
    /// Filled when the version is put to signature, emptied if it is reopened.
    #[serde(default)]
    pub snapshots: Vec<ProjectSnapshot>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_at: Option<String>,
}

/// After signature: the pact is carried out, then closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Execution {
    InExecution,
    Closed,
}

/// A stored pact: every version, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pact {
    pub id: String,
    pub versions: Vec<PactVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution: Option<Execution>,
    /// Bumped by every change of the pact; an edit names the revision it read.
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    /// When its owner made it public before its first signature (RFC 3339): from then
    /// on anyone reads the text being written (`rules::public_part`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
}

impl Pact {
    /// The newest version: the one being worked on, or the one in force.
    pub fn current(&self) -> &PactVersion {
        // A pact always has its first version (see `Pact::new`).
        &self.versions[self.versions.len() - 1]
    }

    /// The version being written (not yet signed), if any.
    pub fn working(&self) -> Option<&PactVersion> {
        self.versions.last().filter(|v| v.status != VersionStatus::Signed)
    }

    /// The last signed version: the text in force.
    pub fn in_force(&self) -> Option<&PactVersion> {
        self.versions.iter().rev().find(|v| v.status == VersionStatus::Signed)
    }

    pub fn version(&self, number: u32) -> Option<&PactVersion> {
        self.versions.iter().find(|v| v.number == number)
    }

    /// Where the pact stands: before its first signature, the status of its first
    /// version; after, signed, in execution or closed (an amendment being written does
    /// not change it: the signed text stays in force until the amendment is signed).
    pub fn status(&self) -> PactStatus {
        match self.execution {
            Some(Execution::Closed) => PactStatus::Closed,
            Some(Execution::InExecution) => PactStatus::InExecution,
            None if self.in_force().is_some() => PactStatus::Signed,
            None => match self.current().status {
                VersionStatus::Draft => PactStatus::Draft,
                VersionStatus::CoConstruction => PactStatus::CoConstruction,
                VersionStatus::ReadyForSignature => PactStatus::ReadyForSignature,
                VersionStatus::Signed => PactStatus::Signed,
            },
        }
    }

    /// The amendment being written, if the pact was signed and is being amended.
    pub fn pending_amendment(&self) -> Option<&PactVersion> {
        self.working().filter(|v| v.number > 1)
    }
}
