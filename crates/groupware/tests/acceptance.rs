//! Who may change whose calendar (issue 10, items 1, 2, 3b, 11, 12), on both backends: an
//! attendee's copy changes only by its stored organizer, locally and by iMIP; iMIP is applied
//! only when SMTP vouched for the sender; a new copy never replaces an existing resource; one
//! poisonous message stops nothing; rooms take bookings from the organisation only.

use relais_directory::Actor;
use relais_directory::{AuthConfig, Directory};
use relais_groupware::booking::BookingPolicy;
use relais_groupware::calcard::icalendar::ICalendarParticipationStatus as Ps;
use relais_groupware::scheduling::{INBOX_ROLE, organizer, partstat};
use relais_groupware::{CalendarObject, Condition, Groupware};
use relais_mail::{CalendarMail, Destination, Envelope, EnvelopeRecipient, Mailer, SenderAuth};
use relais_store::{AccountId, Collection, Principal, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

struct World {
    g: Groupware,
    mailer: Mailer,
    alice: Principal,
    bob: Principal,
    carol: Principal,
    room: Principal,
}

async fn world(f: &Fresh) -> World {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let add = |kind, addr: &'static str| {
        let dir = dir.clone();
        async move { dir.add_principal(kind, addr, "", Some("pw"), Role::User).await.unwrap() }
    };
    let alice = add(PrincipalKind::User, "alice@example.com").await;
    let bob = add(PrincipalKind::User, "bob@example.com").await;
    let carol = add(PrincipalKind::User, "carol@example.com").await;
    let room = add(PrincipalKind::Room, "board@example.com").await;
    let mailer = Mailer::new(f.store.clone(), dir, "mail.test", std::time::Duration::from_secs(3600));
    World { g: Groupware::with_scheduling(mailer.clone()), mailer, alice, bob, carol, room }
}

fn event(uid: &str, organizer: Option<&str>, attendees: &[(&str, &str)], summary: &str) -> String {
    let mut text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDURATION:PT1H\r\nSUMMARY:{summary}\r\n"
    );
    if let Some(o) = organizer {
        text.push_str(&format!("ORGANIZER:mailto:{o}\r\n"));
    }
    for (a, ps) in attendees {
        text.push_str(&format!("ATTENDEE;PARTSTAT={ps}:mailto:{a}\r\n"));
    }
    text + "END:VEVENT\r\nEND:VCALENDAR\r\n"
}

fn itip(method: &str, text: &str) -> String {
    text.replacen("PRODID:-//t//t//EN\r\n", &format!("PRODID:-//t//t//EN\r\nMETHOD:{method}\r\n"), 1)
}

fn mail(account: AccountId, sender: &str, auth: SenderAuth, itip: &str) -> CalendarMail {
    CalendarMail {
        accounts: vec![account],
        items: Vec::new(),
        sender: sender.into(),
        auth,
        message: message(sender, itip).into_bytes().into(),
    }
}

fn message(sender: &str, itip: &str) -> String {
    format!(
        "From: {sender}\r\nTo: x@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{itip}"
    )
}

fn aligned(domain: &str) -> SenderAuth {
    SenderAuth::Aligned { domain: domain.into() }
}

async fn calendar(g: &Groupware, account: AccountId) -> Collection {
    g.default_calendar(account).await.unwrap().unwrap()
}

/// The content of resource `name` in the account's default calendar.
async fn resource(g: &Groupware, account: AccountId, name: &str) -> Option<String> {
    let c = calendar(g, account).await;
    let n = name.to_owned();
    let item = g.store().read(move |r| r.item_by_name(c.id, &n)).await.unwrap()?;
    Some(String::from_utf8(g.store().blob(item.blob.unwrap()).await.unwrap()).unwrap())
}

/// Every resource of the account's calendars (not its inbox) with this UID, parsed.
async fn copies(g: &Groupware, account: AccountId, uid: &str) -> Vec<CalendarObject> {
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
    let mut out = Vec::new();
    for item in items {
        let text = g.store().blob(item.blob.unwrap()).await.unwrap();
        out.push(CalendarObject::parse(&String::from_utf8(text).unwrap()).unwrap());
    }
    out
}

async fn one_copy(g: &Groupware, account: AccountId, uid: &str) -> Option<CalendarObject> {
    let mut all = copies(g, account, uid).await;
    assert!(all.len() <= 1, "{} copies of {uid}", all.len());
    all.pop()
}

