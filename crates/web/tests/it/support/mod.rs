//! What the web tests share: [`TestApp`], the real app on a random port over a fresh
//! database (with its referential, its mail going to a local SMTP sink), and
//! [`Browser`], a cookie-keeping client.

pub mod engineering;
pub mod smtp;

use std::net::SocketAddr;

use cohesion_core::access::Role;
use cohesion_core::access::person::Email;
use cohesion_core::territory::{Parents, Referential, Territory, TerritoryKind, compact};
use cohesion_store::Store;
use cohesion_store::access::NewPerson;
use cohesion_store::audit::By;
use cohesion_store::testing::{TestDb, postgres_or_skip};
use cohesion_web::AppState;
use cohesion_web::auth::mail::Mailer;
use cohesion_web::auth::{AuthConfig, password};
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use uuid::Uuid;

/// A valid SIREN (Luhn) made from eight digits.
pub fn siren(base: u32) -> String {
    let base = format!("{:08}", base % 100_000_000);
    (0..10u8).map(|d| format!("{base}{d}")).find(|s| cohesion_core::territory::is_valid_siren(s)).unwrap_or_default()
}

/// [`referential`] plus `extra` made-up communes in each of départements 42 and 01
/// (`42500`…, `01500`…), for tests that need many distinct territories.
pub fn referential_with(extra: u32) -> Referential {
    let mut all = referential().all().to_vec();
    for dep in ["42", "01"] {
        for i in 0..extra {
            let code = format!("{dep}{:03}", 500 + i);
            let mut t = Territory::new(TerritoryKind::Commune, code.clone(), format!("Commune {code}"));
            t.parents = Parents { departement: Some(dep.into()), region: Some("84".into()), ..Parents::default() };
            t.siren = Some(siren(21_000_000 + code.parse::<u32>().unwrap_or(0) * 10));
            all.push(t);
        }
    }
    Referential::new("test", all).expect("consistent")
}

/// Région 84, départements 42 and 01, Saint-Étienne (42218) and its EPCI, a commune of 01.
pub fn referential() -> Referential {
    let com = |code: &str, name: &str, dep: &str, epci: &str, siren: &str| {
        let mut t = Territory::new(TerritoryKind::Commune, code, name);
        t.parents = Parents {
            epci: Some(epci.into()),
            departement: Some(dep.into()),
            region: Some("84".into()),
            ..Parents::default()
        };
        t.siren = Some(siren.into());
        t
    };
    let dep = |code: &str, name: &str| {
        let mut t = Territory::new(TerritoryKind::Departement, code, name);
        t.parents.region = Some("84".into());
        t
    };
    let mut epci = Territory::new(TerritoryKind::Epci, "244200770", "Saint-Étienne Métropole");
    epci.parents = Parents { departement: Some("42".into()), region: Some("84".into()), ..Parents::default() };
    epci.departements = vec!["42".into()];
    epci.siren = Some("244200770".into());
    let mut epci01 = Territory::new(TerritoryKind::Epci, "200069193", "CC de la Dombes");
    epci01.parents = Parents { departement: Some("01".into()), region: Some("84".into()), ..Parents::default() };
    epci01.departements = vec!["01".into()];
    epci01.siren = Some("200069193".into());
    Referential::new(
        "test",
        vec![
            Territory::new(TerritoryKind::Region, "84", "Auvergne-Rhône-Alpes"),
            dep("42", "Loire"),
            dep("01", "Ain"),
            epci,
            epci01,
            com("42218", "Saint-Étienne", "42", "244200770", "214202186"),
            com("01001", "L'Abergement-Clémenciat", "01", "200069193", "210100012"),
        ],
    )
    .expect("consistent")
}

/// The whole shipped referential (COG 2026).
pub fn shipped() -> Referential {
    compact::read("territories.tsv", compact::SHIPPED).expect("valid shipped referential")
}

/// The real app on a random port, its database, the SMTP sink its mail goes to, and a
/// plain HTTP client (following redirects; [`Browser`] does not).
pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db: TestDb,
    pub mail: smtp::Sink,
    pub client: reqwest::Client,
}

/// How a [`TestApp`] starts: [`referential`] unless told otherwise, `public_url`
/// `http://<addr>` unless [`Builder::https`] (then cookies are Secure and HSTS is sent).
pub struct Builder {
    db: TestDb,
    /// Written on [`Builder::store`] or [`Builder::start`], whichever comes first.
    referential: Option<Referential>,
    https: bool,
    configure: Option<fn(&mut AuthConfig)>,
}

impl Builder {
    /// This referential instead of the small one.
    pub fn referential(mut self, referential: Referential) -> Builder {
        self.referential = Some(referential);
        self
    }

    /// The whole shipped referential.
    pub fn shipped(self) -> Builder {
        self.referential(shipped())
    }

    pub fn https(mut self) -> Builder {
        self.https = true;
        self
    }

    /// Changes the access settings (after the public URL and the mailer are set).
    pub fn auth(mut self, configure: fn(&mut AuthConfig)) -> Builder {
        self.configure = Some(configure);
        self
    }

    /// The store, with the referential written: what a test writes here before
    /// [`Builder::start`] is in the app's first snapshot.
    pub async fn store(&mut self) -> &Store {
        if let Some(referential) = self.referential.take() {
            self.db.store.replace_referential(&referential, "test").await.expect("seed");
        }
        &self.db.store
    }

