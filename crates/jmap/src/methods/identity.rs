//! Identity/get (RFC 8621 §6): the principal's own address, and each address it may send as
//! (`relais_directory` send-as grants are checked again by the submission, whatever the
//! client picks).
//!
//! ```text
//! ["Identity/get", {"accountId": "a1"}, "0"]
//! → {"list": [{"id": "i1", "name": "Ann", "email": "ann@example.com", "mayDelete": false, …}]}
//! ```

use serde_json::{Value, json};

use crate::error::MethodError;
use crate::ids;
use crate::methods::changes::state;
use crate::methods::{Args, Ctx};

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted = args.get_ids(ctx)?;
    let state = state(ctx, account.id).await?;
    let p = ctx.principal;
    let own = json!({
        "id": ids::identity(p.id),
        "name": p.display_name,
        "email": p.address(),
        "replyTo": null,
        "bcc": null,
        "textSignature": "",
        "htmlSignature": "",
        "mayDelete": false,
    });
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    match wanted {
        None => list.push(own),
        Some(ids) => {
            for id in ids {
                if id == ids::identity(p.id) {
                    list.push(own.clone());
                } else {
                    not_found.push(id);
                }
            }
        }
    }
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}