/// The summaries of the inbox's messages marked as not applied.
async fn unapplied(g: &Groupware, account: AccountId) -> Vec<String> {
    let Some(inbox) = g.schedule_inbox(account, false).await.unwrap() else { return Vec::new() };
    let summaries: Vec<String> = g
        .store()
        .read(move |r| r.resources(inbox.id)?.into_iter().map(|i| Ok(r.item(i.id)?.summary)).collect())
        .await
        .unwrap();
    summaries.into_iter().filter(|s: &String| s.contains("unapplied")).collect()
}

fn summary(o: &CalendarObject) -> String {
    o.ical.to_string().lines().find_map(|l| l.strip_prefix("SUMMARY:")).unwrap_or_default().to_owned()
}

/// Item 1: Alice saves an event with the UID of Bob's own event and names him: his stays.
async fn local_organizer_cannot_overwrite_anothers_event(f: Fresh) {
    let w = world(&f).await;
    let (alice, bob) = (w.alice.address(), w.bob.address());
    let bob_cal = calendar(&w.g, w.bob.id).await;
    let private = event("bob-private", None, &[], "Doctor");
    w.g.put(
        &Actor::system(bob_cal.account),
        &bob_cal,
        "doctor.ics",
        private.clone().into_bytes(),
        Condition::default(),
    )
    .await
    .unwrap();
    let own = event("bob-own", Some(&bob), &[(&bob, "ACCEPTED"), (&alice, "NEEDS-ACTION")], "Bob's review");
    w.g.put(&Actor::system(bob_cal.account), &bob_cal, "review.ics", own.into_bytes(), Condition::default())
        .await
        .unwrap();
    let bob_before = resource(&w.g, w.bob.id, "review.ics").await.unwrap();

    let alice_cal = calendar(&w.g, w.alice.id).await;
    for uid in ["bob-private", "bob-own"] {
        let hijack = event(uid, Some(&alice), &[(&alice, "ACCEPTED"), (&bob, "NEEDS-ACTION")], "Hijacked");
        // Alice may already hold a copy of bob-own (she is invited): she edits that one.
        let name = match copies(&w.g, w.alice.id, uid).await.is_empty() {
            true => format!("{uid}.ics"),
            false => alice_copy_name(&w.g, w.alice.id, uid).await,
        };
        w.g.put(&Actor::system(alice_cal.account), &alice_cal, &name, hijack.into_bytes(), Condition::default())
            .await
            .unwrap();
        w.g.delete(&Actor::system(alice_cal.account), &alice_cal, &name, Condition::default()).await.unwrap();
    }
    assert_eq!(resource(&w.g, w.bob.id, "doctor.ics").await.as_deref(), Some(private.as_str()));
    // Bob's meeting is his still; only Alice's own answer may have reached it (her DELETE of
    // her copy declines, RFC 5546 §3.2.3).
    let after = resource(&w.g, w.bob.id, "review.ics").await.unwrap();
    let alice_said = |t: &str| {
        ["NEEDS-ACTION", "ACCEPTED", "DECLINED"]
            .iter()
            .fold(t.to_owned(), |t, ps| t.replace(&format!("{ps}:mailto:alice"), "X:mailto:alice"))
    };
    assert_eq!(alice_said(&after), alice_said(&bob_before));
    assert_eq!(copies(&w.g, w.bob.id, "bob-private").await.len(), 1);
}
on_both_backends!(local_organizer_cannot_overwrite_anothers_event_on, local_organizer_cannot_overwrite_anothers_event);

async fn alice_copy_name(g: &Groupware, account: AccountId, uid: &str) -> String {
    let c = calendar(g, account).await;
    let u = uid.to_owned();
    g.store()
        .read(move |r| Ok(r.items_with_uid(c.id, &u)?.into_iter().next().and_then(|i| i.name)))
        .await
        .unwrap()
        .expect("a copy in the default calendar")
}

