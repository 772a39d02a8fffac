//! ItemOperations Fetch (MS-ASCMD §2.2.1.10): a message's properties and body in the type the
//! client asks for (by CollectionId and ServerId), or an attachment's content (by
//! FileReference, base64 in Data). Store must be `Mailbox`; other operations are refused.

use base64::Engine;
use relais_mail::mailbox;
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, airsyncbase as base, itemoperations as io};

use crate::email::{BodyPreference, application_data};
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
    let mut overall = "1";
    // The answer's content (EasConfig::max_answer_bytes): a fetch once it is spent is
    // answered 11 (too large; MS-ASCMD §2.2.3.177.8) for the device to ask for it again.
    let mut budget = ctx.eas.config.max_answer_bytes;
    for op in req.elements().take(MAX_FETCHES) {
        if op.tag != io::FETCH {
            responses.push(Element::new(op.tag).with_leaf(io::STATUS, "2"));
            overall = "2";
            continue;
        }
        if budget == 0 {
            responses.push(unfetched(op, "11"));
            overall = "6";
            continue;
        }
        let r = fetch(ctx, op).await;
        budget = budget.saturating_sub(crate::weight(&r));
        if r.text_of(io::STATUS).as_deref() != Some("1") {
            overall = "6";
        }
        responses.push(r);
    }
    // The first Status is the request's: some clients read only that one.
    Answer::Doc(
        Element::new(io::ITEM_OPERATIONS)
            .with_leaf(io::STATUS, if responses.len() == 1 { overall } else { "1" })
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
    let (Some(collection), Some(sid)) = (text_of(op, a::COLLECTION_ID), text_of(op, a::SERVER_ID)) else {
        return failed("2");
    };
    let (Some(mailbox), Some(uid)) = (collection_id(&collection), uid_in(&collection, &sid)) else {
        return failed("6");
    };
    let pref = op.child(io::OPTIONS).map_or_else(BodyPreference::default, |o| BodyPreference::from_options(o, None));
    match mailbox::message(ctx.store(), &ctx.actor, mailbox, uid).await {
        Ok(Some((listed, raw))) => {
            let mut props = application_data(&listed, &raw, &collection, &pref);
            props.tag = io::PROPERTIES;
            Element::new(io::FETCH)
                .with_leaf(io::STATUS, "1")
                .with_leaf(a::COLLECTION_ID, collection.as_str())
                .with_leaf(a::SERVER_ID, sid.as_str())
                .with_leaf(a::CLASS, "Email")
                .with(props)
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
