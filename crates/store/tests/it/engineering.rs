//! Engineering on both backends: a case written with its revision (stale writes
//! refused, refusals write nothing), the budget read inside the write (two spendings
//! cannot both fit), documents as bytes, the dashboard's filters in the query, and
//! each event told once to a person holding three roles on the same request, never
//! to an invitee who has not accepted.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_core::access::person::Email;
use cohesion_core::engineering::lifecycle::Asked;
use cohesion_core::engineering::rules::{Audience, recipients};
use cohesion_core::engineering::*;
use cohesion_core::territory::{TerritoryKind, TerritoryRef};
use cohesion_store::Store;
use cohesion_store::access::NewPerson;
use cohesion_store::audit::By;
use cohesion_store::engineering::{Case, DocumentMeta, EngineeringWriteError, Expect, Filter, Message};
use cohesion_store::pact::Told;
use cohesion_store::testing::{TestDb, storage_test};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

async fn person(store: &Store, email: &str, roles: &[Role]) -> Uuid {
    let new = NewPerson {
        email: Email::parse(email).expect("email"),
        given_name: "Camille".into(),
        usual_name: email.into(),
    };
    store.create_person(&new, roles, &By::new("cli", None)).await.expect("person").id
}

async fn organisation(store: &Store, kind: OrganisationKind, name: &str, territory: Option<&str>) -> Uuid {
    let org = Organisation {
        id: Uuid::now_v7(),
        kind,
        name: name.into(),
        siren: None,
        siret: None,
        territory: territory.map(|t| t.parse().expect("ref")),
        version: 1,
    };
    store.create_organisation(&org, &By::new("cli", None)).await.expect("organisation").id
}

fn now() -> OffsetDateTime {
    let t = OffsetDateTime::now_utc();
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000).expect("micros")
}

fn request(org: Uuid, dep: &str, by: Uuid, needs: Vec<Need>) -> Request {
    Request {
        id: Uuid::now_v7().to_string(),
        organisation: org,
        organisation_name: "Commune".into(),
        siren: "214202186".into(),
        territory: TerritoryRef { kind: TerritoryKind::Commune, code: "42218".into() },
        departement: dep.into(),
        project: None,
        project_title: "Réhabiliter la halle".into(),
        needs,
        needs_detail: String::new(),
        context: String::new(),
        urgency: Urgency::Normal,
        desired_start: None,
        external_ids: vec![ExternalId { tool: "recoco".into(), id: "1234".into() }],
        status: RequestStatus::Submitted,
        qualification: None,
        created_by: by,
        created_at: now(),
        answered_at: None,
        reminded_at: None,
        revision: 1,
    }
}

fn provider(name: &str, org: Option<Uuid>) -> Provider {
    Provider {
        id: Uuid::now_v7().to_string(),
        name: name.into(),
        kind: ProviderKind::Cerema,
        siren: None,
        organisation: org,
        competences: vec![Need::Housing],
        departements: vec![],
        capacity: 3,
        active: true,
        revision: 1,
    }
}

fn told(kind: &'static str, recipients: Vec<Uuid>) -> Told {
    Told { kind, summary: format!("{kind} happened"), recipients }
}

/// Accepts the request and opens its mission with `provider` asked.
async fn accept(store: &Store, r: &Request, provider: &Provider, actor: Uuid) -> Case {
    let asked = [Asked { id: &provider.id, name: &provider.name }];
    store
        .update_engineering_case(&r.id, Some(Expect::Request(1)), None, actor, |c, _| {
            let mission = Uuid::now_v7().to_string();
            c.request.accept(&mission, now())?;
            c.mission = Some(Mission::open(mission, &c.request, &asked, now())?);
            Ok(vec![told("qualified", vec![])])
        })
        .await
        .expect("accept")
}

