//! Push (RFC 8620 §7): [`StateFeed`], the one producer of StateChange objects, and the
//! EventSource transport on it (`GET /jmap/eventsource?types=…&closeafter=state|no&ping=N`,
//! §7.3); the WebSocket transport (`websocket`, RFC 8887 §4.3.5) uses the same feed.
//!
//! A feed waits on the store's per-account notifications (as IMAP IDLE and EAS Ping do), so
//! it costs nothing while other accounts change; a commit that touches one of the followed
//! types makes a StateChange naming the accounts whose states (their modseqs) moved since the
//! feed last told them. An EventSource sends the current states first (unless
//! `closeafter=state`), a `state` event per StateChange, and a `ping` event every `ping`
//! seconds (bounded by the configuration) when nothing else was sent.
//!
//! ```text
//! event: state
//! data: {"@type":"StateChange","changed":{"a1":{"Email":"57","Mailbox":"57","Thread":"57"}}}
//!
//! event: ping
//! data: {"interval":300}
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use relais_store::{AccountId, DataType, Modseq, Notification, Principal};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::{Jmap, Reply, account, ids};

/// The JMAP type names pushed, with the store's data type each follows.
const TYPES: [(&str, DataType); 14] = [
    ("Mailbox", DataType::Mailbox),
    ("Email", DataType::Email),
    ("Thread", DataType::Thread),
    ("VacationResponse", DataType::VacationResponse),
    ("Identity", DataType::Identity),
    ("EmailSubmission", DataType::EmailSubmission),
    ("ShareNotification", DataType::ShareNotification),
    ("AddressBook", DataType::AddressBook),
    ("ContactCard", DataType::Contact),
    ("Calendar", DataType::Calendar),
    ("CalendarEvent", DataType::Event),
    ("CalendarEventNotification", DataType::CalendarEventNotification),
    ("TaskList", DataType::TaskList),
    ("Task", DataType::Task),
];

/// The data types of a list of type names, every pushed one for `None`; names of types not
/// pushed here are ignored (the list may name types of capabilities not offered here).
pub(crate) fn types_named<'a>(names: Option<impl Iterator<Item = &'a str>>) -> Vec<DataType> {
    match names {
        None => TYPES.iter().map(|(_, t)| *t).collect(),
        Some(names) => {
            let mut out: Vec<DataType> = Vec::new();
            for n in names {
                if let Some((_, t)) = TYPES.iter().find(|(name, _)| *name == n)
                    && !out.contains(t)
                {
                    out.push(*t);
                }
            }
            out
        }
    }
}

/// The query of an EventSource request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// The types asked for; every pushed type for `*`.
    pub types: Vec<DataType>,
    pub close_after_state: bool,
    /// Seconds between pings; 0 for none.
    pub ping: u64,
}

impl Params {
    /// Parses the query (RFC 8620 §7.3: all three parameters are required).
    pub fn parse(query: &str, bounds: (u64, u64)) -> Result<Params, &'static str> {
        let (mut types, mut close, mut ping) = (None, None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = v.replace("%2C", ",").replace("%2c", ",").replace("%2A", "*").replace("%2a", "*");
            match k {
                "types" => types = Some(types_named((v != "*").then(|| v.split(',')))),
                "closeafter" => {
                    close = Some(match v.as_str() {
                        "state" => true,
                        "no" => false,
                        _ => return Err("closeafter must be state or no"),
                    })
                }
                "ping" => ping = Some(v.parse::<u64>().map_err(|_| "ping must be a number of seconds")?),
                _ => {}
            }
        }
        let ping = ping.ok_or("ping is required")?;
        let ping = if ping == 0 { 0 } else { ping.clamp(bounds.0, bounds.1) };
        Ok(Params {
            types: types.ok_or("types is required")?,
            close_after_state: close.ok_or("closeafter is required")?,
            ping,
        })
    }
}

/// One StateChange (RFC 8620 §7.1): the new states of the accounts that moved, by type, and
/// the pushState that names every followed account's state (RFC 8887 §4.3.5.1).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Change {
    pub changed: Map<String, Value>,
    pub push_state: String,
}

/// The one producer of StateChange objects, for EventSource and WebSocket alike: the accounts
/// a principal reaches, the types followed, and what was last told of each account.
pub(crate) struct StateFeed {
    jmap: Jmap,
    types: Vec<DataType>,
    accounts: Vec<AccountId>,
    own: broadcast::Receiver<Notification>,
    /// Every account's notifications, when the principal reaches shared accounts too.
    shared: Option<broadcast::Receiver<Notification>>,
    /// Accounts notified and not yet told: kept across a `next` that was cancelled.
    pending: BTreeSet<AccountId>,
    /// Each account's state as last told (or as found when the feed opened, or as the client's
    /// pushState said): what the pushState names.
    told: BTreeMap<AccountId, Modseq>,
}