/// Item 1: an attendee who makes herself organizer of her copy changes her copy only; her
/// answer still reaches the organizer, and nothing else does; her DELETE cancels nothing.
async fn attendee_cannot_take_over_a_meeting(f: Fresh) {
    let w = world(&f).await;
    let (alice, bob, carol) = (w.alice.address(), w.bob.address(), w.carol.address());
    let people = [(bob.as_str(), "ACCEPTED"), (alice.as_str(), "NEEDS-ACTION"), (carol.as_str(), "NEEDS-ACTION")];
    let bob_cal = calendar(&w.g, w.bob.id).await;
    w.g.put(
        &Actor::system(bob_cal.account),
        &bob_cal,
        "m.ics",
        event("m", Some(&bob), &people, "Planning").into_bytes(),
        Condition::default(),
    )
    .await
    .unwrap();
    assert_eq!(summary(&one_copy(&w.g, w.carol.id, "m").await.unwrap()), "Planning");
    let alice_cal = calendar(&w.g, w.alice.id).await;
    let name = alice_copy_name(&w.g, w.alice.id, "m").await;

    // Her answer, with a changed title: Bob records the answer only.
    let answered = [(bob.as_str(), "ACCEPTED"), (alice.as_str(), "ACCEPTED"), (carol.as_str(), "DECLINED")];
    let edit = event("m", Some(&bob), &answered, "Renamed by Alice");
    w.g.put(&Actor::system(alice_cal.account), &alice_cal, &name, edit.into_bytes(), Condition::default())
        .await
        .unwrap();
    let bobs = one_copy(&w.g, w.bob.id, "m").await.unwrap();
    assert_eq!(partstat(&bobs.ical, &alice), Some(Ps::Accepted));
    assert_eq!(partstat(&bobs.ical, &carol), Some(Ps::NeedsAction), "only her own PARTSTAT");
    assert_eq!(summary(&bobs), "Planning");

    // She makes herself organizer and moves it: neither Bob's nor Carol's copy changes.
    let takeover = event("m", Some(&alice), &people, "Taken over");
    w.g.put(&Actor::system(alice_cal.account), &alice_cal, &name, takeover.into_bytes(), Condition::default())
        .await
        .unwrap();
    for account in [w.bob.id, w.carol.id] {
        let copy = one_copy(&w.g, account, "m").await.expect("the copy is still there");
        assert_eq!(summary(&copy), "Planning");
        assert_eq!(organizer(&copy.ical).as_deref(), Some(bob.as_str()));
    }
    // Her DELETE cancels nobody's copy.
    w.g.delete(&Actor::system(alice_cal.account), &alice_cal, &name, Condition::default()).await.unwrap();
    assert!(one_copy(&w.g, w.bob.id, "m").await.is_some());
    assert_eq!(summary(&one_copy(&w.g, w.carol.id, "m").await.unwrap()), "Planning");
}
on_both_backends!(attendee_cannot_take_over_a_meeting_on, attendee_cannot_take_over_a_meeting);

