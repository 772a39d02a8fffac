//! Out-of-office: one setting per account, answered at delivery.
//!
//! The setting is the one that JMAP VacationResponse (RFC 8621 §7), ActiveSync Settings Oof
//! (MS-ASCMD 2.2.1.18) and EWS Get/SetUserOofSettings read and write, and that
//! `relais admin user vacation` sets. It is stored as JSON by the store (`vacations`).
//!
//! Who gets a reply (RFC 3834 §2, RFC 5230 §4.5–4.6): a message delivered to the account's INBOX
//! (not Junk) that names one of the account's addresses in To or Cc, from a sender that is not
//! the null reverse-path, not a list or an automatic sender (Auto-Submitted other than `no`,
//! any List-* field, Precedence bulk/list/junk, X-Auto-Response-Suppress OOF/All, a
//! MAILER-DAEMON, owner-*, *-request or no-reply address), and that was not answered during the
//! current period (`PERIOD`, or since the setting last changed). The reply goes out with a
//! null reverse-path and `Auto-Submitted: auto-replied` (RFC 3834 §3.1.7, §3.3), so it is never
//! answered in turn.

use serde::{Deserialize, Serialize};

use relais_store::AccountId;

use crate::{Envelope, EnvelopeRecipient, MailError, compose, headers};

/// One reply per sender per week (RFC 5230 §4.1's default `:days 7`).
pub const PERIOD: i64 = 7 * 86_400;

/// The most To/Cc addresses looked at to decide whether the account was named.
const MAX_NAMED: usize = 50;

/// An account's out-of-office setting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Vacation {
    pub enabled: bool,
    /// Unix seconds: replies only from then (inclusive), if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<i64>,
    /// Unix seconds: replies only before then, if set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<i64>,
    /// The reply's subject; `Auto: <the message's subject>` when unset (RFC 3834 §3.1.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The reply's text for senders outside the organisation, and inside it unless
    /// `internal_text` is set.
    pub text: String,
    /// The text for senders in one of the hosted domains (EAS/EWS InternalReply).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub internal_text: Option<String>,
    /// Only senders in a hosted domain get a reply (EAS/EWS ExternalAudience None).
    pub internal_only: bool,
}

impl Vacation {
    /// Whether it answers at `now`.
    pub fn active_at(&self, now: i64) -> bool {
        self.enabled && self.from.is_none_or(|f| now >= f) && self.until.is_none_or(|u| now < u)
    }

    /// The text for a sender inside (`internal`) or outside the organisation; `None`: no reply.
    pub fn text_for(&self, internal: bool) -> Option<&str> {
        match internal {
            true => Some(self.internal_text.as_deref().unwrap_or(&self.text)),
            false if self.internal_only => None,
            false => Some(&self.text),
        }
    }
}

/// What a delivered message says about whether it may be answered, read once per delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming {
    /// The envelope sender, lower-cased: where the reply goes.
    pub sender: String,
    /// To and Cc addresses, lower-cased (at most `MAX_NAMED`).
    pub named: Vec<String>,
    pub subject: Option<String>,
    pub message_id: Option<String>,
}

/// `None` if no out-of-office reply may answer this message whatever the setting.
pub fn incoming(sender: &str, raw: &[u8]) -> Option<Incoming> {
    if sender.is_empty() || automatic_sender(sender) {
        return None;
    }
    let message = mail_parser::MessageParser::new().parse_headers(headers::header_block(raw))?;
    for h in message.headers() {
        let name = h.name.as_str().to_ascii_lowercase();
        let value = message.header_raw(h.name.as_str()).unwrap_or("").trim().to_ascii_lowercase();
        let automatic = match name.as_str() {
            // RFC 3834 §5: anything but "no" was sent by a program.
            "auto-submitted" => value != "no",
            // RFC 2369, RFC 2919: a list's message; answer the author, never the list.
            n if n.starts_with("list-") => true,
            "precedence" => matches!(value.as_str(), "bulk" | "list" | "junk"),
            // MS-OXCMAIL 2.2.3.2.14: the sender asked for no out-of-office replies.
            "x-auto-response-suppress" => value.split(',').any(|v| matches!(v.trim(), "oof" | "all")),
            _ => false,
        };
        if automatic {
            return None;
        }
    }
    let mut named = Vec::new();
    for list in [message.to(), message.cc()].into_iter().flatten() {
        named.extend(list.iter().filter_map(|a| a.address()).map(str::to_ascii_lowercase));
    }
    named.truncate(MAX_NAMED);
    Some(Incoming {
        sender: sender.to_ascii_lowercase(),
        named,
        subject: message.subject().map(str::to_owned),
        message_id: message.message_id().map(str::to_owned),
    })
}

