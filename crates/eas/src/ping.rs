//! Ping (MS-ASCMD §2.2.1.13): the device names folders and a heartbeat; the request is held
//! (`watch`) until one of the folders changes, then they are named (Status 2), or the
//! heartbeat ends it (Status 1).
//! The folder list and heartbeat are kept with the device, so a Ping without a body repeats
//! the last one.

use relais_wbxml::Element;
use relais_wbxml::tag::ping as p;
use serde::{Deserialize, Serialize};

use crate::folders::collection_id;
use crate::watch::Folders;
use crate::{Answer, Ctx, clamp, text_of};

/// The device sync state's name for its last Ping.
const PING: &str = "ping";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Parked {
    heartbeat: u64,
    folders: Vec<String>,
}

fn status(code: u32) -> Element {
    Element::new(p::PING).with_leaf(p::STATUS, code.to_string())
}

pub(crate) async fn ping(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let config = &ctx.eas.config;
    let last: Parked = match dir.sync_state(&ctx.actor, device, PING).await {
        Ok(Some(s)) => serde_json::from_str(&s.state).unwrap_or_default(),
        Ok(None) => Parked::default(),
        Err(e) => {
            tracing::warn!(error = %e, "eas: ping state unreadable");
            return Answer::Doc(status(8));
        }
    };
    let mut parked = last.clone();
    if let Some(req) = &body {
        if req.tag != p::PING {
            return Answer::Doc(status(4));
        }
        if let Some(h) = text_of(req, p::HEARTBEAT_INTERVAL) {
            let Ok(h) = h.parse::<u64>() else { return Answer::Doc(status(4)) };
            let (min, max) = config.heartbeat;
            if h < min || h > max {
                return Answer::Doc(
                    status(5).with_leaf(p::HEARTBEAT_INTERVAL, if h < min { min } else { max }.to_string()),
                );
            }
            parked.heartbeat = h;
        }
        if let Some(folders) = req.child(p::FOLDERS) {
            let ids: Vec<String> = folders.children_with(p::FOLDER).filter_map(|f| text_of(f, p::ID)).collect();
            if ids.len() > config.max_ping_folders {
                return Answer::Doc(status(6).with_leaf(p::MAX_FOLDERS, config.max_ping_folders.to_string()));
            }
            parked.folders = ids;
        }
    }
    // Not held while parked.
    drop(body);
    if parked.heartbeat == 0 || parked.folders.is_empty() {
        return Answer::Doc(status(3));
    }
    if parked.heartbeat != last.heartbeat || parked.folders != last.folders {
        ctx.keep_request(PING, &parked).await;
    }
    // Each folder once, however often the request names it.
    let named = parked.folders.iter().map(|id| Some((id.clone(), collection_id(id)?)));
    let Some(folders) = named.collect::<Option<Folders>>() else { return Answer::Doc(status(7)) };
    let Some(mut watch) = crate::watch::Watch::start(ctx).await else { return Answer::Doc(status(8)) };
    if !watch.readable(ctx, &folders).await {
        return Answer::Doc(status(7));
    }
    let deadline = tokio::time::Instant::now() + clamp(parked.heartbeat, config.heartbeat);
    let changed = watch.wait(ctx, &folders, deadline).await;
    if changed.is_empty() {
        return Answer::Doc(status(1));
    }
    let folders = changed.into_iter().map(|id| Element::leaf(p::FOLDER, id));
    Answer::Doc(status(2).with(Element::new(p::FOLDERS).with_all(folders)))
}
