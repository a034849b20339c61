//! What a valid pact text is, and who may do what with a pact: the owner party pilots
//! it, every party proposes, comments and signs for itself.

use std::collections::HashSet;

use uuid::Uuid;

use crate::access::{Principal, Role};
use crate::project::rules::is_siren_or_siret;
use crate::project::{FieldFault, covers};

use super::fault::PactFault as F;
use crate::territory::{Referential, TerritoryKind, TerritoryRef};

use super::model::{PactContent, Party, PartyKind};

fn fault(out: &mut Vec<FieldFault<F>>, field: impl Into<String>, code: F) {
    out.push(FieldFault::new(field, code));
}

/// Checks a pact text; `known` says whether a territory exists, `project_exists`
/// whether a project does. Every fault is reported with its field.
pub fn validate(
    c: &PactContent,
    known: impl Fn(&TerritoryRef) -> bool,
    project_exists: impl Fn(&str) -> bool,
) -> Vec<FieldFault<F>> {
    let mut out = Vec::new();
    let f = &mut out;
    if c.title.trim().is_empty() {
        fault(f, "title", F::TitleRequired);
    } else if c.title.chars().count() > 300 {
        fault(f, "title", F::TooLong { max: 300 });
    }
    if c.description.chars().count() > 20_000 {
        fault(f, "description", F::TooLong { max: 20_000 });
    }
    if c.perimeter.is_empty() {
        fault(f, "perimeter", F::NoTerritory);
    }
    for (i, t) in c.perimeter.iter().enumerate() {
        if !known(t) {
            fault(f, format!("perimeter[{i}]"), F::UnknownTerritory(t.clone()));
        }
    }
    if c.parties.len() < 2 {
        fault(f, "parties", F::TooFewParties);
    }
    let mut keys = HashSet::new();
    for (i, p) in c.parties.iter().enumerate() {
        if p.name.trim().is_empty() {
            fault(f, format!("parties[{i}].name"), F::PartyNameRequired);
        }
        match (p.kind, &p.siren) {
            (PartyKind::State, Some(_)) => {
                fault(f, format!("parties[{i}].siren"), F::StateHasNoSiren);
            }
            (PartyKind::State, None) => {}
            (_, None) => fault(f, format!("parties[{i}].siren"), F::SirenRequired),
            (_, Some(s)) if !is_siren_or_siret(s) => {
                fault(f, format!("parties[{i}].siren"), F::NotSirenOrSiret(s.clone()));
            }
            _ => {}
        }
        if !keys.insert(p.key().to_owned()) {
            fault(f, format!("parties[{i}]"), F::PartyTwice);
        }
    }
    if !c.parties.iter().any(|p| p.key() == c.owner) {
        fault(f, "owner", F::OwnerNotParty(c.owner.clone()));
    }
    let mut seen = HashSet::new();
    for (i, a) in c.actions.iter().enumerate() {
        if !seen.insert(a) {
            fault(f, format!("actions[{i}]"), F::ActionTwice);
        } else if !project_exists(a) {
            fault(f, format!("actions[{i}]"), F::NoProject(a.clone()));
        }
    }
    out
}

/// The first of a project's `territories` that no territory of `perimeter` covers
/// (itself, or a territory containing it), if any.
pub fn outside<'a>(
    perimeter: &[TerritoryRef],
    territories: &'a [TerritoryRef],
    referential: &Referential,
) -> Option<&'a TerritoryRef> {
    territories.iter().find(|t| !perimeter.iter().any(|p| covers(referential, p, t)))
}

/// The fault of a project whose territories leave `perimeter`, if they do.
pub fn perimeter_fault(
    perimeter: &[TerritoryRef],
    territories: &[TerritoryRef],
    referential: &Referential,
) -> Option<F> {
    outside(perimeter, territories, referential).map(|t| F::OutsidePerimeter {
        territory: t.clone(),
        name: referential.get_ref(t).map_or_else(|| t.to_string(), |x| x.name.clone()),
    })
}

/// The actions of `c` that do not lie inside its perimeter, each at its field
/// (`actions[i]`); `territories_of` gives a project's territories (`None`: no such
/// project, already reported by [`validate`]).
pub fn actions_outside(
    c: &PactContent,
    referential: &Referential,
    territories_of: impl Fn(&str) -> Option<Vec<TerritoryRef>>,
) -> Vec<FieldFault<F>> {
    let mut out = Vec::new();
    for (i, a) in c.actions.iter().enumerate() {
        if let Some(territories) = territories_of(a)
            && let Some(f) = perimeter_fault(&c.perimeter, &territories, referential)
        {
            fault(&mut out, format!("actions[{i}]"), f);
        }
    }
    out
}

