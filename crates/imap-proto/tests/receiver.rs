//! Framing: literals and continuations, limits and lying sizes, recovery after errors, the
//! AUTHENTICATE and IDLE modes, and what STARTTLS and COMPRESS need.

mod common;

use common::*;
use relais_imap_proto::*;

fn command(t: &str, body: CommandBody) -> Result<Received, ParseError> {
    Ok(Received::Command(cmd(t, body)))
}

fn cont(t: &str, size: u64, append: bool) -> Result<Received, ParseError> {
    Ok(Received::Continue(LiteralRequest { tag: Some(tag(t)), size, append }))
}

fn small() -> Limits {
    Limits { max_line: 100, max_literal: 50, max_append_literal: 1000, max_command: 2000, literal_minus: false }
}

#[test]
fn synchronizing_literals_ask_for_a_continuation() {
    let mut r = Receiver::new(Limits::default());
    assert_eq!(receive_all(&mut r, b"A1 LOGIN {4}\r\n"), vec![cont("A1", 4, false)]);
    assert!(r.is_mid_command());
    assert_eq!(receive_all(&mut r, b"fred {6}\r\n"), vec![cont("A1", 6, false)]);
    assert_eq!(receive_all(&mut r, b"sec"), vec![]);
    assert_eq!(
        receive_all(&mut r, b"ret\r\n"),
        vec![command("A1", CommandBody::Login { username: s("fred"), password: s("secret") })]
    );
    assert!(!r.is_mid_command());
    // LITERAL+ (RFC 7888): no continuation.
    assert_eq!(
        receive_all(&mut r, b"A2 LOGIN {4+}\r\nfred {6+}\r\nsecret\r\n"),
        vec![command("A2", CommandBody::Login { username: s("fred"), password: s("secret") })]
    );
    // APPEND is told apart, for NO [TOOBIG] and quota checks before the octets are sent.
    assert_eq!(receive_all(&mut r, b"A3 APPEND INBOX {300}\r\n"), vec![cont("A3", 300, true)]);
}

#[test]
fn pipelined_commands_come_out_one_by_one() {
    let mut r = Receiver::new(Limits::default());
    r.feed(b"A1 NOOP\r\nA2 CHECK\nA3 LOGOUT\r\nA4 NO");
    assert_eq!(r.receive(), Ok(Some(Received::Command(cmd("A1", CommandBody::Noop)))));
    assert_eq!(r.receive(), Ok(Some(Received::Command(cmd("A2", CommandBody::Check)))));
    assert_eq!(r.receive(), Ok(Some(Received::Command(cmd("A3", CommandBody::Logout)))));
    assert_eq!(r.receive(), Ok(None));
    assert_eq!(receive_all(&mut r, b"OP\r\n"), vec![command("A4", CommandBody::Noop)]);
    // Empty lines between commands are ignored.
    assert_eq!(receive_all(&mut r, b"\r\n\r\nA5 NOOP\r\n"), vec![command("A5", CommandBody::Noop)]);
}

#[test]
fn lying_literals_allocate_nothing() {
    let mut r = Receiver::new(Limits::default());
    // A synchronizing one: refused before the client sends anything (RFC 7889 §4: NO [TOOBIG]).
    let got = receive_all(&mut r, b"A1 APPEND INBOX {4294967295}\r\n");
    let err = got[0].clone().unwrap_err();
    assert_eq!(err.tag, Some(tag("A1")));
    assert!(matches!(err.kind, ErrorKind::LiteralTooBig { size: 4294967295, synchronizing: true, append: true, .. }));
    assert!(bytes(&err.response()).starts_with("A1 NO [TOOBIG] "));
    assert!(r.allocated() < 64 << 10, "{}", r.allocated());
    assert_eq!(receive_all(&mut r, b"A2 NOOP\r\n"), vec![command("A2", CommandBody::Noop)]);
    // More digits than 64 bits hold.
    // Not at the end of the line, it is no announcement: the parser refuses the number.
    let got = receive_all(&mut r, b"A3 LOGIN {99999999999999999999999999} x\r\n");
    assert!(matches!(&got[..], [Err(ParseError { kind: ErrorKind::Syntax(_), .. })]), "{got:?}");
    let got = receive_all(&mut r, b"A3 LOGIN {99999999999999999999999999}\r\n");
    assert!(matches!(&got[0], Err(ParseError { kind: ErrorKind::LiteralTooBig { size: u64::MAX, .. }, .. })));
}

