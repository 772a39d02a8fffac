//! Everything a server sends (RFC 9051 §7): status responses with their codes, untagged data,
//! and continuation requests, each encoded to its exact bytes with CRLF.
//!
//! ```text
//! response-tagged = tag SP resp-cond-state CRLF
//! resp-cond-state = ("OK" / "NO" / "BAD") SP resp-text
//! resp-cond-bye = "BYE" SP resp-text
//! resp-cond-auth = ("OK" / "PREAUTH") SP resp-text
//! resp-text = ["[" resp-text-code "]" SP] [text]
//! continue-req = "+" SP (resp-text / base64) CRLF
//! response-data = "*" SP (resp-cond-state / resp-cond-bye / mailbox-data / message-data /
//!                 capability-data / enable-data) CRLF
//! ```
//! The data of one command is encoded in that command's file; this module dispatches.

mod code;
mod writer;

pub use code::Code;
pub use writer::Writer;

use crate::Dialect;
use crate::command::fetch::response::FetchItem;
use crate::command::id::IdParams;
use crate::command::list::ListItem;
use crate::command::namespace::Namespaces;
use crate::command::quota::QuotaResource;
use crate::command::search::Esearch;
use crate::command::sort::Thread;
use crate::command::status::StatusValue;
use crate::command::{acl, enable, fetch, id, list, namespace, quota, search, sort, status};
use crate::flag::Flag;
use crate::mailbox::MailboxName;
use crate::sequence::SequenceSet;
use crate::tag::Tag;

/// Anything the server sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Status(StatusResponse),
    Data(Data),
    Continuation(Continuation),
}

impl Response {
    /// Appends the response's bytes, CRLF included.
    pub fn encode(&self, out: &mut Vec<u8>, dialect: Dialect) {
        match self {
            Response::Status(s) => s.encode(out, dialect),
            Response::Data(d) => d.encode(out, dialect),
            Response::Continuation(c) => c.encode(out, dialect),
        }
    }

    pub fn to_bytes(&self, dialect: Dialect) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out, dialect);
        out
    }
}

impl From<StatusResponse> for Response {
    fn from(s: StatusResponse) -> Response {
        Response::Status(s)
    }
}

impl From<Data> for Response {
    fn from(d: Data) -> Response {
        Response::Data(d)
    }
}

impl From<Continuation> for Response {
    fn from(c: Continuation) -> Response {
        Response::Continuation(c)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Ok,
    No,
    Bad,
    /// Greeting of a connection that is already authenticated; always untagged.
    PreAuth,
    /// The server is closing the connection; always untagged.
    Bye,
}

/// `TAG OK [CODE] text`, `* NO text`, `* BYE text`, …
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusResponse {
    /// `None` for an untagged response.
    pub tag: Option<Tag>,
    pub status: Status,
    pub code: Option<Code>,
    pub text: String,
}

impl StatusResponse {
    pub fn new(tag: Option<Tag>, status: Status, text: impl Into<String>) -> StatusResponse {
        StatusResponse { tag, status, code: None, text: text.into() }
    }

    pub fn ok(tag: &Tag, text: impl Into<String>) -> StatusResponse {
        StatusResponse::new(Some(tag.clone()), Status::Ok, text)
    }

    pub fn no(tag: &Tag, text: impl Into<String>) -> StatusResponse {
        StatusResponse::new(Some(tag.clone()), Status::No, text)
    }

    pub fn bad(tag: &Tag, text: impl Into<String>) -> StatusResponse {
        StatusResponse::new(Some(tag.clone()), Status::Bad, text)
    }

    /// An untagged response of `status`.
    pub fn untagged(status: Status, text: impl Into<String>) -> StatusResponse {
        StatusResponse::new(None, status, text)
    }

    pub fn bye(text: impl Into<String>) -> StatusResponse {
        StatusResponse::untagged(Status::Bye, text)
    }

    pub fn with_code(mut self, code: Code) -> StatusResponse {
        self.code = Some(code);
        self
    }

    pub fn encode(&self, out: &mut Vec<u8>, dialect: Dialect) {
        let mut w = Writer::new(out, dialect);
        match (&self.tag, self.status) {
            (Some(tag), Status::Ok | Status::No | Status::Bad) => w.raw(tag.as_str().as_bytes()),
            _ => w.raw(b"*"),
        }
        w.raw(match self.status {
            Status::Ok => b" OK ",
            Status::No => b" NO ",
            Status::Bad => b" BAD ",
            Status::PreAuth => b" PREAUTH ",
            Status::Bye => b" BYE ",
        });
        write_resp_text(&mut w, self.code.as_ref(), &self.text);
        w.crlf();
    }
}

/// `["[" resp-text-code "]" SP] text`; IMAP4rev1 needs some text, so an empty one is replaced.
fn write_resp_text(w: &mut Writer<'_>, code: Option<&Code>, text: &str) {
    if let Some(code) = code {
        w.raw(b"[");
        code.write(w);
        w.raw(b"] ");
    }
    let text = if text.is_empty() { "completed" } else { text };
    // A text starting with "[" would read as a response code.
    if code.is_none() && text.starts_with('[') {
        w.raw(b" ");
    }
    w.text(text);
}

/// A command continuation request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Continuation {
    /// `+ Ready for literal`, `+ idling`.
    Text(String),
    /// A SASL challenge, BASE64-encoded on the wire (RFC 9051 §6.2.2); empty gives `+ `.
    Base64(Vec<u8>),
}

