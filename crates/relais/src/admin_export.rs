//! `relais admin export ACCOUNT PATH` and `relais admin import ACCOUNT PATH`: one account's mail,
//! calendars, task lists and address books as files other software reads, and back.
//!
//! ```text
//! PATH/mail/<folder>/<subfolder>/{cur,new,tmp}/   Maildir (one per mailbox; INBOX is mail/INBOX):
//!     <received>.M<id>.relais:2,<flags>          flags D F P R S T in the name (Maildir's info),
//!     dovecot-keywords                            other keywords as letters a–z (Dovecot's file),
//!                                                 the received date as the file's mtime
//!     relais-keywords                             keywords past Dovecot's 26 letters, a line per
//!                                                 message: `<name before :2,> <keyword>…`
//! PATH/mail/<folder>/<subfolder>.mbox             or, with --format mbox, one mbox per mailbox
//!                                                 (relais_mail::mbox: mboxrd, flags in Status,
//!                                                 X-Status, X-Keywords, the date in `From `)
//! PATH/calendars/<name>/<resource>.ics            one iCalendar object per file (vdir)
//! PATH/tasks/<name>/<resource>.ics
//! PATH/contacts/<name>/<resource>.vcf             one vCard per file
//! ```
//!
//! Folder names are written percent-encoded where a file name could not carry them. Import
//! reads the same layout, Maildir folders and `.mbox` files alike (and any Maildir++ tree of
//! that shape); importing the same files again adds nothing: a message whose content the
//! mailbox holds, and a resource whose name the collection holds, are skipped.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use clap::Args;
use relais_directory::Directory;
use relais_groupware::{CollectionProps, Condition, Groupware};
use relais_mail::Mailer;
use relais_mail::mailbox::{NewMessage, SEPARATOR};
use relais_store::{AccountId, Collection, CollectionKind};

#[derive(Args)]
pub struct ExportArgs {
    /// The account (a user's or shared mailbox's address).
    address: String,
    /// A new directory to write.
    path: PathBuf,
    /// How mail is written: a Maildir per mailbox, or an mbox file per mailbox.
    #[arg(long, value_enum, default_value_t = MailFormat::Maildir)]
    format: MailFormat,
}

