//! EventSource push (RFC 8620 §7.3): `GET /jmap/eventsource?types=…&closeafter=state|no&ping=N`.
//! The connection waits on the store's per-account notifications (as IMAP IDLE and EAS Ping
//! do), so it costs nothing while other accounts change; a commit that touches one of the
//! asked types sends a `state` event with the accounts' new states (their modseqs), and a
//! `ping` event is sent every `ping` seconds (bounded by the configuration) when nothing else
//! was. `closeafter=state` ends the response after the first state event.
//!
//! ```text
//! event: state
//! data: {"@type":"StateChange","changed":{"a1":{"Email":"57","Mailbox":"57","Thread":"57"}}}
//!
//! event: ping
//! data: {"interval":300}
//! ```

use std::time::Duration;

use relais_store::{AccountId, DataType, Notification, Principal};
use serde_json::{Map, Value, json};
use tokio::sync::broadcast;

use crate::{Jmap, Reply, account, ids};

/// The JMAP type names pushed, with the store's data type each follows.
const TYPES: [(&str, DataType); 4] = [
    ("Mailbox", DataType::Mailbox),
    ("Email", DataType::Email),
    ("Thread", DataType::Thread),
    ("VacationResponse", DataType::VacationResponse),
];

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
    /// Parses the query (RFC 8620 §7.3: all three parameters are required; unknown type names
    /// are ignored, as the list may name types of capabilities not offered here).
    pub fn parse(query: &str, bounds: (u64, u64)) -> Result<Params, &'static str> {
        let (mut types, mut close, mut ping) = (None, None, None);
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            let v = v.replace("%2C", ",").replace("%2c", ",").replace("%2A", "*").replace("%2a", "*");
            match k {
                "types" => {
                    let list: Vec<DataType> = if v == "*" {
                        TYPES.iter().map(|(_, t)| *t).collect()
                    } else {
                        v.split(',')
                            .filter_map(|n| TYPES.iter().find(|(name, _)| *name == n).map(|(_, t)| *t))
                            .collect()
                    };
                    types = Some(list);
                }
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

/// One EventSource connection's state: what it follows and what it last sent.
pub struct EventSource {
    jmap: Jmap,
    params: Params,
    accounts: Vec<AccountId>,
    own: broadcast::Receiver<Notification>,
    /// Every account's notifications, when the principal reaches shared accounts too.
    shared: Option<broadcast::Receiver<Notification>>,
    started: bool,
    done: bool,
}

impl Jmap {
    /// Opens an EventSource for the principal, or the reply refusing the request.
    pub async fn event_source(&self, principal: &Principal, query: &str) -> Result<EventSource, Reply> {
        let params = Params::parse(query, self.config.ping_bounds).map_err(|e| Reply::status(400, e))?;
        let actor = Jmap::actor(principal);
        // Subscribed before the first state is read: a commit in between is not missed.
        let own = self.store().subscribe_account(principal.id);
        let list = self.store().read(move |r| account::accounts(r, &actor)).await.map_err(|e| {
            tracing::warn!(error = %e, "jmap: eventsource accounts not read");
            Reply::status(500, "the accounts could not be read")
        })?;
        let accounts: Vec<AccountId> = list.iter().map(|a| a.id).collect();
        let shared = (accounts.len() > 1).then(|| self.store().subscribe());
        Ok(EventSource { jmap: self.clone(), params, accounts, own, shared, started: false, done: false })
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
            self.started = true;
            // The current states first, so a client knows where it stands (not for
            // closeafter=state, which waits for a change).
            if !self.params.close_after_state {
                return self.state_event(&self.accounts.clone()).await;
            }
        }
        let ping = (self.params.ping > 0).then(|| Duration::from_secs(self.params.ping));
        let deadline = ping.map(|p| tokio::time::Instant::now() + p);
        loop {
            let woken = match deadline {
                Some(d) => match tokio::time::timeout_at(d, self.recv()).await {
                    Ok(n) => n,
                    Err(_) => return Some(event("ping", &json!({ "interval": self.params.ping }))),
                },
                None => self.recv().await,
            };
            let Some(n) = woken else {
                self.done = true;
                return None;
            };
            if !self.accounts.contains(&n.account) || !self.params.types.iter().any(|t| n.touches(*t)) {
                continue;
            }
            // A short pause folds a burst of commits into one event.
            tokio::time::sleep(Duration::from_millis(5)).await;
            let out = self.state_event(&[n.account]).await;
            if self.params.close_after_state {
                self.done = true;
            }
            return out;
        }
    }

    /// The next notification of a followed account; `None` when the store closes.
    async fn recv(&mut self) -> Option<Notification> {
        loop {
            let got = match &mut self.shared {
                Some(all) => all.recv().await,
                None => self.own.recv().await,
            };
            match got {
                Ok(n) => return Some(n),
                // Lagged: some notifications were dropped; the next state read covers them.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    if let Some(a) = self.accounts.first() {
                        return Some(Notification { account: *a, modseq: Default::default(), types: u32::MAX });
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    async fn state_event(&self, accounts: &[AccountId]) -> Option<Vec<u8>> {
        let list = accounts.to_vec();
        let states = self
            .jmap
            .store()
            .read(move |r| {
                list.into_iter().map(|a| Ok((a, r.account_modseq(a)?))).collect::<relais_store::Result<Vec<_>>>()
            })
            .await;
        let states = match states {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "jmap: eventsource state not read");
                return None;
            }
        };
        let mut changed = Map::new();
        for (a, modseq) in states {
            let per: Map<String, Value> = TYPES
                .iter()
                .filter(|(_, t)| self.params.types.contains(t))
                .map(|(name, _)| ((*name).to_owned(), Value::String(modseq.0.to_string())))
                .collect();
            changed.insert(ids::account(a), Value::Object(per));
        }
        Some(event("state", &json!({ "@type": "StateChange", "changed": changed })))
    }
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
        assert_eq!((p.types.len(), p.close_after_state, p.ping), (4, false, 300));
        let p = Params::parse("types=Email%2CMailbox,Calendar&closeafter=state&ping=1", (5, 600)).unwrap();
        assert_eq!((p.types, p.close_after_state, p.ping), (vec![DataType::Email, DataType::Mailbox], true, 5));
        assert_eq!(Params::parse("types=*&closeafter=no&ping=0", (5, 600)).unwrap().ping, 0);
        for bad in ["", "types=*&closeafter=maybe&ping=1", "types=*&closeafter=no", "types=*&closeafter=no&ping=x"] {
            assert!(Params::parse(bad, (5, 600)).is_err(), "{bad}");
        }
    }
}
