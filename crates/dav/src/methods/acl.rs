//! The ACL method (RFC 3744 §8.1) on a calendar, task list or address book: how it is
//! shared. The new ACL replaces the old grants through the directory's sharing operation
//! (`relais_directory::sharing::replace_grants`), which IMAP SETACL and `relais admin share`
//! use too, with its one rule: whoever holds `Rights::ADMIN` (DAV:write-acl, IMAP `a`) may
//! change it, the owner's rights are fixed, and grantees are known principals.
//!
//! Each ACE names a principal by href and grants DAV:read (read-only), CALDAV:read-free-busy
//! (free/busy time only), DAV:write, DAV:write-content, DAV:bind/unbind or DAV:all
//! (read-write), DAV:write-acl (sharing; with DAV:read-acl if both are named). Denials,
//! inverted ACEs and pseudo-principals (all, authenticated, self, property) are refused with
//! their preconditions: sharing is with named principals only.

use hyper::StatusCode;
use relais_dav_proto::{AcePrincipal, NS_CALDAV, NS_DAV, QName};
use relais_directory::{Rights, SharingError};
use relais_store::AccountId;

use crate::node::{Node, forbidden};
use crate::path::Target;
use crate::{Ctx, Reply, Result, internal};

fn refused(local: &'static str) -> Reply {
    Reply::precondition(StatusCode::FORBIDDEN, &QName::dav(local))
}

/// The rights a list of granted privileges amounts to; `None` for one Relais cannot grant.
fn rights_of(privileges: &[QName]) -> Option<Rights> {
    let named = |ns: &str, local: &str| privileges.iter().any(|p| p.ns == ns && p.local == local);
    let mut rights = Rights::NONE;
    for p in privileges {
        rights |= match (p.ns.as_ref(), p.local.as_ref()) {
            (NS_DAV, "read" | "read-current-user-privilege-set") => Rights::READ,
            // RFC 4791 §6.1.1: free and busy time only.
            (NS_CALDAV, "read-free-busy") => Rights::FREE_BUSY,
            (NS_DAV, "write" | "write-content" | "bind" | "unbind" | "all") => Rights::READ | Rights::WRITE,
            (NS_DAV, "write-acl") => Rights::ADMIN,
            // Reading the ACL comes with changing it (`Rights::ADMIN`), never alone.
            (NS_DAV, "read-acl") if named(NS_DAV, "write-acl") => Rights::NONE,
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
    let mut grants: Vec<(AccountId, Rights)> = Vec::new();
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
        grants.push((p.id, rights));
    }
    match ctx.dav.directory.replace_grants(&ctx.actor(), c.id, grants).await {
        Ok(()) => Ok(Reply::new(StatusCode::OK)),
        Err(SharingError::UnknownGrantee) => Ok(refused("recognized-principal")),
        // RFC 3744 §8.1.1: DAV:need-privileges (write-acl) — or the collection is gone.
        Err(SharingError::NotFound | SharingError::NotPermitted | SharingError::Owner) => Ok(forbidden()),
        Err(SharingError::Store(e)) => Err(internal(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn privileges_map_to_rights() {
        let cases: &[(&[QName], Option<Rights>)] = &[
            (&[QName::dav("read")], Some(Rights::READ)),
            (&[QName::dav("read"), QName::dav("write")], Some(Rights::READ | Rights::WRITE)),
            (&[QName::caldav("read-free-busy")], Some(Rights::FREE_BUSY)),
            (&[QName::dav("read"), QName::dav("write-acl")], Some(Rights::READ | Rights::ADMIN)),
            (&[QName::dav("read-acl"), QName::dav("write-acl")], Some(Rights::ADMIN)),
            (&[QName::dav("read-acl")], None),
            (&[QName::dav("write-properties")], None),
            (&[QName::carddav("read-free-busy")], None),
        ];
        for (privileges, want) in cases {
            assert_eq!(rights_of(privileges), *want, "{privileges:?}");
        }
    }
}
