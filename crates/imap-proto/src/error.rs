//! Why a command was refused. The session answers with [`ParseError::response`]: `TAG BAD …`
//! when the tag could be read, `* BAD …` when it could not, and the `NO` forms the RFCs ask for
//! (TOOBIG, BADCHARSET).

use std::borrow::Cow;

use crate::response::{Code, Status, StatusResponse};
use crate::tag::Tag;

/// The charsets SEARCH, SORT and THREAD accept, for `[BADCHARSET (…)]` (RFC 9051 §7.1).
pub const SEARCH_CHARSETS: [&str; 3] = ["US-ASCII", "UTF-8", "ISO-8859-1"];

/// A command that could not be received or parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}")]
pub struct ParseError {
    /// The command's tag, when the line started with a valid one.
    pub tag: Option<Tag>,
    pub kind: ErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ErrorKind {
    /// A line (up to its CRLF) longer than [`Limits::max_line`](crate::Limits::max_line).
    #[error("command line too long (limit {limit} octets)")]
    LineTooLong { limit: usize },
    /// A literal announced larger than the limit. A synchronizing one was never sent; the octets
    /// of a non-synchronizing one are being read and dropped (RFC 7888 §4 choice 1), unless the
    /// session prefers to send BYE and close (choice 2).
    #[error("literal of {size} octets is larger than the limit of {limit}")]
    LiteralTooBig { size: u64, limit: u64, synchronizing: bool, append: bool },
    /// Lines and literals of one command together larger than
    /// [`Limits::max_command`](crate::Limits::max_command).
    #[error("command larger than the limit of {limit} octets")]
    CommandTooBig { limit: u64 },
    #[error("unknown command {0}")]
    UnknownCommand(String),
    #[error("{0}")]
    Syntax(Cow<'static, str>),
    /// RFC 6855 §3: 8-bit text in a quoted string before UTF-8 was enabled.
    #[error("8-bit characters in a quoted string need ENABLE UTF8=ACCEPT; send a literal")]
    Utf8NotEnabled,
    #[error("string is not valid UTF-8")]
    InvalidUtf8,
    /// RFC 9051 §6.4.4: a SEARCH charset the server does not know; answered `NO [BADCHARSET]`.
    #[error("charset {0} is not supported")]
    BadCharset(String),
    #[error("invalid mailbox name")]
    InvalidMailboxName,
    #[error("invalid sequence set")]
    InvalidSequenceSet,
    #[error("too deeply nested")]
    TooDeep,
}

impl ErrorKind {
    pub(crate) fn syntax(msg: &'static str) -> ErrorKind {
        ErrorKind::Syntax(Cow::Borrowed(msg))
    }
}

impl ParseError {
    pub fn new(tag: Option<Tag>, kind: ErrorKind) -> ParseError {
        ParseError { tag, kind }
    }

    /// The reply to send: tagged when the tag is known, untagged otherwise.
    pub fn response(&self) -> StatusResponse {
        let (status, code) = match &self.kind {
            // RFC 4469 §5 / RFC 7889 §4: an APPEND refused before its octets were sent is NO;
            // RFC 7888 §5: a non-synchronizing one already on its way is BAD [TOOBIG].
            ErrorKind::LiteralTooBig { synchronizing: true, append: true, .. } => (Status::No, Code::TooBig),
            ErrorKind::LiteralTooBig { .. } | ErrorKind::CommandTooBig { .. } => (Status::Bad, Code::TooBig),
            ErrorKind::BadCharset(_) => {
                (Status::No, Code::BadCharset(SEARCH_CHARSETS.iter().map(|c| c.to_string()).collect()))
            }
            // RFC 9051 §7.1 CLIENTBUG: the client ignored what the server announced.
            ErrorKind::Utf8NotEnabled => (Status::Bad, Code::ClientBug),
            _ => return StatusResponse::new(self.tag.clone(), Status::Bad, self.kind.to_string()),
        };
        StatusResponse::new(self.tag.clone(), status, self.kind.to_string()).with_code(code)
    }
}
