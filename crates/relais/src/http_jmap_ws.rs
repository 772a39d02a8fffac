//! JMAP over WebSocket (RFC 8887) on `/jmap/ws`: the handshake and the connection loop. The
//! request was authenticated by `http_jmap` exactly as `/jmap/api` is; here the Upgrade is
//! checked (RFC 6455 §4.2.1: GET, `Upgrade: websocket`, `Connection: Upgrade`, version 13, a
//! 16-octet key; RFC 8887 §4.2: the `jmap` subprotocol, without which the handshake is
//! refused with 400) and answered 101. The session then runs in the HTTP connection's own task
//! (`http::serve` awaits it), so it stays counted against the listener's connection limits
//! and holds the server's shutdown until it ends.
//!
//! tungstenite does the framing (RFC 6455 §5: masking, fragments, control frames, UTF-8 of
//! text, answering pings and closes); `relais_jmap::websocket` answers the messages. The loop
//! reads one message at a time and answers it before reading the next, so a connection has at
//! most one request running; pushes and pings wait for it. Bounds: a message past
//! maxSizeRequest is a RequestError (`limit`), past that and `SLACK` more the connection is
//! closed with 1009; a binary message closes it with 1003; a ping every
//! `http.websocket_ping_secs`, and a peer heard from in none of two intervals, or that does
//! not take a write within one, is dropped.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use http_body_util::Either;
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper::{Response, StatusCode};
use hyper_util::rt::TokioIo;
use relais_store::Principal;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

use crate::http_jmap::Wire;
use crate::http_web::Standing;
use crate::serve::State;

/// The session a connection becomes after its 101, for `http::serve` to run.
pub(crate) type Session = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Where a route leaves its connection's session.
pub(crate) type Upgrade = Arc<Mutex<Option<Session>>>;

/// Octets past maxSizeRequest that tungstenite still reads into a message, so that a request
/// a little too large is answered with the `limit` RequestError and the connection goes on.
const SLACK: usize = 64 * 1024;

/// tungstenite's read buffer: what an idle connection holds (its default is 128 KiB).
const READ_BUFFER: usize = 4 * 1024;

/// The subprotocol (RFC 8887 §4.2, registered by §7.1).
const JMAP: &str = "jmap";

