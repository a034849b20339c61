//! Each person's space under the volumes of issue 14, on SQLite and on PostgreSQL in
//! one run: 850 pacts (one CRTE-like pact per EPCI for the first 850 EPCI, across
//! départements, each with up to 4 of the 24,811 demonstration projects lying in it),
//! 5,000 people with roles (delegates, locals, partners, programme managers, admins,
//! people holding three roles, people without any role, invitees who never came) and
//! at least 20,000 unread notifications spread over them. Everything is written
//! through the use cases the API calls (`app::pact::create`, `step`, `propose`,
//! `comment`), so the notifications are the ones those write; it is generated for the
//! measurement and dropped with the temporary database (never shipped).
//!
//! Then, over HTTP on loopback with one keep-alive client and a signed-in session per
//! person (the pages authenticate by session cookie, which also counts the header's
//! unread notifications): `/mon-espace` and `/mon-espace/notifications` for people of
//! every role, p50 / p99 / max; and the daily digest of every person
//! (`app::digest::send`, the function `cohesion digest` and `serve` run), mailed over
//! SMTP to a sink on loopback that accepts every message.
//!
//! `cargo run --release -p cohesion-web --example space_bench > bench/results/space.md`
//! (PostgreSQL: `COHESION_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, a fresh schema dropped afterwards;
//! `SPACE_BENCH_BACKENDS=sqlite` to skip it).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cohesion_app::digest::Pass;
use cohesion_app::pact::Acting;
use cohesion_app::project::catalog::Filter;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_core::access::person::Email;
use cohesion_core::access::{Principal, Role};
use cohesion_core::pact::{
    PactContent, PactKind, PactStatus, Party, PartyKind, ProposalChange, ProposalInput, STATE_PARTY,
};
use cohesion_core::project::dotations::{self, Resolution};
use cohesion_core::territory::{Referential, Territory, TerritoryKind, TerritoryRef, compact};
use cohesion_store::Store;
use cohesion_store::access::{LinkPurpose, NewPerson};
use cohesion_store::audit::By;
use cohesion_store::testing::TestDb;
use cohesion_web::AppState;
use cohesion_web::auth::AuthConfig;
use cohesion_web::auth::mail::Mailer;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use uuid::Uuid;

type Error = Box<dyn std::error::Error>;

const DATA: &[u8] = include_bytes!("../../../data/projects/dotations_2019.csv.gz");
const PACTS: usize = 850;
const PEOPLE: usize = 5_000;
const NOTIFICATIONS: u64 = 20_000;
const PASS: &str = "correct horse battery staple";

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// An SMTP server on loopback that accepts every message and counts them.
async fn smtp_sink() -> Result<SocketAddr, Error> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await?;
                while let Some(line) = lines.next_line().await? {
                    let upper = line.to_ascii_uppercase();
                    if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        write.write_all(b"250-sink\r\n250 8BITMIME\r\n").await?;
                    } else if upper.starts_with("DATA") {
                        write.write_all(b"354 go ahead\r\n").await?;
                        while let Some(l) = lines.next_line().await? {
                            if l == "." {
                                break;
                            }
                        }
                        write.write_all(b"250 queued\r\n").await?;
                    } else if upper.starts_with("QUIT") {
                        write.write_all(b"221 bye\r\n").await?;
                        break;
                    } else {
                        write.write_all(b"250 OK\r\n").await?;
                    }
                }
                Ok::<(), std::io::Error>(())
            });
        }
    });
    Ok(addr)
}

/// A signed-in browser: its cookies.
struct Session {
    label: &'static str,
    cookies: Vec<(String, String)>,
}

