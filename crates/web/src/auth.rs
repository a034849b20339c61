//! Authentication at the edge: turns a request's credentials into a [`Principal`].
//!
//! Credentials are a session cookie (pages and API; sessions live in the database,
//! see `cohesion_app::access::session`) or `Authorization: Bearer <API token>` (API). The
//! [`authenticate`] middleware resolves them once per request and leaves the result in
//! the request's extensions; the extractors read it:
//!
//! - [`Actor`]: handlers that change something; 401 without valid credentials. A
//!   cookie-authenticated request with an unsafe method must also carry the session's
//!   CSRF token in `x-csrf-token` (403 otherwise); bearer tokens need none, since a
//!   browser never adds them on its own.
//! - [`MaybeActor`]: handlers that read published data; `None` for anonymous visitors.
//! - [`AuditContext`]: who to record in audit events, with the request id.
//!
//! Handlers then ask the use case's `can_…` rule (`cohesion_core::access::rules`)
//! whether the principal may act (403 otherwise).

pub mod config;
pub use cohesion_app::access::{password, secret};
pub use cohesion_app::mail;
pub mod proconnect;

use std::sync::Arc;

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::Response;
use cohesion_app::access::{By, session};
use cohesion_core::access::Principal;
use cohesion_core::access::person::Person;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

pub use config::AuthConfig;

/// An authenticated principal; extraction fails with 401 when there is none.
pub struct Actor(pub Principal);

/// The principal if the request carries valid credentials, `None` for anonymous visitors.
pub struct MaybeActor(pub Option<Principal>);

/// Who made the request and its id, as the audit trail records them.
pub struct AuditContext(pub By);

/// The API token the request is authenticated with, if it is one (not a session).
pub struct ByToken(pub Option<Uuid>);

/// What the credentials of a request resolved to.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub principal: Principal,
    pub person: Person,
    pub via: Via,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// A session cookie: the SHA-256 of its id, and the session's CSRF token.
    Session { id_hash: String, csrf: String },
    /// An API token.
    Token { id: Uuid },
}

/// The resolution left in the request's extensions by [`authenticate`].
#[derive(Clone)]
pub(crate) struct Credentials(Result<Option<Arc<Authenticated>>, Rejected>);

impl Credentials {
    /// No credentials: an anonymous request.
    pub(crate) fn anonymous() -> Credentials {
        Credentials(Ok(None))
    }
}

#[derive(Clone, Debug)]
enum Rejected {
    /// An API token was given but is unknown, revoked or expired.
    BadToken,
    Internal(String),
}

/// What the page layout needs about the visitor (header links, forms' CSRF field),
/// available to every page rendered within the request (a task-local, so that the
/// pages of other modules need not pass it along).
#[derive(Debug, Clone, Default)]
pub struct Visitor {
    pub name: Option<String>,
    pub admin: bool,
    /// The synchronizer token forms must send back: the session's, or for anonymous
    /// visitors the one of their CSRF cookie.
    pub csrf: String,
    /// The signed-in person's unread notifications (pages only: one indexed COUNT).
    pub unread: u64,
}

tokio::task_local! {
    static VISITOR: Visitor;
}

/// The visitor of the request being served (default outside a request).
pub fn visitor() -> Visitor {
    VISITOR.try_with(Clone::clone).unwrap_or_default()
}

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Resolves the request's credentials once, for the extractors and the layout.
pub(crate) async fn authenticate<F>(state: &AppState, mut req: Request, next: impl FnOnce(Request) -> F) -> Response
where
    F: std::future::Future<Output = Response>,
{
    let config = &state.auth;
    let resolved = resolve(state, req.headers()).await;
    let refusal = Refusal::of(&req, &resolved);
    if matches!(resolved, Err(Rejected::BadToken)) {
        // A wrong API token is refused everywhere, never taken for an anonymous visit.
        refusal.record(state, "unknown, expired or revoked API token").await;
        return axum::response::IntoResponse::into_response(ApiError::Unauthenticated);
    }
    let page = !req.uri().path().starts_with("/api/");
    let mut new_csrf_cookie = None;
    let csrf = match &resolved {
        Ok(Some(a)) => match &a.via {
            Via::Session { csrf, .. } => csrf.clone(),
            Via::Token { .. } => String::new(),
        },
        _ => match cookie(req.headers(), config.csrf_cookie()).filter(|v| v.len() == 43) {
            Some(existing) => existing.to_owned(),
            None if page => match secret::generate() {
                Ok(fresh) => {
                    new_csrf_cookie = Some(fresh.clone());
                    fresh
                }
                Err(e) => {
                    tracing::error!(error = %e, "no randomness for a CSRF token");
                    String::new()
                }
            },
            None => String::new(),
        },
    };
    let visitor = match &resolved {
        Ok(Some(a)) => {
            let unread = if page && matches!(a.via, Via::Session { .. }) {
                cohesion_app::space::notification::unread(state, a.person.id).await.unwrap_or_else(|e| {
                    tracing::warn!(error = %e, "unread notifications not counted");
                    0
                })
            } else {
                0
            };
            Visitor { name: Some(a.person.display_name()), admin: a.principal.is_admin(), csrf, unread }
        }
        _ => Visitor { name: None, admin: false, csrf, unread: 0 },
    };
    let stale_session = matches!(resolved, Ok(None)) && cookie(req.headers(), config.session_cookie()).is_some();
    req.extensions_mut().insert(Credentials(resolved));
    let mut response = VISITOR.scope(visitor, next(req)).await;
    let mut set = |value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    };
    if let Some(fresh) = new_csrf_cookie {
        set(config.cookie(config.csrf_cookie(), &fresh, None));
    }
    if stale_session {
        set(config.cookie(config.session_cookie(), "", Some(time::Duration::ZERO)));
    }
    if response.status() == axum::http::StatusCode::FORBIDDEN {
        refusal.record(state, "forbidden").await;
    }
    response
}

