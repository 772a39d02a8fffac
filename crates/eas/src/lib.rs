//! Exchange ActiveSync ([MS-ASCMD] over [MS-ASHTTP]) on the domain layer: a request arrives
//! authenticated (the HTTP layer checked the credentials, TLS and throttling), its query is
//! parsed by `relais-eas-proto`, its body by `relais-wbxml`, and each command calls the mail
//! and directory domains with the acting principal; nothing here writes the store.
//!
//! - [`Eas::handle`]: OPTIONS (versions and commands), then per POST: the device registered or
//!   refused (a wiped device is refused), the policy key checked (Provision aside), the command.
//! - Commands: Provision (`provision`), FolderSync and FolderCreate/Update/Delete (`folders`),
//!   Sync (`sync_request`: kept requests, Wait) of mail folders (`sync`)
//!   and of address books, calendars, task lists and notes (`objects`, with the classes
//!   `contacts`, `calendar`, `tasks`, `notes`), MeetingResponse (`meeting`),
//!   Ping (`ping`; its waiting in `watch`, shared with Sync), SendMail (`sendmail`), ItemOperations Fetch, EmptyFolderContents and Move (`itemops`), MoveItems
//!   (`moveitems`), GetItemEstimate (`estimate`), Search (GAL, and the mailbox in
//!   `mailbox_search`) and Find (`search`), ResolveRecipients with free/busy (`resolve`), Settings UserInformation/DeviceInformation (`settings`).
//! - Sync states live with the device (`relais_directory::devices`): a key, what it stands for,
//!   and the key before it, so a device that lost an answer can ask again.
//!
//! [MS-ASCMD]: https://learn.microsoft.com/openspecs/exchange_server_protocols/ms-ascmd
//! [MS-ASHTTP]: https://learn.microsoft.com/openspecs/exchange_server_protocols/ms-ashttp

mod calendar;
mod contacts;
mod email;
mod estimate;
mod folders;
mod itemops;
mod mailbox_search;
mod meeting;
mod moveitems;
mod notes;
mod objects;
mod ping;
mod provision;
mod resolve;
mod search;
mod sendmail;
mod settings;
mod sync;
mod sync_request;
mod tasks;
mod watch;

use std::time::Duration;

use relais_directory::Directory;
use relais_directory::access::{Actor, Protocol};
use relais_directory::policy::DevicePolicy;
use relais_eas_proto::{Command, ProtocolVersion, Query};
use relais_mail::Mailer;
use relais_store::{Device, Principal, Store};
use relais_wbxml::{Element, Tag};

/// The versions offered: the 14.x and 16.x command sets (every phone of the last decade speaks
/// 14.1 or 16.1). A 12.1 request is taken too, so an older device can provision; 2.5–12.0
/// clients are told to use one of these.
pub const VERSIONS: &str = "14.0,14.1,16.0,16.1";

/// The commands served, as OPTIONS lists them.
pub const COMMANDS: &str = "Sync,SendMail,SmartReply,SmartForward,FolderSync,FolderCreate,FolderUpdate,FolderDelete,MoveItems,GetItemEstimate,MeetingResponse,Search,Settings,Ping,ItemOperations,Provision,ResolveRecipients,Find";

/// Bounds a client's requests cannot move.
#[derive(Debug, Clone)]
pub struct EasConfig {
    /// Devices must acknowledge the policy before anything else (MS-ASPROV).
    pub require_provisioning: bool,
    /// Most items one Sync answer adds per collection (MS-ASCMD §2.2.3.199: 512).
    pub max_window: usize,
    /// The Ping heartbeat bounds in seconds (Exchange's: 60–3540).
    pub heartbeat: (u64, u64),
    /// Most folders one Ping watches.
    pub max_ping_folders: usize,
    /// Most collections in one Sync request.
    pub max_sync_collections: usize,
    /// Octets of content (bodies, MIME, attachments) one Sync or ItemOperations answer holds
    /// at most: past it the rest waits for the next request (Sync's MoreAvailable), so a
    /// request never makes the server hold a window of 512 large messages at once. The first
    /// item of an answer is sent whatever its size.
    pub max_answer_bytes: usize,
}

