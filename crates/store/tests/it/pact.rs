//! Pacts on both backends: the aggregate written with its revision, stale edits
//! refused, proposals decided once, comments, and notifications told once: one digest
//! takes each, even when two take at once.

use cohesion_core::access::person::Email;
use cohesion_core::pact::{
    Comment, Pact, PactContent, PactKind, Party, PartyKind, Proposal, ProposalChange, ProposalStatus, STATE_PARTY,
};
use cohesion_store::Store;
use cohesion_store::access::NewPerson;
use cohesion_store::audit::By;
use cohesion_store::pact::{PactWriteError, Told};
use cohesion_store::testing::{TestDb, storage_test};
use uuid::Uuid;

async fn person(store: &Store, email: &str) -> Uuid {
    let new = NewPerson {
        email: Email::parse(email).expect("email"),
        given_name: "Camille".into(),
        usual_name: email.into(),
    };
    store.create_person(&new, &[], &By::new("cli", None)).await.expect("person").id
}

fn content() -> PactContent {
    PactContent {
        kind: PactKind::Cohesion,
        title: "Pacte de cohésion du Pilat".into(),
        description: String::new(),
        perimeter: vec!["commune:42218".parse().expect("ref")],
        parties: vec![
            Party { kind: PartyKind::State, name: "Préfecture de la Loire".into(), siren: None },
            Party { kind: PartyKind::LocalAuthority, name: "Saint-Étienne".into(), siren: Some("214202186".into()) },
        ],
        owner: STATE_PARTY.into(),
        actions: vec![],
    }
}

fn told(kind: &'static str, recipients: Vec<Uuid>) -> Told {
    Told { kind, summary: format!("{kind} happened"), recipients }
}

async fn pact_story(store: &Store) {
    let alice = person(store, "alice@example.fr").await;
    let bob = person(store, "bob@example.fr").await;
    let now = cohesion_store::pact::now_rfc3339();
    let pact = Pact::new(Uuid::now_v7().to_string(), content(), &now);
    store.create_pact(&pact, alice, &told("created", vec![alice, bob])).await.expect("create");
    assert_eq!(store.pact(&pact.id).await.expect("read").as_ref(), Some(&pact));
    let rows = store.pact_rows().await.expect("rows");
    assert_eq!(rows.len(), 1);
    assert_eq!((rows[0].status.as_str(), rows[0].parties.as_str()), ("draft", "Préfecture de la Loire\nSaint-Étienne"));

    // Two edits from revision 1: the first wins, the second is refused with the current pact.
    let edit = |title: &'static str| {
        move |p: &mut Pact, _: Option<&mut Proposal>| {
            let mut c = p.current().content.clone();
            c.title = title.into();
            p.edit(c, "2026-11-30T09:00:00Z").map_err(|e| e.to_string())?;
            Ok(told("edited", vec![]))
        }
    };
    let (after, _) = store.update_pact(&pact.id, Some(1), None, alice, edit("Premier")).await.expect("first edit");
    assert_eq!(after.revision, 2);
    match store.update_pact(&pact.id, Some(1), None, bob, edit("Second")).await {
        Err(PactWriteError::Stale { expected: 1, current }) => assert_eq!(current.current().content.title, "Premier"),
        other => panic!("expected a stale edit, got {other:?}"),
    }
    // A refusal writes nothing.
    let refused = store.update_pact(&pact.id, None, None, bob, |_, _| Err::<Told, _>("non".into())).await;
    assert!(matches!(refused, Err(PactWriteError::Refused(ref m)) if m == "non"));
    assert_eq!(store.pact(&pact.id).await.expect("read").expect("pact").revision, 2);
    assert!(matches!(store.update_pact("nope", None, None, bob, edit("x")).await, Err(PactWriteError::NotFound)));

    // A proposal, decided once.
    let proposal = Proposal {
        id: Uuid::now_v7().to_string(),
        pact_id: pact.id.clone(),
        version: 1,
        party: "214202186".into(),
        author: bob,
        author_name: "Bob".into(),
        change: ProposalChange::AddProject { project_id: "p1".into() },
        message: "Pour l'école".into(),
        status: ProposalStatus::Open,
        decided_by: None,
        decided_by_name: None,
        decision_reason: None,
        created_at: now.clone(),
        decided_at: None,
    };
    store.create_proposal(&proposal, &told("proposal", vec![alice])).await.expect("proposal");
    assert_eq!(store.open_proposals(&pact.id).await.expect("count"), 1);
    let decide = |p: &mut Pact, prop: Option<&mut Proposal>| {
        let prop = prop.ok_or("missing")?;
        if prop.status != ProposalStatus::Open {
            return Err("already decided".to_owned());
        }
        prop.status = ProposalStatus::Accepted;
        p.add_action("p1", "2026-11-30T10:00:00Z").map_err(|e| e.to_string())?;
        Ok(told("decision", vec![bob]))
    };
    let (p, decided) = store.update_pact(&pact.id, None, Some(&proposal.id), alice, decide).await.expect("decide");
    assert_eq!(p.current().content.actions, ["p1"]);
    assert_eq!(decided.map(|d| d.status), Some(ProposalStatus::Accepted));
    assert!(matches!(
        store.update_pact(&pact.id, None, Some(&proposal.id), alice, decide).await,
        Err(PactWriteError::Refused(_))
    ));
    assert_eq!(store.open_proposals(&pact.id).await.expect("count"), 0);
    assert!(matches!(
        store.update_pact(&pact.id, None, Some("nope"), alice, decide).await,
        Err(PactWriteError::NoProposal)
    ));

    let comment = Comment {
        id: Uuid::now_v7().to_string(),
        pact_id: pact.id.clone(),
        thread: "pact".into(),
        author: bob,
        author_name: "Bob".into(),
        body: "D'accord".into(),
        created_at: now.clone(),
    };
    store.create_comment(&comment, &told("comment", vec![alice, bob])).await.expect("comment");
    let comments = store.comments(&pact.id).await.expect("comments");
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].body, "D'accord");

    // Notifications: alice was told of `created` (no: she made it), the proposal and the
    // comment; bob of `created` and the decision (not of his own comment).
    let d1 = store.take_digest(alice).await.expect("take").expect("alice has news");
    assert_eq!(d1.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["proposal", "comment"]);
    assert_eq!(d1.events[0].title, "Premier");
    assert!(store.take_digest(alice).await.expect("take").is_none(), "nothing is taken twice");
    store.digest_sent(&d1.id).await.expect("sent");
    let d2 = store.take_digest(bob).await.expect("take").expect("bob has news");
    assert_eq!(d2.events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["created", "decision"]);
    // A failed mail gives the events back, once.
    store.digest_failed(&d2.id).await.expect("failed");
    assert_eq!(store.people_with_pending_notifications().await.expect("pending"), [bob]);
    let d3 = store.take_digest(bob).await.expect("take").expect("again");
    assert_eq!(d3.events.len(), 2);
    store.digest_sent(&d3.id).await.expect("sent");
    store.digest_failed(&d3.id).await.expect("no effect once sent");
    assert!(store.people_with_pending_notifications().await.expect("pending").is_empty());

    // Many events, two digests taken at once: each event goes to exactly one of them.
    for i in 0..40 {
        let c = Comment { id: Uuid::now_v7().to_string(), body: format!("n° {i}"), ..comment.clone() };
        store.create_comment(&c, &told("comment", vec![alice])).await.expect("comment");
    }
    let (a, b) = tokio::join!(store.take_digest(alice), store.take_digest(alice));
    let count = |d: Option<cohesion_store::pact::Digest>| d.map_or(0, |d| d.events.len());
    assert_eq!(count(a.expect("a")) + count(b.expect("b")), 40);

    assert!(store.start_digest_run("2026-11-30").await.expect("first"));
    assert!(!store.start_digest_run("2026-11-30").await.expect("second"), "one run a day");
    let audit = store.audit_for("pact", &pact.id).await.expect("audit");
    assert_eq!(audit.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["create", "edited", "decision"]);
}

