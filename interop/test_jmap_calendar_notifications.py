"""JMAP CalendarEventNotification (draft-ietf-jmap-calendars §7) against the real binary: Bob,
to whom Ann's calendar is shared for writing by DAV ACL, saves, changes and deletes an event in it
with the `caldav` library; Ann's JMAP client (plain HTTP, requests) then finds three
notifications — created, updated with the patch, destroyed — from Bob, none of her own change;
Bob may not remove them, Ann may; an invitation Ann sends over JMAP tells Bob, from Ann.
"""

import json

import caldav
import pytest
import requests
import urllib3

from harness import Relais

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, BOB, PW = f"ann@{DOMAIN}", f"bob@{DOMAIN}", "correct horse battery"
CALENDARS = "urn:ietf:params:jmap:calendars"
USING = ["urn:ietf:params:jmap:core", CALENDARS]
NOTE = "CalendarEventNotification"

ACL = ('<d:acl xmlns:d="DAV:"><d:ace><d:principal><d:href>/dav/principals/{who}/</d:href></d:principal>'
       '<d:grant><d:privilege><d:read/></d:privilege><d:privilege><d:write/></d:privilege></d:grant>'
       '</d:ace></d:acl>')

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//caldav//EN\r\nBEGIN:VEVENT\r\n"
         "UID:bob-in-ann-1\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:20261209T100000Z\r\n"
         "DTEND:20261209T110000Z\r\nSUMMARY:Budget\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("jmap-calendar-notifications") / "data",
               settings={"dav": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", PW, "--name", "Bob Example")
    with r:
        yield r


def session(user):
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (user, PW)
    return s


def one(server, name, args, user=ANN):
    body = json.dumps({"using": USING, "methodCalls": [[name, args, "0"]]})
    r = session(user).post(f"{server.https_url}/jmap/api", data=body,
                           headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    [[got, answer, _]] = r.json()["methodResponses"]
    assert got in (name, "error"), answer
    return answer


def account(server, user=ANN):
    s = session(user).get(f"{server.https_url}/.well-known/jmap", timeout=30).json()
    return s["primaryAccounts"][CALENDARS]


def notifications(server, acc, user=ANN, **filter):
    ids = one(server, f"{NOTE}/query", {"accountId": acc, "filter": filter}, user)["ids"]
    return one(server, f"{NOTE}/get", {"accountId": acc, "ids": ids}, user)["list"]


def test_a_sharees_caldav_changes_tell_the_owner(server):
    ann = account(server)
    url = f"{server.https_url}/dav/calendars/{ANN}/Calendar/"
    assert session(ANN).request("ACL", url, data=ACL.format(who=BOB)).status_code == 200
    start = one(server, f"{NOTE}/get", {"accountId": ann, "ids": []})["state"]
    client = caldav.DAVClient(url=server.https_url + "/dav/", username=BOB, password=PW, ssl_verify_cert=False)
    anns = caldav.Calendar(client=client, url=url)
    saved = anns.save_event(EVENT)
    saved.icalendar_component["SUMMARY"] = "Budget (moved)"
    saved.save()
    saved.delete()
    # Ann's own change in her calendar tells nothing.
    cal = one(server, "Calendar/get", {"accountId": ann})["list"][0]["id"]
    made = one(server, "CalendarEvent/set", {"accountId": ann, "create": {"k": {
        "@type": "Event", "calendarIds": {cal: True}, "title": "Ann's", "start": "2026-12-10T10:00:00"}}})
    assert "k" in made["created"], made

    got = notifications(server, ann)
    assert [n["type"] for n in got] == ["created", "updated", "destroyed"], got
    assert all(n["changedBy"]["email"] == BOB and n["changedBy"]["name"] == "Bob Example" for n in got), got
    assert len({n["calendarEventId"] for n in got}) == 1, got
    created, updated, destroyed = got
    assert created["event"]["title"] == "Budget" and created["event"]["uid"] == "bob-in-ann-1", created
    assert updated["event"]["title"] == "Budget" and updated["eventPatch"]["title"] == "Budget (moved)", updated
    assert destroyed["event"]["title"] == "Budget (moved)", destroyed
    assert [n["id"] for n in notifications(server, ann, type="updated")] == [updated["id"]]
    changes = one(server, f"{NOTE}/changes", {"accountId": ann, "sinceState": start})
    assert changes["created"] == [n["id"] for n in got], changes

    r = one(server, f"{NOTE}/set", {"accountId": ann, "destroy": [created["id"]]}, BOB)
    assert r["notDestroyed"][created["id"]]["type"] == "forbidden", r
    r = one(server, f"{NOTE}/set", {"accountId": ann, "destroy": [created["id"]],
                                    "create": {"x": {"type": "created"}}})
    assert r["destroyed"] == [created["id"]] and r["notCreated"]["x"]["type"] == "forbidden", r
    assert [n["id"] for n in notifications(server, ann)] == [updated["id"], destroyed["id"]]


def test_an_invitation_tells_the_attendee(server):
    ann, bob = account(server), account(server, BOB)
    cal = [c for c in one(server, "Calendar/get", {"accountId": ann})["list"] if c["isDefault"]][0]["id"]
    meeting = {"@type": "Event", "calendarIds": {cal: True}, "uid": "told-invite-1", "title": "Design review",
               "start": "2026-12-18T15:00:00", "timeZone": "Europe/Paris", "duration": "PT1H",
               "organizerCalendarAddress": f"mailto:{ANN}",
               "participants": {
                   "a": {"@type": "Participant", "calendarAddress": f"mailto:{ANN}", "roles": {"owner": True}},
                   "b": {"@type": "Participant", "calendarAddress": f"mailto:{BOB}", "roles": {"attendee": True},
                         "participationStatus": "needs-action", "expectReply": True}}}
    made = one(server, "CalendarEvent/set", {"accountId": ann, "sendSchedulingMessages": True,
                                             "create": {"m": meeting}})
    assert "m" in made["created"], made
    [told] = notifications(server, bob, BOB)
    assert (told["type"], told["event"]["title"]) == ("created", "Design review"), told
    assert told["changedBy"]["calendarAddress"] == f"mailto:{ANN}", told
