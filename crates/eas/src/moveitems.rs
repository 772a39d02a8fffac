//! MoveItems (MS-ASCMD §2.2.1.12): messages moved between the account's folders through the
//! mail domain's move (rights checked there). Each Move answers Status 3 with its new ServerId,
//! or 1 (source unknown), 2 (destination unknown), 4 (source and destination the same), 5
//! (failed).

use relais_mail::mailbox::{self, Transfer};
use relais_wbxml::Element;
use relais_wbxml::tag::moveitems as mv;

use crate::folders::collection_id;
use crate::sync::{server_id, uid_in};
use crate::{Answer, Ctx, text_of};

/// Most moves in one request.
const MAX_MOVES: usize = 1000;

pub(crate) async fn move_items(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let Some(req) = body.filter(|b| b.tag == mv::MOVE_ITEMS) else {
        return Answer::Status(400, "MoveItems needs a MoveItems element");
    };
    let mut out = Element::new(mv::MOVE_ITEMS);
    for m in req.children_with(mv::MOVE).take(MAX_MOVES) {
        let src_msg = text_of(m, mv::SRC_MSG_ID).unwrap_or_default();
        let src = text_of(m, mv::SRC_FLD_ID).unwrap_or_default();
        let dst = text_of(m, mv::DST_FLD_ID).unwrap_or_default();
        let response = |status: u32| {
            Element::new(mv::RESPONSE)
                .with_leaf(mv::SRC_MSG_ID, src_msg.as_str())
                .with_leaf(mv::STATUS, status.to_string())
        };
        let (Some(source), Some(uid)) = (collection_id(&src), uid_in(&src, &src_msg)) else {
            out.push(response(1));
            continue;
        };
        let Some(target) = collection_id(&dst) else {
            out.push(response(2));
            continue;
        };
        if source == target {
            out.push(response(4));
            continue;
        }
        let item = match mailbox::listed(ctx.store(), &ctx.actor, source, uid).await {
            Ok(Some(listed)) => listed.message.item,
            _ => {
                out.push(response(1));
                continue;
            }
        };
        let t = Transfer { source, messages: vec![(uid, item)], target, moving: true };
        match mailbox::copy(ctx.store(), &ctx.actor, t).await {
            Ok(copied) => match copied.uids.first() {
                Some((_, new)) => out.push(response(3).with_leaf(mv::DST_MSG_ID, server_id(&dst, *new))),
                None => out.push(response(1)),
            },
            Err(relais_mail::MailError::NoMailbox) => out.push(response(2)),
            Err(e) => {
                tracing::debug!(error = %e, "eas: move refused");
                out.push(response(5));
            }
        }
    }
    Answer::Doc(out)
}