impl Default for EasConfig {
    fn default() -> Self {
        EasConfig {
            require_provisioning: true,
            max_window: 512,
            heartbeat: (60, 3540),
            max_ping_folders: 300,
            max_sync_collections: 300,
            max_answer_bytes: 16 << 20,
        }
    }
}

/// The ActiveSync service.
#[derive(Clone)]
pub struct Eas {
    pub(crate) directory: Directory,
    pub(crate) mailer: Mailer,
    pub(crate) groupware: relais_groupware::Groupware,
    pub(crate) config: EasConfig,
}

/// An authenticated request.
pub struct Request<'a> {
    pub method: &'a str,
    pub query: Option<&'a str>,
    /// `MS-ASProtocolVersion`.
    pub version: Option<&'a str>,
    /// `X-MS-PolicyKey`.
    pub policy_key: Option<&'a str>,
    pub principal: &'a Principal,
    pub body: &'a [u8],
}

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    fn empty(status: u16) -> Reply {
        Reply { status, headers: Vec::new(), body: Vec::new() }
    }

    fn text(status: u16, text: &str) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type", "text/plain; charset=utf-8".into())],
            body: text.as_bytes().to_vec(),
        }
    }

    fn wbxml(doc: &Element) -> Reply {
        match relais_wbxml::encode(doc) {
            Ok(body) => Reply { status: 200, headers: vec![("Content-Type", CONTENT_TYPE.into())], body },
            Err(e) => {
                tracing::error!(error = %e, "eas: an answer did not encode");
                Reply::empty(500)
            }
        }
    }
}

pub const CONTENT_TYPE: &str = "application/vnd.ms-sync.wbxml";

/// One command's context.
pub(crate) struct Ctx<'a> {
    pub eas: &'a Eas,
    pub actor: Actor,
    pub principal: &'a Principal,
    pub device: Device,
    pub version: ProtocolVersion,
    pub query: Query,
    /// The device policy in force for the account, read once per request when needed.
    policy: tokio::sync::OnceCell<DevicePolicy>,
}

impl Ctx<'_> {
    pub fn store(&self) -> &Store {
        self.eas.mailer.store()
    }

    /// The device policy in force for the account (its domain's with its own over it); the
    /// permissive default when it cannot be read.
    pub async fn policy(&self) -> &DevicePolicy {
        self.policy
            .get_or_init(|| async {
                match self.eas.directory.effective_device_policy(&self.actor, self.actor.principal).await {
                    Ok(p) => p,
                    Err(e) => {
                        tracing::warn!(error = %e, "eas: device policy unreadable");
                        DevicePolicy::default()
                    }
                }
            })
            .await
    }

    /// Keeps a request of the device under `name` with its sync states (a Ping's folders, a
    /// Sync's collections), for a later request without a body to repeat. Not kept is logged:
    /// the device is then asked for the whole request again.
    pub async fn keep_request<T: serde::Serialize>(&self, name: &str, request: &T) {
        let state = relais_store::SyncState {
            key: 1,
            state: serde_json::to_string(request).unwrap_or_default(),
            ..Default::default()
        };
        if let Err(e) = self.eas.directory.save_sync_state(&self.actor, &self.query.device_id, name, state).await {
            tracing::warn!(error = %e, name, "eas: request not kept");
        }
    }
}

/// A command's answer: a document, an empty 200, or an HTTP status.
pub(crate) enum Answer {
    Doc(Element),
    Empty,
    Status(u16, &'static str),
}

impl Eas {
    pub fn new(directory: Directory, mailer: Mailer, groupware: relais_groupware::Groupware, config: EasConfig) -> Eas {
        Eas { directory, mailer, groupware, config }
    }

    pub(crate) fn groupware(&self) -> &relais_groupware::Groupware {
        &self.groupware
    }

