//! One account's mail brought in from another IMAP server: every selectable folder (the
//! source's hierarchy delimiter mapped to `/`, special-use folders into the account's own
//! Sent, Drafts, Trash, Junk and Archive), each message with its flags, keywords and internal
//! date, through `Mailer::append_then` (quota checked, threaded, indexed).
//!
//! Resumable and incremental: per source folder the store keeps its UIDVALIDITY and the highest
//! UID stored (`migration_progress`), committed with the messages it counts, so a run that is
//! interrupted or repeated fetches only UIDs above it. When the folder's UIDVALIDITY is not
//! the recorded one (first run, or the source renumbered), messages the target mailbox already
//! holds — same Message-ID, internal date and size, or same content — are skipped.
//!
//! Flag changes: with the messages, the store keeps which item each source UID became
//! (`migration_messages`), and after each run the folder's HIGHESTMODSEQ when the source offers
//! CONDSTORE (RFC 7162). A re-run under the same UIDVALIDITY first fetches the flags of the
//! messages migrated before — only those changed since that modseq when it can, else all — and
//! gives each its source's current flags and keywords.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use anyhow::{Context, Result};
use relais_mail::Mailer;
use relais_mail::mailbox::{Fingerprint, FlagChange, KeywordChange, NewMessage, SEPARATOR};
use relais_store::{AccountId, Collection, CollectionKind, ItemId, Uid};

use super::imap_client::{Fetched, Folder, ImapClient, Security};

/// Messages and octets fetched and appended per transaction.
const BATCH_MESSAGES: usize = 200;
const BATCH_BYTES: u64 = 16 << 20;

/// The server and login to migrate from.
#[derive(Debug, Clone)]
pub struct Source {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
}

impl Source {
    /// The name progress is recorded under: the same server and login resume each other.
    pub fn id(&self) -> String {
        format!("imap://{}@{}:{}", self.user, self.host.to_ascii_lowercase(), self.port)
    }
}

/// What happened to one source folder.
#[derive(Debug, Clone)]
pub struct FolderReport {
    pub folder: String,
    pub target: String,
    pub added: usize,
    pub skipped: usize,
    /// Messages migrated before whose flags or keywords changed at the source since.
    pub updated: usize,
}

/// Migrates `source` into `account`; `each` is told about every folder as it is done.
pub async fn migrate(
    mailer: &Mailer,
    account: AccountId,
    source: &Source,
    tls: Arc<rustls::ClientConfig>,
    each: &mut (dyn FnMut(&FolderReport) + Send),
) -> Result<Vec<FolderReport>> {
    let mut client = ImapClient::connect(&source.host, source.port, source.security, tls).await?;
    client.login(&source.user, &source.password).await.context("login at the source server")?;
    let mut folders = client.list().await?;
    folders.retain(|f| !f.has("\\Noselect") && !f.has("\\NonExistent"));
    folders.sort_by(|a, b| a.name.cmp(&b.name));
    let mut reports = Vec::with_capacity(folders.len());
    for folder in &folders {
        let target =
            target_mailbox(mailer, account, folder).await.with_context(|| format!("folder {}", folder.name))?;
        // Boxed: a folder's future is large, and bulk runs poll it on a worker thread's stack.
        let report = Box::pin(migrate_folder(&mut client, mailer, account, &source.id(), folder, &target))
            .await
            .with_context(|| format!("folder {}", folder.name))?;
        each(&report);
        reports.push(report);
    }
    client.logout().await;
    Ok(reports)
}

/// The mailbox a source folder goes into: the account's own of the same special use
/// (RFC 6154), else the folder's path with `/` as the separator.
async fn target_mailbox(mailer: &Mailer, account: AccountId, folder: &Folder) -> Result<Collection> {
    let role = [
        ("\\Sent", "sent"),
        ("\\Drafts", "drafts"),
        ("\\Trash", "trash"),
        ("\\Junk", "junk"),
        ("\\Archive", "archive"),
    ]
    .into_iter()
    .find(|(attr, _)| folder.has(attr))
    .map(|(_, role)| role);
    if let Some(role) = role {
        let found = mailer.store().read(move |r| r.collection_by_role(account, CollectionKind::Mailbox, role)).await?;
        if let Some(c) = found {
            return Ok(c);
        }
    }
    Ok(mailer.mailbox_at(account, &target_path(folder)).await?)
}

/// The source name's levels joined by `/`; a `/` inside a level (a server whose delimiter is
/// `.`) becomes `_`, and INBOX is INBOX in any case (RFC 9051 §5.1).
fn target_path(folder: &Folder) -> String {
    let levels: Vec<String> = match folder.delimiter {
        Some(d) => folder.name.split(d).map(|l| l.replace(SEPARATOR, "_")).collect(),
        None => vec![folder.name.replace(SEPARATOR, "_")],
    };
    let mut levels: Vec<String> = levels.into_iter().filter(|l| !l.is_empty()).collect();
    if let Some(first) = levels.first_mut()
        && first.eq_ignore_ascii_case("INBOX")
    {
        *first = "INBOX".into();
    }
    levels.join(&SEPARATOR.to_string())
}

