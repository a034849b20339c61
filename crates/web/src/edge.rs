//! The edge: what every request and response goes through, in one hand-written
//! service around the whole router ([`Site`]).
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
//! Two paths through it:
//! - the health probes (`/livez`, `/health`) go from the guard straight to the router:
//!   no identity, no form, no compression (their bodies are a few bytes) and no
//!   request span (`tower_http=debug` would log every probe);
//! - everything else goes through request tracing and compression, then the guard's
//!   form check, authentication (not for the static files: their requests carry the
//!   session cookie too, and resolving it would cost a look-up per asset), the query
//!   check and the problem documents ([`Heavy`]), then the router.
//!
//! Issue 16: these were eight tower layers, three `from_fn` middlewares and a
//! `from_fn` route layer, then one layer wrapped around each route. Each route layer
//! cloned its boxed route and each layer boxed a future on every request; `/livez`,
//! which does nothing, served 64 %, then 69 %, of a bare axum endpoint. Here the
//! router is wrapped once, and the query check finds the operation by matching the
//! path against the document's templates itself (the router's matched path is not
//! known outside it).

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::Response;
use axum::routing::future::RouteFuture;
use tower::{Layer, Service};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::compression::{Compression, CompressionLayer, CompressionLevel};
use tower_http::trace::{Trace, TraceLayer};

use crate::AppState;
use crate::pages::PagesConfig;

static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

type Infallible = std::convert::Infallible;
type Boxed = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

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

/// The whole site: the router inside the edge (see the module's documentation).
/// Serve it with [`Site::into_make_service_with_connect_info`].
#[derive(Clone)]
pub struct Site {
    /// The router alone: the health probes' path.
    router: Router,
    /// Request tracing, compression and [`Heavy`] around the same router.
    full: Trace<Compression<Heavy>, SharedClassifier<ServerErrorsAsFailures>>,
    config: Arc<EdgeConfig>,
}

impl Site {
    pub(crate) fn new(router: Router, config: EdgeConfig) -> Site {
        let config = Arc::new(config);
        let heavy = Heavy { router: router.clone(), config: config.clone() };
        let compressed = CompressionLayer::new().quality(CompressionLevel::Fastest).layer(heavy);
        Site { router, full: TraceLayer::new_for_http().layer(compressed), config }
    }

    /// What `axum::serve` takes, giving the handlers the client's address.
    pub fn into_make_service_with_connect_info<C>(
        self,
    ) -> axum::extract::connect_info::IntoMakeServiceWithConnectInfo<Site, C> {
        axum::ServiceExt::<Request>::into_make_service_with_connect_info(self)
    }

    /// What `axum::serve` takes.
    pub fn into_make_service(self) -> axum::routing::IntoMakeService<Site> {
        axum::ServiceExt::<Request>::into_make_service(self)
    }
}

impl Service<Request> for Site {
    type Response = Response;
    type Error = Infallible;
    type Future = SiteFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // The router, tracing and compression are always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request) -> SiteFuture {
        // What needs no waiting is done here, and each path takes only what it uses:
        // no clone of the site per request.
        let probe = is_probe(req.uri().path()) && !input::has_form(&req);
        let id = match req.headers().get(&REQUEST_ID) {
            Some(given) => given.clone(),
            // The probes' handlers do not read it: only their response carries it.
            None if probe => self.config.ids.next(),
            None => {
                let fresh = self.config.ids.next();
                req.headers_mut().insert(REQUEST_ID.clone(), fresh.clone());
                fresh
            }
        };
        let config = &self.config;
        if let Some(refused) = input::refuse_now(&config.pages, &req) {
            return SiteFuture(Answer::Refused(std::future::ready(Ok(secure(refused, id, config)))));
        }
        if probe {
            // No identity: the probes' handlers take none.
            if let Some(refused) = crate::api::query::check(&config.declared, &req) {
                return SiteFuture(Answer::Refused(std::future::ready(Ok(secure(refused, id, config)))));
            }
            return SiteFuture(Answer::Probe { routed: self.router.call(req), id: Some(id), config: config.clone() });
        }
        let handled = self.full.call(req);
        let config = config.clone();
        SiteFuture(Answer::Full(Box::pin(async move {
            let response = match handled.await {
                Ok(response) => response.map(Body::new),
                Err(never) => match never {},
            };
            Ok(secure(response, id, &config))
        })))
    }
}

