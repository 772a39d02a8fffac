//! PROPPATCH (RFC 4918 §9.2) on calendars and address books: all instructions or none. Live
//! properties Relais computes are protected (403); known writable ones go to their field of
//! `CollectionProps`; any other becomes a dead property kept verbatim. MKCOL/MKCALENDAR use the
//! same `apply` for their initial properties (RFC 5689 §3, RFC 4791 §5.3.1).

use hyper::StatusCode;
use relais_dav_proto::{
    Multistatus, NS_APPLE_ICAL, NS_CALDAV, NS_CALENDARSERVER, NS_CARDDAV, NS_DAV, PropPatchOp, QName, SetProperty,
    StructuredValue, is_well_formed_fragment,
};
use std::collections::BTreeMap;

use relais_groupware::files::{Entry, FileMeta};
use relais_groupware::{CollectionProps, ComponentKind};

use crate::node::Node;
use crate::path::{self, Target};
use crate::props::clark;
use crate::{Ctx, Reply, Result, internal};

pub(crate) async fn proppatch(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let update = ctx.parse_body::<relais_dav_proto::PropertyUpdate>().await??;
    let node = ctx.resolve(target).await?;
    if let Node::Files(owner, segments, entry) = &node {
        return proppatch_file(ctx, owner, segments, entry, &update.ops).await;
    }
    let Node::Collection(h, owner, c) = node else {
        // Principals, homes and resources have no writable properties.
        let results: Vec<(QName, u16)> = update.ops.iter().map(|op| (op.name().clone(), 403)).collect();
        let mut out = Multistatus::new();
        out.proppatch_response(&target.href(), &results);
        return Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()));
    };
    let mut props = CollectionProps::parse(&c.props);
    let results = apply(&mut props, &update.ops, false);
    // DAV:write-properties comes with sharing rights (`Rights::ADMIN`), as in Exchange: the
    // groupware decides. All instructions or none (RFC 4918 §9.2).
    if results.iter().all(|(_, s)| *s == 200) {
        match ctx.dav.groupware.set_props(&ctx.actor(), &c, props).await {
            Ok(()) => {}
            Err(relais_groupware::Error::Forbidden) => return Ok(crate::node::forbidden()),
            Err(e) => return Err(internal(e)),
        }
    }
    let mut out = Multistatus::new();
    out.proppatch_response_described(
        &path::collection_href(h, &owner.address(), &c.name),
        &results,
        refusal(&update.ops),
    );
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}

/// PROPPATCH on a folder or file of a file store.
async fn proppatch_file(
    ctx: &Ctx<'_>,
    owner: &relais_store::Principal,
    segments: &[String],
    entry: &Entry,
    ops: &[PropPatchOp],
) -> Result<Reply> {
    let results = match entry {
        Entry::Folder(c) => {
            let mut props = CollectionProps::parse(&c.props);
            let results = apply_plain(Some(&mut props.display_name), &mut props.dead, ops);
            if results.iter().all(|(_, s)| *s == 200) {
                ctx.dav.groupware.set_props(&ctx.actor(), c, props).await.map_err(internal)?;
            }
            results
        }
        Entry::File(_, item) => {
            let mut meta = FileMeta::of(item);
            let results = apply_plain(None, &mut meta.dead, ops);
            if results.iter().all(|(_, s)| *s == 200) {
                ctx.dav.groupware.set_file_props(item, meta.dead).await.map_err(internal)?;
            }
            results
        }
    };
    let href = path::files_href(&owner.address(), segments, matches!(entry, Entry::Folder(_)));
    let mut out = Multistatus::new();
    out.proppatch_response_described(&href, &results, refusal(ops));
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}

/// Applies `ops` in order; on any failure the others are answered 424 (RFC 4918 §9.2) and the
/// caller must not store `props`. `creating`: the collection is being made, so its component
/// set may still be chosen.
pub(crate) fn apply(props: &mut CollectionProps, ops: &[PropPatchOp], creating: bool) -> Vec<(QName, u16)> {
    settle(ops.iter().map(|op| (op.name().clone(), apply_one(props, op, creating))).collect())
}

