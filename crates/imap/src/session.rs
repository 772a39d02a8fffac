//! One IMAP session: its state (RFC 9051 §3), what it has enabled, the selected mailbox's view,
//! and the untagged updates it owes the client. Handlers append responses to `out`; the
//! connection loop writes them.

use std::net::SocketAddr;
use std::sync::Arc;

use relais_directory::Principal;
use relais_imap_proto::{Code, CommandState, Data, Dialect, Response, SequenceSet, Status, StatusResponse, Tag};
use relais_store::{DataType, Notification};
use tokio::sync::broadcast;

use crate::Imap;
use crate::view::View;

pub enum State {
    NotAuthenticated,
    Authenticated,
    Selected(View),
}

/// What the connection loop does after a command.
pub enum Flow {
    Continue,
    StartTls,
    /// Enter IDLE (RFC 2177) for this tag.
    Idle(Tag),
    /// Read one SASL response line for this AUTHENTICATE.
    Authenticate(Tag),
    /// Deflate both directions after the answer already in `out` (RFC 4978).
    Compress,
    Logout,
}

pub struct Session {
    pub imap: Arc<Imap>,
    pub peer: SocketAddr,
    pub tls: bool,
    pub state: State,
    pub principal: Option<Principal>,
    pub condstore: bool,
    pub qresync: bool,
    pub utf8: bool,
    /// IMAP4rev2 enabled (RFC 9051 §7.1.1 ENABLE IMAP4rev2): no \Recent, RECENT or UNSEEN.
    pub rev2: bool,
    /// COMPRESS=DEFLATE is active (RFC 4978).
    pub compressed: bool,
    /// SEARCHRES (RFC 5182): the last saved result, as UIDs.
    pub saved: Option<Vec<u32>>,
    pub errors: u32,
    pub out: Vec<u8>,
    /// Commits of the watched account (and which account that is), to know when the view
    /// needs a sync. Made by `follow` when the watched account changes.
    pub changes: Option<(relais_store::AccountId, broadcast::Receiver<Notification>)>,
    /// The session cannot go on: BYE with this text, then close (RFC 9051 §7.1.5).
    pub closing: Option<&'static str>,
    /// The credentials it logged in with, to end the session when they are revoked.
    pub credential: Option<relais_directory::CredentialWatch>,
}

impl Session {
    pub fn new(imap: Arc<Imap>, peer: SocketAddr, tls: bool) -> Session {
        Session {
            imap,
            peer,
            tls,
            state: State::NotAuthenticated,
            principal: None,
            condstore: false,
            qresync: false,
            utf8: false,
            rev2: false,
            compressed: false,
            saved: None,
            errors: 0,
            out: Vec::new(),
            changes: None,
            closing: None,
            credential: None,
        }
    }

    pub fn dialect(&self) -> Dialect {
        Dialect { utf8: self.utf8 }
    }

    pub fn send(&mut self, r: Response) {
        let d = self.dialect();
        r.encode(&mut self.out, d);
    }

    pub fn data(&mut self, d: Data) {
        self.send(Response::Data(d));
    }

    pub fn status(&mut self, s: StatusResponse) {
        self.send(Response::Status(s));
    }

    pub fn ok(&mut self, tag: &Tag, text: &str) {
        self.status(StatusResponse::ok(tag, text));
    }

    pub fn ok_code(&mut self, tag: &Tag, code: Code, text: &str) {
        self.status(StatusResponse::ok(tag, text).with_code(code));
    }

    pub fn no(&mut self, tag: &Tag, code: Option<Code>, text: &str) {
        let r = StatusResponse::no(tag, text);
        self.status(match code {
            Some(c) => r.with_code(c),
            None => r,
        });
    }

    pub fn bad(&mut self, tag: &Tag, text: &str) {
        self.errors += 1;
        self.status(StatusResponse::bad(tag, text));
    }

    /// Tagged OK `done` for a store write that succeeded, else the store error's NO.
    pub fn finish(&mut self, tag: &Tag, result: relais_store::Result<()>, done: &str) {
        match result {
            Ok(()) => self.ok(tag, done),
            Err(e) => self.store_error(tag, &e),
        }
    }

    /// Tagged OK `done` for a mail-domain operation that succeeded, else its refusal's NO.
    pub fn answer<T>(&mut self, tag: &Tag, result: Result<T, relais_mail::MailError>, done: &str) {
        match result {
            Ok(_) => self.ok(tag, done),
            Err(e) => self.mail_error(tag, &e),
        }
    }

