//! JMAP on the HTTP router (RFC 8620): `/.well-known/jmap` (the session), `/jmap/api`,
//! `/jmap/upload/{accountId}/`, `/jmap/download/{accountId}/{blobId}/{name}?type=`,
//! `/jmap/eventsource` and `/jmap/ws` (WebSocket, RFC 8887: `http_jmap_ws`). The credentials
//! are checked as for DAV and ActiveSync (HTTP Basic over TLS, the loopback exception as
//! configured, failed logins throttled by the directory) — or the web client's session cookie
//! with its CSRF checks (`http_web::authenticate`) — before the body is read; the body is
//! read within the HTTP limits (past `maxSizeRequest` the answer is JMAP's `limit` problem);
//! `relais_jmap` does the rest. EventSource answers stream: a task per connection waits on the
//! account's notifications and feeds the response body, and ends when the client goes.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http_body_util::Either;
use hyper::body::{Body as _, Bytes, Frame, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use crate::http::{Body, Conn, body_refused, refuse};
use crate::http_web::Standing;
use crate::serve::State;

/// A response body: whole, or an EventSource stream.
pub(crate) type Wire = Either<Body, EventBody>;

/// Whether JMAP answers `path`.
pub fn is_path(path: &str) -> bool {
    path == "/.well-known/jmap" || path == "/jmap" || path.starts_with("/jmap/")
}

/// The EventSource body: what the connection's task sends, as it comes.
pub(crate) struct EventBody {
    rx: tokio::sync::mpsc::Receiver<Bytes>,
}

impl hyper::body::Body for EventBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|b| b.map(|b| Ok(Frame::data(b))))
    }
}

/// JMAP's reply in the router's form.
fn as_dav(r: relais_jmap::Reply) -> relais_dav::Reply {
    let mut out = relais_dav::Reply::new(StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR));
    out.headers.insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static(r.content_type));
    for (name, value) in r.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            out.headers.insert(n, v);
        }
    }
    out.body = Bytes::from(r.body);
    out
}

fn reply(r: relais_jmap::Reply) -> Response<Wire> {
    left(crate::http::response(as_dav(r)))
}

fn left(r: Response<Body>) -> Response<Wire> {
    r.map(Either::Left)
}

/// `https://host[:port]` as the client reached us: the Host header when it is a plain host
/// name or address, else the configured host name.
fn origin(state: &State, headers: &hyper::HeaderMap, tls: bool) -> relais_jmap::Origin {
    let host = headers.get(hyper::header::HOST).and_then(|h| h.to_str().ok()).filter(|h| {
        !h.is_empty() && h.len() <= 255 && h.bytes().all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    });
    let host = host.map_or_else(|| state.config.server.hostname.clone(), str::to_owned);
    relais_jmap::Origin(format!("{}://{host}", if tls { "https" } else { "http" }))
}

pub(crate) async fn answer(state: Arc<State>, req: Request<Incoming>, conn: Conn) -> Response<Wire> {
    let Conn { peer, tls, stopping, upgrade } = conn;
    let (mut parts, body) = req.into_parts();
    let announced = body.size_hint().exact();
    let principal = match crate::http_web::authenticate(&state, &parts, tls, peer).await {
        Ok(p) => p,
        Err(r) => return left(refuse(r, body, announced).await),
    };
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let jmap = &state.jmap;
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    match (&parts.method, segments.as_slice()) {
        (&Method::GET, [".well-known", "jmap"] | ["jmap"] | ["jmap", "session"]) => {
            reply(jmap.session(&principal, &origin(&state, &parts.headers, tls)).await)
        }
        (&Method::POST, ["jmap", "api"] | ["jmap", "api", ""]) => {
            // A body past maxSizeRequest is still read (within the HTTP limit, spooled): a client
            // that is still sending cannot read an early answer, and JMAP's is the `limit`
            // problem (RFC 8620 §3.6.1), which `api` gives.
            let unread = !body.is_end_stream();
            let body = match state.bodies.read(body, announced).await {
                Ok(b) => b,
                Err(e) => return left(body_refused(e, unread)),
            };
            let login = crate::http_web::login_of(&parts, tls);
            reply(jmap.api_with(&principal, Some(peer.ip()), &login, &body.bytes).await)
        }
        (&Method::POST, ["jmap", "upload", account] | ["jmap", "upload", account, ""]) => {
            let account = (*account).to_owned();
            let unread = !body.is_end_stream();
            let body = match state.bodies.read(body, announced).await {
                Ok(b) => b,
                Err(e) => return left(body_refused(e, unread)),
            };
            let kind = parts.headers.get(hyper::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
            reply(jmap.upload(&principal, &account, kind, body.bytes.to_vec()).await)
        }
        (&Method::GET, ["jmap", "download", account, blob, name]) => {
            let kind =
                query.split('&').find_map(|p| p.strip_prefix("type=")).map(crate::percent::decode).unwrap_or_default();
            reply(jmap.download(&principal, account, blob, &crate::percent::decode(name), &kind).await)
        }
        (&Method::GET, ["jmap", "eventsource"] | ["jmap", "ws"]) => {
            let standing = match Standing::of(&state, &parts, tls, &principal).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "jmap: credentials not read");
                    return left(crate::http::text_response(StatusCode::INTERNAL_SERVER_ERROR, "internal error"));
                }
            };
            if segments[1] == "ws" {
                let login = crate::http_web::login_of(&parts, tls);
                return crate::http_jmap_ws::open(
                    &state,
                    &mut parts,
                    (principal, peer, login),
                    standing,
                    &upgrade,
                    stopping,
                );
            }
            match jmap.event_source(&principal, &query).await {
                Ok(source) => event_stream(state.clone(), standing, source, stopping),
                Err(r) => reply(r),
            }
        }
        _ => left(refuse(relais_dav::Reply::new(StatusCode::NOT_FOUND), body, announced).await),
    }
}

/// Starts the task that feeds an EventSource response; it ends when the client goes or the
/// server stops.
fn event_stream(
    state: Arc<State>,
    mut standing: Standing,
    mut source: relais_jmap::push::EventSource,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) -> Response<Wire> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Bytes>(4);
    tokio::spawn(async move {
        loop {
            tokio::select! {
                event = source.next() => match event {
                    // Each event (a state change or a ping) only while the login stands.
                    Some(bytes) => {
                        if !standing.holds(&state).await || tx.send(Bytes::from(bytes)).await.is_err() {
                            break;
                        }
                    }
                    None => break,
                },
                () = tx.closed() => break,
                () = stopped(&mut stopping) => break,
            }
        }
    });
    let mut r = Response::new(Either::Right(EventBody { rx }));
    r.headers_mut().insert(hyper::header::CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
    r.headers_mut().insert(hyper::header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}

/// Returns once the server is stopping.
pub(crate) async fn stopped(rx: &mut tokio::sync::watch::Receiver<bool>) {
    loop {
        if *rx.borrow_and_update() {
            return;
        }
        if rx.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}
