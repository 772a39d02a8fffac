"""The web client's calendar and contacts end to end in a real browser (issue 16): Debian's
headless Chromium driven by playwright-core (interop/web/groupware.cjs, run with node, the
browser in Europe/Berlin) against the real binary over HTTPS, checked over CalDAV (the `caldav`
library, `icalendar`) and CardDAV (a PROPFIND of the address book and GETs of its vCards).

In the week view the browser clicks the empty slot at 10:00 on Monday, which pre-fills the form,
and saves an event until 11:30 with a location: CalDAV finds it with that start and end in
Europe/Berlin. A daily event (three occurrences) PUT over CalDAV then appears in the week view
without reload (push; the server does not expand, the page does). The browser moves the event to
14:00–15:00 and renames it — seen over CalDAV —, shows the month view, hides and shows the
calendar, and deletes the event — gone over CalDAV. In Contacts (reached by the tab list's arrow
key) it creates a card — its vCard over CardDAV has the name, e-mail, phone and organization —,
sees a vCard PUT over CardDAV appear without reload, finds the card by a search and deletes it —
gone over CardDAV. In Settings (the tab list's End key) it turns the out-of-office reply on with
dates, a subject and a text: `relais admin user vacation` shows it on with them (the dates the
browser's Berlin times in UTC), and a message Bob submits to Ann gets the automatic reply in
Bob's INBOX (IMAP); after a reload the form shows what was saved, and turned off there the CLI
shows it off. Then the meeting (issue 16's scheduling): compose completes Bob's address from the
global address list (the To field's combobox, Down and Enter); Ann invites Bob and the room
board@ to a meeting on that Monday, the scheduling assistant showing her busy once (the standup)
and the others free — CalDAV then has the attendees and the room's ACCEPTED (rooms answer at once,
`relais_groupware::scheduling`), and Bob's INBOX (IMAP) the iMIP invitation; Bob, in a second
browser context, sees the meeting in his calendar (not yet answered, Ann the organizer) and
answers tentative there — Ann's copy over CalDAV says TENTATIVE —, then sees the invitation in
his mail and accepts it there — Ann's copy over CalDAV then says ACCEPTED for Bob,
and her event in the page shows Bob's and the room's answers. Screenshots go to the test's
temporary directory.

Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import datetime
import email
import email.policy
import email.utils
import imaplib
import os
import smtplib
import ssl
import time
import xml.etree.ElementTree as ET
from pathlib import Path
from zoneinfo import ZoneInfo

import caldav
import icalendar
import pytest
import requests
import urllib3
import vobject

from test_web import drive, node_modules

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "bob's long password"
ROOM = f"board@{DOMAIN}"
SCRIPT = Path(__file__).parent / "web" / "groupware.cjs"
STEP_TIMEOUT = 30
BERLIN = ZoneInfo("Europe/Berlin")

GRACE = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:grace-hopper\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n"
         "EMAIL:grace@navy.example\r\nEND:VCARD\r\n")


def standup(monday: datetime.date) -> str:
    start = datetime.datetime.combine(monday, datetime.time(8), tzinfo=datetime.timezone.utc)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//web//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:web-standup-1\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
            "DURATION:PT15M\r\nRRULE:FREQ=DAILY;COUNT=3\r\nSUMMARY:Pushed standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def calendar(server, user=ANN, password=ANN_PW):
    client = caldav.DAVClient(url=server.https_url + "/dav/", username=user, password=password, ssl_verify_cert=False)
    return client.principal().calendar(name="Calendar")


def events_by_summary(server, user=ANN, password=ANN_PW) -> dict[str, icalendar.Event]:
    out = {}
    for e in calendar(server, user, password).events():
        for comp in icalendar.Calendar.from_ical(e.data).walk("VEVENT"):
            out[str(comp["SUMMARY"])] = comp
    return out


def check_event(server, summary, start, end):
    """The event over CalDAV, its start and end the given local times in Europe/Berlin."""
    seen = events_by_summary(server).get(summary)
    assert seen is not None, f"{summary!r} not over CalDAV: {list(events_by_summary(server))}"
    dtstart = seen["DTSTART"].dt
    dtend = seen["DTEND"].dt if "DTEND" in seen else dtstart + seen["DURATION"].dt
    assert dtstart == start and dtend == end, (dtstart, dtend, start, end)
    return seen


def dav() -> requests.Session:
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (ANN, ANN_PW)
    return s


def vcards(server) -> list[vobject.base.Component]:
    """Every vCard of Ann's default address book, over CardDAV (PROPFIND, then a GET of each)."""
    book = f"{server.https_url}/dav/addressbooks/{ANN}/Contacts/"
    s = dav()
    r = s.request("PROPFIND", book, headers={"Depth": "1"}, timeout=30,
                  data='<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>')
    assert r.status_code == 207, r.text
    hrefs = [h.text for h in ET.fromstring(r.content).iter("{DAV:}href") if h.text.endswith(".vcf")]
    out = []
    for href in hrefs:
        got = s.get(server.https_url + href, timeout=30)
        assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/vcard"), got.text
        out.append(vobject.readOne(got.text))
    return out