/// What the audit trail keeps of a refused request (issue 15): who (person, API token
/// id), from where (client address), what (method and path, without the query); never
/// a credential. Taken from every request by cheap clones (reference-counted), turned
/// into an event only when the answer is a refusal.
struct Refusal {
    found: Option<Arc<Authenticated>>,
    uri: axum::http::Uri,
    method: Method,
    request_id: Option<HeaderValue>,
    address: Option<std::net::SocketAddr>,
}

impl Refusal {
    fn of(req: &Request, resolved: &Result<Option<Arc<Authenticated>>, Rejected>) -> Refusal {
        Refusal {
            found: resolved.as_ref().ok().and_then(Option::clone),
            uri: req.uri().clone(),
            method: req.method().clone(),
            request_id: req.headers().get("x-request-id").cloned(),
            address: req
                .extensions()
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|axum::extract::ConnectInfo(a)| *a),
        }
    }

    async fn record(&self, state: &AppState, reason: &str) {
        let token = self.found.as_ref().and_then(|a| match a.via {
            Via::Token { id } => Some(id),
            Via::Session { .. } => None,
        });
        let details = serde_json::json!({
            "method": self.method.as_str(),
            "address": self.address.map(|a| a.ip().to_string()),
            "token": token,
            "reason": reason,
        });
        let request_id = self.request_id.as_ref().and_then(|v| v.to_str().ok()).map(str::to_owned);
        let by = By::new(actor_label(self.found.as_ref().map(|a| &a.principal)), request_id);
        cohesion_app::access::audit::refusal(state, &by, "request", self.uri.path(), "refused", details).await;
    }
}

async fn resolve(state: &AppState, headers: &HeaderMap) -> Result<Option<Arc<Authenticated>>, Rejected> {
    let internal = |e: cohesion_app::AppError| Rejected::Internal(e.to_string());
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    if let Some(token) = bearer {
        let Some((found, id)) = session::by_token(state, token).await.map_err(internal)? else {
            return Err(Rejected::BadToken);
        };
        let (principal, person) = (found.principal, found.person);
        return Ok(Some(Arc::new(Authenticated { principal, person, via: Via::Token { id } })));
    }
    let Some(id) = cookie(headers, state.auth.session_cookie()) else { return Ok(None) };
    let Some((found, keys)) = session::by_session(state, &state.auth, id).await.map_err(internal)? else {
        return Ok(None);
    };
    let (principal, person) = (found.principal, found.person);
    Ok(Some(Arc::new(Authenticated {
        principal,
        person,
        via: Via::Session { id_hash: keys.id_hash, csrf: keys.csrf },
    })))
}

/// The request's resolved credentials (anonymous when the middleware did not run).
pub(crate) fn credentials(parts: &Parts) -> Result<Option<Arc<Authenticated>>, ApiError> {
    match parts.extensions.get::<Credentials>() {
        None => Ok(None),
        Some(Credentials(Ok(found))) => Ok(found.clone()),
        Some(Credentials(Err(Rejected::BadToken))) => Err(ApiError::Unauthenticated),
        Some(Credentials(Err(Rejected::Internal(e)))) => Err(ApiError::Internal(e.clone())),
    }
}

/// The request id set by the request-id layer (`x-request-id`).
pub fn request_id(parts: &Parts) -> Option<String> {
    parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `person:<uuid>` for an authenticated request, `anonymous` otherwise.
pub fn actor_label(principal: Option<&Principal>) -> String {
    principal.map_or_else(|| "anonymous".to_owned(), |p| format!("person:{}", p.person))
}

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(MaybeActor(credentials(parts)?.map(|a| a.principal.clone())))
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let found = credentials(parts)?.ok_or(ApiError::Unauthenticated)?;
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if let Via::Session { csrf, .. } = &found.via
            && !safe
        {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !secret::same(sent, csrf) {
                return Err(ApiError::Forbidden(
                    "a session-authenticated write needs the session's CSRF token in the x-csrf-token header".into(),
                ));
            }
        }
        Ok(Actor(found.principal.clone()))
    }
}

impl FromRequestParts<AppState> for ByToken {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let via = credentials(parts)?.map(|a| a.via.clone());
        Ok(ByToken(match via {
            Some(Via::Token { id }) => Some(id),
            _ => None,
        }))
    }
}

impl FromRequestParts<AppState> for AuditContext {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        let found = credentials(parts)?;
        Ok(AuditContext(By::new(actor_label(found.as_ref().map(|a| &a.principal)), request_id(parts))))
    }
}
