//! JMAP over WebSocket (RFC 8887 §4.3): the messages of one connection, once the binary's
//! `http_jmap_ws` accepted the handshake (an HTTP/1.1 Upgrade naming the `jmap` subprotocol,
//! authenticated as `/jmap/api` is) and reads the frames. Each text message is one JSON object
//! whose `@type` says what it is:
//!
//! ```text
//! → {"@type":"Request","id":"R1","using":[…],"methodCalls":[…]}                     §4.3.2
//! ← {"@type":"Response","requestId":"R1","methodResponses":[…],"sessionState":"…"}  §4.3.3
//! ← {"@type":"RequestError","requestId":"R1","type":"urn:ietf:params:jmap:error:notRequest",
//!    "status":400,"detail":"…"}                                                     §4.3.4
//! → {"@type":"WebSocketPushEnable","dataTypes":["Email"],"pushState":"1:57"}        §4.3.5.2
//! ← {"@type":"StateChange","changed":{"a1":{"Email":"58"}},"pushState":"1:58"}      §4.3.5.1
//! → {"@type":"WebSocketPushDisable"}                                                §4.3.5.3
//! ```
//!
//! A Request runs through [`Jmap::execute`], the executor of `POST /jmap/api`; StateChanges
//! come from the EventSource's producer (`push::StateFeed`). A connection's messages are
//! answered in order, one at a time, so it has at most one request running (the account's
//! maxConcurrentRequests counts it with the account's other requests). The pushState names
//! each followed account's state (`account:modseq,…`).

use std::net::IpAddr;

use relais_store::Principal;
use serde_json::{Map, Value};

use crate::Jmap;
use crate::error::Problem;
use crate::push::{self, Change, StateFeed};
use crate::request::{self, Request};

/// A client's message (RFC 8887 §4.3), parsed.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// A Request (§4.3.2) and the client's id for it.
    Request { id: Option<String>, request: Request },
    /// WebSocketPushEnable (§4.3.5.2): the type names followed (every type for `None`) and
    /// the last pushState the client had.
    PushEnable { data_types: Option<Vec<String>>, push_state: Option<String> },
    /// WebSocketPushDisable (§4.3.5.3).
    PushDisable,
}

/// A message refused: the problem, and the request's id when it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub request_id: Option<String>,
    pub problem: Problem,
}

impl Refusal {
    fn new(request_id: Option<String>, problem: Problem) -> Refusal {
        Refusal { request_id, problem }
    }

    fn not_request(detail: &str) -> Refusal {
        Refusal::new(None, Problem::NotRequest(detail.to_owned()))
    }

    /// The RequestError (RFC 8887 §4.3.4): the problem details (RFC 8620 §3.6.1) with
    /// `@type` and, when known, `requestId`.
    pub fn to_json(&self) -> Value {
        let (_, mut body) = self.problem.to_json();
        if let Some(map) = body.as_object_mut() {
            map.insert("@type".into(), "RequestError".into());
            if let Some(id) = &self.request_id {
                map.insert("requestId".into(), Value::String(id.clone()));
            }
        }
        body
    }
}

/// Parses one text message of at most `max_size` octets (maxSizeRequest) and `max_calls`
/// method calls.
pub fn parse(text: &[u8], max_size: u64, max_calls: usize) -> Result<Message, Refusal> {
    if text.len() as u64 > max_size {
        return Err(Refusal::new(None, Problem::Limit("maxSizeRequest")));
    }
    let Value::Object(mut map) = request::bounded_json(text).map_err(|p| Refusal::new(None, p))? else {
        return Err(Refusal::not_request("a message is a JSON object"));
    };
    let kind = match map.remove("@type") {
        Some(Value::String(kind)) => kind,
        _ => return Err(Refusal::not_request("@type is missing")),
    };
    match kind.as_str() {
        "Request" => {
            let id = optional_string(map.remove("id")).ok_or_else(|| Refusal::not_request("id is not a string"))?;
            let request = request::from_object(map, max_calls).map_err(|p| Refusal::new(id.clone(), p))?;
            Ok(Message::Request { id, request })
        }
        "WebSocketPushEnable" => Ok(Message::PushEnable {
            data_types: push_enable_types(map.remove("dataTypes"))?,
            push_state: optional_string(map.remove("pushState"))
                .ok_or_else(|| Refusal::not_request("pushState is not a string"))?,
        }),
        "WebSocketPushDisable" => Ok(Message::PushDisable),
        // The client's @type is not echoed: it may be as long as the message.
        _ => Err(Refusal::not_request("@type is not Request, WebSocketPushEnable or WebSocketPushDisable")),
    }
}

