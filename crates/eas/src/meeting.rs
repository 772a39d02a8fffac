//! MeetingResponse (MS-ASCMD §2.2.1.11): the user accepts, tentatively accepts or declines a
//! meeting, named by the invitation in a mail folder or by the event in a calendar:
//!
//! ```text
//! <MeetingResponse><Request><UserResponse>1</UserResponse><CollectionId>5</CollectionId>
//!   <RequestId>5:12</RequestId></Request></MeetingResponse>
//! → <MeetingResponse><Result><RequestId>5:12</RequestId><Status>1</Status>
//!   <CalendarId>7:3</CalendarId></Result></MeetingResponse>
//! ```
//!
//! The answer goes through the groupware domain (`Groupware::respond`): the user's copy records
//! it and the organizer hears of it the way CalDAV's scheduling tells them (a local organizer's
//! copy, or an iMIP REPLY) — from 16.0 only when the request carries SendResponse, else the
//! answer stays on the user's copy (`Groupware::respond_without_reply`). Status 2 for a request that names no meeting of the user's, 4 for
//! a failure of the server. CalendarId names the copy, except for a decline (§2.2.3.18).

use relais_groupware::Error as GwError;
use relais_groupware::respond::{Answer as Reply, Invitation, Response};
use relais_wbxml::Element;
use relais_wbxml::tag::meetingresponse as m;

use crate::folders::collection_id;
use crate::{Answer, Ctx, text_of};

/// Most answers in one request.
const MAX_REQUESTS: usize = 100;

pub(crate) async fn meeting_response(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let Some(req) = body.filter(|b| b.tag == m::MEETING_RESPONSE) else {
        return Answer::Doc(Element::new(m::MEETING_RESPONSE).with_leaf(m::STATUS, "2"));
    };
    let mut out = Element::new(m::MEETING_RESPONSE);
    for r in req.children_with(m::REQUEST).take(MAX_REQUESTS) {
        let request_id = text_of(r, m::REQUEST_ID).unwrap_or_default();
        let mut result = Element::new(m::RESULT).with_leaf(m::REQUEST_ID, request_id.as_str());
        match respond(ctx, r, &request_id).await {
            Ok(calendar_id) => {
                result = result.with_leaf(m::STATUS, "1");
                if let Some(id) = calendar_id {
                    result = result.with_leaf(m::CALENDAR_ID, id);
                }
            }
            Err(status) => result = result.with_leaf(m::STATUS, status.to_string()),
        }
        out.push(result);
    }
    Answer::Doc(out)
}

/// One answer: the CalendarId to report (none for a decline), or the status refusing it.
async fn respond(ctx: &Ctx<'_>, r: &Element, request_id: &str) -> Result<Option<String>, u32> {
    let answer = match text_of(r, m::USER_RESPONSE).as_deref() {
        Some("1") => Reply::Accepted,
        Some("2") => Reply::Tentative,
        Some("3") => Reply::Declined,
        _ => return Err(2),
    };
    let folder = text_of(r, m::COLLECTION_ID)
        .or_else(|| request_id.split_once(':').map(|(f, _)| f.to_owned()))
        .unwrap_or_default();
    let collection = collection_id(&folder).ok_or(2u32)?;
    let gw = ctx.eas.groupware();
    // In a calendar: the event itself; in a mail folder: the invitation message.
    let raw;
    let invitation = match gw.readable_collection(&ctx.actor, collection).await {
        Ok(c) if c.kind == relais_store::CollectionKind::Calendar => {
            let item = crate::objects::item_in(&folder, request_id).ok_or(2u32)?;
            Invitation::Object { collection, item }
        }
        _ => {
            let uid = crate::sync::uid_in(&folder, request_id).ok_or(2u32)?;
            match relais_mail::mailbox::message(ctx.store(), &ctx.actor, collection, uid).await {
                Ok(Some((_, bytes))) => raw = bytes,
                Ok(None) | Err(relais_mail::MailError::NoMailbox | relais_mail::MailError::NoRight { .. }) => {
                    return Err(2);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "eas: meeting response");
                    return Err(3);
                }
            }
            Invitation::Message(&raw)
        }
    };
    // 16.x: the organizer is told only when the phone asks (SendResponse, MS-ASCMD
    // §2.2.3.160); before 16.0 the server always tells them.
    let told = !ctx.version.as_str().starts_with("16") || r.has(m::SEND_RESPONSE);
    // One occurrence (MS-ASCMD §2.2.3.89.1 InstanceId): its start, as Sync gave it.
    let occurrence = match text_of(r, m::INSTANCE_ID) {
        Some(t) => Some(crate::calendar::parse_time(&t).ok_or(2u32)?),
        None => None,
    };
    let response = Response { answer, occurrence, tell_organizer: told };
    match gw.respond_to(&ctx.actor, invitation, response).await {
        Ok((c, item)) => Ok((answer != Reply::Declined).then(|| crate::objects::server_id(&c.0.to_string(), item))),
        Err(GwError::NotFound | GwError::Conflict(_) | GwError::Invalid(_) | GwError::Forbidden) => Err(2),
        Err(e) => {
            tracing::warn!(error = %e, "eas: meeting response");
            Err(4)
        }
    }
}
