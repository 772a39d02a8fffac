//! JMAP (RFC 8620 core, RFC 8621 mail, RFC 9610 contacts, RFC 9670 sharing, the JMAP Calendars
//! and Task Lists drafts) on the domain layer. A request
//! arrives authenticated (the binary's `http_jmap` checked HTTP Basic over TLS or loopback,
//! with the directory's throttling, and read the body within the HTTP limits); this crate
//! parses the JSON, calls the mail, groupware and directory domains with the acting principal,
//! and formats the answer. Nothing here writes the store.
//!
//! - [`Jmap::session`]: the session resource (`/.well-known/jmap`, RFC 8620 §2).
//! - [`Jmap::api`]: a Request (`request`), its method calls in order, result references
//!   resolved against earlier responses, each dispatched by the one table in `methods`.
//! - [`Jmap::upload`] / [`Jmap::download`]: blobs (`blob`), content-addressed in the store.
//! - [`Jmap::event_source`]: push (`push`), woken by the store's per-account notifications.
//! - [`Jmap::websocket`]: one WebSocket connection's messages (`websocket`, RFC 8887): requests
//!   run by the same executor as [`Jmap::api`], and pushes from the same producer as EventSource.
//!
//! State strings are the account's modseq (every committed write bumps it once); `/changes`
//! reads the store's change log, and a state older than its window is cannotCalculateChanges.

pub mod account;
mod blob;
pub mod error;
pub mod ids;
mod methods;
pub mod push;
pub mod request;
mod session;
pub mod webpush;
pub mod websocket;

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use relais_directory::access::{Actor, Protocol};
use relais_groupware::Groupware;
use relais_mail::Mailer;
use relais_store::{AccountId, Principal, Store};
use serde_json::{Value, json};

use crate::error::Problem;

pub const CORE: &str = "urn:ietf:params:jmap:core";
pub const MAIL: &str = "urn:ietf:params:jmap:mail";
pub const SUBMISSION: &str = "urn:ietf:params:jmap:submission";
pub const VACATION: &str = "urn:ietf:params:jmap:vacationresponse";
pub const QUOTA: &str = "urn:ietf:params:jmap:quota";
/// JMAP over WebSocket (RFC 8887): a capability of the session only, no account has it.
pub const WEBSOCKET: &str = "urn:ietf:params:jmap:websocket";
pub const CONTACTS: &str = "urn:ietf:params:jmap:contacts";
/// JMAP Calendars (draft-ietf-jmap-calendars).
pub const CALENDARS: &str = "urn:ietf:params:jmap:calendars";
/// JMAP for Task Lists (draft-ietf-jmap-tasks).
pub const TASKS: &str = "urn:ietf:params:jmap:tasks";
/// RFC 9670 §2: principals, and who owns each account.
pub const PRINCIPALS: &str = "urn:ietf:params:jmap:principals";
pub const PRINCIPALS_OWNER: &str = "urn:ietf:params:jmap:principals:owner";
/// Relais's own: the user's password, app passwords and devices (`methods::security`), on its
/// own account only.
pub const SECURITY: &str = "urn:relais:jmap:security";

/// The capabilities offered, in the session's order (the session adds [`WEBSOCKET`]).
pub const CAPABILITIES: [&str; 11] =
    [CORE, MAIL, SUBMISSION, VACATION, QUOTA, CONTACTS, CALENDARS, TASKS, PRINCIPALS, PRINCIPALS_OWNER, SECURITY];

