//! Requests, missions, providers and recommendations: the types of the custom
//! engineering offer. Instants are UTC `OffsetDateTime`, days `Date`, money integer
//! euro cents, engineering days hundredths of a day.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::date::iso_serde;
use crate::project::Phase;
use crate::territory::TerritoryRef;

/// What a local authority needs help with (a fixed list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Need {
    Study,
    FinancialSetup,
    Legal,
    PlanningUrbanism,
    EcologicalTransition,
    Digital,
    Mobility,
    Housing,
    TownCentre,
    Other,
}

crate::labels!(Need {
    Study => "study", "Études";
    FinancialSetup => "financial_setup", "Montage financier";
    Legal => "legal", "Juridique";
    PlanningUrbanism => "planning_urbanism", "Aménagement et urbanisme";
    EcologicalTransition => "ecological_transition", "Transition écologique";
    Digital => "digital", "Numérique";
    Mobility => "mobility", "Mobilité";
    Housing => "housing", "Habitat";
    TownCentre => "town_centre", "Revitalisation de centre-bourg ou de centre-ville";
    Other => "other", "Autre";
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Low,
    Normal,
    High,
}

crate::labels!(Urgency {
    Low => "low", "Pas d'urgence";
    Normal => "normal", "Normale";
    High => "high", "Urgente";
});

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for the delegate's answer.
    Submitted,
    /// Accepted: a mission is open.
    Accepted,
    /// Sent elsewhere (a national programme, another offer, a funding scheme).
    Redirected,
    Declined,
    /// Its mission closed.
    Closed,
}

crate::labels!(RequestStatus {
    Submitted => "submitted", "En attente de qualification";
    Accepted => "accepted", "Acceptée";
    Redirected => "redirected", "Réorientée";
    Declined => "declined", "Refusée";
    Closed => "closed", "Clôturée";
});

impl std::fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a request was sent instead of a mission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Redirection {
    NationalProgramme,
    OtherOffer,
    FundingScheme,
}

crate::labels!(Redirection {
    NationalProgramme => "national_programme", "Un programme national";
    OtherOffer => "other_offer", "Une autre offre d'ingénierie";
    FundingScheme => "funding_scheme", "Un dispositif de financement";
});

/// The delegate's answer to a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Qualification {
    /// Accepted: the mission it opened.
    Accepted { mission: String },
    /// Sent elsewhere; `target` names where (e.g. "Petites villes de demain"), `reason`
    /// is shown to the authority.
    Redirected { to: Redirection, target: String, reason: String },
    /// Declined; `reason` is shown to the authority.
    Declined { reason: String },
}

/// A request for engineering, as the authority made it and the delegate answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    pub id: String,
    /// The organisation (local authority) asking; its territory and SIREN come from it.
    pub organisation: Uuid,
    pub organisation_name: String,
    pub siren: String,
    pub territory: TerritoryRef,
    /// The département whose delegation qualifies it.
    pub departement: String,
    /// An existing project of the platform, or none when `project_title` names a new one.
    pub project: Option<String>,
    pub project_title: String,
    pub needs: Vec<Need>,
    /// What the needs mean here, in the authority's words.
    pub needs_detail: String,
    pub context: String,
    pub urgency: Urgency,
    #[serde(default, with = "iso_serde::option")]
    pub desired_start: Option<Date>,
    /// The project's identifiers in other national tools.
    #[serde(default)]
    pub external_ids: Vec<ExternalId>,
    pub status: RequestStatus,
    pub qualification: Option<Qualification>,
    /// Who made it (a person of the authority, or the delegate on its behalf).
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
    /// When the delegate was last reminded of it (none: never).
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub reminded_at: Option<OffsetDateTime>,
    pub revision: i64,
}

/// A project's identifier in another national tool: the one model of projects
/// (`project::ExternalId`), so that a request's identifiers and its project's are
/// compared and looked up alike.
pub use crate::project::{ExternalId, is_tool};

