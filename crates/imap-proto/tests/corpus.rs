//! The fuzz seeds in fuzz/corpus/command are real-looking sessions: replayed as a session
//! would (AUTHENTICATE and IDLE modes, continuations), the client sessions parse without a
//! single error, so the fuzzer starts from traffic that reaches every command parser.

mod common;

use relais_imap_proto::*;

fn replay(input: &[u8]) -> (Vec<Command>, Vec<ParseError>) {
    let mut r = Receiver::new(Limits::default());
    let (mut commands, mut errors) = (Vec::new(), Vec::new());
    // Byte 0 is the fuzz target's control byte: bit 0 the dialect, the rest the chunk size.
    let (control, input) = input.split_first().unwrap();
    r.set_dialect(Dialect { utf8: control & 1 != 0 });
    for piece in input.chunks(1 + usize::from(control >> 1)) {
        r.feed(piece);
        loop {
            match r.receive() {
                Ok(None) => break,
                Ok(Some(Received::Command(c))) => {
                    match c.body {
                        CommandBody::Authenticate { initial_response: None, .. } => r.expect_authenticate_response(),
                        CommandBody::Idle => r.expect_done(),
                        CommandBody::Enable(ref caps) if caps.iter().any(|c| c == "UTF8=ACCEPT") => {
                            r.set_dialect(Dialect::UTF8)
                        }
                        _ => {}
                    }
                    commands.push(c);
                }
                Ok(Some(_)) => {}
                Err(e) => errors.push(e),
            }
        }
    }
    (commands, errors)
}

fn seed(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/fuzz/corpus/command/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn client_sessions_parse_cleanly() {
    for (name, count) in [("thunderbird", 26), ("ios-mail", 18), ("literal-plus-binary", 3)] {
        let (commands, errors) = replay(&seed(name));
        assert_eq!(errors, vec![], "{name}");
        assert_eq!(commands.len(), count, "{name}");
    }
    let (commands, _) = replay(&seed("thunderbird"));
    let CommandBody::Append { mailbox, messages } = &commands[17].body else { panic!("{:?}", commands[17]) };
    assert_eq!((mailbox.as_str(), messages[0].data.len()), ("Sent", 61));
    let CommandBody::Create { mailbox, .. } = &commands[22].body else { panic!() };
    assert_eq!(mailbox.as_str(), "Entwürfe/Alt");
}

#[test]
fn lying_literals_are_refused() {
    let (commands, errors) = replay(&seed("lying-literals"));
    assert_eq!(errors.len(), 2);
    // x2's announced octets swallow the rest of the stream, x3 included: the client said so.
    assert_eq!(commands.len(), 0);
}
