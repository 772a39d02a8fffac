//! Arbitrary API request bodies into the JMAP Request parser (RFC 8620 §3.3), then each call's
//! result references resolved against the responses an earlier call could have made, and the
//! EventSource query, blob ids and a push subscription's URL and keys from the same bytes. Run with
//! `cargo +nightly fuzz run request fuzz/corpus/request` from crates/jmap.
//!
//! Checks beyond "no panic": a parsed request never has more calls than the limit, every
//! error is a standard problem type, and a resolved reference leaves no `#` argument behind.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_jmap::request::{self, Made};
use serde_json::json;

const MAX_CALLS: usize = 16;

fuzz_target!(|data: &[u8]| {
    let parsed = request::parse(data, MAX_CALLS);
    let request = match parsed {
        Ok(r) => r,
        Err(problem) => {
            let (status, body) = problem.to_json();
            assert_eq!(status, 400);
            let kind = body["type"].as_str().unwrap_or_default();
            assert!(kind.starts_with("urn:ietf:params:jmap:error:"), "{kind}");
            return;
        }
    };
    assert!(request.calls.len() <= MAX_CALLS);
    // What earlier calls could have answered: a query's ids, a get's list, and the echo of
    // each call's own arguments.
    let mut made: Vec<Made> = vec![
        ("Email/query".into(), json!({"ids": ["e1", "e2"], "total": 2}), "q".into()),
        ("Thread/get".into(), json!({"list": [{"id": "t1", "emailIds": ["e1", "e2"]}, {"id": "t2"}]}), "t".into()),
    ];
    for call in request.calls {
        let mut arguments = call.arguments.clone();
        if request::resolve_references(&mut arguments, &made).is_ok() {
            assert!(arguments.keys().all(|k| !k.starts_with('#')));
        }
        for v in call.arguments.values() {
            if let Some(path) = v.get("path").and_then(|p| p.as_str()) {
                let _ = request::pointer(&serde_json::Value::Object(call.arguments.clone()), path);
            }
        }
        made.push((call.name, serde_json::Value::Object(call.arguments), call.call_id));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = relais_jmap::push::Params::parse(text, (5, 600));
        let _ = relais_jmap::ids::parse_blob(text);
        // A push subscription's URL and RFC 8291 keys (PushSubscription/set): an accepted URL
        // is the input, bounded; keys that decode are a P-256 point and 16 octets.
        if let Ok(url) = relais_jmap::webpush::push_url(text, true) {
            assert!(url == text && url.len() <= 2048);
        }
        let (a, b) = text.split_once(' ').unwrap_or((text, ""));
        if let Some(keys) = relais_jmap::webpush::decode_keys(a, b) {
            assert!(keys.p256dh.len() == 65 && keys.auth.len() == 16);
        }
    }
});
