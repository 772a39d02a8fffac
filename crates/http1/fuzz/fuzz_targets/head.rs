//! Arbitrary bytes as the start of an HTTP/1.1 connection that the server reads itself
//! (ActiveSync's long polls). Run with `cargo +nightly fuzz run head corpus/head` from
//! crates/http1/fuzz.
//!
//! Checks beyond "no panic": a head that parses lies within the input and the limit, says the
//! same when written out again and re-read, and has one framing — a Content-Length only when
//! there is exactly one and no Transfer-Encoding; an answer head built from the input's pieces
//! is one well-formed head with exactly the Content-Length given.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_http1::head::Framing;
use relais_http1::{Head, answer_head, parse};

const MAX: usize = 4096;

fn written(h: &Head) -> Vec<u8> {
    let mut out = format!("{} {} HTTP/1.{}\r\n", h.method, h.target, h.minor).into_bytes();
    for (name, value) in &h.headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

fuzz_target!(|data: &[u8]| {
    if let Ok(Some((head, len))) = parse(data, MAX) {
        assert!(len <= data.len() && len <= MAX);
        let count = |name: &str| head.headers.iter().filter(|(n, _)| n == name).count();
        match head.body {
            Framing::Length(_) => assert!(count("content-length") == 1 && count("transfer-encoding") == 0),
            Framing::Coded => assert!(count("content-length") == 0 && count("transfer-encoding") > 0),
            Framing::None => assert!(count("content-length") == 0 && count("transfer-encoding") == 0),
        }
        if let Some(simple) = head.simple() {
            assert!(head.target.starts_with('/') && head.minor == 1);
            let length = match head.body {
                Framing::None => 0,
                Framing::Length(n) => n,
                Framing::Coded => panic!("a coded body served without hyper"),
            };
            assert_eq!(simple.length, length);
        }
        let again = written(&head);
        let (reread, n) = parse(&again, usize::MAX).expect("a written head parses").expect("complete");
        assert_eq!((reread, n), (head, again.len()));
    }
    // The input's pieces as a handler's header fields: whatever they hold, one clean head.
    let text = String::from_utf8_lossy(data);
    let pieces: Vec<&str> = text.split('\u{1}').collect();
    let headers: Vec<(&str, &str)> = pieces.chunks(2).map(|p| (p[0], p.get(1).copied().unwrap_or(""))).collect();
    let out = answer_head(200, &headers, data.len(), data.first() == Some(&b'c'), "Sun, 06 Dec 2026 17:00:00 GMT");
    let mut fields = vec![httparse::EMPTY_HEADER; headers.len() + 4];
    let mut resp = httparse::Response::new(&mut fields);
    assert_eq!(resp.parse(&out), Ok(httparse::Status::Complete(out.len())));
    let lengths: Vec<&[u8]> =
        resp.headers.iter().filter(|h| h.name.eq_ignore_ascii_case("content-length")).map(|h| h.value).collect();
    assert_eq!(lengths, [data.len().to_string().as_bytes()]);
});
