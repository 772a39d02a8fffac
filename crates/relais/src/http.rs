//! The HTTP(S) listener: the health endpoints and DAV (`/dav/…`, `/.well-known/caldav|carddav`);
//! JMAP, ActiveSync, EWS, Autodiscover, the admin API and the web client join this one router as
//! they land. The router reads a request body whole, up to `dav.max_request_body`, before a
//! handler sees it; handlers return replies and never touch the connection.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};

use crate::serve::{Shutdown, State};

/// `/readyz` fails when no store connection is free this soon: every one is held by slow
/// work, and new requests would queue behind it (a starved pool is not ready).
const READY_WITHIN: std::time::Duration = std::time::Duration::from_secs(2);

type Body = Full<Bytes>;

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(hyper::header::CONTENT_TYPE, hyper::header::HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

fn is_dav(path: &str) -> bool {
    path == "/dav"
        || path.starts_with("/dav/")
        || path.starts_with("/.well-known/caldav")
        || path.starts_with("/.well-known/carddav")
}

/// Reads the body (bounded) and hands the request to the DAV service.
async fn dav(state: Arc<State>, req: Request<Incoming>, peer: SocketAddr, tls: bool) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let limit = state.config.dav.max_request_body;
    let body = match Limited::new(body, limit).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large");
        }
        Err(e) => {
            tracing::debug!(error = %e, "http: body not read");
            return text(StatusCode::BAD_REQUEST, "request body could not be read");
        }
    };
    let request = relais_dav::Request {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        headers: parts.headers,
        body,
        tls,
        remote: peer.ip(),
    };
    let reply = state.dav.handle(request).await;
    let mut r = Response::new(Full::new(reply.body));
    *r.status_mut() = reply.status;
    *r.headers_mut() = reply.headers;
    r
}

async fn route(
    state: Arc<State>,
    req: Request<Incoming>,
    peer: SocketAddr,
    tls: bool,
) -> Result<Response<Body>, Infallible> {
    if is_dav(req.uri().path()) {
        return Ok(dav(state, req, peer, tls).await);
    }
    Ok(match (req.method(), req.uri().path()) {
        (&Method::GET | &Method::HEAD, "/healthz") => text(StatusCode::OK, "ok"),
        (&Method::GET | &Method::HEAD, "/readyz") => match state.store.ping(READY_WITHIN).await {
            Ok(()) => text(StatusCode::OK, "ready"),
            Err(e) => {
                tracing::warn!(error = %e, "readyz: store not answering");
                text(StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
            }
        },
        (_, "/healthz" | "/readyz") => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        _ => text(StatusCode::NOT_FOUND, "not found"),
    })
}

/// Serves one connection until it closes or the server shuts down (then finishes the
/// request in flight and closes).
pub async fn serve<S>(stream: S, peer: SocketAddr, tls: bool, state: Arc<State>, mut shutdown: Shutdown)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req| route(state.clone(), req, peer, tls));
    let conn = hyper::server::conn::http1::Builder::new()
        .max_buf_size(64 * 1024)
        .header_read_timeout(std::time::Duration::from_secs(30))
        .timer(hyper_util::rt::TokioTimer::new())
        .serve_connection(TokioIo::new(stream), service);
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
}
