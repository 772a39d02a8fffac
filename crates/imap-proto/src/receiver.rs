//! Framing of the client's byte stream into commands (RFC 9051 §2.2.1, §4.3): lines ending in
//! CRLF, each ending in `{n}` or `{n+}` followed by that many octets of literal and more of the
//! same command.
//!
//! The receiver buffers one command at a time, lines and literals together, and parses it when
//! its last line arrives. It only ever holds octets that arrived: an announced size is checked
//! against [`Limits`] and then counted down, never reserved. A refused non-synchronizing
//! literal is read and dropped without being stored (RFC 7888 §4 choice 1). Input is parsed
//! only when [`Receiver::receive`] is called, so a session can switch the receiver to
//! AUTHENTICATE or IDLE, or drop what was pipelined after STARTTLS, before the next line is read.

use std::ops::Range;

use crate::Dialect;
use crate::command::Command;
use crate::command::auth::AuthResponse;
use crate::error::{ErrorKind, ParseError};
use crate::tag::{Tag, peek_tag};

/// RFC 7888 §5: the largest non-synchronizing literal a LITERAL- server accepts.
pub const LITERAL_MINUS_MAX: u64 = 4096;

/// Past this, a buffer emptied after a command is given back rather than kept, so an idle
/// connection holds kilobytes (DESIGN.md "Performance").
const KEEP_CAPACITY: usize = 16 << 10;

/// Size limits; every one has a default that lets real clients work untuned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Longest line, its CRLF included. RFC 7162 §4 asks servers to accept at least 8192.
    pub max_line: usize,
    /// Largest literal outside APPEND (mailbox names, search strings, passwords).
    pub max_literal: u64,
    /// Largest APPEND message (RFC 7889 APPENDLIMIT; `NO [TOOBIG]` above).
    pub max_append_literal: u64,
    /// Largest command, lines and literals together (a MULTIAPPEND counts all its messages).
    pub max_command: u64,
    /// The server advertises LITERAL- rather than LITERAL+: non-synchronizing literals above
    /// 4096 octets are refused (RFC 7888 §5).
    pub literal_minus: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_line: 64 << 10,
            max_literal: 64 << 10,
            max_append_literal: 64 << 20,
            max_command: (64 << 20) + (1 << 20),
            literal_minus: false,
        }
    }
}

/// A synchronizing literal was announced: the session sends a continuation
/// (`+ Ready for literal`) and calls [`Receiver::receive`] again, or refuses it with a tagged
/// `NO` (for an APPEND, `NO [TOOBIG]` or `NO [OVERQUOTA]`) and calls
/// [`Receiver::refuse_literal`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralRequest {
    pub tag: Option<Tag>,
    pub size: u64,
    /// The literal belongs to an APPEND.
    pub append: bool,
}

/// What [`Receiver::receive`] produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    Command(Command),
    Continue(LiteralRequest),
    /// The line after [`Receiver::expect_authenticate_response`].
    AuthenticateResponse(AuthResponse),
    /// `DONE` after [`Receiver::expect_done`] (RFC 2177 §3).
    Done,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Command,
    Authenticate,
    Idle,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Reading a line of a command.
    Line,
    /// Copying a literal's octets into the command.
    Literal { remaining: u64 },
    /// Dropping the rest of a refused line; `tail` keeps its last octets to see whether it
    /// announced a non-synchronizing literal that must be dropped too.
    SkipLine { tail: [u8; 24], tail_len: u8 },
    /// Dropping a refused non-synchronizing literal, then the rest of its command.
    SkipLiteral { remaining: u64 },
}

/// A literal announcement at the end of a line: `{n}`, `{n+}`, `~{n}`, `~{n+}`.
struct Announcement {
    size: u64,
    synchronizing: bool,
}

/// Turns a byte stream into commands; one per connection.
#[derive(Debug)]
pub struct Receiver {
    limits: Limits,
    dialect: Dialect,
    mode: Mode,
    state: State,
    /// Octets fed and not consumed yet start at `pos`.
    input: Vec<u8>,
    pos: usize,
    /// Octets of the current line already searched for its LF.
    scanned: usize,
    /// The command assembled so far.
    command: Vec<u8>,
}