/// Items 2 and 11: an iTIP message is matched to the stored copy by UID and applied only from
/// its stored organizer (REQUEST, CANCEL) or a stored attendee (REPLY, their PARTSTAT only),
/// only when SMTP vouched for the sender; otherwise it waits, unapplied, in the inbox.
async fn imip_needs_the_stored_organizer_and_dmarc(f: Fresh) {
    let w = world(&f).await;
    let (g, bob) = (&w.g, w.bob.address());
    let carol_ext = "carol@remote.test";
    let invite = event("ext-1", Some(carol_ext), &[(&bob, "NEEDS-ACTION")], "Vendor call");
    // Unverified (no DMARC pass) or not aligned with the sender's domain: not applied.
    for auth in [SenderAuth::Unverified, SenderAuth::NotAligned, aligned("evil.test")] {
        g.apply_calendar_mail(mail(w.bob.id, carol_ext, auth, &itip("REQUEST", &invite))).await;
        assert!(one_copy(g, w.bob.id, "ext-1").await.is_none());
    }
    assert_eq!(unapplied(g, w.bob.id).await.len(), 3);
    g.apply_calendar_mail(mail(w.bob.id, carol_ext, aligned("remote.test"), &itip("REQUEST", &invite))).await;
    assert_eq!(summary(&one_copy(g, w.bob.id, "ext-1").await.expect("applied")), "Vendor call");

    // Mallory (DMARC-aligned for her own domain) moves or cancels it in Carol's name: no.
    let moved = event("ext-1", Some("mallory@evil.test"), &[(&bob, "NEEDS-ACTION")], "Moved");
    let mallory = |m: &str, body: &str| mail(w.bob.id, "mallory@evil.test", aligned("evil.test"), &itip(m, body));
    g.apply_calendar_mail(mallory("REQUEST", &moved)).await;
    g.apply_calendar_mail(mallory("CANCEL", &moved)).await;
    g.apply_calendar_mail(mallory("CANCEL", &invite)).await;
    assert_eq!(summary(&one_copy(g, w.bob.id, "ext-1").await.expect("still there")), "Vendor call");
    // The stored organizer's cancellation, unverified: still there; verified: gone.
    let cancel = itip("CANCEL", &invite);
    g.apply_calendar_mail(mail(w.bob.id, carol_ext, SenderAuth::Unverified, &cancel)).await;
    assert!(one_copy(g, w.bob.id, "ext-1").await.is_some());
    g.apply_calendar_mail(mail(w.bob.id, carol_ext, aligned("remote.test"), &cancel)).await;
    assert!(one_copy(g, w.bob.id, "ext-1").await.is_none());

    // Bob organizes with a remote attendee: a REPLY from a stranger, or one that answers for
    // someone else too, records nothing but the sender's own answer.
    let (dave, erin) = ("dave@remote.test", "erin@remote.test");
    let meeting =
        event("own-1", Some(&bob), &[(&bob, "ACCEPTED"), (dave, "NEEDS-ACTION"), (erin, "NEEDS-ACTION")], "Sync");
    let bob_cal = calendar(g, w.bob.id).await;
    g.put(&Actor::system(bob_cal.account), &bob_cal, "sync.ics", meeting.into_bytes(), Condition::default())
        .await
        .unwrap();
    let forged = event("own-1", Some(&bob), &[(dave, "DECLINED"), (erin, "DECLINED")], "Sync");
    g.apply_calendar_mail(mail(w.bob.id, "mallory@remote.test", aligned("remote.test"), &itip("REPLY", &forged))).await;
    g.apply_calendar_mail(mail(w.bob.id, dave, SenderAuth::NotAligned, &itip("REPLY", &forged))).await;
    let bobs = one_copy(g, w.bob.id, "own-1").await.unwrap();
    assert_eq!(partstat(&bobs.ical, dave), Some(Ps::NeedsAction));
    g.apply_calendar_mail(mail(w.bob.id, dave, aligned("remote.test"), &itip("REPLY", &forged))).await;
    let bobs = one_copy(g, w.bob.id, "own-1").await.unwrap();
    assert_eq!(partstat(&bobs.ical, dave), Some(Ps::Declined));
    assert_eq!(partstat(&bobs.ical, erin), Some(Ps::NeedsAction), "dave answers for dave only");
    // A stranger cannot take over Bob's own meeting by a REQUEST with its UID either.
    let takeover = event("own-1", Some(dave), &[(&bob, "NEEDS-ACTION")], "Taken");
    g.apply_calendar_mail(mail(w.bob.id, dave, aligned("remote.test"), &itip("REQUEST", &takeover))).await;
    g.apply_calendar_mail(mail(w.bob.id, dave, aligned("remote.test"), &itip("CANCEL", &takeover))).await;
    assert_eq!(summary(&one_copy(g, w.bob.id, "own-1").await.unwrap()), "Sync");
}
on_both_backends!(imip_needs_the_stored_organizer_and_dmarc_on, imip_needs_the_stored_organizer_and_dmarc);

/// Item 2: a new copy never lands on an existing resource — by iMIP or locally.
async fn new_copies_never_replace_a_resource(f: Fresh) {
    let w = world(&f).await;
    let (g, alice) = (&w.g, w.alice.address());
    let alice_cal = calendar(g, w.alice.id).await;
    let mine = event("daily-7f3a", None, &[], "My standup notes");
    g.put(
        &Actor::system(alice_cal.account),
        &alice_cal,
        "standup.ics",
        mine.clone().into_bytes(),
        Condition::default(),
    )
    .await
    .unwrap();
    // A stranger's invitation with UID `standup`, verified: a copy under another name.
    let invite = event("standup", Some("eve@remote.test"), &[(&alice, "NEEDS-ACTION")], "Eve's standup");
    g.apply_calendar_mail(mail(w.alice.id, "eve@remote.test", aligned("remote.test"), &itip("REQUEST", &invite))).await;
    assert_eq!(resource(g, w.alice.id, "standup.ics").await.as_deref(), Some(mine.as_str()));
    assert_eq!(summary(&one_copy(g, w.alice.id, "standup").await.expect("a copy")), "Eve's standup");
    // The same locally: Bob invites Alice to `daily`, and `daily.ics` is hers already.
    let other = event("unrelated", None, &[], "Private");
    g.put(&Actor::system(alice_cal.account), &alice_cal, "daily.ics", other.clone().into_bytes(), Condition::default())
        .await
        .unwrap();
    let bob_cal = calendar(g, w.bob.id).await;
    let bobs = event("daily", Some(&w.bob.address()), &[(&alice, "NEEDS-ACTION")], "Bob's daily");
    g.put(&Actor::system(bob_cal.account), &bob_cal, "d.ics", bobs.into_bytes(), Condition::default()).await.unwrap();
    assert_eq!(resource(g, w.alice.id, "daily.ics").await.as_deref(), Some(other.as_str()));
    assert_eq!(summary(&one_copy(g, w.alice.id, "daily").await.expect("a copy")), "Bob's daily");
}
on_both_backends!(new_copies_never_replace_a_resource_on, new_copies_never_replace_a_resource);