#[derive(Args)]
pub struct ImportArgs {
    /// The account (a user's or shared mailbox's address).
    address: String,
    /// A directory written by export (Maildir folders and `.mbox` files are both read).
    path: PathBuf,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MailFormat {
    Maildir,
    Mbox,
}

/// Maildir info flags (`:2,` suffix) and the IMAP flags they stand for, in the order they are
/// written (Maildir wants them sorted).
const FLAGS: [(char, &str); 6] = [
    ('D', "\\Draft"),
    ('F', "\\Flagged"),
    ('P', "$Forwarded"),
    ('R', "\\Answered"),
    ('S', "\\Seen"),
    ('T', "\\Deleted"),
];

/// Messages appended per transaction on import.
const IMPORT_BATCH: usize = 50;

fn mailer(dir: &Directory) -> Mailer {
    Mailer::new(dir.store().clone(), dir.clone(), "localhost", Duration::ZERO)
}

async fn account_of(dir: &Directory, address: &str) -> Result<AccountId> {
    Ok(dir.principal(address).await?.with_context(|| format!("{address} not found"))?.id)
}

pub async fn export(dir: &Directory, a: ExportArgs) -> Result<()> {
    let account = account_of(dir, &a.address).await?;
    if a.path.exists() {
        bail!("{} exists: an export goes to a new directory", a.path.display());
    }
    let store = dir.store().clone();
    let mut counts = (0usize, 0usize);
    let mailboxes = store.read(move |r| r.collections(account, CollectionKind::Mailbox)).await?;
    let by_id: HashMap<_, _> = mailboxes.iter().map(|c| (c.id, c.clone())).collect();
    for mailbox in &mailboxes {
        let folder = a.path.join("mail").join(file_path(&mailbox_path(mailbox, &by_id)));
        counts.0 += match a.format {
            MailFormat::Maildir => export_mailbox(&store, mailbox, &folder).await?,
            MailFormat::Mbox => export_mbox(&store, mailbox, &folder).await?,
        };
    }
    for (kind, top, ext) in [
        (CollectionKind::Calendar, "calendars", "ics"),
        (CollectionKind::TaskList, "tasks", "ics"),
        (CollectionKind::AddressBook, "contacts", "vcf"),
    ] {
        for c in store.read(move |r| r.collections(account, kind)).await? {
            // The schedule inbox holds iTIP messages, not the user's own objects.
            if kind == CollectionKind::Calendar && c.role.as_deref() == Some(relais_groupware::scheduling::INBOX_ROLE) {
                continue;
            }
            let folder = a.path.join(top).join(encode(&c.name));
            fs::create_dir_all(&folder)?;
            let id = c.id;
            for item in store.read(move |r| r.items_in(id)).await? {
                let (Some(name), Some(blob)) = (item.name, item.blob) else { continue };
                let file = encode(name.strip_suffix(&format!(".{ext}")).unwrap_or(&name));
                fs::write(folder.join(format!("{file}.{ext}")), store.blob(blob).await?)?;
                counts.1 += 1;
            }
        }
    }
    println!(
        "exported {} messages and {} calendar, task and contact objects to {}",
        counts.0,
        counts.1,
        a.path.display()
    );
    Ok(())
}

/// The mailbox's path from the top (`Work/2026`).
fn mailbox_path(c: &Collection, all: &HashMap<relais_store::CollectionId, Collection>) -> Vec<String> {
    let mut levels = vec![if c.is_inbox() { "INBOX".to_owned() } else { c.name.clone() }];
    let mut parent = c.parent;
    while let Some(p) = parent.and_then(|id| all.get(&id)) {
        levels.push(p.name.clone());
        parent = p.parent;
        if levels.len() > 256 {
            break;
        }
    }
    levels.reverse();
    levels
}

async fn export_mailbox(store: &relais_store::Store, mailbox: &Collection, folder: &Path) -> Result<usize> {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(folder.join(sub))?;
    }
    let id = mailbox.id;
    let messages = store.read(move |r| r.mailbox_messages(id)).await?;
    let mut keywords: Vec<String> = Vec::new();
    let mut beyond = String::new();
    for m in &messages {
        let Some(blob) = m.blob.clone() else { continue };
        let base = format!("{}.M{}.relais", m.received_at.max(0), m.item.0);
        let mut letters = String::new();
        let mut unlettered = Vec::new();
        for k in &m.keywords {
            if FLAGS.iter().any(|(_, f)| f.eq_ignore_ascii_case(k)) {
                continue;
            }
            let index = match keywords.iter().position(|x| x == k) {
                Some(i) => i,
                None if keywords.len() < 26 => {
                    keywords.push(k.clone());
                    keywords.len() - 1
                }
                // Dovecot's file names 26 at most; the rest go beside it, in a file of ours.
                None => {
                    unlettered.push(k.as_str());
                    continue;
                }
            };
            letters.push(char::from(b'a' + index as u8));
        }
        if !unlettered.is_empty() {
            beyond.push_str(&format!("{base} {}\n", unlettered.join(" ")));
        }
        let mut info: String = FLAGS
            .iter()
            .filter(|(_, f)| m.keywords.iter().any(|k| k.eq_ignore_ascii_case(f)))
            .map(|(c, _)| *c)
            .collect();
        let mut sorted: Vec<char> = letters.chars().collect();
        sorted.sort_unstable();
        info.extend(sorted);
        let file = folder.join("cur").join(format!("{base}:2,{info}"));
        fs::write(&file, store.blob(blob).await?)?;
        let when = UNIX_EPOCH + Duration::from_secs(u64::try_from(m.received_at).unwrap_or(0));
        fs::File::options().append(true).open(&file)?.set_modified(when)?;
    }
    if !keywords.is_empty() {
        let lines: Vec<String> = keywords.iter().enumerate().map(|(i, k)| format!("{i} {k}")).collect();
        fs::write(folder.join("dovecot-keywords"), lines.join("\n") + "\n")?;
    }
    if !beyond.is_empty() {
        fs::write(folder.join(BEYOND_LETTERS), beyond)?;
    }
    Ok(messages.len())
}

