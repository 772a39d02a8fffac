//! Blob/copy (RFC 8620 §6.3): blobs the actor may read in one account made usable in another
//! it may write (its own, or one it has full access to), as if uploaded there. Blobs are
//! content-addressed, so a whole blob keeps its id; a part of a message (`b<hash>_1_2`) is
//! stored as a blob of its own (its decoded content) and gets that blob's id.
//!
//! ```text
//! ["Blob/copy", {"fromAccountId": "a7", "accountId": "a1", "blobIds": ["b3f…", "b9a…_2"]}, "0"]
//! ```

use serde_json::{Map, Value, json};

use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::email_set::blob_content;
use crate::methods::{Args, Ctx};

pub(crate) async fn copy(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let from = crate::methods::email_copy::from_account(ctx, &args).await?;
    if from.id == account.id {
        return Err(MethodError::invalid("fromAccountId must name another account than accountId"));
    }
    let blob_ids = args.strings("blobIds")?.ok_or_else(|| MethodError::invalid("blobIds is required"))?;
    if blob_ids.len() > ctx.jmap.config.max_objects_in_set {
        return Err(MethodError::RequestTooLarge);
    }
    // Copying in is writing into the account: as an upload, its owner or a full-access delegate.
    let (actor, owner) = (ctx.actor.clone(), account.id);
    let writes = ctx.jmap.store().read(move |r| relais_directory::access::acts_for(r, &actor, owner)).await?;
    let (mut copied, mut not_copied) = (Map::new(), Map::new());
    for blob_id in blob_ids {
        if !writes {
            not_copied.insert(blob_id, SetError::new("forbidden", "the account is read-only for this user").to_json());
            continue;
        }
        let whole = ids::parse_blob(&blob_id).filter(|(_, path)| path.is_empty()).map(|(hash, _)| hash);
        let result = match blob_content(ctx, &from, &blob_id).await {
            Ok(content) => match whole {
                Some(hash) => Ok(hash),
                None => ctx
                    .jmap
                    .store()
                    .put_blob_now(content)
                    .await
                    .map(|b| b.hash)
                    .map_err(|_| SetError::new("serverFail", "see the server log")),
            },
            // RFC 8620 §6.3: a blob the account does not hold is `notFound` here.
            Err(_) => Err(SetError::not_found()),
        };
        match result {
            Ok(hash) => {
                ctx.jmap.uploads.record(account.id, hash.clone());
                copied.insert(blob_id, Value::String(ids::blob(&hash)));
            }
            Err(e) => {
                not_copied.insert(blob_id, e.to_json());
            }
        }
    }
    let nothing_or = |m: Map<String, Value>| if m.is_empty() { Value::Null } else { Value::Object(m) };
    Ok(json!({
        "fromAccountId": ids::account(from.id),
        "accountId": ids::account(account.id),
        "copied": nothing_or(copied),
        "notCopied": nothing_or(not_copied),
    }))
}
