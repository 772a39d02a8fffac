//! ActiveSync on the HTTP router: `/Microsoft-Server-ActiveSync` (any case). The credentials are
//! checked as for DAV (HTTP Basic over TLS, the loopback exception as configured, failed logins
//! throttled by the directory) before the body is read; the body is read within the HTTP
//! limits; `relais_eas` does the rest.

use std::net::SocketAddr;
use std::sync::Arc;

use http_body_util::Full;
use hyper::body::{Body as _, Bytes, Incoming};
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Request, Response, StatusCode};

use crate::http::{Body, body_refused, refuse};
use crate::serve::State;

pub const PATH: &str = "/Microsoft-Server-ActiveSync";

pub fn is_path(path: &str) -> bool {
    path.eq_ignore_ascii_case(PATH)
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
    // What the command reads of the request head, copied out so the head itself is dropped
    // before the command runs: its header values are slices of the connection's read buffer,
    // and a Ping parked for an hour would keep that buffer (and make hyper take a second one
    // to watch for the client leaving).
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (version, policy_key) = (header("ms-asprotocolversion"), header("x-ms-policykey"));
    let (method, query) = (parts.method.clone(), parts.uri.query().map(str::to_owned));
    drop(parts);
    let request = relais_eas::Request {
        method: method.as_str(),
        query: query.as_deref(),
        version: version.as_deref(),
        policy_key: policy_key.as_deref(),
        principal: &principal,
        body: &body.bytes,
    };
    let reply = state.eas.handle(request).await;
    let mut r = Response::new(Full::new(Bytes::from(reply.body)));
    *r.status_mut() = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    for (name, value) in reply.headers {
        if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
            r.headers_mut().insert(n, v);
        }
    }
    r
}