/// The limits announced in the session (RFC 8620 §2 `urn:ietf:params:jmap:core`) and enforced.
#[derive(Debug, Clone)]
pub struct JmapConfig {
    pub max_size_upload: u64,
    pub max_concurrent_upload: usize,
    pub max_size_request: u64,
    pub max_concurrent_requests: usize,
    pub max_calls_in_request: usize,
    pub max_objects_in_get: usize,
    pub max_objects_in_set: usize,
    /// Most changes one `/changes` answers when the client names no smaller maxChanges.
    pub max_changes: usize,
    /// Most results of one `/query`.
    pub max_query_results: usize,
    /// EventSource ping bounds in seconds (RFC 8620 §7.3: the client's value may be raised).
    pub ping_bounds: (u64, u64),
    /// Push subscriptions (RFC 8620 §7.2) one principal may hold.
    pub max_push_subscriptions: u32,
    /// The longest a push subscription lasts, in seconds (a later `expires` is lowered).
    pub max_push_lifetime: i64,
    /// Push URLs may be `http:` (tests only; a push service is HTTPS).
    pub push_allow_http: bool,
}

impl Default for JmapConfig {
    fn default() -> Self {
        JmapConfig {
            max_size_upload: 50 * 1024 * 1024,
            max_concurrent_upload: 4,
            max_size_request: 10 * 1024 * 1024,
            max_concurrent_requests: 8,
            max_calls_in_request: 32,
            max_objects_in_get: 500,
            max_objects_in_set: 500,
            max_changes: 5000,
            max_query_results: 5000,
            ping_bounds: (5, 600),
            max_push_subscriptions: 20,
            max_push_lifetime: 7 * 86_400,
            push_allow_http: false,
        }
    }
}

/// The JMAP service.
#[derive(Clone)]
pub struct Jmap {
    pub(crate) mailer: Mailer,
    /// Address books and cards (RFC 9610), calendars and events (JMAP Calendars), on the
    /// mailer's store and directory, scheduling as CalDAV does.
    pub(crate) groupware: Groupware,
    pub(crate) config: Arc<JmapConfig>,
    /// Requests (API calls and uploads) in progress per account, for the concurrency limits.
    running: Arc<Mutex<HashMap<(AccountId, bool), usize>>>,
    pub(crate) uploads: blob::Uploads,
    /// Where push subscriptions' messages go out (the binary's HTTP client), and who is told
    /// when subscriptions change (`webpush`).
    pub(crate) push_out: webpush::Outlet,
}

/// What to answer, for the binary to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(status: u16, v: &Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            headers: vec![("Cache-Control", "no-cache, no-store, must-revalidate".into())],
            body: serde_json::to_vec(v).unwrap_or_default(),
        }
    }

    pub(crate) fn problem(p: &Problem) -> Reply {
        let (status, body) = p.to_json();
        Reply { content_type: "application/problem+json", ..Reply::json(status, &body) }
    }

    /// The `limit` problem (RFC 8620 §3.6.1) for a request refused before it was read.
    pub fn limit(limit: &'static str) -> Reply {
        Reply::problem(&Problem::Limit(limit))
    }

    pub(crate) fn status(status: u16, detail: &str) -> Reply {
        let body = json!({ "type": "about:blank", "status": status, "detail": detail });
        Reply { content_type: "application/problem+json", ..Reply::json(status, &body) }
    }
}

/// What a request's login stood on beyond the principal's credentials: the web session
/// (by its token's SHA-256, hex) or the bearer token it came with. Only a push subscription
/// (RFC 8620 §7.2: destroyed when the credentials that made it are) reads it.
#[derive(Clone, Default)]
pub struct Login {
    pub web_session: Option<String>,
    pub bearer: Option<String>,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login")
            .field("web_session", &self.web_session.is_some())
            .field("bearer", &self.bearer.is_some())
            .finish()
    }
}

/// Where the client reaches us: `https://host[:port]`, as it asked (RFC 8620 §2 wants absolute
/// URLs in the session, and clients such as jmapc need them).
#[derive(Debug, Clone)]
pub struct Origin(pub String);

/// A request slot held for its duration.
pub(crate) struct Slot {
    running: Arc<Mutex<HashMap<(AccountId, bool), usize>>>,
    key: (AccountId, bool),
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Ok(mut map) = self.running.lock()
            && let Some(n) = map.get_mut(&self.key)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

impl Jmap {
    pub fn new(mailer: Mailer, config: JmapConfig) -> Jmap {
        let groupware = Groupware::with_scheduling(mailer.clone());
        Jmap {
            mailer,
            groupware,
            config: Arc::new(config),
            running: Arc::default(),
            uploads: blob::Uploads::default(),
            push_out: webpush::Outlet::default(),
        }
    }

