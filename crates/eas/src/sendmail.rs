//! SendMail, SmartReply and SmartForward (MS-ASCMD §2.2.1.17, .19, .20): the device's MIME
//! message (completed with the original for SmartReply/SmartForward, `compose::smart`) submitted through the mail
//! domain (`Mailer::submit_message`: recipients from To/Cc/Bcc, the originator checked against
//! the account's send-as rights, Bcc taken out, the Sent copy kept when asked). Success is an
//! empty 200; a refusal is `ComposeMail:Status`.

use relais_mail::compose::Smart;
use relais_mail::{SubmitError, SubmitOptions};
use relais_wbxml::Element;
use relais_wbxml::tag::composemail as cm;

use crate::{Answer, Ctx};

/// The device sync state's name for the ClientIds of its last messages sent.
const SENT: &str = "sent";

/// Most ClientIds remembered per device (a phone retries its last few, not hundreds).
const MAX_SENT: usize = 100;

fn status(code: u32) -> Answer {
    status_in(cm::SEND_MAIL, code)
}

fn status_in(root: relais_wbxml::Tag, code: u32) -> Answer {
    Answer::Doc(Element::new(root).with_leaf(cm::STATUS, code.to_string()))
}

pub(crate) async fn send_mail(ctx: &Ctx<'_>, body: Option<Element>, raw_body: &[u8]) -> Answer {
    let (mime, save, client) = match &body {
        Some(req) if req.tag == cm::SEND_MAIL => {
            let Some(mime) = req.bytes_of(cm::MIME) else { return status(103) };
            (mime.into_owned(), req.has(cm::SAVE_IN_SENT_ITEMS), crate::text_of(req, cm::CLIENT_ID))
        }
        Some(_) => return status(103),
        // Before 14.0 the body was the MIME itself; a 14.x device never sends that.
        None if raw_body.is_empty() => return status(101),
        None => return status(103),
    };
    if mime.is_empty() {
        return status(107);
    }
    submit(ctx, cm::SEND_MAIL, mime, save, client).await
}

/// Submits the device's message, once per ClientId: the server tells duplicates by it (MS-ASCMD
/// §2.2.3.28.1), and one sent before is refused with 118, "message previously sent" (§2.2.2),
/// so a phone that lost the answer and sends again does not send the message twice.
async fn submit(ctx: &Ctx<'_>, root: relais_wbxml::Tag, mime: Vec<u8>, save: bool, client: Option<String>) -> Answer {
    let client = client.filter(|c| !c.is_empty() && c.len() <= 64);
    let mut sent: Vec<String> = Vec::new();
    if let Some(id) = &client {
        match ctx.eas.directory.sync_state(&ctx.actor, &ctx.query.device_id, SENT).await {
            Ok(s) => sent = s.and_then(|s| serde_json::from_str(&s.state).ok()).unwrap_or_default(),
            Err(e) => tracing::warn!(error = %e, "eas: sent ClientIds unreadable"),
        }
        if sent.contains(id) {
            return status_in(root, 118);
        }
    }
    match ctx.eas.mailer.submit_message(ctx.principal, mime, SubmitOptions { save_sent: save }).await {
        Ok(_) => {
            if let Some(id) = client {
                sent.push(id);
                let excess = sent.len().saturating_sub(MAX_SENT);
                sent.drain(..excess);
                ctx.keep_request(SENT, &sent).await;
            }
            Answer::Empty
        }
        Err(SubmitError::NoRecipients) => status_in(root, 119),
        Err(SubmitError::UnknownRecipient(_)) => status_in(root, 116),
        Err(SubmitError::TooManyRecipients(_)) => status_in(root, 115),
        Err(SubmitError::EnvelopeSender { .. } | SubmitError::Originator(_)) => status_in(root, 130),
        Err(SubmitError::Mail(e)) => {
            tracing::warn!(error = %e, "eas: message not delivered");
            status_in(root, 120)
        }
    }
}

