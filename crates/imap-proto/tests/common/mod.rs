//! Helpers shared by the integration tests: drive a [`Receiver`] as a session would.
#![allow(dead_code)]

use relais_imap_proto::*;

/// Everything the receiver yields for `input` fed at once, until it wants more.
pub fn receive_all(receiver: &mut Receiver, input: &[u8]) -> Vec<Result<Received, ParseError>> {
    receiver.feed(input);
    drain(receiver)
}

pub fn drain(receiver: &mut Receiver) -> Vec<Result<Received, ParseError>> {
    let mut out = Vec::new();
    loop {
        match receiver.receive() {
            Ok(Some(r)) => out.push(Ok(r)),
            Ok(None) => return out,
            Err(e) => out.push(Err(e)),
        }
    }
}

/// The one command (or error) in `input`, continuations skipped, in `dialect`.
pub fn parse_in(input: &[u8], dialect: Dialect) -> Result<Command, ParseError> {
    let mut r = Receiver::new(Limits::default());
    r.set_dialect(dialect);
    let mut results: Vec<_> =
        receive_all(&mut r, input).into_iter().filter(|x| !matches!(x, Ok(Received::Continue(_)))).collect();
    assert_eq!(results.len(), 1, "{:?}: {results:?}", String::from_utf8_lossy(input));
    assert!(!r.is_mid_command(), "{:?} left a partial command", String::from_utf8_lossy(input));
    match results.pop() {
        Some(Ok(Received::Command(c))) => Ok(c),
        Some(Err(e)) => Err(e),
        other => panic!("unexpected {other:?}"),
    }
}

pub fn parse(input: &[u8]) -> Result<Command, ParseError> {
    parse_in(input, Dialect::default())
}

pub fn tag(s: &str) -> Tag {
    Tag::new(s).unwrap()
}

pub fn mb(s: &str) -> MailboxName {
    MailboxName::new(s)
}

pub fn set(s: &str) -> SequenceSet {
    SequenceSet::parse(s.as_bytes()).unwrap()
}

pub fn cmd(t: &str, body: CommandBody) -> Command {
    Command { tag: tag(t), body }
}

pub fn s(x: &str) -> String {
    x.to_owned()
}

pub fn bytes(r: &impl Encode) -> String {
    String::from_utf8_lossy(&r.bytes(Dialect::default())).into_owned()
}

pub fn bytes_utf8(r: &impl Encode) -> String {
    String::from_utf8_lossy(&r.bytes(Dialect::UTF8)).into_owned()
}

/// Things with an `encode(out, dialect)`.
pub trait Encode {
    fn bytes(&self, dialect: Dialect) -> Vec<u8>;
}

impl Encode for Response {
    fn bytes(&self, dialect: Dialect) -> Vec<u8> {
        self.to_bytes(dialect)
    }
}

impl Encode for StatusResponse {
    fn bytes(&self, dialect: Dialect) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out, dialect);
        out
    }
}

impl Encode for Data {
    fn bytes(&self, dialect: Dialect) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out, dialect);
        out
    }
}

impl Encode for Continuation {
    fn bytes(&self, dialect: Dialect) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out, dialect);
        out
    }
}
