//! principal-property-search and principal-search-property-set (RFC 3744 §9.4, §9.5), and
//! expand-property (RFC 3253 §3.8) for the href-valued properties of principals and homes.

use std::borrow::Cow;

use hyper::StatusCode;
use relais_dav_proto::{
    ExpandProperty, Multistatus, PrincipalPropertySearch, PropRequest, PropValue, Property, QName, Test, TextMatch,
    names,
};
use relais_store::Principal;

use crate::methods::respond_props;
use crate::node::Node;
use crate::path::{self, Target};
use crate::props::{self, Subject};
use crate::query::text_matches;
use crate::{Ctx, Reply, Result, internal};

/// The properties a principal search can match.
fn searchable(p: &Principal, name: &QName) -> Vec<String> {
    match name.local.as_ref() {
        "displayname" => vec![props::principal_display_name(p)],
        "calendar-user-address-set" | "email-address-set" => vec![format!("mailto:{}", p.address()), p.address()],
        _ => Vec::new(),
    }
}

pub(crate) async fn search(ctx: &Ctx<'_>, s: PrincipalPropertySearch) -> Result<Reply> {
    // Scoped like the address list (the user's own domain by default).
    let all = ctx.dav.directory.visible_principals(&ctx.user).await.map_err(internal)?;
    let mut out = Multistatus::new();
    for p in &all {
        let one = |search: &relais_dav_proto::PropertySearch| {
            let t = TextMatch {
                text: search.text.clone(),
                collation: "i;unicode-casemap".into(),
                negate: false,
                match_type: search.match_type,
            };
            search.props.iter().any(|n| searchable(p, n).iter().any(|v| text_matches(&t, v)))
        };
        let hit = match s.test {
            Test::AnyOf => s.searches.iter().any(one),
            Test::AllOf => s.searches.iter().all(one),
        };
        if hit {
            respond_props(ctx, &mut out, &path::principal_href(&p.address()), &Subject::Principal(p), &s.props);
        }
    }
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}

pub(crate) fn search_set() -> Reply {
    let body = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
        <d:principal-search-property-set xmlns:d=\"DAV:\" xmlns:cal=\"urn:ietf:params:xml:ns:caldav\">\
        <d:principal-search-property><d:prop><d:displayname/></d:prop>\
        <d:description xml:lang=\"en\">Display name</d:description></d:principal-search-property>\
        <d:principal-search-property><d:prop><cal:calendar-user-address-set/></d:prop>\
        <d:description xml:lang=\"en\">Email address</d:description></d:principal-search-property>\
        </d:principal-search-property-set>";
    Reply::xml(StatusCode::OK, body)
}

/// expand-property on the request URI: each requested property, and for href values, the
/// named principals' properties nested in place.
pub(crate) async fn expand(ctx: &Ctx<'_>, node: &Node, wanted: &[ExpandProperty]) -> Result<Reply> {
    let (href, subject_owner) = match node {
        Node::Principal(p) => (path::principal_href(&p.address()), p.clone()),
        Node::Home(h, p) => (path::home_href(*h, &p.address()), p.clone()),
        _ => return Err(Reply::precondition(StatusCode::FORBIDDEN, &names::SUPPORTED_REPORT)),
    };
    let subject = match node {
        Node::Home(h, _) => Subject::Home(*h, &subject_owner),
        _ => Subject::Principal(&subject_owner),
    };
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for w in wanted {
        match props::value(ctx, &subject, &w.name) {
            Some(v) if !w.children.is_empty() => {
                let hrefs: Vec<String> = match &v {
                    PropValue::Href(h) => vec![h.to_string()],
                    PropValue::Hrefs(hs) => hs.iter().map(|h| h.to_string()).collect(),
                    _ => Vec::new(),
                };
                let mut inner = Multistatus::fragment();
                for h in hrefs {
                    if let Some(Target::Principal(user)) = Target::parse(&h)
                        && let Ok(p) = ctx.principal(&user).await
                    {
                        let reqs: Vec<PropRequest> =
                            w.children.iter().map(|c| PropRequest::new(c.name.clone())).collect();
                        respond_props(ctx, &mut inner, &h, &Subject::Principal(&p), &reqs);
                    }
                }
                found.push(Property::new(w.name.clone(), PropValue::Xml(Cow::Owned(inner.into_string()))));
            }
            Some(v) => found.push(Property::new(w.name.clone(), v)),
            None => missing.push(Property::empty(w.name.clone())),
        }
    }
    let mut out = Multistatus::new();
    out.response(&href, &[(200, &found), (404, &missing)]);
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}
