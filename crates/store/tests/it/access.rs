//! The access store (organisations, people, grants, links, sessions, throttling, API
//! tokens, audit query), the same story on SQLite and on PostgreSQL.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_core::access::person::Email;
use cohesion_store::access::{LinkPurpose, NewApiToken, NewPerson};
use cohesion_store::audit::{By, Filter};
use cohesion_store::testing::{TestDb, storage_test};
use cohesion_store::{Store, StoreError};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn by() -> By {
    By::new("cli", Some("req-1".into()))
}

fn commune() -> Organisation {
    Organisation {
        id: Uuid::now_v7(),
        kind: OrganisationKind::LocalAuthority,
        name: "Saint-Étienne".into(),
        siren: Some("214202186".into()),
        siret: None,
        territory: Some("commune:42218".parse().expect("ref")),
        version: 1,
    }
}

fn email(s: &str) -> Email {
    Email::parse(s).expect("email")
}

async fn organisations_story(store: &Store) {
    let org = store.create_organisation(&commune(), &by()).await.expect("create");
    let again = store.create_organisation(&Organisation { id: Uuid::now_v7(), ..commune() }, &by()).await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "one organisation per territory");
    let renamed = store
        .update_organisation(&Organisation { name: "Ville de Saint-Étienne".into(), ..org.clone() }, &by())
        .await
        .expect("update");
    assert_eq!(renamed.version, 2);
    let stale = store.update_organisation(&Organisation { name: "Autre".into(), ..org.clone() }, &by()).await;
    assert!(matches!(stale, Err(StoreError::Conflict(_))), "version 1 is stale");
    assert_eq!(store.organisation(org.id).await.expect("read"), Some(renamed.clone()));
    let partner = Organisation {
        id: Uuid::now_v7(),
        kind: OrganisationKind::Partner,
        name: "Partenaire".into(),
        siren: Some("130005481".into()),
        siret: Some("13000548100002".into()),
        territory: None,
        version: 1,
    };
    store.create_organisation(&partner, &by()).await.expect("partner");
    assert_eq!(store.organisation_by_siret("13000548100002").await.expect("siret").map(|o| o.id), Some(partner.id));
    assert_eq!(store.organisation_by_siret("21420218600017").await.expect("by siren").map(|o| o.id), Some(org.id));
    assert_eq!(store.organisations().await.expect("all").len(), 2);
    let history = store.audit_for("organisation", &org.id.to_string()).await.expect("audit");
    assert_eq!(history.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["create", "update"]);
    assert_eq!(history[1].before.as_ref().map(|b| b["name"].clone()), Some("Saint-Étienne".into()));
    assert_eq!(history[1].request_id.as_deref(), Some("req-1"));
}