/// An optional string member: `Some(None)` when absent or null, `None` when not a string.
fn optional_string(v: Option<Value>) -> Option<Option<String>> {
    match v {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s)),
        Some(_) => None,
    }
}

/// WebSocketPushEnable's dataTypes: `String[]|null` (RFC 8887 §4.3.5.2).
fn push_enable_types(v: Option<Value>) -> Result<Option<Vec<String>>, Refusal> {
    let bad = || Refusal::not_request("dataTypes is not an array of strings");
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(list)) => list
            .into_iter()
            .map(|t| match t {
                Value::String(s) => Ok(s),
                _ => Err(bad()),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad()),
    }
}

/// One WebSocket connection's JMAP side: answers its messages, and pushes StateChanges once
/// the client enabled push. The binary's connection loop reads and writes the frames.
pub struct WebSocket {
    jmap: Jmap,
    principal: Principal,
    /// The client's address (password re-confirmations are counted against it).
    remote: Option<IpAddr>,
    /// The push feed, while push is enabled.
    feed: Option<StateFeed>,
    /// What the connection's login stood on (for a push subscription made over it).
    login: crate::Login,
}

impl Jmap {
    /// The JMAP side of a WebSocket connection the principal opened.
    pub fn websocket(&self, principal: Principal, remote: Option<IpAddr>) -> WebSocket {
        WebSocket { jmap: self.clone(), principal, remote, feed: None, login: crate::Login::default() }
    }
}

impl WebSocket {
    /// The same, knowing what the connection's login stood on.
    pub fn with_login(mut self, login: crate::Login) -> WebSocket {
        self.login = login;
        self
    }

    /// What to send for one text message, in order: a Response or RequestError for a request
    /// or a refused message; for WebSocketPushEnable, the changes since its pushState if any;
    /// for WebSocketPushDisable, nothing.
    pub async fn answer(&mut self, text: &[u8]) -> Vec<String> {
        let config = &self.jmap.config;
        match parse(text, config.max_size_request, config.max_calls_in_request) {
            Err(refusal) => vec![refusal.to_json().to_string()],
            Ok(Message::Request { id, request }) => vec![self.request(id, request).await.to_string()],
            Ok(Message::PushEnable { data_types, push_state }) => self.enable(data_types, push_state).await,
            Ok(Message::PushDisable) => {
                self.feed = None;
                Vec::new()
            }
        }
    }

    /// The Response (RFC 8887 §4.3.3), or the RequestError.
    async fn request(&self, id: Option<String>, request: Request) -> Value {
        match self.jmap.execute(&self.principal, (self.remote, &self.login), request).await {
            Ok(Value::Object(mut response)) => {
                response.insert("@type".into(), "Response".into());
                if let Some(id) = id {
                    response.insert("requestId".into(), Value::String(id));
                }
                Value::Object(response)
            }
            Ok(_) => Refusal::new(id, Problem::ServerFail).to_json(),
            Err(problem) => Refusal::new(id, problem).to_json(),
        }
    }

    /// Starts (or restarts, with other types) pushing; with a pushState, answers the changes
    /// since it at once (RFC 8887 §4.3.5.2: the server SHOULD).
    async fn enable(&mut self, data_types: Option<Vec<String>>, push_state: Option<String>) -> Vec<String> {
        let types = push::types_named(data_types.as_ref().map(|l| l.iter().map(String::as_str)));
        self.feed = None;
        let mut feed = match StateFeed::open(&self.jmap, &self.principal, types).await {
            Ok(feed) => feed,
            Err(e) => {
                tracing::warn!(error = %e, "jmap: websocket push not enabled");
                return vec![Refusal::new(None, Problem::ServerFail).to_json().to_string()];
            }
        };
        let since = match push_state {
            Some(s) => feed.since(&s).await,
            None => None,
        };
        self.feed = Some(feed);
        since.map(|c| state_change(&c)).into_iter().collect()
    }

