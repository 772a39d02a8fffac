//! The web client on the HTTP router (issue 16): its page and assets (`relais_web`), the
//! message frame, and the login session.
//!
//! - `GET /` the page; `GET /static/{version}/…` its modules and styles (cached for ever);
//!   `GET /web/frame[?remote=1]` the empty document a message's HTML is shown in, with its own
//!   Content-Security-Policy. Every answer carries the policy, `nosniff` and `no-referrer`.
//! - `POST /web/login` (a form: `username`, `password`; at most [`LOGIN_BODY_MAX`] octets) checks
//!   the credentials with the directory's one authentication and its throttling, only over TLS
//!   or from loopback when `dav.plaintext_auth_on_loopback` allows it (the rule of HTTP Basic:
//!   `relais_sasl::plaintext_allowed`), and opens a session: a cookie (`HttpOnly`,
//!   `SameSite=Strict`, `Path=/`; over HTTPS `Secure` and named `__Host-…`) and a CSRF token
//!   the page sends back in [`CSRF_HEADER`].
//! - `GET /web/session` the session's user and CSRF token (the page asks on load); `POST
//!   /web/logout` ends the session.
//! - [`authenticate`]: who sends a JMAP request — HTTP Basic as before, or this cookie. A
//!   request authenticated by cookie must come from our own origin when it names one (`Origin`),
//!   and, unless it is a GET, carry the session's CSRF token: SameSite=Strict alone is not relied
//!   on. The WebSocket handshake (`/jmap/ws`) must name our origin.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Limited};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use relais_directory::{AuthError, Credentials};
use relais_store::{AccountId, Principal, Result as StoreResult, SessionBounds};
use relais_web::session::{Opened, SessionConfig, needs_touch, now_ms, token_hash};
use serde_json::json;

use crate::http::{Body, refuse};
use crate::serve::State;

/// The header a page sends its session's CSRF token in.
pub const CSRF_HEADER: &str = "x-relais-csrf";
/// The largest login form read; a longer one is refused unread.
pub const LOGIN_BODY_MAX: usize = 8 * 1024;
const LOGIN_BODY_WAIT: Duration = Duration::from_secs(10);

/// The web client's login sessions, in the store (`relais_store::WebSession`): every node
/// finds them, a restart keeps them. The tokens and rules are `relais_web::session`'s.
#[derive(Clone)]
pub struct Sessions {
    store: relais_store::Store,
    config: SessionConfig,
}

/// A live session, as a request presenting its cookie finds it.
pub struct Found {
    pub account: AccountId,
    pub csrf: String,
}

impl Sessions {
    pub fn new(store: relais_store::Store, config: SessionConfig) -> Sessions {
        Sessions { store, config }
    }

    fn bounds(&self) -> SessionBounds {
        let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        SessionBounds {
            idle: ms(self.config.idle),
            lifetime: ms(self.config.lifetime),
            per_account: self.config.per_account,
            total: self.config.total,
        }
    }

    /// Opens a session of `account` (already authenticated); `None` when every one is taken.
    pub async fn open(&self, account: AccountId) -> StoreResult<Option<Opened>> {
        let opened = Opened::new();
        let (hash, csrf, bounds) = (token_hash(&opened.token), opened.csrf.clone(), self.bounds());
        let Some(hash) = hash else { return Ok(None) };
        let now = now_ms();
        let stored = self.store.write(move |tx| tx.open_web_session(&hash, account, &csrf, now, bounds)).await?;
        Ok(stored.then_some(opened))
    }

    /// The live session of a cookie's token; its use is written at most once a minute, and an
    /// ended one is deleted.
    pub async fn find(&self, token: &str) -> StoreResult<Option<Found>> {
        let Some(hash) = token_hash(token) else { return Ok(None) };
        let key = hash.clone();
        let Some(s) = self.store.read(move |r| r.web_session(&key)).await? else { return Ok(None) };
        let now = now_ms();
        if !s.live(now, self.bounds().idle) {
            self.store.write(move |tx| tx.close_web_session(&hash)).await?;
            return Ok(None);
        }
        if needs_touch(s.last_used, now) {
            self.store.write(move |tx| tx.touch_web_session(&hash, now)).await?;
        }
        Ok(Some(Found { account: s.account, csrf: s.csrf }))
    }

    /// Ends the session of a cookie's token (logout).
    pub async fn close(&self, token: &str) -> StoreResult<()> {
        if let Some(hash) = token_hash(token) {
            self.store.write(move |tx| tx.close_web_session(&hash)).await?;
        }
        Ok(())
    }

