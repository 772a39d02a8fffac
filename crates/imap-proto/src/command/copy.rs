//! COPY and MOVE, plain and UID.
//!
//! ```text
//! copy = "COPY" SP sequence-set SP mailbox        RFC 9051 §6.4.7
//! move = "MOVE" SP sequence-set SP mailbox        RFC 6851 §3 / RFC 9051 §6.4.8
//! uid = "UID" SP (copy / move / …)                RFC 9051 §6.4.9
//! ```
//! The answers carry `[COPYUID uidvalidity source-uids dest-uids]` (RFC 4315 §3), on the tagged
//! OK for COPY and on an untagged OK before the EXPUNGEs for MOVE (RFC 6851 §4.3).

use crate::command::CommandBody;
use crate::mailbox::MailboxName;
use crate::parser::{Parser, Result};
use crate::sequence::SequenceSet;

fn parse(p: &mut Parser<'_>) -> Result<(SequenceSet, MailboxName)> {
    p.sp()?;
    let set = p.sequence_set()?;
    p.sp()?;
    Ok((set, p.mailbox()?))
}

pub(crate) fn copy(p: &mut Parser<'_>, uid: bool) -> Result<CommandBody> {
    let (set, mailbox) = parse(p)?;
    Ok(CommandBody::Copy { uid, set, mailbox })
}

pub(crate) fn move_(p: &mut Parser<'_>, uid: bool) -> Result<CommandBody> {
    let (set, mailbox) = parse(p)?;
    Ok(CommandBody::Move { uid, set, mailbox })
}