    /// The next StateChange to push; waits for ever while push is off, and is `None` when the
    /// store's notifications end. Cancel-safe: the connection loop selects on it.
    pub async fn next_push(&mut self) -> Option<String> {
        match &mut self.feed {
            Some(feed) => feed.next().await.map(|c| state_change(&c)),
            None => std::future::pending().await,
        }
    }
}

/// A StateChange as WebSocket pushes it: with its pushState (RFC 8887 §4.3.5.1).
fn state_change(change: &Change) -> String {
    let mut v = Map::new();
    v.insert("@type".into(), "StateChange".into());
    v.insert("changed".into(), Value::Object(change.changed.clone()));
    v.insert("pushState".into(), Value::String(change.push_state.clone()));
    Value::Object(v).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_parsed_and_refused() {
        let ok = br#"{"@type":"Request","id":"R1","using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{},"c"]]}"#;
        let Ok(Message::Request { id, request }) = parse(ok, 1000, 4) else { panic!("a request") };
        assert_eq!((id.as_deref(), request.calls.len()), (Some("R1"), 1));
        let enable = br#"{"@type":"WebSocketPushEnable","dataTypes":["Email","Calendar"],"pushState":"1:5"}"#;
        assert_eq!(
            parse(enable, 1000, 4),
            Ok(Message::PushEnable {
                data_types: Some(vec!["Email".into(), "Calendar".into()]),
                push_state: Some("1:5".into())
            })
        );
        assert_eq!(
            parse(br#"{"@type":"WebSocketPushEnable","dataTypes":null}"#, 1000, 4),
            Ok(Message::PushEnable { data_types: None, push_state: None })
        );
        assert_eq!(parse(br#"{"@type":"WebSocketPushDisable"}"#, 1000, 4), Ok(Message::PushDisable));
        // (message, the problem's type, the requestId answered)
        let table: &[(&[u8], &str, Option<&str>)] = &[
            (b"The quick brown fox", "notJSON", None),
            (b"[1]", "notRequest", None),
            (br#"{"using":[],"methodCalls":[]}"#, "notRequest", None),
            (br#"{"@type":"Response","using":[],"methodCalls":[]}"#, "notRequest", None),
            (br#"{"@type":"Request","id":7,"using":[],"methodCalls":[]}"#, "notRequest", None),
            (br#"{"@type":"Request","id":"R2","using":[]}"#, "notRequest", Some("R2")),
            (
                br#"{"@type":"Request","id":"R3","using":[],"methodCalls":[["a",{},"1"],["a",{},"2"]]}"#,
                "limit",
                Some("R3"),
            ),
            (br#"{"@type":"WebSocketPushEnable","dataTypes":"Email"}"#, "notRequest", None),
            (br#"{"@type":"WebSocketPushEnable","pushState":1}"#, "notRequest", None),
        ];
        for (input, kind, id) in table {
            let refusal = parse(input, 1000, 1).unwrap_err();
            let v = refusal.to_json();
            let text = String::from_utf8_lossy(input);
            assert_eq!(v["@type"], "RequestError", "{text}");
            assert_eq!(v["type"], format!("urn:ietf:params:jmap:error:{kind}"), "{text}");
            assert_eq!(v.get("requestId").and_then(Value::as_str), *id, "{text}");
        }
        let big = format!(r#"{{"@type":"Request","using":[],"methodCalls":[],"pad":"{}"}}"#, "x".repeat(1000));
        let v = parse(big.as_bytes(), 1000, 4).unwrap_err().to_json();
        assert_eq!(
            (v["type"].as_str(), v["limit"].as_str()),
            (Some("urn:ietf:params:jmap:error:limit"), Some("maxSizeRequest"))
        );
    }
}
