//! Who reads pacts, checked on every route that shows them (issue 17, point 3): each
//! reader × a pact of their scope or not × the pact's stage (draft, published by its
//! owner before signature, signed), against `cohesion_core::pact::{reads_whole,
//! public_part}` as `docs/access.md` states them. Then who reads evaluations and their
//! re-runs (`cohesion_core::evaluation::can_view`: everyone). The outcome is written to
//! `docs/read-matrix.md`; the test compares that file with what it generated
//! (`COHESION_WRITE_ACCESS_MATRIX=1` rewrites it).

use cohesion_store::testing::{TestDb, storage_test};
use serde_json::json;

use super::ops::{Stage, ended_evaluation, pact_at, pact_local};
use super::world::WHO;
use super::{Scope, Who, World};
use crate::support::Browser;

storage_test!(sqlite = pact_reads_match_the_rules, postgres = pact_reads_postgres, reads_on);

/// How a route shows the pact: a page of its own, or a list it is found in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shows {
    /// 200 shows it; 401, 403 or 404 hides it.
    Item,
    /// Found in the list (its id in the answer) or not.
    Listed,
}

struct Read {
    /// The route, `{id}` and `{q}` filled in for each pact.
    path: &'static str,
    shows: Shows,
    /// A page (read with a session) rather than the API (with a bearer token).
    page: bool,
    /// Only the agency and the parties' people, whatever the stage (proposals, comments).
    parties_only: bool,
}

const READS: [Read; 11] = [
    Read { path: "/api/v1/pacts/{id}", shows: Shows::Item, page: false, parties_only: false },
    Read { path: "/api/v1/pacts/{id}/versions", shows: Shows::Item, page: false, parties_only: false },
    Read { path: "/api/v1/pacts/{id}/versions/1", shows: Shows::Item, page: false, parties_only: false },
    Read { path: "/api/v1/pacts/{id}/proposals", shows: Shows::Item, page: false, parties_only: true },
    Read { path: "/api/v1/pacts/{id}/comments", shows: Shows::Item, page: false, parties_only: true },
    Read { path: "/api/v1/pacts?q={q}&limit=200", shows: Shows::Listed, page: false, parties_only: false },
    Read { path: "/api/v1/search?q={q}&limit=50", shows: Shows::Listed, page: false, parties_only: false },
    Read { path: "/pactes/{id}", shows: Shows::Item, page: true, parties_only: false },
    Read { path: "/pactes/{id}/versions/1", shows: Shows::Item, page: true, parties_only: false },
    Read { path: "/pactes?q={q}", shows: Shows::Listed, page: true, parties_only: false },
    Read { path: "/pactes/{id}/comparaison", shows: Shows::Item, page: true, parties_only: false },
];

const STAGES: [(&str, Stage, bool); 3] = [
    ("draft", Stage::Draft, false),
    ("published before signature", Stage::Draft, true),
    ("signed", Stage::Signed, false),
];

/// Reads the pact whole: the agency, and the people of a party (the State through the
/// delegate of 42, Saint-Étienne's people) for a pact of their scope.
fn whole(who: Who, scope: Scope) -> bool {
    matches!(who, Who::Admin | Who::ProgrammeManager)
        || (matches!(who, Who::Delegate | Who::Local) && scope == Scope::In)
}

fn expected(read: &Read, public: bool, who: Who, scope: Scope) -> bool {
    whole(who, scope) || (public && !read.parties_only)
}