#[test]
fn refused_non_synchronizing_literals_are_skipped() {
    let mut r = Receiver::new(small());
    // RFC 7888 §4: BAD [TOOBIG] at once, the octets read and dropped, then the next command.
    let mut got = receive_all(&mut r, b"A1 LOGIN {60+}\r\n");
    let err = got.remove(0).unwrap_err();
    assert!(matches!(err.kind, ErrorKind::LiteralTooBig { size: 60, limit: 50, synchronizing: false, append: false }));
    assert_eq!(bytes(&err.response()), "A1 BAD [TOOBIG] literal of 60 octets is larger than the limit of 50\r\n");
    let junk = [b'x'; 60];
    assert_eq!(receive_all(&mut r, &junk[..30]), vec![]);
    assert_eq!(receive_all(&mut r, &junk[30..]), vec![]);
    // The rest of the refused command, with another literal, is dropped too.
    assert_eq!(receive_all(&mut r, b" {3+}\r\nabc\r\nA2 NOOP\r\n"), vec![command("A2", CommandBody::Noop)]);
    // A lying one is counted down, never stored.
    let got = receive_all(&mut r, b"A3 LOGIN {4294967295+}\r\n");
    assert!(matches!(&got[..], [Err(ParseError { kind: ErrorKind::LiteralTooBig { .. }, .. })]));
    for _ in 0..100 {
        assert_eq!(receive_all(&mut r, &[b'y'; 10_000]), vec![]);
        assert!(r.allocated() < 64 << 10);
    }
}

#[test]
fn literal_minus_caps_non_synchronizing_literals() {
    let mut r = Receiver::new(Limits { literal_minus: true, ..Limits::default() });
    let got = receive_all(&mut r, b"A1 APPEND INBOX {5000+}\r\n");
    assert!(matches!(
        &got[..],
        [Err(ParseError {
            kind: ErrorKind::LiteralTooBig { size: 5000, limit: 4096, synchronizing: false, append: true },
            ..
        })]
    ));
    // RFC 7888 §5: a refused APPEND is BAD [TOOBIG].
    assert!(bytes(&got[0].clone().unwrap_err().response()).starts_with("A1 BAD [TOOBIG]"));
    r.discard_buffered();
    let mut r = Receiver::new(Limits { literal_minus: true, ..Limits::default() });
    assert_eq!(receive_all(&mut r, b"A2 APPEND INBOX {5000}\r\n"), vec![cont("A2", 5000, true)]);
    let mut r = Receiver::new(Limits { literal_minus: true, ..Limits::default() });
    assert_eq!(receive_all(&mut r, b"A3 APPEND INBOX {4096+}\r\n"), vec![]);
}

