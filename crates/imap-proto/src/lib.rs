//! The IMAP wire protocol, and nothing else: types, the command parser and the response encoder
//! for IMAP4rev2 (RFC 9051) and IMAP4rev1 (RFC 3501) with the extensions Relais offers. No I/O,
//! no tokio, no store: the server crate (`imap`) owns sessions and store access and uses this one
//! the way `smtp` uses smtp-proto.
//!
//! How a connection uses it:
//! - Bytes from the socket go into a [`Receiver`] ([`Receiver::feed`]); [`Receiver::receive`]
//!   yields whole [`Command`]s, asks for a `+` continuation before a synchronizing literal, and
//!   hands back AUTHENTICATE response lines and IDLE's `DONE` when told to expect them.
//! - A failed command is a [`ParseError`] carrying the tag when one could be read;
//!   [`ParseError::response`] is the `BAD` / `NO [TOOBIG]` / `NO [BADCHARSET]` to send.
//! - Replies are [`Response`]s; [`Response::encode`] writes their exact bytes, choosing atom,
//!   quoted string or literal for every string, and modified UTF-7 or UTF-8 for mailbox names by
//!   the session's [`Dialect`].
//!
//! Invariants (the tests and the fuzz target hold them):
//! - Nothing a peer sends makes this crate panic, and memory stays bounded by [`Limits`]: an
//!   announced literal size is never allocated up front, only the octets that actually arrive.
//! - Mailbox names are UTF-8 everywhere in the API; modified UTF-7 exists only on the wire of a
//!   session that has not enabled UTF-8 (RFC 9051 §5.1, RFC 6855 §3).
//!
//! Layout: one file per command or family under `command/` (its wire syntax at the top, its
//! parser and the encoder of its response data), the shared lexical layer in `parser.rs`, the
//! byte-stream framing in `receiver.rs`, status responses and response codes under `response/`.

pub mod command;
mod date;
mod error;
mod flag;
mod mailbox;
mod parser;
mod receiver;
pub mod response;
mod sequence;
mod tag;
mod utf7;

pub use command::acl::RightsChange;
pub use command::append::{AppendKind, AppendMessage};
pub use command::auth::AuthResponse;
pub use command::fetch::body::BodyStructure;
pub use command::fetch::envelope::{Address, Envelope};
pub use command::fetch::response::FetchItem;
pub use command::fetch::{FetchAttribute, FetchCommand, Section, SectionText};
pub use command::id::IdParams;
pub use command::list::{ListCommand, ListExtendedItem, ListItem, ListReturn, ListSelection};
pub use command::namespace::{Namespace, Namespaces};
pub use command::quota::{QuotaLimit, QuotaResource};
pub use command::search::key::{ModseqEntry, SearchKey};
pub use command::search::{Esearch, SearchCommand, SearchReturn};
pub use command::select::{QresyncParams, SelectParams};
pub use command::sort::{SortCommand, SortCriterion, SortKey, Thread, ThreadAlgorithm, ThreadCommand};
pub use command::status::{StatusItem, StatusValue};
pub use command::store::{StoreAction, StoreCommand, StoreKind};
pub use command::{Command, CommandBody, CommandState};
pub use date::{Date, DateTime};
pub use error::{ErrorKind, ParseError};
pub use flag::{Flag, MailboxAttribute};
pub use mailbox::{MailboxName, pattern_matches};
pub use receiver::{Limits, LiteralRequest, Received, Receiver};
/// SASL PLAIN's message (RFC 4616 §2), decoded as every protocol decodes it.
pub use relais_sasl::Plain as SaslPlain;
pub use response::{Code, Continuation, Data, Response, Status, StatusResponse, Writer};
pub use sequence::{SeqNumber, SeqRange, SequenceSet};
pub use tag::Tag;
pub use utf7::{decode_mutf7, encode_mutf7};

/// What a session has enabled that changes the wire syntax, for the parser and the encoder alike.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Dialect {
    /// UTF-8 on the wire: set once the client has sent `ENABLE UTF8=ACCEPT` (RFC 6855 §3) or
    /// `ENABLE IMAP4rev2` (RFC 9051 §6.3.1). Then quoted strings may carry UTF-8 (RFC 9051 §9
    /// `quoted-char`) and mailbox names are UTF-8; otherwise quoted strings are 7-bit and mailbox
    /// names travel in modified UTF-7 (RFC 3501 §5.1.3).
    pub utf8: bool,
}

impl Dialect {
    /// A session that has enabled UTF-8.
    pub const UTF8: Dialect = Dialect { utf8: true };
}