/// What kind of organisation a provider is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Agency,
    Cerema,
    Ademe,
    BanqueDesTerritoires,
    Caue,
    AgenceUrbanisme,
    PrivateFirm,
    Other,
}

crate::labels!(ProviderKind {
    Agency => "agency", "Experts de l'Agence";
    Cerema => "cerema", "Cerema";
    Ademe => "ademe", "ADEME";
    BanqueDesTerritoires => "banque_des_territoires", "Banque des Territoires";
    Caue => "caue", "CAUE";
    AgenceUrbanisme => "agence_urbanisme", "Agence d'urbanisme";
    PrivateFirm => "private_firm", "Prestataire privé (marché à bons de commande)";
    Other => "other", "Autre";
});

/// An organisation or expert that can take missions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provider {
    pub id: String,
    pub name: String,
    pub kind: ProviderKind,
    pub siren: Option<String>,
    /// The platform organisation whose people (role `partner`) act for it.
    pub organisation: Option<Uuid>,
    pub competences: Vec<Need>,
    /// Département codes it works in; empty: everywhere.
    pub departements: Vec<String>,
    /// How many missions it can carry at once.
    pub capacity: u32,
    pub active: bool,
    pub revision: i64,
}

impl Provider {
    pub fn covers(&self, departement: &str) -> bool {
        self.departements.is_empty() || self.departements.iter().any(|d| d == departement)
    }
}

/// Where a mission stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MissionStatus {
    /// Opened by the delegate: providers are asked.
    Proposed,
    /// A provider accepted: the work goes on.
    InProgress,
    Closed,
}

crate::labels!(MissionStatus {
    Proposed => "proposed", "En recherche de prestataire";
    InProgress => "in_progress", "En cours";
    Closed => "closed", "Clôturée";
});

impl std::fmt::Display for MissionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider's answer to a mission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Asked,
    Accepted,
    Declined,
}

crate::labels!(Answer {
    Asked => "asked", "Sollicité";
    Accepted => "accepted", "A accepté";
    Declined => "declined", "A décliné";
});

/// A provider on a mission, and its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Engagement {
    pub provider: String,
    pub provider_name: String,
    pub answer: Answer,
    /// Why it declined, when it did.
    #[serde(default)]
    pub reason: String,
    #[serde(with = "time::serde::rfc3339::option")]
    pub answered_at: Option<OffsetDateTime>,
}

/// How a person takes part in a mission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    /// A person of a provider on the mission: writes recommendations, takes part in
    /// both conversations.
    Advisor,
    /// Follows the mission (reads it, takes part in the internal conversation unless
    /// they act for the requesting authority).
    Observer,
}

crate::labels!(ParticipantRole {
    Advisor => "advisor", "Conseiller";
    Observer => "observer", "Observateur";
});

/// A person invited onto a mission; they see nothing and are told nothing until they
/// accept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub person: Uuid,
    pub role: ParticipantRole,
    /// For an advisor: the provider they act for.
    pub provider: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<OffsetDateTime>,
    /// When they were invited (none for a provider's person who joined by taking the
    /// mission, and for invitations older than this field).
    #[serde(default, with = "time::serde::rfc3339::option", skip_serializing_if = "Option::is_none")]
    pub invited_at: Option<OffsetDateTime>,
}

/// A step of the mission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Milestone {
    pub id: String,
    pub title: String,
    #[serde(with = "iso_serde::option")]
    pub due: Option<Date>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub done_at: Option<OffsetDateTime>,
}

/// Days of engineering spent and what they cost, drawn on the département's budget
/// of the year of `on`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spending {
    pub id: String,
    pub provider: String,
    /// Hundredths of a day (150 = 1.5 days).
    pub centidays: i64,
    pub cost_cents: i64,
    #[serde(with = "iso_serde")]
    pub on: Date,
    #[serde(default)]
    pub note: String,
    /// The delegate who approved it above the budget, if it went over.
    #[serde(default)]
    pub approved_over_budget_by: Option<Uuid>,
}

