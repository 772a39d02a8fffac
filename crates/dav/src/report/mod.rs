//! REPORT (RFC 3253 §3.6): one file per family. `calendar` (calendar-query, free-busy-query),
//! `card` (addressbook-query), `sync` (sync-collection), `principal` (principal-property-search,
//! principal-search-property-set, expand-property); multigets here.

mod calendar;
mod card;
mod principal;
mod sync;

use std::borrow::Cow;

use hyper::StatusCode;
use relais_dav_proto::{DataRequest, Multistatus, PropFind, PropRequest, Report, names};
use relais_groupware::{CalendarObject, ContactCard, etag};
use relais_store::ResourceContent;

use crate::methods::respond;
use crate::node::{Node, ScheduleBox};
use crate::path::{self, Home, Target};
use crate::props::{ResourceView, Subject};
use crate::{Ctx, Reply, Result, internal};

pub(crate) async fn report(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let report = ctx.parse_body::<Report>().await??;
    let node = match report {
        // RFC 4791 §7.10: CALDAV:read-free-busy suffices (`Rights::FREE_BUSY`).
        Report::FreeBusyQuery(_) => ctx.resolve_free_busy(target).await?,
        _ => ctx.resolve(target).await?,
    };
    match report {
        Report::CalendarQuery(q) => calendar::query(ctx, &node, q).await,
        Report::FreeBusyQuery(q) => calendar::free_busy(ctx, &node, q).await,
        Report::CalendarMultiget(m) => multiget(ctx, &node, Home::Calendars, m.props, &m.hrefs).await,
        Report::AddressbookMultiget(m) => multiget(ctx, &node, Home::AddressBooks, m.props, &m.hrefs).await,
        Report::AddressbookQuery(q) => card::query(ctx, &node, q).await,
        Report::SyncCollection(s) if matches!(node, Node::Gal(_, None)) => sync::gal(ctx, &node, s).await,
        Report::SyncCollection(s) => sync::collection(ctx, &node, s).await,
        Report::PrincipalPropertySearch(s) => principal::search(ctx, s).await,
        Report::PrincipalSearchPropertySet => Ok(principal::search_set()),
        Report::ExpandProperty(e) => principal::expand(ctx, &node, &e).await,
        Report::AclPrincipalPropSet(_) | Report::PrincipalMatch(_) => {
            Ok(Reply::precondition(StatusCode::FORBIDDEN, &names::SUPPORTED_REPORT))
        }
    }
}

/// The collection a calendar or address book report runs on.
pub(crate) fn collection_of(node: &Node, home: Home) -> Result<(&relais_store::Principal, &relais_store::Collection)> {
    match node {
        Node::Collection(h, owner, c) if *h == home => Ok((owner, c)),
        _ => Err(Reply::precondition(StatusCode::FORBIDDEN, &names::SUPPORTED_REPORT)),
    }
}

/// Reads the content of resources too large to have come inline with their row.
pub(crate) async fn fill_missing(ctx: &Ctx<'_>, rows: &mut [ResourceContent]) -> Result<()> {
    ctx.dav.groupware.fill_content(rows).await.map_err(internal)
}

/// What a report returns for each resource when the request names no properties.
fn default_props() -> PropFind {
    PropFind::Prop(vec![PropRequest::new(names::GETETAG)])
}

/// Writes one resource's response: its properties, with calendar-data / address-data from
/// `r.data` (an address object converted to the vCard version asked for).
pub(crate) fn write_resource(
    ctx: &Ctx<'_>,
    out: &mut Multistatus,
    href: &str,
    home: Home,
    r: &ResourceContent,
    props: &PropFind,
) {
    let raw = r.data.as_deref().map(String::from_utf8_lossy);
    let raw = match (raw, calendar_expand(props)) {
        // RFC 4791 §9.6.5: the occurrences in the range, one component each, in UTC.
        (Some(text), Some(tr)) if home == Home::Calendars => match CalendarObject::parse(&text) {
            Ok(obj) => Some(Cow::Owned(obj.expanded(tr.start.unwrap_or(i64::MIN / 4), tr.end.unwrap_or(i64::MAX / 4)))),
            Err(_) => Some(text),
        },
        (raw, _) => raw,
    };
    let data = match (raw, address_version(props)) {
        (Some(text), Some(v)) if home == Home::AddressBooks => match ContactCard::parse(&text) {
            Ok(card) if card.version != v => Some(Cow::Owned(card.to_version(v))),
            _ => Some(text),
        },
        (raw, _) => raw,
    };
    let view = ResourceView { etag: etag(r.resource.modseq), size: r.resource.size, data: data.as_deref() };
    respond(ctx, out, href, &Subject::Resource(home, &view), props);
}