/// Whether SMTP's verdict lets an automatic reply go to `sender`: an authenticated submission,
/// a DMARC pass for the sender's own domain, or mail nobody verified (a trusted network, or
/// verification turned off: the administrator's choice); never a DMARC failure, nor a pass for
/// another domain than the one the reply would go to.
pub fn may_answer(auth: &crate::SenderAuth, sender: &str) -> bool {
    match auth {
        crate::SenderAuth::Unverified | crate::SenderAuth::Submitted(_) => true,
        crate::SenderAuth::Aligned { .. } => auth.vouches_for(sender),
        crate::SenderAuth::NotAligned => false,
    }
}

/// RFC 5230 §4.6 (and common practice for no-reply): addresses that are programs.
fn automatic_sender(sender: &str) -> bool {
    let local = sender.rsplit_once('@').map_or(sender, |(l, _)| l).to_ascii_lowercase();
    local == "mailer-daemon"
        || local == "postmaster"
        || local.starts_with("owner-")
        || local.ends_with("-request")
        || local.starts_with("bounce")
        || matches!(local.as_str(), "noreply" | "no-reply" | "donotreply" | "do-not-reply" | "listserv" | "majordomo")
}

/// Who answers: the account's address and name.
pub struct Replier<'a> {
    pub address: &'a str,
    pub name: &'a str,
    pub hostname: &'a str,
}

/// The reply to `incoming` with `text`, ready for `Mailer::deliver` with a null reverse-path.
pub fn reply(setting: &Vacation, incoming: &Incoming, text: &str, from: &Replier<'_>) -> Vec<u8> {
    let subject = match &setting.subject {
        Some(s) if !s.trim().is_empty() => s.clone(),
        _ => format!("Auto: {}", incoming.subject.as_deref().unwrap_or("")).trim_end().to_owned(),
    };
    let mut b = compose::message(from.name, from.address, from.hostname)
        .to(incoming.sender.as_str())
        .subject(compose::text(subject))
        // RFC 3834 §5.2; the second keeps Exchange from answering the answer.
        .header("Auto-Submitted", compose::text("auto-replied"))
        .header("X-Auto-Response-Suppress", compose::text("All"))
        .text_body(text);
    if let Some(id) = &incoming.message_id {
        b = b.in_reply_to(id.as_str()).references(id.as_str());
    }
    compose::finish(b)
}

impl crate::Mailer {
    /// The account's out-of-office setting (the default, off, if never saved).
    pub async fn vacation(&self, account: AccountId) -> Result<Vacation, MailError> {
        let json = self.store().read(move |r| r.vacation(account)).await?;
        Ok(json.and_then(|j| serde_json::from_str(&j).ok()).unwrap_or_default())
    }

    /// Saves the account's out-of-office setting; senders already answered may be answered again.
    pub async fn set_vacation(&self, account: AccountId, setting: &Vacation) -> Result<(), MailError> {
        let json = serde_json::to_string(setting)
            .map_err(|e| relais_store::Error::Invalid(format!("vacation setting: {e}")))?;
        Ok(self.store().write(move |tx| tx.set_vacation(account, &json)).await?)
    }

    /// Answers `incoming` for each account that has an active setting and was named in it.
    /// Runs after the delivery is durable; a failure is logged and never touches the delivery.
    pub(crate) async fn answer_vacations(self, accounts: Vec<AccountId>, incoming: Incoming) {
        for account in accounts {
            if let Err(e) = self.answer_vacation(account, &incoming).await {
                tracing::warn!(account = account.0, error = %e, "vacation: reply not sent");
            }
        }
    }

    async fn answer_vacation(&self, account: AccountId, incoming: &Incoming) -> Result<(), MailError> {
        let setting = self.vacation(account).await?;
        let now = relais_store::now();
        if !setting.active_at(now) {
            return Ok(());
        }
        let Some(principal) = self.directory().principal_by_id(account).await? else { return Ok(()) };
        if !self.names(account, &principal.address(), &incoming.named).await? {
            return Ok(());
        }
        let domain = incoming.sender.rsplit_once('@').map_or("", |(_, d)| d);
        let internal = self.directory().is_local_domain(domain).await?;
        let Some(text) = setting.text_for(internal) else { return Ok(()) };
        let sender = incoming.sender.clone();
        let since = now - PERIOD;
        if !self.store().write(move |tx| tx.claim_vacation_reply(account, &sender, since)).await? {
            return Ok(());
        }
        let address = principal.address();
        let name = if principal.display_name.is_empty() { &address } else { &principal.display_name };
        let who = Replier { address: &address, name, hostname: self.hostname() };
        let message = reply(&setting, incoming, text, &who);
        let Some(destination) = self.route(&incoming.sender).await? else { return Ok(()) };
        let envelope = Envelope {
            // RFC 3834 §3.3: a null reverse-path, so nothing answers the answer.
            sender: String::new(),
            recipients: vec![EnvelopeRecipient {
                address: incoming.sender.clone(),
                destination,
                orcpt: None,
                notify: 0,
            }],
            ..Envelope::default()
        };
        // Not `deliver`: a reply is never answered, and the future must not contain itself.
        self.store_and_queue(&envelope, message, None).await?;
        tracing::info!(account = account.0, to = %incoming.sender, "vacation: replied");
        Ok(())
    }

