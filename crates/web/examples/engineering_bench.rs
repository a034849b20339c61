//! The engineering offer under the volume of issue 13, on SQLite and on PostgreSQL in
//! one run: 20,000 requests from 2,000 local authorities spread over every
//! département, made through `app::engineering::submit` (the use case the API and the
//! pages call); 60 % accepted with a mission (`qualify`), half of those taken by a
//! provider (`work::answer`) with a milestone, 10 % declined, 10 % redirected, the
//! rest waiting. Generated for the measurement and dropped with the temporary database
//! (never shipped).
//!
//! Then, over HTTP on loopback with one keep-alive client: the dashboard
//! (`/api/v1/engineering/dashboard`, JSON and CSV) for France, each région, 40
//! départements, each need and status, a year — the warm-up round, where each filter
//! is computed once after the generation's writes, reported on its own row, and the
//! first call of each filter right after a request submitted on a second instance
//! (the catch-up of the first instance, then the figures); and the search
//! (`/api/v1/engineering/search`) for 60 queries, as an anonymous visitor and as a
//! delegate (bearer token) — p50 / p99 / max; `/livez` as the floor.
//!
//! `cargo run --release -p cohesion-web --example engineering_bench > bench/results/engineering.md`
//! (PostgreSQL: `COHESION_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, a fresh schema dropped afterwards;
//! `ENGINEERING_BENCH_BACKENDS=sqlite` to skip it).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cohesion_app::engineering::provider::{self, ProviderInput};
use cohesion_app::engineering::{QualifyInput, RequestInput};
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_core::access::person::Email;
use cohesion_core::access::{Principal, Role};
use cohesion_core::engineering::Need;
use cohesion_core::territory::{Referential, Territory, TerritoryKind, TerritoryRef, compact};
use cohesion_store::access::{NewApiToken, NewPerson};
use cohesion_store::audit::By;
use cohesion_store::testing::TestDb;
use cohesion_web::AppState;
use uuid::Uuid;

type Error = Box<dyn std::error::Error>;

const REQUESTS: usize = 20_000;
const AUTHORITIES: usize = 2_000;

const PROJECTS: [&str; 20] = [
    "Réhabilitation de la halle du marché",
    "Création d'une maison de santé pluriprofessionnelle",
    "Rénovation énergétique du groupe scolaire",
    "Aménagement d'une voie verte",
    "Revitalisation du centre-bourg",
    "Reconversion d'une friche industrielle",
    "Création d'un tiers-lieu numérique",
    "Requalification des espaces publics",
    "Construction d'une chaufferie bois",
    "Réouverture du commerce de proximité",
    "Rénovation de la salle des fêtes",
    "Plan de mobilité rurale",
    "Restauration de l'église classée",
    "Logements pour les saisonniers",
    "Désimperméabilisation des cours d'école",
    "Extension de la médiathèque",
    "Sécurisation de la traversée du bourg",
    "Installation de panneaux photovoltaïques",
    "Création d'une cantine bio",
    "Aménagement des berges de la rivière",
];

const CONTEXTS: [&str; 8] = [
    "La toiture fuit depuis l'hiver et le bâtiment est fermé au public.",
    "Les élus souhaitent un diagnostic avant de lancer un concours d'architecture.",
    "Le plan de financement reste à construire avec la région et le département.",
    "Une étude de programmation a été faite en 2019 mais elle est à actualiser.",
    "Les habitants ont exprimé leurs attentes lors d'une réunion publique.",
    "La commune n'a pas de service technique et cherche une assistance à maîtrise d'ouvrage.",
    "Le projet s'inscrit dans le contrat de relance et de transition écologique.",
    "Les commerçants riverains craignent la durée des travaux.",
];

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

async fn time_all(
    client: &reqwest::Client,
    base: &str,
    paths: &[String],
    token: Option<&str>,
    rounds: usize,
) -> Result<(Vec<Duration>, Vec<Duration>), Error> {
    let (mut first, mut times) = (Vec::new(), Vec::new());
    for round in 0..=rounds {
        for p in paths {
            let mut req = client.get(format!("{base}{p}"));
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            let t = Instant::now();
            let r = req.send().await?;
            let status = r.status();
            let _ = r.bytes().await?;
            let d = t.elapsed();
            if !status.is_success() {
                return Err(format!("{p}: {status}").into());
            }
            if round > 0 {
                times.push(d);
            } else {
                first.push(d);
            }
        }
    }
    times.sort();
    first.sort();
    Ok((first, times))
}

struct Figures {
    backend: &'static str,
    generation: Duration,
    statuses: Vec<(String, usize)>,
    missions: usize,
    index_build: Duration,
    rows: Vec<String>,
    sample_hits: Vec<(String, u64)>,
}

