//! The HTTP(S) listener: the health endpoints, DAV (`/dav/…`, `/.well-known/caldav|carddav`),
//! client set-up discovery (`http_autodiscover`: Autodiscover, autoconfig, Apple profiles) and
//! ActiveSync (`http_eas`), JMAP (`http_jmap`), the web client (`http_web`: `/`, `/static/…`,
//! `/web/…`); EWS and the admin API join this one router as they land. A request's sender is
//! authenticated from its headers before any of its body is read: a stranger's body is never
//! read (the connection is closed when one was announced). Then the body is read whole, within
//! `dav.max_request_body` and the limits of `http_body` (timeouts, spooling to disk, a memory
//! budget), before a handler sees it; handlers return replies and never touch the connection.
//! ActiveSync's requests and JMAP's EventSource streams mostly bypass hyper (`http_longpoll`: a
//! parked Ping or a waiting stream holds no buffer).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::HeaderValue;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::http_body::BodyError;
use crate::serve::{Shutdown, State};

/// `/readyz` fails when no store connection is free this soon: every one is held by slow
/// work, and new requests would queue behind it (a starved pool is not ready).
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

pub(crate) type Body = Full<Bytes>;

pub(crate) fn text_response(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// The DAV path a request names, if DAV answers it: a path under `/dav/`, a well-known URI, or
/// a PROPFIND of the server's root — what a client given only `https://host/` sends to find
/// the current user's principal (RFC 5397 §3, RFC 6764 §6) — answered as the DAV root.
fn dav_path(method: &Method, path: &str) -> Option<String> {
    let dav = path == "/dav"
        || path.starts_with("/dav/")
        || path.starts_with("/.well-known/caldav")
        || path.starts_with("/.well-known/carddav");
    match (dav, path) {
        (true, _) => Some(path.to_owned()),
        (false, "/") if method.as_str() == "PROPFIND" => Some("/dav/".to_owned()),
        _ => None,
    }
}

/// Authenticates from the headers, then reads the body and hands the request to the DAV
/// service.
async fn dav(state: Arc<State>, req: Request<Incoming>, path: String, peer: SocketAddr, tls: bool) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let announced = body.size_hint().exact();
    let unread = !body.is_end_stream();
    if let Some(reply) = state.dav.answer_without_credentials(&parts.method, &path) {
        return refuse(reply, body, announced).await;
    }
    let user = match state.dav.authenticate(&parts.headers, tls, peer.ip()).await {
        Ok(user) => user,
        Err(reply) => return refuse(reply, body, announced).await,
    };
    let body = match state.bodies.read(body, announced).await {
        Ok(body) => body,
        Err(e) => return body_refused(e, unread),
    };
    let request = relais_dav::Request {
        method: parts.method,
        path,
        headers: parts.headers,
        body: body.bytes.clone(),
        tls,
        remote: peer.ip(),
    };
    let reply = state.dav.handle_as(request, user).await;
    // The body's share of the memory budget is held until here.
    drop(body);
    response(reply)
}

pub(crate) fn response(reply: relais_dav::Reply) -> Response<Body> {
    let mut r = Response::new(Full::new(reply.body));
    *r.status_mut() = reply.status;
    *r.headers_mut() = reply.headers;
    r
}

/// Bodies up to this size that come with a request answered without reading them are read
/// and dropped (one read buffer's worth), so the connection stays usable and closing it does
/// not reset what the client has not read yet; anything larger, or of unknown length, is left
/// unread and the connection closed. Within `DISCARD_WITHIN`, else the same.
pub(crate) const DISCARD_MAX: u64 = 64 * 1024;

pub(crate) const DISCARD_WITHIN: Duration = Duration::from_secs(2);

