//! LIST with LIST-EXTENDED and LIST-STATUS (RFC 9051 §6.3.9, RFC 5258, RFC 5819), LSUB
//! (RFC 3501 §6.3.9), STATUS (§6.3.11, STATUS=SIZE).
//!
//! LIST shows the user's own mailboxes, and under `Other Users/<owner>/` those of other
//! accounts it holds `l` on (RFC 4314 §4), with `\NoSelect` levels above them that it cannot
//! see (`Other Users`, the owner, a parent not shared). STATUS needs `r`, and LIST-STATUS
//! answers only for mailboxes held with `r`.

use std::collections::{BTreeMap, BTreeSet};

use relais_directory::access::Rights;
use relais_imap_proto::{
    Code, Data, ListCommand, ListExtendedItem, ListItem, ListReturn, ListSelection, MailboxAttribute, MailboxName,
    StatusItem, StatusValue, Tag, pattern_matches,
};
use relais_mail::mailbox::{Folder, Folders};
use relais_store::share_rights;

use crate::commands::mailbox::load;
use crate::folders::{self, DELIMITER};
use crate::session::Session;

/// Every name LIST may show, sorted: a mailbox held with `l` (`Some`), or a `\NoSelect`
/// level above one in the Other Users namespace (`None`).
fn listable(folders: &Folders) -> BTreeMap<String, Option<&Folder>> {
    let mut names = BTreeMap::new();
    for f in folders.list.iter().filter(|f| f.may(Rights::LOOKUP)) {
        names.insert(f.name.clone(), Some(f));
        if folders::is_other_users(&f.name) {
            let mut path = f.name.as_str();
            while let Some((parent, _)) = path.rsplit_once(DELIMITER) {
                names.entry(parent.to_owned()).or_insert(None);
                path = parent;
            }
        }
    }
    names
}

fn has_children(names: &BTreeMap<String, Option<&Folder>>, name: &str) -> bool {
    let prefix = format!("{name}{DELIMITER}");
    names.range(prefix.clone()..).next().is_some_and(|(n, _)| n.starts_with(&prefix))
}

/// Every name the user subscribed to that LIST may show: its own subscriptions (existing
/// or not) and the shared mailboxes held with `l` it subscribed to.
fn subscribed(folders: &Folders) -> BTreeSet<String> {
    let shared = folders.list.iter().filter(|f| f.subscribed && f.may(Rights::LOOKUP)).map(|f| f.name.clone());
    folders.subscriptions.iter().cloned().chain(shared).collect()
}

/// The subscribed names below `name` that `matches` does not match: a parent matched in their
/// place is listed with CHILDINFO (RFC 5258 §3.5) or, in LSUB, as `\Noselect` (RFC 3501 §6.3.9).
fn unmatched_below(subs: &BTreeSet<String>, name: &str, matches: &dyn Fn(&str) -> bool) -> bool {
    let prefix = format!("{name}{DELIMITER}");
    subs.range(prefix.clone()..).take_while(|n| n.starts_with(&prefix)).any(|n| !matches(n))
}

/// The names LIST considers: every listable one (`Some`), and with SUBSCRIBED (`subs`) every
/// subscribed name without a mailbox (`None`, RFC 5258 §3.1), with RECURSIVEMATCH their
/// parents too (§3.5); in plain LIST neither.
fn candidates<'a>(
    names: &BTreeMap<String, Option<&'a Folder>>,
    subs: Option<&BTreeSet<String>>,
    recursive: bool,
) -> BTreeMap<String, Option<Option<&'a Folder>>> {
    let mut out: BTreeMap<_, _> = names.iter().map(|(n, f)| (n.clone(), Some(*f))).collect();
    for name in subs.into_iter().flatten() {
        out.entry(name.clone()).or_insert(None);
        let mut path = name.as_str();
        while recursive && let Some((parent, _)) = path.rsplit_once(DELIMITER) {
            out.entry(parent.to_owned()).or_insert(None);
            path = parent;
        }
    }
    out
}

