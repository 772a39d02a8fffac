//! IMAP's \Recent (RFC 3501 §2.3.2): "this is the first session to have been notified about
//! this message". Per mailbox the store keeps the highest UID already claimed; a session that
//! SELECTs the mailbox, or learns of new messages while it has it selected, claims the UIDs it
//! sees, and the ones above the previous watermark are recent for it alone. EXAMINE (and a
//! STATUS) looks without claiming. IMAP4rev2 dropped the flag (RFC 9051 §2.3.2): its sessions
//! neither see nor claim it, leaving the messages recent for an IMAP4rev1 session.

use relais_store::{CollectionId, Store, Uid};

use crate::MailError;

/// Claims `mailbox`'s messages up to `upto` for one session; returns the highest UID claimed
/// before, so the session's recent messages are those above it and at most `upto`. `seen` is
/// the watermark the caller last read: when `upto` is not above it there is nothing to claim
/// and nothing is written (a SELECT of a mailbox without new mail costs no write).
pub async fn claim(store: &Store, mailbox: CollectionId, upto: Uid, seen: Uid) -> Result<Uid, MailError> {
    if upto <= seen {
        return Ok(seen);
    }
    Ok(store.write(move |tx| tx.claim_recent(mailbox, upto)).await?)
}