    /// Sends push subscriptions' messages through `transport` (without one, a new
    /// subscription's PushVerification goes nowhere).
    pub fn with_push_transport(mut self, transport: Arc<dyn webpush::PushTransport>) -> Jmap {
        self.push_out = webpush::Outlet::new(transport);
        self
    }

    pub fn config(&self) -> &JmapConfig {
        &self.config
    }

    pub(crate) fn store(&self) -> &Store {
        self.mailer.store()
    }

    pub(crate) fn actor(principal: &Principal) -> Actor {
        Actor::new(principal.id, Protocol::Jmap)
    }

    /// A slot among the account's concurrent requests (`upload` picks the upload limit), or
    /// `None` when every one is taken.
    pub(crate) fn slot(&self, account: AccountId, upload: bool) -> Option<Slot> {
        let max = if upload { self.config.max_concurrent_upload } else { self.config.max_concurrent_requests };
        let mut map = self.running.lock().ok()?;
        let n = map.entry((account, upload)).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(Slot { running: self.running.clone(), key: (account, upload) })
    }

    /// The session resource (RFC 8620 §2).
    pub async fn session(&self, principal: &Principal, origin: &Origin) -> Reply {
        match session::session(self, principal, origin).await {
            Ok(v) => Reply::json(200, &v),
            Err(e) => {
                tracing::warn!(error = ?e, "jmap: session not answered");
                Reply::status(500, "the session could not be read; see the server log")
            }
        }
    }

    /// An API request (RFC 8620 §3): the body as received (the binary bounded it by
    /// `max_size_request`).
    pub async fn api(&self, principal: &Principal, body: &[u8]) -> Reply {
        self.api_from(principal, None, body).await
    }

    /// `api` for a client at `remote`: what a method that re-confirms the password
    /// (`urn:relais:jmap:security`) counts the attempt against, as a login is counted.
    pub async fn api_from(&self, principal: &Principal, remote: Option<IpAddr>, body: &[u8]) -> Reply {
        self.api_with(principal, remote, &Login::default(), body).await
    }

    /// `api_from` with what the request's login stood on (a push subscription made by it
    /// lives as long as that does, RFC 8620 §7.2).
    pub async fn api_with(&self, principal: &Principal, remote: Option<IpAddr>, login: &Login, body: &[u8]) -> Reply {
        if body.len() as u64 > self.config.max_size_request {
            return Reply::problem(&Problem::Limit("maxSizeRequest"));
        }
        let request = match request::parse(body, self.config.max_calls_in_request) {
            Ok(r) => r,
            Err(p) => return Reply::problem(&p),
        };
        match self.execute(principal, (remote, login), request).await {
            Ok(response) => Reply::json(200, &response),
            Err(p) => Reply::problem(&p),
        }
    }

    /// Runs a parsed Request: the one executor of both transports, HTTP (`api`) and WebSocket
    /// (`websocket`). Takes a slot among the account's concurrent requests, checks `using`,
    /// and answers the Response object (RFC 8620 §3.4).
    pub(crate) async fn execute(
        &self,
        principal: &Principal,
        (remote, login): (Option<IpAddr>, &Login),
        request: request::Request,
    ) -> Result<Value, Problem> {
        let Some(_slot) = self.slot(principal.id, false) else {
            return Err(Problem::Limit("maxConcurrentRequests"));
        };
        let offered = |c: &&String| CAPABILITIES.contains(&c.as_str()) || c.as_str() == WEBSOCKET;
        if let Some(unknown) = request.using.iter().find(|c| !offered(c)) {
            return Err(Problem::UnknownCapability(unknown.clone()));
        }
        Ok(methods::run(self, principal, (remote, login), request).await)
    }
}
