//! Implicit scheduling between local users, on both backends: invitations reach attendees'
//! default calendars, answers reach the organizer, rooms accept when free and decline on a
//! conflict, and deleting cancels or declines.

use relais_directory::Actor;
use relais_directory::{AuthConfig, Directory};
use relais_groupware::calcard::icalendar::ICalendarParticipationStatus as Ps;
use relais_groupware::scheduling::{INBOX_ROLE, partstat};
use relais_groupware::{CalendarObject, Condition, Groupware};
use relais_store::{AccountId, Collection, CollectionKind, Principal, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

fn invite(uid: &str, start: &str, attendees: &[(&str, &str)]) -> Vec<u8> {
    let mut a = String::new();
    for (addr, ps) in attendees {
        a.push_str(&format!("ATTENDEE;PARTSTAT={ps}:mailto:{addr}\r\n"));
    }
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n\
         DTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:Planning\r\nORGANIZER:mailto:alice@example.com\r\n{a}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

/// A directory with Alice and Bob, and the groupware scheduling between them.
async fn alice_and_bob(f: &Fresh) -> (Directory, Principal, Principal, Groupware) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let alice = dir.add_principal(PrincipalKind::User, "alice@example.com", "", Some("pw"), Role::User).await.unwrap();
    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "", Some("pw"), Role::User).await.unwrap();
    let mailer =
        relais_mail::Mailer::new(f.store.clone(), dir.clone(), "mail.test", std::time::Duration::from_secs(3600));
    (dir, alice, bob, Groupware::with_scheduling(mailer))
}

/// The name of the first resource of `c`.
async fn first_name(g: &Groupware, c: &Collection) -> String {
    let id = c.id;
    g.store().read(move |r| Ok(r.resources(id)?.into_iter().next().unwrap().name)).await.unwrap()
}

async fn default_calendar(g: &Groupware, account: AccountId) -> Collection {
    g.store().read(move |r| r.collection_by_role(account, CollectionKind::Calendar, "default")).await.unwrap().unwrap()
}

/// The account's copy of `uid` in its calendars (not its scheduling inbox), parsed.
async fn copy(g: &Groupware, account: AccountId, uid: &str) -> Option<CalendarObject> {
    let u = uid.to_owned();
    let items = g
        .store()
        .read(move |r| {
            let mut found = Vec::new();
            for item in r.item_by_uid_text(account, &u)? {
                if r.collection(item.collection.unwrap())?.role.as_deref() != Some(INBOX_ROLE) {
                    found.push(item);
                }
            }
            Ok(found)
        })
        .await
        .unwrap();
    let item = items.into_iter().next()?;
    let text = g.store().blob(item.blob.unwrap()).await.unwrap();
    Some(CalendarObject::parse(&String::from_utf8(text).unwrap()).unwrap())
}

/// The iTIP message about `uid` waiting in the account's scheduling inbox.
async fn inbox_message(g: &Groupware, account: AccountId, uid: &str) -> Option<String> {
    let inbox = g.schedule_inbox(account, false).await.unwrap()?;
    let name = format!("{uid}.ics");
    let item = g.store().read(move |r| r.item_by_name(inbox.id, &name)).await.unwrap()?;
    Some(String::from_utf8(g.store().blob(item.blob.unwrap()).await.unwrap()).unwrap())
}

/// The messages in the account's mail INBOX, as raw text (none when it has no INBOX).
async fn mail_inbox(g: &Groupware, account: AccountId) -> Vec<String> {
    let messages = g
        .store()
        .read(move |r| match r.mailbox_by_role(account, relais_store::MailboxRole::Inbox)? {
            Some(inbox) => r.mailbox_messages(inbox.id),
            None => Ok(Vec::new()),
        })
        .await
        .unwrap();
    let mut out = Vec::new();
    for m in messages {
        out.push(String::from_utf8(g.store().blob(m.blob.unwrap()).await.unwrap().to_vec()).unwrap());
    }
    out
}