#[test]
fn long_lines_are_refused_and_skipped() {
    let mut r = Receiver::new(small());
    let mut line = b"A1 LOGIN ".to_vec();
    line.extend([b'a'; 150]);
    let got = receive_all(&mut r, &line);
    assert!(
        matches!(&got[..], [Err(ParseError { tag: Some(t), kind: ErrorKind::LineTooLong { limit: 100 } })] if t.as_str() == "A1")
    );
    assert_eq!(receive_all(&mut r, &[b'b'; 500]), vec![]);
    assert_eq!(receive_all(&mut r, b" end\r\nA2 NOOP\r\n"), vec![command("A2", CommandBody::Noop)]);
    // A long line that announces a non-synchronizing literal: the literal is dropped as well.
    let mut line = b"A3 LOGIN ".to_vec();
    line.extend([b'c'; 150]);
    line.extend(b" {5+}\r\n12345\r\nA4 NOOP\r\n");
    let got = receive_all(&mut r, &line);
    assert!(matches!(&got[0], Err(ParseError { kind: ErrorKind::LineTooLong { .. }, .. })));
    assert_eq!(got[1..], [command("A4", CommandBody::Noop)]);
    // The same when the end of the line comes after the refusal.
    let mut r = Receiver::new(small());
    let mut line = b"A5 X ".to_vec();
    line.extend([b'c'; 150]);
    let got = receive_all(&mut r, &line);
    assert!(matches!(&got[..], [Err(ParseError { tag: Some(_), kind: ErrorKind::LineTooLong { .. } })]));
    assert_eq!(receive_all(&mut r, b" {5+}\r\n123"), vec![]);
    assert_eq!(receive_all(&mut r, b"45\r\nA6 NOOP\r\n"), vec![command("A6", CommandBody::Noop)]);
}

#[test]
fn commands_too_big_are_refused() {
    let mut r = Receiver::new(small());
    // MULTIAPPEND: each message fits, together they do not.
    let mut input = b"A1 APPEND INBOX {900+}\r\n".to_vec();
    input.extend([b'm'; 900]);
    input.extend(b" {900+}\r\n");
    input.extend([b'm'; 900]);
    input.extend(b" {900+}\r\n");
    let got = receive_all(&mut r, &input);
    assert!(matches!(&got[..], [Err(ParseError { kind: ErrorKind::CommandTooBig { limit: 2000 }, .. })]), "{got:?}");
    let mut rest = vec![b'n'; 900];
    rest.extend(b"\r\nA2 NOOP\r\n");
    assert_eq!(receive_all(&mut r, &rest), vec![command("A2", CommandBody::Noop)]);
}

#[test]
fn refused_synchronizing_literal() {
    let mut r = Receiver::new(Limits::default());
    assert_eq!(receive_all(&mut r, b"A1 APPEND INBOX {100000}\r\n"), vec![cont("A1", 100000, true)]);
    // Over quota: the session answers A1 NO [OVERQUOTA] and the client sends nothing more.
    r.refuse_literal();
    assert!(!r.is_mid_command());
    assert_eq!(receive_all(&mut r, b"A2 NOOP\r\n"), vec![command("A2", CommandBody::Noop)]);
}

#[test]
fn authenticate_exchange() {
    let mut r = Receiver::new(Limits::default());
    let got = receive_all(&mut r, b"A1 AUTHENTICATE PLAIN\r\n");
    assert_eq!(got, vec![command("A1", CommandBody::Authenticate { mechanism: s("PLAIN"), initial_response: None })]);
    r.expect_authenticate_response();
    let got = receive_all(&mut r, b"AGZyZWQAc2VjcmV0\r\n");
    let Ok(Received::AuthenticateResponse(AuthResponse::Data(message))) = &got[0] else { panic!("{got:?}") };
    let plain = SaslPlain::parse(message).unwrap();
    assert_eq!((plain.authcid.as_str(), plain.password.as_str()), ("fred", "secret"));
    // One line only: the next one is a command again.
    assert_eq!(receive_all(&mut r, b"A2 NOOP\r\n"), vec![command("A2", CommandBody::Noop)]);
    r.expect_authenticate_response();
    assert_eq!(receive_all(&mut r, b"*\r\n"), vec![Ok(Received::AuthenticateResponse(AuthResponse::Cancel))]);
    r.expect_authenticate_response();
    assert!(receive_all(&mut r, b"!!\r\n")[0].is_err());
    // An over-long response is refused untagged (it has no tag), and commands follow.
    let mut r2 = Receiver::new(small());
    r2.expect_authenticate_response();
    let got = receive_all(&mut r2, &[b'A'; 200]);
    assert!(matches!(&got[..], [Err(ParseError { tag: None, kind: ErrorKind::LineTooLong { .. } })]), "{got:?}");
    assert_eq!(receive_all(&mut r2, b"\r\nA9 NOOP\r\n"), vec![command("A9", CommandBody::Noop)]);
    // Set before the line arrives, even when it was pipelined behind the command.
    r.feed(b"A3 AUTHENTICATE LOGIN\r\nZnJlZA==\r\n");
    assert!(matches!(r.receive(), Ok(Some(Received::Command(_)))));
    r.expect_authenticate_response();
    assert_eq!(drain(&mut r), vec![Ok(Received::AuthenticateResponse(AuthResponse::Data(b"fred".to_vec())))]);
}

