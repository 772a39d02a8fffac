//! The file store under `/dav/files/{address}/` (plain WebDAV, RFC 4918): GET/HEAD, PUT,
//! DELETE, MKCOL, COPY and MOVE of folders and files of any content. PROPFIND and PROPPATCH
//! go through their usual handlers (`Node::Files`). Only the owner reaches a file store.

use hyper::header;
use hyper::{Method, StatusCode};
use relais_dav_proto::{
    Depth, QName, StructuredValue, escape_attr, escape_text, format_http_date, names, parse_destination,
    parse_overwrite,
};
use relais_groupware::files::{Entry, FileMeta, Lookup, TreeTransfer};
use relais_groupware::{CollectionProps, Error, Written, etag};
use relais_store::Principal;

use crate::methods::collection::xml_body;
use crate::node::{not_found, over_quota};
use crate::path::{self, Target};
use crate::props::file_content_type;
use crate::{Ctx, Reply, Result, internal};

/// Answers a method other than PROPFIND and PROPPATCH on a file store path.
pub(crate) async fn handle(ctx: &Ctx<'_>, user: &str, segments: &[String]) -> Result<Reply> {
    let owner = ctx.owner(user).await?;
    let m = &ctx.req.method;
    match m.as_str() {
        "MKCOL" | "MKCALENDAR" => mkcol(ctx, &owner, segments).await,
        "COPY" | "MOVE" => transfer(ctx, &owner, segments).await,
        _ if *m == Method::GET || *m == Method::HEAD => get(ctx, &owner, segments).await,
        _ if *m == Method::PUT => put(ctx, &owner, segments).await,
        _ if *m == Method::DELETE => delete(ctx, &owner, segments).await,
        _ => {
            Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "not allowed in the file store")
                .header(header::ALLOW, ALLOW))
        }
    }
}

const ALLOW: &str = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, COPY, MOVE";

/// What a refused file store write is answered with.
fn refused(e: Error) -> Reply {
    match e {
        Error::PreconditionFailed => Reply::text(StatusCode::PRECONDITION_FAILED, "precondition failed"),
        Error::AlreadyExists => Reply::text(StatusCode::PRECONDITION_FAILED, "the destination exists"),
        Error::NotFound => not_found(),
        Error::Conflict(why) => Reply::text(StatusCode::CONFLICT, &why),
        Error::Limit(why) => Reply::text(StatusCode::FORBIDDEN, &why),
        Error::OverQuota => over_quota(),
        e => internal(e),
    }
}

async fn get(ctx: &Ctx<'_>, owner: &Principal, segments: &[String]) -> Result<Reply> {
    let Lookup::Found(entry) = ctx.files(owner, segments).await? else { return Err(not_found()) };
    let mut reply = match entry {
        Entry::Folder(c) => {
            let (folders, files) = ctx.dav.groupware.folder_members(&c).await.map_err(internal)?;
            let names = folders.iter().map(|f| (f.name.as_str(), true));
            let names = names.chain(files.iter().map(|f| (f.name.as_deref().unwrap_or_default(), false)));
            let page = index_page(&path::files_href(&owner.address(), segments, true), names);
            Reply::with_body(StatusCode::OK, "text/html; charset=utf-8", page)
        }
        Entry::File(_, item) => {
            let tag = etag(item.modseq);
            if let Some(inm) = ctx.condition()?.if_none_match
                && inm.iter().any(|t| *t == tag || t == "*")
            {
                return Ok(Reply::new(StatusCode::NOT_MODIFIED).header(header::ETAG, &tag));
            }
            let meta = FileMeta::of(&item);
            let body = ctx.content(&item).await?;
            let mut r = served_as_stored(file_content_type(&meta))
                .header(header::ETAG, &tag)
                .header(header::LAST_MODIFIED, &format_http_date(meta.modified));
            r.body = body.into();
            r
        }
    };
    // Our own index page, and every file, are never sniffed into something else.
    reply.headers.insert(header::X_CONTENT_TYPE_OPTIONS, header::HeaderValue::from_static("nosniff"));
    if ctx.req.method == Method::HEAD {
        let len = reply.body.len().to_string();
        reply.body = bytes::Bytes::new();
        reply = reply.header(header::CONTENT_LENGTH, &len);
    }
    Ok(reply)
}