/// The same for the file store: a folder's DAV:displayname (when `display_name` is given) is
/// kept, every other DAV: property is live (403), and any other property is dead.
pub(crate) fn apply_plain(
    mut display_name: Option<&mut Option<String>>,
    dead: &mut BTreeMap<String, String>,
    ops: &[PropPatchOp],
) -> Vec<(QName, u16)> {
    let one =
        |op: &PropPatchOp, display_name: &mut Option<&mut Option<String>>, dead: &mut BTreeMap<String, String>| {
            let name = op.name();
            match (name.ns.as_ref(), name.local.as_ref(), display_name) {
                (NS_DAV, "displayname", Some(field)) => {
                    **field = match op {
                        PropPatchOp::Set(SetProperty { value, .. }) => Some(value.trimmed_text().to_owned()),
                        PropPatchOp::Remove(_) => None,
                    };
                    200
                }
                (NS_DAV, ..) => 403,
                _ => set_dead(dead, op),
            }
        };
    settle(ops.iter().map(|op| (op.name().clone(), one(op, &mut display_name, dead))).collect())
}

/// Sets or removes a dead property, kept verbatim. A name no XML document can carry is
/// refused (403), and so is a value that is not well-formed on its own (409, RFC 4918
/// §9.2.1): stored, either would break every PROPFIND that reads the collection.
fn set_dead(dead: &mut BTreeMap<String, String>, op: &PropPatchOp) -> u16 {
    if !op.name().is_writable() {
        return 403;
    }
    if let PropPatchOp::Set(SetProperty { value, .. }) = op
        && !is_well_formed_fragment(&value.inner_xml)
    {
        return 409;
    }
    let key = clark(op.name());
    match op {
        PropPatchOp::Set(SetProperty { value, .. }) => dead.insert(key, value.inner_xml.clone()),
        PropPatchOp::Remove(_) => dead.remove(&key),
    };
    200
}

/// Why a dead property was refused, for the answer's DAV:responsedescription.
pub(crate) fn refusal(ops: &[PropPatchOp]) -> Option<&'static str> {
    if ops.iter().any(|op| !op.name().is_writable()) {
        return Some("a property name must be an XML name outside the xml and xmlns namespaces");
    }
    let bad_value = ops.iter().any(|op| match op {
        PropPatchOp::Set(SetProperty { value, .. }) => !is_well_formed_fragment(&value.inner_xml),
        PropPatchOp::Remove(_) => false,
    });
    bad_value.then_some("a property value must be well-formed XML on its own")
}

/// RFC 4918 §9.2: all or nothing; when one instruction fails the others are 424.
fn settle(mut results: Vec<(QName, u16)>) -> Vec<(QName, u16)> {
    if results.iter().any(|(_, s)| *s != 200) {
        for r in &mut results {
            if r.1 == 200 {
                r.1 = 424;
            }
        }
    }
    results
}

fn apply_one(props: &mut CollectionProps, op: &PropPatchOp, creating: bool) -> u16 {
    let name = op.name();
    let value = match op {
        PropPatchOp::Set(SetProperty { value, .. }) => Some(value),
        PropPatchOp::Remove(_) => None,
    };
    let text = value.map(|v| v.trimmed_text().to_owned());
    let field = match (name.ns.as_ref(), name.local.as_ref()) {
        (NS_DAV, "displayname") => &mut props.display_name,
        (NS_CALDAV, "calendar-description") | (NS_CARDDAV, "addressbook-description") => &mut props.description,
        (NS_APPLE_ICAL, "calendar-color") => &mut props.color,
        (NS_APPLE_ICAL, "calendar-order") => &mut props.order,
        (NS_CALDAV, "calendar-timezone") => {
            // RFC 4791 §5.2.2: a VCALENDAR holding exactly one VTIMEZONE.
            if let Some(t) = &text
                && !valid_timezone(t)
            {
                return 403;
            }
            &mut props.timezone
        }
        (NS_CALDAV, "supported-calendar-component-set") => {
            if !creating {
                return 403;
            }
            let Some(Some(StructuredValue::ComponentSet(comps))) = value.map(|v| v.structured.as_ref()) else {
                return 400;
            };
            if comps.is_empty() || comps.iter().any(|c| ComponentKind::from_name(c).is_none()) {
                return 403;
            }
            props.components = comps.iter().map(|c| c.to_ascii_uppercase()).collect();
            return 200;
        }
        (NS_DAV, "resourcetype") if creating => return 200,
        (NS_DAV, _) | (NS_CALDAV, _) | (NS_CARDDAV, _) | (NS_CALENDARSERVER, "getctag") => return 403,
        _ => return set_dead(&mut props.dead, op),
    };
    *field = text;
    200
}

fn valid_timezone(text: &str) -> bool {
    use relais_groupware::calcard::icalendar::{ICalendar, ICalendarComponentType};
    ICalendar::parse(text).is_ok_and(|ical| {
        ical.components.iter().filter(|c| c.component_type == ICalendarComponentType::VTimezone).count() == 1
    })
}
