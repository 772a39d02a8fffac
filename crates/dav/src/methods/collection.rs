//! MKCALENDAR (RFC 4791 §5.3.1) and MKCOL, plain or extended (RFC 4918 §9.3, RFC 5689):
//! calendars and task lists in a calendar home, address books in an address book home. A
//! calendar whose component set is VTODO alone is a task list.

use hyper::StatusCode;
use hyper::header;
use relais_dav_proto::{MkCalendar, MkCol, QName, SetProperty, StructuredValue, names};
use relais_groupware::{CollectionProps, Error};
use relais_store::CollectionKind;

use crate::path::{Home, Target};
use crate::{Ctx, Reply, Result, internal};

pub(crate) async fn make(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let calendar_method = ctx.req.method.as_str() == "MKCALENDAR";
    let Target::Collection(home, user, name) = target else {
        return Ok(Reply::text(StatusCode::FORBIDDEN, "collections are made inside a calendar or address book home"));
    };
    let owner = ctx.owner(user).await?;
    let reserved = (*home == Home::AddressBooks && name == relais_groupware::gal::NAME)
        || (*home == Home::Calendars && crate::node::ScheduleBox::NAMES.contains(&name.as_str()));
    if reserved || ctx.collection(*home, &owner, name).await?.is_some() {
        // RFC 4918 §9.3.1: MKCOL on an existing resource.
        return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "already exists"));
    }
    let parsed = if calendar_method {
        ctx.parse_body::<MkCalendar>().await?.map(|m| m.set)
    } else {
        ctx.parse_body::<MkCol>().await?.map(|m| m.set)
    };
    let set: Vec<SetProperty> = match parsed {
        Ok(set) => set,
        // RFC 4918 §9.3: a body MKCOL does not understand (not XML, nor labelled XML) is 415.
        Err(_) if !xml_body(ctx.req.header(header::CONTENT_TYPE)) => {
            return Ok(Reply::text(StatusCode::UNSUPPORTED_MEDIA_TYPE, "the body must be XML"));
        }
        Err(e) => return Err(e.into()),
    };
    let kind = match kind_of(*home, calendar_method, &set) {
        Ok(k) => k,
        Err(reply) => return Ok(reply),
    };
    let mut props = CollectionProps::default();
    let ops: Vec<_> = set.into_iter().map(relais_dav_proto::PropPatchOp::Set).collect();
    let results = super::proppatch::apply(&mut props, &ops, true);
    if results.iter().any(|(_, s)| *s != 200) {
        let mut out = relais_dav_proto::Multistatus::new();
        out.proppatch_response(&target.href(), &results);
        return Ok(Reply::xml(StatusCode::FORBIDDEN, out.into_bytes()));
    }
    let kind =
        if kind == CollectionKind::Calendar && props.components == ["VTODO"] { CollectionKind::TaskList } else { kind };
    match ctx.dav.groupware.create_collection(&ctx.actor(), owner.id, kind, name, props).await {
        Ok(_) => Ok(Reply::new(StatusCode::CREATED).header(header::LOCATION, &target.href())),
        Err(Error::AlreadyExists) => Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "already exists")),
        Err(Error::Forbidden) => Ok(crate::node::forbidden()),
        // A per-account limit (`[store] max_collections`, `max_collection_depth`).
        Err(Error::Limit(why)) => Ok(Reply::text(StatusCode::FORBIDDEN, &why)),
        Err(e) => Err(internal(e)),
    }
}

/// Whether a body's Content-Type is XML (RFC 7303) or absent. Only decides the status of a body
/// that does not parse: clients label well-formed XML bodies text/plain too.
pub(crate) fn xml_body(content_type: Option<&str>) -> bool {
    let Some(ct) = content_type else { return true };
    let mime = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    mime == "application/xml" || mime == "text/xml" || mime.ends_with("+xml")
}

/// The kind of collection asked for, from the method, the home and any DAV:resourcetype set.
fn kind_of(home: Home, calendar_method: bool, set: &[SetProperty]) -> Result<CollectionKind> {
    let types: Option<&Vec<QName>> = set.iter().find_map(|s| match &s.value.structured {
        Some(StructuredValue::ResourceType(t)) if s.name == names::RESOURCETYPE => Some(t),
        _ => None,
    });
    let wants_calendar = calendar_method || types.is_some_and(|t| t.contains(&QName::caldav("calendar")));
    let wants_book = types.is_some_and(|t| t.contains(&QName::carddav("addressbook")));
    match home {
        Home::Calendars if wants_calendar && !wants_book => Ok(CollectionKind::Calendar),
        Home::AddressBooks if !calendar_method && !wants_calendar => Ok(CollectionKind::AddressBook),
        Home::Calendars => Err(Reply::precondition(StatusCode::FORBIDDEN, &QName::dav("valid-resourcetype"))),
        Home::AddressBooks => Err(Reply::precondition(StatusCode::FORBIDDEN, &QName::dav("valid-resourcetype"))),
    }
}