/// SmartReply or SmartForward: the device's new text completed with the original message
/// (`Source` FolderId + ItemId as Sync named it, or LongId as Search did), unless ReplaceMime says the MIME is whole.
pub(crate) async fn smart(ctx: &Ctx<'_>, body: Option<Element>, root: relais_wbxml::Tag) -> Answer {
    let Some(req) = body.filter(|b| b.tag == root) else { return status_in(root, 103) };
    let Some(mime) = req.bytes_of(cm::MIME).map(|m| m.into_owned()).filter(|m| !m.is_empty()) else {
        return status_in(root, 107);
    };
    let save = req.has(cm::SAVE_IN_SENT_ITEMS);
    let client = crate::text_of(&req, cm::CLIENT_ID);
    if req.has(cm::REPLACE_MIME) {
        return submit(ctx, root, mime, save, client).await;
    }
    // The original: Source's FolderId and ItemId (14.x), its LongId (a Search result's:
    // `<folder>:<uid>`), or the query's (12.x style).
    let source = req.child(cm::SOURCE);
    let long = source.and_then(|s| crate::text_of(s, cm::LONG_ID));
    let from_long = long.as_ref().and_then(|l| l.split_once(':')).map(|(f, _)| f.to_owned());
    let folder = from_long
        .or_else(|| source.and_then(|s| crate::text_of(s, cm::FOLDER_ID)))
        .or_else(|| ctx.query.params.collection_id.clone());
    let item = long
        .or_else(|| source.and_then(|s| crate::text_of(s, cm::ITEM_ID)))
        .or_else(|| ctx.query.params.item_id.clone());
    let (Some(folder), Some(item)) = (folder, item) else { return status_in(root, 150) };
    let (Some(mailbox), Some(uid)) = (crate::folders::collection_id(&folder), crate::sync::uid_in(&folder, &item))
    else {
        return status_in(root, 150);
    };
    let original = match relais_mail::mailbox::message(ctx.store(), &ctx.actor, mailbox, uid).await {
        Ok(Some((_, raw))) => raw,
        _ => return status_in(root, 150),
    };
    let kind = if root == cm::SMART_REPLY { Smart::Reply } else { Smart::Forward };
    let p = ctx.principal;
    let from = (p.display_name.as_str(), &*p.address());
    let Some(whole) = relais_mail::compose::smart(kind, &mime, &original, from, ctx.eas.mailer.hostname()) else {
        return status_in(root, 107);
    };
    submit(ctx, root, whole, save, client).await
}

/// Sends a draft of the device's (MS-ASEMAIL §2.2.2.69, email2:Send in a Sync Add or Change,
/// 16.x): its MIME submitted as SendMail's is, with a Sent copy, then the draft taken out of
/// Drafts (the device is told so by the Sync's Delete). A refusal leaves the draft where it
/// is and is the Sync status to answer the item with: 6 for a message that cannot be sent as
/// it is (no recipient, an unknown local one, a From the user may not use), 5 for a failure of
/// the server's.
pub(crate) async fn send_draft(
    ctx: &Ctx<'_>,
    drafts: relais_store::CollectionId,
    message: (relais_store::Uid, relais_store::ItemId),
    raw: Vec<u8>,
) -> Result<(), u32> {
    match ctx.eas.mailer.submit_message(ctx.principal, raw, SubmitOptions { save_sent: true }).await {
        Ok(_) => {}
        Err(SubmitError::Mail(e)) => {
            tracing::warn!(error = %e, "eas: draft not sent");
            return Err(5);
        }
        Err(e) => {
            tracing::debug!(error = %e, "eas: draft refused");
            return Err(6);
        }
    }
    let gone = relais_mail::mailbox::Expunge::Messages(vec![message]);
    if let Err(e) = relais_mail::mailbox::expunge(ctx.store(), &ctx.actor, drafts, gone).await {
        // Sent all the same: the draft stays, and the device may send it again.
        tracing::warn!(error = %e, "eas: a sent draft stays in Drafts");
    }
    Ok(())
}