async fn person(store: &cohesion_store::Store, email: &str, roles: &[Role], by: &By) -> Result<Uuid, Error> {
    let new = NewPerson { email: Email::parse(email)?, given_name: "Camille".into(), usual_name: email.into() };
    Ok(store.create_person(&new, roles, by).await?.id)
}

async fn run(db: TestDb, referential: &Referential) -> Result<Figures, Error> {
    let backend = db.backend();
    let store = db.store.clone();
    let by = By::new("bench", None);
    let started = Instant::now();
    store.replace_referential(referential, "bench").await?;
    let state = AppState::new(cohesion_app::App::load(store.clone()).await?)?;

    // 2,000 communes spread over every département, one authority and one person each.
    let communes: Vec<&Territory> = {
        let all: Vec<&Territory> = referential
            .all()
            .iter()
            .filter(|t| t.kind == TerritoryKind::Commune && t.siren.is_some() && t.parents.departement.is_some())
            .collect();
        let step = (all.len() / AUTHORITIES).max(1);
        all.into_iter().step_by(step).take(AUTHORITIES).collect()
    };
    let mut authorities = Vec::new();
    for t in &communes {
        let territory = TerritoryRef { kind: TerritoryKind::Commune, code: t.code.clone() };
        let org = Organisation {
            id: Uuid::now_v7(),
            kind: OrganisationKind::LocalAuthority,
            name: format!("Commune de {}", t.name),
            siren: t.siren.clone(),
            siret: None,
            territory: Some(territory.clone()),
            version: 1,
        };
        let org = store.create_organisation(&org, &by).await?;
        let role = Role::Local { organisation: org.id, territory };
        let id = person(&store, &format!("mairie{}@exemple.fr", t.code), std::slice::from_ref(&role), &by).await?;
        authorities.push((Principal { person: id, roles: vec![role] }, t.name.clone()));
    }
    let mut delegates: HashMap<String, Principal> = HashMap::new();
    for t in &communes {
        let Some(d) = t.parents.departement.clone() else { continue };
        if delegates.contains_key(&d) {
            continue;
        }
        let role = Role::Delegate { departement: d.clone() };
        let id = person(&store, &format!("delegue.{d}@anct.gouv.fr"), std::slice::from_ref(&role), &by).await?;
        delegates.insert(d, Principal { person: id, roles: vec![role] });
    }
    let admin_id = person(&store, "admin@anct.gouv.fr", &[Role::Admin], &by).await?;
    let admin = Principal { person: admin_id, roles: vec![Role::Admin] };

    // 40 providers, each with its organisation and one advisor.
    let kinds = ["cerema", "ademe", "banque_des_territoires", "caue", "agence_urbanisme", "private_firm"];
    let mut providers = Vec::new();
    for i in 0..40 {
        let org = Organisation {
            id: Uuid::now_v7(),
            kind: OrganisationKind::Partner,
            name: format!("Prestataire {i}"),
            siren: None,
            siret: None,
            territory: None,
            version: 1,
        };
        let org = store.create_organisation(&org, &by).await?;
        let role = Role::Partner { organisation: org.id };
        let id = person(&store, &format!("conseil@prestataire{i}.fr"), std::slice::from_ref(&role), &by).await?;
        let input = ProviderInput {
            name: format!(
                "{} {i}",
                ["Cerema", "ADEME", "Banque des Territoires", "CAUE", "Agence d'urbanisme", "Bureau d'études"][i % 6]
            ),
            kind: kinds[i % kinds.len()].into(),
            siren: None,
            organisation: Some(org.id),
            competences: Need::ALL.iter().skip(i % 3).step_by(2).map(|n| n.as_str().to_owned()).collect(),
            departements: Vec::new(),
            capacity: 1_000,
            active: true,
        };
        let p = provider::create(&state, &admin, input).await?;
        providers.push((p.id, Principal { person: id, roles: vec![role] }));
    }

    // 20,000 requests; 60 % accepted (half of them taken), 10 % declined, 10 % redirected.
    let mut missions = 0;
    for i in 0..REQUESTS {
        let (who, name) = &authorities[i % authorities.len()];
        let mut needs: Vec<String> = vec![Need::ALL[i % Need::ALL.len()].as_str().into()];
        let second = Need::ALL[(i / 7) % Need::ALL.len()].as_str();
        if needs[0] != second {
            needs.push(second.into());
        }
        let input = RequestInput {
            project_title: Some(format!("{} — {name}", PROJECTS[i % PROJECTS.len()])),
            needs,
            context: CONTEXTS[(i / 3) % CONTEXTS.len()].into(),
            needs_detail: format!("Demande n° {i}"),
            ..RequestInput::default()
        };
        let case = cohesion_app::engineering::submit(&state, who, input).await?;
        let Some(delegate) = delegates.get(&case.request.departement) else { continue };
        let id = case.request.id.clone();
        let outcome = match i % 10 {
            0..=5 => {
                let (pid, _) = &providers[i % providers.len()];
                Some(QualifyInput::Accept { providers: vec![pid.clone()] })
            }
            6 => Some(QualifyInput::Decline { reason: "Hors du champ de l'offre".into() }),
            7 => Some(QualifyInput::Redirect {
                to: "funding_scheme".into(),
                target: "Fonds vert".into(),
                reason: "Relève d'un financement".into(),
            }),
            _ => None,
        };
        let Some(outcome) = outcome else { continue };
        let accepted = matches!(outcome, QualifyInput::Accept { .. });
        cohesion_app::engineering::qualify(&state, delegate, &id, None, outcome).await?;
        if accepted {
            missions += 1;
            if i % 2 == 0 {
                let (pid, advisor) = &providers[i % providers.len()];
                cohesion_app::engineering::work::answer(&state, advisor, &id, None, pid, true, "").await?;
            }
        }
    }
    let generation = started.elapsed();
    let mut statuses: HashMap<String, usize> = HashMap::new();
    let seen = cohesion_app::engineering::read::list(&state, Some(&admin), &Default::default()).await?;
    for l in &seen {
        let s = match l {
            cohesion_app::engineering::read::Listed::Full { request, .. } => request.status.as_str().to_owned(),
            cohesion_app::engineering::read::Listed::Public(p) => p.status.clone(),
        };
        *statuses.entry(s).or_default() += 1;
    }
    let mut statuses: Vec<_> = statuses.into_iter().collect();
    statuses.sort();
    // The search index as a restart builds it, from the store.
    let t = Instant::now();
    let restarted = cohesion_app::App::load(store.clone()).await?;
    let index_build = t.elapsed();
    drop(restarted);

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let app = cohesion_web::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, app).await });
    let client = reqwest::Client::new();

    // A delegate's token (the search as the State sees its département).
    let (dep, delegate) = delegates.iter().min_by_key(|(d, _)| (*d).clone()).ok_or("no delegate")?;
    let secret = cohesion_web::auth::secret::generate()?;
    let token = NewApiToken {
        person: delegate.person,
        name: "bench".into(),
        token_hash: cohesion_web::auth::secret::hash(&secret),
        roles: delegate.roles.clone(),
        expires_at: None,
    };
    store.create_api_token(&token, &by).await?;

    let mut dashboards =
        vec!["/api/v1/engineering/dashboard".to_owned(), "/api/v1/engineering/dashboard?year=2026".to_owned()];
    let mut regions: Vec<String> =
        referential.all().iter().filter(|t| t.kind == TerritoryKind::Region).map(|t| t.code.clone()).collect();
    regions.sort();
    dashboards.extend(regions.iter().map(|r| format!("/api/v1/engineering/dashboard?region={r}")));
    let mut deps: Vec<&String> = delegates.keys().collect();
    deps.sort();
    let step = (deps.len() / 40).max(1);
    dashboards.extend(deps.iter().step_by(step).map(|d| format!("/api/v1/engineering/dashboard?departement={d}")));
    dashboards.extend(Need::ALL.iter().map(|n| format!("/api/v1/engineering/dashboard?need={}", n.as_str())));
    dashboards.extend(
        ["submitted", "accepted", "declined", "redirected"]
            .iter()
            .map(|s| format!("/api/v1/engineering/dashboard?status={s}")),
    );
    let csvs: Vec<String> = dashboards.iter().map(|p| p.replacen("/dashboard", "/dashboard.csv", 1)).collect();

    let mut queries: Vec<String> = PROJECTS
        .iter()
        .flat_map(|p| {
            let words: Vec<&str> = p.split_whitespace().filter(|w| w.chars().count() > 3).collect();
            [words.first().map(|w| (*w).to_owned()), (words.len() > 1).then(|| format!("{} {}", words[0], words[1]))]
        })
        .flatten()
        .collect();
    queries.extend(
        ["toiture", "diagnostic concours", "commerçants riverains", "halles", "rénover école", "cerema", "fonds vert"]
            .map(String::from),
    );
    queries.extend(authorities.iter().step_by(100).map(|(_, name)| name.clone()));
    let search: Vec<String> = queries.iter().map(|q| format!("/api/v1/engineering/search?q={}", encode(q))).collect();
    let livez = vec!["/livez".to_owned(); 200];

    let mut sample_hits = Vec::new();
    for q in ["halle", "toiture", "cerema"] {
        let v: serde_json::Value =
            client.get(format!("{base}/api/v1/engineering/search?q={}", encode(q))).send().await?.json().await?;
        sample_hits.push((format!("{q} (anonymous)"), v["total"].as_u64().unwrap_or(0)));
        let v: serde_json::Value = client
            .get(format!("{base}/api/v1/engineering/search?q={}", encode(q)))
            .bearer_auth(&secret)
            .send()
            .await?
            .json()
            .await?;
        sample_hits.push((format!("{q} (delegate of {dep})"), v["total"].as_u64().unwrap_or(0)));
    }

    let mut rows = Vec::new();
    for (name, paths, token, rounds) in [
        ("dashboard JSON (France, régions, 40 départements, needs, statuses, a year)", &dashboards, None, 5),
        ("dashboard CSV (the same filters)", &csvs, None, 5),
        ("search, anonymous", &search, None, 5),
        ("search, a delegate (bearer token)", &search, Some(secret.as_str()), 5),
        ("`/livez` (floor: same server and client)", &livez, None, 2),
    ] {
        let (first, t) = time_all(&client, &base, paths, token, rounds).await?;
        if paths == &dashboards {
            // The warm-up round: each filter computed once after the generation's
            // writes (the dashboards are kept until the data change).
            rows.push(format!(
                "| dashboard JSON, first request of each filter after a write (computed) | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
                first.len(),
                first.len(),
                ms(pct(&first, 0.5)),
                ms(pct(&first, 0.99)),
                first.last().map_or(0.0, |d| ms(*d))
            ));
        }
        rows.push(format!(
            "| {name} | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            paths.iter().collect::<std::collections::HashSet<_>>().len(),
            t.len(),
            ms(pct(&t, 0.5)),
            ms(pct(&t, 0.99)),
            t.last().map_or(0.0, |d| ms(*d))
        ));
    }
    // The first call of each filter right after a write of another instance: a new
    // request submitted through a second `App` on the same database, then the
    // dashboard asked of the first, which catches up (reads the case stamped since)
    // and computes the filter from the cases it holds.
    let other = cohesion_app::App::load(store.clone()).await?;
    let mut after_write = Vec::new();
    for (i, p) in dashboards.iter().enumerate() {
        let (who, name) = &authorities[(i * 37) % authorities.len()];
        let input = RequestInput {
            project_title: Some(format!("{} — {name}", PROJECTS[i % PROJECTS.len()])),
            needs: vec![Need::ALL[i % Need::ALL.len()].as_str().into()],
            context: CONTEXTS[i % CONTEXTS.len()].into(),
            ..RequestInput::default()
        };
        cohesion_app::engineering::submit(&other, who, input).await?;
        let t = Instant::now();
        let r = client.get(format!("{base}{p}")).send().await?;
        let status = r.status();
        let _ = r.bytes().await?;
        after_write.push(t.elapsed());
        if !status.is_success() {
            return Err(format!("{p}: {status}").into());
        }
    }
    after_write.sort();
    rows.push(format!(
        "| dashboard JSON, first request of each filter after a new request submitted on another instance (catch-up, then computed) | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
        after_write.len(),
        after_write.len(),
        ms(pct(&after_write, 0.5)),
        ms(pct(&after_write, 0.99)),
        after_write.last().map_or(0.0, |d| ms(*d))
    ));
    let figures = Figures { backend, generation, statuses, missions, index_build, rows, sample_hits };
    db.cleanup().await;
    Ok(figures)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let referential = compact::read("territories.tsv", compact::SHIPPED)?;
    let backends = std::env::var("ENGINEERING_BENCH_BACKENDS").unwrap_or_else(|_| "sqlite,postgres".into());
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
        all.push(run(db, &referential).await?);
    }
    for f in &all {
        println!("## {}", f.backend);
        println!();
        let statuses: Vec<String> = f.statuses.iter().map(|(s, n)| format!("{n} {s}")).collect();
        println!(
            "Generated in {:.0} s through the use cases: {} requests ({}), {} missions. `App::load` on that database (what a restart does: snapshot, project catalog, pacts, and the engineering search index read from the store): {:.2} s.",
            f.generation.as_secs_f64(),
            f.statuses.iter().map(|(_, n)| n).sum::<usize>(),
            statuses.join(", "),
            f.missions,
            f.index_build.as_secs_f64()
        );
        println!();
        println!("| request | distinct | timed | p50 | p99 | max |");
        println!("|---|---:|---:|---:|---:|---:|");
        for r in &f.rows {
            println!("{r}");
        }
        println!();
        let hits: Vec<String> = f.sample_hits.iter().map(|(q, n)| format!("{q}: {n}")).collect();
        println!("Hits: {}.", hits.join(" ; "));
        println!();
    }
    Ok(())
}
