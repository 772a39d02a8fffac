//! Arbitrary WebSocket text messages into the JMAP message parser (RFC 8887 §4.3): Request,
//! WebSocketPushEnable and WebSocketPushDisable, each refusal a RequestError. Run with
//! `cargo +nightly fuzz run websocket fuzz/corpus/websocket` from crates/jmap.
//!
//! Checks beyond "no panic": a message over the size bound is refused unread, a parsed
//! request never has more calls than the limit, and every refusal is a RequestError with a
//! standard problem type whose requestId, when there is one, is the request's own string id.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_jmap::websocket::{self, Message};

const MAX_SIZE: u64 = 4096;
const MAX_CALLS: usize = 16;

fuzz_target!(|data: &[u8]| {
    match websocket::parse(data, MAX_SIZE, MAX_CALLS) {
        Ok(Message::Request { request, .. }) => assert!(request.calls.len() <= MAX_CALLS),
        Ok(Message::PushEnable { .. } | Message::PushDisable) => {}
        Err(refusal) => {
            let v = refusal.to_json();
            assert_eq!(v["@type"], "RequestError");
            assert_eq!(v["status"], 400);
            let kind = v["type"].as_str().unwrap_or_default();
            assert!(kind.starts_with("urn:ietf:params:jmap:error:"), "{kind}");
            if data.len() as u64 > MAX_SIZE {
                assert_eq!(v["limit"], "maxSizeRequest");
            }
            if let Some(id) = &refusal.request_id {
                let sent: serde_json::Value = serde_json::from_slice(data).expect("an id comes from JSON");
                assert_eq!(sent["id"].as_str(), Some(id.as_str()));
            }
        }
    }
});