async fn story(store: &Store) {
    let town = organisation(store, OrganisationKind::LocalAuthority, "Saint-Étienne", Some("commune:42218")).await;
    let cerema = organisation(store, OrganisationKind::Partner, "Cerema", None).await;
    let territory: TerritoryRef = "commune:42218".parse().expect("ref");
    // Alice: the authority's, the delegate of the Loire and, later, an observer.
    let alice = person(
        store,
        "alice@example.fr",
        &[Role::Local { organisation: town, territory }, Role::Delegate { departement: "42".into() }],
    )
    .await;
    let bob = person(store, "bob@example.fr", &[Role::Partner { organisation: cerema }]).await;
    let carol = person(store, "carol@example.fr", &[]).await; // invited, never accepts
    let other = person(store, "dan@example.fr", &[Role::Delegate { departement: "69".into() }]).await;

    let p = provider("Cerema Centre-Est", Some(cerema));
    store.create_engineering_providers(std::slice::from_ref(&p), alice).await.expect("provider");
    let twice = store.create_engineering_providers(&[provider("CEREMA centre-est", None)], alice).await;
    assert!(matches!(twice, Err(cohesion_store::StoreError::Conflict(_))), "one provider per name: {twice:?}");

    let r = request(town, "42", alice, vec![Need::Housing, Need::Mobility]);
    store.create_engineering_request(&r, "84", alice, &[told("created", vec![alice, other])]).await.expect("create");
    let case = store.engineering_case(&r.id).await.expect("read").expect("case");
    assert_eq!(case.request, r);

    // A refusal writes nothing; a stale write is refused.
    let refused = store
        .update_engineering_case(&r.id, None, None, alice, |c, _| c.request.decline(" ", now()).map(|_| vec![]))
        .await;
    assert!(matches!(refused, Err(EngineeringWriteError::Refused(EngineeringFault::ReasonRequired))));
    let case = accept(store, &r, &p, alice).await;
    let mission = case.mission.clone().expect("mission");
    let stale = store
        .update_engineering_case(&r.id, Some(Expect::Request(1)), None, alice, |c, _| {
            c.request.decline("non", now()).map(|_| vec![])
        })
        .await;
    assert!(matches!(stale, Err(EngineeringWriteError::Stale { expected: 1, current: 2 })), "{stale:?}");

    // Bob accepts for the Cerema; Alice is invited as observer and accepts; Carol never does.
    store
        .update_engineering_case(&r.id, Some(Expect::Mission(mission.revision)), None, bob, |c, _| {
            let m = c.mission.as_mut().expect("mission");
            m.answer(&p.id, true, "", bob, now())?;
            m.invite(alice, ParticipantRole::Observer, None, OffsetDateTime::now_utc())?;
            m.accept_invitation(alice, now());
            m.invite(carol, ParticipantRole::Observer, None, OffsetDateTime::now_utc())?;
            Ok(vec![])
        })
        .await
        .expect("answer");
    let case = store.engineering_case(&r.id).await.expect("read").expect("case");
    let parties = store.engineering_parties(&case).await.expect("parties");
    assert_eq!(parties.authority, vec![alice]);
    assert_eq!(parties.delegates, vec![alice]);
    assert!(parties.participants.contains(&(carol, false)));
    assert_eq!(parties.provider_people, vec![(p.id.clone(), bob)]);

    // Three events told to everyone; one internal message.
    for kind in ["recommendation", "milestone"] {
        let to = recipients(&Audience::Everyone, &parties, Some(bob));
        store.update_engineering_case(&r.id, None, None, bob, |_, _| Ok(vec![told(kind, to)])).await.expect("tell");
    }
    let msg = Message {
        id: Uuid::now_v7().to_string(),
        request: r.id.clone(),
        thread: Thread::Internal,
        author: bob,
        author_name: "Bob".into(),
        body: "Entre nous".into(),
        created_at: now(),
    };
    store
        .create_engineering_message(&msg, "t", &[told("message", recipients(&Audience::Internal, &parties, Some(bob)))])
        .await
        .expect("message");
    assert_eq!(store.engineering_messages(&r.id, Thread::Internal).await.expect("messages"), vec![msg]);
    assert!(store.engineering_messages(&r.id, Thread::Public).await.expect("messages").is_empty());

    // Alice holds three roles and gets each event once: recommendation, milestone,
    // message (not the creation: she made it). Carol gets nothing, Bob nothing he did
    // himself, the delegate of another département the creation only (he was named).
    let digest = store.take_digest(alice).await.expect("take").expect("alice has news");
    let kinds: Vec<&str> = digest.events.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["recommendation", "milestone", "message"]);
    assert!(digest.events.iter().all(|e| e.subject == cohesion_core::notice::Subject::Engineering));
    assert!(store.take_digest(carol).await.expect("take").is_none());
    assert!(store.take_digest(bob).await.expect("take").is_none());
    assert_eq!(store.take_digest(other).await.expect("take").map(|d| d.events.len()), Some(1));

    // Audit: the request's creation and its qualification.
    let events = store.audit_for("engineering_request", &r.id).await.expect("audit");
    assert_eq!(events.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["create", "qualified"]);

    // Documents: bytes kept exactly.
    let bytes = b"%PDF-1.7\n\x00\xff binary".to_vec();
    let doc = DocumentMeta {
        id: Uuid::now_v7().to_string(),
        request: r.id.clone(),
        thread: Thread::Public,
        name: "Étude préalable.pdf".into(),
        kind: DocumentKind::Pdf,
        size: bytes.len() as i64,
        sha256: "x".into(),
        uploaded_by: alice,
        created_at: now(),
    };
    store.create_engineering_document(&doc, &bytes, "t", &[]).await.expect("document");
    assert_eq!(store.engineering_document(&doc.id).await.expect("read"), Some((doc.clone(), bytes)));
    assert_eq!(store.engineering_documents(&r.id).await.expect("list"), vec![doc]);

    // Loads: one mission in progress for the Cerema.
    assert_eq!(store.engineering_provider_loads().await.expect("loads"), vec![(p.id.clone(), 1)]);

    // The dashboard's filters are in the query, and lists agree with them.
    let other_req = request(town, "69", alice, vec![Need::Legal]);
    store.create_engineering_request(&other_req, "84", alice, &[]).await.expect("create");
    let all = store.engineering_dashboard(&Filter::default(), None).await.expect("dashboard");
    assert_eq!(all.requests, 2);
    for filter in [
        Filter { departement: Some("42".into()), ..Filter::default() },
        Filter { need: Some(Need::Mobility), ..Filter::default() },
        Filter { provider: Some(p.id.clone()), ..Filter::default() },
        Filter { status: Some(RequestStatus::Accepted), ..Filter::default() },
    ] {
        let d = store.engineering_dashboard(&filter, None).await.expect("dashboard");
        let list = store.engineering_cases(&filter).await.expect("cases");
        assert_eq!((d.requests, list.len()), (1, 1), "{filter:?}");
        assert_eq!(list[0].request.id, r.id);
        assert_eq!(d.providers.first().map(|x| x.missions), Some(1));
        assert_eq!(d.to_first_answer.count, 1);
    }
    let none = Filter { region: Some("11".into()), ..Filter::default() };
    assert_eq!(store.engineering_dashboard(&none, None).await.expect("dashboard").requests, 0);
    let later = Filter { from: Some(now() + Duration::days(1)), ..Filter::default() };
    assert!(store.engineering_cases(&later).await.expect("cases").is_empty());
}

