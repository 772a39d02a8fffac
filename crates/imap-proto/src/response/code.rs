//! Response codes (RFC 9051 §7.1 and the extensions that add them).
//!
//! ```text
//! resp-text-code = "ALERT" / "BADCHARSET" [SP "(" charset *(SP charset) ")"] /
//!                  capability-data / "PARSE" / "PERMANENTFLAGS" SP "(" [flag-perm *(SP flag-perm)] ")" /
//!                  "READ-ONLY" / "READ-WRITE" / "TRYCREATE" / "UIDNEXT" SP nz-number /
//!                  "UIDVALIDITY" SP nz-number / "UNSEEN" SP nz-number / "CLOSED" / …  RFC 9051 §9
//!                / "APPENDUID" SP nz-number SP append-uid / "COPYUID" SP nz-number SP uid-set
//!                  SP uid-set / "UIDNOTSTICKY"                         RFC 4315 §4
//!                / "HIGHESTMODSEQ" SP mod-sequence-value / "NOMODSEQ" /
//!                  "MODIFIED" SP sequence-set                          RFC 7162 §7
//!                / "MAILBOXID" SP "(" objectid ")"                     RFC 8474 §4
//!                / "NOTSAVED"                                          RFC 5182 §5
//!                / "COMPRESSIONACTIVE"                                 RFC 4978 §3
//!                / "UNKNOWN-CTE"                                       RFC 3516 §4.3
//!                / "USEATTR"                                           RFC 6154 §6
//!                / atom [SP 1*<any TEXT-CHAR except "]">]
//! ```

use crate::flag::Flag;
use crate::response::Writer;
use crate::sequence::SequenceSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Code {
    Alert,
    /// The charsets the server supports; may be empty.
    BadCharset(Vec<String>),
    Capability(Vec<String>),
    Parse,
    /// `any_keyword` adds `\*`: clients may create keywords.
    PermanentFlags {
        flags: Vec<Flag>,
        any_keyword: bool,
    },
    ReadOnly,
    ReadWrite,
    TryCreate,
    UidNext(u32),
    UidValidity(u32),
    Unseen(u32),
    AppendUid {
        uid_validity: u32,
        uids: SequenceSet,
    },
    CopyUid {
        uid_validity: u32,
        source: SequenceSet,
        destination: SequenceSet,
    },
    UidNotSticky,
    HighestModseq(u64),
    NoModseq,
    Modified(SequenceSet),
    Closed,
    // RFC 5530 / RFC 9051 §7.1
    TooBig,
    OverQuota,
    Nonexistent,
    AlreadyExists,
    Cannot,
    Limit,
    NoPerm,
    InUse,
    ExpungeIssued,
    AuthenticationFailed,
    AuthorizationFailed,
    Expired,
    PrivacyRequired,
    ContactAdmin,
    Unavailable,
    ServerBug,
    ClientBug,
    Corruption,
    HasChildren,
    UseAttr,
    NotSaved,
    CompressionActive,
    UnknownCte,
    MailboxId(String),
    /// Any other code: an atom and optional text without `]`.
    Other {
        name: String,
        text: Option<String>,
    },
}

impl Code {
    fn name(&self) -> &str {
        use Code::*;
        match self {
            Alert => "ALERT",
            BadCharset(_) => "BADCHARSET",
            Capability(_) => "CAPABILITY",
            Parse => "PARSE",
            PermanentFlags { .. } => "PERMANENTFLAGS",
            ReadOnly => "READ-ONLY",
            ReadWrite => "READ-WRITE",
            TryCreate => "TRYCREATE",
            UidNext(_) => "UIDNEXT",
            UidValidity(_) => "UIDVALIDITY",
            Unseen(_) => "UNSEEN",
            AppendUid { .. } => "APPENDUID",
            CopyUid { .. } => "COPYUID",
            UidNotSticky => "UIDNOTSTICKY",
            HighestModseq(_) => "HIGHESTMODSEQ",
            NoModseq => "NOMODSEQ",
            Modified(_) => "MODIFIED",
            Closed => "CLOSED",
            TooBig => "TOOBIG",
            OverQuota => "OVERQUOTA",
            Nonexistent => "NONEXISTENT",
            AlreadyExists => "ALREADYEXISTS",
            Cannot => "CANNOT",
            Limit => "LIMIT",
            NoPerm => "NOPERM",
            InUse => "INUSE",
            ExpungeIssued => "EXPUNGEISSUED",
            AuthenticationFailed => "AUTHENTICATIONFAILED",
            AuthorizationFailed => "AUTHORIZATIONFAILED",
            Expired => "EXPIRED",
            PrivacyRequired => "PRIVACYREQUIRED",
            ContactAdmin => "CONTACTADMIN",
            Unavailable => "UNAVAILABLE",
            ServerBug => "SERVERBUG",
            ClientBug => "CLIENTBUG",
            Corruption => "CORRUPTION",
            HasChildren => "HASCHILDREN",
            UseAttr => "USEATTR",
            NotSaved => "NOTSAVED",
            CompressionActive => "COMPRESSIONACTIVE",
            UnknownCte => "UNKNOWN-CTE",
            MailboxId(_) => "MAILBOXID",
            Other { name, .. } => name,
        }
    }

    /// `[CODE …]` without the brackets.
    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        w.atom(self.name());
        match self {
            Code::BadCharset(charsets) if !charsets.is_empty() => {
                w.raw(b" (");
                for (i, c) in charsets.iter().enumerate() {
                    if i > 0 {
                        w.sp();
                    }
                    w.astring(c.as_bytes());
                }
                w.raw(b")");
            }
            Code::Capability(caps) => {
                for c in caps {
                    w.sp();
                    w.atom(c);
                }
            }
            Code::PermanentFlags { flags, any_keyword } => {
                w.raw(b" (");
                for (i, f) in flags.iter().enumerate() {
                    if i > 0 {
                        w.sp();
                    }
                    w.raw(f.to_string().as_bytes());
                }
                if *any_keyword {
                    w.raw(if flags.is_empty() { b"\\*" } else { b" \\*" });
                }
                w.raw(b")");
            }
            Code::UidNext(n) | Code::UidValidity(n) | Code::Unseen(n) => {
                w.sp();
                w.number(u64::from(*n));
            }
            Code::AppendUid { uid_validity, uids } => {
                w.sp();
                w.number(u64::from(*uid_validity));
                w.sp();
                w.sequence_set(uids);
            }
            Code::CopyUid { uid_validity, source, destination } => {
                w.sp();
                w.number(u64::from(*uid_validity));
                w.sp();
                w.sequence_set(source);
                w.sp();
                w.sequence_set(destination);
            }
            Code::HighestModseq(n) => {
                w.sp();
                w.number(*n);
            }
            Code::Modified(set) => {
                w.sp();
                w.sequence_set(set);
            }
            Code::MailboxId(id) => {
                w.raw(b" (");
                w.atom(id);
                w.raw(b")");
            }
            Code::Other { text: Some(text), .. } => {
                w.sp();
                w.text(&text.replace(']', " "));
            }
            _ => {}
        }
    }
}
