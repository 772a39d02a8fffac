//! What an account is told of others' changes to its events (JMAP CalendarEventNotification,
//! draft-ietf-jmap-calendars §7), on both backends, for the changes that come by iMIP: an
//! external organizer's invitation, update and cancellation applied to an attendee's calendar,
//! and an external attendee's answer applied to the organizer's — each told with who sent it
//! (no principal: not one of ours) and the message's COMMENT; a message not applied (unverified
//! sender, not the stored organizer) tells nothing, nor the user's own writes.

use relais_directory::{Actor, AuthConfig, Directory};
use relais_groupware::{Condition, Groupware};
use relais_mail::{CalendarMail, Mailer, SenderAuth};
use relais_store::{AccountId, ChangeKind, CollectionKind, EventNotification, Principal, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;
use serde_json::Value;

struct World {
    g: Groupware,
    bob: Principal,
}

async fn world(f: &Fresh) -> World {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "Bob", Some("pw"), Role::User).await.unwrap();
    let mailer = Mailer::new(f.store.clone(), dir, "mail.test", std::time::Duration::from_secs(3600));
    World { g: Groupware::with_scheduling(mailer), bob }
}

fn event(uid: &str, organizer: &str, attendees: &[(&str, &str)], summary: &str, comment: Option<&str>) -> String {
    let mut text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDURATION:PT1H\r\nSUMMARY:{summary}\r\n\
         ORGANIZER:mailto:{organizer}\r\n"
    );
    for (a, ps) in attendees {
        text.push_str(&format!("ATTENDEE;PARTSTAT={ps}:mailto:{a}\r\n"));
    }
    if let Some(c) = comment {
        text.push_str(&format!("COMMENT:{c}\r\n"));
    }
    text + "END:VEVENT\r\nEND:VCALENDAR\r\n"
}

fn mail(account: AccountId, sender: &str, auth: SenderAuth, method: &str, text: &str) -> CalendarMail {
    let itip = text.replacen("PRODID:-//t//t//EN\r\n", &format!("PRODID:-//t//t//EN\r\nMETHOD:{method}\r\n"), 1);
    let message = format!(
        "From: {sender}\r\nTo: bob@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/calendar; method={method}; charset=utf-8\r\n\r\n{itip}"
    );
    CalendarMail {
        accounts: vec![account],
        items: Vec::new(),
        sender: sender.into(),
        auth,
        message: message.into_bytes().into(),
    }
}

fn aligned() -> SenderAuth {
    SenderAuth::Aligned { domain: "remote.test".into() }
}

async fn told(g: &Groupware, account: AccountId) -> Vec<EventNotification> {
    g.event_notifications(&Actor::system(account), account).await.unwrap()
}

/// The title of the event a notification holds (and after its patch).
async fn titles(g: &Groupware, account: AccountId, n: &EventNotification) -> (String, Option<String>) {
    let bodies = g.event_notification_bodies(&Actor::system(account), account, vec![n.id]).await.unwrap();
    let event: Value = serde_json::from_str(&bodies[0].event_json).unwrap();
    let patch: Option<Value> = bodies[0].patch_json.as_deref().map(|p| serde_json::from_str(p).unwrap());
    let title = |v: &Value| v["title"].as_str().map(str::to_owned);
    (title(&event).unwrap_or_default(), patch.as_ref().and_then(title))
}

async fn by_imip(f: Fresh) {
    let w = world(&f).await;
    let (g, bob) = (&w.g, w.bob.address());
    let carol = "carol@remote.test";
    let invite = event("ext-1", carol, &[(&bob, "NEEDS-ACTION")], "Vendor call", Some("Agenda attached"));
    // Not applied (the sender unverified): nothing told.
    g.apply_calendar_mail(mail(w.bob.id, carol, SenderAuth::Unverified, "REQUEST", &invite)).await;
    assert!(told(g, w.bob.id).await.is_empty());
    g.apply_calendar_mail(mail(w.bob.id, carol, aligned(), "REQUEST", &invite)).await;
    assert_eq!(told(g, w.bob.id).await.len(), 1);
    // Not the stored organizer: not applied, nothing told.
    let forged = event("ext-1", "mallory@evil.test", &[(&bob, "NEEDS-ACTION")], "Forged", None);
    let evil = SenderAuth::Aligned { domain: "evil.test".into() };
    g.apply_calendar_mail(mail(w.bob.id, "mallory@evil.test", evil, "REQUEST", &forged)).await;
    assert_eq!(told(g, w.bob.id).await.len(), 1);
    let moved = event("ext-1", carol, &[(&bob, "NEEDS-ACTION")], "Vendor call (moved)", None);
    g.apply_calendar_mail(mail(w.bob.id, carol, aligned(), "REQUEST", &moved)).await;
    g.apply_calendar_mail(mail(w.bob.id, carol, aligned(), "CANCEL", &moved)).await;
    let list = told(g, w.bob.id).await;
    let kinds: Vec<ChangeKind> = list.iter().map(|n| n.kind).collect();
    assert_eq!(kinds, [ChangeKind::Created, ChangeKind::Updated, ChangeKind::Destroyed]);
    for n in &list {
        assert_eq!(n.changed_by.principal, None, "not one of ours");
        assert_eq!(n.changed_by.email.as_deref(), Some(carol));
        assert_eq!(n.changed_by.calendar_address.as_deref(), Some("mailto:carol@remote.test"));
    }
    assert_eq!(list[0].comment.as_deref(), Some("Agenda attached"));
    assert_eq!(list[1].comment, None);
    assert_eq!(titles(g, w.bob.id, &list[1]).await, ("Vendor call".into(), Some("Vendor call (moved)".into())));
    assert_eq!(titles(g, w.bob.id, &list[2]).await.0, "Vendor call (moved)");

    // Bob organizes; Dave's answer by iMIP is told to him with its comment; his own write is not.
    let dave = "dave@remote.test";
    let meeting = event("own-1", &bob, &[(&bob, "ACCEPTED"), (dave, "NEEDS-ACTION")], "Sync", None);
    let cal = g
        .store()
        .read({
            let b = w.bob.id;
            move |r| r.collection_by_role(b, CollectionKind::Calendar, "default")
        })
        .await
        .unwrap()
        .unwrap();
    let own = Actor::new(w.bob.id, relais_directory::access::Protocol::Dav);
    g.put(&own, &cal, "sync.ics", meeting.into_bytes(), Condition::default()).await.unwrap();
    assert_eq!(told(g, w.bob.id).await.len(), 3, "his own write");
    let reply = event("own-1", &bob, &[(dave, "DECLINED")], "Sync", Some("On leave that week"));
    g.apply_calendar_mail(mail(w.bob.id, dave, aligned(), "REPLY", &reply)).await;
    let list = told(g, w.bob.id).await;
    let last = list.last().unwrap();
    assert_eq!((last.kind, last.changed_by.email.as_deref()), (ChangeKind::Updated, Some(dave)));
    assert_eq!(last.comment.as_deref(), Some("On leave that week"));
    let bodies = g.event_notification_bodies(&Actor::system(w.bob.id), w.bob.id, vec![last.id]).await.unwrap();
    assert!(bodies[0].patch_json.as_deref().is_some_and(|p| p.contains("declined")), "{:?}", bodies[0].patch_json);
}
on_both_backends!(by_imip_on, by_imip);
