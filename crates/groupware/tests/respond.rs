//! An attendee's answer from a client without a calendar write of its own (ActiveSync
//! MeetingResponse), on both backends: the copy records it, the local organizer's copy hears
//! of it as from a CalDAV save (or is not told, when the answer is to stay the attendee's); a message's invitation finds the copy; a stranger's answer
//! is refused. Also the account's own calendars and task lists (`own_collections`) and the
//! count of what a client misses (`count_missing`).

use relais_directory::{Actor, AuthConfig, Directory};
use relais_groupware::calcard::icalendar::ICalendarParticipationStatus as Ps;
use relais_groupware::respond::{Answer, Invitation, Response};
use relais_groupware::scheduling::partstat;
use relais_groupware::sync::Held;
use relais_groupware::{CalendarObject, Condition, Error, Groupware};
use relais_store::{CollectionKind, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

const INVITE: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:r1\r\n\
DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDURATION:PT1H\r\nSUMMARY:Review\r\n\
ORGANIZER:mailto:alice@example.com\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n\
ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

async fn answers(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let alice = dir.add_principal(PrincipalKind::User, "alice@example.com", "", Some("pw"), Role::User).await.unwrap();
    let bob = dir.add_principal(PrincipalKind::User, "bob@example.com", "", Some("pw"), Role::User).await.unwrap();
    let carol = dir.add_principal(PrincipalKind::User, "carol@example.com", "", Some("pw"), Role::User).await.unwrap();
    let mailer =
        relais_mail::Mailer::new(f.store.clone(), dir.clone(), "mail.test", std::time::Duration::from_secs(3600));
    let g = Groupware::with_scheduling(mailer);
    let (alice_actor, bob_actor) = (Actor::system(alice.id), Actor::system(bob.id));

    // Each account's calendars and task lists, the scheduling inbox not among them.
    let alice_cals = g.own_collections(&alice_actor, CollectionKind::Calendar).await.unwrap();
    assert_eq!(alice_cals.iter().map(|c| c.role.as_deref()).collect::<Vec<_>>(), [Some("default")]);
    let lists = g.own_collections(&bob_actor, CollectionKind::TaskList).await.unwrap();
    assert_eq!(lists.len(), 1);
    g.put(&alice_actor, &alice_cals[0], "r1.ics", INVITE.as_bytes().to_vec(), Condition::default()).await.unwrap();
    assert!(g.schedule_inbox(bob.id, false).await.unwrap().is_some(), "the REQUEST waits in Bob's inbox");
    assert_eq!(g.own_collections(&bob_actor, CollectionKind::Calendar).await.unwrap().len(), 1);

    // Bob's copy arrived; what his client misses is counted without reading it.
    let bob_cal = g.own_collections(&bob_actor, CollectionKind::Calendar).await.unwrap().remove(0);
    assert_eq!(g.count_missing(&bob_actor, bob_cal.id, Held::default()).await.unwrap(), 1);
    let delta = g.delta(&bob_actor, bob_cal.id, Held::default(), 10).await.unwrap();
    assert_eq!(g.count_missing(&bob_actor, bob_cal.id, delta.held).await.unwrap(), 0);
    let item = delta.added[0].id;

    // Bob accepts from his phone: his copy and Alice's say so.
    let (c, i) =
        g.respond(&bob_actor, Invitation::Object { collection: bob_cal.id, item }, Answer::Accepted).await.unwrap();
    assert_eq!((c, i), (bob_cal.id, item));
    let read = |g: Groupware, account, uid: &'static str| async move {
        let cal = g.default_calendar(account).await.unwrap().unwrap();
        let o = g.object_named(&Actor::system(account), cal.id, &format!("{uid}.ics")).await.unwrap().unwrap();
        CalendarObject::parse(&String::from_utf8(o.content).unwrap()).unwrap()
    };
    let bobs = read(g.clone(), bob.id, "r1").await;
    assert_eq!(partstat(&bobs.ical, "bob@example.com"), Some(Ps::Accepted));
    let alices = read(g.clone(), alice.id, "r1").await;
    assert_eq!(partstat(&alices.ical, "bob@example.com"), Some(Ps::Accepted));
    assert_eq!(g.count_missing(&bob_actor, bob_cal.id, delta.held).await.unwrap(), 1, "the copy changed");

    // Tentative, told to nobody: Bob's copy says so, Alice's still says accepted.
    let quiet = Response { answer: Answer::Tentative, occurrence: None, tell_organizer: false };
    g.respond_to(&bob_actor, Invitation::Object { collection: bob_cal.id, item }, quiet).await.unwrap();
    let bobs = read(g.clone(), bob.id, "r1").await;
    assert_eq!(partstat(&bobs.ical, "bob@example.com"), Some(Ps::Tentative));
    let alices = read(g.clone(), alice.id, "r1").await;
    assert_eq!(partstat(&alices.ical, "bob@example.com"), Some(Ps::Accepted), "the organizer was not told");

    // One occurrence of a weekly meeting: an override on Bob's copy, the series unchanged.
    let weekly = INVITE
        .replace("UID:r1", "UID:w1")
        .replace("DURATION:PT1H\r\n", "DURATION:PT1H\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\n");
    g.put(&alice_actor, &alice_cals[0], "w1.ics", weekly.into_bytes(), Condition::default()).await.unwrap();
    let w1 = g.object_named(&bob_actor, bob_cal.id, "w1.ics").await.unwrap().unwrap();
    let second = 1_767_607_200 + 7 * 86_400; // 2026-01-12T10:00:00Z
    let one = |occurrence| Response { answer: Answer::Declined, occurrence: Some(occurrence), tell_organizer: true };
    let invitation = Invitation::Object { collection: bob_cal.id, item: w1.id };
    g.respond_to(&bob_actor, invitation, one(second)).await.unwrap();
    let text =
        String::from_utf8(g.object_named(&bob_actor, bob_cal.id, "w1.ics").await.unwrap().unwrap().content).unwrap();
    let copy = CalendarObject::parse(&text).unwrap();
    assert_eq!(partstat(&copy.ical, "bob@example.com"), Some(Ps::NeedsAction), "the series is unanswered");
    assert!(text.contains("RECURRENCE-ID:20260112T100000Z") && text.contains("PARTSTAT=DECLINED"), "{text}");
    assert!(matches!(g.respond_to(&bob_actor, invitation, one(second + 3600)).await, Err(Error::NotFound)));
    // Alice's copy records it on that occurrence only.
    let cal = g.default_calendar(alice.id).await.unwrap().unwrap();
    let text =
        String::from_utf8(g.object_named(&alice_actor, cal.id, "w1.ics").await.unwrap().unwrap().content).unwrap();
    let organizers = CalendarObject::parse(&text).unwrap();
    assert_eq!(partstat(&organizers.ical, "bob@example.com"), Some(Ps::NeedsAction), "{text}");
    assert!(text.contains("RECURRENCE-ID:20260112T100000Z") && text.contains("PARTSTAT=DECLINED"), "{text}");

    // From the invitation message: the copy it names; declined.
    let message = format!(
        "From: alice@example.com\r\nTo: bob@example.com\r\nSubject: Invitation\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/calendar; method=REQUEST; charset=utf-8\r\n\r\n{}",
        INVITE.replacen("VERSION:2.0\r\n", "VERSION:2.0\r\nMETHOD:REQUEST\r\n", 1)
    );
    g.respond(&bob_actor, Invitation::Message(message.as_bytes()), Answer::Declined).await.unwrap();
    let alices = read(g.clone(), alice.id, "r1").await;
    assert_eq!(partstat(&alices.ical, "bob@example.com"), Some(Ps::Declined));

    // Carol is no attendee, and has no copy; Bob's calendar is not hers to answer in.
    let carol_actor = Actor::system(carol.id);
    assert!(matches!(
        g.respond(&carol_actor, Invitation::Message(message.as_bytes()), Answer::Accepted).await,
        Err(Error::NotFound)
    ));
    assert!(matches!(
        g.respond(&carol_actor, Invitation::Object { collection: bob_cal.id, item }, Answer::Accepted).await,
        Err(Error::NotFound)
    ));
    // Alice answering her own meeting as organizer-attendee is allowed; a meeting without
    // her as attendee is a conflict.
    let solo =
        INVITE.replace("UID:r1", "UID:r2").replace("ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com\r\n", "");
    g.put(&alice_actor, &alice_cals[0], "r2.ics", solo.into_bytes(), Condition::default()).await.unwrap();
    let r2 = g.object_named(&alice_actor, alice_cals[0].id, "r2.ics").await.unwrap().unwrap();
    assert!(matches!(
        g.respond(&alice_actor, Invitation::Object { collection: alice_cals[0].id, item: r2.id }, Answer::Accepted)
            .await,
        Err(Error::Conflict(_))
    ));
}
on_both_backends!(answers_on, answers);