    /// Deletes the ended sessions (the server's periodic maintenance).
    pub async fn purge(&self) -> StoreResult<u64> {
        let idle = self.bounds().idle;
        self.store.write(move |tx| tx.purge_web_sessions(now_ms(), idle)).await
    }
}

/// Whether the web client answers `method path`: the page is only a GET (other methods on `/`
/// are DAV's or not found, as before the web client).
pub fn is_path(method: &Method, path: &str) -> bool {
    match path {
        "/" | "/index.html" => method == Method::GET || method == Method::HEAD,
        _ => path.starts_with("/static/") || path.starts_with("/web/"),
    }
}

/// The session cookie's name: `__Host-` over HTTPS, which the browser keeps only when it is
/// `Secure`, has `Path=/` and no `Domain` (RFC 6265bis §4.1.3.2).
fn cookie_name(tls: bool) -> &'static str {
    if tls { "__Host-relais-session" } else { "relais-session" }
}

/// The value of our session cookie among the request's cookies.
fn session_cookie(headers: &HeaderMap, tls: bool) -> Option<&str> {
    let name = cookie_name(tls);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(name)?.strip_prefix('='))
}

/// `Origin` is absent or names this server as the client reached it (scheme and Host).
fn same_origin(headers: &HeaderMap, tls: bool, required: bool) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return !required;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let scheme = if tls { "https://" } else { "http://" };
    origin.strip_prefix(scheme) == Some(host)
}

fn csrf_sent(headers: &HeaderMap, expected: &str) -> bool {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|sent| relais_web::session::csrf_matches(sent, expected))
}

/// The headers of every answer of the web client.
fn secure(mut r: Response<Body>, csp: &'static str) -> Response<Body> {
    let h = r.headers_mut();
    h.insert("content-security-policy", HeaderValue::from_static(csp));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert("cross-origin-resource-policy", HeaderValue::from_static("same-origin"));
    if csp == relais_web::CSP {
        h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    }
    r
}

fn bytes(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut r = Response::new(Body::new(body));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A JSON answer of the session endpoints: never cached.
fn json_reply(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let mut r = bytes(status, "application/json", Bytes::from(value.to_string()));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    secure(r, relais_web::CSP)
}

/// Not `Basic`: a browser would open its own login dialog.
const CHALLENGE: &str = "Session realm=\"Relais\"";

fn problem(status: StatusCode, error: &'static str) -> Response<Body> {
    let mut r = json_reply(status, &json!({ "error": error }));
    if status == StatusCode::UNAUTHORIZED {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(CHALLENGE));
    }
    r
}

fn set_cookie(r: &mut Response<Body>, value: &str, tls: bool, end: bool) {
    let mut cookie = format!("{}={value}; Path=/; HttpOnly; SameSite=Strict", cookie_name(tls));
    if tls {
        cookie.push_str("; Secure");
    }
    if end {
        cookie.push_str("; Max-Age=0");
    }
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Answers a request to one of the web client's paths ([`is_path`]).
pub(crate) async fn answer(state: Arc<State>, req: Request<Incoming>, peer: SocketAddr, tls: bool) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path();
    let get = parts.method == Method::GET || parts.method == Method::HEAD;
    match (get, parts.method == Method::POST, path) {
        (true, _, "/web/frame") => {
            let remote = parts.uri.query().is_some_and(|q| q.split('&').any(|p| p == "remote=1"));
            let mut r = bytes(StatusCode::OK, "text/html; charset=utf-8", Bytes::from_static(relais_web::FRAME));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            secure(r, relais_web::frame_csp(remote))
        }
        (true, _, "/web/session") => match find(&state, &parts.headers, peer, tls).await {
            Ok((principal, csrf)) => {
                json_reply(StatusCode::OK, &json!({ "username": principal.address(), "csrfToken": csrf }))
            }
            Err(r) => r,
        },
        (_, true, "/web/login") => login(&state, &parts.headers, body, peer, tls).await,
        (_, true, "/web/logout") => logout(&state, &parts.headers, tls).await,
        (true, _, _) => match relais_web::asset(path) {
            Some(a) => {
                let accept = parts.headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok());
                let (body, coding) = a.encoded(accept);
                let mut r = bytes(StatusCode::OK, a.content_type, Bytes::from_static(body));
                let h = r.headers_mut();
                h.insert(header::CACHE_CONTROL, HeaderValue::from_static(a.cache_control));
                if let Some(coding) = coding {
                    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding));
                }
                // RFC 9110 §12.5.5: a cache must not give the gzip form to one that did not ask.
                if a.gzip.is_some() {
                    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
                }
                secure(r, relais_web::CSP)
            }
            None => secure(crate::http::text_response(StatusCode::NOT_FOUND, "not found"), relais_web::CSP),
        },
        _ => {
            let announced = body.size_hint().exact();
            let r = refuse(relais_dav::Reply::new(StatusCode::METHOD_NOT_ALLOWED), body, announced).await;
            secure(r, relais_web::CSP)
        }
    }
}