/// Item 3b: a poisonous message (an address with a multi-byte character at byte 7) is marked
/// failed; the invitation after it is applied — live, and when replayed at the next start.
async fn a_poison_message_stops_nothing(f: Fresh) {
    let w = world(&f).await;
    let bob = w.bob.address();
    let ext = "carol@remote.test";
    let poison =
        event("poison-1", Some("mailto\u{1a4}x@remote.example"), &[("mailto\u{1a4}y@remote.example", "X")], "P");
    let poison = poison.replace("mailto:mailto\u{1a4}", "mailto\u{1a4}");
    let normal = |uid: &str| event(uid, Some(ext), &[(&bob, "NEEDS-ACTION")], "After the poison");
    // Live: one after the other, through the same path the server's loop takes.
    w.g.apply_calendar_mail(mail(w.bob.id, ext, aligned("remote.test"), &itip("REQUEST", &poison))).await;
    w.g.apply_calendar_mail(mail(w.bob.id, ext, aligned("remote.test"), &itip("REQUEST", &normal("live-1")))).await;
    assert!(one_copy(&w.g, w.bob.id, "live-1").await.is_some());

    // Delivered while nothing applies them, then replayed at start.
    let (sink, unread) = tokio::sync::mpsc::unbounded_channel();
    let stopped = w.mailer.clone().with_calendar_sink(sink);
    deliver(&stopped, w.bob.id, ext, &itip("REQUEST", &poison)).await;
    deliver(&stopped, w.bob.id, ext, &itip("REQUEST", &normal("replay-1"))).await;
    drop(unread);
    assert_eq!(f.store.read(|r| r.calendar_pending()).await.unwrap().len(), 2);
    assert_eq!(w.g.apply_pending().await.unwrap(), 2);
    assert!(one_copy(&w.g, w.bob.id, "replay-1").await.is_some());
    assert!(f.store.read(|r| r.calendar_pending()).await.unwrap().is_empty(), "nothing left to replay");
}
on_both_backends!(a_poison_message_stops_nothing_on, a_poison_message_stops_nothing);

/// Delivers an iMIP message from `sender` (DMARC-aligned) to `account`.
async fn deliver(mailer: &Mailer, account: AccountId, sender: &str, itip: &str) {
    let recipients = vec![EnvelopeRecipient {
        address: "bob@example.com".into(),
        destination: Destination::Local(vec![account]),
        orcpt: None,
        notify: 0,
    }];
    let envelope = Envelope { sender: sender.into(), recipients, auth: aligned("remote.test"), ..Default::default() };
    mailer.deliver(&envelope, message(sender, itip).into_bytes()).await.unwrap();
}

