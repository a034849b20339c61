//! The matrix's world (one person per role, each with an API token and fresh
//! sessions), the operations' shape and the requests.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_store::access::NewApiToken;
use cohesion_store::audit::By;
use cohesion_store::testing::TestDb;
use cohesion_web::auth::secret;
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::support::{self, Browser, TestApp};

/// Who acts: anonymous, or one person per role, scoped to département 42, programme
/// `pvd`, the local authority of Saint-Étienne, partner P.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anonymous,
    Admin,
    ProgrammeManager,
    Delegate,
    Local,
    Partner,
}

pub const WHO: [Who; 6] = [Who::Anonymous, Who::Admin, Who::ProgrammeManager, Who::Delegate, Who::Local, Who::Partner];

/// Whether the target lies within the actor's scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    In,
    Out,
}

pub type Build = for<'a> fn(&'a World, Who, Scope) -> Pin<Box<dyn Future<Output = Req> + Send + 'a>>;

/// One operation of the matrix and its rule.
pub struct Op {
    pub method: &'static str,
    /// OpenAPI path template, or page address.
    pub path: &'static str,
    /// Whether in and out of scope differ (otherwise only "in" is tried).
    pub scoped: bool,
    pub allowed: fn(Who, Scope) -> bool,
    pub build: Build,
    /// The rule in words, for the generated document.
    pub rule: &'static str,
}

/// A concrete request.
pub struct Req {
    pub path: String,
    pub json: Option<Value>,
    /// Page forms (the CSRF field is added).
    pub form: Option<Vec<(String, String)>>,
    /// A raw body and its content type (membership lists are CSV).
    pub raw: Option<(&'static str, String)>,
    /// The version read, for writes guarded by `If-Match`.
    pub if_match: Option<String>,
    /// The page form is sent as `multipart/form-data` (file uploads: the field
    /// `fichier` is the file).
    pub multipart: bool,
}

/// The status codes are read through `Debug` in failure messages.
#[derive(Debug)]
#[allow(dead_code)]
pub enum Outcome {
    Allowed(u16),
    Denied(u16),
    Unexpected(u16, String),
}

pub struct World {
    pub app: TestApp,
    /// (who, person id, API token secret)
    people: Vec<(Who, Uuid, String)>,
    pub local_42: Organisation,
    pub local_01: Organisation,
    pub partner_p: Organisation,
    pub partner_q: Organisation,
    counter: AtomicU32,
}

fn org(kind: OrganisationKind, name: &str, territory: Option<&str>, siren: &str, siret: Option<&str>) -> Organisation {
    Organisation {
        id: Uuid::now_v7(),
        kind,
        name: name.into(),
        siren: Some(siren.into()),
        siret: siret.map(Into::into),
        territory: territory.map(|t| t.parse().expect("ref")),
        version: 1,
    }
}

pub fn by() -> By {
    By::new("test", None)
}

impl World {
    pub async fn new(db: TestDb) -> World {
        let app = TestApp::builder(db)
            .referential(support::referential_with(200))
            .auth(|config| {
                config.mailer = cohesion_web::auth::mail::Mailer::Log;
                config.max_account_failures = 1000;
                config.max_address_failures = 1000;
            })
            .start()
            .await;

        let store = &app.db.store;
        let local_42 = store
            .create_organisation(
                &org(OrganisationKind::LocalAuthority, "Saint-Étienne", Some("commune:42218"), "214202186", None),
                &by(),
            )
            .await
            .expect("org");
        let local_01 = store
            .create_organisation(
                &org(OrganisationKind::LocalAuthority, "L'Abergement", Some("commune:01001"), "210100012", None),
                &by(),
            )
            .await
            .expect("org");
        let partner_p = store
            .create_organisation(&org(OrganisationKind::Partner, "P", None, "130005481", Some("13000548100002")), &by())
            .await
            .expect("org");
        let partner_q = store
            .create_organisation(&org(OrganisationKind::Partner, "Q", None, "552081317", Some("55208131700000")), &by())
            .await
            .expect("org");
        let mut world =
            World { app, people: Vec::new(), local_42, local_01, partner_p, partner_q, counter: AtomicU32::new(0) };
        for who in WHO.into_iter().skip(1) {
            let roles = world.roles_of(who);
            let id =
                world.app.person(&format!("{who:?}@example.fr").to_lowercase(), &roles, "mot de passe du test").await;
            let secret = secret::generate().expect("random");
            let new = NewApiToken {
                person: id,
                name: "matrix".into(),
                token_hash: secret::hash(&secret),
                roles,
                expires_at: None,
            };
            world.app.db.store.create_api_token(&new, &by()).await.expect("token");
            world.people.push((who, id, secret));
        }
        for code in ["pvd", "acv"] {
            let body =
                serde_json::json!({"code": code, "acronym": code.to_uppercase(), "name": format!("Programme {code}")});
            let status = world.admin_call(reqwest::Method::POST, "/api/v1/programmes", body).await.0;
            assert_eq!(status, 201, "programme {code}");
        }
        world.app.state.refresh().await.expect("refresh");
        world
    }

    pub fn token_of_admin(&self) -> &str {
        self.token_of(Who::Admin).expect("admin")
    }