async fn meetings(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let add = |kind, addr: &'static str| {
        let dir = dir.clone();
        async move { dir.add_principal(kind, addr, "", Some("pw"), Role::User).await.unwrap() }
    };
    let alice = add(PrincipalKind::User, "alice@example.com").await;
    let bob = add(PrincipalKind::User, "bob@example.com").await;
    let room = add(PrincipalKind::Room, "board@example.com").await;
    let mailer =
        relais_mail::Mailer::new(f.store.clone(), dir.clone(), "mail.test", std::time::Duration::from_secs(3600));
    let g = Groupware::with_scheduling(mailer);
    let alice_cal = default_calendar(&g, alice.id).await;
    let bob_cal = default_calendar(&g, bob.id).await;

    let people = [
        ("alice@example.com", "ACCEPTED"),
        ("bob@example.com", "NEEDS-ACTION"),
        ("board@example.com", "NEEDS-ACTION"),
        ("someone@remote.test", "NEEDS-ACTION"),
    ];
    g.put(
        &Actor::system(alice_cal.account),
        &alice_cal,
        "m1.ics",
        invite("m1", "20260105T100000Z", &people),
        Condition::default(),
    )
    .await
    .unwrap();
    // Bob has it, waiting for his answer; the room accepted, and Alice's copy says so.
    let bobs = copy(&g, bob.id, "m1").await.expect("bob got the invitation");
    assert_eq!(partstat(&bobs.ical, "bob@example.com"), Some(Ps::NeedsAction));
    assert!(copy(&g, room.id, "m1").await.is_some());
    let alices = copy(&g, alice.id, "m1").await.unwrap();
    assert_eq!(partstat(&alices.ical, "board@example.com"), Some(Ps::Accepted));
    // Bob's scheduling inbox holds the REQUEST (RFC 6638 §4.1); the room has no inbox to read.
    let request = inbox_message(&g, bob.id, "m1").await.expect("a REQUEST in Bob's inbox");
    assert!(request.contains("METHOD:REQUEST") && request.contains("UID:m1"), "{request}");
    assert!(g.schedule_inbox(room.id, false).await.unwrap().is_none());
    // Alice's inbox has the room's REPLY.
    assert!(inbox_message(&g, alice.id, "m1").await.unwrap().contains("METHOD:REPLY"));
    // Bob (a person, not the room) also has the invitation by mail in his INBOX, as Exchange
    // users expect: an iMIP REQUEST from Alice (RFC 6047 §2.4).
    let [mail] = &mail_inbox(&g, bob.id).await[..] else { panic!("one invitation mail for Bob") };
    assert!(mail.contains("Subject: Invitation: Planning") && mail.contains("From: <alice@example.com>"), "{mail}");
    assert!(
        mail.contains("method=\"REQUEST\"") && mail.contains("METHOD:REQUEST") && mail.contains("UID:m1"),
        "{mail}"
    );
    assert!(mail_inbox(&g, room.id).await.is_empty(), "a room is not mailed");
    assert!(mail_inbox(&g, alice.id).await.is_empty(), "the organizer is not mailed");

    // A second meeting at the same time: the room is taken.
    g.put(
        &Actor::system(alice_cal.account),
        &alice_cal,
        "m2.ics",
        invite("m2", "20260105T103000Z", &people[2..3]),
        Condition::default(),
    )
    .await
    .unwrap();
    assert_eq!(partstat(&copy(&g, alice.id, "m2").await.unwrap().ical, "board@example.com"), Some(Ps::Declined));

    // Bob accepts in his copy: Alice's copy records it.
    let name = first_name(&g, &bob_cal).await;
    let accepted = String::from_utf8(invite(
        "m1",
        "20260105T100000Z",
        &[("alice@example.com", "ACCEPTED"), ("bob@example.com", "ACCEPTED"), ("board@example.com", "ACCEPTED")],
    ))
    .unwrap();
    g.put(&Actor::system(bob_cal.account), &bob_cal, &name, accepted.into_bytes(), Condition::default()).await.unwrap();
    assert_eq!(partstat(&copy(&g, alice.id, "m1").await.unwrap().ical, "bob@example.com"), Some(Ps::Accepted));
    let reply = inbox_message(&g, alice.id, "m1").await.unwrap();
    assert!(reply.contains("METHOD:REPLY") && reply.contains("PARTSTAT=ACCEPTED"), "{reply}");

    // Alice updates the meeting: Bob keeps his answer.
    let moved = invite("m1", "20260105T140000Z", &people);
    g.put(&Actor::system(alice_cal.account), &alice_cal, "m1.ics", moved, Condition::default()).await.unwrap();
    let bobs = copy(&g, bob.id, "m1").await.unwrap();
    assert_eq!(partstat(&bobs.ical, "bob@example.com"), Some(Ps::Accepted));
    assert!(bobs.ical.to_string().contains("20260105T140000Z"));
    // The update reaches Bob's INBOX too, and applying it kept his answer.
    assert_eq!(mail_inbox(&g, bob.id).await.len(), 2);
    // Saved again without a change Bob would decide on (a new description): no mail.
    let described = String::from_utf8(invite("m1", "20260105T140000Z", &people))
        .unwrap()
        .replace("SUMMARY:Planning\r\n", "SUMMARY:Planning\r\nDESCRIPTION:Agenda later\r\n");
    g.put(&Actor::system(alice_cal.account), &alice_cal, "m1.ics", described.into_bytes(), Condition::default())
        .await
        .unwrap();
    assert!(copy(&g, bob.id, "m1").await.unwrap().ical.to_string().contains("Agenda later"), "his copy follows");
    assert_eq!(mail_inbox(&g, bob.id).await.len(), 2, "no mail for a description");

    // The remote attendee was sent the invitation by iMIP through the queue.
    let queued = g.store().read(|r| r.queued_messages()).await.unwrap();
    assert!(queued.iter().any(|q| q.recipients.iter().any(|r| r.address == "someone@remote.test")), "{queued:?}");

    // Alice cancels: Bob's copy goes, and the remote attendee gets a CANCEL.
    g.delete(&Actor::system(alice_cal.account), &alice_cal, "m1.ics", Condition::default()).await.unwrap();
    assert!(copy(&g, bob.id, "m1").await.is_none());
    assert!(inbox_message(&g, bob.id, "m1").await.unwrap().contains("METHOD:CANCEL"));
    let queued_after = g.store().read(|r| r.queued_messages()).await.unwrap();
    assert!(queued_after.len() > queued.len());

    // An invitation from a remote organizer arrives by mail: it lands in Bob's calendar.
    let external = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:ext-1\r\n\
        DTSTAMP:20260101T000000Z\r\nDTSTART:20260110T090000Z\r\nDURATION:PT1H\r\nSUMMARY:Vendor call\r\n\
        ORGANIZER:mailto:carol@remote.test\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let mail = |body: &str| relais_mail::CalendarMail {
        accounts: vec![bob.id],
        items: Vec::new(),
        sender: "carol@remote.test".into(),
        auth: relais_mail::SenderAuth::Aligned { domain: "remote.test".into() },
        message: format!(
            "From: carol@remote.test\r\nTo: bob@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n\
            Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{body}"
        )
        .into_bytes()
        .into(),
    };
    g.apply_calendar_mail(mail(external)).await;
    let got = copy(&g, bob.id, "ext-1").await.expect("the iMIP invitation is in Bob's calendar");
    assert_eq!(partstat(&got.ical, "bob@example.com"), Some(Ps::NeedsAction));
    assert!(inbox_message(&g, bob.id, "ext-1").await.unwrap().contains("METHOD:REQUEST"));
    // A forged cancellation (not from the organizer) is ignored; the organizer's is applied.
    let cancel = external.replace("METHOD:REQUEST", "METHOD:CANCEL");
    let forged = relais_mail::CalendarMail { sender: "mallory@evil.test".into(), ..mail(&cancel) };
    g.apply_calendar_mail(forged).await;
    assert!(copy(&g, bob.id, "ext-1").await.is_some());
    g.apply_calendar_mail(mail(&cancel)).await;
    assert!(copy(&g, bob.id, "ext-1").await.is_none());
    assert!(inbox_message(&g, bob.id, "ext-1").await.unwrap().contains("METHOD:CANCEL"));
}
on_both_backends!(meetings_on, meetings);