    pub async fn start(mut self) -> TestApp {
        self.store().await;
        let mail = smtp::Sink::start().await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let scheme = if self.https { "https" } else { "http" };
        let mut config = AuthConfig::new(format!("{scheme}://{addr}"));
        config.mailer =
            Mailer::smtp(&format!("smtp://{}", mail.addr), "Cohésion <cohesion@example.fr>").expect("mailer");
        if let Some(configure) = self.configure {
            configure(&mut config);
        }
        let app = cohesion_app::App::load(self.db.store.clone()).await.expect("app");
        let state = AppState::new(app).expect("state").with_auth(config);
        let app = cohesion_web::app(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, app).await });
        TestApp { addr, state, db: self.db, mail, client: reqwest::Client::new() }
    }
}

impl TestApp {
    /// Runs the evaluation worker until job `id` is done or failed (30 s at most),
    /// then stops it; the job as stored.
    pub async fn run_evaluation(&self, id: &str) -> cohesion_store::evaluation::EvaluationJob {
        let worker = cohesion_app::evaluation::spawn(self.state.app.clone(), std::time::Duration::from_millis(50));
        let mut ended = None;
        for _ in 0..600 {
            if let Some(j) = self.db.store.evaluation(id).await.expect("job")
                && matches!(j.status.as_str(), "done" | "failed")
            {
                ended = Some(j);
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        worker.abort();
        ended.expect("the job ended")
    }

    /// The app over `db`, to be started.
    pub fn builder(db: TestDb) -> Builder {
        Builder { db, referential: Some(referential()), https: false, configure: None }
    }

    /// The app over a fresh SQLite database, to be started.
    pub async fn sqlite() -> Builder {
        TestApp::builder(TestDb::sqlite().await.expect("db"))
    }

    /// The app over a fresh PostgreSQL schema, to be started; `None` (the test is
    /// skipped) when PostgreSQL is not configured ([`postgres_or_skip`]).
    pub async fn postgres() -> Option<Builder> {
        postgres_or_skip().await.map(TestApp::builder)
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A person with these roles, and an API token (without expiry) carrying them:
    /// its secret.
    pub async fn token(&self, email: &str, roles: Vec<Role>) -> String {
        let person = self.person(email, &roles, "correct horse battery staple").await;
        let secret = cohesion_web::auth::secret::generate().expect("random");
        let t = cohesion_store::access::NewApiToken {
            person,
            name: "t".into(),
            token_hash: cohesion_web::auth::secret::hash(&secret),
            roles,
            expires_at: None,
        };
        self.db.store.create_api_token(&t, &By::new("test", None)).await.expect("token");
        secret
    }

    /// A person with these roles and this password, created directly in the store.
    pub async fn person(&self, email: &str, roles: &[Role], pass: &str) -> Uuid {
        let new = NewPerson {
            email: Email::parse(email).expect("email"),
            given_name: "Prénom".into(),
            usual_name: email.into(),
        };
        let by = By::new("test", None);
        let p = self.db.store.create_person(&new, roles, &by).await.expect("person");
        self.db.store.set_password(p.id, &password::hash(pass).expect("hash"), &by).await.expect("password");
        p.id
    }
}

/// A browser-like client: keeps cookies, does not follow redirects.
pub struct Browser {
    pub client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
}

impl Browser {
    pub fn new() -> Browser {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        Browser { client, cookies: Vec::new() }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    pub fn keep(&mut self, headers: &HeaderMap) {
        for v in headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let Some((name, value)) = v.split(';').next().and_then(|kv| kv.split_once('=')) else { continue };
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    /// GET; returns status, headers, body.
    pub async fn get(&mut self, url: &str) -> (u16, HeaderMap, String) {
        let res = self.client.get(url).header(COOKIE, self.cookie_header()).send().await.expect("get");
        self.keep(res.headers());
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.text().await.unwrap_or_default())
    }

    /// POST a form.
    pub async fn post(&mut self, url: &str, form: &[(&str, &str)]) -> (u16, HeaderMap, String) {
        let res = self.client.post(url).header(COOKIE, self.cookie_header()).form(form).send().await.expect("post");
        self.keep(res.headers());
        let (status, headers) = (res.status().as_u16(), res.headers().clone());
        (status, headers, res.text().await.unwrap_or_default())
    }

    /// Signs in through the page (CSRF token read from the form); returns the status.
    pub async fn sign_in(&mut self, app: &TestApp, email: &str, pass: &str) -> u16 {
        let (_, _, html) = self.get(&app.url("/connexion")).await;
        let csrf = csrf_of(&html);
        self.post(&app.url("/connexion"), &[("csrf", &csrf), ("email", email), ("password", pass)]).await.0
    }
}

/// The value of the first `name="csrf"` hidden field of a page.
pub fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").map(|i| i + "name=\"csrf\" value=\"".len()).unwrap_or(0);
    html[at..].split('"').next().unwrap_or("").to_owned()
}

/// A `multipart/form-data` body of these fields (the field `fichier` sent as a file
/// named `liste.csv`): its content type and bytes.
pub fn multipart(fields: &[(String, String)]) -> (String, Vec<u8>) {
    let boundary = "----cohesion-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        let file = if name == "fichier" { "; filename=\"liste.csv\"\r\nContent-Type: text/csv" } else { "" };
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"{file}\r\n\r\n").bytes());
        body.extend(value.bytes());
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}
