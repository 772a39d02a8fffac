//! The Sync command as a whole (MS-ASCMD §2.2.1.21): which collections a request names, how
//! long it may wait, and the answer; each collection is then synced as mail (`sync`) or as
//! groupware objects (`objects`).
//!
//! - A full request (Collections, no Partial) is kept with the device's sync states (the
//!   collections, their WindowSize and GetChanges, the global WindowSize and the wait), so an
//!   empty request (no body) repeats it and a Partial one (§2.2.3.131) names only the
//!   collections that differ; the others are taken from the kept one with the key each last
//!   got. With nothing kept: Status 13.
//! - Wait (minutes, §2.2.3.188) or HeartbeatInterval (seconds, §2.2.3.88.2), one of them
//!   (both: Status 4; out of bounds: Status 14 with the bound in Limit): when the answer would
//!   change nothing the device holds, the request is parked (`watch`, as Ping is) until one
//!   of its collections changes — then synced again and answered — or the interval ends —
//!   answered with an empty 200 (§2.2.1.21.1.2). The collections' states were saved under
//!   new keys by the first look; the device keeps the key it sent, which the state kept
//!   before replays, so the parked look costs the device nothing.

use relais_wbxml::Element;
use relais_wbxml::tag::airsync as a;
use serde::{Deserialize, Serialize};

use crate::folders::collection_id;
use crate::watch::{Folders, Watch};
use crate::{Answer, Ctx, text_of};

/// The device sync state's name for its last full Sync request.
const SYNC: &str = "sync";

/// The Wait bounds in minutes (MS-ASCMD §2.2.3.188: 1–59).
const WAIT_MINUTES: (u64, u64) = (1, 59);

/// A kept request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Kept {
    /// Seconds to wait for a change (0: answer at once).
    #[serde(default)]
    wait: u64,
    #[serde(default)]
    window: Option<usize>,
    collections: Vec<KeptCollection>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct KeptCollection {
    id: String,
    #[serde(default)]
    window: Option<usize>,
    #[serde(default)]
    get_changes: Option<String>,
}

impl KeptCollection {
    fn of(c: &Element) -> KeptCollection {
        KeptCollection {
            id: text_of(c, a::COLLECTION_ID).unwrap_or_default(),
            window: text_of(c, a::WINDOW_SIZE).and_then(|w| w.parse().ok()),
            get_changes: text_of(c, a::GET_CHANGES),
        }
    }

    /// The collection as the device would send it again: with the key it last got (an
    /// unknown key when it has none, which the collection answers with Status 3).
    fn request(&self, key: Option<u32>) -> Element {
        let mut c = Element::new(a::COLLECTION)
            .with_leaf(a::SYNC_KEY, key.map(|k| k.to_string()).unwrap_or_default())
            .with_leaf(a::COLLECTION_ID, self.id.as_str());
        if let Some(g) = &self.get_changes {
            c = c.with_leaf(a::GET_CHANGES, g.as_str());
        }
        if let Some(w) = self.window {
            c = c.with_leaf(a::WINDOW_SIZE, w.to_string());
        }
        c
    }
}

fn global(status: u32) -> Answer {
    Answer::Doc(Element::new(a::SYNC).with_leaf(a::STATUS, status.to_string()))
}

fn limited(status: u32, limit: u64) -> Answer {
    Answer::Doc(Element::new(a::SYNC).with_leaf(a::STATUS, status.to_string()).with_leaf(a::LIMIT, limit.to_string()))
}

/// The wait a request asks for, in seconds: `Ok(None)` when it names none, else the answer
/// refusing it.
fn wait_of(req: &Element, heartbeat: (u64, u64)) -> Result<Option<u64>, Answer> {
    let wait = text_of(req, a::WAIT);
    let beat = text_of(req, a::HEARTBEAT_INTERVAL);
    let (text, (min, max), unit) = match (wait, beat) {
        (Some(_), Some(_)) => return Err(global(4)),
        (Some(w), None) => (w, WAIT_MINUTES, 60),
        (None, Some(h)) => (h, heartbeat, 1),
        (None, None) => return Ok(None),
    };
    let Ok(n) = text.parse::<u64>() else { return Err(global(4)) };
    if n < min {
        return Err(limited(14, min));
    }
    if n > max {
        return Err(limited(14, max));
    }
    Ok(Some(n * unit))
}

