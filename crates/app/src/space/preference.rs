//! How each person wants to be mailed, per domain: at once, in the daily digest (the
//! default), in the weekly digest, or never (the platform's list still shows
//! everything). A change takes effect at the next digest: the digest reads the
//! preferences when it takes a person's pending notifications.

use cohesion_core::access::Principal;

use crate::{App, AppError};

/// The kinds of events a person chooses for: the `event.subject` of each domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Domain {
    Pact,
    Engineering,
    Training,
    /// The board and consultations.
    Board,
    Programme,
}

pub const DOMAINS: [Domain; 5] =
    [Domain::Pact, Domain::Engineering, Domain::Training, Domain::Board, Domain::Programme];

impl Domain {
    /// The subject its events carry (`event.subject`).
    pub fn as_str(self) -> &'static str {
        match self {
            Domain::Pact => "pact",
            Domain::Engineering => "engineering",
            Domain::Training => "training",
            Domain::Board => "board",
            Domain::Programme => "programme",
        }
    }

    pub fn parse(s: &str) -> Option<Domain> {
        DOMAINS.into_iter().find(|d| d.as_str() == s)
    }
}

/// When the mails of a domain go out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Delivery {
    /// At the next pass of the digest worker (every few minutes), alone.
    Immediate,
    #[default]
    Daily,
    /// With the digest of Monday.
    Weekly,
    /// Never by mail: only in the platform.
    Never,
}

pub const DELIVERIES: [Delivery; 4] = [Delivery::Immediate, Delivery::Daily, Delivery::Weekly, Delivery::Never];

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Immediate => "immediate",
            Delivery::Daily => "daily",
            Delivery::Weekly => "weekly",
            Delivery::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<Delivery> {
        DELIVERIES.into_iter().find(|d| d.as_str() == s)
    }
}

/// `who`'s delivery for every domain (the default where they chose nothing).
pub async fn mine(app: &App, who: &Principal) -> Result<Vec<(Domain, Delivery)>, AppError> {
    let stored = app.store.notification_preferences(who.person).await?;
    Ok(DOMAINS
        .into_iter()
        .map(|d| {
            let chosen = stored.iter().find(|(domain, _)| domain == d.as_str()).and_then(|(_, v)| Delivery::parse(v));
            (d, chosen.unwrap_or_default())
        })
        .collect())
}

/// Sets `who`'s own deliveries (every domain given; the others keep theirs).
pub async fn set(app: &App, who: &Principal, choices: &[(Domain, Delivery)]) -> Result<(), AppError> {
    let rows: Vec<(&str, &str)> = choices.iter().map(|(d, v)| (d.as_str(), v.as_str())).collect();
    app.store.set_notification_preferences(who.person, &rows).await?;
    Ok(())
}
