//! Who sees whom (issue 10, item 13): the global address list, principal search and free/busy
//! show a user the principals of their own domain by default (`GalScope::Domain`), all hosted
//! domains only when the administrator says so (`[directory] gal_scope = "all"`). Aliases are
//! not published: a principal is named by its own address only (`principal_named`), so a
//! principal URL naming an alias reveals no owner.

use relais_store::Principal;

use crate::{Directory, Result, address::Address};

/// How far a user sees the directory.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum GalScope {
    /// The principals of the viewer's own domain (the default).
    #[default]
    Domain,
    /// Every hosted domain's principals.
    All,
}

impl GalScope {
    pub fn parse(name: &str) -> Option<GalScope> {
        match name.to_ascii_lowercase().as_str() {
            "domain" => Some(GalScope::Domain),
            "all" => Some(GalScope::All),
            _ => None,
        }
    }
}

impl Directory {
    /// The directory with this visibility scope (`Domain` unless set).
    pub fn with_gal_scope(mut self, scope: GalScope) -> Directory {
        self.gal_scope = scope;
        self
    }

    pub fn gal_scope(&self) -> GalScope {
        self.gal_scope
    }

    /// Whether `viewer` sees `other` in the address list, principal search and free/busy.
    pub fn may_see(&self, viewer: &Principal, other: &Principal) -> bool {
        match self.gal_scope {
            GalScope::All => true,
            GalScope::Domain => viewer.domain.eq_ignore_ascii_case(&other.domain),
        }
    }

    /// The principals `viewer` sees.
    pub async fn visible_principals(&self, viewer: &Principal) -> Result<Vec<Principal>> {
        match self.gal_scope {
            GalScope::All => self.principals(None, None).await,
            GalScope::Domain => self.principals(None, Some(&viewer.domain)).await,
        }
    }

    /// At most `limit` of the principals `viewer` sees, ordered by address, and whether there
    /// are more: the bounded listing JMAP Principal/get and /query read (never the whole
    /// directory on a request's path).
    pub async fn visible_principals_at_most(&self, viewer: &Principal, limit: usize) -> Result<(Vec<Principal>, bool)> {
        let domain = match self.gal_scope {
            GalScope::All => None,
            GalScope::Domain => Some(viewer.domain.clone()),
        };
        let read = limit.saturating_add(1);
        let mut list = self.store().read(move |r| r.principals_at_most(domain.as_deref(), read)).await?;
        let more = list.len() > limit;
        list.truncate(limit);
        Ok((list, more))
    }

    /// The principal `id`, if `viewer` sees it ([`Directory::may_see`]); `None` for one it
    /// does not see and for an unknown id alike.
    pub async fn visible_principal(
        &self,
        viewer: &Principal,
        id: relais_store::AccountId,
    ) -> Result<Option<Principal>> {
        let p = self.principal_by_id(id).await?;
        Ok(p.filter(|p| self.may_see(viewer, p)))
    }

    /// The principal whose own address is `address` — an alias names nobody here, so that a
    /// principal URL (or a DAV home) naming one is as unknown as a nonexistent principal.
    pub async fn principal_named(&self, address: &str) -> Result<Option<Principal>> {
        let Ok(addr) = Address::parse(address) else { return Ok(None) };
        Ok(self.store().read(move |r| r.principal_by_address(&addr.local, &addr.domain)).await?)
    }
}