/// Answers a handshake to `/jmap/ws`: 101 and the session left in `upgrade`, or the refusal.
pub(crate) fn open(
    state: &Arc<State>,
    parts: &mut hyper::http::request::Parts,
    (principal, peer, login): (Principal, std::net::SocketAddr, relais_jmap::Login),
    standing: Standing,
    upgrade: &Upgrade,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> Response<Wire> {
    let accept = match handshake(&parts.headers) {
        Ok(a) => a,
        Err(refused) => return refused.response().map(Either::Left),
    };
    let Some(on_upgrade) = parts.extensions.remove::<OnUpgrade>() else {
        // HTTP/1.0, or a connection served without upgrades.
        return text(StatusCode::BAD_REQUEST, "this connection cannot be upgraded").map(Either::Left);
    };
    let jmap = state.jmap.websocket(principal, Some(peer.ip())).with_login(login);
    let limits = Limits {
        max_message: usize::try_from(state.jmap.config().max_size_request).unwrap_or(usize::MAX).saturating_add(SLACK),
        ping: Duration::from_secs(state.config.http.websocket_ping_secs.max(1)),
    };
    let session = run(on_upgrade, jmap, limits, (state.clone(), standing), stopping);
    match upgrade.lock() {
        Ok(mut slot) => *slot = Some(Box::pin(session)),
        Err(_) => return text(StatusCode::INTERNAL_SERVER_ERROR, "internal error").map(Either::Left),
    }
    let mut r = Response::new(Either::Left(crate::http::Body::default()));
    *r.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
    let h = r.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    h.insert(header::SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static(JMAP));
    if let Ok(v) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    r
}

fn text(status: StatusCode, body: &'static str) -> Response<crate::http::Body> {
    crate::http::text_response(status, body)
}

/// True if the comma-separated values of `name` hold `token` (RFC 9110 §5.6.1), in any case.
fn has_token(headers: &HeaderMap, name: header::HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

/// A handshake refused: the status, what the client is told, and a header naming what we
/// speak.
#[derive(Debug)]
struct Refused {
    status: StatusCode,
    text: &'static str,
    header: Option<(header::HeaderName, &'static str)>,
}

impl Refused {
    fn new(status: StatusCode, text: &'static str) -> Refused {
        Refused { status, text, header: None }
    }

    fn response(self) -> Response<crate::http::Body> {
        let mut r = text(self.status, self.text);
        if let Some((name, value)) = self.header {
            r.headers_mut().insert(name, HeaderValue::from_static(value));
        }
        r
    }
}

/// Checks the client's handshake (RFC 6455 §4.2.1, RFC 8887 §4.2) and answers its
/// Sec-WebSocket-Accept, or why it is refused.
fn handshake(headers: &HeaderMap) -> Result<String, Refused> {
    if !has_token(headers, header::UPGRADE, "websocket") || !has_token(headers, header::CONNECTION, "upgrade") {
        // RFC 9110 §15.5.22: 426 names the protocol to upgrade to.
        let text = "a WebSocket handshake is expected here (RFC 8887)";
        return Err(Refused {
            header: Some((header::UPGRADE, "websocket")),
            ..Refused::new(StatusCode::UPGRADE_REQUIRED, text)
        });
    }
    // RFC 6455 §4.2.2: another version is answered with the one we speak.
    if headers.get(header::SEC_WEBSOCKET_VERSION).map(HeaderValue::as_bytes) != Some(b"13") {
        let text = "WebSocket version 13 is spoken here (RFC 6455)";
        let header = Some((header::SEC_WEBSOCKET_VERSION, "13"));
        return Err(Refused { header, ..Refused::new(StatusCode::UPGRADE_REQUIRED, text) });
    }
    // RFC 6455 §4.2.1 item 5: a base64-encoded 16-octet value.
    let key = headers.get(header::SEC_WEBSOCKET_KEY).map(HeaderValue::as_bytes).unwrap_or_default();
    let decoded = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, key.trim_ascii());
    if !decoded.is_ok_and(|k| k.len() == 16) {
        return Err(Refused::new(StatusCode::BAD_REQUEST, "Sec-WebSocket-Key is not a base64-encoded 16-octet value"));
    }
    // RFC 8887 §4.2: the client MUST ask for the jmap subprotocol.
    if !has_token(headers, header::SEC_WEBSOCKET_PROTOCOL, JMAP) {
        return Err(Refused::new(
            StatusCode::BAD_REQUEST,
            "the WebSocket subprotocol jmap is required (Sec-WebSocket-Protocol: jmap, RFC 8887 §4.2)",
        ));
    }
    Ok(tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.trim_ascii()))
}

/// A connection's bounds.
#[derive(Debug, Clone, Copy)]
struct Limits {
    /// The largest message read at all (maxSizeRequest and `SLACK`).
    max_message: usize,
    /// Between pings; a peer heard from in none of two is gone, as is one that does not take
    /// a write within one.
    ping: Duration,
}

/// What woke the loop.
enum Event {
    Frame(Option<Result<Message, WsError>>),
    Push(Option<String>),
    Tick,
    Stop,
}

/// The session: waits for the upgrade, then serves messages and pushes until either side
/// closes, the peer is gone, or the server stops.
async fn run(
    on_upgrade: OnUpgrade,
    mut jmap: relais_jmap::websocket::WebSocket,
    limits: Limits,
    (state, mut standing): (Arc<State>, Standing),
    mut stopping: tokio::sync::watch::Receiver<bool>,
) {
    let upgraded = match on_upgrade.await {
        Ok(u) => u,
        Err(e) => {
            tracing::debug!(error = %e, "jmap websocket: upgrade failed");
            return;
        }
    };
    let config = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(Some(limits.max_message))
        .max_frame_size(Some(limits.max_message));
    let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
    let mut conn = Connection { ws, limits, heard: Instant::now() };
    let mut ticker = tokio::time::interval_at(Instant::now() + limits.ping, limits.ping);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let event = tokio::select! {
            frame = conn.ws.next() => Event::Frame(frame),
            push = jmap.next_push() => Event::Push(push),
            _ = ticker.tick() => Event::Tick,
            () = crate::http_jmap::stopped(&mut stopping) => Event::Stop,
        };
        // The login is checked again before each request run and each push sent: a logout, a
        // changed password or a revoked app password ends the connection, not only the next.
        let acts = matches!(event, Event::Frame(Some(Ok(Message::Text(_)))) | Event::Push(Some(_)));
        if acts && !standing.holds(&state).await {
            conn.close(CloseCode::Policy, "the login has ended").await;
            break;
        }
        let go_on = match event {
            Event::Frame(frame) => conn.frame(frame, &mut jmap).await,
            Event::Push(Some(change)) => conn.send(Message::text(change)).await,
            Event::Push(None) => conn.close(CloseCode::Error, "notifications ended").await,
            Event::Tick => conn.tick().await,
            Event::Stop => conn.close(CloseCode::Away, "the server is stopping").await,
        };
        if !go_on {
            break;
        }
    }
}

