"""Sharing over DAV with the one access model (issue 11, item 4), on the wire with requests:

- whoever holds DAV:write-acl (IMAP `a`) on a calendar may change and read its ACL, as over
  IMAP; a sharee without it may not; the owner's ACE stays;
- CALDAV:read-free-busy alone (RFC 4791 §6.1.1) lets a sharee ask the calendar's busy time
  (free-busy-query REPORT, and the outbox POST) but not read its events;
- a full-access delegate (`relais admin delegate … --rights full-access`) reads and writes the
  owner's calendar with no grant at all;
- `relais admin share` grants an Exchange permission level.
"""

import pytest
import requests
import urllib3
from lxml import etree

urllib3.disable_warnings()
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ALICE, BOB, CAROL = f"alice@{DOMAIN}", f"bob@{DOMAIN}", f"carol@{DOMAIN}"
PASSWORD = "pw-sharing"
ACE = ('<d:ace><d:principal><d:href>/dav/principals/{who}/</d:href></d:principal>'
       '<d:grant>{privileges}</d:grant></d:ace>')
ACL_PROP = '<d:propfind xmlns:d="DAV:"><d:prop><d:acl/><d:current-user-privilege-set/></d:prop></d:propfind>'


@pytest.fixture
def dav(relais_factory):
    r = relais_factory(settings={"dav": {"plaintext_auth_on_loopback": True}}).start()
    r.admin("domain", "add", DOMAIN)
    for u in (ALICE, BOB, CAROL):
        r.admin("user", "add", u, "--password", PASSWORD)
    return r


def session(user):
    s = requests.Session()
    s.auth = (user, PASSWORD)
    s.verify = False
    s.trust_env = False
    return s


def cal(r, resource=""):
    return f"{r.https_url}/dav/calendars/{ALICE}/Calendar/{resource}"


def acl(*aces):
    return ('<d:acl xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">' + "".join(aces) + "</d:acl>").encode()


def ace(who, *privileges):
    return ACE.format(who=who, privileges="".join(f"<d:privilege><{p}/></d:privilege>" for p in privileges))


def vevent(uid, start="20260105T100000Z", end="20260105T110000Z"):
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais tests//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
            f"DTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:Private {uid}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def acl_of(s, url):
    tree = etree.fromstring(s.request("PROPFIND", url, headers={"Depth": "0"}, data=ACL_PROP).content)
    aces = {}
    for a in tree.findall(".//{DAV:}acl/{DAV:}ace"):
        href = a.findtext("{DAV:}principal/{DAV:}href")
        aces[href] = {p[0].tag for p in a.findall("{DAV:}grant/{DAV:}privilege")}
    return aces


def test_write_acl_holder_may_change_sharing(dav):
    alice, bob, carol = session(ALICE), session(BOB), session(CAROL)
    assert alice.put(cal(dav, "a.ics"), data=vevent("a")).status_code == 201
    body = acl(ace(BOB, "d:read", "d:write-acl"), ace(CAROL, "d:read"))
    assert alice.request("ACL", cal(dav), data=body).status_code == 200
    # Carol reads, but may not change who else does.
    assert carol.get(cal(dav, "a.ics")).status_code == 200
    assert carol.request("ACL", cal(dav), data=acl(ace(CAROL, "d:read", "d:write"))).status_code == 403
    assert acl_of(carol, cal(dav)) == {}
    # Bob holds write-acl: he reads the ACL and gives Carol write access, as IMAP's `a` allows.
    seen = acl_of(bob, cal(dav))
    assert seen[f"/dav/principals/{ALICE}/"] == {"{DAV:}all"}, seen
    assert seen[f"/dav/principals/{BOB}/"] == {"{DAV:}read", "{DAV:}read-acl", "{DAV:}write-acl"}, seen
    body = acl(ace(BOB, "d:read", "d:write-acl"), ace(CAROL, "d:read", "d:write"), ace(ALICE, "d:read"))
    assert bob.request("ACL", cal(dav), data=body).status_code == 200
    assert carol.put(cal(dav, "c.ics"), data=vevent("c")).status_code == 201
    # Alice's own ACE (sent back as read-only) changed nothing: she still owns everything.
    assert alice.request("PROPPATCH", cal(dav), data=(
        '<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>Mine</d:displayname></d:prop>'
        '</d:set></d:propertyupdate>')).status_code == 207
    assert acl_of(alice, cal(dav))[f"/dav/principals/{CAROL}/"] == {"{DAV:}read", "{DAV:}write"}
    # The same rights seen from IMAP's side: `relais admin share` lists them.
    out = dav.admin("share", ALICE, "calendars/Calendar").stdout
    assert f"{BOB} Custom (lra)" in out and f"{CAROL} Custom (lrwite)" in out, out


def free_busy_query(s, url):
    body = ('<c:free-busy-query xmlns:c="urn:ietf:params:xml:ns:caldav">'
            '<c:time-range start="20260105T000000Z" end="20260106T000000Z"/></c:free-busy-query>')
    return s.request("REPORT", url, headers={"Depth": "1"}, data=body)


