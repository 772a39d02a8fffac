//! WebDAV (RFC 4918), CalDAV (RFC 4791) and CardDAV (RFC 6352) on the groupware store.
//!
//! The HTTP listener (in the binary) reads a request with a bounded body and hands it to
//! [`Dav::handle`]; handlers return a [`Reply`] and never touch the socket. The wire model (XML
//! bodies, headers, multistatus) is `relais-dav-proto`; writes go through
//! `relais_groupware::Groupware`; reads through the store's typed queries. This crate writes no
//! SQL.
//!
//! - `path`: the namespace under `/dav/` and hrefs.
//! - `node`: a path resolved to a principal, home, collection or resource, with the access
//!   check (owner only for now: every request is authorised against the owner).
//! - `props`: live and dead properties of each kind of node.
//! - `methods/`: one file per method family; `report/` one per REPORT.
//! - `query`: CalDAV/CardDAV filters evaluated on parsed objects.

// A `Reply` is the handlers' early exit (`Err(reply)` is what gets sent); it is built at most
// once per request, so its size on the error path costs nothing worth a Box.
#![allow(clippy::result_large_err)]

mod methods;
mod node;
pub mod path;
mod props;
mod query;
mod report;

use std::net::IpAddr;

use bytes::Bytes;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use relais_dav_proto::{DavRequest, DavXmlError, Limits, QName, error_body, error_body_with_href};
use relais_directory::{AuthError, Credentials, Directory};
use relais_groupware::Groupware;
use relais_store::Principal;

/// Bounds on XML request bodies (`[dav] xml_*` in the configuration).
pub use relais_dav_proto::Limits as XmlLimits;

/// Limits and switches of the DAV service (`[dav]` in the configuration).
#[derive(Debug, Clone)]
pub struct DavConfig {
    /// The largest calendar or address object accepted (CALDAV:max-resource-size).
    pub max_resource_size: usize,
    /// HTTP Basic without TLS from loopback addresses: for tests and local tools only.
    pub plaintext_auth_on_loopback: bool,
    /// Bounds on an XML request body (depth, elements, attributes, namespaces).
    pub xml: Limits,
}

impl Default for DavConfig {
    fn default() -> Self {
        DavConfig { max_resource_size: 10 * 1024 * 1024, plaintext_auth_on_loopback: false, xml: Limits::default() }
    }
}

/// A body up to this size is parsed where the request runs: a few hundred microseconds at
/// most, less than handing it to another thread costs.
const PARSE_INLINE_MAX: usize = 64 * 1024;

/// A request as the listener read it: the body is complete and within the size limit.
pub struct Request {
    pub method: Method,
    /// The path, still percent-encoded, without the query.
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Whether the connection is TLS.
    pub tls: bool,
    pub remote: IpAddr,
}

