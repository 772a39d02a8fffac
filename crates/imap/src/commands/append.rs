//! APPEND (RFC 9051 §6.3.12), MULTIAPPEND (RFC 3502), with APPENDUID (RFC 4315 §3), through the
//! mail domain's append: the message is analysed once, like a delivery, and stored with its
//! flags and internal date. Into a shared mailbox it needs `i` (RFC 4314 §4, checked by the
//! domain), belongs to the owner and counts against the owner's quota; flags the user may not
//! set are dropped.

use relais_imap_proto::{AppendMessage, Code, MailboxName, SequenceSet, Tag};
use relais_mail::mailbox::NewMessage;

use crate::convert;
use crate::session::Session;

pub async fn append(s: &mut Session, tag: &Tag, mailbox: MailboxName, messages: Vec<AppendMessage>) {
    if messages.iter().any(|m| m.flags.contains(&relais_imap_proto::Flag::Recent)) {
        return s.bad(tag, "\\Recent cannot be set");
    }
    // The mail domain's append: analysed once, threaded, indexed, and charged to the mailbox's
    // owner, whose quota is checked inside the write that stores them (all or none).
    let mut batch = Vec::with_capacity(messages.len());
    for m in messages {
        if m.data.is_empty() {
            return s.no(tag, Some(Code::Cannot), "an empty message cannot be appended");
        }
        let keywords = convert::keywords(&m.flags);
        // RFC 3516 §4.4: a literal8 may bring binary parts; stored base64-encoded, as Dovecot
        // does, so that BODY[n] never holds what a `{n}` literal may not carry (issue 12 item 7).
        let raw = match m.kind {
            relais_imap_proto::AppendKind::Literal => m.data,
            _ => relais_mail::binary::encode_binary_parts(&m.data).unwrap_or(m.data),
        };
        batch.push(NewMessage { raw, keywords, received_at: m.date.map(|d| d.unix_seconds()) });
    }
    let Some(actor) = s.actor() else { return };
    // The name is resolved in the transaction that stores the messages: no read of its own.
    match s.imap.mailer.append_named(&actor, mailbox.as_str(), batch).await {
        Ok(None) => s.no(tag, Some(Code::TryCreate), "no such mailbox"),
        Ok(Some((target, stored))) => {
            // The client learns of the new message at once when it is the selected mailbox.
            s.updates(false, true).await;
            let uids = SequenceSet::from_numbers(stored.iter().map(|(_, uid)| uid.0));
            s.ok_code(tag, Code::AppendUid { uid_validity: target.collection.uid_validity, uids }, "APPEND completed");
        }
        Err(e) => s.mail_error(tag, &e),
    }
}