impl StateFeed {
    /// Follows `types` of every account the principal reaches, from their current states.
    pub(crate) async fn open(jmap: &Jmap, principal: &Principal, types: Vec<DataType>) -> relais_store::Result<Self> {
        let actor = Jmap::actor(principal);
        // Subscribed before the states are read: a commit in between is not missed.
        let own = jmap.store().subscribe_account(principal.id);
        let all = jmap.store().subscribe();
        let told = jmap
            .store()
            .read(move |r| {
                let list = account::accounts(r, &actor)?;
                list.iter()
                    .map(|a| Ok((a.id, r.account_modseq(a.id)?)))
                    .collect::<relais_store::Result<BTreeMap<_, _>>>()
            })
            .await?;
        let accounts: Vec<AccountId> = told.keys().copied().collect();
        let shared = (accounts.len() > 1).then_some(all);
        Ok(StateFeed { jmap: jmap.clone(), types, accounts, own, shared, pending: BTreeSet::new(), told })
    }

    /// Every followed account's current state.
    pub(crate) async fn current(&mut self) -> Option<Change> {
        let states = self.states().await?;
        Some(self.tell(&states, |_| true))
    }

    /// The accounts whose states moved since `push_state` (RFC 8887 §4.3.5.2); `None` when none
    /// did. A pushState that is not one of ours names every account.
    pub(crate) async fn since(&mut self, push_state: &str) -> Option<Change> {
        let known = parse_push_state(push_state);
        let states = self.states().await?;
        // What the client knows is told already.
        self.told.extend(states.iter().filter(|(a, m)| known.get(a) == Some(m)));
        let change = self.tell(&states, |a| known.get(&a) != states.get(&a));
        (!change.changed.is_empty()).then_some(change)
    }

    /// Waits for commits of followed accounts touching followed types, and answers the
    /// accounts whose states moved; `None` when the store's notifications end or its state
    /// cannot be read. Cancel-safe: a notification received is kept until told.
    pub(crate) async fn next(&mut self) -> Option<Change> {
        loop {
            while self.pending.is_empty() {
                self.receive().await?;
            }
            // A short pause folds a burst of commits into one StateChange.
            tokio::time::sleep(Duration::from_millis(5)).await;
            let states = self.states().await?;
            let pending = std::mem::take(&mut self.pending);
            // Only the accounts notified: another's commit may be read before its notification
            // comes, and is told then.
            let moved: BTreeSet<AccountId> = states
                .iter()
                .filter(|(a, m)| pending.contains(a) && self.told.get(a) != Some(m))
                .map(|(a, _)| *a)
                .collect();
            let change = self.tell(&states, |a| moved.contains(&a));
            if !change.changed.is_empty() {
                return Some(change);
            }
        }
    }

    /// Receives one notification, and marks its account pending when it is followed and the
    /// commit touches a followed type; `None` when the store closes. After a lag (notifications
    /// were dropped) every account is pending: the next read of the states covers what was
    /// missed.
    async fn receive(&mut self) -> Option<()> {
        let got = match &mut self.shared {
            Some(all) => all.recv().await,
            None => self.own.recv().await,
        };
        match got {
            Ok(n) if self.accounts.contains(&n.account) && self.types.iter().any(|t| n.touches(*t)) => {
                self.pending.insert(n.account);
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(_)) => self.pending.extend(self.accounts.iter().copied()),
            Err(broadcast::error::RecvError::Closed) => return None,
        }
        Some(())
    }

    /// Every followed account's state now.
    async fn states(&self) -> Option<BTreeMap<AccountId, Modseq>> {
        let list = self.accounts.clone();
        let read = self
            .jmap
            .store()
            .read(move |r| {
                list.into_iter()
                    .map(|a| Ok((a, r.account_modseq(a)?)))
                    .collect::<relais_store::Result<BTreeMap<_, _>>>()
            })
            .await;
        read.map_err(|e| tracing::warn!(error = %e, "jmap: push state not read")).ok()
    }

    /// A StateChange naming the accounts `moved` picks, each with a state per followed type;
    /// those states are told from here on, and the pushState names every state told.
    fn tell(&mut self, states: &BTreeMap<AccountId, Modseq>, moved: impl Fn(AccountId) -> bool) -> Change {
        let mut changed = Map::new();
        for (&a, &modseq) in states.iter().filter(|(a, _)| moved(**a)) {
            let per: Map<String, Value> = TYPES
                .iter()
                .filter(|(_, t)| self.types.contains(t))
                .map(|(name, _)| ((*name).to_owned(), Value::String(modseq.0.to_string())))
                .collect();
            changed.insert(ids::account(a), Value::Object(per));
            self.told.insert(a, modseq);
        }
        let push_state = self.told.iter().map(|(a, m)| format!("{}:{}", a.0, m.0)).collect::<Vec<_>>().join(",");
        Change { changed, push_state }
    }
}

