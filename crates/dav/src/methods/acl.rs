//! The ACL method (RFC 3744 §8.1) on a calendar, task list or address book: how its owner
//! shares it. Each ACE names a principal by href and grants DAV:read (read-only) or DAV:write,
//! DAV:write-content, DAV:bind/unbind or DAV:all (read-write); the new ACL replaces the old
//! grants. Denials, inverted ACEs and pseudo-principals (all, authenticated, self, property)
//! are refused with their preconditions: sharing is with named principals only. How DAV's
//! privileges map onto the shared rights (and so onto IMAP ACL's) is documented once, at
//! `relais_store::share_rights`.

use hyper::StatusCode;
use relais_dav_proto::{AcePrincipal, NS_DAV, QName};
use relais_store::{AccountId, share_rights};

use crate::node::Node;
use crate::path::Target;
use crate::{Ctx, Reply, Result, internal};

fn refused(local: &'static str) -> Reply {
    Reply::precondition(StatusCode::FORBIDDEN, &QName::dav(local))
}

/// The rights a list of granted privileges amounts to; `None` for one Relais does not know.
fn rights_of(privileges: &[QName]) -> Option<i64> {
    let mut rights = 0;
    for p in privileges {
        if p.ns != NS_DAV {
            return None;
        }
        rights |= match p.local.as_ref() {
            "read" | "read-current-user-privilege-set" => share_rights::READ,
            "write" | "write-content" | "bind" | "unbind" | "all" => share_rights::READ | share_rights::WRITE,
            // Owner-only privileges cannot be shared.
            "write-properties" | "write-acl" | "read-acl" | "unlock" => return None,
            _ => return None,
        };
    }
    Some(rights)
}

pub(crate) async fn acl(ctx: &Ctx<'_>, target: &Target) -> Result<Reply> {
    let request = ctx.parse_body::<relais_dav_proto::Acl>().await??;
    let Node::Collection(_, _, c) = ctx.resolve(target).await? else {
        return Ok(Reply::text(StatusCode::FORBIDDEN, "only calendars and address books can be shared"));
    };
    ctx.must_own(&c)?;
    let mut grants: Vec<(AccountId, i64)> = Vec::new();
    for ace in request.aces.iter().filter(|a| !a.protected && a.inherited.is_none()) {
        if ace.invert {
            return Ok(refused("no-invert"));
        }
        if !ace.deny.is_empty() {
            return Ok(refused("grant-only"));
        }
        let AcePrincipal::Href(href) = &ace.principal else { return Ok(refused("allowed-principal")) };
        let Some(Target::Principal(user)) = crate::path::path_of(href).and_then(Target::parse) else {
            return Ok(refused("recognized-principal"));
        };
        // By own address only, like every principal URL: granting to an alias and reading the
        // ACL back would reveal the alias's owner.
        let Some(p) = ctx.dav.directory.principal_named(&user).await.map_err(internal)? else {
            return Ok(refused("recognized-principal"));
        };
        let Some(rights) = rights_of(&ace.grant) else { return Ok(refused("not-supported-privilege")) };
        if p.id == c.account {
            continue; // the owner's own rights are not a grant
        }
        match grants.iter_mut().find(|(g, _)| *g == p.id) {
            Some(g) => g.1 |= rights,
            None => grants.push((p.id, rights)),
        }
    }
    ctx.dav.groupware.set_grants(c.id, grants).await.map_err(internal)?;
    Ok(Reply::new(StatusCode::OK))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileges_map_to_rights() {
        assert_eq!(rights_of(&[QName::dav("read")]), Some(share_rights::READ));
        assert_eq!(
            rights_of(&[QName::dav("read"), QName::dav("write")]),
            Some(share_rights::READ | share_rights::WRITE)
        );
        assert_eq!(rights_of(&[QName::dav("write-acl")]), None);
        assert_eq!(rights_of(&[QName::caldav("read-free-busy")]), None);
    }
}