/// The response of [`Site`]: a probe's is the router's future itself, not boxed
/// (`/livez` is what a load balancer asks most; issue 16).
pub struct SiteFuture(Answer);

#[expect(
    clippy::large_enum_variant,
    reason = "the probe's future is kept inline on purpose: hyper holds it in place, and boxing it is the allocation avoided"
)]
enum Answer {
    /// Refused at the edge.
    Refused(std::future::Ready<Result<Response, Infallible>>),
    /// A health probe, answered by the router alone; a panic is caught as in [`caught`].
    Probe { routed: RouteFuture<Infallible>, id: Option<HeaderValue>, config: Arc<EdgeConfig> },
    /// Everything else, through tracing, compression and [`Heavy`].
    Full(Boxed),
}

impl Future for SiteFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            Answer::Refused(ready) => Pin::new(ready).poll(cx),
            Answer::Full(boxed) => boxed.as_mut().poll(cx),
            Answer::Probe { routed, id, config } => {
                let polled = std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *routed).poll(cx)));
                let response = match polled {
                    Ok(Poll::Pending) => return Poll::Pending,
                    Ok(Poll::Ready(Ok(response))) => response,
                    Ok(Poll::Ready(Err(never))) => match never {},
                    Err(cause) => {
                        tracing::error!(request_id = ?id, "a handler panicked");
                        error::panicked(cause)
                    }
                };
                Poll::Ready(Ok(secure(response, take(id), config)))
            }
        }
    }
}

/// The request id, once (`-` if the future were polled again after its answer).
fn take(id: &mut Option<HeaderValue>) -> HeaderValue {
    id.take().unwrap_or(HeaderValue::from_static("-"))
}

/// The router behind the guard's form check, authentication, the query check and the
/// problem documents (the static files skip authentication), a panic caught.
#[derive(Clone)]
pub(crate) struct Heavy {
    router: Router,
    config: Arc<EdgeConfig>,
}

impl Service<Request> for Heavy {
    type Response = Response;
    type Error = Infallible;
    type Future = Boxed;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request) -> Boxed {
        let Heavy { mut router, config } = self.clone();
        Box::pin(async move {
            let id = req.headers().get(&REQUEST_ID).cloned().unwrap_or(HeaderValue::from_static("-"));
            let c = &config;
            let router = &mut router;
            if is_static(req.uri().path()) && !input::has_form(&req) {
                let mut req = req;
                req.extensions_mut().insert(auth::Credentials::anonymous());
                return Ok(caught(std::pin::pin!(async move { answer(&c.declared, router, req).await }), &id).await);
            }
            let handled = error::problems_only(req, |req| async move {
                let req = match input::has_form(&req) {
                    true => match input::check_form(&c.pages, req).await {
                        Ok(req) => req,
                        Err(refused) => return refused,
                    },
                    false => req,
                };
                auth::authenticate(&c.state, req, |req| async move { answer(&c.declared, router, req).await }).await
            });
            Ok(caught(std::pin::pin!(handled), &id).await)
        })
    }
}

/// The health probes: answered by the router alone (see the module's documentation).
fn is_probe(path: &str) -> bool {
    path == "/livez" || path == "/health"
}

/// The static files: no identity (see the module's documentation).
fn is_static(path: &str) -> bool {
    path.starts_with("/static/") || path == "/favicon.ico"
}

/// The router's response, once the query's parameters are checked against what the
/// operation declares.
async fn answer(declared: &crate::api::query::Declared, router: &mut Router, req: Request) -> Response {
    if let Some(refused) = crate::api::query::check(declared, &req) {
        return refused;
    }
    match router.call(req).await {
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
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if is_data(headers) {
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(DATA_POLICY));
        } else if let Some(csp) = &config.csp {
            headers.insert(header::CONTENT_SECURITY_POLICY, csp.clone());
        }
    }
    response
}

/// The content security policy of an answer that is data, not a document to display
/// (JSON, problem documents, plain text): it may load nothing and be framed by nobody,
/// a stricter policy than the pages' and a fifth of its length (the probes and the API
/// answer most requests; issue 16).
pub const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Whether the response is JSON or plain text.
fn is_data(headers: &axum::http::HeaderMap) -> bool {
    let Some(kind) = headers.get(header::CONTENT_TYPE).map(HeaderValue::as_bytes) else { return false };
    kind.starts_with(b"application/json")
        || kind.starts_with(b"application/problem+json")
        || kind.starts_with(b"text/plain")
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
