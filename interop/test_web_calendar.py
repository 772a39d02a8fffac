"""The web client's calendar in a real browser (issue 16): Debian's headless Chromium driven by
playwright-core (interop/web/calendar.cjs, the browser in Europe/Berlin) against the real binary
over HTTPS, checked over CalDAV (the `caldav` library and `icalendar`, and a plain GET of the
stored object).

The browser shows each view — day (one column), work week (five), week (seven), month, agenda —
and saves a screenshot of each; the view chosen last (the agenda) is still chosen after a reload.
It makes an event at 10:00 on the week's first day, drags it one column right and two hours
down: CalDAV has it on the next day 12:00–13:00 (snapped to the quarter hour); it drags its
bottom edge half an hour down: 12:00–13:30; Alt+Down twice and Alt+Shift+Up on the focused event
(the keyboard's drag): 12:30–13:45. It makes a weekly event on Wednesday 09:00, four times (the repeat
fields): CalDAV has RRULE FREQ=WEEKLY;COUNT=4;BYDAY=WE. It moves the second occurrence to 11:00
for this occurrence only: the object GET over CalDAV has an overriding VEVENT with that
RECURRENCE-ID and DTSTART, the series unchanged; it renames all occurrences: the series' SUMMARY
and the moved occurrence's are the new title, the moved one still at 11:00; it deletes the third
occurrence only: an EXDATE. Then Bob shares his calendar with Ann, read only (JMAP Calendar/set
shareWith), with an event in it: after a reload Ann's page lists it under "Shared by bob@…" with
the event, which she can open but not move, change or delete.

Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import datetime
import json
import os
from pathlib import Path

import icalendar
import pytest
import requests
import urllib3

from test_web import drive, node_modules
from test_web_groupware import ANN, ANN_PW, BERLIN, BOB, BOB_PW, DOMAIN, calendar, check_event

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

SCRIPT = Path(__file__).parent / "web" / "calendar.cjs"
STEP_TIMEOUT = 30
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:calendars", "urn:ietf:params:jmap:principals"]
READ_ONLY = {"mayReadFreeBusy": True, "mayReadItems": True, "mayWriteAll": False, "mayWriteOwn": False,
             "mayUpdatePrivate": False, "mayRSVP": False, "mayShare": False, "mayDelete": False}


def berlin(day: str, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(datetime.date.fromisoformat(day), datetime.time(hour, minute), tzinfo=BERLIN)


def stored(server, summary: str) -> icalendar.Calendar:
    """The object whose series is `summary`, as a plain CalDAV GET of its URL returns it."""
    for e in calendar(server).events():
        got = requests.get(str(e.url), auth=(ANN, ANN_PW), verify=False, timeout=30)
        assert got.status_code == 200 and got.headers["Content-Type"].startswith("text/calendar"), got.status_code
        cal = icalendar.Calendar.from_ical(got.text)
        if any(str(v.get("SUMMARY")) == summary and "RECURRENCE-ID" not in v for v in cal.walk("VEVENT")):
            return cal
    raise AssertionError(f"{summary!r} not over CalDAV")


def series_and_overrides(cal: icalendar.Calendar):
    events = cal.walk("VEVENT")
    [series] = [v for v in events if "RECURRENCE-ID" not in v]
    return series, {v["RECURRENCE-ID"].dt: v for v in events if "RECURRENCE-ID" in v}


def jmap(server, user, password, name, args):
    body = {"using": USING, "methodCalls": [[name, args, "0"]]}
    r = requests.post(f"{server.https_url}/jmap/api", json=body, auth=(user, password), verify=False, timeout=30)
    assert r.status_code == 200, r.text
    [[got, answer, _]] = r.json()["methodResponses"]
    assert got == name, answer
    return answer


def share_bobs_calendar(server, day: datetime.date):
    """Bob's default calendar shared with Ann, read only, with an event at 10:00 on `day`."""
    s = requests.get(f"{server.https_url}/jmap/session", auth=(BOB, BOB_PW), verify=False, timeout=30).json()
    acc = s["primaryAccounts"]["urn:ietf:params:jmap:calendars"]
    principals = s["primaryAccounts"]["urn:ietf:params:jmap:principals"]
    [ann] = jmap(server, BOB, BOB_PW, "Principal/query", {"accountId": principals, "filter": {"email": ANN}})["ids"]
    [cal] = [c for c in jmap(server, BOB, BOB_PW, "Calendar/get", {"accountId": acc})["list"] if c["isDefault"]]
    start = berlin(day.isoformat(), 10).astimezone(datetime.timezone.utc)
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//web//EN\r\nBEGIN:VEVENT\r\nUID:bobs-planning\r\n"
           f"DTSTAMP:20261201T080000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\nDURATION:PT1H\r\n"
           "SUMMARY:Bob’s planning\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    url = f"{server.https_url}/dav/calendars/{BOB}/Calendar/planning.ics"
    put = requests.put(url, data=ics.encode(), auth=(BOB, BOB_PW), verify=False, timeout=30,
                       headers={"Content-Type": "text/calendar"})
    assert put.status_code == 201, put.text
    r = jmap(server, BOB, BOB_PW, "Calendar/set", {"accountId": acc, "update": {cal["id"]: {f"shareWith/{ann}": READ_ONLY}}})
    assert cal["id"] in r["updated"], json.dumps(r)


