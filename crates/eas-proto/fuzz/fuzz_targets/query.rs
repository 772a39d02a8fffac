//! Arbitrary query values into the MS-ASHTTP query parser. Run with
//! `cargo +nightly fuzz run query fuzz/corpus/query` from crates/eas-proto.
//!
//! Checks beyond "no panic": every query that parses, given a base64 version, writes a base64
//! form (if its command has a code) that parses back to the same query.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_eas_proto::{ProtocolVersion, Query};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(query) = Query::parse(text) else { return };
    let mut b = query.clone();
    b.version = Some(b.version.unwrap_or(ProtocolVersion::V16_1));
    b.locale = Some(b.locale.unwrap_or(0));
    b.base64 = true;
    match b.to_base64() {
        Some(encoded) => assert_eq!(Query::parse(&encoded).as_ref(), Ok(&b), "{encoded}"),
        None => assert!(b.command.code().is_none(), "{b:?} has no base64 form"),
    }
});