/// A funding the project obtained.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funding {
    pub funder: String,
    pub amount_cents: i64,
}

/// What the mission delivered and what the project became.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Closure {
    pub delivered: String,
    /// The project's phase after the mission (a phase change when it differs from
    /// `phase_before`).
    pub phase_before: Option<Phase>,
    pub phase_after: Option<Phase>,
    pub fundings: Vec<Funding>,
    #[serde(with = "time::serde::rfc3339")]
    pub closed_at: OffsetDateTime,
    pub closed_by: Uuid,
}

/// The two rounds the authority is asked its satisfaction: at closure, then three
/// months later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SurveyRound {
    AtClosure,
    ThreeMonths,
}

crate::labels!(SurveyRound {
    AtClosure => "at_closure", "À la clôture";
    ThreeMonths => "three_months", "Trois mois après";
});

/// The authority's satisfaction, 1 to 5, with a comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Satisfaction {
    pub round: SurveyRound,
    pub score: u8,
    #[serde(default)]
    pub comment: String,
    pub by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// A mission: the providers asked and engaged, its people, steps, spending, closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mission {
    pub id: String,
    pub request: String,
    pub organisation: Uuid,
    pub territory: TerritoryRef,
    pub departement: String,
    pub status: MissionStatus,
    pub providers: Vec<Engagement>,
    pub participants: Vec<Participant>,
    pub milestones: Vec<Milestone>,
    pub spending: Vec<Spending>,
    pub closure: Option<Closure>,
    pub satisfaction: Vec<Satisfaction>,
    #[serde(with = "time::serde::rfc3339")]
    pub opened_at: OffsetDateTime,
    /// When the first provider accepted.
    #[serde(with = "time::serde::rfc3339::option")]
    pub started_at: Option<OffsetDateTime>,
    pub revision: i64,
}

impl Mission {
    pub fn centidays(&self) -> i64 {
        self.spending.iter().map(|s| s.centidays).sum()
    }

    pub fn cost_cents(&self) -> i64 {
        self.spending.iter().map(|s| s.cost_cents).sum()
    }

    /// The providers that accepted.
    pub fn engaged(&self) -> impl Iterator<Item = &Engagement> {
        self.providers.iter().filter(|e| e.answer == Answer::Accepted)
    }
}

/// Recoco's six statuses of a recommendation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecommendationStatus {
    Proposed,
    InProgress,
    Blocked,
    Done,
    NotRelevant,
    AlreadyDone,
}

crate::labels!(RecommendationStatus {
    Proposed => "proposed", "Proposée";
    InProgress => "in_progress", "En cours";
    Blocked => "blocked", "Bloquée";
    Done => "done", "Faite";
    NotRelevant => "not_relevant", "Non pertinente";
    AlreadyDone => "already_done", "Déjà faite";
});

impl std::fmt::Display for RecommendationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One change of status, with its comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusChange {
    pub from: RecommendationStatus,
    pub to: RecommendationStatus,
    pub comment: String,
    pub by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}

/// An action the advisors recommend to the authority, tracked to its end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    pub id: String,
    pub mission: String,
    pub title: String,
    pub body: String,
    pub status: RecommendationStatus,
    pub history: Vec<StatusChange>,
    pub created_by: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub revision: i64,
}

/// The two conversations of a request and its mission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Thread {
    /// With the authority.
    Public,
    /// Between the advisors and the State; the authority never sees it.
    Internal,
}

crate::labels!(Thread {
    Public => "public", "Échanges avec la collectivité";
    Internal => "internal", "Échanges internes (conseillers et État)";
});

/// A département's engineering budget for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Budget {
    pub departement: String,
    pub year: i32,
    pub amount_cents: i64,
    /// What missions drew on it so far.
    pub consumed_cents: i64,
}
