//! Commands: one enum of every command the server understands, and the one place that maps a
//! command name to its parser. Each file below parses one command or family and encodes the
//! response data that belongs to it.
//!
//! ```text
//! command = tag SP (command-any / command-auth / command-nonauth / command-select) CRLF
//! ```
//! (RFC 9051 §9; the CRLF and literal framing are the receiver's.)

pub mod acl;
pub mod append;
pub mod auth;
pub mod copy;
pub mod enable;
pub mod fetch;
pub mod id;
pub mod list;
pub mod mailboxes;
pub mod namespace;
pub mod quota;
pub mod search;
pub mod select;
pub mod simple;
pub mod sort;
pub mod status;
pub mod store;

use crate::Dialect;
use crate::error::{ErrorKind, ParseError};
use crate::flag::MailboxAttribute;
use crate::mailbox::MailboxName;
use crate::parser::{Parser, Result};
use crate::sequence::SequenceSet;
use crate::tag::{Tag, peek_tag};

pub use self::acl::RightsChange;
pub use self::append::AppendMessage;
pub use self::fetch::FetchCommand;
pub use self::list::ListCommand;
pub use self::quota::QuotaLimit;
pub use self::search::SearchCommand;
pub use self::select::SelectParams;
pub use self::sort::{SortCommand, ThreadCommand};
pub use self::status::StatusItem;
pub use self::store::StoreCommand;

/// A tagged command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub tag: Tag,
    pub body: CommandBody,
}

/// Every command, with its arguments typed. Mailbox names are UTF-8 (decoded from modified
/// UTF-7 for sessions without UTF-8), INBOX normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommandBody {
    // Any state: RFC 9051 §6.1.
    Capability,
    Noop,
    Logout,
    /// RFC 2971.
    Id(Option<Vec<(String, Option<String>)>>),

    // Not authenticated: RFC 9051 §6.2.
    StartTls,
    /// `initial_response` is SASL-IR's (RFC 4959), decoded; `=` is `Some(empty)`.
    Authenticate {
        mechanism: String,
        initial_response: Option<Vec<u8>>,
    },
    Login {
        username: String,
        password: String,
    },

    // Authenticated: RFC 9051 §6.3 (also valid when a mailbox is selected).
    /// Capability names upper-cased (RFC 5161).
    Enable(Vec<String>),
    Select {
        mailbox: MailboxName,
        params: SelectParams,
    },
    Examine {
        mailbox: MailboxName,
        params: SelectParams,
    },
    /// `special_use` from CREATE-SPECIAL-USE's `(USE (\Drafts))` (RFC 6154 §3).
    Create {
        mailbox: MailboxName,
        special_use: Vec<MailboxAttribute>,
    },
    Delete(MailboxName),
    Rename {
        from: MailboxName,
        to: MailboxName,
    },
    Subscribe(MailboxName),
    Unsubscribe(MailboxName),
    List(ListCommand),
    Lsub {
        reference: String,
        pattern: String,
    },
    /// RFC 2342.
    Namespace,
    Status {
        mailbox: MailboxName,
        items: Vec<StatusItem>,
    },
    /// One message, or several with MULTIAPPEND (RFC 3502).
    Append {
        mailbox: MailboxName,
        messages: Vec<AppendMessage>,
    },
    /// RFC 2177.
    Idle,
    /// RFC 9208 §4.
    GetQuota(String),
    GetQuotaRoot(MailboxName),
    SetQuota {
        root: String,
        limits: Vec<QuotaLimit>,
    },
    /// RFC 4314 §3.
    SetAcl {
        mailbox: MailboxName,
        identifier: String,
        rights: RightsChange,
    },
    DeleteAcl {
        mailbox: MailboxName,
        identifier: String,
    },
    GetAcl(MailboxName),
    ListRights {
        mailbox: MailboxName,
        identifier: String,
    },
    MyRights(MailboxName),
    /// RFC 4978: the algorithm upper-cased (`DEFLATE`).
    Compress(String),

    // Selected: RFC 9051 §6.4.
    Check,
    Close,
    /// RFC 3691 / RFC 9051 §6.4.2.
    Unselect,
    /// `uids` for UID EXPUNGE (RFC 4315 §2.1).
    Expunge {
        uids: Option<SequenceSet>,
    },
    Search(SearchCommand),
    /// RFC 5256.
    Sort(SortCommand),
    Thread(ThreadCommand),
    Fetch(FetchCommand),
    Store(StoreCommand),
    Copy {
        uid: bool,
        set: SequenceSet,
        mailbox: MailboxName,
    },
    /// RFC 6851.
    Move {
        uid: bool,
        set: SequenceSet,
        mailbox: MailboxName,
    },
}

