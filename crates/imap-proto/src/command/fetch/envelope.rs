//! FETCH ENVELOPE's data (RFC 9051 §7.5.2), as plain data the server fills from its stored
//! summary (its fields mirror relais-mail's `summary::Envelope` one to one).
//!
//! ```text
//! envelope = "(" env-date SP env-subject SP env-from SP env-sender SP env-reply-to SP env-to
//!            SP env-cc SP env-bcc SP env-in-reply-to SP env-message-id ")"
//! env-from = "(" 1*address ")" / nil        (the same for sender, reply-to, to, cc, bcc)
//! address = "(" addr-name SP addr-adl SP addr-mailbox SP addr-host ")"
//! ```
//! A group (RFC 5322 §3.4) is an address with `host` None and the group name in `mailbox`,
//! then its members, then an address with every field None (RFC 9051 §7.5.2).

use crate::Dialect;
use crate::response::Writer;

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Envelope {
    pub date: Option<String>,
    pub subject: Option<String>,
    pub from: Vec<Address>,
    /// RFC 9051 §7.5.2: the server fills it with `from` when there is no Sender field.
    pub sender: Vec<Address>,
    /// Likewise `from` when there is no Reply-To field.
    pub reply_to: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub bcc: Vec<Address>,
    pub in_reply_to: Option<String>,
    pub message_id: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Address {
    pub name: Option<String>,
    /// The obsolete source route.
    pub adl: Option<String>,
    pub mailbox: Option<String>,
    pub host: Option<String>,
}

impl Address {
    pub fn new(name: Option<&str>, mailbox: &str, host: &str) -> Address {
        Address { name: name.map(str::to_owned), adl: None, mailbox: Some(mailbox.into()), host: Some(host.into()) }
    }

    /// The address that opens a group.
    pub fn group_start(name: &str) -> Address {
        Address { mailbox: Some(name.into()), ..Address::default() }
    }

    /// The address that closes a group.
    pub fn group_end() -> Address {
        Address::default()
    }
}

impl Envelope {
    /// Appends the envelope's bytes: `(date subject from … message-id)`.
    pub fn encode(&self, out: &mut Vec<u8>, dialect: Dialect) {
        self.write(&mut Writer::new(out, dialect));
    }

    pub(crate) fn write(&self, w: &mut Writer<'_>) {
        w.raw(b"(");
        w.nstring_text(self.date.as_deref());
        w.sp();
        w.nstring_text(self.subject.as_deref());
        for list in [&self.from, &self.sender, &self.reply_to, &self.to, &self.cc, &self.bcc] {
            w.sp();
            write_addresses(w, list);
        }
        w.sp();
        w.nstring_text(self.in_reply_to.as_deref());
        w.sp();
        w.nstring_text(self.message_id.as_deref());
        w.raw(b")");
    }
}

fn write_addresses(w: &mut Writer<'_>, list: &[Address]) {
    if list.is_empty() {
        w.raw(b"NIL");
        return;
    }
    w.raw(b"(");
    for a in list {
        w.raw(b"(");
        w.nstring_text(a.name.as_deref());
        w.sp();
        w.nstring_text(a.adl.as_deref());
        w.sp();
        w.nstring_text(a.mailbox.as_deref());
        w.sp();
        w.nstring_text(a.host.as_deref());
        w.raw(b")");
    }
    w.raw(b")");
}