/// Types a browser shows inline without running anything; every other type (HTML, SVG, XML,
/// JavaScript, PDF, unknown) is served as a download.
const INLINE_TYPES: [&str; 8] =
    ["text/plain", "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "audio/", "video/"];

/// A file's headers. Files come back with the type they were PUT with, from the DAV origin
/// (the one the credentials and the web client share): an HTML or SVG file opened in a browser
/// would run its script there. So the type is only a hint to save the file by (nosniff), the
/// content may do nothing (CSP sandbox, no sources), and active types are attachments.
fn served_as_stored(content_type: &str) -> Reply {
    let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let inline = INLINE_TYPES.iter().any(|t| if t.ends_with('/') { essence.starts_with(t) } else { essence == *t });
    let content_type = match header::HeaderValue::from_str(content_type) {
        Ok(v) => v,
        Err(_) => header::HeaderValue::from_static("application/octet-stream"),
    };
    let mut r = Reply::new(StatusCode::OK);
    r.headers.insert(header::CONTENT_TYPE, content_type);
    r.headers.insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static("default-src 'none'; sandbox"));
    if !inline {
        r.headers.insert(header::CONTENT_DISPOSITION, header::HeaderValue::from_static("attachment"));
    }
    r
}

/// A folder's members as a plain HTML page, for a browser.
fn index_page<'a>(href: &str, members: impl Iterator<Item = (&'a str, bool)>) -> String {
    let mut title = String::new();
    escape_text(&mut title, href);
    let mut page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1><ul>\n"
    );
    for (name, folder) in members {
        let slash = if folder { "/" } else { "" };
        page.push_str("<li><a href=\"");
        escape_attr(&mut page, &path::encode(name));
        page.push_str(slash);
        page.push_str("\">");
        escape_text(&mut page, name);
        page.push_str(slash);
        page.push_str("</a></li>\n");
    }
    page.push_str("</ul></body></html>\n");
    page
}

async fn put(ctx: &Ctx<'_>, owner: &Principal, segments: &[String]) -> Result<Reply> {
    let Some(name) = segments.last() else {
        return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "the files home is a folder"));
    };
    let folder = match ctx.files(owner, segments).await? {
        Lookup::Found(Entry::Folder(_)) => {
            return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "a folder has no content to replace"));
        }
        Lookup::Found(Entry::File(folder, _)) | Lookup::Missing { parent: Some(folder) } => folder,
        // RFC 4918 §9.7.1: no parent collection.
        Lookup::Missing { parent: None } => return Ok(Reply::text(StatusCode::CONFLICT, "the folder does not exist")),
    };
    let content_type = ctx.req.header(header::CONTENT_TYPE).map(str::to_owned);
    let cond = ctx.condition()?;
    match ctx.dav.groupware.put_file(&folder, name, ctx.req.body.to_vec(), content_type, cond).await {
        Ok(w) => {
            let code = if matches!(w, Written::Created { .. }) { StatusCode::CREATED } else { StatusCode::NO_CONTENT };
            Ok(Reply::new(code).header(header::ETAG, w.etag()))
        }
        Err(e) => Ok(refused(e)),
    }
}

async fn mkcol(ctx: &Ctx<'_>, owner: &Principal, segments: &[String]) -> Result<Reply> {
    if ctx.req.method.as_str() == "MKCALENDAR" {
        return Ok(Reply::precondition(StatusCode::FORBIDDEN, &QName::dav("valid-resourcetype")));
    }
    let Some(name) = segments.last() else {
        return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "the files home exists"));
    };
    let parent = match ctx.files(owner, segments).await? {
        // RFC 4918 §9.3.1: MKCOL on an existing resource is 405; without a parent, 409.
        Lookup::Found(_) => return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "already exists")),
        Lookup::Missing { parent: None } => return Ok(Reply::text(StatusCode::CONFLICT, "the folder does not exist")),
        Lookup::Missing { parent: Some(p) } => p,
    };
    let set = match ctx.parse_body::<relais_dav_proto::MkCol>().await? {
        Ok(m) => m.set,
        Err(_) if !xml_body(ctx.req.header(header::CONTENT_TYPE)) => {
            return Ok(Reply::text(StatusCode::UNSUPPORTED_MEDIA_TYPE, "the body must be XML"));
        }
        Err(e) => return Err(e.into()),
    };
    // RFC 5689 §3.4: only a plain collection can be made here.
    let wrong_type = set.iter().any(|s| {
        s.name == names::RESOURCETYPE
            && matches!(&s.value.structured, Some(StructuredValue::ResourceType(t)) if t.iter().any(|t| *t != names::COLLECTION))
    });
    if wrong_type {
        return Ok(Reply::precondition(StatusCode::FORBIDDEN, &QName::dav("valid-resourcetype")));
    }
    let mut props = CollectionProps::default();
    let ops: Vec<_> =
        set.into_iter().filter(|s| s.name != names::RESOURCETYPE).map(relais_dav_proto::PropPatchOp::Set).collect();
    let results = super::proppatch::apply_plain(Some(&mut props.display_name), &mut props.dead, &ops);
    if results.iter().any(|(_, s)| *s != 200) {
        let mut out = relais_dav_proto::Multistatus::new();
        out.proppatch_response(&path::files_href(&owner.address(), segments, true), &results);
        return Ok(Reply::xml(StatusCode::FORBIDDEN, out.into_bytes()));
    }
    match ctx.dav.groupware.make_folder(&parent, name, props).await {
        Ok(_) => Ok(Reply::new(StatusCode::CREATED)
            .header(header::LOCATION, &path::files_href(&owner.address(), segments, true))),
        Err(Error::AlreadyExists) => Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "already exists")),
        Err(e) => Ok(refused(e)),
    }
}

