"""JMAP Sharing (RFC 9670) against the real binary, across protocols: Principal/query finds a
colleague and not another domain's users (the directory shows a user their own domain by
default, `[directory] gal_scope`); a mailbox shared with JMAP `shareWith` is seen by the colleague
over IMAP (LIST, MYRIGHTS) and in their JMAP session, and its ACL is the one IMAP GETACL reads;
an address book shared with `shareWith` is readable by the colleague over CardDAV and its grant is
in the DAV:acl its owner reads; so is a calendar, over CalDAV, with the calendars draft's rights; a user without the share right is refused over JMAP (and IMAP),
and nothing changes; a grant made and removed over IMAP tells the grantee by two ShareNotifications
(RFC 9670 §5). JMAP is spoken with plain HTTP (requests), IMAP with imaplib, CardDAV with
requests and lxml.
"""

import imaplib
import json

import pytest
import requests
import urllib3
from lxml import etree

from harness import Relais
from test_imap import insecure

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN, OTHER = "example.test", "elsewhere.test"
ANN, BOB, CAROL, DAN = f"ann@{DOMAIN}", f"bob@{DOMAIN}", f"carol@{DOMAIN}", f"dan@{OTHER}"
PW = "correct horse battery"
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail", "urn:ietf:params:jmap:contacts",
         "urn:ietf:params:jmap:calendars", "urn:ietf:params:jmap:principals"]
PRINCIPALS = "urn:ietf:params:jmap:principals"
OWNER = "urn:ietf:params:jmap:principals:owner"
READER = {"mayReadItems": True, "mayAddItems": False, "mayRemoveItems": False, "maySetSeen": True,
          "maySetKeywords": False, "mayCreateChild": False, "mayRename": False, "mayDelete": False,
          "maySubmit": False, "mayShare": False}
EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//t//EN\r\nBEGIN:VEVENT\r\nUID:team-standup\r\n"
         "DTSTAMP:20261201T080000Z\r\nDTSTART:20261214T090000Z\r\nDURATION:PT15M\r\nSUMMARY:Standup\r\n"
         "END:VEVENT\r\nEND:VCALENDAR\r\n")
