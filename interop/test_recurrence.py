"""Recurrence expansion is bounded (issue 10, item 3), on the wire.

- A 0.7 KB PUT whose RRULE holds 31.6 million candidates a year (FREQ=YEARLY with every
  month, month day, hour, minute and second) is refused at once with CALDAV:max-instances
  (RFC 4791 §5.3.2.1) and leaves the server's peak memory where it was.
- The same rule in an iMIP invitation by SMTP (RFC 6047) is not applied and costs nothing.
- An ordinary weekly meeting is still stored and found by a time-range REPORT, and
  CALDAV:expand lists its instances.
"""

import smtplib
import time
from email.message import EmailMessage

import pytest
import requests
import urllib3

urllib3.disable_warnings()
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"
PASSWORD = "pw-recurrence"


def nums(lo, hi):
    return ",".join(str(n) for n in range(lo, hi))


ATTACK_RULE = (f"FREQ=YEARLY;BYMONTH={nums(1, 13)};BYMONTHDAY={nums(1, 32)};BYHOUR={nums(0, 24)};"
               f"BYMINUTE={nums(0, 60)};BYSECOND={nums(0, 60)}")


def calendar(uid, props, method=""):
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n" + (f"METHOD:{method}\r\n" if method else "")
        + f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{props}SUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def session(user):
    s = requests.Session()
    s.auth = (user, PASSWORD)
    s.verify = False
    s.trust_env = False
    return s


def peak_rss_mib(r):
    """The server process's peak resident set (VmHWM), MiB."""
    with open(f"/proc/{r.proc.pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture
def server(relais_factory):
    # The limits are the defaults, spelled out: the [calendar] keys are read by the binary.
    limits = {"max_instances": 100000, "max_rule_candidates": 100000, "max_recurrence_rules": 16}
    r = relais_factory(listeners=["smtp"], settings={"dav": {"plaintext_auth_on_loopback": True},
                                                      "calendar": limits}).start()
    r.admin("domain", "add", DOMAIN)
    for u in (ALICE, BOB):
        r.admin("user", "add", u, "--password", PASSWORD)
    return r


def url(r, user, resource=""):
    return f"{r.https_url}/dav/calendars/{user}/Calendar/{resource}"


def test_attack_put_is_refused_at_once(server):
    r = server
    body = calendar("attack", f"DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:{ATTACK_RULE}\r\n")
    assert len(body) < 800
    s = session(ALICE)
    s.request("PROPFIND", url(r, ALICE), headers={"Depth": "0"})  # warm up
    before = peak_rss_mib(r)
    started = time.monotonic()
    resp = s.put(url(r, ALICE, "attack.ics"), data=body.encode(), headers={"Content-Type": "text/calendar"})
    took = time.monotonic() - started
    grew = peak_rss_mib(r) - before
    print(f"attack PUT: {resp.status_code} in {took * 1000:.1f} ms, peak RSS {before:.0f} -> {before + grew:.0f} MiB")
    assert resp.status_code == 403, resp.text
    assert "max-instances" in resp.text
    assert took < 1.0
    assert grew < 64
    assert s.get(url(r, ALICE, "attack.ics")).status_code == 404


def test_attack_invitation_by_smtp_costs_nothing(server):
    r = server
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "carol@remote.test", BOB, "Invitation"
    msg.set_content("You are invited.")
    body = calendar("attack-imip", f"DTSTART:20260101T000000Z\r\nDURATION:PT1S\r\nRRULE:{ATTACK_RULE}\r\n"
                    "ORGANIZER:mailto:carol@remote.test\r\nATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:" + BOB + "\r\n",
                    method="REQUEST")
    msg.add_attachment(body.encode(), maintype="text", subtype="calendar", params={"method": "REQUEST"})
    bob = session(BOB)
    bob.request("PROPFIND", url(r, BOB), headers={"Depth": "0"})  # warm up (the password hash)
    before = peak_rss_mib(r)
    with smtplib.SMTP(*r.addr("smtp")) as smtp:
        smtp.send_message(msg, from_addr="carol@remote.test", to_addrs=[BOB])
    time.sleep(2)  # the invitation is applied after the 250, by the iMIP task
    started = time.monotonic()
    resp = bob.get(url(r, BOB, "attack-imip.ics"))
    took = time.monotonic() - started
    grew = peak_rss_mib(r) - before
    print(f"attack iMIP: peak RSS {before:.0f} -> {before + grew:.0f} MiB, next DAV request {took * 1000:.1f} ms")
    assert resp.status_code == 404
    assert took < 1.0
    assert grew < 64


def test_ordinary_rules_are_stored_and_found(server):
    r = server
    s = session(ALICE)
    weekly = calendar("weekly", "DTSTART:20260105T090000Z\r\nDURATION:PT30M\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,TH\r\n")
    assert s.put(url(r, ALICE, "weekly.ics"), data=weekly.encode(),
                 headers={"Content-Type": "text/calendar"}).status_code == 201
    query = (
        '<?xml version="1.0"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
        '<D:prop><C:calendar-data><C:expand start="20260112T000000Z" end="20260119T000000Z"/></C:calendar-data>'
        '</D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
        '<C:time-range start="20260112T000000Z" end="20260119T000000Z"/></C:comp-filter></C:comp-filter>'
        "</C:filter></C:calendar-query>"
    )
    resp = s.request("REPORT", url(r, ALICE), data=query.encode(),
                     headers={"Depth": "1", "Content-Type": "application/xml"})
    assert resp.status_code == 207, resp.text
    assert "weekly.ics" in resp.text
    # Monday the 12th and Thursday the 15th, each an instance of its own.
    assert resp.text.count("BEGIN:VEVENT") == 2, resp.text
    assert "RECURRENCE-ID:20260112T090000Z" in resp.text and "RECURRENCE-ID:20260115T090000Z" in resp.text