/// What the platform knows of an organisation a person acts for.
#[derive(Debug, Clone, Default)]
pub struct OrganisationIds {
    pub siren: Option<String>,
    pub siret: Option<String>,
}

/// Whether `p` acts for `party` of a pact covering `perimeter`: the State through
/// an admin or the delegate of a département of the perimeter; a local authority or a
/// partner through the people who act for the organisation of that SIREN (or SIRET).
pub fn acts_for(
    p: &Principal,
    party: &Party,
    perimeter: &[TerritoryRef],
    referential: &Referential,
    organisation: impl Fn(Uuid) -> Option<OrganisationIds>,
) -> bool {
    match party.kind {
        PartyKind::State => {
            p.is_admin()
                || p.roles.iter().any(|r| match r {
                    Role::Delegate { departement } => {
                        let scope = TerritoryRef { kind: TerritoryKind::Departement, code: departement.clone() };
                        perimeter.iter().any(|t| covers(referential, &scope, t))
                    }
                    _ => false,
                })
        }
        PartyKind::LocalAuthority | PartyKind::Partner => {
            let Some(key) = party.siren.as_deref() else { return false };
            p.roles.iter().any(|r| {
                let org = match (party.kind, r) {
                    (PartyKind::LocalAuthority, Role::Local { organisation, .. }) => organisation,
                    (PartyKind::Partner, Role::Partner { organisation }) => organisation,
                    _ => return false,
                };
                organisation(*org).is_some_and(|o| {
                    o.siren.as_deref() == Some(key) || o.siret.as_deref() == Some(key) || {
                        // A SIRET names an establishment of the SIREN it starts with.
                        key.len() == 14 && o.siren.as_deref() == key.get(..9)
                    }
                })
            })
        }
    }
}

/// The keys of the parties `p` acts for.
pub fn parties_of(
    p: &Principal,
    c: &PactContent,
    referential: &Referential,
    organisation: impl Fn(Uuid) -> Option<OrganisationIds>,
) -> Vec<String> {
    c.parties
        .iter()
        .filter(|party| acts_for(p, party, &c.perimeter, referential, &organisation))
        .map(|party| party.key().to_owned())
        .collect()
}

/// Whether `p` pilots the pact: it acts for the owner party, or is an admin.
pub fn is_owner(
    p: &Principal,
    c: &PactContent,
    referential: &Referential,
    organisation: impl Fn(Uuid) -> Option<OrganisationIds>,
) -> bool {
    p.is_admin() || c.party(&c.owner).is_some_and(|owner| acts_for(p, owner, &c.perimeter, referential, organisation))
}

/// Whether `p` takes part: an admin, or someone who acts for one of the parties.
pub fn is_participant(
    p: &Principal,
    c: &PactContent,
    referential: &Referential,
    organisation: impl Fn(Uuid) -> Option<OrganisationIds>,
) -> bool {
    p.is_admin() || !parties_of(p, c, referential, organisation).is_empty()
}

/// Whether `p` reads the whole of `pact` — its draft and co-construction versions, its
/// proposals and comments, and the names of the people who wrote or signed them: the
/// agency (admins and programme managers) and the people who act for a party of any
/// of its versions. Everyone else reads only its [`public_part`].
pub fn reads_whole(
    p: &Principal,
    pact: &super::model::Pact,
    referential: &Referential,
    organisation: impl Fn(Uuid) -> Option<OrganisationIds>,
) -> bool {
    p.roles.iter().any(|r| matches!(r, Role::Admin | Role::ProgrammeManager { .. }))
        || pact.versions.iter().any(|v| !parties_of(p, &v.content, referential, &organisation).is_empty())
}

/// What of `pact` anyone may read: nothing before its first signature unless its owner
/// published it (then the text being written, without signers' names); once signed,
/// its signed versions (the texts in force, then and now), its execution, and who
/// signed as organisations and dates — never the signer's name. A version being
/// amended stays with the parties until it is signed.
pub fn public_part(pact: &super::model::Pact) -> Option<super::model::Pact> {
    let mut public = pact.clone();
    if pact.in_force().is_some() {
        public.versions.retain(|v| v.status == super::model::VersionStatus::Signed);
    } else if pact.published_at.is_some() {
        // Published by its owner before signature: the text being written, as it is
        // now (earlier drafts stay with the parties).
        let current = pact.current().number;
        public.versions.retain(|v| v.number == current);
    } else {
        return None;
    }
    for v in &mut public.versions {
        for s in &mut v.signatures {
            s.person = Uuid::nil();
            s.name.clear();
        }
    }
    Some(public)
}
