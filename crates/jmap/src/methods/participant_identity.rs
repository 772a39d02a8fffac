//! ParticipantIdentity/get and /changes (draft-ietf-jmap-calendars §3): who the user is in
//! events, so a client can tell which participant is the user — its own address, which the
//! directory sets, so /changes never has any. ParticipantIdentity/set is not served.
//!
//! ```text
//! ["ParticipantIdentity/get", {"accountId": "a1"}, "0"]
//! → {"list": [{"id": "pi1", "name": "Ann", "calendarAddress": "mailto:ann@example.com",
//!              "isDefault": true, "sendTo": {"imip": "mailto:ann@example.com"}}], …}
//! ```

use serde_json::{Value, json};

use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::{parse_state, state};
use crate::methods::{Args, Ctx};

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted = args.get_ids(ctx)?;
    let state = state(ctx, account.id).await?;
    let p = ctx.principal;
    let id = ids::participant_identity(p.id);
    let address = format!("mailto:{}", p.address());
    // calendarAddress and isDefault of the current draft; sendTo of its earlier revisions,
    // which clients written to them still read.
    let own = json!({
        "id": id,
        "name": p.display_name,
        "calendarAddress": address,
        "isDefault": true,
        "sendTo": { "imip": address },
    });
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    match wanted {
        None => list.push(own),
        Some(asked) => {
            for i in asked {
                if i == id { list.push(own.clone()) } else { not_found.push(i) }
            }
        }
    }
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

/// ParticipantIdentity/changes: the one identity never changes; the state is the account's.
pub(crate) async fn changes(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let since = args.str("sinceState")?.ok_or_else(|| MethodError::invalid("sinceState is required"))?;
    let since = parse_state(since).ok_or(MethodError::CannotCalculateChanges)?;
    let now = state(ctx, account.id).await?;
    if since.0 > now.parse().unwrap_or(0) {
        return Err(MethodError::CannotCalculateChanges);
    }
    Ok(json!({
        "accountId": ids::account(account.id),
        "oldState": since.0.to_string(),
        "newState": now,
        "hasMoreChanges": false,
        "created": [],
        "updated": [],
        "destroyed": [],
    }))
}
