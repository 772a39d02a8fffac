"""Issue 10, item 13, on the wire (requests against the real server):

- A sharee with DAV write access to Alice's calendar cannot make the server email external
  attendees in Alice's name (nothing reaches the recording SMTP server), until Alice lets the
  sharee send as her.
- The address list, principal search and free/busy show a user their own domain by default;
  `[directory] gal_scope = "all"` shows every hosted domain.
- A principal URL naming an alias is 404, like one naming nobody: it does not reveal the owner.
"""

import time

import pytest
import requests
import urllib3
from lxml import etree

from smtp_sink import Sink

urllib3.disable_warnings()
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

ALICE, BOB, CAROL = "alice@example.test", "bob@example.test", "carol@other.test"
PASSWORD = "pw-privacy"
NS = {"d": "DAV:"}
ACL_BODY = ('<d:acl xmlns:d="DAV:"><d:ace><d:principal><d:href>/dav/principals/{who}/</d:href></d:principal>'
            '<d:grant><d:privilege><d:read/></d:privilege><d:privilege><d:write/></d:privilege></d:grant></d:ace></d:acl>')


def session(user):
    s = requests.Session()
    s.auth = (user, PASSWORD)
    s.verify = False
    s.trust_env = False
    return s


def start(relais_factory, scope=None):
    sink = Sink()
    extra = f'[smtp.routes]\n"remote.test" = "127.0.0.1:{sink.port}"\n'
    if scope:
        extra += f'[directory]\ngal_scope = "{scope}"\n'
    r = relais_factory(listeners=["smtp"], settings={"dav": {"plaintext_auth_on_loopback": True}},
                       extra_toml=extra).start()
    for d in ("example.test", "other.test"):
        r.admin("domain", "add", d)
    for u in (ALICE, BOB, CAROL):
        r.admin("user", "add", u, "--password", PASSWORD)
    return r, sink


@pytest.fixture
def server(relais_factory):
    r, sink = start(relais_factory)
    yield r
    sink.close()


def meeting(uid, organizer, attendees):
    lines = "".join(f"ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:{a}\r\n" for a in attendees)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260312T100000Z\r\nDURATION:PT1H\r\n"
            f"SUMMARY:Shared\r\nORGANIZER:mailto:{organizer}\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{organizer}\r\n"
            f"{lines}END:VEVENT\r\nEND:VCALENDAR\r\n").encode()


def test_a_write_sharee_cannot_send_as_the_owner(relais_factory):
    r, sink = start(relais_factory)
    try:
        calendar = f"{r.https_url}/dav/calendars/{ALICE}/Calendar/"
        assert session(ALICE).request("ACL", calendar, data=ACL_BODY.format(who=BOB)).status_code == 200
        bob = session(BOB)
        put = bob.put(calendar + "s1.ics", data=meeting("s1", ALICE, ["dave@remote.test"]))
        assert put.status_code == 201, put.text
        assert bob.delete(calendar + "s1.ics").status_code == 204
        time.sleep(2)
        assert sink.messages == [], "mail went out in Alice's name"
        # Alice lets Bob send as her: now it goes out.
        r.admin("shared", "grant", ALICE, BOB)
        assert bob.put(calendar + "s2.ics", data=meeting("s2", ALICE, ["dave@remote.test"])).status_code == 201
        deadline = time.time() + 20
        while time.time() < deadline and not sink.messages:
            time.sleep(0.1)
        assert sink.messages and sink.messages[0][0] == ALICE
    finally:
        sink.close()


def search(r, user, text):
    body = ('<d:principal-property-search xmlns:d="DAV:"><d:property-search><d:prop><d:displayname/></d:prop>'
            f"<d:match>{text}</d:match></d:property-search><d:prop><d:displayname/></d:prop>"
            "</d:principal-property-search>")
    resp = session(user).request("REPORT", f"{r.https_url}/dav/principals/", data=body, headers={"Depth": "0"})
    assert resp.status_code == 207, resp.text
    return [h.text for h in etree.fromstring(resp.content).findall("d:response/d:href", NS)]


def gal(r, user):
    resp = session(user).request("PROPFIND", f"{r.https_url}/dav/addressbooks/{user}/gal/", headers={"Depth": "1"},
                                 data='<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>')
    assert resp.status_code == 207, resp.text
    cards = [h.text for h in etree.fromstring(resp.content).findall("d:response/d:href", NS) if h.text.endswith(".vcf")]
    texts = [session(user).get(r.https_url + c).text for c in cards]
    return " ".join(texts)


def free_busy(r, user, attendee):
    ask = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nMETHOD:REQUEST\r\nBEGIN:VFREEBUSY\r\n"
           "UID:fb-scope\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260315T000000Z\r\nDTEND:20260316T000000Z\r\n"
           f"ORGANIZER:mailto:{user}\r\nATTENDEE:mailto:{attendee}\r\nEND:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    resp = session(user).post(f"{r.https_url}/dav/calendars/{user}/outbox/", data=ask.encode(),
                              headers={"Content-Type": "text/calendar; method=REQUEST"})
    assert resp.status_code == 200, resp.text
    return resp.text


@pytest.mark.parametrize("scope", [None, "all"])
def test_directory_is_scoped_to_the_domain(relais_factory, scope):
    r, sink = start(relais_factory, scope)
    try:
        everyone = scope == "all"
        assert any(BOB in h for h in search(r, ALICE, "bob@"))
        assert any(CAROL in h for h in search(r, ALICE, "carol@")) == everyone
        cards = gal(r, ALICE)
        assert BOB in cards and (CAROL in cards) == everyone
        assert "2.0;Success" in free_busy(r, ALICE, BOB)
        assert ("2.0;Success" in free_busy(r, ALICE, CAROL)) == everyone
    finally:
        sink.close()


def test_an_alias_principal_url_reveals_nobody(server):
    r = server
    r.admin("alias", "add", "ceo-private@example.test", BOB)
    prop = '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>'
    ask = lambda who: session(ALICE).request("PROPFIND", f"{r.https_url}/dav/principals/{who}/",  # noqa: E731
                                             headers={"Depth": "0"}, data=prop)
    alias, nobody = ask("ceo-private@example.test"), ask("nobody@example.test")
    assert alias.status_code == nobody.status_code == 404
    assert BOB not in alias.text
    assert ask(BOB).status_code == 207
    # Nor does sharing with the alias and reading the ACL back.
    calendar = f"{r.https_url}/dav/calendars/{ALICE}/Calendar/"
    shared = session(ALICE).request("ACL", calendar, data=ACL_BODY.format(who="ceo-private@example.test"))
    assert shared.status_code == 403 and "recognized-principal" in shared.text
