//! JMAP push subscriptions (RFC 8620 §7.2) as the directory keeps them: a principal's, beside
//! its credentials — they live as long as the login that made them (`credentials_hold`). The
//! JMAP crate validates what a client sends and calls these; the binary's sender records each
//! push's outcome. Each is one store transaction.

use relais_store::{AccountId, NewPushSubscription, PushSubscriptionUpdate};

use crate::Directory;

impl Directory {
    /// Keeps a subscription of `principal`; `Error::Limit` past `at_most` of them.
    pub async fn add_push_subscription(
        &self,
        principal: AccountId,
        new: NewPushSubscription,
        at_most: u32,
    ) -> relais_store::Result<i64> {
        self.store.write(move |tx| tx.create_push_subscription(principal, new, at_most)).await
    }

    /// Changes one of `principal`'s subscriptions; false if it has none `id`.
    pub async fn change_push_subscription(
        &self,
        principal: AccountId,
        id: i64,
        up: PushSubscriptionUpdate,
    ) -> relais_store::Result<bool> {
        self.store.write(move |tx| tx.update_push_subscription(principal, id, &up)).await
    }

    /// Removes one of `principal`'s subscriptions; false if it has none `id`.
    pub async fn remove_push_subscription(&self, principal: AccountId, id: i64) -> relais_store::Result<bool> {
        self.store.write(move |tx| tx.destroy_push_subscription(principal, id)).await
    }

    /// Removes every subscription expired at `now`; how many went.
    pub async fn purge_push_subscriptions(&self, now: i64) -> relais_store::Result<u64> {
        self.store.write(move |tx| tx.purge_push_subscriptions(now)).await
    }

    /// A push's outcome: `told` (the pushState it told) when it was delivered, `None` when it
    /// failed. Returns the failures in a row.
    pub async fn note_push_outcome(&self, id: i64, told: Option<String>) -> relais_store::Result<i64> {
        self.store.write(move |tx| tx.note_push_outcome(id, told.as_deref())).await
    }
}
