//! IMAP mailbox names ↔ the store's mailbox collections. Names are hierarchical with `/`
//! (RFC 9051 §5.1); INBOX is the collection with role `inbox` and matches case-insensitively;
//! the store keeps each collection's own name and its parent, so a full name is built by
//! walking up.

use relais_imap_proto::MailboxAttribute;
use relais_store::{AccountId, Collection, CollectionId, CollectionKind, ReadTx};

pub const DELIMITER: char = '/';

/// All mailboxes of an account with their full names.
pub struct Folders {
    pub list: Vec<(String, Collection)>,
}

impl Folders {
    pub fn load(r: &mut ReadTx<'_>, account: AccountId) -> relais_store::Result<Folders> {
        let all = r.collections(account, CollectionKind::Mailbox)?;
        let mut list = Vec::with_capacity(all.len());
        for c in &all {
            list.push((full_name(&all, c), c.clone()));
        }
        list.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Folders { list })
    }

    pub fn find(&self, name: &str) -> Option<&Collection> {
        let name = normalise(name);
        self.list.iter().find(|(n, _)| *n == name).map(|(_, c)| c)
    }

    /// The mailbox of that name, or `NotFound`.
    pub fn get(&self, name: &str) -> relais_store::Result<Collection> {
        self.find(name).cloned().ok_or_else(|| relais_store::Error::NotFound(name.to_owned()))
    }

    pub fn name_of(&self, id: CollectionId) -> Option<&str> {
        self.list.iter().find(|(_, c)| c.id == id).map(|(n, _)| n.as_str())
    }

    pub fn has_children(&self, id: CollectionId) -> bool {
        self.list.iter().any(|(_, c)| c.parent == Some(id))
    }
}

/// `inbox` and `Inbox/x` as INBOX (RFC 9051 §5.1); trailing delimiters dropped.
pub fn normalise(name: &str) -> String {
    let name = name.trim_end_matches(DELIMITER);
    match name.get(..5) {
        Some(head) if head.eq_ignore_ascii_case("INBOX") && (name.len() == 5 || name[5..].starts_with(DELIMITER)) => {
            format!("INBOX{}", &name[5..])
        }
        _ => name.to_owned(),
    }
}

fn full_name(all: &[Collection], c: &Collection) -> String {
    if c.role.as_deref() == Some("inbox") && c.parent.is_none() {
        return "INBOX".into();
    }
    let mut parts = vec![c.name.clone()];
    let mut parent = c.parent;
    let mut depth = 0;
    while let Some(p) = parent {
        let Some(pc) = all.iter().find(|x| x.id == p) else { break };
        parts.push(if pc.role.as_deref() == Some("inbox") && pc.parent.is_none() {
            "INBOX".into()
        } else {
            pc.name.clone()
        });
        parent = pc.parent;
        depth += 1;
        if depth > 64 {
            break;
        }
    }
    parts.reverse();
    parts.join(&DELIMITER.to_string())
}

/// RFC 6154 attributes of a role.
pub fn special_use(role: Option<&str>) -> Option<MailboxAttribute> {
    Some(match role? {
        "drafts" => MailboxAttribute::Drafts,
        "sent" => MailboxAttribute::Sent,
        "trash" => MailboxAttribute::Trash,
        "junk" => MailboxAttribute::Junk,
        "archive" => MailboxAttribute::Archive,
        "all" => MailboxAttribute::All,
        "flagged" => MailboxAttribute::Flagged,
        _ => return None,
    })
}

/// The role for a CREATE-SPECIAL-USE attribute.
pub fn role_of(attr: &MailboxAttribute) -> Option<&'static str> {
    Some(match attr {
        MailboxAttribute::Drafts => "drafts",
        MailboxAttribute::Sent => "sent",
        MailboxAttribute::Trash => "trash",
        MailboxAttribute::Junk => "junk",
        MailboxAttribute::Archive => "archive",
        MailboxAttribute::All => "all",
        MailboxAttribute::Flagged => "flagged",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(normalise("inbox"), "INBOX");
        assert_eq!(normalise("Inbox/Sub"), "INBOX/Sub");
        assert_eq!(normalise("Inboxes"), "Inboxes");
        assert_eq!(normalise("Work/"), "Work");
    }
}