impl Receiver {
    pub fn new(limits: Limits) -> Receiver {
        Receiver {
            limits,
            dialect: Dialect::default(),
            mode: Mode::Command,
            state: State::Line,
            input: Vec::new(),
            pos: 0,
            scanned: 0,
            command: Vec::new(),
        }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Switches the parser to what the session has enabled (UTF-8 after ENABLE UTF8=ACCEPT or
    /// IMAP4rev2); applies from the next command parsed.
    pub fn set_dialect(&mut self, dialect: Dialect) {
        self.dialect = dialect;
    }

    /// Appends octets read from the connection.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.input.drain(..self.pos);
            self.pos = 0;
        }
        self.input.extend_from_slice(bytes);
    }

    /// The next line is a client response in an AUTHENTICATE exchange (RFC 9051 §6.2.2), not a
    /// command; applies to one line.
    pub fn expect_authenticate_response(&mut self) {
        self.mode = Mode::Authenticate;
    }

    /// The next line should be IDLE's `DONE` (RFC 2177 §3); applies to one line.
    pub fn expect_done(&mut self) {
        self.mode = Mode::Idle;
    }

    /// Drops the command whose synchronizing literal the session refused instead of sending a
    /// continuation: the client sends nothing more of it (RFC 9051 §7.5).
    pub fn refuse_literal(&mut self) {
        if matches!(self.state, State::Literal { .. }) {
            self.state = State::Line;
            self.command.clear();
        }
    }

    /// Drops everything received and not yet parsed, returning how many octets that was. After
    /// STARTTLS nothing sent in the clear may be taken for a command sent under TLS (the
    /// command-injection flaw of CVE-2011-0411).
    pub fn discard_buffered(&mut self) -> usize {
        let dropped = self.buffered();
        self.input.clear();
        self.pos = 0;
        self.scanned = 0;
        dropped
    }

    /// Takes everything received and not yet parsed: after `COMPRESS DEFLATE` (RFC 4978 §3) those
    /// octets are already compressed and go to the inflater, whose output is fed back.
    pub fn take_buffered(&mut self) -> Vec<u8> {
        let rest = self.input.get(self.pos..).unwrap_or_default().to_vec();
        self.discard_buffered();
        rest
    }

    /// Octets received and not yet parsed.
    pub fn buffered(&self) -> usize {
        self.input.len().saturating_sub(self.pos)
    }

    /// True while part of a command has been received but not all of it.
    pub fn is_mid_command(&self) -> bool {
        !self.command.is_empty() || !matches!(self.state, State::Line) || self.scanned > 0
    }

    /// Heap octets held, for memory accounting and the tests' bound.
    pub fn allocated(&self) -> usize {
        self.input.capacity() + self.command.capacity()
    }

    /// Parses what has arrived. `Ok(None)`: feed more octets. `Err`: the command was refused
    /// (answer [`ParseError::response`]) and the receiver is ready for the next one; call again.
    pub fn receive(&mut self) -> Result<Option<Received>, ParseError> {
        let result = self.step();
        self.tidy();
        result
    }

    fn step(&mut self) -> Result<Option<Received>, ParseError> {
        loop {
            match self.state {
                State::Literal { remaining } => {
                    let take = self.available(remaining);
                    let chunk = self.input.get(self.pos..self.pos + take).unwrap_or_default();
                    self.command.extend_from_slice(chunk);
                    if !self.advance_literal(remaining, take, State::Line) {
                        return Ok(None);
                    }
                }
                State::SkipLiteral { remaining } => {
                    let take = self.available(remaining);
                    let after = State::SkipLine { tail: [0; 24], tail_len: 0 };
                    if !self.advance_literal(remaining, take, after) {
                        return Ok(None);
                    }
                }
                State::SkipLine { tail, tail_len } => {
                    if !self.skip_line(tail, tail_len) {
                        return Ok(None);
                    }
                }
                State::Line => {
                    let Some(line) = self.take_line()? else { return Ok(None) };
                    let mode = std::mem::replace(&mut self.mode, Mode::Command);
                    let line_bytes = self.input.get(line.clone()).unwrap_or_default();
                    match mode {
                        Mode::Authenticate => {
                            return AuthResponse::parse(line_bytes)
                                .map(|r| Some(Received::AuthenticateResponse(r)))
                                .map_err(|kind| ParseError::new(None, kind));
                        }
                        Mode::Idle if line_bytes.eq_ignore_ascii_case(b"DONE") => return Ok(Some(Received::Done)),
                        Mode::Idle => return Err(ParseError::new(None, ErrorKind::syntax("expected DONE"))),
                        Mode::Command => {
                            if let Some(received) = self.command_line(line)? {
                                return Ok(Some(received));
                            }
                        }
                    }
                }
            }
        }
    }