/// Item 11: a message DMARC quarantined to Junk is never applied, even from the organizer.
async fn quarantined_mail_is_never_applied(f: Fresh) {
    let w = world(&f).await;
    let (sink, mut delivered) = tokio::sync::mpsc::unbounded_channel();
    let mailer = w.mailer.clone().with_calendar_sink(sink);
    let ext = "carol@remote.test";
    let invite = event("junk-1", Some(ext), &[(&w.bob.address(), "NEEDS-ACTION")], "Vendor call");
    let recipients = vec![EnvelopeRecipient {
        address: "bob@example.com".into(),
        destination: Destination::Local(vec![w.bob.id]),
        orcpt: None,
        notify: 0,
    }];
    let envelope = Envelope {
        sender: ext.into(),
        recipients,
        quarantine: true,
        auth: aligned("remote.test"),
        ..Default::default()
    };
    mailer.deliver(&envelope, message(ext, &itip("REQUEST", &invite)).into_bytes()).await.unwrap();
    let mail = delivered.recv().await.unwrap();
    assert_eq!(mail.auth, SenderAuth::NotAligned);
    w.g.apply_calendar_mail(mail).await;
    assert!(one_copy(&w.g, w.bob.id, "junk-1").await.is_none());
    // Nor when replayed: the verdict is kept with the pending mark.
    drop(delivered);
    mailer.deliver(&envelope, message(ext, &itip("REQUEST", &invite)).into_bytes()).await.unwrap();
    w.g.apply_pending().await.unwrap();
    assert!(one_copy(&w.g, w.bob.id, "junk-1").await.is_none());
}
on_both_backends!(quarantined_mail_is_never_applied_on, quarantined_mail_is_never_applied);

/// Item 12: a room takes bookings from the organisation; an outsider's REQUEST (verified)
/// books nothing unless the room's policy allows anyone.
async fn rooms_take_bookings_from_the_organisation(f: Fresh) {
    let w = world(&f).await;
    let (g, room) = (&w.g, w.room.address());
    let ext = "carol@remote.test";
    assert_eq!(g.booking_policy(w.room.id).await.unwrap(), BookingPolicy::Organisation);
    let outside = event("ext-room", Some(ext), &[(&room, "NEEDS-ACTION")], "A year of workshops");
    g.apply_calendar_mail(mail(w.room.id, ext, aligned("remote.test"), &itip("REQUEST", &outside))).await;
    assert!(one_copy(g, w.room.id, "ext-room").await.is_none(), "an outsider booked the room");
    // An internal booking at the same time is accepted.
    let alice = w.alice.address();
    let inside = event("int-room", Some(&alice), &[(&alice, "ACCEPTED"), (&room, "NEEDS-ACTION")], "Board");
    let alice_cal = calendar(g, w.alice.id).await;
    g.put(&Actor::system(alice_cal.account), &alice_cal, "board.ics", inside.into_bytes(), Condition::default())
        .await
        .unwrap();
    let alices = one_copy(g, w.alice.id, "int-room").await.unwrap();
    assert_eq!(partstat(&alices.ical, &room), Some(Ps::Accepted));
    // A room open to anyone takes the outsider's booking.
    g.set_booking_policy(w.room.id, BookingPolicy::Anyone).await.unwrap();
    let later = outside.replace("20260105T100000Z", "20260205T100000Z");
    g.apply_calendar_mail(mail(w.room.id, ext, aligned("remote.test"), &itip("REQUEST", &later))).await;
    assert!(one_copy(g, w.room.id, "ext-room").await.is_some());
}
on_both_backends!(rooms_take_bookings_from_the_organisation_on, rooms_take_bookings_from_the_organisation);

/// Item 13: a sharee with write access to Alice's calendar makes the server send nothing in
/// her name — no iMIP to outsiders, no invitations to colleagues — unless Alice let him send
/// as her.
async fn a_sharee_schedules_only_with_send_as(f: Fresh) {
    let w = world(&f).await;
    let (alice, carol) = (w.alice.address(), w.carol.address());
    let alice_cal = calendar(&w.g, w.alice.id).await;
    let people = [(alice.as_str(), "ACCEPTED"), (carol.as_str(), "NEEDS-ACTION"), ("dave@remote.test", "NEEDS-ACTION")];
    let queued = || async { f.store.read(|r| r.queued_messages()).await.unwrap().len() };
    let body = event("shared-1", Some(&alice), &people, "In Alice's name").into_bytes();
    // Bob is a sharee with write access (DAV read + write).
    let (cid, bob) = (alice_cal.id, w.bob.id);
    f.store
        .write(move |tx| tx.set_grant(cid, bob, relais_store::share_rights::READ | relais_store::share_rights::WRITE))
        .await
        .unwrap();
    let as_bob = Actor::new(w.bob.id, relais_directory::Protocol::Dav);
    w.g.put(&as_bob, &alice_cal, "s.ics", body.clone(), Condition::default()).await.unwrap();
    assert!(one_copy(&w.g, w.carol.id, "shared-1").await.is_none());
    assert_eq!(queued().await, 0, "mail went out in Alice's name");
    w.g.delete(&as_bob, &alice_cal, "s.ics", Condition::default()).await.unwrap();
    assert_eq!(queued().await, 0);
    // With Alice's send-as grant it goes out.
    w.mailer.directory().grant(&alice, &w.bob.address(), relais_directory::Delegation::SEND_AS).await.unwrap();
    w.g.put(&as_bob, &alice_cal, "s.ics", body, Condition::default()).await.unwrap();
    assert!(one_copy(&w.g, w.carol.id, "shared-1").await.is_some());
    assert_eq!(queued().await, 1);
}
on_both_backends!(a_sharee_schedules_only_with_send_as_on, a_sharee_schedules_only_with_send_as);

