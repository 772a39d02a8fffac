//! Principal/getAvailability (draft-ietf-jmap-calendars, Principals): the busy time of a principal
//! the user sees, from the groupware's free/busy (`relais_groupware::freebusy`) — the rule of a
//! CalDAV scheduling free/busy request, ActiveSync's and EWS's availability: a principal the
//! directory shows the user, the busy time of its default calendar (opaque, not cancelled
//! events; tentative ones `tentative`, the rest `confirmed`, as FBTYPE BUSY and
//! BUSY-TENTATIVE), periods of one kind merged. No event is shown (`event` null): showDetails
//! is read and not honoured, eventProperties ignored.
//!
//! ```text
//! ["Principal/getAvailability", {"accountId": "a1", "id": "p7",
//!   "utcStart": "2026-12-07T00:00:00Z", "utcEnd": "2026-12-14T00:00:00Z"}, "0"]
//! → ["Principal/getAvailability", {"list": [{"utcStart": "2026-12-08T09:00:00Z",
//!     "utcEnd": "2026-12-08T10:00:00Z", "busyStatus": "confirmed", "event": null}]}, "0"]
//! ```

use relais_groupware::freebusy::merge;
use serde_json::{Value, json};

use crate::error::MethodError;
use crate::methods::email_get::utc_date;
use crate::methods::email_query::utc;
use crate::methods::principal::parse_principal_id;
use crate::methods::{Args, Ctx};

/// The longest range asked at once (as Exchange bounds its availability): past it, tooLarge.
const MAX_RANGE_SECONDS: i64 = 62 * 24 * 3600;

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    args.account(ctx).await?;
    let id = args.str("id")?.ok_or_else(|| MethodError::invalid("id is required"))?;
    let range = |name: &str| -> Result<i64, MethodError> {
        utc(args.str(name)?.ok_or_else(|| MethodError::invalid(format!("{name} is required")))?)
    };
    let (start, end) = (range("utcStart")?, range("utcEnd")?);
    if end <= start {
        return Err(MethodError::invalid("utcEnd must be after utcStart"));
    }
    // Read so that a wrong type is refused; no event is ever shown (module doc).
    args.bool("showDetails")?;
    if args.get("eventProperties").is_some_and(|v| !(v.is_null() || v.is_array())) {
        return Err(MethodError::invalid("eventProperties is a list of property names, or null"));
    }
    // The draft: tooLarge when the range is longer than the server calculates.
    if end - start > MAX_RANGE_SECONDS {
        return Err(MethodError::TooLarge);
    }
    let dir = ctx.jmap.mailer.directory();
    let seen = match parse_principal_id(id) {
        Some(p) => dir.visible_principal(ctx.principal, p).await.map_err(|e| {
            tracing::warn!(error = %e, "jmap: directory failed");
            MethodError::ServerFail
        })?,
        None => None,
    };
    // The draft: notFound for a principal that does not exist or that the user may not see.
    let principal = seen.ok_or(MethodError::NotFound)?;
    let busy = ctx.jmap.groupware.busy_of_address(&ctx.actor, &principal.address(), start, end).await?;
    let list: Vec<Value> = merge(busy.unwrap_or_default())
        .into_iter()
        .map(|b| {
            json!({
                "utcStart": utc_date(b.start),
                "utcEnd": utc_date(b.end),
                "busyStatus": if b.tentative { "tentative" } else { "confirmed" },
                "event": null,
            })
        })
        .collect();
    Ok(json!({ "list": list }))
}
