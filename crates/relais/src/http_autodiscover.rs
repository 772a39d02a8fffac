//! Client set-up discovery on the HTTP router (formats in `relais-autodiscover`):
//! - POX Autodiscover and the Apple profile are personal: HTTP Basic over TLS (loopback
//!   exception as configured for DAV), failures throttled by the directory like every login,
//!   and an answer only for an address the user may act for (error 500 otherwise, the same as
//!   for an unknown address);
//! - Autodiscover v2 JSON and Thunderbird autoconfig disclose only the server's settings and
//!   need no login; autoconfig answers for local domains only (404 otherwise).
//!
//! Whatever the Host (the main host name, `autodiscover.<domain>`, `autoconfig.<domain>`), the
//! URLs handed out name `[server] hostname`, the name the certificate is for.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use hyper::body::{Body as _, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Request, Response, StatusCode};
use relais_autodiscover::{
    Endpoint, ErrorCode, MOBILECONFIG_TYPE, MobileConfigUser, PoxUser, RequestedSchema, Schema, XmlLimits,
};
use relais_dav::Reply;
use relais_store::Principal;

use crate::http::{Body, body_refused, refuse, response};
use crate::serve::State;

/// A POX request is a few hundred bytes; anything past this is refused unparsed.
const POX_MAX: usize = 64 * 1024;

/// Tighter than DAV's: a POX request has four elements.
const POX_LIMITS: XmlLimits = XmlLimits { max_depth: 16, max_elements: 256, max_attributes: 16, max_namespaces: 32 };

pub async fn answer(
    state: Arc<State>,
    req: Request<Incoming>,
    endpoint: Endpoint,
    peer: SocketAddr,
    tls: bool,
) -> Response<Body> {
    let (parts, body) = req.into_parts();
    let announced = body.size_hint().exact();
    if !endpoint.allows(parts.method.as_str()) {
        let reply = reply(StatusCode::METHOD_NOT_ALLOWED, "text/plain; charset=utf-8", "method not allowed")
            .with(header::ALLOW, endpoint.allow_header());
        return refuse(reply, body, announced).await;
    }
    let user = if endpoint.needs_login() {
        match state.dav.authenticate(&parts.headers, tls, peer.ip()).await {
            Ok(p) => Some(p),
            Err(reply) => return refuse(reply, body, announced).await,
        }
    } else {
        None
    };
    let reply = match (endpoint, user) {
        (Endpoint::Pox, Some(user)) => {
            if announced.is_some_and(|n| n > POX_MAX as u64) {
                let doc = pox_error(None, ErrorCode::InvalidRequest, "request too large");
                return refuse(reply(StatusCode::BAD_REQUEST, "text/xml; charset=utf-8", doc), body, announced).await;
            }
            let unread = !body.is_end_stream();
            let body = match state.bodies.read(body, announced).await {
                Ok(b) => b,
                Err(e) => return body_refused(e, unread),
            };
            pox(&state, &body.bytes, &user).await
        }
        (Endpoint::MobileConfig { platform }, Some(user)) => {
            let email = user.address();
            let profile = MobileConfigUser {
                email: &email,
                display_name: display_name(&user, &email),
                principal_path: &relais_dav::path::principal_href(&email),
            };
            let doc = relais_autodiscover::mobileconfig(&profile, platform, &state.services);
            reply(StatusCode::OK, MOBILECONFIG_TYPE, doc)
                .with(header::CONTENT_DISPOSITION, "attachment; filename=\"relais.mobileconfig\"")
        }
        (Endpoint::Json { email, protocol }, _) => {
            let a = relais_autodiscover::json_answer(email.as_deref(), protocol.as_deref(), &state.services);
            let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::BAD_REQUEST);
            reply(status, "application/json; charset=utf-8", a.body)
        }
        (Endpoint::Autoconfig { email }, _) => autoconfig(&state, email, &parts.headers).await,
        (Endpoint::Pox | Endpoint::MobileConfig { .. }, None) => internal("login skipped"),
    };
    response(reply)
}