impl Request {
    fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What to answer.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Reply {
    pub fn new(status: StatusCode) -> Reply {
        Reply { status, headers: HeaderMap::new(), body: Bytes::new() }
    }

    fn with_body(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Reply {
        let mut r = Reply { status, headers: HeaderMap::new(), body: body.into() };
        r.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    }

    fn text(status: StatusCode, text: impl Into<String>) -> Reply {
        Reply::with_body(status, "text/plain; charset=utf-8", text.into())
    }

    fn xml(status: StatusCode, body: impl Into<Bytes>) -> Reply {
        Reply::with_body(status, "application/xml; charset=utf-8", body)
    }

    /// A failed precondition with its DAV:error element (RFC 4918 §16).
    fn precondition(status: StatusCode, condition: &QName) -> Reply {
        Reply::xml(status, error_body(condition))
    }

    fn precondition_href(status: StatusCode, condition: &QName, href: &str) -> Reply {
        Reply::xml(status, error_body_with_href(condition, Some(href)))
    }

    fn header(mut self, name: header::HeaderName, value: &str) -> Reply {
        if let Ok(v) = HeaderValue::from_str(value) {
            self.headers.insert(name, v);
        }
        self
    }
}

impl From<DavXmlError> for Reply {
    fn from(e: DavXmlError) -> Reply {
        let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
        match e.precondition() {
            Some(p) => Reply::precondition(status, &p),
            None => Reply::text(status, e.to_string()),
        }
    }
}

/// A handler's early exit: the reply to send instead.
pub(crate) type Result<T> = std::result::Result<T, Reply>;

pub(crate) fn internal(e: impl std::fmt::Display) -> Reply {
    tracing::warn!(error = %e, "dav: request failed");
    Reply::text(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log")
}

/// The DAV service.
pub struct Dav {
    pub(crate) groupware: Groupware,
    pub(crate) directory: Directory,
    pub(crate) config: DavConfig,
    /// Large XML bodies parsing at once, at most one per core: the rest wait their turn
    /// instead of taking every blocking thread (and every core) from the store.
    parses: std::sync::Arc<tokio::sync::Semaphore>,
}

/// What every handler gets: the service, the request and who is asking.
pub(crate) struct Ctx<'a> {
    pub dav: &'a Dav,
    pub req: &'a Request,
    pub user: Principal,
    /// The caller's (usage, quota) in octets, read once when a request asks for the quota
    /// properties (RFC 4331).
    pub quota: std::sync::OnceLock<(u64, Option<u64>)>,
    /// DAV:acl of the collections in this answer, by collection id, read before writing it
    /// when the request asks for the property (RFC 3744 §5.5).
    pub acls: std::sync::Mutex<std::collections::HashMap<i64, String>>,
}

impl Dav {
    pub fn new(groupware: Groupware, directory: Directory, config: DavConfig) -> Dav {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Dav { groupware, directory, config, parses: std::sync::Arc::new(tokio::sync::Semaphore::new(cores)) }
    }

    /// Answers one request. Never panics on input; errors become DAV replies.
    pub async fn handle(&self, req: Request) -> Reply {
        if let Some(reply) = self.answer_without_credentials(&req.method, &req.path) {
            return reply;
        }
        match self.authenticate(&req.headers, req.tls, req.remote).await {
            Ok(user) => self.handle_as(req, user).await,
            Err(reply) => reply,
        }
    }

    /// What is answered without credentials and without reading a body: the well-known
    /// redirects and OPTIONS.
    pub fn answer_without_credentials(&self, method: &Method, path: &str) -> Option<Reply> {
        // RFC 6764 §5: the well-known URIs redirect to the context path — with 308 (RFC 9110
        // §15.4.9), which keeps the method and body: after a 301 clients built on
        // python-requests send the PROPFIND again without its body and find no principal.
        if path.starts_with("/.well-known/caldav") || path.starts_with("/.well-known/carddav") {
            return Some(Reply::new(StatusCode::PERMANENT_REDIRECT).header(header::LOCATION, path::ROOT));
        }
        (*method == Method::OPTIONS).then(methods::options)
    }

    /// Answers a request of `user`, authenticated by [`authenticate`](Self::authenticate).
    pub async fn handle_as(&self, req: Request, user: Principal) -> Reply {
        let ctx = Ctx { dav: self, req: &req, user, quota: std::sync::OnceLock::new(), acls: Default::default() };
        match methods::dispatch(&ctx).await {
            Ok(reply) | Err(reply) => reply,
        }
    }

    /// Who sends a request, from its headers alone: the listener calls this before it reads a
    /// body, so a stranger's body is never read (HTTP Basic, RFC 7617, or an API token as a
    /// bearer token, RFC 6750).
    pub async fn authenticate(
        &self,
        headers: &HeaderMap,
        tls: bool,
        remote: IpAddr,
    ) -> std::result::Result<Principal, Reply> {
        let challenge = || {
            Reply::text(StatusCode::UNAUTHORIZED, "authentication required")
                .header(header::WWW_AUTHENTICATE, "Basic realm=\"Relais\", charset=\"UTF-8\"")
        };
        let Some(value) = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return Err(challenge());
        };
        if !relais_sasl::plaintext_allowed(tls, self.config.plaintext_auth_on_loopback, remote) {
            return Err(Reply::text(StatusCode::FORBIDDEN, "log in over HTTPS"));
        }
        // An API token (RFC 6750) is refused with its own challenge (§3.1), not Basic's.
        let (login, failed) = match relais_sasl::bearer(value) {
            Some(token) => (
                self.directory.authenticate_bearer(token, Some(remote)).await,
                Reply::text(StatusCode::UNAUTHORIZED, "invalid token")
                    .header(header::WWW_AUTHENTICATE, "Bearer realm=\"Relais\", error=\"invalid_token\""),
            ),
            None => {
                let (username, password) = relais_sasl::basic(value).ok_or_else(challenge)?;
                let creds = Credentials { username, password, remote: Some(remote) };
                (self.directory.authenticate(&creds).await, challenge())
            }
        };
        match login {
            Ok(p) => Ok(p),
            Err(AuthError::Failed) => Err(failed),
            Err(AuthError::Throttled { retry_after }) => {
                Err(Reply::text(StatusCode::TOO_MANY_REQUESTS, "too many failed logins")
                    .header(header::RETRY_AFTER, &retry_after.as_secs().max(1).to_string()))
            }
            Err(AuthError::Unavailable(e)) => Err(internal(e)),
        }
    }
}

impl Ctx<'_> {
    /// Parses the request body as `T` within the configured limits. A body past
    /// `PARSE_INLINE_MAX` parses on a blocking thread, one per core at a time, so a large or
    /// hostile body never holds an executor thread (ARCHITECTURE: CPU-heavy parsing of
    /// untrusted input runs off the executor). The outer error is the server's own.
    pub async fn parse_body<T: DavRequest + Send + 'static>(&self) -> Result<std::result::Result<T, DavXmlError>> {
        let limits = self.dav.config.xml;
        if self.req.body.len() <= PARSE_INLINE_MAX {
            return Ok(T::parse_with(&self.req.body, &limits));
        }
        let _slot = self.dav.parses.acquire().await.map_err(internal)?;
        let body = self.req.body.clone();
        tokio::task::spawn_blocking(move || T::parse_with(&body, &limits)).await.map_err(internal)
    }
}