/// Item 13: the address list and free/busy show a user their own domain unless the directory
/// is scoped to all; a principal is named by its own address, never by an alias.
async fn the_directory_is_scoped_to_the_domain(f: Fresh) {
    let w = world(&f).await;
    let dir = w.mailer.directory().clone();
    dir.add_domain("other.test").await.unwrap();
    let dan = dir.add_principal(PrincipalKind::User, "dan@other.test", "", Some("pw"), Role::User).await.unwrap();
    dir.add_alias("ceo-private@example.com", &w.bob.address()).await.unwrap();
    let request = |attendee: &str| relais_groupware::freebusy::Request {
        uid: "fb".into(),
        organizer: w.alice.address(),
        attendees: vec![attendee.to_owned()],
        start: 1_767_571_200,
        end: 1_767_657_600,
    };
    // Bob is busy 10:00–11:00 on the day asked.
    let bob_cal = w.g.default_calendar(w.bob.id).await.unwrap().unwrap();
    let as_bob = Actor::new(w.bob.id, relais_directory::Protocol::Dav);
    let busy = event("fb-1", None, &[], "Busy").into_bytes();
    w.g.put(&as_bob, &bob_cal, "fb-1.ics", busy, Condition::default()).await.unwrap();
    let (day, ten) = (1_767_571_200, 1_767_571_200 + 10 * 3600);
    for (scope, everyone) in [(relais_directory::GalScope::Domain, false), (relais_directory::GalScope::All, true)] {
        let dir = dir.clone().with_gal_scope(scope);
        let (cards, _) = relais_groupware::gal::cards(&dir, &w.alice).await.unwrap();
        assert!(cards.iter().any(|c| c.principal == w.bob.id));
        assert_eq!(cards.iter().any(|c| c.principal == dan.id), everyone, "{scope:?}");
        let mailer = Mailer::new(f.store.clone(), dir.clone(), "mail.test", std::time::Duration::from_secs(60));
        let g = Groupware::with_scheduling(mailer);
        let alice = Actor::new(w.alice.id, relais_directory::Protocol::Dav);
        assert!(g.answer(&alice, &request("bob@example.com")).await.unwrap()[0].1.is_some());
        // The same rule for a plain busy-time question (ActiveSync Availability).
        let busy = g.busy_of_address(&alice, "bob@example.com", day, day + 86_400).await.unwrap().unwrap();
        assert_eq!(busy, [relais_groupware::freebusy::Busy { start: ten, end: ten + 3600, tentative: false }]);
        let digits = relais_groupware::freebusy::merged(day, day + 86_400, 1800, &busy);
        assert_eq!(digits, format!("{}22{}", "0".repeat(20), "0".repeat(26)));
        assert_eq!(g.busy_of_address(&alice, "dan@other.test", day, day + 86_400).await.unwrap().is_some(), everyone);
        assert!(g.busy_of_address(&alice, "nobody@example.com", day, day + 86_400).await.unwrap().is_none());
        assert_eq!(g.answer(&alice, &request("dan@other.test")).await.unwrap()[0].1.is_some(), everyone);
        // Only the organizer asks in its own name (CALDAV:originator-allowed).
        let bob = Actor::new(w.bob.id, relais_directory::Protocol::Dav);
        assert!(matches!(g.answer(&bob, &request("bob@example.com")).await, Err(relais_groupware::Error::Forbidden)));
        assert_eq!(dir.principal_named("bob@example.com").await.unwrap().map(|p| p.id), Some(w.bob.id));
        assert!(dir.principal_named("ceo-private@example.com").await.unwrap().is_none());
    }
}
on_both_backends!(the_directory_is_scoped_to_the_domain_on, the_directory_is_scoped_to_the_domain);
