//! POP3 commands (RFC 1939 §§4-7, RFC 2449 CAPA, RFC 2595 STLS, RFC 5034 AUTH): parsing only,
//! no I/O. A command is a keyword of 3-4 letters and up to two arguments; lines are at most
//! 255 octets (RFC 2449 §4).

/// The longest command line accepted, CRLF included.
pub const MAX_LINE: usize = 255;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Capa,
    Stls,
    User(String),
    Pass(String),
    /// AUTH with a mechanism and an optional initial response (RFC 5034 §4).
    Auth {
        mechanism: String,
        initial: Option<String>,
    },
    Stat,
    /// LIST, with or without a message number.
    List(Option<u32>),
    Uidl(Option<u32>),
    Retr(u32),
    Top {
        msg: u32,
        lines: u32,
    },
    Dele(u32),
    Noop,
    Rset,
    Quit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    Unknown,
    /// The arguments do not fit the command: says what it takes.
    Syntax(&'static str),
}

fn number(s: Option<&str>, usage: &'static str) -> Result<u32, ParseError> {
    match s.map(str::parse::<u32>) {
        Some(Ok(n)) if n > 0 => Ok(n),
        _ => Err(ParseError::Syntax(usage)),
    }
}

fn none(rest: &[&str], c: Command, usage: &'static str) -> Result<Command, ParseError> {
    if rest.is_empty() { Ok(c) } else { Err(ParseError::Syntax(usage)) }
}

/// Parses one line (without CRLF).
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let mut words = line.split(' ').filter(|w| !w.is_empty());
    let keyword = words.next().ok_or(ParseError::Unknown)?.to_ascii_uppercase();
    let args: Vec<&str> = words.collect();
    match keyword.as_str() {
        "CAPA" => none(&args, Command::Capa, "CAPA"),
        "STLS" => none(&args, Command::Stls, "STLS"),
        "STAT" => none(&args, Command::Stat, "STAT"),
        "NOOP" => none(&args, Command::Noop, "NOOP"),
        "RSET" => none(&args, Command::Rset, "RSET"),
        "QUIT" => none(&args, Command::Quit, "QUIT"),
        // RFC 1939 §7: the name is one argument; some servers allow spaces, we take the rest.
        "USER" if !args.is_empty() => Ok(Command::User(line[4..].trim().to_owned())),
        "USER" => Err(ParseError::Syntax("USER name")),
        // A password may contain spaces: everything after "PASS ".
        "PASS" if line.len() > 5 => Ok(Command::Pass(line[5..].to_owned())),
        "PASS" => Err(ParseError::Syntax("PASS password")),
        "AUTH" => match args.as_slice() {
            [m] => Ok(Command::Auth { mechanism: m.to_ascii_uppercase(), initial: None }),
            [m, i] => Ok(Command::Auth { mechanism: m.to_ascii_uppercase(), initial: Some((*i).to_owned()) }),
            _ => Err(ParseError::Syntax("AUTH mechanism [initial-response]")),
        },
        "LIST" | "UIDL" => {
            let n = match args.as_slice() {
                [] => None,
                [n] => Some(number(Some(n), "LIST|UIDL [msg]")?),
                _ => return Err(ParseError::Syntax("LIST|UIDL [msg]")),
            };
            Ok(if keyword == "LIST" { Command::List(n) } else { Command::Uidl(n) })
        }
        "RETR" | "DELE" if args.len() == 1 => {
            let n = number(args.first().copied(), "RETR|DELE msg")?;
            Ok(if keyword == "RETR" { Command::Retr(n) } else { Command::Dele(n) })
        }
        "RETR" | "DELE" => Err(ParseError::Syntax("RETR|DELE msg")),
        "TOP" => match args.as_slice() {
            [m, n] => {
                let lines = n.parse::<u32>().map_err(|_| ParseError::Syntax("TOP msg n"))?;
                Ok(Command::Top { msg: number(Some(m), "TOP msg n")?, lines })
            }
            _ => Err(ParseError::Syntax("TOP msg n")),
        },
        _ => Err(ParseError::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use Command::*;
        for (line, want) in [
            ("CAPA", Ok(Capa)),
            ("capa", Ok(Capa)),
            ("USER alice@example.test", Ok(User("alice@example.test".into()))),
            ("PASS pass word ", Ok(Pass("pass word ".into()))),
            ("AUTH PLAIN", Ok(Auth { mechanism: "PLAIN".into(), initial: None })),
            ("AUTH plain AGEAYg==", Ok(Auth { mechanism: "PLAIN".into(), initial: Some("AGEAYg==".into()) })),
            ("LIST", Ok(List(None))),
            ("LIST 3", Ok(List(Some(3)))),
            ("UIDL 1", Ok(Uidl(Some(1)))),
            ("RETR 2", Ok(Retr(2))),
            ("TOP 1 0", Ok(Top { msg: 1, lines: 0 })),
            ("DELE 7", Ok(Dele(7))),
            ("QUIT", Ok(Quit)),
            ("RETR", Err(ParseError::Syntax("RETR|DELE msg"))),
            ("RETR 0", Err(ParseError::Syntax("RETR|DELE msg"))),
            ("RETR -1", Err(ParseError::Syntax("RETR|DELE msg"))),
            ("LIST 1 2", Err(ParseError::Syntax("LIST|UIDL [msg]"))),
            ("TOP 1", Err(ParseError::Syntax("TOP msg n"))),
            ("STAT x", Err(ParseError::Syntax("STAT"))),
            ("FROB", Err(ParseError::Unknown)),
            ("", Err(ParseError::Unknown)),
        ] {
            assert_eq!(parse(line), want, "{line:?}");
        }
    }
}