storage_test!(engineering, |db: TestDb| async move { story(&db.store).await });

/// Two writers from the same revision: one wins, the other is told the case moved.
/// Two spendings that each fit the budget but not both: one is refused.
async fn concurrent_story(store: &Store) {
    let town = organisation(store, OrganisationKind::LocalAuthority, "Firminy", Some("commune:42095")).await;
    let alice = person(store, "alice@example.fr", &[Role::Delegate { departement: "42".into() }]).await;
    let p = provider("ADEME", None);
    store.create_engineering_providers(std::slice::from_ref(&p), alice).await.expect("provider");
    let r = request(town, "42", alice, vec![Need::Housing]);
    store.create_engineering_request(&r, "84", alice, &[]).await.expect("create");

    let decline = |reason: &'static str| {
        let id = r.id.clone();
        async move {
            store
                .update_engineering_case(&id, Some(Expect::Request(1)), None, alice, move |c, _| {
                    c.request.decline(reason, now()).map(|_| vec![])
                })
                .await
        }
    };
    let (a, b) = tokio::join!(decline("un"), decline("deux"));
    let stale = [&a, &b].iter().filter(|x| matches!(x, Err(EngineeringWriteError::Stale { .. }))).count();
    assert_eq!((a.is_ok() as u8 + b.is_ok() as u8, stale), (1, 1), "{a:?} {b:?}");

    let r = request(town, "42", alice, vec![Need::Housing]);
    store.create_engineering_request(&r, "84", alice, &[]).await.expect("create");
    let case = accept(store, &r, &p, alice).await;
    let m = case.mission.expect("mission");
    store
        .update_engineering_case(&r.id, None, None, alice, |c, _| {
            c.mission.as_mut().expect("mission").answer(&p.id, true, "", alice, now()).map(|_| vec![])
        })
        .await
        .expect("answer");
    let year = now().year();
    store.set_engineering_budget("42", year, 1_000, alice).await.expect("budget");
    let spend = |cost: i64| {
        let id = r.id.clone();
        let provider = p.id.clone();
        async move {
            store
                .update_engineering_case(&id, None, Some(year), alice, move |c, budget| {
                    let s = Spending {
                        id: Uuid::now_v7().to_string(),
                        provider,
                        centidays: 100,
                        cost_cents: cost,
                        on: now().date(),
                        note: String::new(),
                        approved_over_budget_by: None,
                    };
                    c.mission.as_mut().expect("mission").spend(s, budget, None).map(|_| vec![])
                })
                .await
        }
    };
    let (a, b) = tokio::join!(spend(600), spend(600));
    let over = [&a, &b]
        .iter()
        .filter(|x| matches!(x, Err(EngineeringWriteError::Refused(EngineeringFault::OverBudget { .. }))))
        .count();
    assert_eq!((a.is_ok() as u8 + b.is_ok() as u8, over), (1, 1), "{a:?} {b:?}");
    let budgets = store.engineering_budgets(Some(year)).await.expect("budgets");
    assert_eq!(budgets[0].consumed_cents, 600);
    assert_eq!(
        store.engineering_case(&r.id).await.expect("read").and_then(|c| c.mission).map(|m| m.cost_cents()),
        Some(600)
    );
    assert_eq!(m.departement, "42");
}

