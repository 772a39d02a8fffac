//! JMAP accounts (RFC 8620 §1.6.2) from the access service: the principal's own account, and
//! each account that shares a mailbox with it (`relais_mail::mailbox::Folders`, whose rights
//! come from `relais_directory::access`), an address book
//! (`relais_groupware::address_book::sharing_accounts`), a calendar
//! (`relais_groupware::calendar::sharing_accounts`) or a task list
//! (`relais_groupware::task_list::sharing_accounts`), from the same access service. In a shared
//! account only the shared mailboxes, address books, calendars and task lists, and what is in them, exist
//! for the actor; everything else is not found, never forbidden, so nothing leaks about what
//! is not shared.

use relais_directory::access::{Actor, Rights};
use relais_mail::mailbox::{Folder, Folders};
use relais_store::{AccountId, Collection, CollectionId, ReadTx};

/// An account as one actor sees it.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    /// The owner's address (the account's name).
    pub name: String,
    pub personal: bool,
    /// The mailboxes of the account the actor sees, with its rights on each.
    pub mailboxes: Vec<Folder>,
    /// The actor sees address books in it (always in its own).
    pub contacts: bool,
    /// The actor may change something in one of them.
    pub writes_contacts: bool,
    /// The actor sees calendars in it (always in its own).
    pub calendars: bool,
    /// The actor may change something in one of them.
    pub writes_calendars: bool,
    /// The actor sees task lists in it (always in its own).
    pub tasks: bool,
    /// The actor may change something in one of them.
    pub writes_tasks: bool,
}

/// Rights any of which makes an account writable for the actor.
const WRITING: [Rights; 5] =
    [Rights::INSERT, Rights::WRITE_FLAGS, Rights::KEEP_SEEN, Rights::DELETE_ITEMS, Rights::CREATE];

impl Account {
    pub fn read_only(&self) -> bool {
        !self.personal
            && !self.writes_contacts
            && !self.writes_calendars
            && !self.writes_tasks
            && !self.mailboxes.iter().any(|f| WRITING.iter().any(|w| f.rights.contains(*w)))
    }

    pub fn mailbox(&self, id: CollectionId) -> Option<&Folder> {
        self.mailboxes.iter().find(|f| f.collection.id == id)
    }

    /// The mailboxes in which the actor may read messages.
    pub fn readable(&self) -> impl Iterator<Item = &Collection> {
        self.mailboxes.iter().filter(|f| f.may(Rights::READ_ITEMS)).map(|f| &f.collection)
    }
}

/// The groupware collections a shared account may be reached through.
#[derive(Clone, Copy)]
enum Shelf {
    Contacts,
    Calendars,
    Tasks,
}

/// Every account the actor reaches: its own first, then the sharing ones by id.
pub fn accounts(r: &mut ReadTx<'_>, actor: &Actor) -> relais_store::Result<Vec<Account>> {
    let folders = Folders::load(r, actor)?;
    let me = actor.principal;
    let mut out: Vec<Account> = Vec::new();
    let own_name = r.principal(me)?.map(|p| p.address()).unwrap_or_default();
    out.push(Account {
        id: me,
        name: own_name,
        personal: true,
        mailboxes: Vec::new(),
        contacts: true,
        writes_contacts: true,
        calendars: true,
        writes_calendars: true,
        tasks: true,
        writes_tasks: true,
    });
    for f in folders.list {
        let owner = f.collection.account;
        match out.iter_mut().find(|a| a.id == owner) {
            Some(a) => a.mailboxes.push(f),
            None => {
                let name = r.principal(owner)?.map(|p| p.address()).unwrap_or_default();
                let mailboxes = vec![f];
                out.push(Account {
                    id: owner,
                    name,
                    personal: false,
                    mailboxes,
                    contacts: false,
                    writes_contacts: false,
                    calendars: false,
                    writes_calendars: false,
                    tasks: false,
                    writes_tasks: false,
                });
            }
        }
    }
    let books = relais_groupware::address_book::sharing_accounts(r, actor)?;
    let calendars = relais_groupware::calendar::sharing_accounts(r, actor)?;
    let lists = relais_groupware::task_list::sharing_accounts(r, actor)?;
    let shelves = [(books, Shelf::Contacts), (calendars, Shelf::Calendars), (lists, Shelf::Tasks)];
    for (owner, writes, shelf) in shelves.into_iter().flat_map(|(l, s)| l.into_iter().map(move |(o, w)| (o, w, s))) {
        let a = match out.iter().position(|a| a.id == owner) {
            Some(i) => &mut out[i],
            None => {
                let name = r.principal(owner)?.map(|p| p.address()).unwrap_or_default();
                out.push(Account {
                    id: owner,
                    name,
                    personal: false,
                    mailboxes: Vec::new(),
                    contacts: false,
                    writes_contacts: false,
                    calendars: false,
                    writes_calendars: false,
                    tasks: false,
                    writes_tasks: false,
                });
                let last = out.len() - 1;
                &mut out[last]
            }
        };
        match shelf {
            Shelf::Contacts => (a.contacts, a.writes_contacts) = (true, writes),
            Shelf::Calendars => (a.calendars, a.writes_calendars) = (true, writes),
            Shelf::Tasks => (a.tasks, a.writes_tasks) = (true, writes),
        }
    }
    if let Some((_, shared)) = out.split_first_mut() {
        shared.sort_by_key(|a| a.id);
    }
    Ok(out)
}

/// The account `id` as the actor sees it, if it reaches it.
pub fn account(r: &mut ReadTx<'_>, actor: &Actor, id: AccountId) -> relais_store::Result<Option<Account>> {
    Ok(accounts(r, actor)?.into_iter().find(|a| a.id == id))
}
