//! SMTP framing as a connection drives it: command lines (`lines.rs`) until a `DATA` line,
//! then message content (`data.rs`) until its end marker, then lines again; the bytes arrive in
//! chunks whose size the input chooses. Checks beyond "no panic": the lines, the end of every
//! message and its decoded content agree with the reference models, which read the whole input
//! at once; above all, no bare CR or LF ever ends a message (SMTP smuggling). Run with
//! `cargo +nightly fuzz run data fuzz/corpus/data` from crates/smtp.
//!
//! The two modules are pure (no I/O, no dependency) and are compiled in directly, so the target
//! builds without the server's dependency tree.

#![no_main]

#[path = "../../src/data.rs"]
#[allow(dead_code)]
mod data;
#[path = "../../src/lines.rs"]
#[allow(dead_code)]
mod lines;

use data::{DataError, DataReader, DataStatus};
use libfuzzer_sys::fuzz_target;
use lines::{Framed, LineFramer};

const MAX_LINE: usize = 64;

#[derive(Debug, PartialEq, Eq)]
enum Event {
    Line(Vec<u8>),
    TooLong,
    Message(Vec<u8>),
    Refused,
}

fn is_data(line: &[u8]) -> bool {
    line.eq_ignore_ascii_case(b"DATA\r\n")
}

/// What the connection loop would see, fed in chunks.
fn run(input: &[u8], chunk: usize, limit: usize) -> Vec<Event> {
    let (mut buf, mut framer, mut events) = (Vec::new(), LineFramer::default(), Vec::new());
    let mut content: Option<(DataReader, Vec<u8>)> = None;
    for piece in input.chunks(chunk) {
        buf.extend_from_slice(piece);
        loop {
            if let Some((reader, out)) = content.as_mut() {
                match reader.feed(&buf, out) {
                    DataStatus::Done { consumed } => {
                        buf.drain(..consumed);
                        events.push(match reader.error() {
                            None => Event::Message(std::mem::take(out)),
                            Some(_) => Event::Refused,
                        });
                        content = None;
                    }
                    DataStatus::More => {
                        buf.clear();
                        break;
                    }
                }
                continue;
            }
            match framer.next(&mut buf, MAX_LINE) {
                Framed::Line(line) => {
                    if is_data(&line) {
                        content = Some((DataReader::new(limit), Vec::new()));
                    }
                    events.push(Event::Line(line));
                }
                Framed::TooLong => events.push(Event::TooLong),
                Framed::More => break,
            }
        }
    }
    events
}

/// The same from the reference models over the whole input.
fn model(input: &[u8], limit: usize) -> Vec<Event> {
    let mut events = Vec::new();
    let mut rest = input;
    while !rest.is_empty() {
        let Some(nl) = rest.iter().position(|b| *b == b'\n') else {
            events.extend(lines::reference(rest, MAX_LINE).into_iter().map(|_| Event::TooLong));
            break;
        };
        let (line, after) = rest.split_at(nl + 1);
        rest = after;
        if line.len() > MAX_LINE {
            events.push(Event::TooLong);
            continue;
        }
        events.push(Event::Line(line.to_vec()));
        if is_data(line) {
            let Some((result, consumed)) = data::reference(rest, limit) else { break };
            // The end is CRLF "." CRLF after a real CRLF, and nothing else.
            assert!(consumed >= 3 && rest.get(consumed - 3..consumed) == Some(&b".\r\n"[..]));
            events.push(match result {
                Ok(body) => Event::Message(body),
                Err(DataError::BareLineEnd | DataError::TooBig) => Event::Refused,
            });
            rest = rest.get(consumed..).unwrap_or_default();
        }
    }
    events
}

fuzz_target!(|input: &[u8]| {
    let Some((&control, input)) = input.split_first() else { return };
    let chunk = 1 + usize::from(control & 0x3f);
    let limit = if control & 0x40 != 0 { 64 } else { 1 << 20 };
    assert_eq!(run(input, chunk, limit), model(input, limit));
});
