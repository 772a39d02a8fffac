//! POST to the scheduling outbox (RFC 6638 §5): a free/busy request (an iTIP REQUEST of a
//! VFREEBUSY) answered for each attendee from their default calendar — any local user's
//! free/busy is visible to the organisation, as in Exchange; an address that is not local gets
//! request-status 3.7. The organizer must be the outbox's owner (CALDAV:originator-allowed).

use std::fmt::Write as _;

use hyper::StatusCode;
use relais_dav_proto::QName;
use relais_groupware::freebusy;

use crate::node::{Node, ScheduleBox};
use crate::path::Target;
use crate::{Ctx, Reply, Result, internal};

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('\r', "&#13;")
}

pub(crate) async fn post(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let Node::Schedule(owner, ScheduleBox::Outbox) = ctx.resolve(target).await? else {
        return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "POST is for the scheduling outbox"));
    };
    let Ok(text) = std::str::from_utf8(&ctx.req.body) else {
        return Ok(Reply::precondition(StatusCode::BAD_REQUEST, &QName::caldav("valid-calendar-data")));
    };
    let Some(request) = freebusy::request(text) else {
        return Ok(Reply::precondition(StatusCode::BAD_REQUEST, &QName::caldav("valid-scheduling-message")));
    };
    if request.organizer != owner.address() {
        return Ok(Reply::precondition(StatusCode::FORBIDDEN, &QName::caldav("originator-allowed")));
    }
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<cal:schedule-response xmlns:d=\"DAV:\" \
         xmlns:cal=\"urn:ietf:params:xml:ns:caldav\">",
    );
    let answers = match ctx.dav.groupware.answer(&ctx.actor(), &request).await {
        Ok(a) => a,
        Err(relais_groupware::Error::Forbidden) => {
            return Ok(Reply::precondition(StatusCode::FORBIDDEN, &QName::caldav("originator-allowed")));
        }
        Err(e) => return Err(internal(e)),
    };
    for (attendee, reply) in answers {
        let _ =
            write!(out, "<cal:response><cal:recipient><d:href>mailto:{}</d:href></cal:recipient>", escape(&attendee));
        match reply {
            Some(reply) => {
                let _ = write!(
                    out,
                    "<cal:request-status>2.0;Success</cal:request-status><cal:calendar-data>{}</cal:calendar-data>",
                    escape(&reply)
                );
            }
            None => out.push_str("<cal:request-status>3.7;Invalid calendar user</cal:request-status>"),
        }
        out.push_str("</cal:response>");
    }
    out.push_str("</cal:schedule-response>\n");
    Ok(Reply::xml(StatusCode::OK, out))
}
