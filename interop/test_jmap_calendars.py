"""JMAP Calendars (draft-ietf-jmap-calendars) against the real binary, across protocols: an
event made over JMAP is read over CalDAV by the `caldav` library (and parsed by `icalendar`);
an event saved over CalDAV shows in CalendarEvent/changes and CalendarEvent/get; a JMAP client
that read the state before a CalDAV change is refused (stateMismatch), and the CalDAV change
stays; Bob's calendar and event ids are not found in Ann's account, nor his account for her; a
calendar Ann shares with Bob by DAV ACL shows in his session with its rights, readable, not
writable; an event with Bob as attendee made over JMAP with sendSchedulingMessages reaches his
calendar as a CalDAV PUT's would, and without it (the draft's default, false) reaches nobody;
Bob reads Ann's busy time with Principal/getAvailability; bad input is refused with the standard errors. JMAP is spoken with plain HTTP (requests)
as any client would.
"""

import json

import caldav
import icalendar
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

WEEKLY = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//caldav//EN\r\nBEGIN:VEVENT\r\n"
          "UID:caldav-weekly-1\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:20261207T080000Z\r\n"
          "DTEND:20261207T083000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Ops review\r\n"
          "LOCATION:Room 9\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

ACL = ('<d:acl xmlns:d="DAV:"><d:ace><d:principal><d:href>/dav/principals/{who}/</d:href></d:principal>'
       '<d:grant><d:privilege><d:read/></d:privilege></d:grant></d:ace></d:acl>')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("jmap-calendars") / "data",
               settings={"dav": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", PW, "--name", "Bob Example")
    with r:
        yield r


def session(user=ANN):
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


def jmap_session(server, user=ANN):
    return session(user).get(f"{server.https_url}/.well-known/jmap", timeout=30).json()


def account(server, user=ANN):
    s = jmap_session(server, user)
    assert CALENDARS in s["capabilities"], s["capabilities"]
    return s["primaryAccounts"][CALENDARS]


def default_calendar(server, acc, user=ANN):
    cals = one(server, "Calendar/get", {"accountId": acc}, user)["list"]
    [default] = [c for c in cals if c["isDefault"]]
    return default["id"]


def dav_calendar(user=ANN, *, server):
    client = caldav.DAVClient(url=server.https_url + "/dav/", username=user, password=PW, ssl_verify_cert=False)
    return client.principal().calendar(name="Calendar")


def caldav_events(server, user=ANN):
    """UID → the VEVENT of each event of the user's default calendar, as CalDAV serves it."""
    out = {}
    for e in dav_calendar(user, server=server).events():
        for comp in icalendar.Calendar.from_ical(e.data).walk("VEVENT"):
            if not comp.get("RECURRENCE-ID"):
                out[str(comp["UID"])] = comp
    return out


def test_an_event_made_over_jmap_is_read_over_caldav(server):
    acc = account(server)
    cal = default_calendar(server, acc)
    made = one(server, "CalendarEvent/set", {"accountId": acc, "create": {"k1": {
        "@type": "Event", "calendarIds": {cal: True}, "uid": "jmap-planning-1", "title": "Planning",
        "start": "2026-12-14T09:00:00", "timeZone": "Europe/Berlin", "duration": "PT1H30M",
        "locations": {"l1": {"@type": "Location", "name": "Room 2"}}}}})
    assert "k1" in made["created"], made
    seen = caldav_events(server)["jmap-planning-1"]
    assert str(seen["SUMMARY"]) == "Planning" and str(seen["LOCATION"]) == "Room 2"
    start = seen["DTSTART"].dt
    assert (start.hour, start.minute, str(start.tzinfo)) == (9, 0, "Europe/Berlin"), start
    # A time-range query over CalDAV finds it too.
    import datetime
    found = dav_calendar(server=server).search(event=True, start=datetime.datetime(2026, 12, 14),
                                               end=datetime.datetime(2026, 12, 15))
    assert any("jmap-planning-1" in e.data for e in found)


def test_an_event_saved_over_caldav_shows_in_changes_and_get(server):
    acc = account(server)
    state = one(server, "CalendarEvent/get", {"accountId": acc, "ids": []})["state"]
    dav_calendar(server=server).save_event(WEEKLY)
    changes = one(server, "CalendarEvent/changes", {"accountId": acc, "sinceState": state})
    assert len(changes["created"]) == 1 and changes["updated"] == [], changes
    [e] = one(server, "CalendarEvent/get", {"accountId": acc, "ids": changes["created"]})["list"]
    assert (e["uid"], e["title"], e["start"]) == ("caldav-weekly-1", "Ops review", "2026-12-07T08:00:00"), e
    assert e["recurrenceRule"]["count"] == 4 and e["isOrigin"] is True
    q = one(server, "CalendarEvent/query", {"accountId": acc, "filter": {
        "after": "2026-12-27T00:00:00Z", "before": "2026-12-29T00:00:00Z"}})
    assert q["ids"] == changes["created"], "the fourth occurrence, on the 28th: %s" % q


def test_a_jmap_client_behind_a_caldav_change_is_refused(server):
    acc = account(server)
    [ev] = one(server, "CalendarEvent/query", {"accountId": acc, "filter": {"uid": "caldav-weekly-1"}})["ids"]
    state = one(server, "CalendarEvent/get", {"accountId": acc, "ids": [ev]})["state"]
    dav = [e for e in dav_calendar(server=server).events() if "caldav-weekly-1" in e.data][0]
    dav.icalendar_component["SUMMARY"] = "Ops review (moved by CalDAV)"
    dav.save()
    refused = one(server, "CalendarEvent/set", {"accountId": acc, "ifInState": state,
                                                "update": {ev: {"title": "JMAP's title"}}})
    assert refused["type"] == "stateMismatch", refused
    assert str(caldav_events(server)["caldav-weekly-1"]["SUMMARY"]) == "Ops review (moved by CalDAV)"
    # One who reads again may write; CalDAV then sees it, with a new ETag.
    done = one(server, "CalendarEvent/set", {"accountId": acc, "update": {ev: {"title": "Ops review (JMAP)"}}})
    assert ev in done["updated"], done
    assert str(caldav_events(server)["caldav-weekly-1"]["SUMMARY"]) == "Ops review (JMAP)"


def test_another_users_ids_are_not_found(server):
    ann, bob = account(server), account(server, BOB)
    bobs_cal = default_calendar(server, bob, BOB)
    made = one(server, "CalendarEvent/set", {"accountId": bob, "create": {"b": {
        "@type": "Event", "calendarIds": {bobs_cal: True}, "title": "Bob's", "start": "2026-12-20T10:00:00"}}}, BOB)
    bobs_event = made["created"]["b"]["id"]
    assert one(server, "Calendar/get", {"accountId": ann, "ids": [bobs_cal]})["notFound"] == [bobs_cal]
    assert one(server, "CalendarEvent/get", {"accountId": ann, "ids": [bobs_event]})["notFound"] == [bobs_event]
    r = one(server, "CalendarEvent/set", {"accountId": ann, "destroy": [bobs_event]})
    assert r["notDestroyed"][bobs_event]["type"] == "notFound", r
    assert one(server, "Calendar/get", {"accountId": bob})["type"] == "accountNotFound"


def test_a_shared_calendar_shows_with_its_rights(server):
    ann = account(server)
    url = f"{server.https_url}/dav/calendars/{ANN}/Calendar/"
    assert session().request("ACL", url, data=ACL.format(who=BOB)).status_code == 200
    s = jmap_session(server, BOB)
    shared = s["accounts"][ann]
    assert shared["isReadOnly"] is True and shared["accountCapabilities"][CALENDARS]["mayCreateCalendar"] is False
    [c] = one(server, "Calendar/get", {"accountId": ann}, BOB)["list"]
    assert c["myRights"]["mayReadItems"] is True and c["myRights"]["mayWriteAll"] is False, c
    ids = one(server, "CalendarEvent/query", {"accountId": ann}, BOB)["ids"]
    titles = {e["title"] for e in one(server, "CalendarEvent/get", {"accountId": ann, "ids": ids}, BOB)["list"]}
    assert "Planning" in titles, titles
    r = one(server, "CalendarEvent/set", {"accountId": ann, "destroy": ids[:1]}, BOB)
    assert r["notDestroyed"][ids[0]]["type"] == "forbidden", r


def meeting(cal, uid):
    return {"@type": "Event", "calendarIds": {cal: True}, "uid": uid, "title": "Design review",
            "start": "2026-12-18T15:00:00", "timeZone": "Europe/Paris", "duration": "PT1H",
            "organizerCalendarAddress": f"mailto:{ANN}",
            "participants": {
                "a": {"@type": "Participant", "calendarAddress": f"mailto:{ANN}", "roles": {"owner": True}},
                "b": {"@type": "Participant", "calendarAddress": f"mailto:{BOB}", "roles": {"attendee": True},
                      "participationStatus": "needs-action", "expectReply": True}}}


def test_an_invitation_made_over_jmap_reaches_the_attendee(server):
    acc = account(server)
    cal = default_calendar(server, acc)
    made = one(server, "CalendarEvent/set", {"accountId": acc, "sendSchedulingMessages": True,
                                             "create": {"m": meeting(cal, "jmap-invite-1")}})
    assert "m" in made["created"], made
    copy = caldav_events(server, BOB)["jmap-invite-1"]
    assert str(copy["SUMMARY"]) == "Design review"
    bob = account(server, BOB)
    [theirs] = one(server, "CalendarEvent/query", {"accountId": bob, "filter": {"uid": "jmap-invite-1"}}, BOB)["ids"]
    [e] = one(server, "CalendarEvent/get", {"accountId": bob, "ids": [theirs]}, BOB)["list"]
    assert e["isOrigin"] is False, e


def test_without_send_scheduling_messages_the_attendee_receives_nothing(server):
    acc = account(server)
    cal = default_calendar(server, acc)
    made = one(server, "CalendarEvent/set", {"accountId": acc, "create": {"m": meeting(cal, "jmap-held-1")}})
    assert "m" in made["created"], made
    assert "jmap-held-1" in caldav_events(server), "stored in Ann's calendar"
    assert "jmap-held-1" not in caldav_events(server, BOB)
    bob = account(server, BOB)
    assert one(server, "CalendarEvent/query", {"accountId": bob, "filter": {"uid": "jmap-held-1"}}, BOB)["ids"] == []
    # Nor is a change or a destroy sent: Bob's copy of a scheduled meeting stays as it was.
    [mine] = one(server, "CalendarEvent/query", {"accountId": acc, "filter": {"uid": "jmap-invite-1"}})["ids"]
    r = one(server, "CalendarEvent/set", {"accountId": acc, "sendSchedulingMessages": False,
                                          "update": {mine: {"title": "Renamed quietly"}}})
    assert mine in r["updated"], r
    assert str(caldav_events(server, BOB)["jmap-invite-1"]["SUMMARY"]) == "Design review"


def test_bob_reads_anns_availability(server):
    acc = account(server)
    cal = default_calendar(server, acc)
    made = one(server, "CalendarEvent/set", {"accountId": acc, "create": {"b": {
        "@type": "Event", "calendarIds": {cal: True}, "title": "Busy", "start": "2027-01-12T10:00:00",
        "timeZone": "Europe/Paris", "duration": "PT2H"}}})
    assert "b" in made["created"], made
    ann = jmap_session(server)["accounts"][acc]["accountCapabilities"]["urn:ietf:params:jmap:principals:owner"]
    args = {"accountId": account(server, BOB), "id": ann["principalId"],
            "utcStart": "2027-01-12T00:00:00Z", "utcEnd": "2027-01-13T00:00:00Z"}
    r = one(server, "Principal/getAvailability", args, BOB)
    assert r["list"] == [{"utcStart": "2027-01-12T09:00:00Z", "utcEnd": "2027-01-12T11:00:00Z",
                          "busyStatus": "confirmed", "event": None}], r
    assert one(server, "Principal/getAvailability", dict(args, utcEnd="2028-01-01T00:00:00Z"), BOB)["type"] == "tooLarge"


def test_bad_input_is_refused_with_standard_errors(server):
    acc = account(server)
    cal = default_calendar(server, acc)
    state = one(server, "CalendarEvent/get", {"accountId": acc, "ids": []})["state"]
    huge = {"@type": "RecurrenceRule", "frequency": "yearly", "byMonth": [str(m) for m in range(1, 13)],
            "byMonthDay": list(range(1, 32)), "byHour": list(range(24)), "byMinute": list(range(60)),
            "bySecond": list(range(60))}
    r = one(server, "CalendarEvent/set", {"accountId": acc, "create": {
        "no-start": {"calendarIds": {cal: True}, "title": "x"},
        "bad-start": {"calendarIds": {cal: True}, "start": "tomorrow"},
        "unknown": {"calendarIds": {cal: True}, "start": "2026-12-01T10:00:00", "colour": "red"},
        "huge": {"calendarIds": {cal: True}, "start": "2026-12-01T10:00:00", "recurrenceRule": huge},
        "not-an-object": {"calendarIds": {cal: True}, "start": "2026-12-01T10:00:00", "participants": 7},
    }})
    for k, e in r["notCreated"].items():
        assert e["type"] == "invalidProperties", (k, e)
    assert len(r["notCreated"]) == 5 and r["newState"] == state, r
    assert r["notCreated"]["unknown"]["properties"] == ["colour"]
    assert r["notCreated"]["not-an-object"]["properties"] == ["participants"]
    assert one(server, "CalendarEvent/query", {"accountId": acc, "filter": {"colour": "red"}})["type"] == "unsupportedFilter"
    assert one(server, "CalendarEvent/get", {"accountId": acc, "ids": "ev1"})["type"] == "invalidArguments"
    # Still serving.
    assert one(server, "Calendar/get", {"accountId": acc})["list"]
