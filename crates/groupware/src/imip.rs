//! iMIP (RFC 6047): iTIP messages by email, both ways.
//!
//! Out: an organizer's REQUEST and CANCEL to remote attendees, and a local attendee's REPLY to
//! a remote organizer, submitted through `Mailer::deliver` like any other message; a local
//! organizer's REQUEST also to the local people it invites (`mail_invitation`), into their INBOX.
//! In: a delivered message with a text/calendar part is applied to each local recipient's
//! calendar — REQUEST creates or updates their copy (keeping their answer), REPLY records the
//! sender's answer in the organizer's copy, CANCEL removes the copy. The message is matched to
//! the stored copy by UID: only the stored organizer may send REQUEST and CANCEL and only a
//! stored attendee a REPLY (`acceptance`), and only when SMTP vouched for the envelope sender
//! (a DMARC pass aligned with its domain, or an authenticated submission: `SenderAuth`).
//! Anything else waits, unapplied, in the recipient's schedule inbox.

use calcard::icalendar::{ICalendar, ICalendarProperty};
use mail_parser::{MessageParser, MimeHeaders};
use relais_mail::compose::{self, ContentType, MimePart};
use relais_mail::{CalendarMail, Destination, Envelope, EnvelopeRecipient, SubmitOptions};
use relais_store::{AccountId, Principal};

use crate::acceptance::{self, Refused};
use crate::event_notifications::{self as notices, Told};
use crate::scheduling::{address_of, partstat, set_partstat};
use crate::{CalendarObject, Condition, Groupware};

/// The iTIP methods Relais acts on (RFC 5546 §1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Request,
    Reply,
    Cancel,
}

impl Method {
    fn name(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Reply => "REPLY",
            Method::Cancel => "CANCEL",
        }
    }
}

/// Reads an iTIP object: its METHOD and the object without it (as stored in a calendar).
pub fn itip(text: &str) -> Option<(Method, CalendarObject)> {
    let mut ical = ICalendar::parse(text).ok()?;
    let root = ical.components.first_mut()?;
    let at = root.entries.iter().position(|e| e.name == ICalendarProperty::Method)?;
    let method = match root.entries[at].values.first()?.as_text()?.to_ascii_uppercase().as_str() {
        "REQUEST" => Method::Request,
        "REPLY" => Method::Reply,
        "CANCEL" => Method::Cancel,
        _ => return None,
    };
    root.entries.remove(at);
    Some((method, CalendarObject::parse(&ical.to_string()).ok()?))
}

/// The invitation or cancellation a message carries (its first iTIP REQUEST or CANCEL), as the
/// event fields a mail client shows it with; `None` for any other message.
pub fn invitation(raw: &[u8]) -> Option<(Method, crate::event::EventFields)> {
    calendar_parts(raw).iter().find_map(|text| {
        let (method, _) = itip(text)?;
        if method == Method::Reply {
            return None;
        }
        Some((method, crate::event::EventFields::from_ical(text)?))
    })
}

/// The object as an iTIP message body: METHOD added to the VCALENDAR.
pub(crate) fn with_method(ical: &ICalendar, method: Method) -> String {
    let text = ical.to_string();
    match text.split_once("\r\n") {
        Some((first, rest)) => format!("{first}\r\nMETHOD:{}\r\n{rest}", method.name()),
        None => text,
    }
}

fn summary_of(obj: &CalendarObject) -> String {
    obj.master()
        .and_then(|m| m.property(&ICalendarProperty::Summary))
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .unwrap_or("(no title)")
        .replace(['\r', '\n'], " ")
}

/// An RFC 6047 §2.4 message: a text part for people and the text/calendar part, built by the
/// mail domain's one MIME builder (a non-ASCII name or summary is RFC 2047 encoded).
fn message(from: &Principal, to: &[String], method: Method, obj: &CalendarObject, hostname: &str) -> Vec<u8> {
    let verb = match method {
        Method::Request => "Invitation",
        Method::Reply => "Reply",
        Method::Cancel => "Cancelled",
    };
    let title = format!("{verb}: {}", summary_of(obj));
    let address = from.address();
    // RFC 6047 §2.4: the method parameter matches the object's METHOD.
    let calendar = ContentType::new("text/calendar").attribute("charset", "utf-8").attribute("method", method.name());
    let body = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain", format!("{title}\r\n")),
            MimePart::new(calendar, with_method(&obj.ical, method)),
        ],
    );
    let to: Vec<&str> = to.iter().map(String::as_str).collect();
    compose::finish(
        compose::message(&from.display_name, &address, hostname).to(to).subject(compose::text(&title)).body(body),
    )
}

