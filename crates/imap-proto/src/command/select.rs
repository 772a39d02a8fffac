//! SELECT and EXAMINE, with CONDSTORE and QRESYNC parameters.
//!
//! ```text
//! select = "SELECT" SP mailbox [select-params]                          RFC 9051 §6.3.2, RFC 4466 §2.1
//! examine = "EXAMINE" SP mailbox [select-params]
//! select-params = SP "(" select-param *(SP select-param) ")"
//! select-param =/ "CONDSTORE"                                           RFC 7162 §3.1.8
//! select-param =/ "QRESYNC" SP "(" uidvalidity SP mod-sequence-value    RFC 7162 §3.2.5
//!                 [SP known-uids] [SP seq-match-data] ")"
//! seq-match-data = "(" known-sequence-set SP known-uid-set ")"
//! ```
//! The session refuses QRESYNC unless the client enabled it (RFC 7162 §3.2.5: BAD).

use crate::command::CommandBody;
use crate::error::ErrorKind;
use crate::parser::{Parser, Result};
use crate::sequence::SequenceSet;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectParams {
    pub condstore: bool,
    pub qresync: Option<QresyncParams>,
}

/// RFC 7162 §3.2.5: what the client remembers of the mailbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QresyncParams {
    pub uid_validity: u32,
    pub modseq: u64,
    /// UIDs the client knows of; all when absent.
    pub known_uids: Option<SequenceSet>,
    /// Sequence numbers and the UIDs they had, for a cheaper VANISHED (RFC 7162 §3.2.5.2).
    pub seq_match: Option<(SequenceSet, SequenceSet)>,
}

pub(crate) fn select(p: &mut Parser<'_>) -> Result<CommandBody> {
    let (mailbox, params) = parse(p)?;
    Ok(CommandBody::Select { mailbox, params })
}

pub(crate) fn examine(p: &mut Parser<'_>) -> Result<CommandBody> {
    let (mailbox, params) = parse(p)?;
    Ok(CommandBody::Examine { mailbox, params })
}

fn parse(p: &mut Parser<'_>) -> Result<(crate::MailboxName, SelectParams)> {
    p.sp()?;
    let mailbox = p.mailbox()?;
    let mut params = SelectParams::default();
    if p.eat(b' ') {
        p.paren_list1(|p| {
            match p.keyword()?.as_str() {
                "CONDSTORE" => params.condstore = true,
                "QRESYNC" if params.qresync.is_none() => {
                    p.sp()?;
                    params.qresync = Some(qresync(p)?);
                }
                _ => return Err(ErrorKind::syntax("unknown SELECT parameter")),
            }
            Ok(())
        })?;
    }
    Ok((mailbox, params))
}

fn qresync(p: &mut Parser<'_>) -> Result<QresyncParams> {
    p.expect(b'(', "expected ( after QRESYNC")?;
    let uid_validity = p.nz_number()?;
    p.sp()?;
    let modseq = p.modseq()?;
    let mut known_uids = None;
    let mut seq_match = None;
    if p.eat(b' ') && p.peek() != Some(b'(') {
        known_uids = Some(p.sequence_set()?);
        p.eat(b' ');
    }
    if p.eat(b'(') {
        let seqs = p.sequence_set()?;
        p.sp()?;
        let uids = p.sequence_set()?;
        p.expect(b')', "expected ) after the sequence match data")?;
        seq_match = Some((seqs, uids));
    }
    p.expect(b')', "expected ) after the QRESYNC parameters")?;
    Ok(QresyncParams { uid_validity, modseq, known_uids, seq_match })
}
