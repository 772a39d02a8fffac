//! Arbitrary bytes into the WBXML decoder. Run with
//! `cargo +nightly fuzz run wbxml fuzz/corpus/wbxml` from crates/wbxml.
//!
//! Checks beyond "no panic": whatever decodes re-encodes, decodes again to the same tree, and
//! that encoding is canonical (encoding it again gives the same bytes) and never longer than
//! the input (so the second decode stays within the limits the first one passed). The XML debug
//! form must write and read back anything the decoder accepts without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_wbxml::{Limits, decode_with, encode, from_xml, to_xml};

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_depth: 64, max_input: 1 << 20, max_nodes: 50_000 };
    let Ok(tree) = decode_with(data, &limits) else { return };
    let bytes = encode(&tree).expect("a decoded tree encodes");
    assert!(bytes.len() <= data.len(), "encoding grew: {} > {}", bytes.len(), data.len());
    let again = decode_with(&bytes, &limits).expect("our own encoding decodes");
    assert_eq!(again, tree);
    assert_eq!(encode(&again).expect("encodes"), bytes);
    let xml = to_xml(&tree);
    let _ = from_xml(&xml);
});