async fn migrate_folder(
    client: &mut ImapClient,
    mailer: &Mailer,
    account: AccountId,
    source: &str,
    folder: &Folder,
    mailbox: &Collection,
) -> Result<FolderReport> {
    let examined = client.examine(&folder.wire).await?;
    let (src, name) = (source.to_owned(), folder.name.clone());
    let progress = mailer.store().read(move |r| r.migration_progress(account, &src, &name)).await?;
    let progress = progress.filter(|p| p.uidvalidity == examined.uidvalidity);
    let after = progress.as_ref().map(|p| p.last_uid);
    let known = match after {
        Some(_) => None,
        None => Known::of(mailer, mailbox).await?,
    };
    let mut report =
        FolderReport { folder: folder.name.clone(), target: mailbox.name.clone(), added: 0, skipped: 0, updated: 0 };
    if let Some(p) = progress.as_ref().filter(|p| p.last_uid > 0) {
        let since = (p.highest_modseq > 0).then_some(p.highest_modseq);
        let place = Place { account, source, folder: &folder.name, mailbox };
        report.updated =
            Box::pin(sync_flags(client, mailer, &place, p.last_uid, since, examined.highest_modseq)).await?;
    }
    let pending = if examined.exists == 0 { Vec::new() } else { client.sizes_after(after.unwrap_or(0)).await? };
    for batch in plan(&pending) {
        let fetched = client.messages(&batch).await?;
        let (mut messages, mut uids) = (Vec::with_capacity(fetched.len()), Vec::with_capacity(fetched.len()));
        for f in fetched {
            let uid = f.uid;
            match message(f) {
                Some(m) if known.as_ref().is_some_and(|k| k.holds(&m)) => report.skipped += 1,
                Some(m) => {
                    messages.push(m);
                    uids.push(uid);
                }
                None => {}
            }
        }
        let (count, last) = (messages.len(), batch.last().copied().unwrap_or(0));
        let (src, name, validity) = (source.to_owned(), folder.name.clone(), examined.uidvalidity);
        mailer
            .append_then(&relais_directory::Actor::system(account), mailbox.id, messages, move |tx, stored| {
                let mapped: Vec<(u32, ItemId)> =
                    uids.iter().zip(stored).map(|(uid, (item, _))| (*uid, *item)).collect();
                tx.map_migrated(account, &src, &name, &mapped)?;
                tx.set_migration_progress(account, &src, &name, validity, last)
            })
            .await?;
        report.added += count;
    }
    // Remember the UIDVALIDITY (so the next run trusts UIDs) and the modseq the flags are now at.
    let (src, name, validity, last) =
        (source.to_owned(), folder.name.clone(), examined.uidvalidity, after.unwrap_or(0));
    let modseq = examined.highest_modseq;
    mailer
        .store()
        .write(move |tx| {
            if pending.is_empty() {
                tx.set_migration_progress(account, &src, &name, validity, last)?;
            }
            match modseq {
                Some(m) => tx.set_migration_modseq(account, &src, &name, m),
                None => Ok(()),
            }
        })
        .await?;
    Ok(report)
}

/// Where a source folder's messages went.
struct Place<'a> {
    account: AccountId,
    source: &'a str,
    folder: &'a str,
    mailbox: &'a Collection,
}

/// Gives the messages migrated before (source UIDs up to `last`) their source's current flags
/// and keywords: only those changed after `since` when the source told its modseq and still
/// does, else every one. Returns how many changed here.
async fn sync_flags(
    client: &mut ImapClient,
    mailer: &Mailer,
    place: &Place<'_>,
    last: u32,
    since: Option<u64>,
    now: Option<u64>,
) -> Result<usize> {
    let since = since.filter(|_| now.is_some());
    if let (Some(since), Some(now)) = (since, now)
        && since >= now
    {
        return Ok(0); // nothing changed at the source since the last run
    }
    let source_flags = client.flags_upto(last, since).await?;
    tracing::debug!(folder = place.folder, changed_since = ?since, fetched = source_flags.len(), "source flags read");
    if source_flags.is_empty() {
        return Ok(0);
    }
    let (account, src, name, mailbox) =
        (place.account, place.source.to_owned(), place.folder.to_owned(), place.mailbox.id);
    let (mapped, here) = mailer
        .store()
        .read(move |r| Ok((r.migrated_items(account, &src, &name)?, r.mailbox_messages(mailbox)?)))
        .await?;
    let here: HashMap<ItemId, (Uid, Vec<String>)> = here.into_iter().map(|m| (m.item, (m.uid, m.keywords))).collect();
    // Messages by the flags they are to have: one change per set of flags.
    let mut changes: HashMap<Vec<String>, Vec<(Uid, ItemId)>> = HashMap::new();
    for (uid, flags) in source_flags {
        let Some(item) = mapped.get(&uid) else { continue };
        let Some((target_uid, current)) = here.get(item) else { continue }; // gone here since
        let wanted = normalised(flags.into_iter().filter(|k| !k.eq_ignore_ascii_case("\\Recent")).collect());
        if wanted != normalised(current.clone()) {
            changes.entry(wanted).or_default().push((*target_uid, *item));
        }
    }
    let mut updated = 0;
    for (keywords, messages) in changes {
        let change = FlagChange { mailbox, messages, kind: KeywordChange::Set, keywords, unchanged_since: None };
        let done =
            relais_mail::mailbox::change_keywords(mailer.store(), &relais_directory::Actor::system(account), change)
                .await?;
        updated += done.changed.len();
    }
    Ok(updated)
}

