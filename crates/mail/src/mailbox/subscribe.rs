//! Subscriptions (IMAP SUBSCRIBE/UNSUBSCRIBE, RFC 9051 §6.3.7-8; JMAP `isSubscribed`): the
//! user's own list of names, which the server never changes by itself (CREATE subscribes
//! nothing, DELETE leaves the name subscribed, RFC 3501 §6.3.6). Subscribing needs the mailbox
//! to exist (RFC 9051 §6.3.7 lets a server check, as Dovecot does); unsubscribing a name does
//! not. A subscription to a mailbox another account shared is kept on the user's grant.

use relais_directory::access::Actor;
use relais_store::Store;

use super::list::{Folders, is_other_users, normalise};
use crate::MailError;

/// Subscribes the actor to the mailbox `name` (`on`), or unsubscribes it.
pub async fn subscribe(store: &Store, actor: &Actor, name: &str, on: bool) -> Result<(), MailError> {
    let (actor, full) = (actor.clone(), normalise(name));
    store
        .write(move |tx| {
            let found = Folders::resolve(&mut tx.read(), &actor, &full)?;
            if is_other_users(&full) {
                let Some(f) = found else { return Ok(Err(MailError::NoMailbox)) };
                tx.set_share_subscribed(f.collection.id, actor.principal, on)?;
                return Ok(Ok(()));
            }
            if on && found.is_none() {
                return Ok(Err(MailError::NoMailbox));
            }
            tx.set_subscription(actor.principal, &full, on)?;
            // Logged as a change of the mailbox (JMAP isSubscribed), when there is one.
            if let Some(f) = found {
                tx.set_subscribed(f.collection.id, on)?;
            }
            Ok(Ok(()))
        })
        .await?
}