    /// An API call as `who` (to prepare a target), returning the status and body.
    pub async fn call_as(&self, who: Who, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        let token = self.token_of(who).expect("a person");
        let r = Browser::new().client.request(method, self.app.url(path)).bearer_auth(token).json(&body).send();
        let r = r.await.expect("request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }

    /// An API call as the admin (to prepare a target), returning the status and body.
    pub async fn admin_call(&self, method: reqwest::Method, path: &str, body: Value) -> (u16, Value) {
        self.call_as(Who::Admin, method, path, body).await
    }

    pub fn roles_of(&self, who: Who) -> Vec<Role> {
        match who {
            Who::Anonymous => Vec::new(),
            Who::Admin => vec![Role::Admin],
            Who::ProgrammeManager => vec![Role::ProgrammeManager { programme: "pvd".into() }],
            Who::Delegate => vec![Role::Delegate { departement: "42".into() }],
            Who::Local => vec![self.local_role(&self.local_42)],
            Who::Partner => vec![Role::Partner { organisation: self.partner_p.id }],
        }
    }

    pub fn local_role(&self, org: &Organisation) -> Role {
        Role::Local { organisation: org.id, territory: org.territory.clone().expect("territory") }
    }

    /// A number never used before in this world (fresh emails, territories…).
    pub fn fresh(&self) -> u32 {
        self.counter.fetch_add(1, Ordering::Relaxed)
    }

    pub fn person_of(&self, who: Who) -> Option<Uuid> {
        self.people.iter().find(|(w, ..)| *w == who).map(|(_, id, _)| *id)
    }

    /// `who`'s API token, if a person.
    pub fn token(&self, who: Who) -> Option<&str> {
        self.token_of(who)
    }

    /// A fresh session of `person` (its cookie's secret).
    pub async fn session_for(&self, person: Uuid) -> String {
        let id = secret::generate().expect("random");
        let csrf = secret::generate().expect("random");
        let until = OffsetDateTime::now_utc() + Duration::hours(1);
        self.app.db.store.create_session(&secret::hash(&id), person, &csrf, until).await.expect("session");
        id
    }

    fn token_of(&self, who: Who) -> Option<&str> {
        self.people.iter().find(|(w, ..)| *w == who).map(|(.., s)| s.as_str())
    }

    /// Sends the request as `who`: API calls with their bearer token, page forms with a
    /// fresh session (or, anonymous, the CSRF cookie of a first visit) and its token.
    pub async fn send(&self, op: &Op, who: Who, req: &Req) -> Outcome {
        let url = self.app.url(&req.path);
        let mut browser = Browser::new();
        let response = if let Some(form) = &req.form {
            let csrf = match self.person_of(who) {
                Some(person) => {
                    let id = secret::generate().expect("random");
                    let csrf = secret::generate().expect("random");
                    let until = OffsetDateTime::now_utc() + Duration::hours(1);
                    self.app.db.store.create_session(&secret::hash(&id), person, &csrf, until).await.expect("session");
                    browser.cookies.push(("cohesion_session".into(), id));
                    csrf
                }
                None => {
                    let (_, _, html) = browser.get(&self.app.url("/connexion")).await;
                    support::csrf_of(&html)
                }
            };
            let mut fields = vec![("csrf".to_owned(), csrf)];
            fields.extend(form.iter().cloned());
            let post = browser.client.post(&url).header("cookie", browser.cookie_header());
            if req.multipart {
                let (content_type, body) = support::multipart(&fields);
                post.header("content-type", content_type).body(body).send().await
            } else {
                post.form(&fields).send().await
            }
        } else {
            let mut r = browser.client.request(op.method.parse().expect("method"), &url);
            if let Some(token) = self.token_of(who) {
                r = r.bearer_auth(token);
            }
            if let Some(json) = &req.json {
                r = r.json(json);
            }
            if let Some(version) = &req.if_match {
                r = r.header("if-match", format!("\"{version}\""));
            }
            if let Some((content_type, body)) = &req.raw {
                r = r.header("content-type", *content_type).body(body.clone());
            }
            r.send().await
        };
        let response = response.expect("request");
        let status = response.status().as_u16();
        let location = response.headers().get("location").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        match status {
            401 | 403 => Outcome::Denied(status),
            303 if location == "/connexion" => Outcome::Denied(status),
            200..=399 => Outcome::Allowed(status),
            _ => Outcome::Unexpected(status, response.text().await.unwrap_or_default()),
        }
    }

    pub async fn cleanup(self) {
        self.app.db.cleanup().await;
    }
}

/// The generated document.
pub fn document(rows: &[String]) -> String {
    let mut doc = String::from(
        "# Authorisation matrix\n\n\
         Generated by `crates/web/tests/it/matrix/` (`COHESION_WRITE_ACCESS_MATRIX=1 cargo test -p cohesion-web \
         --test it matrix::` rewrites it); the test checks every cell against the running application.\n\n\
         Every operation that changes something: the API's non-GET operations and the pages' forms. ✓ allowed, \
         ✗ denied (401/403, or the sign-in page); \"in / out\" when the target is within / outside the role's scope \
         (programme `pvd`, département 42, the local authority of Saint-Étienne, partner P); one mark when the \
         operation has no scope. Roles are explained in `docs/access.md`.\n\n\
         | operation | anonymous | admin | programme_manager | delegate | local | partner | rule |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    for row in rows {
        doc.push_str(row);
        doc.push('\n');
    }
    doc
}