CARD = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:team-grace\r\nFN:Grace Hopper\r\nEND:VCARD\r\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("jmap-sharing") / "data", listeners=["imaps"],
               settings={"dav": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("domain", "add", OTHER)
    for user, name in ((ANN, "Ann Example"), (BOB, "Bob Colleague"), (CAROL, "Carol Example"), (DAN, "Dan Elsewhere")):
        r.admin("user", "add", user, "--password", PW, "--name", name)
    with r:
        yield r


def http(user):
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (user, PW)
    return s


def jmap_session(server, user):
    r = http(user).get(f"{server.https_url}/.well-known/jmap", timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def call(server, user, name, args):
    """The one response to one method call: (its name, its arguments)."""
    body = json.dumps({"using": USING, "methodCalls": [[name, args, "0"]]})
    r = http(user).post(f"{server.https_url}/jmap/api", data=body, headers={"Content-Type": "application/json"},
                        timeout=30)
    assert r.status_code == 200, r.text
    [[got, answer, _]] = r.json()["methodResponses"]
    return got, answer


def one(server, user, name, args):
    got, answer = call(server, user, name, args)
    assert got == name, answer
    return answer


def me(server, user):
    """(account id, principal id) of the user, from the session's RFC 9670 capabilities."""
    s = jmap_session(server, user)
    assert s["capabilities"][PRINCIPALS] == {} and s["capabilities"][OWNER] == {}
    acc = s["primaryAccounts"][PRINCIPALS]
    caps = s["accounts"][acc]["accountCapabilities"]
    assert caps[OWNER] == {"accountIdForPrincipal": acc, "principalId": caps[PRINCIPALS]["currentUserPrincipalId"]}
    return acc, caps[PRINCIPALS]["currentUserPrincipalId"]


def find(server, user, text):
    acc, _ = me(server, user)
    return one(server, user, "Principal/query", {"accountId": acc, "filter": {"text": text}})["ids"]


def imap_login(server, user):
    host, port = server.addr("imaps")
    m = imaplib.IMAP4_SSL(host, port, ssl_context=insecure(), timeout=20)
    m.login(user, PW)
    return m


def test_principal_query_finds_a_colleague_not_another_domain(server):
    acc, _ = me(server, ANN)
    [bob] = find(server, ANN, "colleague")
    [got] = one(server, ANN, "Principal/get", {"accountId": acc, "ids": [bob]})["list"]
    assert (got["email"], got["name"], got["type"]) == (BOB, "Bob Colleague", "individual")
    # Dan is in another domain: not listed, not readable by id, by name or address.
    assert find(server, ANN, "dan") == [] and find(server, ANN, OTHER) == []
    emails = [p["email"] for p in one(server, ANN, "Principal/get", {"accountId": acc, "ids": None})["list"]]
    assert sorted(emails) == [ANN, BOB, CAROL], emails
    _, dan = me(server, DAN)
    assert one(server, ANN, "Principal/get", {"accountId": acc, "ids": [dan]})["notFound"] == [dan]


def test_a_mailbox_shared_by_jmap_is_seen_over_imap(server):
    acc, _ = me(server, ANN)
    [bob] = find(server, ANN, BOB)
    made = one(server, ANN, "Mailbox/set", {"accountId": acc, "create": {"k": {"name": "Team", "shareWith": {bob: READER}}}})
    team = made["created"]["k"]["id"]
    got = one(server, ANN, "Mailbox/get", {"accountId": acc, "ids": [team], "properties": ["shareWith"]})
    assert got["list"][0]["shareWith"] == {bob: READER}

    ann = imap_login(server, ANN)
    typ, data = ann.getacl("Team")
    assert typ == "OK" and data == [f"Team {ANN} lrswipkxtea {BOB} lrs".encode()], data
    shared = f'"Other Users/{ANN}/Team"'
    bob_imap = imap_login(server, BOB)
    typ, listed = bob_imap.list()
    assert typ == "OK" and any(b'"Other Users/ann@example.test/Team"' in line for line in listed), listed
    assert bob_imap.myrights(shared) == ("OK", [shared.encode() + b" lrs"])

    # Patched over JMAP: IMAP reads the change at once.
    r = one(server, ANN, "Mailbox/set", {"accountId": acc, "update": {team: {f"shareWith/{bob}/mayAddItems": True}}})
    assert team in r["updated"], r
    assert ann.getacl("Team")[1] == [f"Team {ANN} lrswipkxtea {BOB} lrsi".encode()]
    # And a change over IMAP is what JMAP reads.
    assert ann.setacl("Team", BOB, "lrs")[0] == "OK"
    got = one(server, ANN, "Mailbox/get", {"accountId": acc, "ids": [team], "properties": ["shareWith"]})
    assert got["list"][0]["shareWith"] == {bob: READER}

    # Bob's JMAP session lists Ann's account (not read-only: he keeps \Seen there), with the
    # mailbox in it.
    s = jmap_session(server, BOB)
    assert s["accounts"][acc]["isPersonal"] is False and s["accounts"][acc]["isReadOnly"] is False, s["accounts"]
    names = [m["name"] for m in one(server, BOB, "Mailbox/get", {"accountId": acc})["list"]]
    assert names == ["Team"], names
    ann.logout()
    bob_imap.logout()


def test_an_address_book_shared_by_jmap_is_seen_over_carddav(server):
    acc, _ = me(server, ANN)
    [bob] = find(server, ANN, BOB)
    book_url = f"{server.https_url}/dav/addressbooks/{ANN}/Contacts/"
    ann, bob_dav = http(ANN), http(BOB)
    put = ann.put(book_url + "grace.vcf", data=CARD.encode(), headers={"Content-Type": "text/vcard"})
    assert put.status_code == 201, put.text
    assert bob_dav.get(book_url + "grace.vcf").status_code in (403, 404)

    [book] = [b for b in one(server, ANN, "AddressBook/get", {"accountId": acc})["list"] if b["isDefault"]]
    rights = {"mayRead": True, "mayWrite": False, "mayShare": False, "mayDelete": False}
    r = one(server, ANN, "AddressBook/set", {"accountId": acc, "update": {book["id"]: {f"shareWith/{bob}": rights}}})
    assert book["id"] in r["updated"], r
    got = bob_dav.get(book_url + "grace.vcf")
    assert got.status_code == 200 and "Grace Hopper" in got.text, got.status_code
    assert bob_dav.put(book_url + "bobs.vcf", data=CARD.replace("team-grace", "bobs").encode(),
                       headers={"Content-Type": "text/vcard"}).status_code == 403
    # The grant is in the DAV:acl Ann reads, as DAV:read.
    acl_prop = '<d:propfind xmlns:d="DAV:"><d:prop><d:acl/></d:prop></d:propfind>'
    tree = etree.fromstring(ann.request("PROPFIND", book_url, headers={"Depth": "0"}, data=acl_prop).content)
    aces = {a.findtext("{DAV:}principal/{DAV:}href"): {p[0].tag for p in a.findall("{DAV:}grant/{DAV:}privilege")}
            for a in tree.findall(".//{DAV:}acl/{DAV:}ace")}
    assert aces.get(f"/dav/principals/{BOB}/") == {"{DAV:}read"}, aces
    # Bob's session shows Ann's contacts.
    s = jmap_session(server, BOB)
    assert "urn:ietf:params:jmap:contacts" in s["accounts"][acc]["accountCapabilities"]


def dav_acl(session, url):
    """Principal href → the privileges the DAV:acl of `url` grants it."""
    acl_prop = '<d:propfind xmlns:d="DAV:"><d:prop><d:acl/></d:prop></d:propfind>'
    tree = etree.fromstring(session.request("PROPFIND", url, headers={"Depth": "0"}, data=acl_prop).content)
    return {a.findtext("{DAV:}principal/{DAV:}href"): {p[0].tag for p in a.findall("{DAV:}grant/{DAV:}privilege")}
            for a in tree.findall(".//{DAV:}acl/{DAV:}ace")}


def test_a_calendar_shared_by_jmap_is_seen_over_caldav(server):
    acc, _ = me(server, ANN)
    [bob] = find(server, ANN, BOB)
    cal_url = f"{server.https_url}/dav/calendars/{ANN}/Calendar/"
    ann, bob_dav = http(ANN), http(BOB)
    put = ann.put(cal_url + "standup.ics", data=EVENT.encode(), headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201, put.text
    assert bob_dav.get(cal_url + "standup.ics").status_code in (403, 404)

    [cal] = [c for c in one(server, ANN, "Calendar/get", {"accountId": acc})["list"] if c["isDefault"]]
    assert cal["shareWith"] is None
    rights = {"mayReadFreeBusy": True, "mayReadItems": True, "mayWriteAll": True, "mayWriteOwn": True,
              "mayUpdatePrivate": True, "mayRSVP": True, "mayShare": False, "mayDelete": False}
    r = one(server, ANN, "Calendar/set", {"accountId": acc, "update": {cal["id"]: {f"shareWith/{bob}": rights}}})
    assert cal["id"] in r["updated"], r
    got = bob_dav.get(cal_url + "standup.ics")
    assert got.status_code == 200 and "Standup" in got.text, got.status_code
    bobs = EVENT.replace("team-standup", "bobs-event")
    assert bob_dav.put(cal_url + "bobs.ics", data=bobs.encode(),
                       headers={"Content-Type": "text/calendar"}).status_code == 201
    # The grant is in the DAV:acl Ann reads, at once.
    aces = dav_acl(ann, cal_url)
    assert {"{DAV:}read", "{DAV:}write"} <= aces.get(f"/dav/principals/{BOB}/", set()), aces
    got = one(server, ANN, "Calendar/get", {"accountId": acc, "ids": [cal["id"]], "properties": ["shareWith"]})
    assert got["list"][0]["shareWith"] == {bob: rights}, got
    # Bob's session shows Ann's calendars, writable; he may not share them on.
    s = jmap_session(server, BOB)
    assert "urn:ietf:params:jmap:calendars" in s["accounts"][acc]["accountCapabilities"]
    assert s["accounts"][acc]["isReadOnly"] is False
    r = one(server, BOB, "Calendar/set", {"accountId": acc, "update": {cal["id"]: {"shareWith": None}}})
    assert r["notUpdated"][cal["id"]]["type"] == "forbidden", r
    # Two keys that are one right, given unlike: refused, nothing written.
    r = one(server, ANN, "Calendar/set", {"accountId": acc, "update": {cal["id"]: {
        f"shareWith/{bob}": dict(rights, mayWriteOwn=False)}}})
    assert r["notUpdated"][cal["id"]]["type"] == "invalidProperties", r
    assert {"{DAV:}read", "{DAV:}write"} <= dav_acl(ann, cal_url).get(f"/dav/principals/{BOB}/", set())
    # Unshared: gone from the DAV:acl and from Bob's reach.
    r = one(server, ANN, "Calendar/set", {"accountId": acc, "update": {cal["id"]: {"shareWith": None}}})
    assert cal["id"] in r["updated"], r
    assert f"/dav/principals/{BOB}/" not in dav_acl(ann, cal_url)
    assert bob_dav.get(cal_url + "standup.ics").status_code in (403, 404)


def test_without_the_share_right_sharing_is_refused(server):
    acc, _ = me(server, ANN)
    [bob] = find(server, ANN, BOB)
    [carol] = find(server, ANN, CAROL)
    made = one(server, ANN, "Mailbox/set", {"accountId": acc, "create": {"k": {"name": "Private", "shareWith": {bob: READER}}}})
    box = made["created"]["k"]["id"]
    # Bob reads it but may not share it on: forbidden, and its ACL is unchanged.
    r = one(server, BOB, "Mailbox/set", {"accountId": acc, "update": {box: {f"shareWith/{carol}": READER}}})
    assert r["notUpdated"][box]["type"] == "forbidden", r
    got = one(server, BOB, "Mailbox/get", {"accountId": acc, "ids": [box], "properties": ["shareWith", "myRights"]})
    assert got["list"][0]["shareWith"] is None and got["list"][0]["myRights"]["mayShare"] is False
    ann = imap_login(server, ANN)
    assert ann.getacl("Private")[1] == [f"Private {ANN} lrswipkxtea {BOB} lrs".encode()]
    # Nor over IMAP: the one rule.
    bob_imap = imap_login(server, BOB)
    typ, data = bob_imap.setacl(f'"Other Users/{ANN}/Private"', CAROL, "lr")
    assert typ == "NO", data
    # Carol, who holds nothing, does not reach Ann's account at all.
    assert call(server, CAROL, "Mailbox/set", {"accountId": acc, "update": {box: {"shareWith": None}}}) == (
        "error", {"type": "accountNotFound"})
    # Bad input from the owner: the standard errors, nothing written.
    for patch in ({"shareWith/p999999": READER}, {f"shareWith/{carol}": {"mayReadItems": "yes"}},
                  {"shareWith": "everyone"}):
        r = one(server, ANN, "Mailbox/set", {"accountId": acc, "update": {box: patch}})
        assert r["notUpdated"][box]["type"] == "invalidProperties", (patch, r)
    assert ann.getacl("Private")[1] == [f"Private {ANN} lrswipkxtea {BOB} lrs".encode()]
    ann.logout()
    bob_imap.logout()


def test_share_notifications_tell_the_grantee(server):
    """RFC 9670 §5: Ann grants Carol rights on a mailbox over IMAP (SETACL), then takes them away
    (DELETEACL); Carol's JMAP account holds a ShareNotification for each, from Ann, with the
    rights before and after; Ann is told nothing; Carol destroys one."""
    acc, ann_pid = me(server, ANN)
    carol_acc, _ = me(server, CAROL)
    start = one(server, CAROL, "ShareNotification/get", {"accountId": carol_acc, "ids": []})["state"]
    ann = imap_login(server, ANN)
    assert ann.create("Notices")[0] == "OK"
    assert ann.setacl("Notices", CAROL, "lr")[0] == "OK"
    assert ann.deleteacl("Notices", CAROL)[0] == "OK"
    ann.logout()
    q = one(server, CAROL, "ShareNotification/query", {"accountId": carol_acc, "filter": {"objectAccountId": acc},
                                                         "sort": [{"property": "created"}]})
    got = one(server, CAROL, "ShareNotification/get", {"accountId": carol_acc, "ids": q["ids"]})["list"]
    notices = [n for n in got if n["name"] == "Notices"]
    assert len(notices) == 2, got
    granted, removed = notices
    assert granted["changedBy"] == {"name": "Ann Example", "email": ANN, "principalId": ann_pid}, granted
    assert granted["objectType"] == "Mailbox" and granted["objectAccountId"] == acc
    assert granted["oldRights"] is None and granted["newRights"]["mayReadItems"] is True
    assert removed["oldRights"]["mayReadItems"] is True and removed["newRights"] is None
    ch = one(server, CAROL, "ShareNotification/changes", {"accountId": carol_acc, "sinceState": start})
    assert set(ch["created"]) >= {granted["id"], removed["id"]}, ch
    assert one(server, ANN, "ShareNotification/query", {"accountId": acc,
                                                         "filter": {"objectAccountId": acc}})["ids"] == []
    r = one(server, CAROL, "ShareNotification/set", {"accountId": carol_acc, "destroy": [granted["id"]]})
    assert r["destroyed"] == [granted["id"]], r