#[test]
fn idle_and_done() {
    let mut r = Receiver::new(Limits::default());
    assert_eq!(receive_all(&mut r, b"A1 IDLE\r\n"), vec![command("A1", CommandBody::Idle)]);
    r.expect_done();
    assert_eq!(receive_all(&mut r, b"DO"), vec![]);
    assert_eq!(receive_all(&mut r, b"NE\r\n"), vec![Ok(Received::Done)]);
    r.expect_done();
    assert_eq!(receive_all(&mut r, b"done\n"), vec![Ok(Received::Done)]);
    r.expect_done();
    let got = receive_all(&mut r, b"A2 NOOP\r\n");
    assert!(matches!(&got[..], [Err(ParseError { tag: None, .. })]));
}

#[test]
fn starttls_drops_what_was_pipelined() {
    let mut r = Receiver::new(Limits::default());
    r.feed(b"A1 STARTTLS\r\nA2 LOGIN fred secret\r\n");
    assert_eq!(r.receive(), Ok(Some(Received::Command(cmd("A1", CommandBody::StartTls)))));
    assert_eq!(r.discard_buffered(), 22);
    assert_eq!(r.receive(), Ok(None));
    // After COMPRESS the rest is compressed data for the inflater.
    r.feed(b"A3 COMPRESS DEFLATE\r\n\x78\x9c");
    assert_eq!(r.receive(), Ok(Some(Received::Command(cmd("A3", CommandBody::Compress(s("DEFLATE")))))));
    assert_eq!(r.take_buffered(), b"\x78\x9c");
    assert_eq!(r.buffered(), 0);
}

#[test]
fn dialect_switch_applies_to_the_next_command() {
    let mut r = Receiver::new(Limits::default());
    let input = "A1 SELECT \"Entwürfe\"\r\n".as_bytes();
    assert!(matches!(&receive_all(&mut r, input)[..], [Err(ParseError { kind: ErrorKind::Utf8NotEnabled, .. })]));
    r.set_dialect(Dialect::UTF8);
    assert_eq!(r.dialect(), Dialect::UTF8);
    assert_eq!(
        receive_all(&mut r, input),
        vec![command("A1", CommandBody::Select { mailbox: mb("Entwürfe"), params: SelectParams::default() })]
    );
}

#[test]
fn a_big_append_is_stored_as_it_arrives() {
    let mut r = Receiver::new(Limits::default());
    let size = 3 << 20;
    assert_eq!(receive_all(&mut r, format!("A1 APPEND INBOX {{{size}}}\r\n").as_bytes()), vec![cont("A1", size, true)]);
    let chunk = vec![b'x'; 64 << 10];
    for _ in 0..(size as usize / chunk.len()) {
        assert_eq!(receive_all(&mut r, &chunk), vec![]);
    }
    let got = receive_all(&mut r, b"\r\n");
    let Ok(Received::Command(Command { body: CommandBody::Append { messages, .. }, .. })) = &got[0] else { panic!() };
    assert_eq!(messages[0].data.len(), size as usize);
    // Buffers are given back once the command is out.
    assert!(r.allocated() < 64 << 10, "{}", r.allocated());
}
