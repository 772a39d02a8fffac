//! CREATE, DELETE, RENAME, SUBSCRIBE, UNSUBSCRIBE (RFC 9051 §6.3.4-8), LIST with LIST-EXTENDED
//! and LIST-STATUS (RFC 5258, RFC 5819), LSUB (RFC 3501 §6.3.9), STATUS (§6.3.11, STATUS=SIZE).

use relais_imap_proto::{
    Code, Data, ListCommand, ListExtendedItem, ListItem, ListReturn, ListSelection, MailboxAttribute, MailboxName,
    StatusItem, StatusValue, Tag, pattern_matches,
};
use relais_store::{CollectionKind, NewCollection};

use crate::folders::{self, DELIMITER, Folders};
use crate::session::Session;

pub async fn create(s: &mut Session, tag: &Tag, name: MailboxName, special_use: Vec<MailboxAttribute>) {
    let Some(account) = s.account() else { return };
    let full = folders::normalise(name.as_str());
    if full == "INBOX" || full.is_empty() || full.split(DELIMITER).any(str::is_empty) {
        return s.no(tag, Some(Code::Cannot), "invalid mailbox name");
    }
    let role = match special_use.as_slice() {
        [] => None,
        [a] => match folders::role_of(a) {
            Some(r) => Some(r.to_owned()),
            None => return s.no(tag, Some(Code::UseAttr), "unsupported special-use attribute"),
        },
        _ => return s.no(tag, Some(Code::UseAttr), "one special-use attribute at most"),
    };
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let folders = Folders::load(&mut tx.read(), account)?;
            if folders.find(&full).is_some() {
                return Err(relais_store::Error::AlreadyExists(full));
            }
            // Create the missing parents too (RFC 9051 §6.3.4).
            let mut parent = None;
            let parts: Vec<&str> = full.split(DELIMITER).collect();
            for (i, part) in parts.iter().enumerate() {
                let path = parts[..=i].join(&DELIMITER.to_string());
                let found = Folders::load(&mut tx.read(), account)?.find(&path).map(|c| c.id);
                parent = Some(match found {
                    Some(id) => id,
                    None => {
                        let last = i + 1 == parts.len();
                        let role = if last { role.clone() } else { None };
                        let new =
                            NewCollection { kind: CollectionKind::Mailbox, name: (*part).to_owned(), parent, role };
                        tx.create_collection(account, new)?.id
                    }
                });
            }
            Ok(())
        })
        .await;
    s.finish(tag, result, "CREATE completed");
}

pub async fn delete(s: &mut Session, tag: &Tag, name: MailboxName) {
    let Some(account) = s.account() else { return };
    let full = folders::normalise(name.as_str());
    if full == "INBOX" {
        return s.no(tag, Some(Code::Cannot), "INBOX cannot be deleted");
    }
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let folders = Folders::load(&mut tx.read(), account)?;
            let c = folders.get(&full)?;
            if folders.has_children(c.id) {
                return Err(relais_store::Error::Invalid("the mailbox has children; delete them first".into()));
            }
            tx.destroy_collection(c.id)
        })
        .await;
    s.finish(tag, result, "DELETE completed");
}

pub async fn rename(s: &mut Session, tag: &Tag, from: MailboxName, to: MailboxName) {
    let Some(account) = s.account() else { return };
    let (from, to) = (folders::normalise(from.as_str()), folders::normalise(to.as_str()));
    if to.starts_with(&format!("{from}{DELIMITER}")) {
        return s.no(tag, Some(Code::Cannot), "a mailbox cannot move inside itself");
    }
    if from == "INBOX" || to == "INBOX" || to.is_empty() {
        // RFC 9051 §6.3.6's INBOX rename (move all messages) is not offered.
        return s.no(tag, Some(Code::Cannot), "INBOX cannot be renamed");
    }
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let folders = Folders::load(&mut tx.read(), account)?;
            let c = folders.get(&from)?;
            if folders.find(&to).is_some() {
                return Err(relais_store::Error::AlreadyExists(to.clone()));
            }
            let (parent_name, leaf) = match to.rsplit_once(DELIMITER) {
                Some((p, l)) => (Some(p), l),
                None => (None, to.as_str()),
            };
            let parent = match parent_name {
                Some(p) => Some(folders.find(p).ok_or_else(|| relais_store::Error::NotFound(p.to_owned()))?.id),
                None => None,
            };
            tx.rename_collection(c.id, leaf, parent)
        })
        .await;
    s.finish(tag, result, "RENAME completed");
}