impl Continuation {
    pub fn encode(&self, out: &mut Vec<u8>, dialect: Dialect) {
        let mut w = Writer::new(out, dialect);
        w.raw(b"+ ");
        match self {
            Continuation::Text(text) => w.text(text),
            Continuation::Base64(data) => w.raw(relais_sasl::encode_base64(data).as_bytes()),
        }
        w.crlf();
    }
}

/// Untagged data (RFC 9051 §7.2–§7.5 and the extensions').
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Data {
    Capability(Vec<String>),
    /// RFC 5161.
    Enabled(Vec<String>),
    List(ListItem),
    /// IMAP4rev1.
    Lsub(ListItem),
    Status {
        mailbox: MailboxName,
        values: Vec<StatusValue>,
    },
    /// `modseq` after a search with MODSEQ (RFC 7162 §3.1.5).
    Search {
        ids: Vec<u32>,
        modseq: Option<u64>,
    },
    Esearch(Esearch),
    Sort {
        ids: Vec<u32>,
        modseq: Option<u64>,
    },
    Thread(Vec<Thread>),
    Flags(Vec<Flag>),
    Exists(u32),
    /// IMAP4rev1.
    Recent(u32),
    Expunge(u32),
    /// RFC 7162 §3.2.10.
    Vanished {
        earlier: bool,
        uids: SequenceSet,
    },
    Fetch {
        seq: u32,
        items: Vec<FetchItem>,
    },
    Namespace(Namespaces),
    Id(IdParams),
    Quota {
        root: String,
        resources: Vec<QuotaResource>,
    },
    QuotaRoot {
        mailbox: MailboxName,
        roots: Vec<String>,
    },
    /// Identifier and rights pairs.
    Acl {
        mailbox: MailboxName,
        entries: Vec<(String, String)>,
    },
    ListRights {
        mailbox: MailboxName,
        identifier: String,
        required: String,
        optional: Vec<String>,
    },
    MyRights {
        mailbox: MailboxName,
        rights: String,
    },
}

impl Data {
    pub fn encode(&self, out: &mut Vec<u8>, dialect: Dialect) {
        let mut w = Writer::new(out, dialect);
        w.raw(b"* ");
        self.write(&mut w);
        w.crlf();
    }

    fn write(&self, w: &mut Writer<'_>) {
        match self {
            Data::Capability(caps) => {
                w.raw(b"CAPABILITY");
                for c in caps {
                    w.sp();
                    w.atom(c);
                }
            }
            Data::Enabled(caps) => enable::encode(w, caps),
            Data::List(item) => list::encode(w, "LIST", item),
            Data::Lsub(item) => list::encode(w, "LSUB", item),
            Data::Status { mailbox, values } => status::encode(w, mailbox, values),
            Data::Search { ids, modseq } => search::encode_numbers(w, "SEARCH", ids, *modseq),
            Data::Esearch(e) => search::encode_esearch(w, e),
            Data::Sort { ids, modseq } => search::encode_numbers(w, "SORT", ids, *modseq),
            Data::Thread(threads) => sort::encode_threads(w, threads),
            Data::Flags(flags) => {
                w.raw(b"FLAGS ");
                w.flags(flags);
            }
            Data::Exists(n) => number_then(w, *n, "EXISTS"),
            Data::Recent(n) => number_then(w, *n, "RECENT"),
            Data::Expunge(n) => number_then(w, *n, "EXPUNGE"),
            Data::Vanished { earlier, uids } => {
                w.raw(if *earlier { b"VANISHED (EARLIER) " } else { b"VANISHED " });
                w.sequence_set(uids);
            }
            Data::Fetch { seq, items } => fetch::response::encode(w, *seq, items),
            Data::Namespace(ns) => namespace::encode(w, ns),
            Data::Id(params) => id::encode(w, params),
            Data::Quota { root, resources } => quota::encode_quota(w, root, resources),
            Data::QuotaRoot { mailbox, roots } => quota::encode_quota_root(w, mailbox, roots),
            Data::Acl { mailbox, entries } => acl::encode_acl(w, mailbox, entries),
            Data::ListRights { mailbox, identifier, required, optional } => {
                acl::encode_list_rights(w, mailbox, identifier, required, optional)
            }
            Data::MyRights { mailbox, rights } => acl::encode_my_rights(w, mailbox, rights),
        }
    }
}

fn number_then(w: &mut Writer<'_>, n: u32, name: &str) {
    w.number(u64::from(n));
    w.sp();
    w.raw(name.as_bytes());
}