impl Groupware {
    /// Sends `method` for `obj` from `from` to the remote addresses among `to`.
    pub(crate) async fn send_imip(
        &self,
        from: &Principal,
        to: Vec<String>,
        method: Method,
        obj: &CalendarObject,
    ) -> crate::Result<()> {
        let Some(mailer) = &self.mailer else { return Ok(()) };
        let mut remote = Vec::new();
        for a in to {
            if matches!(mailer.route(&a).await, Ok(Some(Destination::Remote))) {
                remote.push(a);
            }
        }
        let recipients = remote.into_iter().map(|a| (a, Destination::Remote)).collect();
        self.submit_itip(mailer, from, recipients, method, obj).await
    }

    /// Mails a local organizer's invitation to the local people among its attendees, into
    /// their INBOX beside the copy scheduling already put in their calendar, as Exchange
    /// does: a mail client (the web client's reading pane) answers from there. Delivering it
    /// applies the REQUEST once more (the calendar sink): the organizer's own version again,
    /// their answer kept — idempotent.
    pub(crate) async fn mail_invitation(
        &self,
        from: &Principal,
        to: &[Principal],
        obj: &CalendarObject,
    ) -> crate::Result<()> {
        let Some(mailer) = &self.mailer else { return Ok(()) };
        let recipients = to.iter().map(|p| (p.address(), Destination::Local(vec![p.id]))).collect();
        self.submit_itip(mailer, from, recipients, Method::Request, obj).await
    }

    /// Submits one iTIP message for `obj` from `from` to `recipients`, checked and queued or
    /// delivered like any other submission.
    async fn submit_itip(
        &self,
        mailer: &relais_mail::Mailer,
        from: &Principal,
        recipients: Vec<(String, Destination)>,
        method: Method,
        obj: &CalendarObject,
    ) -> crate::Result<()> {
        if recipients.is_empty() {
            return Ok(());
        }
        let to: Vec<String> = recipients.iter().map(|(a, _)| a.clone()).collect();
        let body = message(from, &to, method, obj, mailer.hostname());
        let envelope = Envelope {
            sender: from.address(),
            recipients: recipients
                .into_iter()
                .map(|(address, destination)| EnvelopeRecipient { address, destination, orcpt: None, notify: 0 })
                .collect(),
            ..Envelope::default()
        };
        // The organizer's (or attendee's) own submission: checked and queued like any other.
        mailer
            .submit(from, envelope, body, SubmitOptions::default())
            .await
            .map_err(|e| crate::Error::Conflict(format!("iMIP: {e}")))?;
        Ok(())
    }

    /// Applies the iTIP objects of a delivered message to its local recipients' calendars, then
    /// clears its copies' pending marks. Each message is applied in isolation: an error or a
    /// panic while applying one is logged and marks that message failed (its mark is cleared,
    /// so a replay does not meet it again), and the next message goes on. Applying is
    /// idempotent, so a replay after a crash (`apply_pending`) does no harm.
    pub async fn apply_calendar_mail(&self, mail: CalendarMail) {
        let items = mail.items.clone();
        let g = self.clone();
        // A task of its own: a panic ends that task only, never the loop that applies the
        // messages after it (issue 10, item 3b).
        if let Err(e) = tokio::spawn(async move { g.apply_message(&mail).await }).await {
            tracing::error!(error = %e, ?items, "iMIP: applying a message failed; marked failed and skipped");
        }
        if !items.is_empty()
            && let Err(e) = self.store.write(move |tx| tx.remove_calendar_pending(&items)).await
        {
            tracing::warn!(error = %e, "iMIP: applied, but still marked pending (replayed at the next start)");
        }
    }

