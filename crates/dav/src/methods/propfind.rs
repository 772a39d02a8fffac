//! PROPFIND (RFC 4918 §9.1): properties of a node and, with Depth 1, of its members.
//! Depth infinity is refused (DAV:propfind-finite-depth): a home can hold many thousands of
//! resources and clients walk it level by level anyway.

use hyper::StatusCode;
use relais_dav_proto::{Depth, Multistatus, PropFind, PropRequest, Property, QName};
use relais_groupware::files::{Entry, FileMeta, Lookup};
use relais_groupware::{CollectionProps, etag, gal};
use relais_store::{Collection, Item, Principal, ResourceContent};

use crate::node::{Node, ScheduleBox};
use crate::path::{self, Home, Target};
use crate::props::{self, ResourceView, Subject};
use crate::{Ctx, Reply, Result, internal};

pub(crate) async fn propfind(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let depth = ctx.depth()?;
    if depth == Depth::Infinity {
        return Ok(Reply::precondition(StatusCode::FORBIDDEN, &QName::dav("propfind-finite-depth")));
    }
    let request = ctx.parse_body::<PropFind>().await??;
    let node = ctx.resolve(target).await?;
    if request.names().any(props::is_quota) {
        ctx.load_quota().await?;
    }
    if request.names().any(|n| *n == QName::dav("acl")) {
        for c in acl_subjects(ctx, &node, depth).await? {
            ctx.load_acl(&c).await?;
        }
    }
    let mut out = Multistatus::new();
    write_node(ctx, &mut out, &node, &request).await?;
    if depth == Depth::One {
        write_members(ctx, &mut out, &node, &request).await?;
    }
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}

/// The collections whose DAV:acl this PROPFIND may show: the node's, or with Depth 1 a home's.
async fn acl_subjects(ctx: &Ctx<'_>, node: &Node, depth: Depth) -> Result<Vec<Collection>> {
    Ok(match node {
        Node::Collection(_, _, c) => vec![c.clone()],
        Node::Home(h, owner) if depth == Depth::One => ctx.collections(*h, owner).await?,
        _ => Vec::new(),
    })
}

/// Writes the response for `node` itself.
async fn write_node(ctx: &Ctx<'_>, out: &mut Multistatus, node: &Node, request: &PropFind) -> Result<()> {
    match node {
        Node::Root => respond(ctx, out, path::ROOT, &Subject::Root, request),
        Node::Principals => respond(ctx, out, "/dav/principals/", &Subject::Principals, request),
        Node::Principal(p) => respond(ctx, out, &path::principal_href(&p.address()), &Subject::Principal(p), request),
        Node::Home(h, owner) => {
            respond(ctx, out, &path::home_href(*h, &owner.address()), &Subject::Home(*h, owner), request)
        }
        Node::Collection(h, owner, c) => {
            let props = CollectionProps::parse(&c.props);
            let href = path::collection_href(*h, &owner.address(), &c.name);
            let rights = ctx.rights(c).await?;
            respond(ctx, out, &href, &Subject::Collection(*h, owner, c, &props, rights), request)
        }
        Node::Resource(h, owner, c, item) => {
            let wants_data = wants_data(request);
            let content = if wants_data { Some(ctx.content(item).await?) } else { None };
            let data = content.as_deref().map(String::from_utf8_lossy);
            let view = ResourceView { etag: etag(item.modseq), size: item.size, data: data.as_deref() };
            let href = path::resource_href(*h, &owner.address(), &c.name, item.name.as_deref().unwrap_or_default());
            respond(ctx, out, &href, &Subject::Resource(*h, &view), request)
        }
        Node::Gal(owner, None) => {
            let (_, state) = ctx.gal().await?;
            let href = path::collection_href(Home::AddressBooks, &owner.address(), gal::NAME);
            respond(ctx, out, &href, &Subject::Gal(owner, state), request)
        }
        Node::Schedule(owner, b) => {
            let href = path::collection_href(Home::Calendars, &owner.address(), b.name());
            respond(ctx, out, &href, &Subject::Schedule(owner, *b), request)
        }
        Node::Gal(owner, Some(card)) => write_gal_cards(ctx, out, owner, std::iter::once(card.as_ref()), request),
        Node::Files(owner, segments, entry) => write_file_entry(ctx, out, owner, segments, entry, request),
    }
    Ok(())
}