pub async fn list(s: &mut Session, tag: &Tag, l: ListCommand) {
    // RFC 9051 §6.3.9: an empty pattern asks for the delimiter.
    if l.patterns.len() == 1 && l.patterns[0].is_empty() {
        s.data(Data::List(ListItem {
            attributes: vec![MailboxAttribute::NoSelect],
            delimiter: Some(DELIMITER),
            mailbox: MailboxName::new(""),
            extended: Vec::new(),
        }));
        return s.ok(tag, "LIST completed");
    }
    let Some(folders) = load(s, tag).await else { return };
    let me = s.account();
    let names = listable(&folders);
    let subs = subscribed(&folders);
    let subscribed_only = l.selection.contains(&ListSelection::Subscribed);
    let special_only = l.selection.contains(&ListSelection::SpecialUse);
    let recursive = l.selection.contains(&ListSelection::RecursiveMatch) && subscribed_only;
    let status_items = l.returns.iter().find_map(|r| match r {
        ListReturn::Status(items) => Some(items.clone()),
        _ => None,
    });
    let matches = |name: &str| {
        l.patterns.iter().any(|p| {
            let pattern = format!("{}{p}", l.reference);
            pattern_matches(&pattern, name, Some(DELIMITER)) || (p.eq_ignore_ascii_case("inbox") && name == "INBOX")
        })
    };
    let candidates = candidates(&names, subscribed_only.then_some(&subs), recursive);
    for (name, entry) in &candidates {
        let folder = entry.flatten();
        let is_subscribed = subs.contains(name);
        // RFC 5258 §3.5: a matching name with a subscribed descendant the pattern does not
        // match is listed, with CHILDINFO ("SUBSCRIBED"), subscribed itself or not.
        let child_subscribed = recursive && unmatched_below(&subs, name, &matches);
        if !matches(name) || (subscribed_only && !is_subscribed && !child_subscribed) {
            continue;
        }
        let extended = if child_subscribed && l.extended {
            vec![ListExtendedItem::ChildInfo(vec!["SUBSCRIBED".into()])]
        } else {
            Vec::new()
        };
        // Special use only for the user's own mailboxes: another's Sent is not this user's.
        let special =
            folder.filter(|f| Some(f.owner()) == me).and_then(|f| folders::special_use(f.collection.mailbox_role()));
        if special_only && special.is_none() {
            continue;
        }
        let mut attributes = Vec::new();
        match entry {
            // RFC 5258 §3.4: \NonExistent implies \NoSelect.
            None => attributes.push(MailboxAttribute::NonExistent),
            Some(None) => attributes.push(MailboxAttribute::NoSelect),
            Some(Some(_)) => {}
        }
        attributes.push(if has_children(&names, name) {
            MailboxAttribute::HasChildren
        } else {
            MailboxAttribute::HasNoChildren
        });
        if is_subscribed && (subscribed_only || l.returns.contains(&ListReturn::Subscribed)) {
            attributes.push(MailboxAttribute::Subscribed);
        }
        attributes.extend(special);
        s.data(Data::List(ListItem {
            attributes,
            delimiter: Some(DELIMITER),
            mailbox: MailboxName::new(name.clone()),
            extended,
        }));
        if let (Some(items), Some(f)) = (&status_items, folder)
            && f.may(Rights::READ_ITEMS)
        {
            send_status(s, f.collection.id, name, items).await;
        }
    }
    s.ok(tag, "LIST completed");
}

