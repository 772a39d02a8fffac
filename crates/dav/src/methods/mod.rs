//! One file per method family. `dispatch` parses the path once and picks the handler.

mod acl;
mod collection;
mod files;
mod propfind;
mod proppatch;
mod resource;
mod schedule;

pub(crate) use propfind::{respond, respond_props};

use hyper::header::{self, HeaderValue};
use hyper::{Method, StatusCode};
use relais_dav_proto::{Depth, parse_etag_list};
use relais_groupware::Condition;

use crate::path::Target;
use crate::{Ctx, Reply, Result};

/// RFC 4918 §10.1, RFC 4791 §5.1, RFC 6352 §6.1, RFC 6578 §3, RFC 5689 §3.
const DAV_CLASSES: &str = "1, 3, access-control, calendar-access, calendar-auto-schedule, addressbook, extended-mkcol";
const ALLOW: &str =
    "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, MKCALENDAR, COPY, MOVE, REPORT, ACL, POST";

pub(crate) fn options() -> Reply {
    let mut r = Reply::new(StatusCode::OK);
    r.headers.insert("dav", HeaderValue::from_static(DAV_CLASSES));
    r.headers.insert(header::ALLOW, HeaderValue::from_static(ALLOW));
    r
}

pub(crate) async fn dispatch(ctx: &Ctx<'_>) -> Result<Reply> {
    let target = Target::parse(&ctx.req.path).ok_or_else(crate::node::not_found)?;
    let m = &ctx.req.method;
    if let Target::Files(user, segments) = &target
        && !matches!(m.as_str(), "PROPFIND" | "PROPPATCH")
    {
        return files::handle(ctx, user, segments).await;
    }
    match m.as_str() {
        "PROPFIND" => propfind::propfind(ctx, &target).await,
        "PROPPATCH" => proppatch::proppatch(ctx, &target).await,
        "ACL" => acl::acl(ctx, &target).await,
        "REPORT" => crate::report::report(ctx, &target).await,
        "MKCOL" | "MKCALENDAR" => collection::make(ctx, &target).await,
        "COPY" | "MOVE" => resource::transfer(ctx, &target).await,
        _ if *m == Method::GET || *m == Method::HEAD => resource::get(ctx, &target).await,
        _ if *m == Method::PUT => resource::put(ctx, &target).await,
        _ if *m == Method::POST => schedule::post(ctx, &target).await,
        _ if *m == Method::DELETE => resource::delete(ctx, &target).await,
        _ => Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed").header(header::ALLOW, ALLOW)),
    }
}

impl Ctx<'_> {
    pub fn depth(&self) -> Result<Depth> {
        Depth::parse(self.req.header("depth"), self.req.method.as_str())
            .map_err(|e| Reply::text(StatusCode::BAD_REQUEST, e.to_string()))
    }

    /// If-Match / If-None-Match as a groupware condition (RFC 9110 §13.1).
    pub fn condition(&self) -> Result<Condition> {
        let list = |name: &str| -> Result<Option<Vec<String>>> {
            let Some(v) = self.req.header(name) else { return Ok(None) };
            let parsed = parse_etag_list(v).map_err(|e| Reply::text(StatusCode::BAD_REQUEST, e.to_string()))?;
            Ok(Some(match parsed {
                relais_dav_proto::EtagList::Any => vec!["*".to_owned()],
                relais_dav_proto::EtagList::Tags(tags) => {
                    tags.into_iter().filter(|t| !t.weak).map(|t| format!("\"{}\"", t.tag)).collect()
                }
            }))
        };
        Ok(Condition { if_match: list("if-match")?, if_none_match: list("if-none-match")? })
    }
}