/// The connection states of RFC 9051 §3 in which a command is valid, for the session's state
/// table. A command valid when authenticated is valid when selected too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandState {
    Any,
    NotAuthenticated,
    Authenticated,
    Selected,
}

impl CommandBody {
    /// The command's name as the RFCs spell it (`UID FETCH` for the UID form), for logs and
    /// for completion texts like `FETCH completed`.
    pub fn name(&self) -> &'static str {
        use CommandBody::*;
        match self {
            Capability => "CAPABILITY",
            Noop => "NOOP",
            Logout => "LOGOUT",
            Id(_) => "ID",
            StartTls => "STARTTLS",
            Authenticate { .. } => "AUTHENTICATE",
            Login { .. } => "LOGIN",
            Enable(_) => "ENABLE",
            Select { .. } => "SELECT",
            Examine { .. } => "EXAMINE",
            Create { .. } => "CREATE",
            Delete(_) => "DELETE",
            Rename { .. } => "RENAME",
            Subscribe(_) => "SUBSCRIBE",
            Unsubscribe(_) => "UNSUBSCRIBE",
            List(_) => "LIST",
            Lsub { .. } => "LSUB",
            Namespace => "NAMESPACE",
            Status { .. } => "STATUS",
            Append { .. } => "APPEND",
            Idle => "IDLE",
            GetQuota(_) => "GETQUOTA",
            GetQuotaRoot(_) => "GETQUOTAROOT",
            SetQuota { .. } => "SETQUOTA",
            SetAcl { .. } => "SETACL",
            DeleteAcl { .. } => "DELETEACL",
            GetAcl(_) => "GETACL",
            ListRights { .. } => "LISTRIGHTS",
            MyRights(_) => "MYRIGHTS",
            Compress(_) => "COMPRESS",
            Check => "CHECK",
            Close => "CLOSE",
            Unselect => "UNSELECT",
            Expunge { uids: None } => "EXPUNGE",
            Expunge { uids: Some(_) } => "UID EXPUNGE",
            Search(c) => uid_name(c.uid, "SEARCH", "UID SEARCH"),
            Sort(c) => uid_name(c.uid, "SORT", "UID SORT"),
            Thread(c) => uid_name(c.uid, "THREAD", "UID THREAD"),
            Fetch(c) => uid_name(c.uid, "FETCH", "UID FETCH"),
            Store(c) => uid_name(c.uid, "STORE", "UID STORE"),
            Copy { uid, .. } => uid_name(*uid, "COPY", "UID COPY"),
            Move { uid, .. } => uid_name(*uid, "MOVE", "UID MOVE"),
        }
    }

    /// Where the command is valid (RFC 9051 §6.1–§6.4; extensions as their RFCs place them).
    /// True if a mailbox name of the command was sent in modified UTF-7 that does not decode:
    /// the server answers NO, as for a mailbox that does not exist (RFC 3501 §5.1.3).
    pub fn names_undecodable_mailbox(&self) -> bool {
        use CommandBody::*;
        let names: Vec<&MailboxName> = match self {
            Select { mailbox, .. }
            | Examine { mailbox, .. }
            | Create { mailbox, .. }
            | Status { mailbox, .. }
            | Append { mailbox, .. }
            | SetAcl { mailbox, .. }
            | DeleteAcl { mailbox, .. }
            | ListRights { mailbox, .. }
            | Copy { mailbox, .. }
            | Move { mailbox, .. } => vec![mailbox],
            Delete(m) | Subscribe(m) | Unsubscribe(m) | GetQuotaRoot(m) | GetAcl(m) | MyRights(m) => vec![m],
            Rename { from, to } => vec![from, to],
            _ => Vec::new(),
        };
        names.iter().any(|n| !n.is_valid())
    }

    pub fn state(&self) -> CommandState {
        use CommandBody::*;
        match self {
            Capability | Noop | Logout | Id(_) => CommandState::Any,
            StartTls | Authenticate { .. } | Login { .. } => CommandState::NotAuthenticated,
            Check
            | Close
            | Unselect
            | Expunge { .. }
            | Search(_)
            | Sort(_)
            | Thread(_)
            | Fetch(_)
            | Store(_)
            | Copy { .. }
            | Move { .. } => CommandState::Selected,
            _ => CommandState::Authenticated,
        }
    }

    /// True for the UID forms (RFC 9051 §6.4.9).
    pub fn is_uid(&self) -> bool {
        use CommandBody::*;
        match self {
            Expunge { uids } => uids.is_some(),
            Search(c) => c.uid,
            Sort(c) => c.uid,
            Thread(c) => c.uid,
            Fetch(c) => c.uid,
            Store(c) => c.uid,
            Copy { uid, .. } | Move { uid, .. } => *uid,
            _ => false,
        }
    }
}