    /// Applies what was delivered but not applied before the last stop (`calendar_pending`),
    /// each message on its own: one that cannot be read waits for the next start, the rest go on.
    pub async fn apply_pending(&self) -> crate::Result<usize> {
        let pending = self.store.read(|r| r.calendar_pending()).await?;
        let count = pending.len();
        for p in pending {
            let message: std::sync::Arc<[u8]> = match p.blob {
                Some(hash) => match self.store.blob(hash).await {
                    Ok(m) => m.into(),
                    Err(e) => {
                        tracing::warn!(error = %e, item = %p.item.0, "iMIP: pending message not read");
                        continue;
                    }
                },
                None => std::sync::Arc::from(&[][..]), // the copy is gone: only the mark is cleared
            };
            let auth = relais_mail::SenderAuth::from_text(&p.auth);
            let mail = CalendarMail { accounts: vec![p.account], items: vec![p.item], sender: p.sender, auth, message };
            self.apply_calendar_mail(mail).await;
        }
        Ok(count)
    }

    /// Applies each iTIP object of one message to each recipient, when SMTP vouched for the
    /// sender and the acceptance rules allow it; otherwise the message waits, unapplied, in the
    /// recipient's schedule inbox.
    async fn apply_message(&self, mail: &CalendarMail) {
        let sender = address_of(&mail.sender);
        let vouched = mail.auth.vouches_for(&sender);
        for text in calendar_parts(&mail.message) {
            let Some((method, obj)) = itip(&text) else { continue };
            for account in &mail.accounts {
                let outcome = match vouched {
                    true => self.apply_itip(*account, &sender, method, &obj).await,
                    false => Ok(Err(Refused::Unverified)),
                };
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(why)) => {
                        tracing::info!(%sender, uid = %obj.uid, %why, auth = ?mail.auth, "iMIP: not applied");
                        self.to_inbox_unapplied(*account, &text, &obj, &why.to_string()).await;
                    }
                    Err(e) => tracing::warn!(error = %e, uid = %obj.uid, "iMIP: not applied"),
                }
            }
        }
    }

    /// Applies one iTIP object from `sender` (vouched for) to `account`'s calendar, matched to
    /// the stored copy by UID (`acceptance` says who may change it).
    async fn apply_itip(
        &self,
        account: AccountId,
        sender: &str,
        method: Method,
        obj: &CalendarObject,
    ) -> crate::Result<Result<(), Refused>> {
        let Some(dir) = &self.directory else { return Ok(Ok(())) };
        let me = dir.principal_by_id(account).await.map_err(|e| crate::Error::Conflict(e.to_string()))?;
        let Some(me) = me else { return Ok(Ok(())) };
        let me_addr = me.address();
        let stored = self.copy_of(account, &obj.uid).await?;
        match method {
            Method::Request => {
                if let Err(why) = acceptance::may_request(sender, &me_addr, obj, stored.as_ref().map(|(_, _, o)| o)) {
                    return Ok(Err(why));
                }
                if let Err(why) = self.may_book(&me, sender).await? {
                    return Ok(Err(why));
                }
                let mut ical = obj.ical.clone();
                match stored {
                    Some((c, name, old)) => {
                        if let Some(s) = partstat(&old.ical, &me_addr) {
                            set_partstat(&mut ical, &me_addr, &s);
                        }
                        let by = Some(Told::of(notices::by_address(sender), Some(obj)));
                        self.write_object(&c, &name, ical.to_string().into_bytes(), Condition::default(), by).await?;
                    }
                    None => {
                        let Some(c) = self.default_calendar(account).await? else { return Ok(Ok(())) };
                        let by = Told::of(notices::by_address(sender), Some(obj));
                        self.create_copy(&c, &obj.uid, ical.to_string().into_bytes(), by).await?;
                    }
                }
                self.to_inbox(account, Method::Request, obj, &obj.ical).await;
            }
            Method::Cancel => {
                let Some((c, name, stored)) = stored else { return Ok(Ok(())) };
                if let Err(why) = acceptance::may_cancel(sender, &stored, obj) {
                    return Ok(Err(why));
                }
                let by = Some(Told::of(notices::by_address(sender), Some(obj)));
                self.delete_object(&relais_directory::Actor::system(c.account), &c, &name, Condition::default(), by)
                    .await?;
                self.to_inbox(account, Method::Cancel, obj, &obj.ical).await;
            }
            Method::Reply => {
                let Some((_, _, stored)) = stored else { return Ok(Ok(())) };
                if let Err(why) = acceptance::may_reply(sender, &me_addr, &stored) {
                    return Ok(Err(why));
                }
                // Only the sender's own answer is taken (RFC 5546 §3.2.3).
                if let Some(status) = partstat(&obj.ical, sender) {
                    self.record_reply(&me, &obj.uid, (sender, &status), Some(obj)).await?;
                }
            }
        }
        Ok(Ok(()))
    }
}

