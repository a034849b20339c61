//! Each person's space on both backends: the lists of what waits (counted and paged,
//! oldest first), notifications read in the platform, preferences, and the digest
//! taking only the deliveries asked for, each event once.

use cohesion_core::access::Role;
use cohesion_core::access::person::Email;
use cohesion_core::pact::{Pact, PactContent, PactKind, Party, PartyKind, STATE_PARTY};
use cohesion_store::Store;
use cohesion_store::access::{LinkPurpose, NewPerson};
use cohesion_store::audit::By;
use cohesion_store::pact::Told;
use cohesion_store::testing::{TestDb, storage_test};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

fn by() -> By {
    By::new("test", None)
}

async fn person(store: &Store, email: &str, roles: &[Role], password: bool) -> Uuid {
    let new = NewPerson {
        email: Email::parse(email).expect("email"),
        given_name: "Camille".into(),
        usual_name: email.into(),
    };
    let p = store.create_person(&new, roles, &by()).await.expect("person");
    if password {
        store
            .set_password(p.id, "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", &by())
            .await
            .expect("password");
    }
    p.id
}

fn content() -> PactContent {
    PactContent {
        kind: PactKind::Cohesion,
        title: "Pacte de cohésion du Pilat".into(),
        description: String::new(),
        perimeter: vec!["commune:42218".parse().expect("ref")],
        parties: vec![Party { kind: PartyKind::State, name: "Préfecture de la Loire".into(), siren: None }],
        owner: STATE_PARTY.into(),
        actions: vec![],
    }
}

