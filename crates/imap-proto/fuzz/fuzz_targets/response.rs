//! Arbitrary bytes as a server's responses to Relais's IMAP client (`relais admin migrate
//! imap`): framed as the client reads them, then parsed. Run with
//! `cargo +nightly fuzz run response fuzz/corpus/response` from crates/imap-proto.
//!
//! Checks beyond "no panic": a frame never claims more than the buffer holds, and a literal
//! the parser returns is never larger than the limit.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_imap_proto::client::{ClientLimits, ServerResponse, Value, frame, parse};

const LIMITS: ClientLimits = ClientLimits { max_line: 4096, max_literal: 8192, max_depth: 16 };

fn check(v: &Value) {
    match v {
        Value::String(s) => assert!(s.len() as u64 <= LIMITS.max_literal.max(4096)),
        Value::List(l) => l.iter().for_each(check),
        _ => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok(Some(n)) = frame(rest, &LIMITS) {
        assert!(n > 0 && n <= rest.len());
        if let Ok(ServerResponse::Data(values)) = parse(&rest[..n], &LIMITS) {
            values.iter().for_each(check);
        }
        rest = &rest[n..];
    }
});