/// One WebSocket connection's frames.
struct Connection {
    ws: WebSocketStream<TokioIo<Upgraded>>,
    limits: Limits,
    /// When the peer last sent anything.
    heard: Instant,
}

impl Connection {
    /// Handles what the peer sent; false when the connection ends.
    async fn frame(
        &mut self,
        frame: Option<Result<Message, WsError>>,
        jmap: &mut relais_jmap::websocket::WebSocket,
    ) -> bool {
        self.heard = Instant::now();
        match frame {
            None => false,
            Some(Ok(Message::Text(text))) => {
                for answer in jmap.answer(text.as_bytes()).await {
                    if !self.send(Message::text(answer)).await {
                        return false;
                    }
                }
                // Nothing was read while the request ran: the peer's silence counts from here.
                self.heard = Instant::now();
                true
            }
            // RFC 8887 §4.3: JMAP messages are text frames.
            Some(Ok(Message::Binary(_))) => self.close(CloseCode::Unsupported, "JMAP messages are text").await,
            // tungstenite answers pings and the close handshake itself; after a close, reading
            // goes on until it ends the stream.
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_))) => true,
            Some(Err(WsError::Capacity(e))) => {
                tracing::debug!(error = %e, "jmap websocket: message too large");
                self.close(CloseCode::Size, "the message is over maxSizeRequest").await
            }
            Some(Err(e)) => {
                tracing::debug!(error = %e, "jmap websocket: connection ended");
                false
            }
        }
    }

    /// A ping, or the end of a peer not heard from in two intervals.
    async fn tick(&mut self) -> bool {
        if self.heard.elapsed() >= self.limits.ping * 2 {
            tracing::debug!("jmap websocket: peer silent for two ping intervals; dropped");
            return false;
        }
        self.send(Message::Ping(Default::default())).await
    }

    /// Sends a message within one ping interval; false when it could not be.
    async fn send(&mut self, message: Message) -> bool {
        match tokio::time::timeout(self.limits.ping, self.ws.send(message)).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "jmap websocket: write failed");
                false
            }
            Err(_) => {
                tracing::debug!("jmap websocket: peer not reading; dropped");
                false
            }
        }
    }

    /// Starts the closing handshake (RFC 6455 §7.1.2) and ends the connection.
    async fn close(&mut self, code: CloseCode, reason: &'static str) -> bool {
        let frame = CloseFrame { code, reason: reason.into() };
        let _ = tokio::time::timeout(self.limits.ping, self.ws.close(Some(frame))).await;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(list: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in list {
            h.append(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn handshakes() {
        // RFC 6455 §1.3's key and accept value.
        let good = [
            ("upgrade", "WebSocket"),
            ("connection", "keep-alive, Upgrade"),
            ("sec-websocket-version", "13"),
            ("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ=="),
            ("sec-websocket-protocol", "chat, jmap"),
        ];
        assert_eq!(handshake(&headers(&good)).ok().as_deref(), Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        let without = |name: &str| good.iter().copied().filter(|(n, _)| *n != name).collect::<Vec<_>>();
        let with = |name: &'static str, value: &'static str| {
            let mut l = without(name);
            l.push((name, value));
            l
        };
        let table: Vec<(Vec<(&'static str, &'static str)>, StatusCode)> = vec![
            (without("upgrade"), StatusCode::UPGRADE_REQUIRED),
            (with("connection", "keep-alive"), StatusCode::UPGRADE_REQUIRED),
            (with("sec-websocket-version", "8"), StatusCode::UPGRADE_REQUIRED),
            (without("sec-websocket-key"), StatusCode::BAD_REQUEST),
            (with("sec-websocket-key", "c2hvcnQ="), StatusCode::BAD_REQUEST),
            (without("sec-websocket-protocol"), StatusCode::BAD_REQUEST),
            (with("sec-websocket-protocol", "chat, jmapx"), StatusCode::BAD_REQUEST),
        ];
        for (list, status) in table {
            let refused = handshake(&headers(&list)).unwrap_err();
            assert_eq!(refused.status, status, "{list:?}");
        }
    }
}