/// The session a request's cookie names, with its principal (still in the directory).
async fn find(
    state: &State,
    headers: &HeaderMap,
    peer: SocketAddr,
    tls: bool,
) -> Result<(Principal, String), Response<Body>> {
    match session_of(state, session_cookie(headers, tls), tls, peer).await {
        Ok((p, found)) => Ok((p, found.csrf)),
        Err(NoSession::HttpsRequired) => Err(problem(StatusCode::FORBIDDEN, "https-required")),
        Err(NoSession::Ended) => Err(problem(StatusCode::UNAUTHORIZED, "no session")),
        Err(NoSession::Failed) => Err(problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log")),
    }
}

/// Why a request names no session it may use.
enum NoSession {
    /// Plain text, neither over TLS nor from loopback where that is allowed.
    HttpsRequired,
    /// No cookie, or one whose session ended (or whose principal is gone).
    Ended,
    /// The store failed (logged).
    Failed,
}

/// The live session a cookie's `token` names and its principal (still in the directory): the
/// one lookup of `/web/session` and of every request the cookie authenticates.
async fn session_of(
    state: &State,
    token: Option<&str>,
    tls: bool,
    peer: SocketAddr,
) -> Result<(Principal, Found), NoSession> {
    if !relais_sasl::plaintext_allowed(tls, state.config.dav.plaintext_auth_on_loopback, peer.ip()) {
        return Err(NoSession::HttpsRequired);
    }
    let found = match state.web.find(token.ok_or(NoSession::Ended)?).await {
        Ok(found) => found.ok_or(NoSession::Ended)?,
        Err(e) => {
            tracing::warn!(error = %e, "web: session not read");
            return Err(NoSession::Failed);
        }
    };
    match state.directory.principal_by_id(found.account).await {
        Ok(Some(p)) => Ok((p, found)),
        Ok(None) => Err(NoSession::Ended),
        Err(e) => {
            tracing::warn!(error = %e, "web: session's principal not read");
            Err(NoSession::Failed)
        }
    }
}

/// `r`, to a request whose body is not read: the connection is closed unless the body was
/// small enough to drain (`http::refuse`).
async fn unread(mut r: Response<Body>, body: Incoming, announced: Option<u64>) -> Response<Body> {
    let drained = refuse(relais_dav::Reply::new(r.status()), body, announced).await;
    if let Some(close) = drained.headers().get(header::CONNECTION) {
        r.headers_mut().insert(header::CONNECTION, close.clone());
    }
    r
}

/// The login form's fields, `application/x-www-form-urlencoded`.
fn form_field(body: &str, name: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| crate::percent::decode(&v.replace('+', " ")))
    })
}

