//! ItemOperations (MS-ASCMD §2.2.1.10):
//! - Fetch: a message's properties and body in the type the client asks for (by CollectionId
//!   and ServerId, or by a Search result's LongId), or an attachment's content (by
//!   FileReference, base64 in Data). Store must be `Mailbox`.
//! - EmptyFolderContents: every message of a folder out (and with DeleteSubFolders its
//!   subfolders deleted), through the mail domain's `mailbox::empty` in one transaction.
//! - Move: a conversation (ConversationId) moved to DstFldId — each of its messages in the
//!   account's mail folders but the destination and Sent Items (MS-ASCON §2.2.2.8), through the mail
//!   domain's move. MoveAlways is required (155 without it, §2.2.3.118); that it also asks for
//!   the conversation's later messages to be moved is not kept (no rule is stored).
//!
//! Statuses (§2.2.3.177.8): 2 a request that cannot be read, 3 a server error, 6 a folder,
//! message or conversation not found, 16 a folder the user sees but may not change, 155 a
//! required element missing.

use std::collections::BTreeMap;

use base64::Engine;
use relais_mail::MailError;
use relais_mail::mailbox::{self, Transfer};
use relais_mail::search::{Query, Scope};
use relais_store::{CollectionId, ItemId, Uid};
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, airsyncbase as base, itemoperations as io};

use crate::email::{BodyPreference, application_data, conversation_id};
use crate::folders::collection_id;
use crate::sync::uid_in;
use crate::{Answer, Ctx, text_of};

/// Most fetches in one request.
const MAX_FETCHES: usize = 100;

pub(crate) async fn item_operations(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let Some(req) = body.filter(|b| b.tag == io::ITEM_OPERATIONS) else {
        return Answer::Doc(Element::new(io::ITEM_OPERATIONS).with_leaf(io::STATUS, "2"));
    };
    let mut responses = Vec::new();
    let mut overall = String::from("1");
    // The answer's content (EasConfig::max_answer_bytes): a fetch once it is spent is
    // answered 11 (too large; MS-ASCMD §2.2.3.177.8) for the device to ask for it again.
    let mut budget = ctx.eas.config.max_answer_bytes;
    for op in req.elements().take(MAX_FETCHES) {
        let r = match op.tag {
            t if t == io::FETCH && budget == 0 => unfetched(op, "11"),
            t if t == io::FETCH => {
                let r = fetch(ctx, op).await;
                budget = budget.saturating_sub(crate::weight(&r));
                r
            }
            t if t == io::EMPTY_FOLDER_CONTENTS => empty_folder(ctx, op).await,
            t if t == io::MOVE => move_conversation(ctx, op).await,
            other => {
                responses.push(Element::new(other).with_leaf(io::STATUS, "2"));
                overall = "2".into();
                continue;
            }
        };
        // A failed Fetch is 6 for the request; another operation's status is its own.
        match r.text_of(io::STATUS) {
            Some(st) if st == "1" => {}
            Some(st) if op.tag != io::FETCH => overall = st.into_owned(),
            _ => overall = "6".into(),
        }
        responses.push(r);
    }
    // The first Status is the request's: some clients read only that one.
    Answer::Doc(
        Element::new(io::ITEM_OPERATIONS)
            .with_leaf(io::STATUS, if responses.len() == 1 { overall.as_str() } else { "1" })
            .with(Element::new(io::RESPONSE).with_all(responses)),
    )
}

/// A Fetch not done, with what named its item.
fn unfetched(op: &Element, status: &str) -> Element {
    let mut e = Element::new(io::FETCH).with_leaf(io::STATUS, status);
    for tag in [base::FILE_REFERENCE, a::COLLECTION_ID, a::SERVER_ID] {
        if let Some(v) = text_of(op, tag) {
            e = e.with_leaf(tag, v);
        }
    }
    e
}

async fn fetch(ctx: &Ctx<'_>, op: &Element) -> Element {
    let failed = |code: &str| Element::new(io::FETCH).with_leaf(io::STATUS, code);
    if text_of(op, io::STORE).is_some_and(|s| !s.eq_ignore_ascii_case("Mailbox")) {
        return failed("9");
    }
    if let Some(reference) = text_of(op, base::FILE_REFERENCE) {
        return attachment(ctx, &reference).await.unwrap_or_else(|| failed("15"));
    }
    // By a Search result's LongId (its ServerId, `<folder>:<uid>`), or by folder and ServerId.
    let long_id = text_of(op, relais_wbxml::tag::search::LONG_ID);
    let named = match &long_id {
        Some(long) => long.split_once(':').map(|(c, _)| (c.to_owned(), long.clone())),
        None => text_of(op, a::COLLECTION_ID).zip(text_of(op, a::SERVER_ID)),
    };
    let Some((collection, sid)) = named else {
        return failed(if long_id.is_some() { "6" } else { "2" });
    };
    let (Some(mailbox), Some(uid)) = (collection_id(&collection), uid_in(&collection, &sid)) else {
        return failed("6");
    };
    let pref = op.child(io::OPTIONS).map_or_else(BodyPreference::default, |o| BodyPreference::from_options(o, None));
    match mailbox::message(ctx.store(), &ctx.actor, mailbox, uid).await {
        Ok(Some((listed, raw))) => {
            let mut props = application_data(&listed, &raw, &collection, &pref);
            props.tag = io::PROPERTIES;
            let found = Element::new(io::FETCH).with_leaf(io::STATUS, "1");
            let found = match long_id {
                Some(long) => found.with_leaf(relais_wbxml::tag::search::LONG_ID, long),
                None => found.with_leaf(a::COLLECTION_ID, collection.as_str()).with_leaf(a::SERVER_ID, sid.as_str()),
            };
            found.with_leaf(a::CLASS, "Email").with(props)
        }
        _ => failed("6"),
    }
}

