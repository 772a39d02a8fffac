//! GET/HEAD, PUT, DELETE (RFC 4918 §9.4–§9.6, RFC 9110 conditions) and COPY/MOVE (§9.8–§9.9)
//! of calendar and address object resources; DELETE of a whole calendar or address book.

use hyper::header;
use hyper::{Method, StatusCode};
use relais_dav_proto::{QName, parse_destination, parse_overwrite};
use relais_groupware::resources::Transfer;
use relais_groupware::{Error, InvalidKind, Written, etag};

use crate::node::{Node, forbidden, not_found, over_quota};
use crate::path::{self, Home, Target};
use crate::props::content_type;
use crate::{Ctx, Reply, Result, internal};

pub(crate) async fn get(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let node = ctx.resolve(target).await?;
    if let Node::Gal(_, Some(c)) = node {
        let tag = etag(c.resource.modseq);
        let body = c.data.unwrap_or_default();
        let mut reply =
            Reply::with_body(StatusCode::OK, content_type(Home::AddressBooks), body).header(header::ETAG, &tag);
        if ctx.req.method == Method::HEAD {
            reply.body = bytes::Bytes::new();
        }
        return Ok(reply);
    }
    let Node::Resource(h, _, _, item) = node else {
        return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "GET is for calendar and address objects"));
    };
    let tag = etag(item.modseq);
    if let Some(inm) = ctx.condition()?.if_none_match
        && inm.iter().any(|t| *t == tag || t == "*")
    {
        return Ok(Reply::new(StatusCode::NOT_MODIFIED).header(header::ETAG, &tag));
    }
    let body = ctx.content(&item).await?;
    let mut reply = Reply::with_body(StatusCode::OK, content_type(h), body).header(header::ETAG, &tag);
    if ctx.req.method == Method::HEAD {
        let len = reply.body.len().to_string();
        reply.body = bytes::Bytes::new();
        reply = reply.header(header::CONTENT_LENGTH, &len);
    }
    Ok(reply)
}

pub(crate) async fn put(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let Target::Resource(home, user, cname, name) = target else {
        return Ok(Reply::text(StatusCode::METHOD_NOT_ALLOWED, "PUT creates calendar and address objects"));
    };
    if *home == Home::AddressBooks && cname == relais_groupware::gal::NAME {
        // The global address list is the directory's: read-only (RFC 3744 §3.10 need-privileges).
        return Ok(forbidden());
    }
    let owner = ctx.principal(user).await.map_err(|_| forbidden())?;
    let collection = match ctx.collection(*home, &owner, cname).await? {
        Some(c) => c,
        // RFC 4918 §9.7.1: no parent collection.
        None if owner.id == ctx.user.id => {
            return Ok(Reply::text(StatusCode::CONFLICT, "the collection does not exist"));
        }
        None => return Ok(forbidden()),
    };
    // Whether the caller may write, and whether the owner has room, is the groupware's to
    // decide; a collection it cannot see at all is refused here, before its size limit could
    // tell it exists.
    ctx.must_see(&collection).await?;
    if ctx.req.body.len() > ctx.dav.config.max_resource_size {
        return Ok(Reply::precondition(StatusCode::FORBIDDEN, &precondition(*home, "max-resource-size")));
    }
    let cond = ctx.condition()?;
    // The sharee acts; scheduling in the owner's name follows the owner's send-as grants.
    match ctx.dav.groupware.put(&ctx.actor(), &collection, name, ctx.req.body.to_vec(), cond).await {
        Ok(w) => Ok(written(w)),
        Err(e) => Ok(refused(*home, &owner.address(), cname, e)),
    }
}

fn written(w: Written) -> Reply {
    let status = if matches!(w, Written::Created { .. }) { StatusCode::CREATED } else { StatusCode::NO_CONTENT };
    Reply::new(status).header(header::ETAG, w.etag())
}

fn precondition(home: Home, local: &'static str) -> QName {
    match home {
        Home::Calendars => QName::caldav(local),
        Home::AddressBooks => QName::carddav(local),
    }
}

