//! Email/parse (RFC 8621 §4.9): blobs the actor may read in the account (uploads, messages,
//! attached messages by their part blob id) parsed as Email objects by the mail domain's
//! summary, without storing anything. Parsing runs off the executor.
//!
//! ```text
//! ["Email/parse", {"accountId": "a1", "blobIds": ["b…_2"], "properties": ["subject", "from"]}, "0"]
//! → {"parsed": {"b…_2": {"id": null, "subject": "…", …}}, "notParsable": [], "notFound": []}
//! ```

use relais_store::BlobHash;
use serde_json::{Map, Value, json};

use crate::error::MethodError;
use crate::ids;
use crate::methods::email_get::{Want, email_json};
use crate::methods::email_set::blob_content;
use crate::methods::{Args, Ctx};

/// The properties answered when the client names none (RFC 8621 §4.9).
const DEFAULTS: &[&str] = &[
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
    "hasAttachment",
    "preview",
    "bodyValues",
    "textBody",
    "htmlBody",
    "attachments",
];

pub(crate) async fn parse(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let blob_ids = args.strings("blobIds")?.ok_or_else(|| MethodError::invalid("blobIds is required"))?;
    if blob_ids.len() > ctx.jmap.config.max_objects_in_get {
        return Err(MethodError::RequestTooLarge);
    }
    let want = Want::read(&args, DEFAULTS)?;
    let (mut parsed, mut not_parsable, mut not_found) = (Map::new(), Vec::new(), Vec::new());
    for blob_id in blob_ids {
        if parsed.contains_key(&blob_id) {
            continue;
        }
        let Ok(raw) = blob_content(ctx, &account, &blob_id).await else {
            not_found.push(blob_id);
            continue;
        };
        let analysed = tokio::task::spawn_blocking(move || {
            let s = relais_mail::summary::summarize(&raw);
            (raw, s)
        })
        .await;
        let Ok((raw, summary)) = analysed else {
            not_parsable.push(blob_id);
            continue;
        };
        // Content with no header at all is not a message.
        if summary.header_size == 0 || summary.structure.header_start == summary.structure.body_start {
            not_parsable.push(blob_id);
            continue;
        }
        let hash = ids::parse_blob(&blob_id).map_or_else(|| BlobHash::of(&raw), |(h, _)| h);
        let email = email_json(None, &summary, &hash, Some(&raw), &want);
        parsed.insert(blob_id, email);
    }
    Ok(json!({
        "accountId": ids::account(account.id),
        "parsed": parsed,
        "notParsable": not_parsable,
        "notFound": not_found,
    }))
}