storage_test!(engineering_concurrent, threads = 2, |db: TestDb| async move { concurrent_story(&db.store).await });

/// The delays are ranked in the query: answers after exactly 1 to 10 days in the
/// Loire give a median of 5 days and a 90th percentile of 9 (nearest rank), to the
/// hundredth of a day on both backends; a request elsewhere counts only without the
/// filter.
async fn delays_story(store: &Store) {
    let town = organisation(store, OrganisationKind::LocalAuthority, "Saint-Étienne", Some("commune:42218")).await;
    let alice = person(store, "alice@example.fr", &[Role::Admin]).await;
    let p = provider("Cerema", None);
    store.create_engineering_providers(std::slice::from_ref(&p), alice).await.expect("provider");
    let base = now();
    for (dep, days) in (1..=10).map(|d| ("42", d)).chain([("69", 20)]) {
        let mut r = request(town, dep, alice, vec![Need::Housing]);
        r.created_at = base - Duration::days(days);
        store.create_engineering_request(&r, "84", alice, &[]).await.expect("create");
        accept(store, &r, &p, alice).await;
        store
            .update_engineering_case(&r.id, None, None, alice, |c, _| {
                c.request.answered_at = Some(base);
                Ok(vec![])
            })
            .await
            .expect("answered");
    }
    let loire = Filter { departement: Some("42".into()), ..Filter::default() };
    let d = store.engineering_dashboard(&loire, None).await.expect("dashboard");
    assert_eq!((d.requests, d.missions), (10, 10));
    assert_eq!(d.to_first_answer.count, 10);
    assert_eq!((d.to_first_answer.median_centidays, d.to_first_answer.p90_centidays), (Some(500), Some(900)));
    assert_eq!(d.to_closure.count, 0);
    assert_eq!((d.to_closure.median_centidays, d.to_closure.p90_centidays), (None, None));
    assert_eq!(d.by_need.iter().find(|c| c.key == "housing").map(|c| c.count), Some(10));
    assert_eq!(d.providers.iter().map(|x| x.missions).collect::<Vec<_>>(), [0; 0], "asked, not accepted");
    let all = store.engineering_dashboard(&Filter::default(), None).await.expect("dashboard");
    assert_eq!(all.to_first_answer.count, 11);
    assert_eq!((all.to_first_answer.median_centidays, all.to_first_answer.p90_centidays), (Some(600), Some(1000)));
    let deps: Vec<(&str, u64)> = all.by_departement.iter().map(|c| (c.key.as_str(), c.count)).collect();
    assert_eq!(deps, [("42", 10), ("69", 1)]);
}

storage_test!(engineering_delays, |db: TestDb| async move { delays_story(&db.store).await });