    /// A mail-domain operation's failure as a tagged NO: a mailbox the user may not see is
    /// NONEXISTENT, a right missing NOPERM naming its letters (RFC 4314 §4), a refusal CANNOT.
    pub fn mail_error(&mut self, tag: &Tag, e: &relais_mail::MailError) {
        use relais_mail::MailError;
        match e {
            MailError::Store(e) => self.store_error(tag, e),
            MailError::NoMailbox => self.no(tag, Some(Code::Nonexistent), "no such mailbox"),
            MailError::NoRight { missing, what } => {
                let letters = crate::rights::format(missing.bits());
                self.no(tag, Some(Code::NoPerm), &format!("{what} needs the \"{letters}\" right on this mailbox"));
            }
            MailError::Cannot(why) => self.no(tag, Some(Code::Cannot), why),
            other => {
                tracing::warn!(peer = %self.peer, error = %other, "imap: mail operation failed");
                self.no(tag, Some(Code::ServerBug), "internal error, try again");
            }
        }
    }

    /// Answers a store failure: NO with the right code, the detail to the log.
    pub fn store_error(&mut self, tag: &Tag, e: &relais_store::Error) {
        use relais_store::Error;
        let (code, text) = match e {
            Error::NotFound(_) => (Code::Nonexistent, "no such mailbox or message".to_owned()),
            Error::AlreadyExists(_) => (Code::AlreadyExists, "already exists".to_owned()),
            Error::Invalid(t) => (Code::Cannot, t.clone()),
            Error::OverQuota => (Code::OverQuota, e.to_string()),
            // RFC 5530 §3: LIMIT, a per-account bound (mailbox count, nesting depth).
            Error::Limit(t) => (Code::Limit, t.clone()),
            _ => {
                tracing::warn!(peer = %self.peer, error = %e, "imap: store error");
                (Code::ServerBug, "internal error, try again".to_owned())
            }
        };
        self.no(tag, Some(code), &text);
    }

    pub fn account(&self) -> Option<relais_store::AccountId> {
        self.principal.as_ref().map(|p| p.id)
    }

    /// The logged-in user as the mail domain's actor.
    pub fn actor(&self) -> Option<relais_directory::access::Actor> {
        self.account().map(|id| relais_directory::access::Actor::new(id, relais_directory::access::Protocol::Imap))
    }

    /// The account whose commits this session follows (NOOP, IDLE): the selected mailbox's
    /// owner, which is another account for a shared mailbox; else the user's own.
    pub fn watched(&self) -> Option<relais_store::AccountId> {
        match &self.state {
            State::Selected(v) => Some(v.owner),
            _ => self.account(),
        }
    }

    /// RFC 9051 §6: is the command allowed in the current state?
    pub fn allowed(&self, needs: CommandState) -> bool {
        matches!(
            (needs, &self.state),
            (CommandState::Any, _)
                | (CommandState::NotAuthenticated, State::NotAuthenticated)
                | (CommandState::Authenticated, State::Authenticated | State::Selected(_))
                | (CommandState::Selected, State::Selected(_))
        )
    }

    pub fn view(&mut self) -> Option<&mut View> {
        match &mut self.state {
            State::Selected(v) => Some(v),
            _ => None,
        }
    }

    /// The watched account's notifications (see the free `follow`).
    pub fn follow(&mut self) -> Option<(&mut broadcast::Receiver<Notification>, bool)> {
        let account = self.watched();
        follow(&mut self.changes, self.imap.store(), account)
    }

    /// True if a commit to the watched account touched mail since the last look.
    fn mail_changed(&mut self) -> bool {
        let Some((rx, fresh)) = self.follow() else {
            return false;
        };
        let mut changed = fresh;
        loop {
            match rx.try_recv() {
                Ok(n) if n.touches(DataType::Email) || n.touches(DataType::Mailbox) => changed = true,
                Ok(_) => {}
                Err(broadcast::error::TryRecvError::Lagged(_)) => changed = true,
                Err(_) => return changed,
            }
        }
    }