async fn space_story(store: &Store) {
    let delegate = Role::Delegate { departement: "42".into() };
    let alice = person(store, "alice@example.fr", &[Role::Admin], true).await;
    let bob = person(store, "bob@example.fr", std::slice::from_ref(&delegate), false).await;
    store.create_link(LinkPurpose::Invitation, bob, None, "hash-bob", Duration::days(7), &by()).await.expect("link");
    let carol = person(store, "carol@example.fr", &[], true).await;
    let dave = person(store, "dave@example.fr", &[delegate], true).await;

    // Admins' lists: Bob never accepted his invitation; Carol holds no role.
    let invited = store.space_pending_invitations(0, 10).await.expect("invitations");
    assert_eq!((invited.total, invited.rows.len()), (1, 1));
    assert_eq!(invited.rows[0].id, bob.to_string());
    assert!(store.is_pending_invitee(bob).await.expect("bob"));
    assert!(!store.is_pending_invitee(alice).await.expect("alice"));
    // 25 more people without a role: counted whole, paged, oldest first.
    for i in 0..25 {
        person(store, &format!("p{i:02}@example.fr"), &[], true).await;
    }
    let first = store.space_people_without_role(0, 20).await.expect("page 1");
    let second = store.space_people_without_role(20, 20).await.expect("page 2");
    assert_eq!((first.total, first.rows.len(), second.rows.len()), (26, 20, 6));
    assert_eq!(first.rows[0].title, "carol@example.fr", "oldest first");
    assert!(first.rows.windows(2).all(|w| w[0].since <= w[1].since));

    // The other lists answer on both backends, bound to their scope.
    let before = OffsetDateTime::now_utc() + Duration::days(1);
    assert_eq!(store.space_requests_to_qualify("42", 0, 5).await.expect("requests").total, 0);
    assert_eq!(store.space_idle_missions("42", before, 0, 5).await.expect("missions").total, 0);
    assert_eq!(store.space_organisation_requests(Uuid::now_v7(), 0, 5).await.expect("own").total, 0);
    assert_eq!(store.space_partner_missions(Uuid::now_v7(), 0, 5).await.expect("partner").total, 0);
    assert_eq!(store.space_failed_evaluations(0, 5).await.expect("evaluations").total, 0);
    assert_eq!(store.space_stale_actions("pvd", before, 0, 5).await.expect("actions").total, 0);
    assert_eq!(store.space_open_members("pvd", 0, 5).await.expect("members").total, 0);

    // Dave creates a pact: Alice, Bob and Carol are told, once each, Dave never.
    let now = cohesion_store::pact::now_rfc3339();
    let pact = Pact::new(Uuid::now_v7().to_string(), content(), &now);
    let told = Told {
        kind: "created",
        summary: "Dave a créé le pacte".into(),
        recipients: vec![alice, bob, carol, carol, dave],
    };
    store.create_pact(&pact, dave, &told).await.expect("pact");
    assert_eq!(store.space_open_proposals(std::slice::from_ref(&pact.id)).await.expect("proposals").len(), 0);
    assert_eq!(store.unread_notifications(dave).await.expect("dave"), 0, "never the author");
    assert_eq!(store.unread_notifications(carol).await.expect("carol"), 1, "once whatever the routes");

    // Read in the platform.
    let (total, rows) = store.notifications(alice, 0, 20).await.expect("list");
    assert_eq!((total, rows.len()), (1, 1));
    assert_eq!((rows[0].title.as_str(), rows[0].read_at), ("Pacte de cohésion du Pilat", None));
    assert_eq!(rows[0].actor_name, "Camille dave@example.fr");
    store.mark_notifications_read(alice, &[rows[0].event_id]).await.expect("read");
    assert_eq!(store.unread_notifications(alice).await.expect("alice"), 0);
    let (_, rows) = store.notifications(alice, 0, 20).await.expect("list");
    assert!(rows[0].read_at.is_some(), "read, still listed");

    // Preferences: Carol wants pacts never by mail; Alice keeps the default (daily).
    store.set_notification_preferences(carol, &[("pact", "never"), ("engineering", "weekly")]).await.expect("set");
    store.set_notification_preferences(carol, &[("engineering", "immediate")]).await.expect("change");
    assert_eq!(
        store.notification_preferences(carol).await.expect("get"),
        [("engineering".to_owned(), "immediate".to_owned()), ("pact".to_owned(), "never".to_owned())]
    );
    assert!(store.take_digest_of(carol, &["immediate", "daily", "weekly"]).await.expect("take").is_none());
    let (_, never) = store.take_digest_of(carol, &["never"]).await.expect("take").expect("taken");
    assert_eq!(never.len(), 1);
    assert!(store.take_digest_of(alice, &["immediate"]).await.expect("take").is_none(), "alice is daily");
    let (digest, events) = store.take_digest_of(alice, &["immediate", "daily"]).await.expect("take").expect("taken");
    assert_eq!((events.len(), events[0].actor_name.as_str()), (1, "Camille dave@example.fr"));
    assert!(store.take_digest_of(alice, &["immediate", "daily"]).await.expect("again").is_none(), "never twice");
    // A failed mail gives the rows back; a sent one keeps them.
    store.digest_failed(&digest).await.expect("failed");
    let (digest, _) = store.take_digest_of(alice, &["daily"]).await.expect("retake").expect("given back");
    store.digest_sent(&digest).await.expect("sent");
    assert!(store.take_digest_of(alice, &["daily"]).await.expect("after").is_none());

    // A refused mail is kept per person for the admins until one goes out.
    store.record_digest_failure(alice, "550 mailbox unavailable").await.expect("record");
    store.record_digest_failure(alice, "550 mailbox unavailable").await.expect("record again");
    assert_eq!(store.people_with_failed_digest().await.expect("failing"), [alice]);
    let failed = store.space_failed_digests(0, 10).await.expect("failed");
    assert_eq!(failed.total, 1);
    assert_eq!(failed.rows[0].detail, "2 550 mailbox unavailable", "attempts, then the relay's answer");
    store.clear_digest_failure(alice).await.expect("clear");
    assert_eq!(store.space_failed_digests(0, 10).await.expect("failed").total, 0);
}

storage_test!(space, |db: TestDb| async move { space_story(&db.store).await });
