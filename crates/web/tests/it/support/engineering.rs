//! What the engineering stories share: a JSON call with an optional bearer token, an
//! organisation made in the store, and the cast most stories start with.

use cohesion_core::access::Role;
use cohesion_core::access::organisation::{Organisation, OrganisationKind};
use cohesion_store::audit::By;
use serde_json::Value;
use uuid::Uuid;

use super::TestApp;

/// `method path` with `body` as JSON and `token` as bearer (none if empty): the status
/// and the JSON answer (`Null` if none).
pub async fn call(app: &TestApp, method: &str, path: &str, token: &str, body: Option<Value>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
    let mut req = app.client.request(method, app.url(path));
    if !token.is_empty() {
        req = req.bearer_auth(token);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// An organisation written in the store; its id.
pub async fn organisation(
    app: &TestApp,
    kind: OrganisationKind,
    name: &str,
    territory: Option<&str>,
    siren: Option<&str>,
) -> Uuid {
    let org = Organisation {
        id: Uuid::now_v7(),
        kind,
        name: name.into(),
        siren: siren.map(str::to_owned),
        siret: None,
        territory: territory.map(|t| t.parse().expect("ref")),
        version: 1,
    };
    app.db.store.create_organisation(&org, &By::new("test", None)).await.expect("organisation").id
}

/// The API tokens of an admin, of the mayor of Saint-Étienne (its organisation made
/// for commune 42218, SIREN 214202186) and of the Loire's delegate.
pub struct Cast {
    pub admin: String,
    pub local: String,
    pub delegate: String,
}

impl Cast {
    pub async fn new(app: &TestApp) -> Cast {
        let town = organisation(
            app,
            OrganisationKind::LocalAuthority,
            "Saint-Étienne",
            Some("commune:42218"),
            Some("214202186"),
        )
        .await;
        let admin = app.token("admin@example.fr", vec![Role::Admin]).await;
        let territory = "commune:42218".parse().expect("ref");
        let local = app.token("maire@example.fr", vec![Role::Local { organisation: town, territory }]).await;
        let delegate = app.token("delegue@example.fr", vec![Role::Delegate { departement: "42".into() }]).await;
        Cast { admin, local, delegate }
    }
}