    /// Octets of a literal with `remaining` to go that are here now.
    fn available(&self, remaining: u64) -> usize {
        usize::try_from(remaining).unwrap_or(usize::MAX).min(self.buffered())
    }

    /// Consumes `take` literal octets; true (and the state `after`) once the literal is done.
    fn advance_literal(&mut self, remaining: u64, take: usize, after: State) -> bool {
        self.pos += take;
        let left = remaining - take as u64;
        match (left, &mut self.state) {
            (0, state) => {
                *state = after;
                true
            }
            (_, State::Literal { remaining } | State::SkipLiteral { remaining }) => {
                *remaining = left;
                false
            }
            _ => false,
        }
    }

    /// Drops input up to the end of the refused line; true once it is gone.
    fn skip_line(&mut self, mut tail: [u8; 24], mut tail_len: u8) -> bool {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        let (seen, found) = match rest.iter().position(|&b| b == b'\n') {
            Some(lf) => (rest.get(..lf).unwrap_or_default(), true),
            None => (rest, false),
        };
        for &b in seen {
            if usize::from(tail_len) == tail.len() {
                tail.copy_within(1.., 0);
                tail_len -= 1;
            }
            tail[usize::from(tail_len)] = b;
            tail_len += 1;
        }
        self.pos += seen.len() + usize::from(found);
        if !found {
            self.state = State::SkipLine { tail, tail_len };
            return false;
        }
        let end = tail.get(..usize::from(tail_len)).unwrap_or_default();
        let end = end.strip_suffix(b"\r").unwrap_or(end);
        self.state = match announcement(end) {
            Some(Announcement { size, synchronizing: false }) => State::SkipLiteral { remaining: size },
            _ => State::Line,
        };
        true
    }

    /// The next whole line (without CRLF or LF) as a range of `input`, consumed; `None` until
    /// its LF arrives. A line over the limit is refused and the rest of it dropped.
    fn take_line(&mut self) -> Result<Option<Range<usize>>, ParseError> {
        let start = self.pos;
        let from = start + self.scanned;
        let rest = self.input.get(from..).unwrap_or_default();
        let Some(at) = rest.iter().position(|&b| b == b'\n') else {
            self.scanned = self.input.len() - start;
            if self.scanned > self.limits.max_line {
                let err = self.refuse(ErrorKind::LineTooLong { limit: self.limits.max_line });
                self.pos = self.input.len();
                self.scanned = 0;
                let mut tail = [0u8; 24];
                let seen = self.input.get(start..).unwrap_or_default();
                let keep = seen.get(seen.len().saturating_sub(tail.len())..).unwrap_or_default();
                tail[..keep.len()].copy_from_slice(keep);
                self.state = State::SkipLine { tail, tail_len: keep.len() as u8 };
                return Err(err);
            }
            return Ok(None);
        };
        let lf = from + at;
        self.scanned = 0;
        self.pos = lf + 1;
        let end = if lf > start && self.input.get(lf - 1) == Some(&b'\r') { lf - 1 } else { lf };
        if lf + 1 - start > self.limits.max_line {
            let err = self.refuse_at(start, ErrorKind::LineTooLong { limit: self.limits.max_line });
            let line = self.input.get(start..end).unwrap_or_default();
            if let Some(Announcement { size, synchronizing: false }) = announcement(line) {
                self.state = State::SkipLiteral { remaining: size };
            }
            return Err(err);
        }
        Ok(Some(start..end))
    }