/// The states a pushState names (`account:modseq,…`); nothing for one that is not ours.
fn parse_push_state(s: &str) -> BTreeMap<AccountId, Modseq> {
    let pair = |p: &str| {
        let (a, m) = p.split_once(':')?;
        Some((AccountId(a.parse().ok()?), Modseq(m.parse().ok()?)))
    };
    s.split(',').map(pair).collect::<Option<BTreeMap<_, _>>>().unwrap_or_default()
}

/// One EventSource connection: its feed, and whether it has begun and ended.
pub struct EventSource {
    feed: StateFeed,
    params: Params,
    started: bool,
    done: bool,
}

impl Jmap {
    /// Opens an EventSource for the principal, or the reply refusing the request.
    pub async fn event_source(&self, principal: &Principal, query: &str) -> Result<EventSource, Reply> {
        let params = Params::parse(query, self.config.ping_bounds).map_err(|e| Reply::status(400, e))?;
        let feed = StateFeed::open(self, principal, params.types.clone()).await.map_err(|e| {
            tracing::warn!(error = %e, "jmap: eventsource accounts not read");
            Reply::status(500, "the accounts could not be read")
        })?;
        Ok(EventSource { feed, params, started: false, done: false })
    }
}

impl EventSource {
    /// The next event to send, or `None` when the response ends. Waits for a change of the
    /// followed accounts, or the ping interval.
    pub async fn next(&mut self) -> Option<Vec<u8>> {
        if self.done {
            return None;
        }
        if !self.started {
            // The current states first, so a client knows where it stands (not for
            // closeafter=state, which waits for a change). Started only once they are read: a
            // caller that cancels this call (the connection's loop does, when the client sends
            // something) gets them at its next call.
            if !self.params.close_after_state {
                let current = self.feed.current().await;
                self.started = true;
                self.done = current.is_none();
                return current.map(|c| state_event(&c));
            }
            self.started = true;
        }
        let change = if self.params.ping > 0 {
            let ping = Duration::from_secs(self.params.ping);
            match tokio::time::timeout(ping, self.feed.next()).await {
                Ok(change) => change,
                Err(_) => return Some(event("ping", &json!({ "interval": self.params.ping }))),
            }
        } else {
            self.feed.next().await
        };
        self.done = change.is_none() || self.params.close_after_state;
        change.map(|c| state_event(&c))
    }
}

fn state_event(change: &Change) -> Vec<u8> {
    event("state", &json!({ "@type": "StateChange", "changed": change.changed }))
}

fn event(name: &str, data: &Value) -> Vec<u8> {
    format!("event: {name}\ndata: {data}\n\n").into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params() {
        let p = Params::parse("types=*&closeafter=no&ping=300", (5, 600)).unwrap();
        assert_eq!((p.types.len(), p.close_after_state, p.ping), (TYPES.len(), false, 300));
        // A type not pushed here (RFC 9425's Quota) is left out.
        let p = Params::parse("types=Email%2CMailbox,Quota&closeafter=state&ping=1", (5, 600)).unwrap();
        assert_eq!((p.types, p.close_after_state, p.ping), (vec![DataType::Email, DataType::Mailbox], true, 5));
        let p = Params::parse("types=EmailSubmission,ShareNotification&closeafter=state&ping=1", (5, 600)).unwrap();
        assert_eq!(p.types, [DataType::EmailSubmission, DataType::ShareNotification]);
        let p = Params::parse("types=Calendar,CalendarEvent&closeafter=state&ping=1", (5, 600)).unwrap();
        assert_eq!(p.types, [DataType::Calendar, DataType::Event]);
        assert_eq!(Params::parse("types=*&closeafter=no&ping=0", (5, 600)).unwrap().ping, 0);
        for bad in ["", "types=*&closeafter=maybe&ping=1", "types=*&closeafter=no", "types=*&closeafter=no&ping=x"] {
            assert!(Params::parse(bad, (5, 600)).is_err(), "{bad}");
        }
    }

    #[test]
    fn push_states() {
        let both = BTreeMap::from([(AccountId(1), Modseq(57)), (AccountId(3), Modseq(12))]);
        assert_eq!(parse_push_state("1:57,3:12"), both);
        for theirs in ["", "x", "1:57,", "1:-2", "a1:57", "1:57,3"] {
            assert!(parse_push_state(theirs).is_empty(), "{theirs}");
        }
    }
}