def check(server, step, words):
    if step == "drag-created":
        check_event(server, "Drag me", berlin(words[0], 10), berlin(words[0], 11))
    elif step == "dragged":
        check_event(server, "Drag me", berlin(words[0], 12), berlin(words[0], 13))
    elif step == "resized":
        check_event(server, "Drag me", berlin(words[0], 12), berlin(words[0], 13, 30))
    elif step == "moved-by-keyboard":
        check_event(server, "Drag me", berlin(words[0], 12, 30), berlin(words[0], 13, 45))
    elif step == "weekly-created":
        series, overrides = series_and_overrides(stored(server, "Weekly sync"))
        rule = series["RRULE"]
        assert (rule["FREQ"], rule["COUNT"], rule["BYDAY"]) == (["WEEKLY"], [4], ["WE"]), rule
        assert series["DTSTART"].dt == berlin(words[0], 9) and overrides == {}, series
    elif step == "occurrence-moved":
        series, overrides = series_and_overrides(stored(server, "Weekly sync"))
        assert series["DTSTART"].dt.hour == 9, series
        moved = overrides[berlin(words[0], 9)]
        assert moved["DTSTART"].dt == berlin(words[0], 11), moved
    elif step == "all-renamed":
        series, overrides = series_and_overrides(stored(server, "Weekly sync (all)"))
        moved = overrides[berlin(words[0], 9)]
        assert moved["DTSTART"].dt == berlin(words[0], 11), moved
        assert str(moved.get("SUMMARY")) == "Weekly sync (all)", moved
    elif step == "occurrence-deleted":
        series, _ = series_and_overrides(stored(server, "Weekly sync (all)"))
        exdates = series.get("EXDATE")
        exdates = exdates if isinstance(exdates, list) else [exdates]
        assert berlin(words[0], 9) in [d.dt for e in exdates if e for d in e.dts], series
        share_bobs_calendar(server, datetime.date.today() + datetime.timedelta(days=1))


def test_calendar_views_drag_recurrence_and_sharing_in_chromium(relais_factory, tmp_path):
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory()
    server.admin("domain", "add", DOMAIN)
    server.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    server.admin("user", "add", BOB, "--password", BOB_PW, "--name", "Bob Example")
    server.start()

    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url,
           "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW, "RELAIS_SCREENSHOTS": str(shots)}
    steps = drive(SCRIPT, env, lambda step, words: check(server, step, words), STEP_TIMEOUT, STEP_TIMEOUT * 8)
    assert steps == ["views-shown", "drag-created", "dragged", "resized", "moved-by-keyboard", "weekly-created", "occurrence-moved",
                     "all-renamed", "occurrence-deleted", "shared-shown"]
    assert {p.name for p in shots.iterdir()} >= {f"calendar-{v}.png" for v in ("day", "workweek", "week", "month", "agenda",
                                                                                  "dragged", "repeat-form", "scope", "shared")}