async fn reads_on(db: TestDb) {
    let world = World::new(db).await;
    let mut failures = Vec::new();
    let mut rows = Vec::new();
    for (stage_name, stage, publish) in STAGES {
        // One pact per scope at this stage, titled so that a search finds it alone.
        let mut pacts = Vec::new();
        for scope in [Scope::In, Scope::Out] {
            let signed = stage == Stage::Signed;
            let (id, _) = pact_at(&world, scope, pact_local(scope), if signed { Stage::Ready } else { stage }).await;
            if signed {
                // Each party signs: the State (the admin) and the commune, by one of its people.
                let path = format!("/api/v1/pacts/{id}/signatures");
                let (s, body) = world.admin_call(reqwest::Method::POST, &path, json!({"party": "state"})).await;
                assert_eq!(s, 200, "state signs: {body}");
                let org = if scope == Scope::In { &world.local_42 } else { &world.local_01 };
                let email = format!("signataire{}@example.fr", world.fresh());
                let token = world.app.token(&email, vec![world.local_role(org)]).await;
                let r = Browser::new()
                    .client
                    .post(world.app.url(&path))
                    .bearer_auth(token)
                    .json(&json!({"party": pact_local(scope)}))
                    .send()
                    .await
                    .expect("sign");
                assert_eq!(r.status().as_u16(), 200, "the commune signs");
            }
            if publish {
                let path = format!("/api/v1/pacts/{id}/publication");
                let (s, body) = world.admin_call(reqwest::Method::POST, &path, json!({})).await;
                assert_eq!(s, 200, "publish: {body}");
            }
            let (_, pact) = world.admin_call(reqwest::Method::GET, &format!("/api/v1/pacts/{id}"), json!({})).await;
            let title = pact["current"]["title"].as_str().expect("title").to_owned();
            pacts.push((scope, id, title));
        }
        let public = stage == Stage::Signed || publish;
        for read in &READS {
            let mut cells = Vec::new();
            for who in WHO {
                let mut cell = Vec::new();
                for (scope, id, title) in &pacts {
                    let want = expected(read, public, who, *scope);
                    let path = read.path.replace("{id}", id).replace("{q}", &title.replace(' ', "%20"));
                    let (status, body) = get(&world, who, &path, read.page).await;
                    let seen = match read.shows {
                        Shows::Item => match status {
                            200 => true,
                            401 | 403 | 404 => false,
                            303 if read.page => false,
                            other => {
                                failures.push(format!("{path} as {who:?}: unexpected {other}"));
                                false
                            }
                        },
                        Shows::Listed => status == 200 && body.contains(id.as_str()),
                    };
                    if seen != want {
                        failures.push(format!(
                            "{} ({stage_name}) as {who:?} ({scope:?}): {} but {}",
                            read.path,
                            if want { "should see it" } else { "should not see it" },
                            if seen { "sees it" } else { "does not" }
                        ));
                    }
                    cell.push(if want { "✓" } else { "✗" });
                }
                cells.push(cell.join(" / "));
            }
            let rule = if read.parties_only {
                "the agency and the parties' people, at every stage"
            } else if public {
                "anyone"
            } else {
                "the agency and the parties' people; to anyone else it does not exist"
            };
            rows.push(format!("| `GET {}` | {stage_name} | {} | {rule} |", read.path, cells.join(" | ")));
        }
    }
    let evaluation_rows = evaluation_reads(&world, &mut failures).await;
    world.cleanup().await;
    assert!(failures.is_empty(), "{} unexpected reads:\n{}", failures.len(), failures.join("\n"));

    let mut doc = String::from(
        "# Who reads pacts and evaluations\n\n\
         Generated by `crates/web/tests/it/matrix/reads.rs` (`COHESION_WRITE_ACCESS_MATRIX=1 cargo test -p \
         cohesion-web --test it matrix::reads` rewrites it); the test checks every cell against the running \
         application. Every route that shows a pact, for a pact at each stage: ✓ the reader sees it (200, or found \
         in the list), ✗ not (401 or 403 for proposals and comments, 404 — or absent from the list — for a pact \
         that is not public). \"in / out\": a pact of Saint-Étienne (département 42: the delegate's scope, the \
         local authority a party) / of a commune of the Ain. The rules: `docs/access.md`, « Who reads a pact ».\n\n\
         | route | pact | anonymous | admin | programme_manager | delegate | local | partner | who reads |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for row in &rows {
        doc.push_str(row);
        doc.push('\n');
    }
    doc.push_str(
        "\n## Evaluations\n\n\
         Every route that shows an evaluation, for an evaluation that has ended and for a re-run of it on the data \
         as it is now (`rerun_of`): everyone reads them, anonymous included (`cohesion_core::evaluation::can_view`), \
         since they are computed from open data and published with their inputs. The last route is the \
         original's page, which lists its re-runs. Re-running one is a change: `docs/access-matrix.md`.\n\n\
         | route | evaluation | anonymous | admin | programme_manager | delegate | local | partner | who reads |\n\
         |---|---|---|---|---|---|---|---|---|\n",
    );
    for row in &evaluation_rows {
        doc.push_str(row);
        doc.push('\n');
    }
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/read-matrix.md");
    if std::env::var("COHESION_WRITE_ACCESS_MATRIX").is_ok_and(|v| v == "1") {
        std::fs::write(path, &doc).expect("write docs/read-matrix.md");
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == doc,
        "docs/read-matrix.md is out of date: run with COHESION_WRITE_ACCESS_MATRIX=1 and commit it"
    );
}

/// The routes that show an evaluation: (route, how, a page). `{original}` is the
/// evaluation a re-run re-runs (its page lists it).
const EVALUATION_READS: [(&str, Shows, bool); 4] = [
    ("/api/v1/evaluations/{id}", Shows::Item, false),
    ("/api/v1/evaluations?limit=100", Shows::Listed, false),
    ("/evaluations/{id}", Shows::Item, true),
    ("/evaluations/{original}", Shows::Listed, true),
];

/// Every reader reads an ended evaluation and its re-run, on every route.
async fn evaluation_reads(world: &World, failures: &mut Vec<String>) -> Vec<String> {
    let original = ended_evaluation(world).await;
    let (status, rerun) =
        world.admin_call(reqwest::Method::POST, &format!("/api/v1/evaluations/{original}/rerun"), json!({})).await;
    assert_eq!(status, 201, "re-run: {rerun}");
    let rerun = rerun["id"].as_str().expect("id").to_owned();
    let mut rows = Vec::new();
    for (label, id) in [("ended", &original), ("re-run", &rerun)] {
        for (route, shows, page) in EVALUATION_READS {
            if route.contains("{original}") && id == &original {
                continue;
            }
            let path = route.replace("{id}", id).replace("{original}", &original);
            let mut cells = Vec::new();
            for who in WHO {
                let (status, body) = get(world, who, &path, page).await;
                let seen = match shows {
                    Shows::Item => status == 200 && body.contains(id.as_str()),
                    Shows::Listed => status == 200 && body.contains(&format!("/evaluations/{id}")),
                };
                if !seen {
                    failures.push(format!("{route} ({label}) as {who:?}: should see it but does not ({status})"));
                }
                cells.push("✓");
            }
            rows.push(format!("| `GET {route}` | {label} | {} | anyone |", cells.join(" | ")));
        }
    }
    rows
}

/// A GET as `who`: the API with their bearer token, a page with a session of theirs.
async fn get(world: &World, who: Who, path: &str, page: bool) -> (u16, String) {
    let url = world.app.url(path);
    let mut browser = Browser::new();
    let request = if page {
        if let Some(person) = world.person_of(who) {
            browser.cookies.push(("cohesion_session".into(), world.session_for(person).await));
        }
        browser.client.get(&url).header("cookie", browser.cookie_header())
    } else {
        let r = browser.client.get(&url);
        match world.token(who) {
            Some(token) => r.bearer_auth(token),
            None => r,
        }
    };
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}