    /// A command line: a literal announcement continues the command, anything else ends it.
    fn command_line(&mut self, line: Range<usize>) -> Result<Option<Received>, ParseError> {
        let bytes = self.input.get(line.clone()).unwrap_or_default();
        if bytes.is_empty() && self.command.is_empty() {
            // A stray CRLF between commands (some clients send one after a literal): ignored.
            return Ok(None);
        }
        let so_far = (self.command.len() + bytes.len()) as u64;
        let Some(Announcement { size, synchronizing }) = announcement(bytes) else {
            if so_far > self.limits.max_command {
                return Err(self.refuse_at(line.start, ErrorKind::CommandTooBig { limit: self.limits.max_command }));
            }
            self.command.extend_from_slice(bytes);
            let parsed = Command::parse(&self.command, self.dialect);
            self.command.clear();
            return parsed.map(|c| Some(Received::Command(c)));
        };
        let append = self.is_append(bytes);
        let mut limit = if append { self.limits.max_append_literal } else { self.limits.max_literal };
        if !synchronizing && self.limits.literal_minus {
            limit = limit.min(LITERAL_MINUS_MAX);
        }
        let refusal = if size > limit {
            Some(ErrorKind::LiteralTooBig { size, limit, synchronizing, append })
        } else if so_far.saturating_add(size) > self.limits.max_command {
            Some(ErrorKind::CommandTooBig { limit: self.limits.max_command })
        } else {
            None
        };
        if let Some(kind) = refusal {
            let err = self.refuse_at(line.start, kind);
            if !synchronizing {
                self.state = State::SkipLiteral { remaining: size };
            }
            return Err(err);
        }
        self.command.extend_from_slice(bytes);
        self.state = State::Literal { remaining: size };
        if synchronizing {
            let tag = self.tag();
            return Ok(Some(Received::Continue(LiteralRequest { tag, size, append })));
        }
        Ok(None)
    }

    /// True if the command being read is an APPEND: its second word, after the tag.
    fn is_append(&self, line: &[u8]) -> bool {
        let first = if self.command.is_empty() { line } else { &self.command };
        let mut words = first.splitn(3, |&b| b == b' ');
        words.nth(1).is_some_and(|w| w.eq_ignore_ascii_case(b"APPEND"))
    }

    fn tag(&self) -> Option<Tag> {
        peek_tag(&self.command)
    }

    /// Drops the command being assembled and builds the error, tagged from the command's first
    /// line or, when this is it, from the line at `line_start`.
    fn refuse_at(&mut self, line_start: usize, kind: ErrorKind) -> ParseError {
        if self.mode != Mode::Command {
            // An AUTHENTICATE response or IDLE line has no tag; the next line is a command.
            self.mode = Mode::Command;
            return ParseError::new(None, kind);
        }
        let tag = if self.command.is_empty() {
            peek_tag(self.input.get(line_start..).unwrap_or_default())
        } else {
            self.tag()
        };
        self.command.clear();
        ParseError::new(tag, kind)
    }

    fn refuse(&mut self, kind: ErrorKind) -> ParseError {
        self.refuse_at(self.pos, kind)
    }

    /// Gives back large buffers once they are empty.
    fn tidy(&mut self) {
        if self.pos >= self.input.len() {
            self.input.clear();
            self.pos = 0;
            if self.input.capacity() > KEEP_CAPACITY {
                self.input = Vec::new();
            }
        }
        if self.command.is_empty() && self.command.capacity() > KEEP_CAPACITY {
            self.command = Vec::new();
        }
    }
}

/// The literal announced at the end of `line`, if any (RFC 9051 §9 `literal`, RFC 7888 §3
/// `{n+}`, RFC 3516 `~{n}`). A size too large for 64 bits reads as `u64::MAX`: refused.
fn announcement(line: &[u8]) -> Option<Announcement> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let inner = inner.get(open + 1..)?;
    let (digits, synchronizing) = match inner.strip_suffix(b"+") {
        Some(d) => (d, false),
        None => (inner, true),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let size = digits.iter().try_fold(0u64, |n, &d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')));
    Some(Announcement { size: size.unwrap_or(u64::MAX), synchronizing })
}