/// Writes a folder or file of a file store at `segments`.
fn write_file_entry(
    ctx: &Ctx<'_>,
    out: &mut Multistatus,
    owner: &Principal,
    segments: &[String],
    entry: &Entry,
    request: &PropFind,
) {
    match entry {
        Entry::Folder(c) => write_folder(ctx, out, owner, segments, c, request),
        Entry::File(_, item) => write_file(ctx, out, owner, segments, item, request),
    }
}

fn write_folder(
    ctx: &Ctx<'_>,
    out: &mut Multistatus,
    owner: &Principal,
    segments: &[String],
    c: &Collection,
    request: &PropFind,
) {
    let props = CollectionProps::parse(&c.props);
    let href = path::files_href(&owner.address(), segments, true);
    respond(ctx, out, &href, &Subject::Folder(owner, c, &props), request);
}

fn write_file(
    ctx: &Ctx<'_>,
    out: &mut Multistatus,
    owner: &Principal,
    segments: &[String],
    item: &Item,
    request: &PropFind,
) {
    let meta = FileMeta::of(item);
    let href = path::files_href(&owner.address(), segments, false);
    respond(ctx, out, &href, &Subject::File(item, &meta), request);
}

/// Writes cards of the global address list.
fn write_gal_cards<'a>(
    ctx: &Ctx<'_>,
    out: &mut Multistatus,
    owner: &relais_store::Principal,
    cards: impl Iterator<Item = &'a ResourceContent>,
    request: &PropFind,
) {
    let with_data = wants_data(request);
    for r in cards {
        let data = r.data.as_deref().filter(|_| with_data).map(String::from_utf8_lossy);
        let view = ResourceView { etag: etag(r.resource.modseq), size: r.resource.size, data: data.as_deref() };
        let href = path::resource_href(Home::AddressBooks, &owner.address(), gal::NAME, &r.resource.name);
        respond(ctx, out, &href, &Subject::Resource(Home::AddressBooks, &view), request);
    }
}

async fn write_members(ctx: &Ctx<'_>, out: &mut Multistatus, node: &Node, request: &PropFind) -> Result<()> {
    match node {
        Node::Root => {
            let me = ctx.user.address();
            respond(ctx, out, "/dav/principals/", &Subject::Principals, request);
            for h in [Home::Calendars, Home::AddressBooks] {
                respond(ctx, out, &path::home_href(h, &me), &Subject::Home(h, &ctx.user), request);
            }
            if let Lookup::Found(root) = ctx.files(&ctx.user, &[]).await? {
                write_file_entry(ctx, out, &ctx.user, &[], &root, request);
            }
        }
        Node::Principals => {
            let me = ctx.user.clone();
            respond(ctx, out, &path::principal_href(&me.address()), &Subject::Principal(&me), request);
        }
        Node::Home(h, owner) => {
            for c in ctx.collections(*h, owner).await? {
                let props = CollectionProps::parse(&c.props);
                let href = path::collection_href(*h, &owner.address(), &c.name);
                let rights = ctx.rights(&c).await?;
                respond(ctx, out, &href, &Subject::Collection(*h, owner, &c, &props, rights), request);
            }
            // Collections others shared with the caller, under their owners' hrefs.
            for (c, rights) in ctx.shared_with(*h).await? {
                let Some(sharer) = ctx.dav.directory.principal_by_id(c.account).await.map_err(internal)? else {
                    continue;
                };
                let props = CollectionProps::parse(&c.props);
                let href = path::collection_href(*h, &sharer.address(), &c.name);
                respond(ctx, out, &href, &Subject::Collection(*h, &sharer, &c, &props, rights), request);
            }
            if *h == Home::Calendars {
                for b in [ScheduleBox::Inbox, ScheduleBox::Outbox] {
                    let href = path::collection_href(Home::Calendars, &owner.address(), b.name());
                    respond(ctx, out, &href, &Subject::Schedule(owner, b), request);
                }
            }
            if *h == Home::AddressBooks {
                let (_, state) = ctx.gal().await?;
                let href = path::collection_href(Home::AddressBooks, &owner.address(), gal::NAME);
                respond(ctx, out, &href, &Subject::Gal(owner, state), request);
            }
        }
        Node::Gal(owner, None) => {
            let (cards, _) = ctx.gal().await?;
            write_gal_cards(ctx, out, owner, cards.iter(), request);
        }
        Node::Collection(h, owner, c) => {
            for r in members(ctx, c, wants_data(request)).await? {
                let data = r.data.as_deref().map(String::from_utf8_lossy);
                let view = ResourceView { etag: etag(r.resource.modseq), size: r.resource.size, data: data.as_deref() };
                let href = path::resource_href(*h, &owner.address(), &c.name, &r.resource.name);
                respond(ctx, out, &href, &Subject::Resource(*h, &view), request);
            }
        }
        Node::Files(owner, segments, Entry::Folder(c)) => {
            let (folders, files) = ctx.dav.groupware.folder_members(c).await.map_err(internal)?;
            let mut path = segments.clone();
            for f in &folders {
                path.push(f.name.clone());
                write_folder(ctx, out, owner, &path, f, request);
                path.pop();
            }
            for item in &files {
                path.push(item.name.clone().unwrap_or_default());
                write_file(ctx, out, owner, &path, item, request);
                path.pop();
            }
        }
        Node::Schedule(owner, ScheduleBox::Inbox) => {
            let inbox = ctx.dav.groupware.schedule_inbox(owner.id, false).await.map_err(internal)?;
            for r in match &inbox {
                Some(c) => members(ctx, c, wants_data(request)).await?,
                None => Vec::new(),
            } {
                let data = r.data.as_deref().map(String::from_utf8_lossy);
                let view = ResourceView { etag: etag(r.resource.modseq), size: r.resource.size, data: data.as_deref() };
                let href =
                    path::resource_href(Home::Calendars, &owner.address(), ScheduleBox::Inbox.name(), &r.resource.name);
                respond(ctx, out, &href, &Subject::Resource(Home::Calendars, &view), request);
            }
        }
        Node::Principal(_) | Node::Resource(..) | Node::Gal(_, Some(_)) | Node::Schedule(..) | Node::Files(..) => {}
    }
    Ok(())
}