/// An iMIP invitation delivered while nothing applies it (the server stopped between the 250
/// and the calendar update) is applied at the next start, once.
async fn imip_pending_after_a_crash(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "", Some("pw"), Role::User).await.unwrap();
    let (sink, unread) = tokio::sync::mpsc::unbounded_channel();
    let mailer =
        relais_mail::Mailer::new(f.store.clone(), dir.clone(), "mail.test", std::time::Duration::from_secs(3600))
            .with_calendar_sink(sink);
    let body = "From: carol@remote.test\r\nTo: bob@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n\
        Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n\
        BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//x//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:crash-1\r\n\
        DTSTAMP:20260101T000000Z\r\nDTSTART:20260110T090000Z\r\nDURATION:PT1H\r\nSUMMARY:Vendor call\r\n\
        ORGANIZER:mailto:carol@remote.test\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
    let envelope = relais_mail::Envelope {
        sender: "carol@remote.test".into(),
        recipients: vec![relais_mail::EnvelopeRecipient {
            address: "bob@example.com".into(),
            destination: relais_mail::Destination::Local(vec![bob.id]),
            orcpt: None,
            notify: 0,
        }],
        auth: relais_mail::SenderAuth::Aligned { domain: "remote.test".into() },
        ..Default::default()
    };
    mailer.deliver(&envelope, body.as_bytes().to_vec()).await.unwrap();
    drop(unread); // the consumer never ran
    assert_eq!(f.store.read(|r| r.calendar_pending()).await.unwrap().len(), 1);
    assert!(copy(&Groupware::new(f.store.clone()), bob.id, "crash-1").await.is_none());

    // The next start: what is pending is applied, and the mark cleared.
    let g = Groupware::with_scheduling(mailer);
    assert_eq!(g.apply_pending().await.unwrap(), 1);
    let got = copy(&g, bob.id, "crash-1").await.expect("the invitation is in Bob's calendar");
    assert_eq!(partstat(&got.ical, "bob@example.com"), Some(Ps::NeedsAction));
    assert!(f.store.read(|r| r.calendar_pending()).await.unwrap().is_empty());
    assert_eq!(g.apply_pending().await.unwrap(), 0);
}
on_both_backends!(imip_pending_after_a_crash_on, imip_pending_after_a_crash);

