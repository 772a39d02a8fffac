"""Moving events by whole days in a real browser (issue 16 item 3): Debian's headless Chromium
driven by playwright-core (interop/web/daydrag.cjs, the browser in Europe/Berlin) against the real
binary over HTTPS, checked over CalDAV (`caldav`, `icalendar`).

An all-day event PUT over CalDAV for today is dragged one day along the week's all-day row:
CalDAV has it on that day, still a DATE, still one day long; Alt+Left (or Right) on it moves it
back. A timed event at 10:00 today is dragged in the month view to the cell a week away: CalDAV
has it on that day, still 10:00–11:00 in Europe/Berlin. Skipped without chromium or the npm
packages, as interop/test_web.py is.
"""

import datetime
import os
from pathlib import Path

import icalendar
import pytest
import urllib3

from test_web import drive, node_modules
from test_web_groupware import ANN, ANN_PW, BERLIN, DOMAIN, calendar

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

SCRIPT = Path(__file__).parent / "web" / "daydrag.cjs"
STEP_TIMEOUT = 30


def event(server, summary):
    for e in calendar(server).events():
        for v in icalendar.Calendar.from_ical(e.data).walk("VEVENT"):
            if str(v.get("SUMMARY")) == summary:
                return v
    raise AssertionError(f"{summary!r} not over CalDAV")


def check(server, step, words):
    day = datetime.date.fromisoformat(words[0])
    if step in ("allday-dragged", "allday-keyboard"):
        v = event(server, "Offsite")
        start = v["DTSTART"].dt
        assert type(start) is datetime.date and start == day, v["DTSTART"].to_ical()
        end = v["DTEND"].dt if "DTEND" in v else start + v["DURATION"].dt
        assert end - start == datetime.timedelta(days=1), (start, end)
    elif step == "month-dragged":
        v = event(server, "Review")
        start, end = v["DTSTART"].dt.astimezone(BERLIN), None
        end = (v["DTEND"].dt if "DTEND" in v else v["DTSTART"].dt + v["DURATION"].dt).astimezone(BERLIN)
        assert (start.date(), start.hour, start.minute) == (day, 10, 0), start
        assert end - start == datetime.timedelta(hours=1), (start, end)


def test_events_moved_by_days_in_chromium(relais_factory, tmp_path):
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory()
    server.admin("domain", "add", DOMAIN)
    server.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    server.start()
    today = datetime.datetime.now(BERLIN).date()
    start = datetime.datetime.combine(today, datetime.time(10), tzinfo=BERLIN).astimezone(datetime.timezone.utc)
    cal = calendar(server)
    cal.save_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//web//EN\r\nBEGIN:VEVENT\r\n"
                   f"UID:offsite-1\r\nDTSTAMP:20261201T080000Z\r\nDTSTART;VALUE=DATE:{today:%Y%m%d}\r\n"
                   f"DTEND;VALUE=DATE:{today + datetime.timedelta(days=1):%Y%m%d}\r\nSUMMARY:Offsite\r\n"
                   "END:VEVENT\r\nEND:VCALENDAR\r\n")
    cal.save_event("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//web//EN\r\nBEGIN:VEVENT\r\n"
                   f"UID:review-1\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
                   "DURATION:PT1H\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url, "RELAIS_TODAY": today.isoformat(),
           "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW, "RELAIS_SCREENSHOTS": str(shots)}
    steps = drive(SCRIPT, env, lambda step, words: check(server, step, words), STEP_TIMEOUT, STEP_TIMEOUT * 6)
    assert steps == ["allday-dragged", "allday-keyboard", "month-dragged"]
    assert {p.name for p in shots.iterdir()} >= {"allday-dragged.png", "month-dragged.png"}
