//! STORE, with CONDSTORE's UNCHANGEDSINCE.
//!
//! ```text
//! store = "STORE" SP sequence-set [store-modifiers] SP store-att-flags   RFC 9051 §6.4.6
//! store-modifiers = SP "(" store-modifier *(SP store-modifier) ")"       RFC 4466 §2.5
//! store-modifier =/ "UNCHANGEDSINCE" SP mod-sequence-valzer              RFC 7162 §3.1.3
//! store-att-flags = (["+" / "-"] "FLAGS" [".SILENT"]) SP (flag-list / (flag *(SP flag)))
//! ```
//! Messages whose modseq is above UNCHANGEDSINCE are left alone and reported in
//! `[MODIFIED set]` (RFC 7162 §3.1.3).

use crate::command::CommandBody;
use crate::error::ErrorKind;
use crate::flag::Flag;
use crate::parser::{Parser, Result};
use crate::sequence::SequenceSet;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreCommand {
    pub uid: bool,
    pub set: SequenceSet,
    pub action: StoreAction,
    /// RFC 7162 §3.1.3; 0 is allowed and matches no message that has a modseq.
    pub unchanged_since: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreAction {
    pub kind: StoreKind,
    /// `.SILENT`: no untagged FETCH for the new flags (but see RFC 7162 §3.1.3 for MODSEQ).
    pub silent: bool,
    pub flags: Vec<Flag>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreKind {
    /// `FLAGS`: replace.
    Replace,
    /// `+FLAGS`.
    Add,
    /// `-FLAGS`.
    Remove,
}

pub(crate) fn parse(p: &mut Parser<'_>, uid: bool) -> Result<CommandBody> {
    p.sp()?;
    let set = p.sequence_set()?;
    p.sp()?;
    let mut unchanged_since = None;
    if p.peek() == Some(b'(') {
        p.paren_list1(|p| {
            if !p.eat_keyword("UNCHANGEDSINCE") || unchanged_since.is_some() {
                return Err(ErrorKind::syntax("unknown STORE modifier"));
            }
            p.sp()?;
            unchanged_since = Some(p.number64()?);
            Ok(())
        })?;
        p.sp()?;
    }
    let kind = if p.eat(b'+') {
        StoreKind::Add
    } else if p.eat(b'-') {
        StoreKind::Remove
    } else {
        StoreKind::Replace
    };
    let silent = match p.keyword()?.as_str() {
        "FLAGS" => false,
        "FLAGS.SILENT" => true,
        _ => return Err(ErrorKind::syntax("expected FLAGS, +FLAGS or -FLAGS")),
    };
    p.sp()?;
    let flags = if p.peek() == Some(b'(') {
        p.flag_list()?
    } else {
        let mut flags = vec![p.flag()?];
        while p.eat(b' ') {
            flags.push(p.flag()?);
        }
        flags
    };
    let action = StoreAction { kind, silent, flags };
    Ok(CommandBody::Store(StoreCommand { uid, set, action, unchanged_since }))
}