async fn login(state: &State, headers: &HeaderMap, body: Incoming, peer: SocketAddr, tls: bool) -> Response<Body> {
    let announced = body.size_hint().exact();
    // A login from another site's page is refused (login CSRF): a browser always names the
    // page's origin on a POST.
    if !same_origin(headers, tls, true) {
        return unread(problem(StatusCode::FORBIDDEN, "cross-origin"), body, announced).await;
    }
    if !relais_sasl::plaintext_allowed(tls, state.config.dav.plaintext_auth_on_loopback, peer.ip()) {
        return unread(problem(StatusCode::FORBIDDEN, "https-required"), body, announced).await;
    }
    if announced.is_some_and(|n| n > LOGIN_BODY_MAX as u64) {
        return unread(problem(StatusCode::PAYLOAD_TOO_LARGE, "too-large"), body, announced).await;
    }
    let read = tokio::time::timeout(LOGIN_BODY_WAIT, Limited::new(body, LOGIN_BODY_MAX).collect()).await;
    let collected = match read {
        Ok(Ok(collected)) => collected,
        failed => {
            let mut r = match failed {
                Err(_) => problem(StatusCode::REQUEST_TIMEOUT, "timeout"),
                _ => problem(StatusCode::PAYLOAD_TOO_LARGE, "too-large"),
            };
            r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
            return r;
        }
    };
    let form = String::from_utf8_lossy(&collected.to_bytes()).into_owned();
    let (Some(username), Some(password)) = (form_field(&form, "username"), form_field(&form, "password")) else {
        return problem(StatusCode::BAD_REQUEST, "username and password required");
    };
    // The account's password alone: an app password is for the apps it was made for, and a
    // session never stands on one (revoking it in Settings leaves the session).
    let creds = Credentials { username, password, remote: Some(peer.ip()) };
    let principal = match state.directory.authenticate_password(&creds).await {
        Ok(p) => p,
        Err(AuthError::Failed) => return problem(StatusCode::UNAUTHORIZED, "failed"),
        Err(AuthError::Throttled { retry_after }) => {
            let mut r = problem(StatusCode::TOO_MANY_REQUESTS, "throttled");
            if let Ok(v) = HeaderValue::from_str(&retry_after.as_secs().max(1).to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return r;
        }
        Err(AuthError::Unavailable(e)) => {
            tracing::warn!(error = %e, "web: login not checked");
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log");
        }
    };
    // A browser that logs in again leaves its previous session behind: it ends here.
    let closed = match session_cookie(headers, tls) {
        Some(previous) => state.web.close(previous).await,
        None => Ok(()),
    };
    let opened = match closed.and(state.web.open(principal.id).await) {
        Ok(Some(opened)) => opened,
        Ok(None) => {
            tracing::warn!("web: login refused, every session is taken");
            return problem(StatusCode::SERVICE_UNAVAILABLE, "busy");
        }
        Err(e) => {
            tracing::warn!(error = %e, "web: session not stored");
            return problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log");
        }
    };
    tracing::info!(user = %principal.address(), remote = %peer.ip(), "web: logged in");
    let mut r = json_reply(StatusCode::OK, &json!({ "username": principal.address(), "csrfToken": opened.csrf }));
    set_cookie(&mut r, &opened.token, tls, false);
    r
}

async fn logout(state: &State, headers: &HeaderMap, tls: bool) -> Response<Body> {
    let Some(token) = session_cookie(headers, tls) else {
        return problem(StatusCode::UNAUTHORIZED, "no session");
    };
    let failed = |e: relais_store::Error| {
        tracing::warn!(error = %e, "web: session not read or ended");
        problem(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log")
    };
    let found = match state.web.find(token).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            let mut r = problem(StatusCode::UNAUTHORIZED, "no session");
            set_cookie(&mut r, "", tls, true);
            return r;
        }
        Err(e) => return failed(e),
    };
    if !same_origin(headers, tls, false) || !csrf_sent(headers, &found.csrf) {
        return problem(StatusCode::FORBIDDEN, "csrf");
    }
    if let Err(e) = state.web.close(token).await {
        return failed(e);
    }
    let mut r = json_reply(StatusCode::OK, &json!({}));
    set_cookie(&mut r, "", tls, true);
    r
}

/// Who sends a JMAP request, from its headers: HTTP Basic when it has an `Authorization`
/// header (or no session cookie: then the Basic challenge), else the web client's session,
/// with the CSRF checks of the module's documentation.
/// How a long-lived JMAP connection (a WebSocket, an EventSource stream) stands after its
/// handshake: checked again before each request it runs and each event it sends, so a logout,
/// a password changed, an app password or API token revoked, the API token it was opened with
/// expiring, or the principal removed ends it as it ends an
/// IMAP session (`relais_directory::CredentialWatch`), not only the next request.
pub(crate) struct Standing {
    watch: relais_directory::CredentialWatch,
    /// The cookie's token, when the connection was opened by a web session.
    session: Option<String>,
    /// When the API token the connection was opened with expires (Unix seconds).
    until: Option<i64>,
}

impl Standing {
    /// The standing of a request [`authenticate`] let through as `principal`.
    pub(crate) async fn of(
        state: &State,
        parts: &hyper::http::request::Parts,
        tls: bool,
        principal: &Principal,
    ) -> relais_directory::Result<Standing> {
        let headers = &parts.headers;
        let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        let session = match authorization {
            None => session_cookie(headers, tls).map(str::to_owned),
            Some(_) => None,
        };
        let until = match authorization.and_then(relais_sasl::bearer) {
            Some(token) => state.directory.api_token_expiry(token).await?,
            None => None,
        };
        Ok(Standing { watch: state.directory.watch_credential(principal).await?, session, until })
    }