fn uid_name(uid: bool, plain: &'static str, with_uid: &'static str) -> &'static str {
    if uid { with_uid } else { plain }
}

impl Command {
    /// Parses one command as the receiver assembled it (see `parser.rs`).
    pub(crate) fn parse(buf: &[u8], dialect: Dialect) -> std::result::Result<Command, ParseError> {
        let tag = peek_tag(buf);
        let mut p = Parser::new(buf, dialect);
        let parsed = (|| {
            let tag = tag.clone().ok_or_else(|| ErrorKind::syntax("expected a tag"))?;
            p.take_while(crate::tag::is_tag_char);
            p.sp()?;
            let name = p.keyword().map_err(|_| p.unexpected("expected a command name"))?;
            let body = parse_body(&mut p, &name)?;
            p.end()?;
            Ok(Command { tag, body })
        })();
        parsed.map_err(|kind| ParseError::new(tag, kind))
    }
}

/// The one map from command name to parser.
fn parse_body(p: &mut Parser<'_>, name: &str) -> Result<CommandBody> {
    Ok(match name {
        "CAPABILITY" => CommandBody::Capability,
        "NOOP" => CommandBody::Noop,
        "LOGOUT" => CommandBody::Logout,
        "STARTTLS" => CommandBody::StartTls,
        "CHECK" => CommandBody::Check,
        "CLOSE" => CommandBody::Close,
        "UNSELECT" => CommandBody::Unselect,
        "EXPUNGE" => CommandBody::Expunge { uids: None },
        "IDLE" => CommandBody::Idle,
        "NAMESPACE" => CommandBody::Namespace,
        "COMPRESS" => simple::compress(p)?,
        "ID" => id::parse(p)?,
        "AUTHENTICATE" => auth::authenticate(p)?,
        "LOGIN" => auth::login(p)?,
        "ENABLE" => enable::parse(p)?,
        "SELECT" => select::select(p)?,
        "EXAMINE" => select::examine(p)?,
        "CREATE" => mailboxes::create(p)?,
        "DELETE" => CommandBody::Delete(mailboxes::one(p)?),
        "RENAME" => mailboxes::rename(p)?,
        "SUBSCRIBE" => CommandBody::Subscribe(mailboxes::one(p)?),
        "UNSUBSCRIBE" => CommandBody::Unsubscribe(mailboxes::one(p)?),
        "LIST" => list::list(p)?,
        "LSUB" => list::lsub(p)?,
        "STATUS" => status::parse(p)?,
        "APPEND" => append::parse(p)?,
        "GETQUOTA" => quota::get_quota(p)?,
        "GETQUOTAROOT" => quota::get_quota_root(p)?,
        "SETQUOTA" => quota::set_quota(p)?,
        "SETACL" => acl::set_acl(p)?,
        "DELETEACL" => acl::delete_acl(p)?,
        "GETACL" => acl::get_acl(p)?,
        "LISTRIGHTS" => acl::list_rights(p)?,
        "MYRIGHTS" => acl::my_rights(p)?,
        "SEARCH" => search::parse(p, false)?,
        "SORT" => sort::sort(p, false)?,
        "THREAD" => sort::thread(p, false)?,
        "FETCH" => fetch::parse(p, false)?,
        "STORE" => store::parse(p, false)?,
        "COPY" => copy::copy(p, false)?,
        "MOVE" => copy::move_(p, false)?,
        "UID" => uid(p)?,
        _ => return Err(ErrorKind::UnknownCommand(name.to_owned())),
    })
}

/// RFC 9051 §6.4.9 `uid = "UID" SP (copy / move / fetch / search / store / uid-expunge)`, and
/// UID SORT / UID THREAD (RFC 5256 §3).
fn uid(p: &mut Parser<'_>) -> Result<CommandBody> {
    p.sp()?;
    let name = p.keyword()?;
    Ok(match name.as_str() {
        "FETCH" => fetch::parse(p, true)?,
        "SEARCH" => search::parse(p, true)?,
        "STORE" => store::parse(p, true)?,
        "COPY" => copy::copy(p, true)?,
        "MOVE" => copy::move_(p, true)?,
        "SORT" => sort::sort(p, true)?,
        "THREAD" => sort::thread(p, true)?,
        "EXPUNGE" => {
            p.sp()?;
            CommandBody::Expunge { uids: Some(p.sequence_set()?) }
        }
        _ => return Err(ErrorKind::UnknownCommand(format!("UID {name}"))),
    })
}