/// `Scheduling::Held` (JMAP without sendSchedulingMessages): the organizer's write, change
/// and delete stay in her own calendar — no copy for the local attendee, nothing in his
/// scheduling inbox, nothing queued for the remote one; an attendee's held answer is not
/// recorded by the organizer.
async fn held(f: Fresh) {
    let (_, alice, bob, g) = alice_and_bob(&f).await;
    let alice_cal = default_calendar(&g, alice.id).await;
    let bob_cal = default_calendar(&g, bob.id).await;
    let ann = Actor::system(alice.id);
    let people = [("bob@example.com", "NEEDS-ACTION"), ("someone@remote.test", "NEEDS-ACTION")];
    let queued = || async { g.store().read(|r| r.queued_messages()).await.unwrap().len() };

    g.put_unscheduled(&ann, &alice_cal, "h1.ics", invite("h1", "20260105T100000Z", &people), Condition::default())
        .await
        .unwrap();
    assert!(copy(&g, alice.id, "h1").await.is_some(), "stored in the organizer's calendar");
    assert!(copy(&g, bob.id, "h1").await.is_none(), "no copy for the attendee");
    assert!(inbox_message(&g, bob.id, "h1").await.is_none());
    assert_eq!(queued().await, 0, "no iMIP");
    let moved = invite("h1", "20260105T140000Z", &people);
    g.put_unscheduled(&ann, &alice_cal, "h1.ics", moved, Condition::default()).await.unwrap();
    assert!(copy(&g, bob.id, "h1").await.is_none());
    g.delete_unscheduled(&ann, &alice_cal, "h1.ics", Condition::default()).await.unwrap();
    assert!(copy(&g, alice.id, "h1").await.is_none());
    assert!(inbox_message(&g, bob.id, "h1").await.is_none(), "no CANCEL");
    assert_eq!(queued().await, 0);

    // Scheduled, then Bob answers held: Alice's copy does not record it.
    g.put(&ann, &alice_cal, "h2.ics", invite("h2", "20260106T100000Z", &people[..1]), Condition::default())
        .await
        .unwrap();
    assert!(copy(&g, bob.id, "h2").await.is_some());
    let name = first_name(&g, &bob_cal).await;
    let accepted = invite("h2", "20260106T100000Z", &[("bob@example.com", "ACCEPTED")]);
    g.put_unscheduled(&Actor::system(bob.id), &bob_cal, &name, accepted, Condition::default()).await.unwrap();
    assert_eq!(partstat(&copy(&g, bob.id, "h2").await.unwrap().ical, "bob@example.com"), Some(Ps::Accepted));
    assert_eq!(partstat(&copy(&g, alice.id, "h2").await.unwrap().ical, "bob@example.com"), Some(Ps::NeedsAction));
    assert!(inbox_message(&g, alice.id, "h2").await.is_none(), "no REPLY");
}
on_both_backends!(held_on, held);