/// An attachment by the file reference Sync gave it: `<folder>:<uid>:<index>`.
async fn attachment(ctx: &Ctx<'_>, reference: &str) -> Option<Element> {
    let (sid, index) = reference.rsplit_once(':')?;
    let (collection, _) = sid.split_once(':')?;
    let (mailbox, uid, index) = (collection_id(collection)?, uid_in(collection, sid)?, index.parse::<u32>().ok()?);
    let (_, raw) = mailbox::message(ctx.store(), &ctx.actor, mailbox, uid).await.ok()??;
    let (a, content) = relais_mail::view::attachment(&raw, index)?;
    // The policy's MaxAttachmentSize: not sent (Status 11, too large).
    if ctx.policy().await.max_attachment_size.is_some_and(|max| content.len() as u64 > max) {
        return Some(Element::new(io::FETCH).with_leaf(io::STATUS, "11").with_leaf(base::FILE_REFERENCE, reference));
    }
    let data = base64::engine::general_purpose::STANDARD.encode(content);
    Some(
        Element::new(io::FETCH)
            .with_leaf(io::STATUS, "1")
            .with_leaf(base::FILE_REFERENCE, reference)
            .with(Element::new(io::PROPERTIES).with_leaf(base::CONTENT_TYPE, a.content_type).with_leaf(io::DATA, data)),
    )
}

/// The status of a mail domain refusal.
fn refusal(e: MailError) -> &'static str {
    match e {
        MailError::NoMailbox => "6",
        MailError::NoRight { .. } | MailError::Cannot(_) => "16",
        e => {
            tracing::warn!(error = %e, "eas: item operation");
            "3"
        }
    }
}

/// EmptyFolderContents (MS-ASCMD §2.2.3.58): `<airsync:CollectionId>` and
/// `<Options><DeleteSubFolders/></Options>`.
async fn empty_folder(ctx: &Ctx<'_>, op: &Element) -> Element {
    let answer = |code: &str, id: &str| {
        Element::new(io::EMPTY_FOLDER_CONTENTS).with_leaf(io::STATUS, code).with_leaf(a::COLLECTION_ID, id)
    };
    let Some(id) = text_of(op, a::COLLECTION_ID) else {
        return Element::new(io::EMPTY_FOLDER_CONTENTS).with_leaf(io::STATUS, "2");
    };
    let Some(mailbox) = collection_id(&id) else { return answer("6", &id) };
    let subfolders = op.child(io::OPTIONS).is_some_and(|o| o.has(io::DELETE_SUB_FOLDERS));
    match mailbox::empty(ctx.store(), &ctx.actor, mailbox, subfolders).await {
        Ok(_) => answer("1", &id),
        Err(e) => answer(refusal(e), &id),
    }
}

/// Most messages of a conversation one Move takes.
const MAX_CONVERSATION: usize = 1_000;

/// Move (MS-ASCMD §2.2.3.117.1): `<ConversationId>` (email2's octets) and `<DstFldId>`.
async fn move_conversation(ctx: &Ctx<'_>, op: &Element) -> Element {
    let conversation = op.bytes_of(io::CONVERSATION_ID).map(|b| b.into_owned()).filter(|b| !b.is_empty());
    let answer = |code: &str| {
        let e = Element::new(io::MOVE).with_leaf(io::STATUS, code);
        match &conversation {
            Some(c) => e.with(Element::new(io::CONVERSATION_ID).with_opaque(c.clone())),
            None => e,
        }
    };
    let (Some(wanted), Some(dst)) = (conversation.clone(), text_of(op, io::DST_FLD_ID)) else { return answer("2") };
    if !op.child(io::OPTIONS).is_some_and(|o| o.has(io::MOVE_ALWAYS)) {
        return answer("155");
    }
    let Some(target) = collection_id(&dst) else { return answer("6") };
    let Ok(folders) = crate::folders::current(ctx).await else { return answer("3") };
    // From every folder but Sent Items (MS-ASCON §2.2.2.8).
    let sources: Vec<_> = crate::mailbox_search::mail_folders(folders)
        .into_iter()
        .filter(|f| f.kind != 5)
        .filter_map(|f| collection_id(&f.id))
        .filter(|c| *c != target)
        .collect();
    let threads = match relais_mail::thread::threads_in(ctx.store(), &ctx.actor, &sources).await {
        Ok(t) => t,
        Err(e) => return answer(refusal(e)),
    };
    let Some(thread) = threads.into_iter().find(|t| conversation_id(*t) == wanted) else { return answer("6") };
    let scope = Scope::Mailboxes(sources);
    let hits = match relais_mail::search::search_as(ctx.store(), &ctx.actor, &scope, &Query::Thread(thread)).await {
        Ok(h) => h,
        Err(e) => return answer(refusal(e)),
    };
    let mut by_source: BTreeMap<CollectionId, Vec<(Uid, ItemId)>> = BTreeMap::new();
    for h in hits.into_iter().take(MAX_CONVERSATION) {
        by_source.entry(h.mailbox).or_default().push((h.uid, h.item));
    }
    for (source, messages) in by_source {
        let t = Transfer { source, messages, target, moving: true };
        if let Err(e) = mailbox::copy(ctx.store(), &ctx.actor, t).await {
            return answer(refusal(e));
        }
    }
    answer("1")
}
