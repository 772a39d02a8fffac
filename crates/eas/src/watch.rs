//! Waiting for a device's folders to change, for Ping (MS-ASCMD §2.2.1.13) and for a Sync
//! with Wait or HeartbeatInterval (§2.2.3.188, §2.2.3.88.2): parked on the store's
//! notifications of the one account (so a parked device costs nothing when other accounts
//! change), woken by a commit touching mail or groupware objects, then the folders whose
//! content changed since the watch began are named.

use std::collections::HashSet;
use std::time::Duration;

use relais_mail::mailbox;
use relais_store::{CollectionId, DataType, Modseq, Notification};
use tokio::sync::broadcast::{Receiver, error::RecvError};
use tokio::time::Instant;

use crate::Ctx;

/// The kinds of commit a watch looks at: mail, and the objects of address books, calendars
/// and task lists.
const WATCHED: [DataType; 5] = [DataType::Email, DataType::Mailbox, DataType::Contact, DataType::Event, DataType::Task];

/// The pause after a look that found nothing, at first and at most.
const FIRST_PAUSE: Duration = Duration::from_millis(5);
const LAST_PAUSE: Duration = Duration::from_secs(1);

/// The folders a watch looks at, as a request names them (ServerId, collection), each once
/// however often the request names it: a Ping may list one folder 300 times, which is one
/// read a look, not 300. Made where a request's folder list is read.
#[derive(Debug)]
pub(crate) struct Folders(Vec<(String, CollectionId)>);

impl FromIterator<(String, CollectionId)> for Folders {
    /// In the request's order; a folder named again (by the same or another ServerId) is
    /// passed over.
    fn from_iter<I: IntoIterator<Item = (String, CollectionId)>>(named: I) -> Folders {
        let mut seen = HashSet::new();
        Folders(named.into_iter().filter(|(_, c)| seen.insert(*c)).collect())
    }
}

impl Folders {
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The ServerIds of the folders that `changed` says changed, asking it once a folder.
    // A closure giving a future, not an async closure: the latter's future is not known to be
    // Send, which a request's future must be.
    async fn changed<F: Future<Output = bool>>(&self, mut changed: impl FnMut(CollectionId) -> F) -> Vec<String> {
        let mut out = Vec::new();
        for (id, c) in &self.0 {
            if changed(*c).await {
                out.push(id.clone());
            }
        }
        out
    }
}

/// A watch on the account: the subscription, and the modseq it began at.
pub(crate) struct Watch {
    changes: Receiver<Notification>,
    start: Modseq,
}

impl Watch {
    /// Subscribes, then reads the starting point (so a commit in between is seen); `None`
    /// when the store cannot be read.
    pub async fn start(ctx: &Ctx<'_>) -> Option<Watch> {
        let changes = ctx.store().subscribe_account(ctx.actor.principal);
        let account = ctx.actor.principal;
        let start = ctx.store().read(move |r| r.account_modseq(account)).await.ok()?;
        Some(Watch { changes, start })
    }

    /// Whether every folder is still the device's to read (else its folder list is stale).
    pub async fn readable(&self, ctx: &Ctx<'_>, folders: &Folders) -> bool {
        for (_, c) in &folders.0 {
            if changed(ctx, *c, self.start).await.is_err() {
                return false;
            }
        }
        true
    }

    /// Waits until one of `folders` changed after the start, or `deadline`: the ServerIds of
    /// the folders that changed, empty at the deadline.
    ///
    /// A trace line (target `relais_eas::watch`) as it parks and at each look, naming the
    /// device and how many folders it reads: the interop tests count the looks.
    pub async fn wait(&mut self, ctx: &Ctx<'_>, folders: &Folders, deadline: Instant) -> Vec<String> {
        let device = ctx.query.device_id.as_str();
        tracing::trace!(device, folders = folders.len(), "eas: watch parks");
        let mut pause = FIRST_PAUSE;
        loop {
            match tokio::time::timeout_at(deadline, self.changes.recv()).await {
                Err(_) => return Vec::new(),
                Ok(Ok(n)) if !WATCHED.iter().any(|t| n.touches(*t)) => continue,
                Ok(Err(RecvError::Closed)) => {
                    tokio::time::sleep_until(deadline).await;
                    return Vec::new();
                }
                // A lagged receiver missed some notifications: look, as for one.
                Ok(_) => {}
            }
            tracing::trace!(device, folders = folders.len(), "eas: watch looks");
            let changed = changed_since(ctx, folders, self.start).await;
            if !changed.is_empty() {
                return changed;
            }
            // A short pause folds a burst of commits into one look; it doubles while the
            // account's commits touch none of the folders (to a second), so a stream of them
            // elsewhere costs a look a second — a look is a read per folder, up to 300 — not
            // one per commit.
            tokio::time::sleep_until((Instant::now() + pause).min(deadline)).await;
            pause = (pause * 2).min(LAST_PAUSE);
        }
    }
}

/// The folders among `folders` with something added, changed or removed after `since`.
async fn changed_since(ctx: &Ctx<'_>, folders: &Folders, since: Modseq) -> Vec<String> {
    folders.changed(|c| async move { changed(ctx, c, since).await.unwrap_or(true) }).await
}

/// Whether folder `c` (a mailbox, address book, calendar or task list) changed after `since`;
/// an error when the device may no longer read it.
async fn changed(ctx: &Ctx<'_>, c: CollectionId, since: Modseq) -> Result<bool, ()> {
    match mailbox::changed_since(ctx.store(), &ctx.actor, c, since).await {
        Ok(b) => Ok(b),
        Err(relais_mail::MailError::NoMailbox) => {
            ctx.eas.groupware().changed_since(&ctx.actor, c, since).await.map_err(|_| ())
        }
        Err(_) => Err(()),
    }
}

#[cfg(test)]
mod tests {
    use relais_store::CollectionId;

    use super::Folders;

    /// A folder named 300 times is read once a look, and named once in the answer.
    #[tokio::test]
    async fn a_folder_named_300_times_is_read_once_a_look() {
        let drafts = ("3".to_string(), CollectionId(3));
        let named =
            std::iter::repeat_n(drafts, 300).chain([("7".into(), CollectionId(7)), ("03".into(), CollectionId(3))]);
        let folders: Folders = named.collect();
        assert_eq!(folders.len(), 2);
        let mut reads = Vec::new();
        let changed = folders
            .changed(|c| {
                reads.push(c);
                std::future::ready(c == CollectionId(3))
            })
            .await;
        assert_eq!(reads, [CollectionId(3), CollectionId(7)]);
        assert_eq!(changed, ["3"]);
    }
}