pub(crate) async fn sync(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let req = body.unwrap_or_else(|| Element::new(a::SYNC));
    if req.tag != a::SYNC {
        return global(4);
    }
    let config = &ctx.eas.config;
    let wait = match wait_of(&req, config.heartbeat) {
        Ok(w) => w,
        Err(answer) => return answer,
    };
    let listed: Vec<&Element> =
        req.child(a::COLLECTIONS).map(|c| c.children_with(a::COLLECTION).collect()).unwrap_or_default();
    if listed.len() > config.max_sync_collections {
        return limited(15, config.max_sync_collections as u64);
    }
    // Each command is a write: a request holding more than one collection may is refused
    // whole, before any (else 300 collections of 1,000 each).
    let commands: usize = listed.iter().filter_map(|c| c.child(a::COMMANDS)).map(|c| c.elements().count()).sum();
    if commands > crate::sync::MAX_COMMANDS {
        return global(4);
    }
    let dir = &ctx.eas.directory;
    let device = &ctx.query.device_id;
    let kept: Option<Kept> = match dir.sync_state(&ctx.actor, device, SYNC).await {
        Ok(s) => s.and_then(|s| serde_json::from_str(&s.state).ok()),
        Err(e) => {
            tracing::warn!(error = %e, "eas: kept sync request unreadable");
            return global(16);
        }
    };
    let whole = req.has(a::COLLECTIONS) && !req.has(a::PARTIAL);
    let window = text_of(&req, a::WINDOW_SIZE).and_then(|w| w.parse::<usize>().ok());
    let plan = if whole {
        Kept { wait: wait.unwrap_or(0), window, collections: listed.iter().map(|c| KeptCollection::of(c)).collect() }
    } else {
        // Empty or Partial: the kept request, with what this one says over it.
        let Some(mut plan) = kept.clone() else { return global(13) };
        plan.wait = wait.unwrap_or(plan.wait);
        plan.window = window.or(plan.window);
        for c in &listed {
            let c = KeptCollection::of(c);
            match plan.collections.iter_mut().find(|k| k.id == c.id) {
                Some(k) => *k = c,
                None => plan.collections.push(c),
            }
        }
        if plan.collections.len() > config.max_sync_collections {
            return limited(15, config.max_sync_collections as u64);
        }
        plan
    };
    if plan.collections.is_empty() {
        return global(13);
    }
    if kept.as_ref() != Some(&plan) {
        ctx.keep_request(SYNC, &plan).await;
    }
    // The collections to sync: those of the request as sent, the others as kept.
    let mut collections = Vec::with_capacity(plan.collections.len());
    for k in &plan.collections {
        match listed.iter().find(|c| text_of(c, a::COLLECTION_ID).as_deref() == Some(k.id.as_str())) {
            Some(c) => collections.push((*c).clone()),
            None => {
                let key = match dir.sync_state(&ctx.actor, device, &k.id).await {
                    Ok(s) => s.map(|s| s.key).filter(|k| *k > 0),
                    Err(_) => return global(16),
                };
                collections.push(k.request(key));
            }
        }
    }
    let watch = match plan.wait {
        0 => None,
        _ => match Watch::start(ctx).await {
            Some(w) => Some(w),
            None => return global(16),
        },
    };
    let mut out = run(ctx, &collections, plan.window).await;
    if let Some(mut watch) = watch
        && quiet(&collections, &out)
    {
        // Each collection once, however often the request names it.
        let folders: Folders =
            plan.collections.iter().filter_map(|k| Some((k.id.clone(), collection_id(&k.id)?))).collect();
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(plan.wait);
        if watch.wait(ctx, &folders, deadline).await.is_empty() {
            return Answer::Empty;
        }
        out = run(ctx, &collections, plan.window).await;
    }
    Answer::Doc(Element::new(a::SYNC).with(Element::new(a::COLLECTIONS).with_all(out)))
}

async fn run(ctx: &Ctx<'_>, collections: &[Element], window: Option<usize>) -> Vec<Element> {
    let mut out = Vec::with_capacity(collections.len());
    // The answer's content, shared by its collections.
    let mut budget = ctx.eas.config.max_answer_bytes;
    for c in collections {
        out.push(crate::sync::collection(ctx, c, window, &mut budget).await);
    }
    out
}

/// Whether an answer changes nothing the device holds, so a request with a wait may park:
/// no collection starts (key 0) or carries the device's commands, and every one answered
/// Status 1 with no commands, responses or more to come.
fn quiet(request: &[Element], answer: &[Element]) -> bool {
    let asks = |c: &Element| c.has(a::COMMANDS) || text_of(c, a::SYNC_KEY).as_deref() == Some("0");
    let tells = |c: &Element| {
        text_of(c, a::STATUS).as_deref() != Some("1")
            || c.has(a::COMMANDS)
            || c.has(a::RESPONSES)
            || c.has(a::MORE_AVAILABLE)
    };
    !request.iter().any(asks) && !answer.iter().any(tells)
}