fn calendar_expand(props: &PropFind) -> Option<relais_dav_proto::TimeRange> {
    let PropFind::Prop(reqs) = props else { return None };
    reqs.iter().find_map(|r| match &r.data {
        Some(DataRequest::Calendar(c)) => c.expand,
        _ => None,
    })
}

fn address_version(props: &PropFind) -> Option<relais_groupware::calcard::vcard::VCardVersion> {
    let PropFind::Prop(reqs) = props else { return None };
    reqs.iter().find_map(|r| match &r.data {
        Some(DataRequest::Address(a)) => a.version.as_deref().and_then(relais_groupware::vcard::version_from),
        _ => None,
    })
}

/// calendar-multiget (RFC 4791 §7.9) and addressbook-multiget (RFC 6352 §8.7): each href once,
/// 404 for those that do not exist.
async fn multiget(ctx: &Ctx<'_>, node: &Node, home: Home, props: Option<PropFind>, hrefs: &[String]) -> Result<Reply> {
    if let (Node::Gal(..), Home::AddressBooks) = (node, home) {
        let (owner, cname, rows) = card::address_book(ctx, node).await?;
        return Ok(write_multiget(ctx, home, &owner, &cname, rows, props, hrefs));
    }
    // The schedule inbox answers a multiget of its messages too (RFC 6638 §2.2, Apple's clients).
    let inbox;
    let (owner, c) = match node {
        Node::Schedule(owner, ScheduleBox::Inbox) if home == Home::Calendars => {
            inbox = ctx.dav.groupware.schedule_inbox(owner.id, false).await.map_err(internal)?;
            match &inbox {
                Some(c) => (owner, c),
                None => {
                    return Ok(write_multiget(
                        ctx,
                        home,
                        &owner.address(),
                        ScheduleBox::Inbox.name(),
                        Vec::new(),
                        props,
                        hrefs,
                    ));
                }
            }
        }
        _ => collection_of(node, home)?,
    };
    let base = path::collection_href(home, &owner.address(), &c.name);
    let names: Vec<Option<String>> = hrefs.iter().map(|h| path::member_name(h, &base)).collect();
    let wanted: Vec<String> = names.iter().flatten().cloned().collect();
    let id = c.id;
    let mut rows = ctx
        .dav
        .groupware
        .store()
        .read(move |r| r.resources_named(id, &wanted.iter().map(String::as_str).collect::<Vec<_>>()))
        .await
        .map_err(internal)?;
    fill_missing(ctx, &mut rows).await?;
    Ok(write_multiget(ctx, home, &owner.address(), &c.name, rows, props, hrefs))
}

/// The multiget answer: each href once, in the order asked, 404 for those not in `rows`.
fn write_multiget(
    ctx: &Ctx<'_>,
    home: Home,
    owner: &str,
    cname: &str,
    rows: Vec<ResourceContent>,
    props: Option<PropFind>,
    hrefs: &[String],
) -> Reply {
    let base = path::collection_href(home, owner, cname);
    let props = props.unwrap_or_else(default_props);
    let mut out = Multistatus::new();
    for href in hrefs {
        let name = path::member_name(href, &base);
        match name.as_ref().and_then(|n| rows.iter().find(|r| r.resource.name == *n)) {
            Some(r) => write_resource(
                ctx,
                &mut out,
                &path::resource_href(home, owner, cname, &r.resource.name),
                home,
                r,
                &props,
            ),
            None => out.response_status(href, 404),
        }
    }
    Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes())
}
