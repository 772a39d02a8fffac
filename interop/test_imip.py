"""Scheduling end to end: iMIP (RFC 6047) over real SMTP and implicit scheduling (RFC 6638)
between local users, observed through CalDAV.

- An invitation from an external organizer, delivered by SMTP (smtplib) and DMARC-aligned
  (SPF and DMARC records served by the DNS fixture), appears in the attendee's calendar; the
  organizer's CANCEL removes it; a forged CANCEL does not.
- Issue 10: an invitation without a DMARC pass, or quarantined to Junk, changes nothing; a
  stranger's UID does not replace an unrelated resource of that name; a stranger books no room.
- A local organizer's event reaches a local attendee's calendar, the room answers, and the
  remote attendee is sent a REQUEST through the outbound queue (received by a recording
  SMTP server).
"""

import smtplib
import time
from email.message import EmailMessage

import pytest
import requests
import urllib3

from dns_fixture import DnsFixture
from smtp_sink import Sink

urllib3.disable_warnings()
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ALICE, BOB, ROOM = f"alice@{DOMAIN}", f"bob@{DOMAIN}", f"board@{DOMAIN}"
PASSWORD = "pw-imip"


def session(user):
    s = requests.Session()
    s.auth = (user, PASSWORD)
    s.verify = False
    s.trust_env = False
    return s


def remote_test_config(dns, sink):
    """Configuration that resolves through `dns`, trusts no network, and routes remote.test's mail
    to `sink`, retrying quickly."""
    return f"""
[dns]
nameservers = ["127.0.0.1:{dns.port}"]
[smtp]
retry_initial_secs = 1
retry_max_secs = 2
trusted_networks = []
[smtp.routes]
"remote.test" = "127.0.0.1:{sink.port}"
"""


