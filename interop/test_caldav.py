"""CalDAV end to end with the python caldav library (and raw requests where a client library
hides what we must see: status codes, preconditions, headers) against the real binary: discovery,
calendars, events and todos, recurrence with overrides, time ranges past the stored horizon,
multiget, sync tokens, free/busy, conditional writes, content checks, access control and
hostile request bodies."""

from datetime import datetime, timedelta, timezone
from urllib.parse import unquote
from uuid import uuid4

import caldav
import pytest
import requests
import urllib3
from caldav.lib import error
from lxml import etree

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
# The server's certificate is self-signed; caldav's own HTTP stack warns on every request.
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
USER, PASSWORD = f"alice@{DOMAIN}", "alice-pw"
OTHER, OTHER_PASSWORD = f"bob@{DOMAIN}", "bob-pw"
DAV_SETTINGS = {"dav": {"plaintext_auth_on_loopback": True}}
NS = {"d": "DAV:", "c": "urn:ietf:params:xml:ns:caldav", "card": "urn:ietf:params:xml:ns:carddav",
      "ical": "http://apple.com/ns/ical/"}


@pytest.fixture
def dav(relais_factory):
    r = relais_factory(settings=DAV_SETTINGS).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    return r


def client(r, user=USER, password=PASSWORD):
    return caldav.DAVClient(url=r.https_url + "/dav/", username=user, password=password, ssl_verify_cert=False)


def session(user=USER, password=PASSWORD):
    s = requests.Session()
    s.auth = (user, password)
    s.verify = False
    s.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides verify=False
    return s


def cal_url(r, calendar="Calendar", resource=""):
    return f"{r.https_url}/dav/calendars/{USER}/{calendar}/{resource}"


def vevent(uid, summary="Meeting", start="20260105T100000Z", end="20260105T110000Z", extra=""):
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais tests//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
            f"DTSTAMP:20260101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\n{extra}"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