pub async fn subscribe(s: &mut Session, tag: &Tag, name: MailboxName, on: bool) {
    let Some(account) = s.account() else { return };
    let full = folders::normalise(name.as_str());
    let result = s
        .imap
        .store()
        .write(move |tx| {
            let folders = Folders::load(&mut tx.read(), account)?;
            let c = folders.get(&full)?;
            tx.set_subscribed(c.id, on)
        })
        .await;
    match result {
        Ok(()) => s.ok(tag, if on { "SUBSCRIBE completed" } else { "UNSUBSCRIBE completed" }),
        Err(e) => s.store_error(tag, &e),
    }
}

async fn load(s: &mut Session, tag: &Tag) -> Option<Folders> {
    let account = s.account()?;
    match s.imap.store().read(move |r| Folders::load(r, account)).await {
        Ok(f) => Some(f),
        Err(e) => {
            s.store_error(tag, &e);
            None
        }
    }
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
    let subscribed_only = l.selection.contains(&ListSelection::Subscribed);
    let special_only = l.selection.contains(&ListSelection::SpecialUse);
    let recursive = l.selection.contains(&ListSelection::RecursiveMatch) && subscribed_only;
    let status_items = l.returns.iter().find_map(|r| match r {
        ListReturn::Status(items) => Some(items.clone()),
        _ => None,
    });
    for (name, c) in &folders.list {
        let matched = l.patterns.iter().any(|p| {
            let pattern = format!("{}{p}", l.reference);
            pattern_matches(&pattern, name, Some(DELIMITER)) || (p.eq_ignore_ascii_case("inbox") && name == "INBOX")
        });
        // RFC 5258 §3.5: with RECURSIVEMATCH, a matching parent that is not itself subscribed
        // is listed when a descendant is, with CHILDINFO ("SUBSCRIBED").
        let prefix = format!("{name}{DELIMITER}");
        let child_subscribed = recursive && folders.list.iter().any(|(n, d)| d.subscribed && n.starts_with(&prefix));
        if !matched || (subscribed_only && !c.subscribed && !child_subscribed) {
            continue;
        }
        let extended = if child_subscribed && l.extended {
            vec![ListExtendedItem::ChildInfo(vec!["SUBSCRIBED".into()])]
        } else {
            Vec::new()
        };
        let special = folders::special_use(c.role.as_deref());
        if special_only && special.is_none() {
            continue;
        }
        let mut attributes = vec![if folders.has_children(c.id) {
            MailboxAttribute::HasChildren
        } else {
            MailboxAttribute::HasNoChildren
        }];
        if c.subscribed && (subscribed_only || l.returns.contains(&ListReturn::Subscribed)) {
            attributes.push(MailboxAttribute::Subscribed);
        }
        attributes.extend(special);
        s.data(Data::List(ListItem {
            attributes,
            delimiter: Some(DELIMITER),
            mailbox: MailboxName::new(name.clone()),
            extended,
        }));
        if let Some(items) = &status_items {
            send_status(s, c.id, name, items).await;
        }
    }
    s.ok(tag, "LIST completed");
}

pub async fn lsub(s: &mut Session, tag: &Tag, reference: String, pattern: String) {
    let Some(folders) = load(s, tag).await else { return };
    let pattern = format!("{reference}{pattern}");
    for (name, c) in &folders.list {
        if c.subscribed && pattern_matches(&pattern, name, Some(DELIMITER)) {
            s.data(Data::Lsub(ListItem {
                attributes: Vec::new(),
                delimiter: Some(DELIMITER),
                mailbox: MailboxName::new(name.clone()),
                extended: Vec::new(),
            }));
        }
    }
    s.ok(tag, "LSUB completed");
}

pub async fn status(s: &mut Session, tag: &Tag, name: MailboxName, items: Vec<StatusItem>) {
    let Some(folders) = load(s, tag).await else { return };
    let Some(c) = folders.find(name.as_str()).cloned() else {
        return s.no(tag, Some(Code::Nonexistent), "no such mailbox");
    };
    let full = folders.name_of(c.id).unwrap_or("").to_owned();
    send_status(s, c.id, &full, &items).await;
    s.ok(tag, "STATUS completed");
}

/// One `* STATUS` answer: counts from one listing of the mailbox.
async fn send_status(s: &mut Session, mailbox: relais_store::CollectionId, name: &str, items: &[StatusItem]) {
    let Ok((c, messages, modseq)) = s
        .imap
        .store()
        .read(move |r| {
            let c = r.collection(mailbox)?;
            let m = r.mailbox_messages(mailbox)?;
            let modseq = r.account_modseq(c.account)?;
            Ok((c, m, modseq))
        })
        .await
    else {
        return;
    };
    let count = |f: &dyn Fn(&relais_store::MailboxMessage) -> bool| {
        u32::try_from(messages.iter().filter(|m| f(m)).count()).unwrap_or(u32::MAX)
    };
    let values = items
        .iter()
        .filter_map(|i| {
            Some(match i {
                StatusItem::Messages => StatusValue::Messages(count(&|_| true)),
                StatusItem::Recent => StatusValue::Recent(0),
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