/// One mailbox as `<folder>.mbox`, in UID order (an empty mailbox: an empty file).
async fn export_mbox(store: &relais_store::Store, mailbox: &Collection, folder: &Path) -> Result<usize> {
    let mut file = folder.as_os_str().to_owned();
    file.push(".mbox");
    let file = PathBuf::from(file);
    if let Some(parent) = file.parent() {
        fs::create_dir_all(parent)?;
    }
    let id = mailbox.id;
    let messages = store.read(move |r| r.mailbox_messages(id)).await?;
    let mut out = std::io::BufWriter::new(fs::File::create(&file)?);
    for m in &messages {
        let Some(blob) = m.blob.clone() else { continue };
        let raw = store.blob(blob).await?;
        relais_mail::mbox::write_message(&mut out, &raw, &m.keywords, m.received_at)?;
    }
    std::io::Write::flush(&mut out)?;
    Ok(messages.len())
}

pub async fn import(dir: &Directory, a: ImportArgs) -> Result<()> {
    let account = account_of(dir, &a.address).await?;
    if !a.path.is_dir() {
        bail!("{} is not a directory", a.path.display());
    }
    let mailer = mailer(dir);
    let mut added = (0usize, 0usize, 0usize);
    let mail = a.path.join("mail");
    if mail.is_dir() {
        for (folder, levels) in maildirs(&mail)? {
            let path = levels.join(&SEPARATOR.to_string());
            let mailbox = mailer.mailbox_at(account, &path).await.with_context(|| format!("mailbox {path}"))?;
            let (new, skipped) = import_maildir(&mailer, &mailbox, &folder).await?;
            added.0 += new;
            added.2 += skipped;
        }
        for (file, levels) in mbox_files(&mail)? {
            let path = levels.join(&SEPARATOR.to_string());
            let mailbox = mailer.mailbox_at(account, &path).await.with_context(|| format!("mailbox {path}"))?;
            let (new, skipped) =
                import_mbox(&mailer, &mailbox, &file).await.with_context(|| format!("{}", file.display()))?;
            added.0 += new;
            added.2 += skipped;
        }
    }
    let groupware = Groupware::new(dir.store().clone());
    for (kind, top) in [
        (CollectionKind::Calendar, "calendars"),
        (CollectionKind::TaskList, "tasks"),
        (CollectionKind::AddressBook, "contacts"),
    ] {
        let root = a.path.join(top);
        if !root.is_dir() {
            continue;
        }
        for entry in sorted_entries(&root)? {
            if !entry.is_dir() {
                continue;
            }
            let name = crate::percent::decode(&file_name(&entry));
            let existing = dir.store().read(move |r| r.collections(account, kind)).await?;
            let collection = match existing.into_iter().find(|c| c.name == name) {
                Some(c) => c,
                None => {
                    let actor = relais_directory::Actor::system(account);
                    groupware.create_collection(&actor, account, kind, &name, CollectionProps::default()).await?
                }
            };
            let (new, skipped) = import_resources(&groupware, &collection, &entry).await?;
            added.1 += new;
            added.2 += skipped;
        }
    }
    println!(
        "imported {} messages and {} calendar, task and contact objects into {} ({} already there)",
        added.0, added.1, a.address, added.2
    );
    Ok(())
}