    /// Whether the connection may go on (a store read for a web session; for HTTP Basic one
    /// only after the directory changed).
    pub(crate) async fn holds(&mut self, state: &State) -> bool {
        if self.until.is_some_and(|until| relais_store::now() >= until) {
            return false;
        }
        if !self.watch.still_valid(&state.directory).await.unwrap_or(false) {
            return false;
        }
        match &self.session {
            Some(token) => matches!(state.web.find(token).await, Ok(Some(_))),
            None => true,
        }
    }
}

/// What a JMAP request's login stood on beyond the principal's credentials: its web session
/// (by the token's hash) or its bearer token. A push subscription it makes ends with those.
pub(crate) fn login_of(parts: &hyper::http::request::Parts, tls: bool) -> relais_jmap::Login {
    let headers = &parts.headers;
    match headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) {
        Some(authorization) => {
            relais_jmap::Login { web_session: None, bearer: relais_sasl::bearer(authorization).map(str::to_owned) }
        }
        None => relais_jmap::Login {
            web_session: session_cookie(headers, tls).and_then(relais_web::session::token_hash),
            bearer: None,
        },
    }
}

pub(crate) async fn authenticate(
    state: &State,
    parts: &hyper::http::request::Parts,
    tls: bool,
    peer: SocketAddr,
) -> Result<Principal, relais_dav::Reply> {
    let headers = &parts.headers;
    let token = session_cookie(headers, tls);
    let (None, Some(token)) = (headers.get(header::AUTHORIZATION), token) else {
        return state.dav.authenticate(headers, tls, peer.ip()).await;
    };
    let refusal = |status: StatusCode, text: &'static str| {
        let mut r = relais_dav::Reply::new(status);
        r.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
        if status == StatusCode::UNAUTHORIZED {
            r.headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(CHALLENGE));
        }
        r.body = Bytes::from_static(text.as_bytes());
        r
    };
    let (principal, found) = match session_of(state, Some(token), tls, peer).await {
        Ok(x) => x,
        Err(NoSession::HttpsRequired) => return Err(refusal(StatusCode::FORBIDDEN, "log in over HTTPS")),
        Err(NoSession::Ended) => return Err(refusal(StatusCode::UNAUTHORIZED, "session ended; log in again")),
        Err(NoSession::Failed) => {
            return Err(refusal(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log"));
        }
    };
    let websocket = parts.uri.path() == "/jmap/ws";
    if !same_origin(headers, tls, websocket) {
        return Err(refusal(StatusCode::FORBIDDEN, "cross-origin request refused"));
    }
    let reads = parts.method == Method::GET || parts.method == Method::HEAD;
    if !reads && !csrf_sent(headers, &found.csrf) {
        return Err(refusal(StatusCode::FORBIDDEN, "CSRF token missing or wrong"));
    }
    Ok(principal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cookie_found_by_its_name() {
        let h = headers(&[("cookie", "a=1; relais-session=abc; __Host-relais-session=def")]);
        assert_eq!(session_cookie(&h, false), Some("abc"));
        assert_eq!(session_cookie(&h, true), Some("def"));
        assert_eq!(session_cookie(&headers(&[("cookie", "xrelais-session=abc")]), false), None);
        assert_eq!(session_cookie(&headers(&[("cookie", "relais-sessionx=abc")]), false), None);
        assert_eq!(session_cookie(&headers(&[("cookie", "a=1"), ("cookie", "relais-session=z")]), false), Some("z"));
    }

    #[test]
    fn origin_must_be_ours() {
        let host = ("host", "mail.example.test:8443");
        assert!(same_origin(&headers(&[host, ("origin", "https://mail.example.test:8443")]), true, true));
        assert!(!same_origin(&headers(&[host, ("origin", "http://mail.example.test:8443")]), true, true));
        assert!(!same_origin(&headers(&[host, ("origin", "https://evil.test")]), true, false));
        assert!(!same_origin(&headers(&[host, ("origin", "null")]), true, false));
        assert!(same_origin(&headers(&[host]), true, false));
        assert!(!same_origin(&headers(&[host]), true, true));
        assert!(!same_origin(&headers(&[("origin", "https://mail.example.test")]), true, false));
    }

    #[test]
    fn form_fields() {
        let form = "username=ann%40example.test&password=a+b%26c%3D&x";
        assert_eq!(form_field(form, "username").as_deref(), Some("ann@example.test"));
        assert_eq!(form_field(form, "password").as_deref(), Some("a b&c="));
        assert_eq!(form_field(form, "x"), None);
        assert_eq!(form_field("", "username"), None);
    }
}