    pub async fn handle(&self, req: Request<'_>) -> Reply {
        match req.method {
            "OPTIONS" => Reply {
                status: 200,
                headers: vec![
                    ("MS-ASProtocolVersions", VERSIONS.into()),
                    ("MS-ASProtocolCommands", COMMANDS.into()),
                    ("MS-Server-ActiveSync", "16.1".into()),
                    ("Allow", "OPTIONS,POST".into()),
                    ("Public", "OPTIONS,POST".into()),
                    ("Cache-Control", "private".into()),
                ],
                body: Vec::new(),
            },
            "POST" => self.post(req).await,
            _ => Reply { headers: vec![("Allow", "OPTIONS,POST".into())], ..Reply::text(405, "method not allowed") },
        }
    }

    async fn post(&self, req: Request<'_>) -> Reply {
        let query = match Query::parse(req.query.unwrap_or_default()) {
            Ok(q) => q,
            Err(e) => return Reply::text(400, &format!("not an ActiveSync request: {e}")),
        };
        let version = query.version.or_else(|| req.version.and_then(ProtocolVersion::from_header));
        // 12.1 is taken, not offered: a device that speaks only 12.1 still provisions (HTTP
        // 449 asks it to) and gets the 14.0 forms of the commands.
        let served = |v: &ProtocolVersion| matches!(v.as_str(), "12.1" | "14.0" | "14.1" | "16.0" | "16.1");
        let Some(version) = version.filter(served) else {
            let mut r = Reply::text(400, "protocol version missing or not served");
            r.headers.push(("MS-ASProtocolVersions", VERSIONS.into()));
            return r;
        };
        let actor = Actor::new(req.principal.id, Protocol::ActiveSync);
        let device = match self.directory.device_seen(&actor, &query.device_id, &query.device_type, None).await {
            Ok(d) => d,
            // One device more than the account may hold: MS-ASCMD §2.2.2 Status 177 (too many
            // partnerships) in the command's root, else 403.
            Err(relais_directory::DirectoryError::Store(relais_store::Error::Limit(e))) => {
                tracing::info!(error = %e, "eas: device refused");
                return match refusal_root(query.command) {
                    Some((root, status)) => Reply::wbxml(&Element::new(root).with_leaf(status, "177")),
                    None => Reply::text(403, "this account holds as many devices as it may"),
                };
            }
            Err(e) => {
                tracing::warn!(error = %e, "eas: device not recorded");
                return Reply::empty(503);
            }
        };
        if device.wipe.done() {
            return Reply::text(403, "this device was wiped; an administrator must remove it first");
        }
        let key = query.policy_key.or_else(|| req.policy_key.and_then(|k| k.trim().parse().ok())).unwrap_or(0);
        let command = query.command;
        let ctx =
            Ctx { eas: self, actor, principal: req.principal, device, version, query, policy: Default::default() };
        if command != Command::Provision
            && let Some(status) = self.policy_refusal(&ctx, key)
        {
            // Up to 12.1 the refusal is HTTP 449 (MS-ASHTTP §3.2.5.1, MS-ASPROV §3.2.5.1.2);
            // from 14.0 a status in the command's own root.
            return match refusal_root(command).filter(|_| ctx.version.as_str() != "12.1") {
                Some((root, status_tag)) => Reply::wbxml(&Element::new(root).with_leaf(status_tag, status.to_string())),
                None => Reply::empty(449),
            };
        }
        let body = if req.body.is_empty() {
            None
        } else {
            match relais_wbxml::decode(req.body) {
                Ok(doc) => Some(doc),
                Err(e) => {
                    tracing::debug!(error = %e, command = command.name(), "eas: body refused");
                    return Reply::text(400, &format!("malformed WBXML: {e}"));
                }
            }
        };
        // Each command's future boxed: a parked Ping holds only its own state, not the
        // largest command's (the request future is as large as its largest variant).
        let answer = match command {
            Command::Provision => Box::pin(provision::provision(&ctx, body)).await,
            Command::FolderSync => Box::pin(folders::folder_sync(&ctx, body)).await,
            Command::FolderCreate => {
                folders::folder_change(&ctx, body, relais_wbxml::tag::folderhierarchy::FOLDER_CREATE).await
            }
            Command::FolderUpdate => {
                folders::folder_change(&ctx, body, relais_wbxml::tag::folderhierarchy::FOLDER_UPDATE).await
            }
            Command::FolderDelete => {
                folders::folder_change(&ctx, body, relais_wbxml::tag::folderhierarchy::FOLDER_DELETE).await
            }
            Command::Sync => Box::pin(sync_request::sync(&ctx, body)).await,
            Command::Ping => Box::pin(ping::ping(&ctx, body)).await,
            Command::SendMail => Box::pin(sendmail::send_mail(&ctx, body, req.body)).await,
            Command::SmartReply => {
                Box::pin(sendmail::smart(&ctx, body, relais_wbxml::tag::composemail::SMART_REPLY)).await
            }
            Command::SmartForward => {
                Box::pin(sendmail::smart(&ctx, body, relais_wbxml::tag::composemail::SMART_FORWARD)).await
            }
            Command::ItemOperations => Box::pin(itemops::item_operations(&ctx, body)).await,
            Command::MoveItems => Box::pin(moveitems::move_items(&ctx, body)).await,
            Command::GetItemEstimate => Box::pin(estimate::get_item_estimate(&ctx, body)).await,
            Command::Settings => Box::pin(settings::settings(&ctx, body)).await,
            Command::Search => Box::pin(search::search(&ctx, body)).await,
            Command::ResolveRecipients => Box::pin(resolve::resolve_recipients(&ctx, body)).await,
            Command::Find => Box::pin(search::find(&ctx, body)).await,
            Command::MeetingResponse => Box::pin(meeting::meeting_response(&ctx, body)).await,
            other => {
                tracing::debug!(command = other.name(), "eas: command not served");
                Answer::Status(501, "command not implemented")
            }
        };
        match answer {
            Answer::Doc(doc) => Reply::wbxml(&doc),
            Answer::Empty => Reply::empty(200),
            Answer::Status(status, text) => Reply::text(status, text),
        }
    }

