//! The session resource (RFC 8620 §2): capabilities and limits, the accounts the actor
//! reaches (its own and the sharing ones, with isReadOnly), primaryAccounts, and absolute
//! URLs for the API, downloads, uploads, EventSource and WebSocket (RFC 8887 §4). Its state
//! changes when the set of accounts or their writability changes.

use relais_store::{AccountId, Principal};
use serde_json::{Map, Value, json};

use crate::account::{Account, accounts};
use crate::error::MethodError;
use crate::{CAPABILITIES, CORE, Jmap, MAIL, Origin, QUOTA, SECURITY, SUBMISSION, VACATION, WEBSOCKET, ids};

/// The sort properties Email/query takes (RFC 8621 §4.4.2).
pub const EMAIL_SORTS: [&str; 8] =
    ["receivedAt", "size", "from", "to", "subject", "sentAt", "hasKeyword", "allInThreadHaveKeyword"];

/// The deepest mailbox path a client may make (the store's bound).
const MAX_MAILBOX_DEPTH: u64 = 63;

pub(crate) async fn session(jmap: &Jmap, principal: &Principal, origin: &Origin) -> Result<Value, MethodError> {
    let actor = Jmap::actor(principal);
    let list = jmap.store().read(move |r| accounts(r, &actor)).await?;
    let c = &jmap.config;
    let mut capabilities = Map::new();
    capabilities.insert(
        CORE.into(),
        json!({
            "maxSizeUpload": c.max_size_upload,
            "maxConcurrentUpload": c.max_concurrent_upload,
            "maxSizeRequest": c.max_size_request,
            "maxConcurrentRequests": c.max_concurrent_requests,
            "maxCallsInRequest": c.max_calls_in_request,
            "maxObjectsInGet": c.max_objects_in_get,
            "maxObjectsInSet": c.max_objects_in_set,
            "collationAlgorithms": ["i;ascii-casemap", "i;unicode-casemap"],
        }),
    );
    for cap in &CAPABILITIES[1..] {
        capabilities.insert((*cap).into(), json!({}));
    }
    // RFC 8887 §4: the endpoint, ws:// or wss:// as the client reached the API.
    let ws_base = origin.0.replacen("https://", "wss://", 1).replacen("http://", "ws://", 1);
    capabilities.insert(WEBSOCKET.into(), json!({ "url": format!("{ws_base}/jmap/ws"), "supportsPush": true }));
    let mut accounts_json = Map::new();
    for a in &list {
        accounts_json.insert(ids::account(a.id), account_json(a, principal.id));
    }
    let me = ids::account(principal.id);
    let primary: Map<String, Value> =
        CAPABILITIES.iter().map(|c| ((*c).to_owned(), Value::String(me.clone()))).collect();
    let base = &origin.0;
    let state = state_of(&list);
    Ok(json!({
        "capabilities": capabilities,
        "accounts": accounts_json,
        "primaryAccounts": primary,
        "username": principal.address(),
        "apiUrl": format!("{base}/jmap/api"),
        "downloadUrl": format!("{base}/jmap/download/{{accountId}}/{{blobId}}/{{name}}?type={{type}}"),
        "uploadUrl": format!("{base}/jmap/upload/{{accountId}}/"),
        "eventSourceUrl": format!("{base}/jmap/eventsource?types={{types}}&closeafter={{closeafter}}&ping={{ping}}"),
        "state": state,
    }))
}

pub(crate) fn account_json(a: &Account, me: AccountId) -> Value {
    let mut caps = Map::new();
    caps.insert(
        MAIL.into(),
        json!({
            "maxMailboxesPerEmail": null,
            "maxMailboxDepth": MAX_MAILBOX_DEPTH,
            "maxSizeMailboxName": 255,
            "maxSizeAttachmentsPerEmail": 50 * 1024 * 1024,
            "emailQuerySortOptions": EMAIL_SORTS,
            "mayCreateTopLevelMailbox": a.personal,
        }),
    );
    if a.personal {
        // RFC 8621 §1.3.2, RFC 4865: a submission may be held (HOLDFOR / HOLDUNTIL) this long.
        let delay = relais_mail::email_submission::MAX_DELAYED_SEND;
        caps.insert(
            SUBMISSION.into(),
            json!({ "maxDelayedSend": delay, "submissionExtensions": { "FUTURERELEASE": [delay.to_string()] } }),
        );
        caps.insert(VACATION.into(), json!({}));
        caps.insert(
            SECURITY.into(),
            json!({ "minPasswordLength": relais_directory::self_service::MIN_PASSWORD_CHARS }),
        );
    }
    caps.insert(CORE.into(), json!({}));
    caps.insert(QUOTA.into(), json!({}));
    crate::methods::contacts_capability(a, &mut caps);
    crate::methods::calendars_capability(a, &mut caps);
    crate::methods::tasks_capability(a, &mut caps);
    crate::methods::principals_capabilities(a, me, &mut caps);
    json!({
        "name": a.name,
        "isPersonal": a.personal,
        "isReadOnly": a.read_only(),
        "accountCapabilities": caps,
    })
}

/// The session's state alone (what every API response carries as `sessionState`), without
/// building the session object.
pub(crate) async fn state(jmap: &Jmap, principal: &Principal) -> Result<String, MethodError> {
    let actor = Jmap::actor(principal);
    let list = jmap.store().read(move |r| accounts(r, &actor)).await?;
    Ok(state_of(&list))
}

/// The session's state: a hash of what it says of the accounts (FNV-1a, stable across
/// processes and nodes).
fn state_of(list: &[Account]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for a in list {
        for b in format!("{}:{}:{};", a.id, a.name, a.read_only()).bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}
