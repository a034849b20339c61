//! The edge: what every request and response goes through, in one hand-written layer.
//!
//! In order, for a request: a request id (`x-request-id`, kept when the client sent
//! one), the input guard (`input::refuse_now` on the path and query,
//! `input::check_form` on a form body), authentication (`auth::authenticate`), the
//! check of the query's parameters against the operation's declaration
//! (`api::query::check`), the handler; for its response: problem documents for the
//! API's errors (`error::problems_only`), the security headers and the request id. A
//! panic anywhere below is a logged 500 problem document with the same headers, never a
//! dropped connection.
//!
//! Issue 16: these were eight tower layers, three `from_fn` middlewares and a
//! `from_fn` route layer. Each `from_fn` cloned the whole service below it (down to the
//! boxed route) and boxed a `Next` and a future on every request; `/livez`, which does
//! nothing, served 64 % of a bare axum endpoint. Here a request costs one clone of the
//! route and one boxed future (two for a request that needs authentication).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use tower::{Layer, Service};

use crate::AppState;
use crate::pages::PagesConfig;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the edge adds to every response and needs for every request.
pub(crate) struct EdgeConfig {
    pub state: AppState,
    pub pages: Arc<PagesConfig>,
    /// `Strict-Transport-Security`, when the public address is https.
    pub hsts: Option<HeaderValue>,
    pub csp: Option<HeaderValue>,
    pub ids: RequestIds,
    /// The query parameters each API operation declares (`api::query`).
    pub declared: crate::api::query::Declared,
}

/// The layer (see the module's documentation).
#[derive(Clone)]
pub(crate) struct EdgeLayer(pub Arc<EdgeConfig>);

impl<S> Layer<S> for EdgeLayer {
    type Service = Edge<S>;

    fn layer(&self, inner: S) -> Edge<S> {
        Edge { inner, config: self.0.clone() }
    }
}

#[derive(Clone)]
pub(crate) struct Edge<S> {
    inner: S,
    config: Arc<EdgeConfig>,
}

impl<S> Service<Request> for Edge<S>
where
    S: Service<Request, Response = Response, Error = std::convert::Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = std::convert::Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, std::convert::Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request) -> Self::Future {
        // The clone is the one made ready; `self` keeps a fresh one (tower's convention).
        let fresh = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, fresh);
        let config = self.config.clone();
        Box::pin(async move { Ok(edge(config, inner, req).await) })
    }
}

async fn edge<S>(config: Arc<EdgeConfig>, mut inner: S, mut req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = std::convert::Infallible> + Send,
    S::Future: Send,
{
    let id = match req.headers().get(&REQUEST_ID) {
        Some(given) => given.clone(),
        None => {
            let fresh = config.ids.next();
            req.headers_mut().insert(REQUEST_ID.clone(), fresh.clone());
            fresh
        }
    };
    let response = match input::refuse_now(&config.pages, &req) {
        Some(refused) => refused,
        // Health probes and static files answer no one in particular: no identity, no
        // form, no problem document (not under /api/); the handler's future alone.
        None if is_anonymous(req.uri().path()) && !input::has_form(&req) => {
            let c = &config;
            req.extensions_mut().insert(auth::Credentials::anonymous());
            caught(std::pin::pin!(async move { answer(&c.declared, &mut inner, req).await }), &id).await
        }
        // The rest goes through the whole edge, boxed apart so that the light path's
        // future stays small (moving a large one cost /livez 5 % of its time).
        None => {
            let c = &config;
            let handled = error::problems_only(req, |req| async move {
                let req = match input::has_form(&req) {
                    true => match input::check_form(&c.pages, req).await {
                        Ok(req) => req,
                        Err(refused) => return refused,
                    },
                    false => req,
                };
                auth::authenticate(&c.state, req, |req| async move { answer(&c.declared, &mut inner, req).await }).await
            });
            caught(Box::pin(handled), &id).await
        }
    };
    secure(response, id, &config)
}

/// Paths that need no identity: the static files (their requests carry the session
/// cookie too: resolving it would cost the database a look-up per asset) and the
/// health probes (a fresh CSRF secret and a Set-Cookie on every probe cost `/livez` a
/// third of its speed).
fn is_anonymous(path: &str) -> bool {
    path.starts_with("/static/") || path == "/favicon.ico" || path == "/livez" || path == "/health"
}

/// The handler's response, once the query's parameters are checked against what the
/// operation declares (the edge wraps each route: the matched path is known here).
async fn answer<S>(declared: &crate::api::query::Declared, inner: &mut S, req: Request) -> Response
where
    S: Service<Request, Response = Response, Error = std::convert::Infallible>,
{
    if let Some(refused) = crate::api::query::check(declared, &req) {
        return refused;
    }
    match inner.call(req).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// The future's response, or a 500 problem document if it panicked.
async fn caught<F: Future<Output = Response> + Unpin>(future: F, id: &HeaderValue) -> Response {
    match (CatchUnwind { inner: future }).await {
        Ok(response) => response,
        Err(cause) => {
            tracing::error!(request_id = ?id, "a handler panicked");
            error::panicked(cause)
        }
    }
}

/// The security headers and the request id, on every response.
fn secure(mut response: Response, id: HeaderValue, config: &EdgeConfig) -> Response {
    let headers = response.headers_mut();
    headers.reserve(6);
    headers.insert(REQUEST_ID.clone(), id);
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if let Some(hsts) = &config.hsts
        && !headers.contains_key(header::STRICT_TRANSPORT_SECURITY)
    {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if let Some(csp) = &config.csp
        && !headers.contains_key(header::CONTENT_SECURITY_POLICY)
    {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
    }
    response
}

use crate::{auth, error, input};

/// A future whose panic is returned as its payload instead of unwinding further.
struct CatchUnwind<F> {
    inner: F,
}

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn std::any::Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = Pin::new(&mut self.inner);
        match std::panic::catch_unwind(AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Err(cause) => Poll::Ready(Err(cause)),
        }
    }
}

/// Request ids: this process's random prefix and a counter, unique without a system
/// call per request (a version-4 UUID asked the kernel for randomness each time).
pub(crate) struct RequestIds {
    prefix: String,
    next: AtomicU64,
}

impl RequestIds {
    pub(crate) fn new() -> RequestIds {
        // 64 random bits tell instances and restarts apart (the audit log keeps the ids).
        let prefix = match cohesion_app::access::secret::generate() {
            Ok(s) => s.chars().take(12).collect::<String>(),
            Err(_) => format!("{:x}", std::process::id()),
        };
        RequestIds { prefix, next: AtomicU64::new(0) }
    }

    fn next(&self) -> HeaderValue {
        use std::io::Write;
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        // Written in place (one allocation, the header's own): 12 + 1 + 16 bytes at most.
        let mut buf = [0u8; 40];
        let mut at = std::io::Cursor::new(&mut buf[..]);
        let written = write!(at, "{}-{n:x}", self.prefix).is_ok();
        let len = usize::try_from(at.position()).unwrap_or(0);
        // The prefix is base64url and the counter hexadecimal: always a valid value.
        match (written, buf.get(..len)) {
            (true, Some(bytes)) => HeaderValue::from_bytes(bytes).unwrap_or(HeaderValue::from_static("-")),
            _ => HeaderValue::from_static("-"),
        }
    }
}
