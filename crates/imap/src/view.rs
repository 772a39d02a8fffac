//! A session's view of its selected mailbox (RFC 9051 §2.3.1.2): the sequence-number ↔ UID map,
//! each message's flags and MODSEQ as this session last reported them, and the changes other
//! sessions (or protocols) made since, taken from the store's change log.
//!
//! The view changes only in `sync`, and a message leaves it only when the session is allowed to
//! tell the client (RFC 9051 §7.5.1: no EXPUNGE while answering FETCH, STORE or SEARCH); until
//! then expunged messages stay in the map, marked gone, so sequence numbers never shift under
//! a command.

use relais_store::{AccountId, CollectionId, ItemId, MailboxChange, Modseq, ReadTx, Uid, share_rights};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub uid: Uid,
    pub item: ItemId,
    pub modseq: Modseq,
    pub flags: Vec<String>,
    pub size: u64,
    pub received_at: i64,
    /// Expunged elsewhere, not yet reported to this client.
    pub gone: bool,
    /// \Recent for this session (RFC 3501 §2.3.2): it was the first to be told of the message.
    pub recent: bool,
}

/// What a sync found, for the untagged responses of the next allowed moment.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Updates {
    /// Sequence numbers to report as EXPUNGE, in the order to send them (highest first keeps
    /// the numbers valid as each is sent), or UIDs as VANISHED.
    pub expunged: Vec<(u32, Uid)>,
    /// New EXISTS count, if messages arrived.
    pub exists: Option<u32>,
    /// Sequence numbers whose flags changed.
    pub flags: Vec<u32>,
}

#[derive(Debug, Clone)]
pub struct View {
    pub mailbox: CollectionId,
    /// The account owning the mailbox: the user's own, or another's that shared it.
    pub owner: AccountId,
    /// The user's rights on the mailbox when it was selected (`relais_store::share_rights`).
    pub rights: i64,
    pub uid_validity: u32,
    pub uid_next: u32,
    pub read_only: bool,
    pub messages: Vec<Message>,
    /// The account modseq this view is up to date with.
    pub modseq: Modseq,
    /// The flags last announced with FLAGS.
    pub announced: Vec<String>,
    /// The mailbox's recent watermark as last read (`relais_mail::recent`).
    pub recent_uid: Uid,
    /// The highest UID whose recentness this view has settled.
    pub recent_checked: Uid,
    /// This session claims \Recent: a read-write SELECT. EXAMINE, and a SELECT that can change
    /// nothing (RFC 4314 rights), look without claiming, as RFC 3501 §6.3.2 says of EXAMINE.
    pub claims: bool,
}

impl View {
    /// Loads the mailbox as it is now, for a user holding `rights` on it. It is read-only for
    /// EXAMINE, and for a user who may change nothing in it (RFC 4314 §4: none of s w i t e).
    pub fn open(r: &mut ReadTx<'_>, mailbox: CollectionId, examine: bool, rights: i64) -> relais_store::Result<View> {
        use share_rights::{DELETE_ITEMS, EXPUNGE, INSERT, KEEP_SEEN, WRITE_FLAGS};
        let read_only = examine || rights & (KEEP_SEEN | WRITE_FLAGS | INSERT | DELETE_ITEMS | EXPUNGE) == 0;
        let c = r.collection(mailbox)?;
        let modseq = r.account_modseq(c.account)?;
        let recent_uid = r.recent_uid(mailbox)?;
        let messages = r
            .mailbox_messages(mailbox)?
            .into_iter()
            .map(|m| Message {
                uid: m.uid,
                item: m.item,
                modseq: m.modseq,
                flags: m.keywords,
                size: m.size,
                received_at: m.received_at,
                gone: false,
                recent: false,
            })
            .collect();
        Ok(View {
            mailbox,
            owner: c.account,
            rights,
            uid_validity: c.uid_validity,
            uid_next: c.uid_next,
            read_only,
            messages,
            modseq,
            announced: Vec::new(),
            recent_uid,
            recent_checked: Uid(0),
            claims: !read_only,
        })
    }

    /// True if the user may do what `needed` stands for here (and the view is not read-only).
    /// The user no longer holds `r` on the mailbox (its owner revoked it while selected).
    pub fn revoked(&self) -> bool {
        !share_rights::has(self.rights, share_rights::READ_ITEMS)
    }

    pub fn may(&self, needed: i64) -> bool {
        !self.read_only && share_rights::has(self.rights, needed)
    }

    pub fn exists(&self) -> u32 {
        u32::try_from(self.messages.len()).unwrap_or(u32::MAX)
    }