    /// Whether one of `named` is the account's address or one of its aliases.
    async fn names(&self, account: AccountId, own: &str, named: &[String]) -> Result<bool, MailError> {
        for address in named {
            if address.eq_ignore_ascii_case(own) {
                return Ok(true);
            }
            if self.directory().principal(address).await?.is_some_and(|p| p.id == account) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_be_answered() {
        let plain = b"From: a@x.test\r\nTo: Bob <Bob@example.com>, c@x.test\r\nCc: d@x.test\r\nSubject: hi\r\nMessage-ID: <m1@x>\r\n\r\nbody\r\n";
        let i = incoming("A@x.test", plain).expect("a person's message");
        assert_eq!(i.sender, "a@x.test");
        assert_eq!(i.named, ["bob@example.com", "c@x.test", "d@x.test"]);
        assert_eq!((i.subject.as_deref(), i.message_id.as_deref()), (Some("hi"), Some("m1@x")));
        let table: &[(&str, &str)] = &[
            ("", "To: b@example.com\r\n"),
            ("MAILER-DAEMON@x.test", "To: b@example.com\r\n"),
            ("owner-list@x.test", "To: b@example.com\r\n"),
            ("list-request@x.test", "To: b@example.com\r\n"),
            ("no-reply@x.test", "To: b@example.com\r\n"),
            ("a@x.test", "To: b@example.com\r\nAuto-Submitted: auto-replied\r\n"),
            ("a@x.test", "To: b@example.com\r\nauto-submitted:   Auto-Generated\r\n"),
            ("a@x.test", "To: b@example.com\r\nList-Id: <l.x.test>\r\n"),
            ("a@x.test", "To: b@example.com\r\nList-Unsubscribe: <mailto:u@x.test>\r\n"),
            ("a@x.test", "To: b@example.com\r\nPrecedence: bulk\r\n"),
            ("a@x.test", "To: b@example.com\r\nPrecedence: junk\r\n"),
            ("a@x.test", "To: b@example.com\r\nX-Auto-Response-Suppress: DR, OOF\r\n"),
        ];
        for (sender, header) in table {
            let raw = format!("{header}Subject: s\r\n\r\nbody\r\n");
            assert_eq!(incoming(sender, raw.as_bytes()), None, "{sender} {header:?}");
        }
        let raw = b"To: b@example.com\r\nAuto-Submitted: no\r\n\r\n";
        assert!(incoming("a@x.test", raw).is_some(), "Auto-Submitted: no is a person");
    }

    #[test]
    fn answered_only_when_smtp_vouches() {
        use crate::SenderAuth::*;
        let aligned = Aligned { domain: "x.test".into() };
        for (auth, sender, ok) in [
            (Unverified, "a@x.test", true),
            (Submitted(relais_store::AccountId(7)), "a@x.test", true),
            (aligned.clone(), "a@x.test", true),
            (aligned, "a@elsewhere.test", false),
            (NotAligned, "a@x.test", false),
        ] {
            assert_eq!(may_answer(&auth, sender), ok, "{auth:?} {sender}");
        }
    }

    #[test]
    fn active_window_and_texts() {
        let v =
            Vacation { enabled: true, from: Some(100), until: Some(200), text: "away".into(), ..Vacation::default() };
        assert!(!v.active_at(99) && v.active_at(100) && v.active_at(199) && !v.active_at(200));
        assert!(!Vacation { enabled: false, ..v.clone() }.active_at(150));
        assert_eq!((v.text_for(true), v.text_for(false)), (Some("away"), Some("away")));
        let v = Vacation { internal_text: Some("in".into()), internal_only: true, ..v };
        assert_eq!((v.text_for(true), v.text_for(false)), (Some("in"), None));
    }

    #[test]
    fn reply_is_marked_and_threaded_and_encodes_non_ascii() {
        let i = Incoming {
            sender: "a@x.test".into(),
            named: vec![],
            subject: Some("Réunion".into()),
            message_id: Some("m1@x".into()),
        };
        let v = Vacation::default();
        let who = Replier { address: "bob@example.com", name: "Bob Ö", hostname: "mail.test" };
        let raw = String::from_utf8(reply(&v, &i, "Je suis absent.", &who)).unwrap();
        assert!(raw.is_ascii(), "headers and body encoded: {raw}");
        for field in ["Auto-Submitted: auto-replied", "In-Reply-To: <m1@x>", "References: <m1@x>", "To: <a@x.test>"] {
            assert!(raw.contains(field), "{field} in {raw}");
        }
        let parsed = mail_parser::MessageParser::new().parse(raw.as_bytes()).unwrap();
        assert_eq!(parsed.subject(), Some("Auto: Réunion"));
        assert_eq!(parsed.body_text(0).as_deref().map(str::trim_end), Some("Je suis absent."));
    }
}
