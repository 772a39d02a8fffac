//! The ACL method's body (RFC 3744 §8.1, §5.5):
//!
//! ```text
//! <!ELEMENT acl (ace*) >
//! <!ELEMENT ace ((principal | invert), (grant|deny), protected?, inherited?)>
//! <!ELEMENT principal (href | all | authenticated | unauthenticated | property | self)>
//! <!ELEMENT invert (principal)>
//! <!ELEMENT grant (privilege+)>   <!ELEMENT deny (privilege+)>
//! <!ELEMENT privilege ANY>        (one privilege element, e.g. <D:read/>)
//! ```
//!
//! Enough for sharing: `<D:ace><D:principal><D:href>/principals/bob/</D:href></D:principal>
//! <D:grant><D:privilege><D:read/></D:privilege></D:grant></D:ace>`.

use crate::DavRequest;
use crate::error::DavXmlError;
use crate::qname::{NS_DAV, QName};
use crate::xml::{self, Element, Limits};

/// An ACL request: the complete new list of (non-protected, non-inherited) ACEs, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    pub aces: Vec<Ace>,
}

/// One access control entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ace {
    pub principal: AcePrincipal,
    /// `invert`: the ACE applies to every principal except `principal` (§5.5.1).
    pub invert: bool,
    /// Granted privileges (RFC 3744 §3, CalDAV's read-free-busy, …); empty for a deny ACE.
    pub grant: Vec<QName>,
    /// Denied privileges; empty for a grant ACE.
    pub deny: Vec<QName>,
    /// `protected` (§5.5): sent back by clients that echo the ACL; the server must refuse to
    /// change a protected ACE.
    pub protected: bool,
    /// `inherited/href` (§5.5): the resource the ACE is inherited from.
    pub inherited: Option<String>,
}

/// RFC 3744 §5.5.1 principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcePrincipal {
    Href(String),
    All,
    Authenticated,
    Unauthenticated,
    /// The principal(s) named by this property of the resource (e.g. DAV:owner).
    Property(QName),
    /// The current user, when the resource is a principal (`DAV:self`).
    SelfPrincipal,
}

impl DavRequest for Acl {
    fn parse_with(body: &[u8], limits: &Limits) -> Result<Acl, DavXmlError> {
        let root = xml::parse(body, limits)?.ok_or_else(|| DavXmlError::invalid("acl", "empty body"))?;
        root.expect(NS_DAV, "acl", "DAV:acl")?;
        let aces = root.children_named(NS_DAV, "ace").map(ace).collect::<Result<_, _>>()?;
        Ok(Acl { aces })
    }
}

fn ace(el: &Element) -> Result<Ace, DavXmlError> {
    let (principal, invert) = match (el.dav_child("principal"), el.dav_child("invert")) {
        (Some(p), _) => (principal(p)?, false),
        (None, Some(inv)) => {
            let p = inv.dav_child("principal").ok_or_else(|| DavXmlError::invalid("invert", "no principal"))?;
            (principal(p)?, true)
        }
        (None, None) => return Err(DavXmlError::invalid("ace", "no principal")),
    };
    let grant = el.dav_child("grant").map(privileges).transpose()?.unwrap_or_default();
    let deny = el.dav_child("deny").map(privileges).transpose()?.unwrap_or_default();
    if grant.is_empty() && deny.is_empty() {
        return Err(DavXmlError::invalid("ace", "no grant or deny privilege"));
    }
    Ok(Ace {
        principal,
        invert,
        grant,
        deny,
        protected: el.dav_child("protected").is_some(),
        inherited: el.dav_child("inherited").and_then(|i| i.dav_child("href")).map(|h| xml::trimmed(h.text())),
    })
}

fn principal(el: &Element) -> Result<AcePrincipal, DavXmlError> {
    let Some(which) = el.elements().find(|e| e.name.ns == NS_DAV) else {
        return Err(DavXmlError::invalid("principal", "empty"));
    };
    Ok(match &*which.name.local {
        "href" => AcePrincipal::Href(xml::trimmed(which.text())),
        "all" => AcePrincipal::All,
        "authenticated" => AcePrincipal::Authenticated,
        "unauthenticated" => AcePrincipal::Unauthenticated,
        "self" => AcePrincipal::SelfPrincipal,
        "property" => match which.elements().next() {
            Some(p) => AcePrincipal::Property(p.name.clone()),
            None => return Err(DavXmlError::invalid("principal", "empty property")),
        },
        other => return Err(DavXmlError::invalid("principal", format!("unknown principal {other}"))),
    })
}

/// The privilege names in a grant or deny: the single child of each `DAV:privilege`.
fn privileges(el: &Element) -> Result<Vec<QName>, DavXmlError> {
    el.children_named(NS_DAV, "privilege")
        .map(|p| p.elements().next().map(|e| e.name.clone()).ok_or_else(|| DavXmlError::invalid("privilege", "empty")))
        .collect()
}