@pytest.fixture
def server(relais_factory):
    sink, dns = Sink(), DnsFixture()
    # remote.test passes DMARC (SPF aligned) from loopback, which is not a trusted network here.
    dns.add("remote.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns.add("_dmarc.remote.test", "TXT", "v=DMARC1; p=reject")
    dns.add("nodmarc.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns.add("quar.test", "TXT", "v=spf1 -all")
    dns.add("_dmarc.quar.test", "TXT", "v=DMARC1; p=quarantine")
    r = relais_factory(
        listeners=["smtp"],
        settings={"dav": {"plaintext_auth_on_loopback": True}},
        extra_toml=remote_test_config(dns, sink),
    ).start()
    r.admin("domain", "add", DOMAIN)
    for u in (ALICE, BOB):
        r.admin("user", "add", u, "--password", PASSWORD)
    r.admin("room", "add", ROOM)
    yield r, sink
    sink.close()
    dns.close()


def wait_for(predicate, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    return None


def calendar_url(r, user, resource=""):
    return f"{r.https_url}/dav/calendars/{user}/Calendar/{resource}"


def fetch(r, user, uid):
    """The user's copy of `uid` (scheduled copies are named after the UID), or None."""
    resp = session(user).get(calendar_url(r, user, f"{uid}.ics"))
    return resp.text if resp.status_code == 200 else None


def itip(method, uid, organizer, attendee, start="20260310T090000Z"):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Remote//EN\r\n"
        f"METHOD:{method}\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n"
        f"DTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:Vendor call\r\nSEQUENCE:0\r\n"
        f"ORGANIZER:mailto:{organizer}\r\nATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{attendee}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def send(r, sender, to, method, body):
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, f"{method.title()}: Vendor call"
    msg.set_content("You are invited.")
    msg.add_attachment(body.encode(), maintype="text", subtype="calendar", params={"method": method})
    with smtplib.SMTP(*r.addr("smtp")) as s:
        s.send_message(msg, from_addr=sender, to_addrs=[to])


def test_external_invitation_by_smtp_lands_in_the_calendar(server):
    r, _ = server
    uid = "ext-invite-1"
    send(r, "carol@remote.test", BOB, "REQUEST", itip("REQUEST", uid, "carol@remote.test", BOB))
    text = wait_for(lambda: fetch(r, BOB, uid))
    assert text and "Vendor call" in text and "METHOD" not in text
    # A cancellation from someone who is not the organizer changes nothing.
    send(r, "mallory@remote.test", BOB, "CANCEL", itip("CANCEL", uid, "carol@remote.test", BOB))
    time.sleep(1.5)
    assert fetch(r, BOB, uid) is not None
    # The organizer's cancellation removes it.
    send(r, "carol@remote.test", BOB, "CANCEL", itip("CANCEL", uid, "carol@remote.test", BOB))
    assert wait_for(lambda: fetch(r, BOB, uid) is None)


def test_imip_needs_dmarc_and_the_stored_organizer(server):
    """Issue 10, items 2, 11, 12: what a stranger's email cannot do to a calendar."""
    r, _ = server
    # No DMARC record (SPF alone), or DMARC quarantine: the invitation is not applied.
    send(r, "carol@nodmarc.test", BOB, "REQUEST", itip("REQUEST", "nodmarc-1", "carol@nodmarc.test", BOB))
    send(r, "carol@quar.test", BOB, "REQUEST", itip("REQUEST", "quar-1", "carol@quar.test", BOB))
    # An aligned one after them is, so the two before were seen and refused.
    send(r, "carol@remote.test", BOB, "REQUEST", itip("REQUEST", "aligned-1", "carol@remote.test", BOB))
    assert wait_for(lambda: fetch(r, BOB, "aligned-1"))
    assert fetch(r, BOB, "nodmarc-1") is None and fetch(r, BOB, "quar-1") is None
    # Bob's own `standup.ics` (another UID) stays when a stranger invites him to UID `standup`.
    mine = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:bobs-standup-notes\r\n"
            "DTSTAMP:20260101T000000Z\r\nDTSTART:20260301T090000Z\r\nSUMMARY:Mine\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert session(BOB).put(calendar_url(r, BOB, "standup.ics"), data=mine.encode()).status_code == 201
    send(r, "eve@remote.test", BOB, "REQUEST", itip("REQUEST", "standup", "eve@remote.test", BOB))
    send(r, "carol@remote.test", BOB, "REQUEST", itip("REQUEST", "aligned-2", "carol@remote.test", BOB))
    assert wait_for(lambda: fetch(r, BOB, "aligned-2"))
    assert "Mine" in fetch(r, BOB, "standup")
    # Eve (aligned for remote.test) moves Carol's meeting: no.
    moved = itip("REQUEST", "aligned-1", "eve@remote.test", BOB, start="20260311T090000Z")
    send(r, "eve@remote.test", BOB, "REQUEST", moved)
    # A stranger books no room; a later aligned message shows the earlier ones were processed.
    send(r, "carol@remote.test", ROOM, "REQUEST", itip("REQUEST", "room-ext-1", "carol@remote.test", ROOM))
    send(r, "carol@remote.test", BOB, "REQUEST", itip("REQUEST", "aligned-3", "carol@remote.test", BOB))
    assert wait_for(lambda: fetch(r, BOB, "aligned-3"))
    assert "20260310T090000Z" in fetch(r, BOB, "aligned-1")
    # The room is free then, as Alice's free/busy query through her outbox says (RFC 6638 §5).
    ask = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n"
           "UID:fb-room\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260310T000000Z\r\nDTEND:20260311T000000Z\r\n"
           f"ORGANIZER:mailto:{ALICE}\r\nATTENDEE:mailto:{ROOM}\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    resp = session(ALICE).post(f"{r.https_url}/dav/calendars/{ALICE}/outbox/", data=ask.encode(),
                               headers={"Content-Type": "text/calendar; method=REQUEST"})
    assert resp.status_code == 200 and "2.0;Success" in resp.text, resp.text
    assert "FREEBUSY" not in resp.text.replace("VFREEBUSY", ""), resp.text
    # The administrator opens the room to anyone: the outsider's booking is taken.
    assert "anyone" in r.admin("room", "booking", ROOM, "anyone").stdout
    send(r, "carol@remote.test", ROOM, "REQUEST", itip("REQUEST", "room-ext-2", "carol@remote.test", ROOM))

    def room_busy():
        got = session(ALICE).post(f"{r.https_url}/dav/calendars/{ALICE}/outbox/", data=ask.encode(),
                                  headers={"Content-Type": "text/calendar; method=REQUEST"})
        return "FREEBUSY:20260310T090000Z/20260310T100000Z" in got.text
    assert wait_for(room_busy)


def vevent(uid, organizer, attendees, summary, start="20260320T100000Z"):
    people = "".join(f"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{a}\r\n" for a in attendees)
    org = f"ORGANIZER:mailto:{organizer}\r\n" if organizer else ""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\n"
            f"SUMMARY:{summary}\r\n{org}{people}END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_caldav_writes_cannot_hijack_anothers_event(server):
    """Issue 10, item 1, over CalDAV: Alice's PUT with the UID of Bob's event and Bob as
    attendee, or her copy of Bob's meeting rewritten with herself as organizer, changes nothing
    of Bob's (nor of the other attendee's); her DELETEs cancel nothing."""
    r, _ = server
    alice, bob = session(ALICE), session(BOB)
    assert bob.put(calendar_url(r, BOB, "doctor.ics"), data=vevent("bob-private", None, [], "Doctor")).status_code == 201
    assert alice.put(calendar_url(r, ALICE, "x.ics"), data=vevent("bob-private", ALICE, [ALICE, BOB], "Hijack")).status_code == 201
    assert alice.delete(calendar_url(r, ALICE, "x.ics")).status_code == 204
    assert "Doctor" in bob.get(calendar_url(r, BOB, "doctor.ics")).text
    # Bob's meeting with Alice and the room; Alice takes over her copy, moves it, deletes it.
    assert bob.put(calendar_url(r, BOB, "plan.ics"), data=vevent("plan-1", BOB, [BOB, ALICE, ROOM], "Plan")).status_code == 201
    assert "Plan" in (fetch(r, ALICE, "plan-1") or "")
    taken = vevent("plan-1", ALICE, [BOB, ALICE, ROOM], "Taken over", start="20260321T100000Z")
    assert alice.put(calendar_url(r, ALICE, "plan-1.ics"), data=taken).status_code == 204
    assert alice.delete(calendar_url(r, ALICE, "plan-1.ics")).status_code == 204
    bobs = bob.get(calendar_url(r, BOB, "plan.ics")).text
    assert "SUMMARY:Plan" in bobs and "20260320T100000Z" in bobs and f"ORGANIZER:mailto:{BOB}" in bobs


def test_a_poison_invitation_stops_nothing(server):
    """Issue 10, item 3b: an ORGANIZER with a multi-byte character at byte 7 once panicked the
    task applying iMIP, for good (the replay at start met it again). Now the invitations after
    it are applied — live, and after a crash (SIGKILL right after delivery) and a restart."""
    r, _ = server
    poison = itip("REQUEST", "poison-1", "carol@remote.test", BOB).replace(
        "ORGANIZER:mailto:carol@remote.test", "ORGANIZER:mailto\u01a4x@remote.example")
    send(r, "carol@remote.test", BOB, "REQUEST", poison)
    send(r, "carol@remote.test", BOB, "REQUEST", itip("REQUEST", "after-poison-1", "carol@remote.test", BOB))
    assert wait_for(lambda: fetch(r, BOB, "after-poison-1"))
    send(r, "carol@remote.test", BOB, "REQUEST", poison.replace("poison-1", "poison-2"))
    send(r, "carol@remote.test", BOB, "REQUEST", itip("REQUEST", "after-poison-2", "carol@remote.test", BOB))
    r.kill()
    r.start()
    assert wait_for(lambda: fetch(r, BOB, "after-poison-2"))
    send(r, "carol@remote.test", BOB, "REQUEST", itip("REQUEST", "after-restart", "carol@remote.test", BOB))
    assert wait_for(lambda: fetch(r, BOB, "after-restart"))
    assert "panicked" not in r.log_tail(400)


def test_local_organizer_schedules_locals_rooms_and_remotes(server):
    r, sink = server
    uid = "local-meeting-1"
    event = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260312T100000Z\r\nDURATION:PT1H\r\n"
        f"SUMMARY:Quarterly review\r\nORGANIZER:mailto:{ALICE}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ALICE}\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{BOB}\r\n"
        f"ATTENDEE;CUTYPE=ROOM:mailto:{ROOM}\r\nATTENDEE:mailto:dave@remote.test\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    resp = session(ALICE).put(calendar_url(r, ALICE, "review.ics"), data=event.encode(),
                              headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 201, resp.text
    bobs = fetch(r, BOB, uid)
    assert bobs and "Quarterly review" in bobs
    # The room accepted; Alice's copy says so.
    alices = session(ALICE).get(calendar_url(r, ALICE, "review.ics")).text
    assert f"PARTSTAT=ACCEPTED:mailto:{ROOM}" in alices.replace("\r\n ", "").replace(";CUTYPE=ROOM", "")
    # Bob accepts in his copy: Alice sees it.
    accepted = bobs.replace(f"PARTSTAT=NEEDS-ACTION:mailto:{BOB}", f"PARTSTAT=ACCEPTED:mailto:{BOB}")
    assert accepted != bobs
    assert session(BOB).put(calendar_url(r, BOB, f"{uid}.ics"), data=accepted.encode()).status_code == 204
    alices = session(ALICE).get(calendar_url(r, ALICE, "review.ics")).text.replace("\r\n ", "")
    assert f"PARTSTAT=ACCEPTED:mailto:{BOB}" in alices
    # The remote attendee got an iMIP REQUEST through the queue.
    got = wait_for(lambda: [m for m in sink.messages if "dave@remote.test" in m[1]])
    assert got, "no invitation reached the remote attendee"
    sender, _, data = got[0]
    assert sender == ALICE
    assert b"text/calendar" in data and b"METHOD:REQUEST" in data
    # Alice cancels: Bob's copy goes and the remote attendee gets a CANCEL.
    assert session(ALICE).delete(calendar_url(r, ALICE, "review.ics")).status_code == 204
    assert fetch(r, BOB, uid) is None
    assert wait_for(lambda: any(b"METHOD:CANCEL" in m[2] for m in sink.messages))


def test_free_busy_through_the_outbox(server):
    """RFC 6638 §5: Bob finds his outbox from his principal and asks when Alice is busy."""
    r, _ = server
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:busy-1\r\n"
             "DTSTAMP:20260101T000000Z\r\nDTSTART:20260315T090000Z\r\nDTEND:20260315T100000Z\r\n"
             "SUMMARY:Private\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert session(ALICE).put(calendar_url(r, ALICE, "busy.ics"), data=event.encode()).status_code == 201
    bob = session(BOB)
    found = bob.request("PROPFIND", f"{r.https_url}/dav/principals/{BOB}/", headers={"Depth": "0"},
                        data='<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                             '<d:prop><c:schedule-outbox-URL/></d:prop></d:propfind>')
    assert found.status_code == 207
    outbox = f"/dav/calendars/{BOB}/outbox/"
    assert outbox in requests.utils.unquote(found.text)
    ask = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n"
           "UID:fb-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260315T000000Z\r\nDTEND:20260316T000000Z\r\n"
           f"ORGANIZER:mailto:{BOB}\r\nATTENDEE:mailto:{ALICE}\r\nATTENDEE:mailto:nobody@nowhere.test\r\n"
           "END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    resp = bob.post(f"{r.https_url}{outbox}", data=ask.encode(),
                    headers={"Content-Type": "text/calendar; method=REQUEST"})
    assert resp.status_code == 200, resp.text
    assert "FREEBUSY:20260315T090000Z/20260315T100000Z" in resp.text
    assert "2.0;Success" in resp.text and "3.7;" in resp.text
    # Only the outbox's owner may be the organizer.
    forged = ask.replace(f"ORGANIZER:mailto:{BOB}", f"ORGANIZER:mailto:{ALICE}")
    assert bob.post(f"{r.https_url}{outbox}", data=forged.encode()).status_code == 403
    # Nobody else's outbox.
    assert session(ALICE).post(f"{r.https_url}{outbox}", data=ask.encode()).status_code == 403
    # Bad input: not a free/busy request, not UTF-8, a VEVENT instead; POST elsewhere.
    for junk in [b"hello", b"\xff\xfe", ask.replace("VFREEBUSY", "VEVENT").encode(), ask.replace("METHOD:REQUEST", "METHOD:PUBLISH").encode()]:
        bad = bob.post(f"{r.https_url}{outbox}", data=junk)
        assert bad.status_code == 400 and "valid-" in bad.text, (junk, bad.status_code, bad.text)
    assert bob.post(calendar_url(r, BOB), data=ask.encode()).status_code == 405


def test_scheduling_messages_wait_in_the_schedule_inbox(server):
    """RFC 6638 §4.1: a local attendee finds the REQUEST in their schedule inbox (python caldav's
    ScheduleInbox), the organizer the REPLY; the owner deletes them; nobody PUTs there; the
    inbox is not listed as a calendar."""
    import caldav

    r, _ = server
    uid = "inbox-meeting-1"
    event = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260316T100000Z\r\nDURATION:PT1H\r\n"
        f"SUMMARY:Budget\r\nORGANIZER:mailto:{ALICE}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{ALICE}\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{BOB}\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    assert session(ALICE).put(calendar_url(r, ALICE, "budget.ics"), data=event.encode()).status_code == 201

    def inbox(user):
        client = caldav.DAVClient(url=r.https_url + "/dav/", username=user, password=PASSWORD, ssl_verify_cert=False)
        return client.principal().schedule_inbox()

    items = inbox(BOB).get_items()
    assert len(items) == 1
    items[0].load()
    assert "METHOD:REQUEST" in items[0].data and uid in items[0].data
    # A calendar-multiget on the inbox brings the message too, and 404 for what is not there.
    inbox_path = f"/dav/calendars/{BOB}/inbox/"
    multiget = ('<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                '<d:prop><d:getetag/><c:calendar-data/></d:prop>'
                f'<d:href>{inbox_path}{uid}.ics</d:href><d:href>{inbox_path}nope.ics</d:href></c:calendar-multiget>')
    got = session(BOB).request("REPORT", r.https_url + inbox_path, data=multiget, headers={"Depth": "1"})
    assert got.status_code == 207 and "METHOD:REQUEST" in got.text and "404" in got.text, got.text
    # Bob accepts in his calendar: Alice's inbox gets the REPLY.
    bobs = fetch(r, BOB, uid)
    accepted = bobs.replace(f"PARTSTAT=NEEDS-ACTION:mailto:{BOB}", f"PARTSTAT=ACCEPTED:mailto:{BOB}")
    assert session(BOB).put(calendar_url(r, BOB, f"{uid}.ics"), data=accepted.encode()).status_code == 204
    replies = inbox(ALICE).get_items()
    assert len(replies) == 1
    replies[0].load()
    assert "METHOD:REPLY" in replies[0].data and f"PARTSTAT=ACCEPTED:mailto:{BOB}" in replies[0].data.replace("\r\n ", "")
    # Bob clears his inbox; the meeting stays in his calendar and Alice's copy keeps his answer.
    items[0].delete()
    assert inbox(BOB).get_items() == []
    assert fetch(r, BOB, uid) is not None
    assert f"PARTSTAT=ACCEPTED:mailto:{BOB}" in session(ALICE).get(calendar_url(r, ALICE, "budget.ics")).text.replace("\r\n ", "")
    # Only the server delivers into an inbox; it is not one of the calendars.
    inbox_url = f"{r.https_url}/dav/calendars/{BOB}/inbox/"
    assert session(BOB).put(inbox_url + "x.ics", data=event.encode()).status_code == 403
    listing = session(BOB).request("PROPFIND", f"{r.https_url}/dav/calendars/{BOB}/", headers={"Depth": "1"})
    assert listing.text.count(f"/dav/calendars/{BOB}/inbox/") == 1
    # Nobody else reads Bob's inbox.
    assert session(ALICE).request("PROPFIND", inbox_url, headers={"Depth": "1"}).status_code == 403
