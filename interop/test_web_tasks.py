"""The web client's tasks end to end in a real browser (issue 16 item 4): Debian's headless
Chromium driven by playwright-core (interop/web/tasks.cjs, the browser in Europe/Berlin) against
the real binary over HTTPS, checked over CalDAV (the `caldav` library, `icalendar`).

In the Tasks view (one tab, reached with the tab list's arrow key) the browser creates a task due
at a day and time and one due on a day — CalDAV finds the first's DUE at 16:30 in Europe/Berlin and
its notes. A task PUT over CalDAV, due in the past, then appears without reload (push), first by
due date and marked overdue (a word and a bar, not colour alone). Ticked done, it goes last and
CalDAV reads STATUS:COMPLETED; unticked, NEEDS-ACTION. Renamed and moved to another day in its
form — seen over CalDAV —, and the other deleted — gone over CalDAV. Screenshots go to the test's
temporary directory.

Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import datetime
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import caldav
import icalendar
import pytest
import urllib3

from test_web import drive, node_modules

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
SCRIPT = Path(__file__).parent / "web" / "tasks.cjs"
STEP_TIMEOUT = 30
BERLIN = ZoneInfo("Europe/Berlin")

OVERDUE = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//web//EN\r\nBEGIN:VTODO\r\n"
           "UID:web-overdue-1\r\nDTSTAMP:20261201T080000Z\r\nDUE:20200102T090000Z\r\n"
           "SUMMARY:Overdue report\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")


def task_list(server):
    client = caldav.DAVClient(url=server.https_url + "/dav/", username=ANN, password=ANN_PW, ssl_verify_cert=False)
    return client.principal().calendar(name="Tasks")


def todos(server) -> dict[str, icalendar.Todo]:
    out = {}
    for t in task_list(server).todos(include_completed=True):
        for comp in icalendar.Calendar.from_ical(t.data).walk("VTODO"):
            out[str(comp["SUMMARY"])] = comp
    return out


def check(server, step, _words):
    seen = todos(server)
    if step == "task-created":
        t = seen["Pay the invoice"]
        assert t["DUE"].dt == datetime.datetime(2030, 3, 14, 16, 30, tzinfo=BERLIN), t["DUE"].dt
        assert str(t["DESCRIPTION"]) == "number 4711"
        assert t["DUE"].dt.tzinfo is not None and "Plan the summer" in seen, list(seen)
        task_list(server).save_todo(OVERDUE)
    elif step == "task-done":
        assert str(seen["Overdue report"]["STATUS"]) == "COMPLETED", seen["Overdue report"]
    elif step == "task-undone":
        assert str(seen["Overdue report"]["STATUS"]) == "NEEDS-ACTION", seen["Overdue report"]
    elif step == "task-edited":
        t = seen["Pay the invoice (urgent)"]
        assert t["DUE"].dt == datetime.datetime(2030, 3, 10, 16, 30, tzinfo=BERLIN), t["DUE"].dt
        assert "Pay the invoice" not in seen
    elif step == "task-deleted":
        assert "Plan the summer" not in seen and len(seen) == 2, list(seen)


def test_tasks_in_chromium(relais_factory, tmp_path):
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory()
    server.admin("domain", "add", DOMAIN)
    server.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    server.start()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url,
           "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW, "RELAIS_SCREENSHOTS": str(shots)}
    steps = drive(SCRIPT, env, lambda step, words: check(server, step, words), STEP_TIMEOUT, STEP_TIMEOUT * 6)
    assert steps == ["task-created", "task-pushed", "task-done", "task-undone", "task-edited", "task-deleted"]
    assert {p.name for p in shots.iterdir()} >= {"tasks.png", "task-form.png"}
