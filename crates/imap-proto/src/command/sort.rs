//! SORT and THREAD (RFC 5256), with ESORT's return options (RFC 5267).
//!
//! ```text
//! sort = ["UID" SP] "SORT" [search-return-opts] SP sort-criteria SP search-criteria
//!                                                                 RFC 5256 §5, RFC 5267 §3
//! sort-criteria = "(" sort-criterion *(SP sort-criterion) ")"
//! sort-criterion = ["REVERSE" SP] sort-key
//! sort-key = "ARRIVAL" / "CC" / "DATE" / "FROM" / "SIZE" / "SUBJECT" / "TO"
//!          / "DISPLAYFROM" / "DISPLAYTO"                          RFC 5957 §3
//! thread = ["UID" SP] "THREAD" SP thread-alg SP search-criteria
//! thread-alg = "ORDEREDSUBJECT" / "REFERENCES" / thread-alg-ext
//! search-criteria = charset 1*(SP search-key)
//!
//! sort-data = "SORT" *(SP nz-number) [SP "(" "MODSEQ" SP mod-sequence-value ")"]
//! thread-data = "THREAD" [SP 1*thread-list]
//! thread-list = "(" (thread-members / thread-nested) ")"
//! thread-members = nz-number *(SP nz-number) [SP thread-nested]
//! thread-nested = 2*thread-list
//! ```

use crate::command::CommandBody;
use crate::command::search::key::SearchKey;
use crate::command::search::{self, SearchReturn};
use crate::error::ErrorKind;
use crate::parser::{Parser, Result};
use crate::response::Writer;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortCommand {
    pub uid: bool,
    pub criteria: Vec<SortCriterion>,
    pub charset: String,
    pub search: SearchKey,
    /// ESORT (RFC 5267): `Some` is answered with ESEARCH.
    pub returns: Option<Vec<SearchReturn>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SortCriterion {
    pub reverse: bool,
    pub key: SortKey,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    Arrival,
    Cc,
    Date,
    From,
    Size,
    Subject,
    To,
    DisplayFrom,
    DisplayTo,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadCommand {
    pub uid: bool,
    pub algorithm: ThreadAlgorithm,
    pub charset: String,
    pub search: SearchKey,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ThreadAlgorithm {
    OrderedSubject,
    References,
    /// Another algorithm, upper-cased; the session answers BAD if it does not offer it.
    Other(String),
}

pub(crate) fn sort(p: &mut Parser<'_>, uid: bool) -> Result<CommandBody> {
    p.sp()?;
    let returns = search::return_options(p)?;
    let criteria = p.paren_list1(criterion)?;
    p.sp()?;
    let (charset, search) = search::required_charset_and_program(p)?;
    Ok(CommandBody::Sort(SortCommand { uid, criteria, charset, search, returns }))
}

fn criterion(p: &mut Parser<'_>) -> Result<SortCriterion> {
    let reverse = p.eat_keyword("REVERSE");
    if reverse {
        p.sp()?;
    }
    let key = match p.keyword()?.as_str() {
        "ARRIVAL" => SortKey::Arrival,
        "CC" => SortKey::Cc,
        "DATE" => SortKey::Date,
        "FROM" => SortKey::From,
        "SIZE" => SortKey::Size,
        "SUBJECT" => SortKey::Subject,
        "TO" => SortKey::To,
        "DISPLAYFROM" => SortKey::DisplayFrom,
        "DISPLAYTO" => SortKey::DisplayTo,
        _ => return Err(ErrorKind::syntax("unknown sort key")),
    };
    Ok(SortCriterion { reverse, key })
}

pub(crate) fn thread(p: &mut Parser<'_>, uid: bool) -> Result<CommandBody> {
    p.sp()?;
    let algorithm = match p.keyword()?.as_str() {
        "ORDEREDSUBJECT" => ThreadAlgorithm::OrderedSubject,
        "REFERENCES" => ThreadAlgorithm::References,
        other => ThreadAlgorithm::Other(other.to_owned()),
    };
    p.sp()?;
    let (charset, search) = search::required_charset_and_program(p)?;
    Ok(CommandBody::Thread(ThreadCommand { uid, algorithm, charset, search }))
}

/// A thread: messages in a chain, then the branches below the last of them. A missing parent
/// is an empty `ids` with two or more branches (RFC 5256 §4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Thread {
    pub ids: Vec<u32>,
    pub children: Vec<Thread>,
}

/// `THREAD (2)(3 6 (4 23)(44 7 96))`.
pub(crate) fn encode_threads(w: &mut Writer<'_>, threads: &[Thread]) {
    w.raw(b"THREAD");
    if !threads.is_empty() {
        w.sp();
    }
    for t in threads {
        encode_thread(w, t);
    }
}

/// One `thread-list`. A single branch continues the chain, since `thread-nested` needs two.
fn encode_thread(w: &mut Writer<'_>, thread: &Thread) {
    w.raw(b"(");
    let mut t = thread;
    let mut first = true;
    loop {
        for id in &t.ids {
            if !first {
                w.sp();
            }
            w.number(u64::from(*id));
            first = false;
        }
        match t.children.as_slice() {
            [only] => t = only,
            children => {
                if !children.is_empty() && !first {
                    w.sp();
                }
                for c in children {
                    encode_thread(w, c);
                }
                break;
            }
        }
    }
    w.raw(b")");
}