/// The members of a collection, with their content when asked for.
async fn members(ctx: &Ctx<'_>, c: &Collection, with_data: bool) -> Result<Vec<ResourceContent>> {
    let id = c.id;
    let store = ctx.dav.groupware.store().clone();
    let mut rows = if with_data {
        store.read(move |r| r.resource_contents(id)).await.map_err(internal)?
    } else {
        let list = store.read(move |r| r.resources(id)).await.map_err(internal)?;
        list.into_iter().map(|resource| ResourceContent { resource, blob: None, data: None }).collect()
    };
    if with_data {
        crate::report::fill_missing(ctx, &mut rows).await?;
    }
    Ok(rows)
}

fn wants_data(request: &PropFind) -> bool {
    request.names().any(|n| *n == QName::caldav("calendar-data") || *n == QName::carddav("address-data"))
}

/// Writes one response with the requested properties split into found (200) and not (404).
pub(crate) fn respond(ctx: &Ctx<'_>, out: &mut Multistatus, href: &str, subject: &Subject<'_>, request: &PropFind) {
    match request {
        PropFind::PropName => out.propname_response(href, &props::allprop(subject)),
        PropFind::AllProp { include } => {
            let mut names = props::allprop(subject);
            names.extend(include.iter().cloned());
            let found: Vec<Property<'_>> =
                names.into_iter().filter_map(|n| props::value(ctx, subject, &n).map(|v| Property::new(n, v))).collect();
            out.response(href, &[(200, &found)]);
        }
        PropFind::Prop(requests) => respond_props(ctx, out, href, subject, requests),
    }
}

pub(crate) fn respond_props(
    ctx: &Ctx<'_>,
    out: &mut Multistatus,
    href: &str,
    subject: &Subject<'_>,
    requests: &[PropRequest],
) {
    let mut found = Vec::with_capacity(requests.len());
    let mut missing = Vec::new();
    for r in requests {
        match props::value(ctx, subject, &r.name) {
            Some(v) => found.push(Property::new(r.name.clone(), v)),
            None => missing.push(Property::empty(r.name.clone())),
        }
    }
    if requests.is_empty() {
        // RFC 4918 §14.24: a response holds a propstat or a status; `<prop/>` asked for nothing.
        out.begin_response(href);
        out.propstat(200, &[]);
        out.end_response();
        return;
    }
    out.response(href, &[(200, &found), (404, &missing)]);
}