def ada(server):
    return [c for c in vcards(server) if "Lovelace" in c.fn.value]


def vacation(server) -> dict[str, str]:
    """Ann's out-of-office setting as `relais admin user vacation` shows it (key: value lines)."""
    out = server.admin("user", "vacation", ANN).stdout
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def submit_as_bob(server):
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    raw = (f"From: Bob <{BOB}>\r\nTo: {ANN}\r\nSubject: Lunch?\r\nMessage-ID: <lunch.1@{DOMAIN}>\r\n"
           "\r\nAre you in?\r\n")
    with smtplib.SMTP(*server.addr("submission"), timeout=10) as s:
        s.starttls(context=ctx)
        s.login(BOB, BOB_PW)
        s.sendmail(BOB, [ANN], raw.encode())


def bob_inbox(server) -> list[email.message.Message]:
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        imap.login(BOB, BOB_PW)
        _, count = imap.select("INBOX", readonly=True)
        if count[0] == b"0":
            return []
        _, data = imap.fetch("1:*", "(BODY.PEEK[])")
        return [email.message_from_bytes(i[1], policy=email.policy.default) for i in data if isinstance(i, tuple)]


def check_vacation_on(server, words):
    shown = vacation(server)
    assert shown["vacation"] == "on" and shown["subject"] == "Away this week", shown
    assert shown["text"] == "Back on Monday.", shown
    for key, local in zip(("from", "until"), words):
        expected = datetime.datetime.fromisoformat(local).replace(tzinfo=BERLIN)
        assert email.utils.parsedate_to_datetime(shown[key]) == expected, (key, shown[key], local)
    submit_as_bob(server)
    deadline = time.monotonic() + 10
    while not (replies := [m for m in bob_inbox(server) if str(m["Subject"]) == "Away this week"]):
        assert time.monotonic() < deadline, f"no automatic reply in Bob's INBOX: {[m['Subject'] for m in bob_inbox(server)]}"
        time.sleep(0.1)
    [reply] = replies
    assert reply.get_content().strip() == "Back on Monday.", reply.get_content()
    assert ANN in str(reply["From"]), reply["From"]


def partstats(event: icalendar.Event) -> dict[str, str]:
    """Each attendee's address and PARTSTAT."""
    attendees = event.get("ATTENDEE", [])
    attendees = attendees if isinstance(attendees, list) else [attendees]
    return {str(a).lower().removeprefix("mailto:"): str(a.params.get("PARTSTAT", "NEEDS-ACTION")) for a in attendees}


def eventually(what, get, timeout=10):
    """`get()` once it is truthy, within `timeout` seconds (scheduling follows the write)."""
    deadline = time.monotonic() + timeout
    while not (value := get()):
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.2)
    return value


def invitation_mail(server) -> email.message.Message | None:
    return next((m for m in bob_inbox(server) if str(m["Subject"]) == "Invitation: Budget review"), None)


