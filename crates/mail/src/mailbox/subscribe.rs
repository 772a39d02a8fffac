//! Subscriptions (IMAP SUBSCRIBE/UNSUBSCRIBE, RFC 9051 §6.3.7-8; JMAP `isSubscribed`): the
//! user's own list, which the server never changes by itself. A subscription to a mailbox
//! another account shared is kept on the user's grant.

use relais_directory::access::Actor;
use relais_store::Store;

use super::list::{Folders, normalise};
use crate::MailError;

/// Subscribes the actor to the mailbox `name` (`on`), or unsubscribes it.
pub async fn subscribe(store: &Store, actor: &Actor, name: &str, on: bool) -> Result<(), MailError> {
    let (actor, full) = (actor.clone(), normalise(name));
    store
        .write(move |tx| {
            let Some(f) = Folders::resolve(&mut tx.read(), &actor, &full)? else {
                return Ok(Err(MailError::NoMailbox));
            };
            if f.owner() == actor.principal {
                tx.set_subscribed(f.collection.id, on)?;
            } else {
                tx.set_share_subscribed(f.collection.id, actor.principal, on)?;
            }
            Ok(Ok(()))
        })
        .await?
}