def vtodo(uid, summary="Buy milk"):
    return (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais tests//EN\r\nBEGIN:VTODO\r\nUID:{uid}\r\n"
            f"DTSTAMP:20260101T000000Z\r\nSUMMARY:{summary}\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def error_conditions(body: bytes) -> set[str]:
    """The {ns}local names inside a DAV:error body."""
    root = etree.fromstring(body)
    assert root.tag == "{DAV:}error", body
    return {child.tag for child in root}


def report(s, url, body, depth="1"):
    return s.request("REPORT", url, data=body.encode(), headers={"Depth": depth, "Content-Type": "application/xml"})


def put_ics(s, url, text, **headers):
    return s.put(url, data=text.encode(), headers={"Content-Type": "text/calendar; charset=utf-8", **headers})


# --- discovery and collections ---------------------------------------------------------------

@pytest.mark.parametrize("start", ["/", "/.well-known/caldav"])
def test_discovery_from_the_server_url_alone(dav, start):
    """Issue 12 item 14: python caldav (and every tool on python-requests, which sends a
    redirected PROPFIND again without its body after a 301) given only the server's base URL or
    the well-known URI finds the principal and the calendars."""
    c = caldav.DAVClient(url=dav.https_url + start, username=USER, password=PASSWORD, ssl_verify_cert=False)
    principal = c.principal()
    assert unquote(str(principal.url)).endswith(f"/dav/principals/{USER}/")
    assert "Calendar" in {cal.get_display_name() for cal in principal.calendars()}


def test_well_known_carddav_keeps_the_propfind(dav):
    body = ('<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop>'
            '<d:current-user-principal/><card:addressbook-home-set/></d:prop></d:propfind>')
    resp = session().request("PROPFIND", dav.https_url + "/.well-known/carddav", data=body,
                             headers={"Depth": "0", "Content-Type": "application/xml"})
    assert resp.status_code == 207, resp.text
    assert f"/dav/principals/{USER}/" in unquote(resp.text)


def test_discovery_and_calendar_listing(dav):
    principal = client(dav).principal()
    assert unquote(str(principal.url)).endswith(f"/dav/principals/{USER}/")
    assert unquote(str(principal.calendar_home_set.url)).endswith(f"/dav/calendars/{USER}/")
    names = {c.get_display_name() for c in principal.calendars()}
    assert {"Calendar", "Tasks"} <= names, names
    # RFC 6764 §5: the well-known URI redirects to the context path (308: method and body kept).
    status, _ = dav.get("/.well-known/caldav")
    assert status == 308
    resp = requests.get(dav.https_url + "/.well-known/carddav", verify=False, allow_redirects=False)
    assert resp.status_code == 308 and resp.headers["Location"] == "/dav/"
    opts = requests.options(dav.https_url + "/dav/", verify=False)
    assert "calendar-access" in opts.headers["DAV"] and "addressbook" in opts.headers["DAV"]


def test_make_and_delete_calendar(dav):
    principal = client(dav).principal()
    cal = principal.make_calendar(name="Work", cal_id="work")
    assert "work" in [str(c.url).rstrip("/").rsplit("/", 1)[-1] for c in principal.calendars()]
    assert cal.get_display_name() == "Work"
    cal.save_event(vevent(str(uuid4())))
    cal.delete()
    assert "work" not in [str(c.url).rstrip("/").rsplit("/", 1)[-1] for c in principal.calendars()]
    # MKCALENDAR on an existing collection: RFC 4791 §5.3.1.2 (resource-must-be-null) / 405.
    resp = session().request("MKCALENDAR", cal_url(dav))
    assert resp.status_code in (403, 405), resp.status_code


def test_proppatch_displayname_and_color(dav):
    principal = client(dav).principal()
    principal.make_calendar(name="Home", cal_id="home").set_properties(
        [caldav.elements.dav.DisplayName("Home & Garden")])
    assert principal.calendar(cal_id="home").get_display_name() == "Home & Garden"
    s = session()
    body = ('<?xml version="1.0"?><d:propertyupdate xmlns:d="DAV:" xmlns:i="http://apple.com/ns/ical/">'
            "<d:set><d:prop><i:calendar-color>#FF8800FF</i:calendar-color></d:prop></d:set></d:propertyupdate>")
    resp = s.request("PROPPATCH", cal_url(dav, "home"), data=body)
    assert resp.status_code == 207
    assert "200" in etree.fromstring(resp.content).findtext(".//d:status", namespaces=NS)
    resp = s.request("PROPFIND", cal_url(dav, "home"), headers={"Depth": "0"}, data=(
        '<d:propfind xmlns:d="DAV:" xmlns:i="http://apple.com/ns/ical/"><d:prop><d:displayname/>'
        "<i:calendar-color/></d:prop></d:propfind>"))
    assert resp.status_code == 207
    tree = etree.fromstring(resp.content)
    assert tree.findtext(".//d:displayname", namespaces=NS) == "Home & Garden"
    assert tree.findtext(".//ical:calendar-color", namespaces=NS) == "#FF8800FF"


# --- objects ---------------------------------------------------------------------------------

def test_event_create_update_with_etag_delete(dav):
    cal = client(dav).principal().calendar(name="Calendar")
    uid = str(uuid4())
    event = cal.save_event(vevent(uid, "First"))
    s = session()
    resp = s.get(str(event.url))
    assert resp.status_code == 200 and "SUMMARY:First" in resp.text
    etag = resp.headers["ETag"]
    updated = put_ics(s, str(event.url), vevent(uid, "Second"), **{"If-Match": etag})
    assert updated.status_code in (200, 204), updated.text
    assert updated.headers["ETag"] != etag
    # RFC 9110 §13.1.1: the old ETag no longer matches.
    stale = put_ics(s, str(event.url), vevent(uid, "Third"), **{"If-Match": etag})
    assert stale.status_code == 412
    assert "SUMMARY:Second" in cal.event_by_uid(uid).data
    assert s.delete(str(event.url), headers={"If-Match": etag}).status_code == 412
    assert s.delete(str(event.url), headers={"If-Match": updated.headers["ETag"]}).status_code == 204
    assert s.get(str(event.url)).status_code == 404
    with pytest.raises(error.NotFoundError):
        cal.event_by_uid(uid)


def test_todos(dav):
    tasks = client(dav).principal().calendar(name="Tasks")
    tasks.save_todo(vtodo("todo-1", "Buy milk"))
    tasks.save_todo(vtodo("todo-2", "Water plants"))
    todos = tasks.todos()
    assert sorted(t.icalendar_component["SUMMARY"] for t in todos) == ["Buy milk", "Water plants"]
    todo = tasks.todo_by_uid("todo-1")
    todo.complete()
    assert [t.icalendar_component["SUMMARY"] for t in tasks.todos()] == ["Water plants"]
    assert len(tasks.todos(include_completed=True)) == 2


def test_recurring_event_with_override_and_exdate(dav):
    cal = client(dav).principal().calendar(name="Calendar")
    # Daily at 09:00 UTC from 5 Jan 2026 for 10 days; 7 Jan excluded; 8 Jan moved to 15:00 on 20 Jan.
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais tests//EN\r\n"
            "BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T090000Z\r\n"
            "DTEND:20260105T091500Z\r\nSUMMARY:Standup\r\nRRULE:FREQ=DAILY;COUNT=10\r\n"
            "EXDATE:20260107T090000Z\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:standup\r\nDTSTAMP:20260101T000000Z\r\nRECURRENCE-ID:20260108T090000Z\r\n"
            "DTSTART:20260120T150000Z\r\nDTEND:20260120T151500Z\r\nSUMMARY:Standup (moved)\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n")
    cal.save_event(text)

    def found(start, end):
        return len(cal.search(start=start, end=end, event=True, expand=False))

    assert found(utc(2026, 1, 5, 8), utc(2026, 1, 5, 10)) == 1   # first occurrence
    assert found(utc(2026, 1, 7, 8), utc(2026, 1, 7, 10)) == 0   # EXDATE
    assert found(utc(2026, 1, 8, 8), utc(2026, 1, 8, 10)) == 0   # moved away by the override
    assert found(utc(2026, 1, 20, 14), utc(2026, 1, 20, 16)) == 1  # the override's new time
    assert found(utc(2026, 1, 14, 8), utc(2026, 1, 14, 10)) == 1  # the tenth and last
    assert found(utc(2026, 1, 15, 8), utc(2026, 1, 15, 10)) == 0  # COUNT exhausted
    expanded = cal.search(start=utc(2026, 1, 1), end=utc(2026, 2, 1), event=True, expand=True)
    starts = sorted(e.icalendar_component["DTSTART"].dt for e in expanded)
    assert len(starts) == 9 and utc(2026, 1, 7, 9) not in starts and utc(2026, 1, 20, 15) in starts, starts