def check_meeting(server, day):
    at = lambda h: datetime.datetime.combine(day, datetime.time(h), tzinfo=BERLIN)  # noqa: E731
    ann = check_event(server, "Budget review", at(11), at(12))
    assert str(ann["ORGANIZER"]).lower() == f"mailto:{ANN}", ann["ORGANIZER"]
    room = lambda: partstats(events_by_summary(server)["Budget review"]).get(ROOM) == "ACCEPTED"  # noqa: E731
    eventually("the room accepted in Ann's copy", room)
    assert partstats(ann)[BOB] == "NEEDS-ACTION", partstats(ann)
    bobs = events_by_summary(server, BOB, BOB_PW)["Budget review"]
    assert partstats(bobs)[BOB] == "NEEDS-ACTION", partstats(bobs)
    mail = eventually("the invitation in Bob's INBOX", lambda: invitation_mail(server))
    [part] = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert part.get_param("method") == "REQUEST" and "METHOD:REQUEST" in part.get_content(), part


def check(server, step, words):
    if step == "event-created":
        day = datetime.date.fromisoformat(words[0])
        at = lambda h, m=0: datetime.datetime.combine(day, datetime.time(h, m), tzinfo=BERLIN)  # noqa: E731
        seen = check_event(server, "Design review", at(10), at(11, 30))
        assert str(seen["LOCATION"]) == "Room 4" and str(seen["DESCRIPTION"]) == "The agenda.", seen
        calendar(server).save_event(standup(day))
    elif step == "event-edited":
        day = datetime.date.fromisoformat(words[0])
        at = lambda h: datetime.datetime.combine(day, datetime.time(h), tzinfo=BERLIN)  # noqa: E731
        check_event(server, "Design review (moved)", at(14), at(15))
        assert "Design review" not in events_by_summary(server)
    elif step == "event-deleted":
        assert set(events_by_summary(server)) == {"Pushed standup"}
    elif step == "contact-created":
        [card] = ada(server)
        assert card.n.value.given == "Ada" and card.n.value.family == "Lovelace"
        assert card.email.value == "ada@analytical.example" and card.tel.value == "+44 20 7946 0000"
        assert card.org.value == ["Analytical Engines"], card.org.value
        book = f"{server.https_url}/dav/addressbooks/{ANN}/Contacts/grace.vcf"
        put = dav().put(book, data=GRACE.encode(), headers={"Content-Type": "text/vcard"}, timeout=30)
        assert put.status_code == 201, put.text
    elif step == "contact-deleted":
        assert ada(server) == [] and [c.fn.value for c in vcards(server)] == ["Grace Hopper"]
    elif step == "vacation-on":
        check_vacation_on(server, words)
    elif step == "vacation-off":
        assert vacation(server)["vacation"] == "off"
    elif step == "meeting-created":
        check_meeting(server, datetime.date.fromisoformat(words[0]))
    elif step in ("meeting-tentative", "meeting-accepted"):
        answer = "TENTATIVE" if step == "meeting-tentative" else "ACCEPTED"
        bob = lambda: partstats(events_by_summary(server)["Budget review"])[BOB] == answer  # noqa: E731
        eventually(f"Bob's {answer} in Ann's copy", bob)
        assert partstats(events_by_summary(server, BOB, BOB_PW)["Budget review"])[BOB] == answer


def test_calendar_and_contacts_in_chromium(relais_factory, tmp_path):
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory(listeners=["submission", "imap"], settings={"imap": {"plaintext_auth_on_loopback": True}})
    server.admin("domain", "add", DOMAIN)
    server.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    server.admin("user", "add", BOB, "--password", BOB_PW, "--name", "Bob Example")
    server.admin("room", "add", ROOM, "--name", "Board room")
    server.start()

    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url,
           "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW, "RELAIS_SCREENSHOTS": str(shots),
           "RELAIS_COLLEAGUE": BOB, "RELAIS_COLLEAGUE_PASSWORD": BOB_PW}
    steps = drive(SCRIPT, env, lambda step, words: check(server, step, words), STEP_TIMEOUT, STEP_TIMEOUT * 8)
    assert steps == ["event-created", "event-pushed", "event-edited", "event-deleted",
                     "contact-created", "contact-pushed", "contact-searched", "contact-deleted",
                     "vacation-on", "vacation-off", "meeting-created", "meeting-tentative", "meeting-accepted"]
    assert {p.name for p in shots.iterdir()} >= {"calendar-week.png", "calendar-month.png", "contact.png", "settings.png",
                                                 "compose-completion.png", "meeting-form.png", "invitation.png", "meeting.png"}