async fn delete(ctx: &Ctx<'_>, owner: &Principal, segments: &[String]) -> Result<Reply> {
    if segments.is_empty() {
        return Ok(Reply::text(StatusCode::FORBIDDEN, "the files home cannot be deleted"));
    }
    let Lookup::Found(entry) = ctx.files(owner, segments).await? else { return Err(not_found()) };
    // RFC 4918 §9.6.1: a collection is deleted with everything in it; Depth is infinity.
    if matches!(entry, Entry::Folder(_)) && ctx.depth()? != Depth::Infinity {
        return Ok(Reply::text(StatusCode::BAD_REQUEST, "DELETE of a folder takes Depth: infinity"));
    }
    match ctx.dav.groupware.delete_entry(&entry, ctx.condition()?).await {
        Ok(()) => Ok(Reply::new(StatusCode::NO_CONTENT)),
        Err(e) => Ok(refused(e)),
    }
}

async fn transfer(ctx: &Ctx<'_>, owner: &Principal, segments: &[String]) -> Result<Reply> {
    let keep_source = ctx.req.method.as_str() == "COPY";
    let bad = |why: String| Reply::text(StatusCode::BAD_REQUEST, &why);
    let dest = ctx.req.header("destination").ok_or_else(|| bad("no Destination".into()))?;
    let dest = parse_destination(dest).map_err(|e| bad(e.to_string()))?;
    let overwrite = parse_overwrite(ctx.req.header("overwrite")).map_err(|e| bad(e.to_string()))?;
    let Some(Target::Files(to_user, to_segments)) = Target::parse(&dest.path) else {
        return Ok(Reply::text(StatusCode::BAD_GATEWAY, "the destination is not in a file store on this server"));
    };
    if to_user != owner.address() {
        return Ok(crate::node::forbidden());
    }
    let Some((to_name, to_parent)) = to_segments.split_last().filter(|_| !segments.is_empty()) else {
        return Ok(Reply::text(StatusCode::FORBIDDEN, "the files home cannot be copied, moved or replaced"));
    };
    if to_segments == segments {
        return Ok(Reply::text(StatusCode::FORBIDDEN, "the source and the destination are the same"));
    }
    let deep = match ctx.depth()? {
        Depth::Infinity => true,
        // RFC 4918 §9.8.3: COPY of a collection with Depth 0 copies it without its members.
        Depth::Zero if keep_source => false,
        _ => return Ok(bad("COPY takes Depth 0 or infinity, MOVE only infinity".into())),
    };
    let Lookup::Found(entry) = ctx.files(owner, segments).await? else { return Err(not_found()) };
    let to = match ctx.files(owner, to_parent).await? {
        Lookup::Found(Entry::Folder(c)) => c,
        // RFC 4918 §9.8.5: the destination's parent must exist.
        _ => return Ok(Reply::text(StatusCode::CONFLICT, "the destination folder does not exist")),
    };
    let mode = TreeTransfer { keep_source, overwrite, deep };
    match ctx.dav.groupware.transfer_entry(&entry, &to, to_name, mode).await {
        Ok(true) => Ok(Reply::new(StatusCode::NO_CONTENT)),
        Ok(false) => Ok(Reply::new(StatusCode::CREATED).header(
            header::LOCATION,
            &path::files_href(&owner.address(), &to_segments, matches!(entry, Entry::Folder(_))),
        )),
        Err(e) => Ok(refused(e)),
    }
}