/// The answer to a refused groupware write, with its precondition element.
fn refused(home: Home, user: &str, collection: &str, e: Error) -> Reply {
    match e {
        Error::PreconditionFailed => Reply::text(StatusCode::PRECONDITION_FAILED, "precondition failed"),
        Error::NotFound => not_found(),
        Error::AlreadyExists => Reply::text(StatusCode::PRECONDITION_FAILED, "the destination exists"),
        Error::Invalid(i) => {
            let local = match (home, i.kind) {
                (Home::Calendars, InvalidKind::Data) => "valid-calendar-data",
                (Home::Calendars, InvalidKind::Object) => "valid-calendar-object-resource",
                (Home::Calendars, InvalidKind::Component) => "supported-calendar-component",
                (Home::Calendars, InvalidKind::MaxInstances) => "max-instances",
                (Home::AddressBooks, _) => "valid-address-data",
            };
            tracing::debug!(reason = %i, "dav: content refused");
            Reply::precondition(StatusCode::FORBIDDEN, &precondition(home, local))
        }
        Error::UidConflict { existing } => Reply::precondition_href(
            StatusCode::FORBIDDEN,
            &precondition(home, "no-uid-conflict"),
            &path::resource_href(home, user, collection, &existing),
        ),
        Error::Forbidden => forbidden(),
        Error::Conflict(why) => Reply::text(StatusCode::CONFLICT, why),
        Error::Limit(why) => Reply::text(StatusCode::FORBIDDEN, why),
        Error::OverQuota => over_quota(),
        Error::Store(e) => internal(e),
    }
}

pub(crate) async fn delete(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    match ctx.resolve(target).await? {
        Node::Resource(h, owner, c, item) => {
            let name = item.name.unwrap_or_default();
            match ctx.dav.groupware.delete(&ctx.actor(), &c, &name, ctx.condition()?).await {
                Ok(()) => Ok(Reply::new(StatusCode::NO_CONTENT)),
                Err(e) => Ok(refused(h, &owner.address(), &c.name, e)),
            }
        }
        Node::Collection(_, _, c) if c.role.as_deref() == Some("default") => {
            Ok(Reply::text(StatusCode::FORBIDDEN, "the default collection cannot be deleted"))
        }
        Node::Collection(h, owner, c) => match ctx.dav.groupware.delete_collection(&ctx.actor(), &c).await {
            Ok(()) => Ok(Reply::new(StatusCode::NO_CONTENT)),
            Err(e) => Ok(refused(h, &owner.address(), &c.name, e)),
        },
        _ => Ok(Reply::text(StatusCode::FORBIDDEN, "this cannot be deleted")),
    }
}

pub(crate) async fn transfer(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let keep_source = ctx.req.method.as_str() == "COPY";
    let Node::Resource(home, owner, from, item) = ctx.resolve(target).await? else {
        return Ok(Reply::text(StatusCode::FORBIDDEN, "only calendar and address objects can be copied or moved"));
    };
    let bad = |why: String| Reply::text(StatusCode::BAD_REQUEST, why);
    let dest = ctx.req.header("destination").ok_or_else(|| bad("no Destination".into()))?;
    let dest = parse_destination(dest).map_err(|e| bad(e.to_string()))?;
    let overwrite = parse_overwrite(ctx.req.header("overwrite")).map_err(|e| bad(e.to_string()))?;
    let Some(Target::Resource(to_home, to_user, to_cname, to_name)) = Target::parse(&dest.path) else {
        return Ok(Reply::text(StatusCode::BAD_GATEWAY, "the destination is not a resource on this server"));
    };
    if to_home != home {
        return Ok(Reply::text(StatusCode::FORBIDDEN, "the destination holds another kind of resource"));
    }
    let to_owner = ctx.principal(&to_user).await.map_err(|_| forbidden())?;
    let to = match ctx.collection(to_home, &to_owner, &to_cname).await? {
        Some(c) => c,
        None if to_owner.id == ctx.user.id => {
            return Ok(Reply::text(StatusCode::CONFLICT, "the destination collection does not exist"));
        }
        None => return Ok(forbidden()),
    };
    ctx.must_see(&to).await?;
    let existed = ctx.item(&to, &to_name).await?.is_some();
    let name = item.name.unwrap_or_default();
    let mode = Transfer { keep_source, overwrite };
    match ctx.dav.groupware.transfer(&ctx.actor(), (&from, &name), (&to, &to_name), mode).await {
        Ok(w) => {
            let status = if existed { StatusCode::NO_CONTENT } else { StatusCode::CREATED };
            Ok(Reply::new(status).header(header::ETAG, w.etag()))
        }
        Err(e) => Ok(refused(home, &owner.address(), &to.name, e)),
    }
}