/// The server's scheduling writes are not held to the quota (`resources::Quota::Exempt`): an
/// attendee over quota still gets the invitation on his calendar and in his scheduling inbox,
/// and his answer still reaches an organizer over quota. What he writes himself is held.
async fn scheduling_is_not_held_to_the_quota(f: Fresh) {
    let (dir, alice, bob, g) = alice_and_bob(&f).await;
    let alice_cal = default_calendar(&g, alice.id).await;
    let bob_cal = default_calendar(&g, bob.id).await;
    dir.set_quota("bob@example.com", Some(1)).await.unwrap();
    let people = [("bob@example.com", "NEEDS-ACTION")];
    g.put(&Actor::system(alice.id), &alice_cal, "q1.ics", invite("q1", "20260105T100000Z", &people), Condition::default())
        .await
        .unwrap();
    assert!(copy(&g, bob.id, "q1").await.is_some(), "the invitation reached a calendar over its quota");
    assert!(inbox_message(&g, bob.id, "q1").await.is_some());
    // Bob's own new event is refused; his answer goes through, to an organizer over quota too.
    let bobs = Actor::system(bob.id);
    let own = g.put(&bobs, &bob_cal, "own.ics", invite("own", "20260107T100000Z", &[]), Condition::default()).await;
    assert!(matches!(own, Err(relais_groupware::Error::OverQuota)), "{own:?}");
    dir.set_quota("alice@example.com", Some(1)).await.unwrap();
    let name = first_name(&g, &bob_cal).await;
    let accepted = invite("q1", "20260105T100000Z", &[("bob@example.com", "ACCEPTED")]);
    g.put(&bobs, &bob_cal, &name, accepted, Condition::default()).await.expect("no larger: passes");
    assert_eq!(partstat(&copy(&g, alice.id, "q1").await.unwrap().ical, "bob@example.com"), Some(Ps::Accepted));
}
on_both_backends!(scheduling_is_not_held_to_the_quota_on, scheduling_is_not_held_to_the_quota);
