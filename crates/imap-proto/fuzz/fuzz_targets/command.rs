//! Arbitrary bytes into the IMAP receiver, as a session drives it: fed in chunks whose sizes
//! the input chooses, AUTHENTICATE and IDLE modes switched on when their commands arrive,
//! literals sometimes refused, errors encoded. Run with
//! `cargo +nightly fuzz run command fuzz/corpus/command` from crates/imap-proto.
//!
//! Checks beyond "no panic": memory stays within the limits, and every mailbox name parsed is
//! written back and read again to the same name.

#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_imap_proto::{Command, CommandBody, Dialect, Limits, Received, Receiver, Writer};

fn limits() -> Limits {
    Limits { max_line: 1024, max_literal: 2048, max_append_literal: 8192, max_command: 16 << 10, literal_minus: false }
}

fuzz_target!(|data: &[u8]| {
    let Some((&control, input)) = data.split_first() else { return };
    let dialect = Dialect { utf8: control & 1 != 0 };
    let chunk = 1 + usize::from(control >> 1);
    let mut r = Receiver::new(limits());
    r.set_dialect(dialect);
    for piece in input.chunks(chunk) {
        r.feed(piece);
        loop {
            match r.receive() {
                Ok(None) => break,
                Ok(Some(Received::Command(c))) => {
                    round_trip(&c, dialect);
                    match c.body {
                        CommandBody::Authenticate { .. } => r.expect_authenticate_response(),
                        CommandBody::Idle => r.expect_done(),
                        _ => {}
                    }
                }
                Ok(Some(Received::Continue(req))) if req.size % 7 == 3 => r.refuse_literal(),
                Ok(Some(_)) => {}
                Err(e) => {
                    let mut out = Vec::new();
                    e.response().encode(&mut out, dialect);
                }
            }
            assert!(r.allocated() <= 64 << 10);
        }
    }
});

fn round_trip(c: &Command, dialect: Dialect) {
    let name = match &c.body {
        CommandBody::Select { mailbox, .. } | CommandBody::Create { mailbox, .. } | CommandBody::Delete(mailbox) => {
            mailbox
        }
        _ => return,
    };
    // A name that is not modified UTF-7 names no mailbox: the server never writes one.
    if !name.is_valid() {
        return;
    }
    let mut line = b"X DELETE ".to_vec();
    Writer::new(&mut line, dialect).mailbox(name);
    line.extend(b"\r\n");
    let mut r = Receiver::new(Limits::default());
    r.set_dialect(dialect);
    r.feed(&line);
    let mut got = r.receive();
    if let Ok(Some(Received::Continue(_))) = got {
        got = r.receive();
    }
    match got {
        Ok(Some(Received::Command(Command { body: CommandBody::Delete(back), .. }))) => assert_eq!(&back, name),
        other => panic!("{name:?} did not round-trip: {other:?}"),
    }
}