async fn people_story(store: &Store) {
    let org = store.create_organisation(&commune(), &by()).await.expect("org");
    let local = Role::Local { organisation: org.id, territory: "commune:42218".parse().expect("ref") };
    let new = NewPerson {
        email: email("Jeanne.Martin@example.fr"),
        given_name: "Jeanne".into(),
        usual_name: "Martin".into(),
    };
    let p = store
        .create_person(&new, &[local.clone(), Role::Delegate { departement: "42".into() }], &by())
        .await
        .expect("create");
    let twin = NewPerson { email: email("jeanne.martin@EXAMPLE.fr"), ..new.clone() };
    assert!(matches!(store.create_person(&twin, &[], &by()).await, Err(StoreError::Conflict(_))), "case-insensitive");
    let (found, hash) = store.person_by_email(&email("JEANNE.martin@example.fr")).await.expect("find").expect("found");
    assert_eq!((found.id, hash), (p.id, None));
    let grants = store.grants(p.id).await.expect("grants");
    assert_eq!(
        grants.iter().map(|g| g.role.clone()).collect::<Vec<_>>(),
        [Role::Delegate { departement: "42".into() }, local.clone()]
    );
    let again = store.grant_role(p.id, &local, &by()).await.expect("grant again");
    assert_eq!(again, grants[1].id, "granting a held role changes nothing");
    assert_eq!(store.revoke_grant(p.id, grants[0].id, &by()).await.expect("revoke"), Some(grants[0].role.clone()));
    assert_eq!(store.revoke_grant(p.id, grants[0].id, &by()).await.expect("revoke twice"), None);
    assert_eq!(store.grants(p.id).await.expect("grants").len(), 1);
    let (page, total) = store.people(10, 0).await.expect("people");
    assert_eq!((page.len(), total), (1, 1));

    // Deactivation ends sessions and stops tokens; reactivation restores the account.
    store.create_session("deact", p.id, "c", OffsetDateTime::now_utc() + Duration::hours(1)).await.expect("session");
    let t = NewApiToken {
        person: p.id,
        name: "t".into(),
        token_hash: "deact-token".into(),
        roles: vec![],
        expires_at: None,
    };
    store.create_api_token(&t, &by()).await.expect("token");
    assert!(store.set_person_active(p.id, false, &by()).await.expect("deactivate"));
    assert_eq!(store.session("deact", Duration::hours(1)).await.expect("session"), None);
    assert_eq!(store.api_token_by_hash("deact-token").await.expect("token"), None);
    assert!(store.set_person_active(p.id, true, &by()).await.expect("reactivate"));
    assert!(store.api_token_by_hash("deact-token").await.expect("token").is_some());
    assert!(!store.set_person_active(Uuid::now_v7(), false, &by()).await.expect("nobody"));

    // Links: single use, expiry, purpose.
    store.create_link(LinkPurpose::Invitation, p.id, None, "h-invite", Duration::hours(1), &by()).await.expect("link");
    store.create_link(LinkPurpose::Reset, p.id, None, "h-expired", Duration::seconds(-1), &by()).await.expect("link");
    assert_eq!(store.link_person(LinkPurpose::Invitation, "h-invite").await.expect("peek"), Some(p.id));
    assert_eq!(store.link_person(LinkPurpose::Reset, "h-invite").await.expect("peek"), None, "wrong purpose");
    assert_eq!(store.use_link_for_password(LinkPurpose::Reset, "h-expired", "argon", &by()).await.expect("use"), None);
    assert_eq!(
        store.use_link_for_password(LinkPurpose::Invitation, "h-invite", "argon", &by()).await.expect("use"),
        Some(p.id)
    );
    assert_eq!(
        store.use_link_for_password(LinkPurpose::Invitation, "h-invite", "other", &by()).await.expect("reuse"),
        None
    );
    let (_, hash) = store.person_by_email(&new.email).await.expect("find").expect("found");
    assert_eq!(hash.as_deref(), Some("argon"));

    // Email change, refused when the new address is taken.
    let other = NewPerson { email: email("autre@example.fr"), given_name: String::new(), usual_name: String::new() };
    store.create_person(&other, &[], &by()).await.expect("other");
    store
        .create_link(
            LinkPurpose::EmailChange,
            p.id,
            Some(&email("Autre@example.fr")),
            "h-taken",
            Duration::hours(1),
            &by(),
        )
        .await
        .expect("link");
    assert!(matches!(store.use_email_change_link("h-taken", &by()).await, Err(StoreError::Conflict(_))));
    store
        .create_link(
            LinkPurpose::EmailChange,
            p.id,
            Some(&email("jeanne@loire.fr")),
            "h-mail",
            Duration::hours(1),
            &by(),
        )
        .await
        .expect("link");
    assert_eq!(store.use_email_change_link("h-mail", &by()).await.expect("change"), Some(p.id));
    assert_eq!(store.person(p.id).await.expect("read").map(|p| p.email), Some(email("jeanne@loire.fr")));
    let actions: Vec<String> =
        store.audit_for("person", &p.id.to_string()).await.expect("audit").into_iter().map(|e| e.action).collect();
    for a in
        ["create", "grant_role", "revoke_role", "send_link", "set_password", "change_email", "deactivate", "reactivate"]
    {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

async fn sessions_story(store: &Store) {
    let new = NewPerson { email: email("s@example.fr"), given_name: String::new(), usual_name: String::new() };
    let p = store.create_person(&new, &[], &by()).await.expect("person");
    let later = OffsetDateTime::now_utc() + Duration::hours(8);
    store.create_session("a", p.id, "csrf-a", later).await.expect("session");
    store.create_session("b", p.id, "csrf-b", later).await.expect("session");
    store.create_session("old", p.id, "csrf", OffsetDateTime::now_utc() - Duration::seconds(1)).await.expect("session");
    let s = store.session("a", Duration::hours(1)).await.expect("read").expect("live");
    assert_eq!((s.person, s.csrf_token.as_str()), (p.id, "csrf-a"));
    assert_eq!(store.session("old", Duration::hours(1)).await.expect("read"), None, "absolute expiry");
    assert_eq!(store.session("b", Duration::ZERO).await.expect("read"), None, "idle expiry");
    assert_eq!(store.session("b", Duration::hours(1)).await.expect("read"), None, "an expired session is gone");
    assert_eq!(store.session_count(p.id).await.expect("count"), 1);
    store.create_session("c", p.id, "csrf-c", later).await.expect("session");
    assert_eq!(store.delete_sessions_of(p.id, &by()).await.expect("everywhere"), 2);
    assert_eq!(store.session("c", Duration::hours(1)).await.expect("read"), None);

    // ProConnect: state used once, ID token kept with the session, employer recorded.
    store.create_oidc_login("st", "nonce-1", "verifier-1", Duration::minutes(10)).await.expect("oidc");
    store.create_oidc_login("old", "n", "v", Duration::seconds(-1)).await.expect("oidc");
    assert_eq!(store.take_oidc_login("st").await.expect("take"), Some(("nonce-1".into(), "verifier-1".into())));
    assert_eq!(store.take_oidc_login("st").await.expect("take again"), None, "single use");
    assert_eq!(store.take_oidc_login("old").await.expect("take"), None, "expired");
    store.create_session("pc", p.id, "csrf", later).await.expect("session");
    assert_eq!(store.session_id_token("pc").await.expect("read"), None);
    store.set_session_id_token("pc", "eyJ.id.token").await.expect("id token");
    assert_eq!(store.session_id_token("pc").await.expect("read").as_deref(), Some("eyJ.id.token"));
    let partner = Organisation {
        id: Uuid::now_v7(),
        kind: OrganisationKind::Partner,
        name: "P".into(),
        siren: Some("130005481".into()),
        siret: Some("13000548100002".into()),
        territory: None,
        version: 1,
    };
    store.create_organisation(&partner, &by()).await.expect("org");
    store.set_person_organisation(p.id, Some(partner.id), &by()).await.expect("employer");
    store.set_person_organisation(p.id, Some(partner.id), &by()).await.expect("same employer");
    assert_eq!(store.person_organisation(p.id).await.expect("read"), Some(partner.id));
    let set = store
        .audit_for("person", &p.id.to_string())
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.action == "set_organisation")
        .count();
    assert_eq!(set, 1, "an unchanged employer writes no event");
    store.delete_session("pc").await.expect("delete");

    // Throttling counts failures per account (since its last success) and per address.
    for _ in 0..3 {
        store.record_login_attempt("s@example.fr", "10.0.0.1", false).await.expect("attempt");
    }
    store.record_login_attempt("t@example.fr", "10.0.0.1", false).await.expect("attempt");
    let t = store.login_failures("s@example.fr", "10.0.0.1", Duration::minutes(15)).await.expect("count");
    assert_eq!((t.account_failures, t.address_failures), (3, 4));
    store.record_login_attempt("s@example.fr", "10.0.0.2", true).await.expect("success");
    let t = store.login_failures("s@example.fr", "10.0.0.2", Duration::minutes(15)).await.expect("count");
    assert_eq!((t.account_failures, t.address_failures), (0, 0));

    // API tokens: hashed, live until revoked or expired.
    let roles = vec![Role::Delegate { departement: "42".into() }];
    let new = NewApiToken {
        person: p.id,
        name: "robot".into(),
        token_hash: "th".into(),
        roles: roles.clone(),
        expires_at: None,
    };
    let token = store.create_api_token(&new, &by()).await.expect("token");
    let expired = NewApiToken {
        token_hash: "th-old".into(),
        expires_at: Some(OffsetDateTime::now_utc() - Duration::seconds(1)),
        ..new.clone()
    };
    store.create_api_token(&expired, &by()).await.expect("token");
    let used = store.api_token_by_hash("th").await.expect("lookup").expect("live");
    assert_eq!((used.id, used.roles.clone()), (token.id, roles));
    assert!(used.last_used_at.is_some());
    assert_eq!(store.api_token_by_hash("th-old").await.expect("lookup"), None);
    assert_eq!(store.api_tokens_of(p.id).await.expect("list").len(), 2);
    assert!(store.revoke_api_token(token.id, &by()).await.expect("revoke"));
    assert!(!store.revoke_api_token(token.id, &by()).await.expect("revoke twice"));
    assert_eq!(store.api_token_by_hash("th").await.expect("lookup"), None);
    assert!(store.api_token(token.id).await.expect("read").is_some_and(|t| t.revoked_at.is_some()));

    // The audit query: filters and pagination.
    let all = Filter::default();
    let (page, total) = store.audit_search(&all, 2, 0).await.expect("search");
    assert!(total >= 5 && page.len() == 2);
    assert!(page[0].at >= page[1].at, "newest first");
    let tokens = Filter { entity_type: Some("api_token".into()), ..Filter::default() };
    let (page, total) = store.audit_search(&tokens, 50, 0).await.expect("search");
    assert_eq!((total, page.iter().filter(|e| e.action == "revoke").count()), (3, 1));
    let future = Filter { from: Some(OffsetDateTime::now_utc() + Duration::hours(1)), ..Filter::default() };
    assert_eq!(store.audit_search(&future, 50, 0).await.expect("search").1, 0);
    let past = Filter {
        to: Some(OffsetDateTime::now_utc() + Duration::hours(1)),
        actor: Some("cli".into()),
        ..Filter::default()
    };
    assert_eq!(store.audit_search(&past, 50, 0).await.expect("search").1, total_of(store).await);
    let nobody = Filter { actor: Some("person:nobody".into()), ..Filter::default() };
    assert_eq!(store.audit_search(&nobody, 50, 0).await.expect("search").1, 0);
}

async fn total_of(store: &Store) -> u64 {
    store.audit_search(&Filter::default(), 1, 0).await.expect("search").1
}

storage_test!(access_organisations, |db: TestDb| async move { organisations_story(&db.store).await });
storage_test!(access_people, |db: TestDb| async move { people_story(&db.store).await });
storage_test!(access_find_people, |db: TestDb| async move { find_people_story(&db.store).await });

/// People are found by any part of their address (any case), or of their name in
/// either order whatever the case and the accents, on both backends.
async fn find_people_story(store: &Store) {
    let new = |mail: &str, given: &str, usual: &str| NewPerson {
        email: email(mail),
        given_name: given.into(),
        usual_name: usual.into(),
    };
    let helene = store.create_person(&new("h.dupre@example.fr", "Hélène", "Dupré"), &[], &by()).await.expect("one");
    store.create_person(&new("agent@example.fr", "Œdipe", "LEFÈVRE"), &[], &by()).await.expect("two");
    store.create_person(&new("autre@example.fr", "Paul", "Martin"), &[], &by()).await.expect("three");
    let found = |q: &'static str| async move {
        let mut names: Vec<String> =
            store.find_people(q, 10).await.expect("find").into_iter().map(|p| p.usual_name).collect();
        names.sort();
        names
    };
    for q in ["HÉLÈNE", "helene", "dupre helene", "Hélène Dupré", "H.DUPRE", "lène dup"] {
        assert_eq!(found(q).await, ["Dupré"], "{q}");
    }
    for q in ["lefevre", "Lefèvre", "oedipe", "ŒDIPE LEFÈVRE"] {
        assert_eq!(found(q).await, ["LEFÈVRE"], "{q}");
    }
    assert_eq!(found("example.fr").await.len(), 3, "by address");
    assert!(found("--").await.is_empty(), "nothing to fold matches no name");
    assert!(found("zzz").await.is_empty());
    store.set_person_active(helene.id, false, &by()).await.expect("deactivate");
    assert!(found("helene").await.is_empty(), "active people only");
}
storage_test!(access_sessions, |db: TestDb| async move { sessions_story(&db.store).await });