    /// Brings the selected view up to date and sends what the client is owed (RFC 9051 §7.5):
    /// new EXISTS and flag changes always; expunges only when `expunges_allowed` (never while
    /// answering FETCH, STORE or SEARCH by sequence number, §7.5.1).
    pub async fn updates(&mut self, expunges_allowed: bool, force: bool) {
        if !matches!(self.state, State::Selected(_)) || !(force || self.mail_changed()) {
            if expunges_allowed {
                self.flush_expunges();
            }
            return;
        }
        let State::Selected(view) = &mut self.state else { return };
        let v = view.clone();
        let me = self.account();
        let result = self.imap.store().read(move |r| resync(r, v, me)).await;
        let (mut v, updates) = match result {
            Ok(x) => x,
            // The change log no longer reaches back to this view (a session older than the
            // log's window): its sequence numbers cannot be reconciled. Say so and end the
            // session; the client reconnects and resynchronises (RFC 9051 §7.1.5 BYE).
            Err(relais_store::Error::ChangesTooOld { .. }) => {
                self.closing = Some("the mailbox changed too much while this session was away; please reconnect");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "imap: cannot sync the selected mailbox");
                return;
            }
        };
        if v.revoked() {
            // The owner took `r` away: nothing more about the mailbox goes out (the view stays
            // as the client knows it), and every command on it is refused
            // (`commands::dispatch`) until the client leaves it or `r` comes back.
            if let State::Selected(old) = &mut self.state {
                old.rights = v.rights;
            }
            return;
        }
        // New messages: claimed as \Recent by this session if no other was told of them first.
        let recent = if updates.exists.is_some() {
            crate::recent::settle(self.imap.store(), &mut v, self.rev2).await
        } else {
            0
        };
        let recent_now = v.recent();
        self.state = State::Selected(v);
        crate::commands::select::announce_keywords(self);
        if let Some(n) = updates.exists {
            self.data(Data::Exists(n));
        }
        if recent > 0 {
            // RFC 3501 §7.3.2: the number of messages with \Recent, after EXISTS as Dovecot sends it.
            self.data(Data::Recent(recent_now));
        }
        for seq in updates.flags {
            crate::commands::fetch::send_flags(self, seq);
        }
        if expunges_allowed {
            self.flush_expunges();
        }
    }

    /// RFC 7162 §3.1: a CONDSTORE-enabling command (FETCH with MODSEQ or CHANGEDSINCE, SEARCH
    /// with MODSEQ, STORE with UNCHANGEDSINCE) turns CONDSTORE on; the first one while a mailbox
    /// is selected is told the mailbox's HIGHESTMODSEQ, as Dovecot does, before its answer.
    pub fn enable_condstore(&mut self) {
        if self.condstore {
            return;
        }
        self.condstore = true;
        if let Some(highest) = self.view().map(|v| v.highest_modseq().0) {
            self.status(StatusResponse::new(None, Status::Ok, "Highest").with_code(Code::HighestModseq(highest)));
        }
    }

    /// Sends EXPUNGE (or VANISHED with QRESYNC) for messages gone since the last report.
    pub fn flush_expunges(&mut self) {
        let Some(view) = self.view().filter(|v| !v.revoked()) else { return };
        let gone = view.take_expunges();
        if gone.is_empty() {
            return;
        }
        if self.qresync {
            let uids = SequenceSet::from_numbers(gone.iter().map(|(_, u)| u.0));
            self.data(Data::Vanished { earlier: false, uids });
        } else {
            for (seq, _) in gone {
                self.data(Data::Expunge(seq));
            }
        }
    }

    /// Before each command (and on an IDLE wake-up): ends the session when the credentials it
    /// logged in with were changed or revoked since (`CredentialWatch`). A directory that
    /// cannot be read leaves the session going; the next command asks again.
    pub async fn check_credential(&mut self) {
        let imap = self.imap.clone();
        let Some(watch) = self.credential.as_mut() else { return };
        match watch.still_valid(imap.directory()).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::info!(peer = %self.peer, "imap: credentials revoked; ending the session");
                self.closing = Some("your credentials were changed or revoked; log in again");
            }
            Err(e) => tracing::warn!(peer = %self.peer, error = %e, "imap: cannot check the session's credentials"),
        }
    }

    pub fn bye(&mut self, text: &str) {
        self.status(StatusResponse::new(None, Status::Bye, text));
    }
}

/// The view brought up to date. Rights on another's mailbox are read again too: this runs
/// whenever its owner's account changed (a grant change is such a commit), so rights are never
/// kept from SELECT (RFC 4314 §4) and cost no read while nothing changes.
fn resync(
    r: &mut relais_store::ReadTx<'_>,
    mut v: View,
    me: Option<relais_store::AccountId>,
) -> relais_store::Result<(View, crate::view::Updates)> {
    let updates = v.sync(r)?;
    if let Some(me) = me.filter(|me| *me != v.owner) {
        v.rights = r.rights_on(v.mailbox, me)?;
    }
    Ok((v, updates))
}

/// The watched account's notifications, subscribed to on first use and again when the watched
/// account changes (a shared mailbox selected). `true` with a new receiver: what was committed
/// before it existed was not heard, so the caller must look once. A free function over the one
/// field, so that the connection can wait on it and on the credential watch together.
pub fn follow<'a>(
    changes: &'a mut Option<(relais_store::AccountId, broadcast::Receiver<Notification>)>,
    store: &relais_store::Store,
    watched: Option<relais_store::AccountId>,
) -> Option<(&'a mut broadcast::Receiver<Notification>, bool)> {
    let account = watched?;
    let fresh = changes.as_ref().is_none_or(|(a, _)| *a != account);
    if fresh {
        *changes = Some((account, store.subscribe_account(account)));
    }
    changes.as_mut().map(|(_, rx)| (rx, fresh))
}
