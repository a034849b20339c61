//! What page handlers know about the visitor: credentials, the CSRF token their
//! forms must return, the request id and client address (audit, throttling).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use cohesion_app::access::By;

use super::{PageError, PagesConfig};
use crate::AppState;
use crate::auth::{self, Authenticated, Via, secret};

/// The visitor of a page request.
pub struct Who {
    pub auth: Option<Arc<Authenticated>>,
    /// The token forms must carry: the session's, or the anonymous CSRF cookie's.
    expected_csrf: Option<String>,
    pub request_id: Option<String>,
    pub address: String,
    pub config: Arc<PagesConfig>,
}

impl FromRequestParts<AppState> for Who {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let config = parts.extensions.get::<Arc<PagesConfig>>().cloned().unwrap_or_default();
        let auth = auth::credentials(parts).map_err(|e| PageError::internal(&config, e))?;
        let expected_csrf = match auth.as_deref().map(|a| &a.via) {
            Some(Via::Session { csrf, .. }) => Some(csrf.clone()),
            _ => auth::cookie(&parts.headers, state.auth.csrf_cookie()).map(str::to_owned),
        };
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |ConnectInfo(a)| a.ip().to_string());
        Ok(Who { auth, expected_csrf, request_id: auth::request_id(parts), address, config })
    }
}

impl Who {
    /// The form's CSRF token matches, or the 403 page.
    pub fn check_csrf(&self, sent: &str) -> Result<(), PageError> {
        match &self.expected_csrf {
            Some(expected) if !sent.is_empty() && secret::same(sent, expected) => Ok(()),
            _ => {
                tracing::warn!(request_id = ?self.request_id, "form refused: missing or wrong CSRF token");
                Err(PageError::forbidden(&self.config))
            }
        }
    }

    /// The audit's view of this request.
    pub fn by(&self) -> By {
        By::new(auth::actor_label(self.auth.as_ref().map(|a| &a.principal)), self.request_id.clone())
    }

    /// The signed-in person (by session), or a redirection to the sign-in page.
    pub fn signed_in(&self) -> Result<&Arc<Authenticated>, Redirect> {
        match &self.auth {
            Some(a) if matches!(a.via, Via::Session { .. }) => Ok(a),
            _ => Err(Redirect::to("/connexion")),
        }
    }

    /// The signed-in person if `rule` allows them; otherwise the response to give
    /// instead (the sign-in page, or the 403 page).
    pub fn allowed(
        &self,
        rule: impl FnOnce(&cohesion_core::access::Principal) -> bool,
    ) -> Result<&Arc<Authenticated>, Box<Response>> {
        let me = self.signed_in().map_err(|r| Box::new(r.into_response()))?;
        if rule(&me.principal) { Ok(me) } else { Err(Box::new(PageError::forbidden(&self.config).into_response())) }
    }
}

/// A 303 to `to` setting `cookie`.
pub fn redirect_with_cookie(to: &str, cookie: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    if let Ok(v) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
