//! The programme records.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::territory::TerritoryRef;

/// A value outside a closed vocabulary, with the vocabulary's wire names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not one of {}", .expected.join(", "))]
pub struct NotInVocabulary {
    pub value: String,
    pub expected: Vec<&'static str>,
}

/// Defines a closed vocabulary with its stable wire names.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = NotInVocabulary;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s.trim()).ok_or_else(|| NotInVocabulary {
                    value: s.to_owned(),
                    expected: $name::ALL.iter().map(|v| v.as_str()).collect(),
                })
            }
        }
    };
}

vocabulary! {
    /// The agency's priority domains.
    Domain { Rurality => "rurality", UrbanPolicy => "urban_policy", Digital => "digital" }
}

vocabulary! {
    /// Whether a programme still takes part in the agency's offer.
    ProgrammeStatus { Active => "active", Closed => "closed" }
}

vocabulary! {
    /// Where a territory stands in a programme.
    MembershipStatus { Candidate => "candidate", Labelled => "labelled", Active => "active", Exited => "exited" }
}

vocabulary! {
    /// The transitions an action serves (plus economic recovery).
    Transition {
        Ecological => "ecological",
        Digital => "digital",
        Democratic => "democratic",
        Demographic => "demographic",
        Recovery => "recovery",
    }
}

vocabulary! {
    /// Progress of an action of a programme's plan.
    ActionStatus { Planned => "planned", InProgress => "in_progress", Done => "done", Abandoned => "abandoned" }
}

/// One programme of the catalogue. `code` is the lowercase acronym used by the data
/// files and the API (`pvd`, `acv`, `ti`, `fs`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Programme {
    pub code: String,
    pub acronym: String,
    pub name: String,
    pub description: String,
    pub domains: Vec<Domain>,
    /// The team or person running it (a programme manager).
    pub owner: Option<String>,
    /// `YYYY-MM-DD`.
    pub started_on: Option<String>,
    pub ended_on: Option<String>,
    pub status: ProgrammeStatus,
    /// Where its list comes from (file, vintage, licence).
    pub source: String,
}

/// A territory's membership of a programme. A programme territory (an ACV town and
/// its partner communes, a Territoire d'industrie made of several EPCI) is the set of
/// memberships sharing a `group_id`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Membership {
    pub programme: String,
    pub territory: TerritoryRef,
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    pub status: MembershipStatus,
    pub signed_on: Option<String>,
    pub labelled_on: Option<String>,
    pub exited_on: Option<String>,
    /// Reference of the convention signed with the State.
    pub convention: Option<String>,
}

impl Membership {
    /// What identifies a membership inside its programme: the territory and its group.
    pub fn key(&self) -> (TerritoryRef, Option<String>) {
        (self.territory.clone(), self.group_id.clone())
    }

    /// The first date it is known to have started.
    pub fn since(&self) -> Option<&str> {
        self.signed_on.as_deref().or(self.labelled_on.as_deref())
    }

    pub fn is_current(&self) -> bool {
        self.status != MembershipStatus::Exited
    }
}

/// A France services place: where people are received, not only the commune.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Place {
    /// The national identifier of the place (`id_fs`).
    pub id: String,
    pub name: String,
    pub address: String,
    pub address_complement: Option<String>,
    pub postcode: String,
    /// INSEE code of the commune (or municipal arrondissement) it stands in.
    pub commune: String,
    pub lat: f64,
    pub lon: f64,
    /// Opening hours Monday to Saturday, as published (`09:00 - 12:00 / 14:00 - 17:00`).
    pub hours: [Option<String>; 6],
    /// `Principal` or `Antenne`.
    pub place_type: String,
    /// `Fixe`, `Itinérante`, `Bus_équivalent`, `Multisites`, `Fixe_antenne(s)`.
    pub format: String,
    pub labelled_on: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// An action of a programme's plan, revisited for recovery, resilience and the
/// ecological transition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    /// UUIDv7.
    pub id: String,
    pub programme: String,
    pub title: String,
    pub description: String,
    pub transitions: Vec<Transition>,
    pub status: ActionStatus,
    pub owner: Option<String>,
    /// The territory it concerns, when it is local.
    pub territory: Option<TerritoryRef>,
    pub version: i64,
}

/// Everything the store holds about programmes, as loaded into memory.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProgrammeData {
    pub catalogue: Vec<Programme>,
    /// Current memberships (exited ones included, with their exit date).
    pub memberships: Vec<Membership>,
    pub places: Vec<Place>,
    pub rules: Vec<(String, super::eligibility::Rule)>,
    pub actions: Vec<Action>,
}