def test_free_busy_only(dav):
    alice, bob = session(ALICE), session(BOB)
    assert alice.put(cal(dav, "a.ics"), data=vevent("a")).status_code == 201
    assert free_busy_query(bob, cal(dav)).status_code == 403
    assert alice.request("ACL", cal(dav), data=acl(ace(BOB, "c:read-free-busy"))).status_code == 200
    resp = free_busy_query(bob, cal(dav))
    assert resp.status_code == 200 and "FREEBUSY:20260105T100000Z/20260105T110000Z" in resp.text, resp.text
    assert "Private" not in resp.text
    # Events stay unread: no GET, PROPFIND or calendar-query.
    assert bob.get(cal(dav, "a.ics")).status_code == 403
    assert bob.request("PROPFIND", cal(dav), headers={"Depth": "1"}).status_code == 403
    query = ('<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop>'
             '<c:filter><c:comp-filter name="VCALENDAR"/></c:filter></c:calendar-query>')
    assert bob.request("REPORT", cal(dav), headers={"Depth": "1"}, data=query).status_code == 403
    # The scheduling outbox answers with Alice's busy time too (RFC 6638 §5).
    ask = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n"
           "UID:fb-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T000000Z\r\nDTEND:20260106T000000Z\r\n"
           f"ORGANIZER:mailto:{BOB}\r\nATTENDEE:mailto:{ALICE}\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    resp = bob.post(f"{dav.https_url}/dav/calendars/{BOB}/outbox/", data=ask.encode(),
                    headers={"Content-Type": "text/calendar; method=REQUEST"})
    assert resp.status_code == 200 and "20260105T100000Z/20260105T110000Z" in resp.text, resp.text
    # It can be granted (RFC 4791 §6.1.1: under DAV:read), and the ACL reads it back.
    prop = '<d:propfind xmlns:d="DAV:"><d:prop><d:supported-privilege-set/></d:prop></d:propfind>'
    tree = etree.fromstring(alice.request("PROPFIND", cal(dav), headers={"Depth": "0"}, data=prop).content)
    assert tree.find(".//{DAV:}privilege/{urn:ietf:params:xml:ns:caldav}read-free-busy") is not None
    assert acl_of(alice, cal(dav))[f"/dav/principals/{BOB}/"] == {"{urn:ietf:params:xml:ns:caldav}read-free-busy"}


def test_full_access_delegate(dav):
    alice, bob = session(ALICE), session(BOB)
    assert alice.put(cal(dav, "a.ics"), data=vevent("a")).status_code == 201
    assert bob.get(cal(dav, "a.ics")).status_code == 403
    dav.admin("delegate", ALICE, BOB, "--rights", "full-access")
    assert bob.get(cal(dav, "a.ics")).status_code == 200
    assert bob.put(cal(dav, "b.ics"), data=vevent("b")).status_code == 201
    assert bob.delete(cal(dav, "a.ics")).status_code == 204
    assert alice.get(cal(dav, "b.ics")).status_code == 200
    dav.admin("delegate", ALICE, BOB, "--rights", "none")
    assert bob.get(cal(dav, "b.ics")).status_code == 403


def test_admin_share_with_a_level(dav):
    alice, bob = session(ALICE), session(BOB)
    assert alice.put(cal(dav, "a.ics"), data=vevent("a")).status_code == 201
    out = dav.admin("share", ALICE, "calendars/Calendar", BOB, "--level", "Reviewer").stdout
    assert f"{BOB} Reviewer" in out, out
    assert bob.get(cal(dav, "a.ics")).status_code == 200
    assert bob.put(cal(dav, "b.ics"), data=vevent("b")).status_code == 403
    dav.admin("share", ALICE, "calendars/Calendar", BOB, "--level", "Editor")
    assert bob.put(cal(dav, "b.ics"), data=vevent("b")).status_code == 201
    dav.admin("share", ALICE, "calendars/Calendar", BOB, "--level", "None")
    assert bob.get(cal(dav, "a.ics")).status_code == 403


def test_move_into_a_shared_calendar_and_back(dav):
    """A MOVE between two people's calendars (RFC 4918 §9.9): the event leaves the mover's
    calendar and is the owner's in the shared one; back out needs the right to delete there."""
    alice, bob = session(ALICE), session(BOB)
    mine = f"{dav.https_url}/dav/calendars/{BOB}/Calendar/"
    assert bob.put(mine + "m.ics", data=vevent("m")).status_code == 201
    move = lambda s, src, dest: s.request("MOVE", src, headers={"Destination": dest, "Overwrite": "F"})
    assert move(bob, mine + "m.ics", cal(dav, "moved.ics")).status_code == 403
    dav.admin("share", ALICE, "calendars/Calendar", BOB, "--level", "Author")
    r = move(bob, mine + "m.ics", cal(dav, "moved.ics"))
    assert r.status_code == 201, (r.status_code, r.text)
    assert bob.get(mine + "m.ics").status_code == 404
    got = alice.get(cal(dav, "moved.ics"))
    assert got.status_code == 200 and b"UID:m" in got.content
    # An Author may add to the calendar but not take out of it; an Editor may.
    assert move(bob, cal(dav, "moved.ics"), mine + "back.ics").status_code == 403
    assert alice.get(cal(dav, "moved.ics")).status_code == 200
    dav.admin("share", ALICE, "calendars/Calendar", BOB, "--level", "Editor")
    r = move(bob, cal(dav, "moved.ics"), mine + "back.ics")
    assert r.status_code == 201, (r.status_code, r.text)
    assert alice.get(cal(dav, "moved.ics")).status_code == 404
    assert bob.get(mine + "back.ics").status_code == 200