/// Flags compared without regard to case or order.
fn normalised(mut flags: Vec<String>) -> Vec<String> {
    flags.sort_by_key(|f| f.to_ascii_lowercase());
    flags.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    flags
}

/// Batches of UIDs: at most `BATCH_MESSAGES` and `BATCH_BYTES` (one larger message alone).
fn plan(pending: &[(u32, u64)]) -> Vec<Vec<u32>> {
    let mut out: Vec<Vec<u32>> = Vec::new();
    let (mut current, mut bytes) = (Vec::new(), 0u64);
    for &(uid, size) in pending {
        if !current.is_empty() && (current.len() == BATCH_MESSAGES || bytes + size > BATCH_BYTES) {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        current.push(uid);
        bytes += size;
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// A fetched message as it is stored: `\Recent` is the source session's, not the message's.
fn message(f: Fetched) -> Option<NewMessage> {
    let raw = f.body.filter(|b| !b.is_empty())?;
    let keywords = f.flags.into_iter().filter(|k| !k.eq_ignore_ascii_case("\\Recent")).collect();
    Some(NewMessage { raw, keywords, received_at: f.internal_date })
}

/// What the target mailbox held before this run, when UIDs cannot tell.
struct Known {
    prints: HashSet<Fingerprint>,
    contents: HashSet<relais_store::BlobHash>,
}

impl Known {
    /// `None` for an empty mailbox: nothing there to duplicate.
    async fn of(mailer: &Mailer, mailbox: &Collection) -> Result<Option<Known>> {
        let id = mailbox.id;
        let messages = mailer.store().read(move |r| r.mailbox_messages(id)).await?;
        if messages.is_empty() {
            return Ok(None);
        }
        let prints = mailer.fingerprints(id).await?;
        let contents = messages.into_iter().filter_map(|m| m.blob).collect();
        Ok(Some(Known { prints, contents }))
    }

    fn holds(&self, m: &NewMessage) -> bool {
        if self.contents.contains(&relais_store::BlobHash::of(&m.raw)) {
            return true;
        }
        let when = m.received_at.unwrap_or_default();
        Fingerprint::of(&m.raw, when).is_some_and(|p| self.prints.contains(&p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder(name: &str, delimiter: Option<char>) -> Folder {
        Folder { wire: name.as_bytes().to_vec(), name: name.into(), delimiter, attributes: vec![] }
    }

    #[test]
    fn target_paths() {
        let table: &[(&str, Option<char>, &str)] = &[
            ("INBOX", Some('/'), "INBOX"),
            ("inbox", Some('.'), "INBOX"),
            ("Work/2026", Some('/'), "Work/2026"),
            ("INBOX.Work.2026", Some('.'), "INBOX/Work/2026"),
            ("a/b.c", Some('.'), "a_b/c"),
            ("Réunions", None, "Réunions"),
            ("x/y", None, "x_y"),
        ];
        for (name, delimiter, expected) in table {
            assert_eq!(target_path(&folder(name, *delimiter)), *expected, "{name}");
        }
    }

    #[test]
    fn batches() {
        let pending: Vec<(u32, u64)> = (1..=450).map(|u| (u, 10)).collect();
        let sizes: Vec<usize> = plan(&pending).iter().map(Vec::len).collect();
        assert_eq!(sizes, [200, 200, 50]);
        let big = [(1, BATCH_BYTES + 1), (2, 10), (3, BATCH_BYTES - 5), (4, 10)];
        assert_eq!(plan(&big), vec![vec![1], vec![2], vec![3], vec![4]]);
        assert!(plan(&[]).is_empty());
    }

    #[test]
    fn recent_is_not_kept() {
        let f = Fetched {
            uid: 1,
            flags: vec!["\\Seen".into(), "\\Recent".into(), "$Label1".into()],
            internal_date: Some(5),
            size: 3,
            body: Some(b"a\r\n".to_vec()),
        };
        let m = message(f).unwrap();
        assert_eq!(m.keywords, ["\\Seen", "$Label1"]);
        assert_eq!(m.received_at, Some(5));
        assert!(message(Fetched::default()).is_none(), "no content, nothing to store");
    }
}
