//! Which mailboxes one message is in (JMAP Email/set `mailboxIds`, RFC 8621 §4.6): a message
//! may be in several mailboxes of its account at once, as one message (one item, one set of
//! keywords), unlike an IMAP COPY, which makes a new one. Rights (RFC 4314 §4): `r` on a
//! mailbox it is in, `i` on each mailbox it joins, `t` and `e` on each it leaves.

use relais_directory::access::{Actor, Rights};
use relais_store::{CollectionId, ItemId, Store};

use super::{Checked, require};
use crate::MailError;

/// Puts the message `item` in the mailboxes `add` and takes it out of `remove`, in one
/// transaction; every mailbox must be of the message's account. A change that would leave it
/// in no mailbox is refused (destroying is an expunge). Adding where it is and removing
/// where it is not are no-ops.
pub async fn file(
    store: &Store,
    actor: &Actor,
    item: ItemId,
    add: Vec<CollectionId>,
    remove: Vec<CollectionId>,
) -> Result<(), MailError> {
    let actor = actor.clone();
    store
        .write(move |tx| -> relais_store::Result<Checked<()>> {
            let message = match tx.read().item(item) {
                Ok(i) if i.data_type == relais_store::DataType::Email => i,
                Ok(_) | Err(relais_store::Error::NotFound(_)) => return Ok(Err(MailError::Cannot("no such message"))),
                Err(e) => return Err(e),
            };
            let current: Vec<CollectionId> = tx.read().mailboxes_of(item)?.into_iter().map(|(m, _)| m).collect();
            let mut readable = false;
            for m in &current {
                if require(&mut tx.read(), &actor, *m, Rights::READ_ITEMS, "reading")?.is_ok() {
                    readable = true;
                }
            }
            if !readable {
                return Ok(Err(MailError::Cannot("no such message")));
            }
            let adding: Vec<CollectionId> = add.into_iter().filter(|m| !current.contains(m)).collect();
            let removing: Vec<CollectionId> =
                remove.into_iter().filter(|m| current.contains(m) && !adding.contains(m)).collect();
            for m in &adding {
                let (c, _) = match require(&mut tx.read(), &actor, *m, Rights::INSERT, "adding messages")? {
                    Ok(x) => x,
                    Err(refused) => return Ok(Err(refused)),
                };
                if c.account != message.account {
                    return Ok(Err(MailError::Cannot("a message stays in its own account's mailboxes")));
                }
            }
            for m in &removing {
                let needed = Rights::DELETE_ITEMS | Rights::EXPUNGE;
                if let Err(refused) = require(&mut tx.read(), &actor, *m, needed, "removing messages")? {
                    return Ok(Err(refused));
                }
            }
            if current.len() + adding.len() <= removing.len() {
                return Ok(Err(MailError::Cannot("a message must stay in at least one mailbox")));
            }
            for m in adding {
                tx.add_to_mailbox(item, m)?;
            }
            for m in removing {
                tx.remove_from_mailbox(item, m)?;
            }
            Ok(Ok(()))
        })
        .await?
}