storage_test!(pact, |db: TestDb| async move { pact_story(&db.store).await });

/// Eight people edit the same pact from the revision they all read, at once: exactly
/// one write lands, the seven others are refused with the current pact.
async fn concurrent_story(store: &Store) {
    let alice = person(store, "alice@example.fr").await;
    let pact = Pact::new(Uuid::now_v7().to_string(), content(), &cohesion_store::pact::now_rfc3339());
    store.create_pact(&pact, alice, &told("created", vec![])).await.expect("create");
    let mut tasks = Vec::new();
    for i in 0..8 {
        let (store, id) = (store.clone(), pact.id.clone());
        tasks.push(tokio::spawn(async move {
            store
                .update_pact(&id, Some(1), None, alice, move |p, _| {
                    let mut c = p.current().content.clone();
                    c.title = format!("Titre {i}");
                    p.edit(c, "2026-11-30T09:00:00Z").map_err(|e| e.to_string())?;
                    Ok(told("edited", vec![]))
                })
                .await
        }));
    }
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.expect("join"));
    }
    let ok = results.iter().filter(|r| r.is_ok()).count();
    let stale = results.iter().filter(|r| matches!(r, Err(PactWriteError::Stale { .. }))).count();
    assert_eq!((ok, stale), (1, 7), "{results:?}");
    let now = store.pact(&pact.id).await.expect("read").expect("pact");
    assert_eq!(now.revision, 2);
    let winner = results.iter().find_map(|r| r.as_ref().ok()).expect("one");
    assert_eq!(now.current().content.title, winner.0.current().content.title, "the landed write is the one stored");
}

storage_test!(pact_concurrent, threads = 2, |db: TestDb| async move { concurrent_story(&db.store).await });