impl Session {
    fn header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn keep(&mut self, headers: &reqwest::header::HeaderMap) {
        for v in headers.get_all(reqwest::header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let Some((name, value)) = v.split(';').next().and_then(|kv| kv.split_once('=')) else { continue };
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }
}

async fn sign_in(client: &reqwest::Client, base: &str, email: &str, label: &'static str) -> Result<Session, Error> {
    let mut s = Session { label, cookies: Vec::new() };
    let res = client.get(format!("{base}/connexion")).send().await?;
    s.keep(res.headers());
    let html = res.text().await?;
    let marker = "name=\"csrf\" value=\"";
    let at = html.find(marker).map(|i| i + marker.len()).ok_or("no CSRF field on /connexion")?;
    let csrf = html[at..].split('"').next().unwrap_or("").to_owned();
    let res = client
        .post(format!("{base}/connexion"))
        .header(reqwest::header::COOKIE, s.header())
        .form(&[("csrf", csrf.as_str()), ("email", email), ("password", PASS)])
        .send()
        .await?;
    if res.status().as_u16() != 303 {
        return Err(format!("{email} could not sign in: {}", res.status()).into());
    }
    s.keep(res.headers());
    Ok(s)
}

async fn get(client: &reqwest::Client, url: &str, session: &Session) -> Result<Duration, Error> {
    let t = Instant::now();
    let res = client.get(url).header(reqwest::header::COOKIE, session.header()).send().await?;
    let status = res.status();
    let body = res.bytes().await?;
    let d = t.elapsed();
    if !status.is_success() {
        return Err(format!("{url}: {status}").into());
    }
    if body.is_empty() {
        return Err(format!("{url}: empty answer").into());
    }
    Ok(d)
}

/// The people, their roles, and who is signed in for the measure.
struct Population {
    /// (email, roles) of everyone created.
    people: Vec<(String, Vec<Role>)>,
    /// Delegates by département (their principals act for the State on its pacts).
    delegates: HashMap<String, Vec<Principal>>,
    /// The local authority people of each EPCI (by its SIREN).
    locals: HashMap<String, Vec<Principal>>,
    /// (label, email) of the people signed in for the measure.
    measured: Vec<(&'static str, String)>,
}

fn main_departement(t: &Territory) -> Option<String> {
    t.parents.departement.clone().or_else(|| t.departements.first().cloned())
}

async fn populate(store: &Store, epcis: &[Territory]) -> Result<Population, Error> {
    let by = By::new("bench", None);
    let hash = cohesion_web::auth::password::hash(PASS)?;
    let mut epci_orgs = Vec::new();
    for e in epcis {
        let org = Organisation {
            id: Uuid::now_v7(),
            kind: OrganisationKind::LocalAuthority,
            name: e.name.clone(),
            siren: Some(e.code.clone()),
            siret: None,
            territory: Some(TerritoryRef { kind: TerritoryKind::Epci, code: e.code.clone() }),
            version: 1,
        };
        epci_orgs.push((e, store.create_organisation(&org, &by).await?));
    }
    let mut partners = Vec::new();
    for i in 0..30 {
        let org = Organisation {
            id: Uuid::now_v7(),
            kind: OrganisationKind::Partner,
            name: format!("Bureau d’études {i}"),
            siren: None,
            siret: None,
            territory: None,
            version: 1,
        };
        partners.push(store.create_organisation(&org, &by).await?);
    }
    let deps: Vec<String> = {
        let mut d: Vec<String> = epcis.iter().filter_map(main_departement).collect();
        d.sort();
        d.dedup();
        d
    };
    let mut people: Vec<(String, Vec<Role>)> = Vec::new();
    for i in 0..10 {
        people.push((format!("admin{i}@anct.gouv.fr"), vec![Role::Admin]));
    }
    for (i, p) in ["pvd", "acv", "ti", "france-services", "vva"].iter().cycle().take(20).enumerate() {
        people.push((format!("responsable{i}@anct.gouv.fr"), vec![Role::ProgrammeManager { programme: (*p).into() }]));
    }
    for d in &deps {
        for i in 0..2 {
            people
                .push((format!("delegue{i}.{d}@prefecture.gouv.fr"), vec![Role::Delegate { departement: d.clone() }]));
        }
    }
    for (i, org) in partners.iter().enumerate() {
        for j in 0..10 {
            people.push((format!("conseil{j}@bureau{i}.fr"), vec![Role::Partner { organisation: org.id }]));
        }
    }
    // Three roles: the delegate of the EPCI's département, a local of the EPCI, a partner.
    for (i, (e, org)) in epci_orgs.iter().step_by(17).enumerate() {
        let Some(d) = main_departement(e) else { continue };
        people.push((
            format!("triple{i}@anct.gouv.fr"),
            vec![
                Role::Delegate { departement: d },
                Role::Local { organisation: org.id, territory: org.territory.clone().ok_or("territory")? },
                Role::Partner { organisation: partners[i % partners.len()].id },
            ],
        ));
    }
    let without_role = 100;
    let invitees = 50;
    let locals = PEOPLE - people.len() - without_role - invitees;
    for i in 0..locals {
        let (e, org) = &epci_orgs[i % epci_orgs.len()];
        let territory = org.territory.clone().ok_or("territory")?;
        people.push((format!("elu{i}@{}.fr", e.code), vec![Role::Local { organisation: org.id, territory }]));
    }
    for i in 0..without_role {
        people.push((format!("sansrole{i}@exemple.fr"), vec![]));
    }
    let mut pop =
        Population { people: Vec::new(), delegates: HashMap::new(), locals: HashMap::new(), measured: Vec::new() };
    let mut ids = Vec::new();
    for (email, roles) in &people {
        let new = NewPerson { email: Email::parse(email)?, given_name: "Camille".into(), usual_name: email.clone() };
        let p = store.create_person(&new, roles, &by).await?;
        ids.push(p.id);
        for r in roles {
            let principal = Principal { person: p.id, roles: vec![r.clone()] };
            match r {
                Role::Delegate { departement } => {
                    pop.delegates.entry(departement.clone()).or_default().push(principal);
                }
                Role::Local { territory, .. } => {
                    pop.locals.entry(territory.code.clone()).or_default().push(principal);
                }
                _ => {}
            }
        }
    }
    for i in 0..invitees {
        let new = NewPerson {
            email: Email::parse(&format!("invite{i}@exemple.fr"))?,
            given_name: String::new(),
            usual_name: String::new(),
        };
        let p = store.create_person(&new, &[], &by).await?;
        let ttl = time::Duration::days(7);
        store.create_link(LinkPurpose::Invitation, p.id, None, &format!("bench-{i}"), ttl, &by).await?;
        people.push((new.email.as_str().to_owned(), vec![]));
    }
    // Who signs in: people of every role, spread over the départements and EPCI.
    let pick = |prefix: &str, n: usize| -> Vec<String> {
        let all: Vec<&String> = people.iter().map(|(e, _)| e).filter(|e| e.starts_with(prefix)).collect();
        let step = (all.len() / n).max(1);
        all.into_iter().step_by(step).take(n).cloned().collect()
    };
    for (label, prefix, n) in [
        ("delegate", "delegue", 20),
        ("local", "elu", 20),
        ("three roles", "triple", 10),
        ("admin", "admin", 5),
        ("partner", "conseil", 5),
        ("programme manager", "responsable", 5),
    ] {
        for email in pick(prefix, n) {
            let id = ids[people.iter().position(|(e, _)| *e == email).ok_or("measured person")?];
            store.set_password(id, &hash, &by).await?;
            pop.measured.push((label, email));
        }
    }
    pop.people = people;
    Ok(pop)
}

/// Unread notifications of everyone (one COUNT per person, as the header does).
async fn unread_total(state: &AppState, people: &[Uuid]) -> Result<u64, Error> {
    let mut n = 0;
    for p in people {
        n += cohesion_app::space::notification::unread(state, *p).await?;
    }
    Ok(n)
}

struct Figures {
    backend: &'static str,
    generation: Duration,
    pacts_by_status: Vec<(String, usize)>,
    proposals: usize,
    comments: usize,
    unread: u64,
    people: usize,
    rows: Vec<String>,
    digest: Duration,
    report: cohesion_app::digest::DigestReport,
}

async fn run(
    db: TestDb,
    referential: &Referential,
    inputs: &[cohesion_core::project::ProjectInput],
) -> Result<Figures, Error> {
    let backend = db.backend();
    let store = db.store.clone();
    let started = Instant::now();
    store.replace_referential(referential, "bench").await?;
    store.import_projects("dotations-2019", inputs, "bench").await?;
    let epcis: Vec<Territory> =
        referential.all().iter().filter(|t| t.kind == TerritoryKind::Epci).take(PACTS).cloned().collect();
    let pop = populate(&store, &epcis).await?;

    let smtp = smtp_sink().await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let mut config = AuthConfig::new(base.clone());
    config.mailer = Mailer::smtp(&format!("smtp://{smtp}"), "Cohésion <cohesion@example.fr>")?;
    let state = AppState::new(cohesion_app::App::load(store.clone()).await?)?.with_auth(config);

    // The pacts: created by a delegate of the EPCI's département, each put in
    // co-construction; a third of them ready for signature, a third with a proposal
    // of the EPCI waiting for the State's decision.
    let mut pact_ids = Vec::new();
    let mut proposals = 0;
    for (i, e) in epcis.iter().enumerate() {
        let Some(dep) = main_departement(e) else { continue };
        let Some(delegate) = pop.delegates.get(&dep).and_then(|d| d.first()) else { continue };
        let acting = Acting::of(&state, delegate.clone()).await?;
        let place = TerritoryRef { kind: TerritoryKind::Epci, code: e.code.clone() };
        let found =
            state.projects.load().search(&Filter { territory: Some(place.clone()), ..Filter::default() }, 0, 5)?;
        let projects: Vec<String> = found.items.iter().map(|p| p.id.clone()).collect();
        let actions: Vec<String> =
            projects.iter().take(4usize.min(projects.len().saturating_sub(1)).max(1)).cloned().collect();
        let content = PactContent {
            kind: PactKind::Crte,
            title: format!("Contrat de relance et de transition écologique — {}", e.name),
            description: String::new(),
            perimeter: vec![place],
            parties: vec![
                Party { kind: PartyKind::State, name: format!("Préfecture ({dep})"), siren: None },
                Party { kind: PartyKind::LocalAuthority, name: e.name.clone(), siren: Some(e.code.clone()) },
            ],
            owner: STATE_PARTY.into(),
            actions: if projects.is_empty() { vec![] } else { actions.clone() },
        };
        let pact = cohesion_app::pact::create(&state, &acting, content).await?;
        cohesion_app::pact::step(&state, &acting, &pact.id, PactStatus::CoConstruction).await?;
        match i % 3 {
            0 if !projects.is_empty() => {
                cohesion_app::pact::step(&state, &acting, &pact.id, PactStatus::ReadyForSignature).await?;
            }
            1 if projects.len() > actions.len() => {
                if let Some(local) = pop.locals.get(&e.code).and_then(|l| l.first()) {
                    let local = Acting::of(&state, local.clone()).await?;
                    let input = ProposalInput {
                        party: e.code.clone(),
                        change: ProposalChange::AddProject { project_id: projects[actions.len()].clone() },
                        message: "Projet structurant pour l’intercommunalité".into(),
                    };
                    cohesion_app::pact::propose(&state, &local, &pact.id, input).await?;
                    proposals += 1;
                }
            }
            _ => {}
        }
        pact_ids.push((pact.id, dep));
    }
    // Comments by the delegates until at least 20,000 notifications wait.
    let everyone: Vec<Uuid> = {
        let mut v = Vec::new();
        for (email, _) in &pop.people {
            if let Some((p, _)) = store.person_by_email(&Email::parse(email)?).await? {
                v.push(p.id);
            }
        }
        v
    };
    let mut unread = unread_total(&state, &everyone).await?;
    let mut comments = 0;
    let mut next = 0;
    while unread < NOTIFICATIONS {
        for _ in 0..200 {
            let (id, dep) = &pact_ids[next % pact_ids.len()];
            next += 1;
            let Some(delegate) = pop.delegates.get(dep).and_then(|d| d.last()) else { continue };
            let acting = Acting::of(&state, delegate.clone()).await?;
            let body = format!("Point d’étape n° {next} : les services de l’État ont relu la maquette financière.");
            cohesion_app::pact::comment(&state, &acting, id, "pact", &body).await?;
            comments += 1;
        }
        unread = unread_total(&state, &everyone).await?;
    }
    let generation = started.elapsed();
    let mut by_status: HashMap<String, usize> = HashMap::new();
    for p in &state.pacts.load().pacts {
        *by_status.entry(p.row.status.clone()).or_default() += 1;
    }
    let mut pacts_by_status: Vec<_> = by_status.into_iter().collect();
    pacts_by_status.sort();

    let app = cohesion_web::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build()?;
    let mut sessions = Vec::new();
    for (label, email) in &pop.measured {
        sessions.push(sign_in(&client, &base, email, label).await?);
    }

    // /mon-espace: one warm-up round, then 30 rounds over every signed-in person.
    let mut space: HashMap<&'static str, Vec<Duration>> = HashMap::new();
    let mut all_space = Vec::new();
    for round in 0..31 {
        for s in &sessions {
            let d = get(&client, &format!("{base}/mon-espace"), s).await?;
            if round > 0 {
                space.entry(s.label).or_default().push(d);
                all_space.push(d);
            }
        }
    }
    // The notifications: each person opens pages 1 to 5 (the first opening of a page
    // marks its 20 notifications read), then page 1 again 10 times.
    let mut notices = Vec::new();
    for round in 0..15 {
        let page = if round < 5 { round + 1 } else { 1 };
        for s in &sessions {
            notices.push(get(&client, &format!("{base}/mon-espace/notifications?page={page}"), s).await?);
        }
    }
    let mut livez = Vec::new();
    let floor = Session { label: "", cookies: Vec::new() };
    for _ in 0..500 {
        livez.push(get(&client, &format!("{base}/livez"), &floor).await?);
    }

    let mut rows = Vec::new();
    let mut line = |name: String, t: &mut Vec<Duration>| {
        t.sort();
        rows.push(format!(
            "| {name} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            t.len(),
            ms(pct(t, 0.5)),
            ms(pct(t, 0.99)),
            t.last().map_or(0.0, |d| ms(*d))
        ));
    };
    line("`/mon-espace`, every role".into(), &mut all_space);
    let mut labels: Vec<_> = space.keys().copied().collect();
    labels.sort();
    for label in labels {
        let people = sessions.iter().filter(|s| s.label == label).count();
        if let Some(t) = space.get_mut(label) {
            line(format!("`/mon-espace`, {label} ({people} people)"), t);
        }
    }
    line("`/mon-espace/notifications` (pages 1–5 opened, then page 1)".into(), &mut notices);
    line("`/livez` (floor: same server and client)".into(), &mut livez);

    // The daily digest of every person, as `cohesion digest` runs it.
    let outbox = state.outbox();
    let t = Instant::now();
    let report = cohesion_app::digest::send(&state, &outbox, Pass::Daily { weekly: false }).await?;
    let digest = t.elapsed();

    let figures = Figures {
        backend,
        generation,
        pacts_by_status,
        proposals,
        comments,
        unread,
        people: pop.people.len(),
        rows,
        digest,
        report,
    };
    db.cleanup().await;
    Ok(figures)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let referential = compact::read("territories.tsv", compact::SHIPPED)?;
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(DATA), &mut text)?;
    let (rows, _) = dotations::read("dotations", &text, |t| match referential.get_ref(t) {
        Some(x) => Resolution::Current(x.siren.clone()),
        None => Resolution::Unknown,
    })?;
    let inputs: Vec<_> = rows.into_iter().map(|r| r.input).collect();
    let backends = std::env::var("SPACE_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
    let mut all = Vec::new();
    for backend in backends.split(',') {
        let db = match backend.trim() {
            "sqlite" => TestDb::sqlite().await?,
            "postgres" => {
                let url = cohesion_store::testing::postgres_url()
                    .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432/test".into());
                TestDb::postgres(&url).await?
            }
            other => return Err(format!("unknown backend {other}").into()),
        };
        eprintln!("{backend}: generating and measuring…");
        all.push(run(db, &referential, &inputs).await?);
    }
    for f in &all {
        println!("## {}", f.backend);
        println!();
        let statuses: Vec<String> = f.pacts_by_status.iter().map(|(s, n)| format!("{n} {s}")).collect();
        println!(
            "Generated in {:.0} s: {} people, {} pacts ({}), {} open proposals, {} comments; **{} unread notifications**.",
            f.generation.as_secs_f64(),
            f.people,
            f.pacts_by_status.iter().map(|(_, n)| n).sum::<usize>(),
            statuses.join(", "),
            f.proposals,
            f.comments,
            f.unread
        );
        println!();
        println!("| request | timed | p50 | p99 | max |");
        println!("|---|---:|---:|---:|---:|");
        for r in &f.rows {
            println!("{r}");
        }
        println!();
        let r = &f.report;
        println!(
            "Daily digest of every person (`app::digest::send`, SMTP to a sink on loopback): **{:.2} s** — {} mails, {} events, {} failed, {} waiting invitees, {} never mailed.",
            f.digest.as_secs_f64(),
            r.sent,
            r.events,
            r.failed,
            r.waiting,
            r.unmailed
        );
        println!();
    }
    Ok(())
}