def test_endless_event_found_years_ahead(dav):
    cal = client(dav).principal().calendar(name="Calendar")
    cal.save_event(vevent("weekly", "Weekly sync", "20260105T100000Z", "20260105T110000Z", "RRULE:FREQ=WEEKLY\r\n"))
    cal.save_event(vevent("once", "Once", "20260106T100000Z", "20260106T110000Z"))
    now = datetime.now(timezone.utc)
    ahead = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=5 * 365)
    hits = cal.search(start=ahead, end=ahead + timedelta(days=7), event=True, expand=False)
    assert [h.icalendar_component["UID"] for h in hits] == ["weekly"]
    hits = cal.search(start=utc(2040, 1, 1), end=utc(2040, 1, 8), event=True, expand=True)
    assert len(hits) == 1 and hits[0].icalendar_component["DTSTART"].dt.weekday() == 0  # a Monday
    assert cal.search(start=utc(2025, 1, 1), end=utc(2025, 12, 31), event=True) == []


def test_calendar_multiget(dav):
    cal = client(dav).principal().calendar(name="Calendar")
    events = [cal.save_event(vevent(f"mg-{i}", f"Event {i}")) for i in range(3)]
    missing = caldav.lib.url.URL.objectify(cal_url(dav, resource="nope.ics"))
    got = cal.multiget([e.url for e in events])
    assert sorted(e.icalendar_component["SUMMARY"] for e in got) == ["Event 0", "Event 1", "Event 2"]
    # A raw multiget with an unknown href: 404 in its own response (RFC 4791 §7.9).
    hrefs = "".join(f"<d:href>{e.url.path}</d:href>" for e in events) + f"<d:href>{missing.path}</d:href>"
    resp = report(session(), cal_url(dav), '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                  f"<d:prop><d:getetag/><c:calendar-data/></d:prop>{hrefs}</c:calendar-multiget>")
    assert resp.status_code == 207
    statuses = {r.findtext("d:href", namespaces=NS): r.findtext(".//d:status", namespaces=NS)
                for r in etree.fromstring(resp.content).findall("d:response", NS)}
    assert "404" in statuses[missing.path] and len(statuses) == 4
    assert sum("200" in v for v in statuses.values()) == 3


def test_sync_tokens(dav):
    cal = client(dav).principal().calendar(name="Calendar")
    a = cal.save_event(vevent("sync-a", "A"))
    b = cal.save_event(vevent("sync-b", "B"))
    objects = cal.objects_by_sync_token(load_objects=True, disable_fallback=True)
    assert not str(objects.sync_token).startswith("fake-")
    assert {o.icalendar_component["UID"] for o in objects} == {"sync-a", "sync-b"}
    token = objects.sync_token
    unchanged = cal.objects_by_sync_token(sync_token=token, disable_fallback=True)
    assert list(unchanged) == []
    c = cal.save_event(vevent("sync-c", "C"))
    a.icalendar_component["SUMMARY"] = "A changed"
    a.save()
    b.delete()
    changes = cal.objects_by_sync_token(sync_token=token, load_objects=False, disable_fallback=True)
    seen = {unquote(o.url.path) for o in changes}
    assert seen == {unquote(x.url.path) for x in (a, b, c)}, seen
    # The deletion is a 404 response in the raw report (RFC 6578 §3.5.2).
    resp = report(session(), cal_url(dav), '<d:sync-collection xmlns:d="DAV:">'
                  f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>"
                  "<d:prop><d:getetag/></d:prop></d:sync-collection>")
    assert resp.status_code == 207
    statuses = {unquote(r.findtext("d:href", namespaces=NS)): r.findtext("d:status", namespaces=NS)
                for r in etree.fromstring(resp.content).findall("d:response", NS)}
    assert "404" in statuses[unquote(b.url.path)], statuses
    # The sync also works through the library's own bookkeeping.
    objects.sync()
    assert {o.icalendar_component["UID"] for o in objects} == {"sync-a", "sync-c"}
    # A token of another collection or garbage: 403 DAV:valid-sync-token.
    bad = report(session(), cal_url(dav, "Tasks"), '<d:sync-collection xmlns:d="DAV:">'
                 f"<d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop/></d:sync-collection>")
    assert bad.status_code == 403 and "{DAV:}valid-sync-token" in error_conditions(bad.content)


def test_free_busy(dav):
    cal = client(dav).principal().calendar(name="Calendar")
    cal.save_event(vevent("fb-1", "Busy", "20260105T100000Z", "20260105T110000Z"))
    cal.save_event(vevent("fb-2", "Also busy", "20260105T103000Z", "20260105T120000Z"))
    cal.save_event(vevent("fb-3", "Free", "20260105T140000Z", "20260105T150000Z", "TRANSP:TRANSPARENT\r\n"))
    cal.save_event(vevent("fb-4", "Maybe", "20260105T160000Z", "20260105T170000Z", "STATUS:TENTATIVE\r\n"))
    fb = cal.freebusy_request(utc(2026, 1, 5), utc(2026, 1, 6))
    comp = fb.icalendar_instance.walk("VFREEBUSY")[0]
    periods = comp.get("FREEBUSY")
    periods = periods if isinstance(periods, list) else [periods]
    text = [(p.params.get("FBTYPE", "BUSY"), p.to_ical().decode()) for p in periods]
    assert text == [("BUSY", "20260105T100000Z/20260105T120000Z"),
                    ("BUSY-TENTATIVE", "20260105T160000Z/20260105T170000Z")], text


def test_alarm_time_range(dav):
    # RFC 4791 §9.9: a VALARM matches when its trigger time is in the range, not the event.
    cal = client(dav).principal().calendar(name="Calendar")
    cal.save_event(vevent("alarmed", "With alarm", "20260110T080000Z", "20260110T090000Z",
                          "BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:soon\r\nTRIGGER:-PT15M\r\nEND:VALARM\r\n"))
    cal.save_event(vevent("silent", "No alarm", "20260110T074000Z", "20260110T080000Z"))

    def alarms(start, end):
        hits = cal.search(event=True, alarm_start=start, alarm_end=end, post_filter=False)
        return [h.icalendar_component["UID"] for h in hits]

    assert alarms(utc(2026, 1, 10, 7, 40), utc(2026, 1, 10, 7, 55)) == ["alarmed"]
    assert alarms(utc(2026, 1, 10, 8, 0), utc(2026, 1, 10, 8, 15)) == []


def test_principal_property_search(dav):
    s = session()
    body = ('<d:principal-property-search xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
            "<d:property-search><d:prop><d:displayname/></d:prop><d:match>{}</d:match></d:property-search>"
            "<d:prop><d:displayname/><c:calendar-home-set/></d:prop></d:principal-property-search>")
    # A principal without a display name shows its address as DAV:displayname; a search finds it so.
    resp = report(s, f"{dav.https_url}/dav/principals/", body.format("alice@"), depth="0")
    assert resp.status_code == 207
    found = etree.fromstring(resp.content).findall("d:response", NS)
    assert [unquote(r.findtext("d:href", namespaces=NS)) for r in found] == [f"/dav/principals/{USER}/"]
    assert found[0].findtext(".//d:displayname", namespaces=NS) == USER
    assert unquote(found[0].findtext(".//c:calendar-home-set/d:href", namespaces=NS)) == f"/dav/calendars/{USER}/"
    resp = report(s, f"{dav.https_url}/dav/principals/", body.format("nobody-like-this"), depth="0")
    assert etree.fromstring(resp.content).findall("d:response", NS) == []


# --- conditional writes and content checks ------------------------------------------------------

def test_uid_conflict(dav):
    s = session()
    assert put_ics(s, cal_url(dav, resource="one.ics"), vevent("same-uid")).status_code == 201
    resp = put_ics(s, cal_url(dav, resource="two.ics"), vevent("same-uid"))
    assert resp.status_code == 403
    assert "{urn:ietf:params:xml:ns:caldav}no-uid-conflict" in error_conditions(resp.content)
    href = etree.fromstring(resp.content).findtext(".//d:href", namespaces=NS)
    assert href == f"/dav/calendars/{USER}/Calendar/one.ics"
    assert s.get(cal_url(dav, resource="two.ics")).status_code == 404


def test_conditional_put(dav):
    s = session()
    url = cal_url(dav, resource="cond.ics")
    assert put_ics(s, url, vevent("cond"), **{"If-Match": '"nope"'}).status_code == 412  # absent: no match
    created = put_ics(s, url, vevent("cond"), **{"If-None-Match": "*"})
    assert created.status_code == 201 and created.headers.get("ETag")
    assert put_ics(s, url, vevent("cond", "Again"), **{"If-None-Match": "*"}).status_code == 412
    assert put_ics(s, url, vevent("cond", "Again"), **{"If-Match": '"not-the-etag"'}).status_code == 412
    assert "SUMMARY:Meeting" in s.get(url).text
    resp = s.get(url, headers={"If-None-Match": created.headers["ETag"]})
    assert resp.status_code == 304


def test_invalid_calendar_data_refused(dav):
    s = session()
    for bad in ["this is not iCalendar", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\n"]:
        resp = put_ics(s, cal_url(dav, resource="bad.ics"), bad)
        assert resp.status_code == 403, (bad, resp.status_code)
        conds = error_conditions(resp.content)
        assert conds & {"{urn:ietf:params:xml:ns:caldav}valid-calendar-data",
                        "{urn:ietf:params:xml:ns:caldav}valid-calendar-object-resource"}, conds
    resp = put_ics(s, cal_url(dav, resource="bad.ics"), "garbage")
    assert "{urn:ietf:params:xml:ns:caldav}valid-calendar-data" in error_conditions(resp.content)
    # Two UIDs in one resource: RFC 4791 §4.1.
    two = vevent("u1").replace("END:VCALENDAR\r\n", "") + vevent("u2").split("PRODID:-//Relais tests//EN\r\n", 1)[1]
    resp = put_ics(s, cal_url(dav, resource="two.ics"), two)
    assert resp.status_code == 403
    assert s.get(cal_url(dav, resource="bad.ics")).status_code == 404


def test_truncated_or_concatenated_calendar_refused(dav):
    s = session()
    cut = vevent("cut").split("SUMMARY:")[0]
    for name, bad in [("cut.ics", cut), ("two.ics", vevent("first") + vevent("second"))]:
        resp = put_ics(s, cal_url(dav, resource=name), bad)
        assert resp.status_code == 403, (bad, resp.status_code)


def test_task_list_refuses_events(dav):
    s = session()
    resp = put_ics(s, cal_url(dav, "Tasks", "ev.ics"), vevent("not-a-task"))
    assert resp.status_code == 403
    assert "{urn:ietf:params:xml:ns:caldav}supported-calendar-component" in error_conditions(resp.content)
    # The same for a calendar made with only VTODO.
    cal = client(dav).principal().make_calendar(name="Chores", cal_id="chores", supported_calendar_component_set=["VTODO"])
    assert cal.get_supported_components() == ["VTODO"]
    resp = put_ics(s, cal_url(dav, "chores", "ev.ics"), vevent("not-a-chore"))
    assert resp.status_code == 403
    assert "{urn:ietf:params:xml:ns:caldav}supported-calendar-component" in error_conditions(resp.content)
    assert put_ics(s, cal_url(dav, "chores", "t.ics"), vtodo("a-chore")).status_code == 201


def test_oversized_put_refused(dav):
    big = vevent("big", extra="DESCRIPTION:" + "x" * (11 * 1024 * 1024) + "\r\n")
    try:
        resp = put_ics(session(), cal_url(dav, resource="big.ics"), big)
    except requests.ConnectionError:
        pass  # closing the connection on an oversized body is a refusal too
    else:
        assert resp.status_code in (403, 413), resp.status_code
        if resp.status_code == 403:
            assert "{urn:ietf:params:xml:ns:caldav}max-resource-size" in error_conditions(resp.content)
    assert session().get(cal_url(dav, resource="big.ics")).status_code == 404
    assert put_ics(session(), cal_url(dav, resource="small.ics"), vevent("small")).status_code == 201


# --- access control and authentication -------------------------------------------------------

def test_other_user_cannot_read(dav):
    dav.admin("user", "add", OTHER, "--password", OTHER_PASSWORD)
    client(dav).principal().calendar(name="Calendar").save_event(vevent("private", "Secret"))
    bob = session(OTHER, OTHER_PASSWORD)
    resp = bob.request("PROPFIND", cal_url(dav), headers={"Depth": "1"})
    assert resp.status_code == 403
    assert bob.get(cal_url(dav, resource="private.ics")).status_code in (403, 404)
    listing = report(bob, cal_url(dav), '<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                     '<d:prop><c:calendar-data/></d:prop><c:filter><c:comp-filter name="VCALENDAR"/></c:filter>'
                     "</c:calendar-query>")
    assert listing.status_code == 403 and b"Secret" not in listing.content
    assert put_ics(bob, cal_url(dav, resource="intruder.ics"), vevent("intruder")).status_code == 403
    assert bob.delete(cal_url(dav)).status_code == 403
    with pytest.raises(error.AuthorizationError):
        caldav.Calendar(client(dav, OTHER, OTHER_PASSWORD), url=cal_url(dav)).events()


def test_authentication_required(dav):
    resp = requests.request("PROPFIND", cal_url(dav), headers={"Depth": "0"}, verify=False)
    assert resp.status_code == 401 and resp.headers["WWW-Authenticate"].startswith("Basic")
    resp = session(USER, "wrong").request("PROPFIND", cal_url(dav), headers={"Depth": "0"})
    assert resp.status_code == 401
    with pytest.raises(error.AuthorizationError):
        client(dav, USER, "wrong").principal()
    resp = session(f"nobody@{DOMAIN}", "x").request("PROPFIND", cal_url(dav), headers={"Depth": "0"})
    assert resp.status_code == 401


def test_plaintext_basic_refused_without_loopback_setting(relais_factory):
    r = relais_factory().start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    resp = requests.request("PROPFIND", f"{r.http_url}/dav/", auth=(USER, PASSWORD), headers={"Depth": "0"})
    assert resp.status_code == 403
    resp = requests.request("PROPFIND", f"{r.https_url}/dav/", auth=(USER, PASSWORD), headers={"Depth": "0"},
                            verify=False)
    assert resp.status_code == 207


# --- hostile and malformed requests ----------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>&lol9;</d:displayname></d:prop></d:set></d:propertyupdate>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE d:propfind [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&xxe;</d:displayname></d:prop></d:propfind>"""


def test_doctype_entities_refused(dav):
    s = session()
    resp = s.request("PROPPATCH", cal_url(dav), data=BILLION_LAUGHS)
    assert resp.status_code == 400, resp.status_code
    resp = s.request("PROPFIND", cal_url(dav), data=XXE, headers={"Depth": "0"})
    assert resp.status_code == 400 and b"root:" not in resp.content
    resp = report(s, cal_url(dav), XXE.replace("d:propfind", "c:calendar-query"))
    assert resp.status_code == 400 and b"root:" not in resp.content
    for junk in ["<d:propfind xmlns:d='DAV:'><d:prop>", "not xml at all", "<a:propfind xmlns:a='urn:x'/>"]:
        resp = s.request("PROPFIND", cal_url(dav), data=junk, headers={"Depth": "0"})
        assert resp.status_code == 400, (junk, resp.status_code)
    # The server still answers, and the display name was not touched.
    assert client(dav).principal().calendar(name="Calendar").get_display_name() == "Calendar"


def test_depth_infinity_propfind_refused(dav):
    resp = session().request("PROPFIND", f"{dav.https_url}/dav/calendars/{USER}/", headers={"Depth": "infinity"})
    assert resp.status_code == 403
    assert "{DAV:}propfind-finite-depth" in error_conditions(resp.content)
    resp = session().request("PROPFIND", f"{dav.https_url}/dav/calendars/{USER}/")  # no Depth: infinity
    assert resp.status_code == 403


ACL_BODY = ('<d:acl xmlns:d="DAV:"><d:ace><d:principal><d:href>/dav/principals/{who}/</d:href></d:principal>'
            '<d:grant>{privileges}</d:grant></d:ace></d:acl>')


def test_sharing_a_calendar_with_acl(dav):
    """RFC 3744 ACL: the owner shares a calendar read-only, then read-write, then not at all; the
    other user sees it in their calendar home (python caldav) with the matching privileges."""
    bob, bob_pw = f"bob@{DOMAIN}", "bob-pw-1"
    dav.admin("user", "add", bob, "--password", bob_pw)
    alice, other = session(), session(bob, bob_pw)
    team = cal_url(dav, "Team")
    assert alice.request("MKCALENDAR", team).status_code == 201
    assert alice.put(team + "standup.ics", data=vevent("standup").encode()).status_code == 201
    assert other.get(team + "standup.ics").status_code == 403
    assert other.request("ACL", team, data=ACL_BODY.format(who=bob, privileges="<d:privilege><d:read/></d:privilege>")).status_code == 403

    def share(privileges):
        body = ACL_BODY.format(who=bob, privileges=privileges)
        assert alice.request("ACL", team, data=body).status_code == 200

    share("<d:privilege><d:read/></d:privilege>")
    assert other.get(team + "standup.ics").status_code == 200
    assert other.put(team + "new.ics", data=vevent("bobs").encode()).status_code == 403
    assert other.delete(team + "standup.ics").status_code == 403
    # Bob's client finds it from his own calendar home.
    shared = [c for c in client(dav, bob, bob_pw).principal().calendars() if unquote(str(c.url)).endswith(f"/{USER}/Team/")]
    assert len(shared) == 1 and [e.icalendar_component["uid"] for e in shared[0].events()] == ["standup"]
    privs = other.request("PROPFIND", team, headers={"Depth": "0"},
                          data='<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-privilege-set/></d:prop></d:propfind>')
    granted = {el.tag for el in etree.fromstring(privs.content).iter() if el.getparent() is not None and el.getparent().tag == "{DAV:}privilege"}
    assert "{DAV:}read" in granted and "{DAV:}write-content" not in granted

    share("<d:privilege><d:read/></d:privilege><d:privilege><d:write/></d:privilege>")
    assert other.put(team + "new.ics", data=vevent("bobs").encode()).status_code == 201
    # The owner reads the ACL back (RFC 3744 §5.5): its own protected ACE and Bob's grant; what
    # can be granted is in DAV:supported-privilege-set (§5.3). Bob may not read the ACL.
    acl_prop = '<d:propfind xmlns:d="DAV:"><d:prop><d:acl/><d:supported-privilege-set/></d:prop></d:propfind>'
    tree = etree.fromstring(alice.request("PROPFIND", team, headers={"Depth": "0"}, data=acl_prop).content)
    aces = tree.findall(".//{DAV:}acl/{DAV:}ace")
    hrefs = [a.findtext("{DAV:}principal/{DAV:}href") for a in aces]
    assert hrefs == [f"/dav/principals/{USER}/", f"/dav/principals/{bob}/"], hrefs
    assert aces[0].find("{DAV:}protected") is not None
    bobs_privileges = {p[0].tag for p in aces[1].findall("{DAV:}grant/{DAV:}privilege")}
    assert bobs_privileges == {"{DAV:}read", "{DAV:}write"}
    supported = tree.find(".//{DAV:}supported-privilege-set")
    assert supported is not None and supported.find(".//{DAV:}write-content") is not None
    as_bob = etree.fromstring(other.request("PROPFIND", team, headers={"Depth": "0"}, data=acl_prop).content)
    assert as_bob.find(".//{DAV:}acl/{DAV:}ace") is None
    assert other.delete(team + "standup.ics").status_code == 204
    # Owner-only operations stay the owner's.
    assert other.request("PROPPATCH", team, data='<d:propertyupdate xmlns:d="DAV:"><d:set><d:prop><d:displayname>x</d:displayname></d:prop></d:set></d:propertyupdate>').status_code == 403
    assert other.delete(team).status_code == 403
    # Unknown principals and denials are refused; an empty ACL stops sharing.
    bad = ACL_BODY.format(who="nobody@" + DOMAIN, privileges="<d:privilege><d:read/></d:privilege>")
    assert alice.request("ACL", team, data=bad).status_code == 403
    deny = ('<d:acl xmlns:d="DAV:"><d:ace><d:principal><d:href>/dav/principals/%s/</d:href></d:principal>'
            '<d:deny><d:privilege><d:read/></d:privilege></d:deny></d:ace></d:acl>' % bob)
    assert alice.request("ACL", team, data=deny).status_code == 403
    assert alice.request("ACL", team, data="<d:acl xmlns:d='DAV:'><d:ace>").status_code == 400
    assert alice.request("ACL", team, data='<!DOCTYPE d [<!ENTITY x "y">]><d:acl xmlns:d="DAV:"/>').status_code == 400
    assert alice.request("ACL", team, data='<d:acl xmlns:d="DAV:"/>').status_code == 200
    assert other.get(team + "new.ics").status_code == 403
