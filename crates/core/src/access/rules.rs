//! The authorisation rules of the access use cases, one `can_…` function each. The
//! web layer calls exactly one of these per operation; the authorisation matrix test
//! (`crates/web/tests/it/matrix/`) checks the outcome for every role.
//!
//! Who may grant what (invitations and role grants):
//!
//! | granter | may grant |
//! |---|---|
//! | admin | any role |
//! | programme_manager of P | programme_manager of P |
//! | delegate of D | delegate of D; local for an authority whose territory lies in D (an EPCI reaching into D included) |
//! | local for O | local for O |
//! | partner for O | partner for O |
//!
//! So the agency names the first person of each scope, and each scope then brings in
//! its own colleagues; nobody can grant beyond their own scope.

use uuid::Uuid;

use super::organisation::{Organisation, OrganisationKind};
use super::{Principal, Role, in_departement};
use crate::territory::Referential;

/// Whether `p` may grant `role` to someone (by invitation or to an existing person).
pub fn can_grant(p: &Principal, role: &Role, referential: &Referential) -> bool {
    p.roles.iter().any(|held| match (held, role) {
        (Role::Admin, _) => true,
        (Role::ProgrammeManager { programme: a }, Role::ProgrammeManager { programme: b }) => a == b,
        (Role::Delegate { departement: a }, Role::Delegate { departement: b }) => a == b,
        (Role::Delegate { departement }, Role::Local { territory, .. }) => {
            in_departement(referential, territory, departement)
        }
        (Role::Local { organisation: a, .. }, Role::Local { organisation: b, .. }) => a == b,
        (Role::Partner { organisation: a }, Role::Partner { organisation: b }) => a == b,
        _ => false,
    })
}

/// Inviting someone with these roles: at least one, each grantable by `p`.
pub fn can_invite(p: &Principal, roles: &[Role], referential: &Referential) -> bool {
    !roles.is_empty() && roles.iter().all(|r| can_grant(p, r, referential))
}

/// Revoking a role follows the same rule as granting it.
pub fn can_revoke(p: &Principal, person: Uuid, role: &Role, referential: &Referential) -> bool {
    p.person != person && can_grant(p, role, referential)
}

/// Deactivating or reactivating an account: admins, never their own (an admin who
/// deactivates themselves, or revokes their own roles, may leave the agency with no
/// one able to sign in; another admin does it).
pub fn can_set_active(p: &Principal, person: Uuid) -> bool {
    p.person != person && can_administer_people(p)
}

/// Listing people and their roles, deactivating accounts: the agency.
pub fn can_administer_people(p: &Principal) -> bool {
    p.is_admin()
}

/// Creating or editing an organisation: admins any; a delegate the local
/// authorities of its département (State services and partners stay with the agency).
pub fn can_write_organisation(p: &Principal, org: &Organisation, referential: &Referential) -> bool {
    if p.is_admin() {
        return true;
    }
    match (&org.kind, &org.territory) {
        (OrganisationKind::LocalAuthority, Some(t)) => p
            .roles
            .iter()
            .any(|r| matches!(r, Role::Delegate { departement } if in_departement(referential, t, departement))),
        _ => false,
    }
}

/// Reading the audit trail across entities: the agency.
pub fn can_read_audit(p: &Principal) -> bool {
    p.is_admin()
}

/// An API token carries some of its owner's roles, never more.
pub fn can_create_token(p: &Principal, roles: &[Role]) -> bool {
    roles.iter().all(|r| p.roles.contains(r))
}

/// A token is revoked by its owner, or by an admin (a leaked token).
pub fn can_revoke_token(p: &Principal, owner: Uuid) -> bool {
    p.person == owner || p.is_admin()
}

/// Changing a person's own settings (email, sessions): that person only.
pub fn can_edit_self(p: &Principal, person: Uuid) -> bool {
    p.person == person
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::tests::referential;

    fn who(roles: Vec<Role>) -> Principal {
        Principal { person: Uuid::now_v7(), roles }
    }

    fn local(org: Uuid, t: &str) -> Role {
        Role::Local { organisation: org, territory: t.parse().expect("ref") }
    }

    #[test]
    fn each_scope_grants_only_within_itself() {
        let r = referential();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let delegate = who(vec![Role::Delegate { departement: "42".into() }]);
        assert!(can_grant(&delegate, &local(a, "commune:42218"), &r));
        assert!(can_grant(&delegate, &local(a, "epci:244200770"), &r));
        assert!(!can_grant(&delegate, &local(a, "commune:01001"), &r));
        assert!(!can_grant(&delegate, &Role::Delegate { departement: "01".into() }, &r));
        assert!(!can_grant(&delegate, &Role::Admin, &r));
        let pm = who(vec![Role::ProgrammeManager { programme: "pvd".into() }]);
        assert!(can_grant(&pm, &Role::ProgrammeManager { programme: "pvd".into() }, &r));
        assert!(!can_grant(&pm, &Role::ProgrammeManager { programme: "acv".into() }, &r));
        let partner = who(vec![Role::Partner { organisation: a }]);
        assert!(can_grant(&partner, &Role::Partner { organisation: a }, &r));
        assert!(!can_grant(&partner, &Role::Partner { organisation: b }, &r));
        assert!(!can_invite(&partner, &[], &r), "an invitation carries at least one role");
        assert!(!can_invite(&partner, &[Role::Partner { organisation: a }, Role::Admin], &r));
        assert!(can_invite(&who(vec![Role::Admin]), &[Role::Admin], &r));
    }

    #[test]
    fn no_one_locks_themselves_out() {
        let r = referential();
        let admin = who(vec![Role::Admin]);
        assert!(!can_set_active(&admin, admin.person), "not one's own account");
        assert!(can_set_active(&admin, Uuid::now_v7()));
        assert!(!can_set_active(&who(vec![Role::Delegate { departement: "42".into() }]), Uuid::now_v7()));
        assert!(!can_revoke(&admin, admin.person, &Role::Admin, &r), "not one's own roles");
        assert!(can_revoke(&admin, Uuid::now_v7(), &Role::Admin, &r));
    }

    #[test]
    fn tokens_carry_no_more_than_their_owner() {
        let p = who(vec![Role::Delegate { departement: "42".into() }]);
        assert!(can_create_token(&p, &[Role::Delegate { departement: "42".into() }]));
        assert!(!can_create_token(&p, &[Role::Admin]));
        assert!(can_revoke_token(&p, p.person) && !can_revoke_token(&p, Uuid::now_v7()));
    }

    #[test]
    fn delegates_write_local_authorities_of_their_departement_only() {
        let r = referential();
        let org = |kind, t: Option<&str>| Organisation {
            id: Uuid::now_v7(),
            kind,
            name: "x".into(),
            siren: None,
            siret: None,
            territory: t.map(|t| t.parse().expect("ref")),
            version: 1,
        };
        let d = who(vec![Role::Delegate { departement: "42".into() }]);
        assert!(can_write_organisation(&d, &org(OrganisationKind::LocalAuthority, Some("commune:42218")), &r));
        assert!(!can_write_organisation(&d, &org(OrganisationKind::LocalAuthority, Some("commune:01001")), &r));
        assert!(!can_write_organisation(&d, &org(OrganisationKind::Partner, None), &r));
        assert!(can_write_organisation(&who(vec![Role::Admin]), &org(OrganisationKind::Partner, None), &r));
    }
}