/// Answers `reply` to a request whose body is not wanted (a stranger's, an OPTIONS).
pub(crate) async fn refuse(reply: relais_dav::Reply, body: Incoming, announced: Option<u64>) -> Response<Body> {
    let mut r = response(reply);
    if body.is_end_stream() {
        return r;
    }
    let small = announced.is_some_and(|n| n <= DISCARD_MAX);
    let drained = small && tokio::time::timeout(DISCARD_WITHIN, body.collect()).await.is_ok_and(|b| b.is_ok());
    if !drained {
        r.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

/// What a body that could not be read is answered with; the connection is closed, since
/// what is left of the body is not read.
pub(crate) fn body_refused(e: BodyError, unread: bool) -> Response<Body> {
    let (status, text) = e.answer();
    let mut r = text_response(status, text);
    if matches!(e, BodyError::Busy) {
        r.headers_mut().insert(hyper::header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    if unread {
        r.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

/// What a request's handler knows of its connection.
#[derive(Clone)]
pub(crate) struct Conn {
    pub peer: SocketAddr,
    pub tls: bool,
    /// Streaming answers (JMAP EventSource and WebSocket) end when the server stops.
    pub stopping: tokio::sync::watch::Receiver<bool>,
    /// Where a WebSocket handshake's route leaves the session the connection becomes.
    pub upgrade: crate::http_jmap_ws::Upgrade,
}

async fn route(
    state: Arc<State>,
    req: Request<Incoming>,
    conn: Conn,
) -> Result<Response<crate::http_jmap::Wire>, Infallible> {
    if crate::http_jmap::is_path(req.uri().path()) {
        return Ok(Box::pin(crate::http_jmap::answer(state, req, conn)).await);
    }
    Ok(Box::pin(route_whole(state, req, conn.peer, conn.tls)).await?.map(http_body_util::Either::Left))
}

/// The routes whose answers are whole bodies.
async fn route_whole(
    state: Arc<State>,
    req: Request<Incoming>,
    peer: SocketAddr,
    tls: bool,
) -> Result<Response<Body>, Infallible> {
    if let Some(endpoint) = relais_autodiscover::Endpoint::classify(req.uri().path(), req.uri().query()) {
        return Ok(Box::pin(crate::http_autodiscover::answer(state, req, endpoint, peer, tls)).await);
    }
    if let Some(path) = dav_path(req.method(), req.uri().path()) {
        return Ok(Box::pin(dav(state, req, path, peer, tls)).await);
    }
    if crate::http_eas::is_path(req.uri().path()) {
        // Boxed, as each route: a connection's request future is only as large as its own route's.
        return Ok(Box::pin(crate::http_eas::answer(state, req, peer, tls)).await);
    }
    if crate::http_web::is_path(req.method(), req.uri().path()) {
        return Ok(Box::pin(crate::http_web::answer(state, req, peer, tls)).await);
    }
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/healthz") => text_response(StatusCode::OK, "ok"),
        (&Method::GET | &Method::HEAD, "/readyz") => match state.store.ping(READY_WITHIN).await {
            Ok(()) => text_response(StatusCode::OK, "ready"),
            Err(e) => {
                tracing::warn!(error = %e, "readyz: store not answering");
                text_response(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
            }
        },
        (_, "/healthz" | "/readyz") => text_response(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        _ => text_response(StatusCode::NOT_FOUND, "not found"),
    })
}

/// Serves one connection until it closes or the server shuts down (then finishes the
/// request in flight and closes). ActiveSync's requests are served by `http_longpoll` without
/// hyper, as long as the connection carries nothing else; the first request that is not one
/// hands the connection, with what was read of it, to hyper for the rest of its life. A
/// connection upgraded to a WebSocket goes on as its session in this same task: every
/// connection stays counted against the listener's limits until it ends.
pub async fn serve<S>(stream: S, peer: SocketAddr, tls: bool, state: Arc<State>, mut shutdown: Shutdown)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let conn = crate::http_longpoll::Conn { peer, tls, state: &state, stopping: shutdown.signal() };
    if let Some(stream) = crate::http_longpoll::serve(stream, conn, &mut shutdown).await {
        Box::pin(serve_hyper(stream, peer, tls, state, shutdown)).await;
    }
}

/// Serves a connection with hyper until it closes or the server shuts down.
async fn serve_hyper<S>(stream: S, peer: SocketAddr, tls: bool, state: Arc<State>, mut shutdown: Shutdown)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let header_timeout = state.config.http.header_timeout_secs.max(1);
    let state_read_buffer = state.config.http.read_buffer.max(8192);
    let upgrade = crate::http_jmap_ws::Upgrade::default();
    let conn = Conn { peer, tls, stopping: shutdown.signal(), upgrade: upgrade.clone() };
    let service = hyper::service::service_fn(move |req| route(state.clone(), req, conn.clone()));
    let conn = hyper::server::conn::http1::Builder::new()
        .max_buf_size(state_read_buffer)
        .header_read_timeout(Duration::from_secs(header_timeout))
        .timer(hyper_util::rt::TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service)
        .with_upgrades();
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "http: connection ended");
            }
        }
        () = shutdown.wait() => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
    let session = upgrade.lock().ok().and_then(|mut s| s.take());
    if let Some(session) = session {
        session.await;
    }
}