/// Every Maildir under `root` (a folder with `cur` or `new`), with its path as levels.
fn maildirs(root: &Path) -> Result<Vec<(PathBuf, Vec<String>)>> {
    let mut out = Vec::new();
    let mut todo = vec![(root.to_owned(), Vec::new())];
    while let Some((dir, levels)) = todo.pop() {
        if levels.len() > 64 {
            bail!("{}: folders nested too deep", dir.display());
        }
        if !levels.is_empty() && (dir.join("cur").is_dir() || dir.join("new").is_dir()) {
            out.push((dir.clone(), levels.clone()));
        }
        for entry in sorted_entries(&dir)? {
            let name = file_name(&entry);
            if entry.is_dir() && !matches!(name.as_str(), "cur" | "new" | "tmp") {
                let mut next = levels.clone();
                next.push(crate::percent::decode(&name));
                todo.push((entry, next));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A Maildir's file of the keywords its messages carry past Dovecot's 26 letters (see above).
const BEYOND_LETTERS: &str = "relais-keywords";

async fn import_maildir(mailer: &Mailer, mailbox: &Collection, folder: &Path) -> Result<(usize, usize)> {
    let keywords: Vec<(char, String)> = fs::read_to_string(folder.join("dovecot-keywords"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.split_once(' '))
        .filter_map(|(i, k)| Some((char::from(b'a' + i.parse::<u8>().ok().filter(|i| *i < 26)?), k.to_owned())))
        .collect();
    let beyond_text = fs::read_to_string(folder.join(BEYOND_LETTERS)).unwrap_or_default();
    let beyond: HashMap<&str, Vec<&str>> = beyond_text
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(base, ks)| (base, ks.split_ascii_whitespace().collect()))
        .collect();
    let (mut batch, mut skipped) = (Batch::new(mailer, mailbox), 0);
    for sub in ["cur", "new"] {
        let dir = folder.join(sub);
        if !dir.is_dir() {
            continue;
        }
        for file in sorted_entries(&dir)? {
            let raw = fs::read(&file)?;
            if raw.is_empty() || batch.holds(&raw).await? {
                skipped += 1;
                continue;
            }
            let name = file_name(&file);
            let (base, info) = name.rsplit_once(":2,").unwrap_or((name.as_str(), ""));
            let mut flags: Vec<String> = Vec::new();
            for c in info.chars() {
                match FLAGS.iter().find(|(f, _)| *f == c) {
                    Some((_, flag)) => flags.push((*flag).to_owned()),
                    None => flags.extend(keywords.iter().filter(|(k, _)| *k == c).map(|(_, k)| k.clone())),
                }
            }
            flags.extend(beyond.get(base).into_iter().flatten().map(|k| (*k).to_owned()));
            let received = fs::metadata(&file)?.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok());
            let received_at = received.map(|d| i64::try_from(d.as_secs()).unwrap_or(0));
            batch.push(NewMessage { raw, keywords: flags, received_at }).await?;
        }
    }
    Ok((batch.finish().await?, skipped))
}

/// Messages appended `IMPORT_BATCH` to a transaction, as the mailbox's owner (the import acts
/// as the server, with every right on the account's own data).
struct Batch<'a> {
    mailer: &'a Mailer,
    actor: relais_directory::access::Actor,
    mailbox: relais_store::CollectionId,
    pending: Vec<NewMessage>,
    added: usize,
}

impl<'a> Batch<'a> {
    fn new(mailer: &'a Mailer, mailbox: &Collection) -> Batch<'a> {
        let actor = relais_directory::access::Actor::system(mailbox.account);
        Batch { mailer, actor, mailbox: mailbox.id, pending: Vec::new(), added: 0 }
    }

    /// Whether the mailbox or this batch holds `raw` already (the one duplicate rule of import).
    async fn holds(&self, raw: &[u8]) -> Result<bool> {
        Ok(self.pending.iter().any(|m| m.raw == raw) || self.mailer.holds(self.mailbox, raw).await?)
    }

    async fn push(&mut self, m: NewMessage) -> Result<()> {
        self.pending.push(m);
        if self.pending.len() == IMPORT_BATCH {
            self.flush().await?;
        }
        Ok(())
    }

    async fn flush(&mut self) -> Result<()> {
        if !self.pending.is_empty() {
            self.added += self.pending.len();
            self.mailer.append(&self.actor, self.mailbox, std::mem::take(&mut self.pending)).await?;
        }
        Ok(())
    }

    /// Appends the rest; returns how many were added.
    async fn finish(mut self) -> Result<usize> {
        self.flush().await?;
        Ok(self.added)
    }
}

/// Every `.mbox` file under `root`, with its mailbox's path as levels (`Work/2026.mbox`: Work, 2026).
fn mbox_files(root: &Path) -> Result<Vec<(PathBuf, Vec<String>)>> {
    let mut out = Vec::new();
    let mut todo = vec![(root.to_owned(), Vec::new())];
    while let Some((dir, levels)) = todo.pop() {
        if levels.len() > 64 {
            bail!("{}: folders nested too deep", dir.display());
        }
        for entry in sorted_entries(&dir)? {
            let name = file_name(&entry);
            let mut next = levels.clone();
            if entry.is_dir() && !matches!(name.as_str(), "cur" | "new" | "tmp") {
                next.push(crate::percent::decode(&name));
                todo.push((entry, next));
            } else if let Some(stem) = name.strip_suffix(".mbox").filter(|s| !s.is_empty() && entry.is_file()) {
                next.push(crate::percent::decode(stem));
                out.push((entry, next));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One mbox file into `mailbox`, skipping what it holds (the Maildir import's rule).
async fn import_mbox(mailer: &Mailer, mailbox: &Collection, file: &Path) -> Result<(usize, usize)> {
    let mut reader = relais_mail::mbox::Reader::new(std::io::BufReader::new(fs::File::open(file)?));
    let (mut batch, mut skipped) = (Batch::new(mailer, mailbox), 0);
    while let Some(m) = reader.next_message()? {
        if m.raw.is_empty() || batch.holds(&m.raw).await? {
            skipped += 1;
            continue;
        }
        batch.push(NewMessage { raw: m.raw, keywords: m.keywords, received_at: m.received_at }).await?;
    }
    Ok((batch.finish().await?, skipped))
}

async fn import_resources(groupware: &Groupware, collection: &Collection, folder: &Path) -> Result<(usize, usize)> {
    let (mut added, mut skipped) = (0, 0);
    for file in sorted_entries(folder)? {
        let name = crate::percent::decode(&file_name(&file));
        let id = collection.id;
        let resource = name.clone();
        if groupware.store().read(move |r| r.item_by_name(id, &resource)).await?.is_some() {
            skipped += 1;
            continue;
        }
        // Only where no resource of that name is: an import never overwrites.
        let cond = Condition { if_match: None, if_none_match: Some(vec!["*".into()]) };
        // The import acts as the server on the account's own data.
        let actor = relais_directory::Actor::system(collection.account);
        match groupware.put(&actor, collection, &name, fs::read(&file)?, cond).await {
            Ok(_) => added += 1,
            Err(relais_groupware::Error::UidConflict { .. }) => skipped += 1,
            Err(e) => bail!("{}: {e}", file.display()),
        }
    }
    Ok((added, skipped))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    v.sort();
    Ok(v)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

fn file_path(levels: &[String]) -> PathBuf {
    levels.iter().map(|l| encode(l)).collect()
}

/// A name as a file name: `%XX` for what a file name cannot hold or would hide (`/`, `%`, a
/// leading dot, control characters).
fn encode(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for (i, c) in name.chars().enumerate() {
        if c == '/' || c == '%' || c == '\\' || c.is_control() || (i == 0 && c == '.') {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_as_file_names() {
        for name in ["INBOX", "Work/2026", ".hidden", "100%", "a\\b", "Réunions", "tab\there"] {
            let e = encode(name);
            assert!(!e.contains('/') && !e.starts_with('.') && !e.contains('\t'), "{e}");
            assert_eq!(crate::percent::decode(&e), name);
        }
        assert_eq!(crate::percent::decode("%zz%4"), "%zz%4", "not an escape: kept");
    }
}
