//! WebDAV reports: sync (RFC 6578), expand-property (RFC 3253) and the ACL principal reports
//! (RFC 3744 §9).
//!
//! ```text
//! <!ELEMENT sync-collection (sync-token, sync-level, limit?, prop)>           RFC 6578 §6.1
//! <!ELEMENT expand-property (property*)>                                      RFC 3253 §3.8
//! <!ELEMENT property (property*)>  name, namespace (default "DAV:")
//! <!ELEMENT principal-property-search ((property-search+), prop?,
//!                                      apply-to-principal-collection-set?)>   RFC 3744 §9.4
//! <!ELEMENT property-search (prop, match)>
//! <!ELEMENT principal-search-property-set EMPTY>                              RFC 3744 §9.5
//! <!ELEMENT acl-principal-prop-set ANY>   (a DAV:prop inside)                 RFC 3744 §9.2
//! <!ELEMENT principal-match ((principal-property | self), prop?)>             RFC 3744 §9.3
//! ```

use crate::error::DavXmlError;
use crate::filter::{MatchType, Test};
use crate::propfind::{PropFind, PropRequest, names_in, prop_requests};
use crate::qname::{NS_DAV, QName};
use crate::xml::{self, Element};

/// RFC 6578 §3.2 sync-collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCollection {
    /// The token from a previous response, or empty for an initial sync (§3.2). A token the
    /// server does not recognise is 403 DAV:valid-sync-token.
    pub sync_token: String,
    pub sync_level: SyncLevel,
    /// §3.5.1 `limit/nresults`; beyond it the server truncates (507 on the request URI).
    pub limit: Option<u32>,
    /// The properties to return for changed members (§6.1 makes `prop` required; when it is
    /// missing this is an empty list).
    pub props: Vec<PropRequest>,
}

/// RFC 6578 §6.3 sync-level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncLevel {
    /// Immediate members only.
    One,
    /// All descendants.
    Infinite,
}

/// One `property` of an expand-property report: the property to return, and for each href
/// in its value, the properties to return of that resource (recursively).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandProperty {
    pub name: QName,
    pub children: Vec<ExpandProperty>,
}

/// RFC 3744 §9.4 principal-property-search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalPropertySearch {
    /// Each search: a principal matches when one of `props` matches `text`.
    pub searches: Vec<PropertySearch>,
    /// How searches combine: the `test` attribute many clients send (anyof or allof); RFC
    /// 3744 itself says all must match, so the default is `AllOf`.
    pub test: Test,
    /// The properties to return for each matching principal.
    pub props: Vec<PropRequest>,
    /// Search the principal collections of DAV:principal-collection-set, not the request URI.
    pub apply_to_principal_collection_set: bool,
}

/// One `property-search` of a principal-property-search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertySearch {
    pub props: Vec<QName>,
    /// The text of `match`: a case-insensitive substring by default (§9.4).
    pub text: String,
    /// The `match-type` attribute of calendarserver's extension (`starts-with`, `equals`, …).
    pub match_type: MatchType,
}

/// RFC 3744 §9.2 acl-principal-prop-set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AclPrincipalPropSet {
    pub props: Vec<PropRequest>,
}

/// RFC 3744 §9.3 principal-match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalMatch {
    /// `principal-property`: members whose property names the current principal; `None`
    /// for `self` (principals that are, or contain, the current one).
    pub principal_property: Option<QName>,
    pub props: Vec<PropRequest>,
}

pub(super) fn sync_collection(root: &Element) -> Result<SyncCollection, DavXmlError> {
    let token = root.dav_child("sync-token").ok_or_else(|| DavXmlError::invalid("sync-collection", "no sync-token"))?;
    // §6.3 makes sync-level required; clients from before RFC 6578 omit it and mean "1".
    let sync_level = match root.dav_child("sync-level").map(|l| l.text()) {
        None => SyncLevel::One,
        Some(l) => match xml::trim(&l) {
            "1" => SyncLevel::One,
            "infinite" | "infinity" => SyncLevel::Infinite,
            other => return Err(DavXmlError::invalid("sync-level", format!("{other:?}"))),
        },
    };
    let props = match PropFind::from_parent(root)? {
        Some(PropFind::Prop(p)) => p,
        _ => vec![],
    };
    Ok(SyncCollection { sync_token: xml::trimmed(token.text()), sync_level, limit: super::limit(root)?, props })
}

pub(super) fn expand_properties(parent: &Element) -> Vec<ExpandProperty> {
    parent
        .children_named(NS_DAV, "property")
        .filter_map(|p| {
            let local = p.attr("name")?;
            let ns = p.attr("namespace").unwrap_or(NS_DAV);
            Some(ExpandProperty { name: QName::new(ns, local), children: expand_properties(p) })
        })
        .collect()
}

pub(super) fn principal_property_search(root: &Element) -> Result<PrincipalPropertySearch, DavXmlError> {
    let mut searches = Vec::new();
    for search in root.children_named(NS_DAV, "property-search") {
        let props = search.dav_child("prop").map(names_in).unwrap_or_default();
        let Some(matching) = search.dav_child("match") else {
            return Err(DavXmlError::invalid("property-search", "no match"));
        };
        let match_type = match matching.attr("match-type") {
            Some("starts-with") => MatchType::StartsWith,
            Some("ends-with") => MatchType::EndsWith,
            Some("equals") => MatchType::Equals,
            _ => MatchType::Contains,
        };
        searches.push(PropertySearch { props, text: matching.text(), match_type });
    }
    if searches.is_empty() {
        return Err(DavXmlError::invalid("principal-property-search", "no property-search"));
    }
    let test = match root.attr("test") {
        Some("anyof") => Test::AnyOf,
        _ => Test::AllOf,
    };
    Ok(PrincipalPropertySearch {
        searches,
        test,
        props: props_of(root)?,
        apply_to_principal_collection_set: root.dav_child("apply-to-principal-collection-set").is_some(),
    })
}

pub(super) fn acl_principal_prop_set(root: &Element) -> AclPrincipalPropSet {
    let props = root.dav_child("prop").map(names_in).unwrap_or_default();
    AclPrincipalPropSet { props: props.into_iter().map(PropRequest::new).collect() }
}

pub(super) fn principal_match(root: &Element) -> Result<PrincipalMatch, DavXmlError> {
    let principal_property = match root.dav_child("principal-property") {
        Some(p) => Some(
            p.elements()
                .next()
                .map(|e| e.name.clone())
                .ok_or_else(|| DavXmlError::invalid("principal-property", "empty"))?,
        ),
        None if root.dav_child("self").is_some() => None,
        None => return Err(DavXmlError::invalid("principal-match", "neither principal-property nor self")),
    };
    Ok(PrincipalMatch { principal_property, props: props_of(root)? })
}

/// The requests in the `DAV:prop` child, if any.
fn props_of(root: &Element) -> Result<Vec<PropRequest>, DavXmlError> {
    root.dav_child("prop").map(prop_requests).transpose().map(Option::unwrap_or_default)
}
