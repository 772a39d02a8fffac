//! ActiveSync on the HTTP router: `/Microsoft-Server-ActiveSync` (any case). The credentials are
//! checked as for DAV (HTTP Basic over TLS, the loopback exception as configured, failed logins
//! throttled by the directory) before the body is read; the body is read within the HTTP
//! limits; `relais_eas` does the rest. Most ActiveSync requests do not reach hyper at all:
//! `http_longpoll` frames them itself, so that a parked Ping holds no HTTP buffer, and shares
//! [`Command`] with the route here (which serves what it hands over: chunked bodies, HTTP/1.0).

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{HeaderMap, HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};
use relais_store::Principal;

use crate::http::{Body, body_refused, refuse};
use crate::serve::State;

pub const PATH: &str = "/Microsoft-Server-ActiveSync";

pub fn is_path(path: &str) -> bool {
    path.eq_ignore_ascii_case(PATH)
}

/// What a command reads of its request head, copied out so the head itself is dropped before
/// the command runs: a Ping parked for an hour would otherwise keep it, and with hyper the
/// connection's read buffer its header values are slices of (and make hyper take a second one
/// to watch for the client leaving).
pub(crate) struct Command {
    method: String,
    query: Option<String>,
    version: Option<String>,
    policy_key: Option<String>,
}

impl Command {
    pub(crate) fn of(method: &str, query: Option<&str>, headers: &HeaderMap) -> Command {
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        Command {
            method: method.to_owned(),
            query: query.map(str::to_owned),
            version: header("ms-asprotocolversion"),
            policy_key: header("x-ms-policykey"),
        }
    }

    /// Runs the command as `principal`, whose credentials the caller has checked.
    pub(crate) async fn run(&self, state: &State, principal: &Principal, body: &[u8]) -> relais_eas::Reply {
        let request = relais_eas::Request {
            method: &self.method,
            query: self.query.as_deref(),
            version: self.version.as_deref(),
            policy_key: self.policy_key.as_deref(),
            principal,
            body,
        };
        state.eas.handle(request).await
    }
}

pub async fn answer(state: Arc<State>, req: Request<Incoming>, peer: SocketAddr, tls: bool) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let announced = body.size_hint().exact();
    let principal = match state.dav.authenticate(&parts.headers, tls, peer.ip()).await {
        Ok(p) => p,
        Err(reply) => return refuse(reply, body, announced).await,
    };
    let unread = !body.is_end_stream();
    let body = match state.bodies.read(body, announced).await {
        Ok(b) => b,
        Err(e) => return body_refused(e, unread),
    };
    let command = Command::of(parts.method.as_str(), parts.uri.query(), &parts.headers);
    drop(parts);
    let reply = command.run(&state, &principal, &body.bytes).await;
    let mut r = Response::new(Full::new(Bytes::from(reply.body)));
    *r.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            r.headers_mut().insert(n, v);
        }
    }
    r
}
