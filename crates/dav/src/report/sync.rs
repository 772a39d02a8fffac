//! sync-collection (RFC 6578 §3.2) from the store's per-collection change log: members
//! changed since the token with their properties, removed ones as 404, and a new token. A
//! token older than the log's window, or of another collection, is 403 DAV:valid-sync-token.

use hyper::StatusCode;
use relais_dav_proto::{Multistatus, PropFind, PropRequest, SyncCollection, names};
use relais_store::{ChangeKind, Modseq, ResourceContent};

use super::{collection_of, fill_missing, write_resource};
use crate::node::Node;
use crate::path;
use crate::path::Home;
use crate::props::{gal_sync_token, parse_gal_sync_token, parse_sync_token, sync_token};
use crate::{Ctx, Reply, Result, internal};
use relais_groupware::gal::{self, card_name as gal_card_name};
use relais_store::{AccountId, DataType};

pub(crate) async fn collection(ctx: &Ctx<'_>, node: &Node, s: SyncCollection) -> Result<Reply> {
    let home = match node {
        Node::Collection(h, ..) => *h,
        _ => return Err(Reply::precondition(StatusCode::FORBIDDEN, &names::SUPPORTED_REPORT)),
    };
    let (owner, c) = collection_of(node, home)?;
    let invalid = || Reply::precondition(StatusCode::FORBIDDEN, &names::VALID_SYNC_TOKEN);
    let since = if s.sync_token.trim().is_empty() {
        None
    } else {
        match parse_sync_token(&s.sync_token) {
            Some((cid, m)) if cid == c.id.0 => Some(Modseq(m)),
            _ => return Err(invalid()),
        }
    };
    let id = c.id;
    let limit = s.limit.map(|l| l as usize);
    let result = ctx
        .dav
        .groupware
        .store()
        .read(move |r| {
            let now = r.collection(id)?;
            let (mut changed, removed, token, truncated) = match since {
                None => {
                    let names: Vec<String> = r.resources(id)?.into_iter().map(|x| x.name).collect();
                    (names, Vec::new(), now.clone(), false)
                }
                Some(m) => {
                    let mut changes = r.collection_changes_since(id, m)?;
                    let mut token = now.clone();
                    let mut truncated = false;
                    if let Some(l) = limit.filter(|l| *l < changes.len()) {
                        // Never split one modseq: a client resuming from it would miss the rest.
                        let last = changes[l.max(1) - 1].modseq;
                        changes.retain(|c| c.modseq <= last);
                        token.modseq = last;
                        truncated = true;
                    }
                    let (gone, present): (Vec<_>, Vec<_>) =
                        changes.into_iter().partition(|c| c.kind == ChangeKind::Destroyed);
                    (
                        present.into_iter().filter_map(|c| c.name).collect(),
                        gone.into_iter().filter_map(|c| c.name).collect(),
                        token,
                        truncated,
                    )
                }
            };
            changed.sort();
            let rows = r.resources_named(id, &changed.iter().map(String::as_str).collect::<Vec<_>>())?;
            Ok((rows, removed, token, truncated))
        })
        .await;
    let (mut rows, removed, token, truncated): (Vec<ResourceContent>, Vec<String>, relais_store::Collection, bool) =
        match result {
            Ok(v) => v,
            Err(relais_store::Error::ChangesTooOld { .. }) => return Err(invalid()),
            Err(e) => return Err(internal(e)),
        };
    fill_missing(ctx, &mut rows).await?;
    let props = sync_props(s.props);
    let owner = owner.address();
    let mut out = Multistatus::new();
    for r in &rows {
        let href = path::resource_href(home, &owner, &c.name, &r.resource.name);
        write_resource(ctx, &mut out, &href, home, r, &props);
    }
    for name in removed.iter().filter(|n| !rows.iter().any(|r| r.resource.name == **n)) {
        out.response_status(&path::resource_href(home, &owner, &c.name, name), 404);
    }
    if truncated {
        // RFC 6578 §3.6: more changes remain; the client asks again with the new token.
        out.response_status(&path::collection_href(home, &owner, &c.name), 507);
    }
    out.sync_token(&sync_token(&token));
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}

/// sync-collection on the global address list: changes from the directory's own change log
/// (principals created, changed or removed since the token's directory modseq).
pub(crate) async fn gal(ctx: &Ctx<'_>, node: &Node, s: SyncCollection) -> Result<Reply> {
    let Node::Gal(owner, None) = node else {
        return Err(Reply::precondition(StatusCode::FORBIDDEN, &names::SUPPORTED_REPORT));
    };
    let invalid = || Reply::precondition(StatusCode::FORBIDDEN, &names::VALID_SYNC_TOKEN);
    let since = match s.sync_token.trim() {
        "" => None,
        t => Some(Modseq(parse_gal_sync_token(t).ok_or_else(invalid)?)),
    };
    let (cards, state) = ctx.gal().await?;
    let (changed, removed): (Vec<String>, Vec<String>) = match since {
        None => (cards.iter().map(|c| c.resource.name.clone()).collect(), Vec::new()),
        Some(m) => {
            let changes = ctx
                .dav
                .groupware
                .store()
                .read(move |r| r.changes_since(AccountId::DIRECTORY, DataType::Principal, m))
                .await;
            let changes = match changes {
                Ok(c) => c,
                Err(relais_store::Error::ChangesTooOld { .. }) => return Err(invalid()),
                Err(e) => return Err(internal(e)),
            };
            let name = |id: &i64| gal_card_name(AccountId(*id));
            let mut changed: Vec<String> =
                changes.created.iter().chain(&changes.updated).filter(|id| **id > 0).map(name).collect();
            changed.retain(|n| cards.iter().any(|c| c.resource.name == *n));
            (changed, changes.destroyed.iter().filter(|id| **id > 0).map(name).collect())
        }
    };
    let props = sync_props(s.props);
    let owner = owner.address();
    let mut out = Multistatus::new();
    for r in cards.iter().filter(|c| changed.contains(&c.resource.name)) {
        let href = path::resource_href(Home::AddressBooks, &owner, gal::NAME, &r.resource.name);
        write_resource(ctx, &mut out, &href, Home::AddressBooks, r, &props);
    }
    for name in &removed {
        out.response_status(&path::resource_href(Home::AddressBooks, &owner, gal::NAME, name), 404);
    }
    out.sync_token(&gal_sync_token(state));
    Ok(Reply::xml(StatusCode::MULTI_STATUS, out.into_bytes()))
}

/// What a sync-collection asks for each changed member; the ETag when it names nothing.
fn sync_props(props: Vec<PropRequest>) -> PropFind {
    if props.is_empty() { PropFind::Prop(vec![PropRequest::new(names::GETETAG)]) } else { PropFind::Prop(props) }
}