/// POX: parse, check the address against the user, answer (errors as Autodiscover errors).
async fn pox(state: &State, body: &[u8], user: &Principal) -> Reply {
    let xml = |status, doc: String| reply(status, "text/xml; charset=utf-8", doc);
    if body.len() > POX_MAX {
        return xml(StatusCode::BAD_REQUEST, pox_error(None, ErrorCode::InvalidRequest, "request too large"));
    }
    let request = match relais_autodiscover::parse_request(body, &POX_LIMITS) {
        Ok(r) => r,
        Err(e) => return xml(StatusCode::BAD_REQUEST, pox_error(None, ErrorCode::InvalidRequest, &e.to_string())),
    };
    let schema = match request.schema {
        RequestedSchema::Known(s) if s.served() => s,
        // MS-ASCMD §2.2.3.64: no provider for this schema (the outlook one comes with EWS).
        RequestedSchema::Known(_) | RequestedSchema::Unknown(_) => {
            return xml(StatusCode::OK, pox_error(None, ErrorCode::SchemaNotServed, "schema not served"));
        }
    };
    let owner = match state.directory.acts_for(user, &request.email).await {
        Ok(Some(owner)) => owner,
        Ok(None) => return xml(StatusCode::OK, pox_error(Some(schema), ErrorCode::AddressNotFound, "not the user's")),
        Err(e) => {
            tracing::warn!(error = %e, "autodiscover: directory lookup failed");
            return xml(StatusCode::OK, pox_error(Some(schema), ErrorCode::Internal, "directory"));
        }
    };
    let email = owner.address();
    let url = state.services.activesync_url();
    match schema {
        Schema::MobileSync => {
            let who = PoxUser { display_name: display_name(&owner, &email), email: &email };
            xml(StatusCode::OK, relais_autodiscover::mobilesync_response(&who, &url))
        }
        Schema::Outlook => xml(StatusCode::OK, pox_error(None, ErrorCode::SchemaNotServed, "schema not served")),
    }
}

/// An error document; the Id (logged with the cause) ties a client's report to the log.
fn pox_error(schema: Option<Schema>, code: ErrorCode, cause: &str) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() % 86_400;
    let time = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    let id = now.subsec_nanos();
    tracing::debug!(id, code = code.code(), cause, "autodiscover: error answered");
    relais_autodiscover::error_response(schema, code, &time, id)
}

/// Thunderbird: the domain of `emailaddress`, else the Host (`autoconfig.<domain>`); local only.
async fn autoconfig(state: &State, email: Option<String>, headers: &hyper::HeaderMap) -> Reply {
    let from_host = || {
        let host = headers.get(header::HOST)?.to_str().ok()?;
        let host = host.rsplit_once(':').map_or(host, |(h, port)| if port.parse::<u16>().is_ok() { h } else { host });
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        Some(host.strip_prefix("autoconfig.").map(str::to_owned).unwrap_or(host))
    };
    let domain = match email.as_deref().and_then(|e| e.rsplit_once('@')) {
        Some((_, d)) => Some(d.to_owned()),
        None => from_host(),
    };
    let Some(domain) = domain else { return not_found() };
    match state.directory.is_local_domain(&domain).await {
        Ok(true) => reply(
            StatusCode::OK,
            "application/xml; charset=utf-8",
            relais_autodiscover::autoconfig(&domain, &state.services),
        ),
        Ok(false) => not_found(),
        Err(e) => {
            tracing::warn!(error = %e, "autoconfig: directory lookup failed");
            internal("directory")
        }
    }
}

fn display_name<'a>(p: &'a Principal, email: &'a str) -> &'a str {
    if p.display_name.trim().is_empty() { email } else { &p.display_name }
}

fn not_found() -> Reply {
    reply(StatusCode::NOT_FOUND, "text/plain; charset=utf-8", "not found")
}

fn internal(cause: &str) -> Reply {
    tracing::warn!(cause, "autodiscover: internal error");
    reply(StatusCode::INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8", "internal error; see the server log")
}

fn reply(status: StatusCode, content_type: &'static str, body: impl Into<hyper::body::Bytes>) -> Reply {
    let mut r = Reply::new(status);
    r.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.body = body.into();
    r
}

trait WithHeader {
    fn with(self, name: header::HeaderName, value: &'static str) -> Self;
}

impl WithHeader for Reply {
    fn with(mut self, name: header::HeaderName, value: &'static str) -> Reply {
        self.headers.insert(name, HeaderValue::from_static(value));
        self
    }
}