    /// The status refusing a command from a device without a valid policy key (MS-ASPROV
    /// §3.2.5.1.2): 142 without a key, 144 with one that is not its key, 140 when a wipe
    /// waits (the device provisions and is told to wipe).
    fn policy_refusal(&self, ctx: &Ctx<'_>, key: u32) -> Option<u32> {
        if ctx.device.wipe.pending() {
            return Some(140);
        }
        if !self.config.require_provisioning {
            return None;
        }
        match (key, ctx.device.policy_key) {
            (_, 0) | (0, _) => Some(142),
            (k, held) if k != held => Some(144),
            _ => None,
        }
    }
}

/// The root and status element a policy refusal of `command` is written with.
fn refusal_root(command: Command) -> Option<(Tag, Tag)> {
    use relais_wbxml::tag::{airsync, composemail, folderhierarchy as fh, itemoperations, moveitems, ping, settings};
    Some(match command {
        Command::FolderSync => (fh::FOLDER_SYNC, fh::STATUS),
        Command::FolderCreate => (fh::FOLDER_CREATE, fh::STATUS),
        Command::FolderUpdate => (fh::FOLDER_UPDATE, fh::STATUS),
        Command::FolderDelete => (fh::FOLDER_DELETE, fh::STATUS),
        Command::Sync => (airsync::SYNC, airsync::STATUS),
        Command::Ping => (ping::PING, ping::STATUS),
        Command::SendMail => (composemail::SEND_MAIL, composemail::STATUS),
        Command::SmartReply => (composemail::SMART_REPLY, composemail::STATUS),
        Command::SmartForward => (composemail::SMART_FORWARD, composemail::STATUS),
        Command::ItemOperations => (itemoperations::ITEM_OPERATIONS, itemoperations::STATUS),
        Command::MoveItems => (moveitems::MOVE_ITEMS, moveitems::STATUS),
        Command::GetItemEstimate => {
            (relais_wbxml::tag::getitemestimate::GET_ITEM_ESTIMATE, relais_wbxml::tag::getitemestimate::STATUS)
        }
        Command::Settings => (settings::SETTINGS, settings::STATUS),
        Command::Search => (relais_wbxml::tag::search::SEARCH, relais_wbxml::tag::search::STATUS),
        Command::Find => (relais_wbxml::tag::find::FIND, relais_wbxml::tag::find::STATUS),
        Command::ResolveRecipients => {
            (relais_wbxml::tag::resolverecipients::RESOLVE_RECIPIENTS, relais_wbxml::tag::resolverecipients::STATUS)
        }
        Command::MeetingResponse => {
            (relais_wbxml::tag::meetingresponse::MEETING_RESPONSE, relais_wbxml::tag::meetingresponse::STATUS)
        }
        _ => return None,
    })
}

/// A FilterType within a policy's oldest window (MaxEmailAgeFilter, MaxCalendarAgeFilter;
/// MS-ASPROV §2.2.2.31–32): 0 (everything) or an older window than the policy's is the
/// policy's; a policy of 0 or none allows any.
pub(crate) fn clamp_filter(filter: u8, max: Option<u8>) -> u8 {
    match max {
        Some(m) if m > 0 && (filter == 0 || filter > m) => m,
        _ => filter,
    }
}

/// A heartbeat or wait, bounded.
pub(crate) fn clamp(secs: u64, (min, max): (u64, u64)) -> Duration {
    Duration::from_secs(secs.clamp(min, max))
}

/// The text of `tag` under `e`, trimmed.
pub(crate) fn text_of(e: &Element, tag: Tag) -> Option<String> {
    e.text_of(tag).map(|t| t.trim().to_owned())
}

/// The state a device holds when it sends `key` for a folder whose stored sync state is
/// `stored`: `Ok(None)` for key 0 (it starts over), the state behind the current key or the
/// one before it (it lost the answer that moved it on), and `Err(())` for any other key or a
/// state that cannot be read — the device is then told to start over (Sync Status 3,
/// FolderSync Status 9), never answered as if it had sent key 0, which would send it
/// everything it holds again.
pub(crate) fn held_state<T: serde::de::DeserializeOwned>(
    key: u32,
    stored: &relais_store::SyncState,
) -> Result<Option<T>, ()> {
    let text = match key {
        0 => return Ok(None),
        k if k == stored.key => &stored.state,
        k if k == stored.prev_key => &stored.prev_state,
        _ => return Err(()),
    };
    serde_json::from_str(text).map(Some).map_err(|e| tracing::warn!(error = %e, "eas: a sync state unreadable"))
}

/// About how many octets `e` takes in an answer: its text and opaque data, and a few for
/// each element.
pub(crate) fn weight(e: &Element) -> usize {
    let mut total = 0usize;
    let mut stack = vec![e];
    while let Some(e) = stack.pop() {
        total = total.saturating_add(2);
        for n in &e.children {
            match n {
                relais_wbxml::Node::Element(c) => stack.push(c),
                relais_wbxml::Node::Text(t) => total = total.saturating_add(t.len()),
                relais_wbxml::Node::Opaque(b) => total = total.saturating_add(b.len()),
            }
        }
    }
    total
}

/// An ActiveSync date-time (MS-ASDTYPE §2.3: `2009-02-19T08:35:17.000Z`).
pub(crate) fn date_time(unix: i64) -> String {
    let t = relais_civil::DateTime::from_unix(unix);
    format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.000Z", t.year, t.month, t.day, t.hour, t.minute, t.second)
}

#[cfg(test)]
mod tests {
    use relais_eas_proto::Command;

    /// OPTIONS names every command served, and only those: the commands with a root to
    /// answer a policy refusal in are the ones dispatched, with Provision.
    #[test]
    fn options_lists_the_commands_served() {
        let listed: Vec<&str> = super::COMMANDS.split(',').collect();
        for command in Command::all() {
            let served = command == Command::Provision || super::refusal_root(command).is_some();
            assert_eq!(listed.contains(&command.name()), served, "{}", command.name());
        }
        assert_eq!(listed.len(), Command::all().filter(|c| listed.contains(&c.name())).count());
    }

    #[test]
    fn filters_within_the_policy() {
        // (asked, policy's max) -> used
        for (asked, max, used) in
            [(0, None, 0), (3, None, 3), (0, Some(3), 3), (5, Some(3), 3), (2, Some(3), 2), (5, Some(0), 5)]
        {
            assert_eq!(super::clamp_filter(asked, max), used, "{asked} {max:?}");
        }
    }
}