    /// Sequence number (1-based) of a UID.
    pub fn seq_of(&self, uid: Uid) -> Option<u32> {
        self.messages.binary_search_by_key(&uid, |m| m.uid).ok().and_then(|i| u32::try_from(i + 1).ok())
    }

    pub fn by_seq(&self, seq: u32) -> Option<&Message> {
        self.messages.get(usize::try_from(seq).ok()?.checked_sub(1)?)
    }

    pub fn max_uid(&self) -> u32 {
        self.messages.last().map_or(0, |m| m.uid.0)
    }

    /// The highest MODSEQ of the mailbox as the client may know it (RFC 7162 §3.1.2.1).
    pub fn highest_modseq(&self) -> Modseq {
        self.modseq
    }

    /// How many messages are \Recent for this session (RFC 3501 §7.3.2 RECENT).
    pub fn recent(&self) -> u32 {
        u32::try_from(self.messages.iter().filter(|m| m.recent).count()).unwrap_or(u32::MAX)
    }

    /// Settles the recentness of the messages above `recent_checked`: those above `before`
    /// (the watermark this session's claim found, or the one read when it does not claim) are
    /// recent. Returns how many became recent.
    pub fn mark_recent(&mut self, before: Uid) -> u32 {
        let from = before.max(self.recent_checked);
        let mut n = 0;
        for m in self.messages.iter_mut().filter(|m| m.uid > from) {
            m.recent = true;
            n += 1;
        }
        self.recent_checked = self.recent_checked.max(Uid(self.max_uid()));
        n
    }

    /// Reads what changed since `self.modseq` and folds it in. New messages and flag changes are
    /// applied at once; expunges are only marked (`gone`) until `take_expunges`.
    pub fn sync(&mut self, r: &mut ReadTx<'_>) -> relais_store::Result<Updates> {
        let changes = r.mailbox_changes_since(self.mailbox, self.modseq)?;
        let c = r.collection(self.mailbox)?;
        let now = r.account_modseq(c.account)?;
        self.recent_uid = r.recent_uid(self.mailbox)?;
        let mut updates = Updates::default();
        let mut arrived = false;
        for ch in changes {
            self.apply(r, &ch, &mut updates, &mut arrived)?;
        }
        self.uid_next = c.uid_next;
        self.modseq = now;
        if arrived {
            updates.exists = Some(self.exists());
        }
        updates.flags.sort_unstable();
        updates.flags.dedup();
        Ok(updates)
    }

    fn apply(
        &mut self,
        r: &mut ReadTx<'_>,
        ch: &MailboxChange,
        updates: &mut Updates,
        arrived: &mut bool,
    ) -> relais_store::Result<()> {
        use relais_store::ChangeKind::*;
        match (ch.kind, self.messages.binary_search_by_key(&ch.uid, |m| m.uid)) {
            (Destroyed, Ok(i)) => self.messages[i].gone = true,
            (Destroyed, Err(_)) => {}
            (Created | Updated, Ok(i)) => {
                let item = r.item(ch.item);
                if let Ok(item) = item {
                    let m = &mut self.messages[i];
                    if m.flags != item.keywords || m.modseq != ch.modseq {
                        m.flags = item.keywords;
                        m.modseq = ch.modseq;
                        updates.flags.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
                    }
                }
            }
            (Created | Updated, Err(_)) if ch.uid.0 > self.max_uid() => {
                // Arrived since the view was taken; a message that came and went in between
                // is skipped (it no longer exists).
                if let Ok(item) = r.item(ch.item) {
                    self.messages.push(Message {
                        uid: ch.uid,
                        item: ch.item,
                        modseq: ch.modseq,
                        flags: item.keywords,
                        size: item.size,
                        received_at: item.received_at,
                        gone: false,
                        recent: false,
                    });
                    *arrived = true;
                }
            }
            (Created | Updated, Err(_)) => {}
        }
        Ok(())
    }

    /// Removes the messages marked gone and returns their (sequence number, UID), highest
    /// sequence number first, the order EXPUNGE responses must come in.
    pub fn take_expunges(&mut self) -> Vec<(u32, Uid)> {
        let mut out = Vec::new();
        for i in (0..self.messages.len()).rev() {
            if self.messages[i].gone {
                out.push((u32::try_from(i + 1).unwrap_or(u32::MAX), self.messages[i].uid));
            }
        }
        self.messages.retain(|m| !m.gone);
        out
    }

    /// Marks messages this session itself expunged.
    pub fn mark_gone(&mut self, uids: &[Uid]) {
        for uid in uids {
            if let Ok(i) = self.messages.binary_search_by_key(uid, |m| m.uid) {
                self.messages[i].gone = true;
            }
        }
    }
}
