//! addressbook-query (RFC 6352 §8.6): every card of the address book parsed and filtered;
//! at most `limit` results, then 507 on the request URI (§8.6.1).

use hyper::StatusCode;
use relais_dav_proto::{AddressbookQuery, Multistatus, names};
use relais_groupware::{ContactCard, gal};
use relais_store::ResourceContent;

use super::{collection_of, default_props, fill_missing, write_resource};
use crate::node::Node;
use crate::path::{self, Home};
use crate::query::card_matches;
use crate::{Ctx, Reply, Result, internal};

/// The cards a report on `node` reads: a stored address book's, or the global address list's;
/// with the owner's address and the collection's name for hrefs.
pub(crate) async fn address_book(ctx: &Ctx<'_>, node: &Node) -> Result<(String, String, Vec<ResourceContent>)> {
    if let Node::Gal(owner, None) = node {
        let (rows, _) = ctx.gal().await?;
        return Ok((owner.address(), gal::NAME.to_owned(), rows));
    }
    let (owner, c) = collection_of(node, Home::AddressBooks)?;
    let id = c.id;
    let mut rows = ctx.dav.groupware.store().read(move |r| r.resource_contents(id)).await.map_err(internal)?;
    fill_missing(ctx, &mut rows).await?;
    Ok((owner.address(), c.name.clone(), rows))
}

pub(crate) async fn query(ctx: &Ctx<'_>, node: &Node, q: AddressbookQuery) -> Result<Reply> {
    let (owner, cname, rows) = address_book(ctx, node).await?;
    let props = q.props.unwrap_or_else(default_props);
    let mut out = Multistatus::new();
    let mut written = 0usize;
    for r in &rows {
        let text = String::from_utf8_lossy(r.data.as_deref().unwrap_or_default());
        let Ok(card) = ContactCard::parse(&text) else { continue };
        if !card_matches(&card.card.entries, &q.filter) {
            continue;
        }
        if q.limit.is_some_and(|l| written >= l as usize) {
            out.response_error(
                &path::collection_href(Home::AddressBooks, &owner, &cname),
                507,
                &names::NUMBER_OF_MATCHES_WITHIN_LIMITS,
            );
            break;
        }
        let href = path::resource_href(Home::AddressBooks, &owner, &cname, &r.resource.name);
        write_resource(ctx, &mut out, &href, Home::AddressBooks, r, &props);
        written += 1;
    }
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}
