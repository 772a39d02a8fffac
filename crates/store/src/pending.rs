//! iMIP messages delivered but not yet applied to their recipients' calendars
//! (`calendar_pending`): the delivery writes the row, the groupware layer removes it once the
//! message's iTIP objects are applied, and replays what is left after a restart.

use crate::{AccountId, BlobHash, Error, ItemId, ReadTx, Result, WriteTx, params};

/// A delivered copy whose calendar part is still to be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCalendarMail {
    pub item: ItemId,
    pub account: AccountId,
    /// The envelope sender (who may send a REQUEST or CANCEL is checked against it).
    pub sender: String,
    /// How SMTP authenticated the sender (`relais_mail::SenderAuth` as text; '' unverified).
    pub auth: String,
    /// The message's content; `None` when the copy was deleted meanwhile.
    pub blob: Option<BlobHash>,
}

impl WriteTx<'_> {
    pub fn add_calendar_pending(&mut self, item: ItemId, account: AccountId, sender: &str, auth: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO calendar_pending (item_id, account_id, sender, auth) VALUES ($1, $2, $3, $4)",
            params![item.0, account.0, sender, auth],
        )?;
        Ok(())
    }

    pub fn remove_calendar_pending(&mut self, items: &[ItemId]) -> Result<()> {
        for item in items {
            self.conn().execute("DELETE FROM calendar_pending WHERE item_id = $1", params![item.0])?;
        }
        Ok(())
    }
}

impl ReadTx<'_> {
    /// Every pending copy, oldest first, with its content's address.
    pub fn calendar_pending(&mut self) -> Result<Vec<PendingCalendarMail>> {
        let rows = self.conn.query(
            "SELECT p.item_id, p.account_id, p.sender, i.blob_hash, p.auth FROM calendar_pending p \
             LEFT JOIN items i ON i.id = p.item_id ORDER BY p.item_id",
            params![],
        )?;
        rows.iter()
            .map(|r| {
                let blob = r
                    .opt_text(3)?
                    .map(|h| BlobHash::parse(&h).ok_or_else(|| Error::Corrupt(format!("blob hash {h:?}"))));
                Ok(PendingCalendarMail {
                    item: ItemId(r.int(0)?),
                    account: AccountId(r.int(1)?),
                    sender: r.text(2)?,
                    auth: r.text(4)?,
                    blob: blob.transpose()?,
                })
            })
            .collect()
    }
}