/// The decoded text of every text/calendar part of a message.
pub(crate) fn calendar_parts(raw: &[u8]) -> Vec<String> {
    let Some(msg) = MessageParser::default().parse(raw) else { return Vec::new() };
    msg.parts
        .iter()
        .filter(|p| {
            p.content_type().is_some_and(|ct| {
                ct.c_type.eq_ignore_ascii_case("text")
                    && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("calendar"))
            })
        })
        .filter_map(|p| {
            p.text_contents().map(str::to_owned).or_else(|| std::str::from_utf8(p.contents()).ok().map(str::to_owned))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, local_part: &str, domain: &str, name: &str) -> Principal {
        Principal {
            id: AccountId(id),
            kind: relais_store::PrincipalKind::User,
            local_part: local_part.into(),
            domain: domain.into(),
            display_name: name.into(),
            secret: None,
            role: relais_store::Role::User,
            quota: None,
        }
    }

    #[test]
    fn itip_objects_round_trip() {
        let obj = CalendarObject::parse(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:x1\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART:20260105T100000Z\r\nSUMMARY:Review\r\nORGANIZER:mailto:ann@remote.test\r\n\
             ATTENDEE:mailto:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )
        .unwrap();
        let p = user(3, "ann", "remote.test", "Ann");
        let raw = message(&p, &["bob@example.com".into()], Method::Request, &obj, "mail.test");
        let parts = calendar_parts(&raw);
        assert_eq!(parts.len(), 1);
        let (method, back) = itip(&parts[0]).unwrap();
        assert_eq!(method, Method::Request);
        assert_eq!(back.uid, "x1");
        let (method, fields) = invitation(&raw).unwrap();
        assert_eq!((method, fields.uid.as_str(), fields.subject.as_deref()), (Method::Request, "x1", Some("Review")));
        let reply = message(&p, &["bob@example.com".into()], Method::Reply, &obj, "mail.test");
        assert!(invitation(&reply).is_none(), "a reply is no invitation");
        assert!(invitation(b"Subject: hi\r\n\r\nhello").is_none());
        assert!(String::from_utf8_lossy(&raw).contains("Subject: Invitation: Review"));
        assert!(itip(&obj.ical.to_string()).is_none(), "no METHOD, no iTIP");
    }

    /// Issue 11 item 5: iMIP wrote a non-ASCII organizer name and summary raw into From: and
    /// Subject: (RFC 5322 §2.2 allows US-ASCII only); they are RFC 2047 encoded and decode back.
    #[test]
    fn non_ascii_organizer_and_summary_are_encoded() {
        let obj = CalendarObject::parse(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:x2\r\nDTSTAMP:20260101T000000Z\r\n\
             DTSTART:20260105T100000Z\r\nSUMMARY:Réunion d’équipe – café ☕\r\nORGANIZER:mailto:zoe@example.com\r\n\
             ATTENDEE:mailto:bob@remote.test\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        )
        .unwrap();
        let p = user(4, "zoe", "example.com", "Zoë Ångström");
        let raw = message(&p, &["bob@remote.test".into()], Method::Request, &obj, "mail.test");
        let head = std::str::from_utf8(relais_mail::headers::header_block(&raw)).unwrap();
        assert!(head.is_ascii(), "{head}");
        assert!(head.contains("=?utf-8?"), "{head}");
        let parsed = MessageParser::default().parse(&raw).unwrap();
        let from = parsed.from().and_then(|a| a.first()).unwrap();
        assert_eq!((from.name(), from.address()), (Some("Zoë Ångström"), Some("zoe@example.com")));
        assert_eq!(parsed.subject(), Some("Invitation: Réunion d’équipe – café ☕"));
        let parts = calendar_parts(&raw);
        assert_eq!(parts.len(), 1);
        let (method, back) = itip(&parts[0]).unwrap();
        assert_eq!((method, back.uid.as_str()), (Method::Request, "x2"));
        assert_eq!(summary_of(&back), "Réunion d’équipe – café ☕");
    }
}