/// LSUB (RFC 3501 §6.3.9): the subscribed names the pattern matches, existing or not, and a
/// parent the pattern matches in place of a subscribed name below it (`%` cuts the hierarchy),
/// as `\Noselect` unless it is subscribed itself.
pub async fn lsub(s: &mut Session, tag: &Tag, reference: String, pattern: String) {
    let Some(folders) = load(s, tag).await else { return };
    let pattern = format!("{reference}{pattern}");
    let matches = |name: &str| pattern_matches(&pattern, name, Some(DELIMITER));
    let subs = subscribed(&folders);
    let mut shown: BTreeMap<String, Vec<MailboxAttribute>> = BTreeMap::new();
    for name in &subs {
        if matches(name) {
            shown.insert(name.clone(), Vec::new());
        }
        let mut path = name.as_str();
        while let Some((parent, _)) = path.rsplit_once(DELIMITER) {
            if !matches(name) && matches(parent) && !subs.contains(parent) {
                shown.entry(parent.to_owned()).or_insert_with(|| vec![MailboxAttribute::NoSelect]);
            }
            path = parent;
        }
    }
    for (name, attributes) in shown {
        s.data(Data::Lsub(ListItem {
            attributes,
            delimiter: Some(DELIMITER),
            mailbox: MailboxName::new(name),
            extended: Vec::new(),
        }));
    }
    s.ok(tag, "LSUB completed");
}

pub async fn status(s: &mut Session, tag: &Tag, name: MailboxName, items: Vec<StatusItem>) {
    let Some(account) = s.account() else { return };
    let wanted = name.as_str().to_owned();
    let f = match s.imap.store().read(move |r| crate::folders::Folders::resolve(r, account, &wanted)).await {
        Ok(Some(f)) => f,
        Ok(None) => return s.no(tag, Some(Code::Nonexistent), "no such mailbox"),
        Err(e) => return s.store_error(tag, &e),
    };
    // RFC 4314 §4: STATUS needs r.
    if !crate::rights::check(s, tag, &f, share_rights::READ_ITEMS, "STATUS") {
        return;
    }
    send_status(s, f.collection.id, &f.name, &items).await;
    s.ok(tag, "STATUS completed");
}

/// One `* STATUS` answer: counts from one listing of the mailbox.
async fn send_status(s: &mut Session, mailbox: relais_store::CollectionId, name: &str, items: &[StatusItem]) {
    let Ok((c, (messages, unclaimed), modseq)) = s
        .imap
        .store()
        .read(move |r| {
            let c = r.collection(mailbox)?;
            let m = r.mailbox_messages(mailbox)?;
            let modseq = r.account_modseq(c.account)?;
            let unclaimed = r.unclaimed_recent(mailbox)?;
            Ok((c, (m, unclaimed), modseq))
        })
        .await
    else {
        return;
    };
    let own_recent = s.view().filter(|v| v.mailbox == mailbox).map_or(0, |v| v.recent());
    let count = |f: &dyn Fn(&relais_store::MailboxMessage) -> bool| {
        u32::try_from(messages.iter().filter(|m| f(m)).count()).unwrap_or(u32::MAX)
    };
    let values = items
        .iter()
        .filter_map(|i| {
            Some(match i {
                StatusItem::Messages => StatusValue::Messages(count(&|_| true)),
                // RFC 3501 §6.3.10: the messages no session claimed yet, and this session's own.
                StatusItem::Recent => StatusValue::Recent(unclaimed.saturating_add(own_recent)),
                StatusItem::UidNext => StatusValue::UidNext(c.uid_next),
                StatusItem::UidValidity => StatusValue::UidValidity(c.uid_validity),
                StatusItem::Unseen => StatusValue::Unseen(count(&|m| !crate::convert::has(&m.keywords, "\\Seen"))),
                StatusItem::Deleted => StatusValue::Deleted(count(&|m| crate::convert::has(&m.keywords, "\\Deleted"))),
                StatusItem::Size => StatusValue::Size(messages.iter().map(|m| m.size).sum()),
                StatusItem::HighestModseq => StatusValue::HighestModseq(modseq.0),
                StatusItem::AppendLimit => StatusValue::AppendLimit(Some(s.imap.config.max_append)),
                StatusItem::MailboxId => StatusValue::MailboxId(mailbox.0.to_string()),
                StatusItem::DeletedStorage => return None,
            })
        })
        .collect();
    s.data(Data::Status { mailbox: MailboxName::new(name.to_owned()), values });
}
