"""The web client fit for people (issue 16), in a real browser: Debian's headless Chromium driven by
playwright-core (interop/web/a11y.cjs, run with node) against the real binary over HTTPS.

axe-core (pinned in crates/web/package.json) is injected into every view — login, the message
list, a message, compose, the calendar's week, month, day and agenda views, the event form,
contacts, the directory, tasks and a task's form, settings — with the system light and dark, on
a desktop-sized and a phone-sized screen; a serious or critical violation anywhere fails the
test. The script also checks the themes (the system's by default, Settings' choice over it,
kept over a reload and there from the first frame; the message frame stays light), the phone
layout (one pane at a time, Back, touch-sized targets, the calendar's agenda first), and the
Directory in Contacts: of 63 people it shows 50, then the rest on "Show more"; the colleague Bob
is listed, found by a search, added to Ann's contacts (seen here over CardDAV) and written to. Screenshots of every view in every set-up go to the
test's temporary directory.

Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import datetime
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import urllib3

from test_web import ANN, ANN_PW, BOB, BOB_PW, DOMAIN, deliver, drive, started
from test_web_groupware import GRACE, calendar, dav, vcards

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

SCRIPT = Path(__file__).parent / "web" / "a11y.cjs"
STEP_TIMEOUT = 240
BOB_NAME = "Bob Example"
CAROL = f"carol@{DOMAIN}"
BERLIN = ZoneInfo("Europe/Berlin")
SETUPS = ["light", "dark", "phone-light", "phone-dark"]
# Colleagues beyond the first page of the Directory (crates/web/app/js/gal.js's PAGE, 50).
MEMBERS = 60
VIEWS = ["login", "mail-list", "message", "compose", "calendar-week", "calendar-month", "calendar-day",
         "calendar-agenda", "event-form", "contacts", "directory", "tasks", "task-form", "settings"]
# No style attribute: the sanitiser's inert parse of one is reported by the page's policy (an
# expected console error, which interop/web/e2e.cjs's trap message covers).
NEWSLETTER = "<html><body><h1>Newsletter</h1><p>Readable on white</p><p>Made for a white page.</p></body></html>"


def seed(server):
    """Mail (a plain and an HTML message), an event today at noon in Berlin, and a card."""
    deliver(server, "Plain hello", "Hello in plain text.")
    deliver(server, "Styled newsletter", "", html=NEWSLETTER)
    today = datetime.datetime.now(BERLIN).date()
    start = datetime.datetime.combine(today, datetime.time(12), tzinfo=BERLIN).astimezone(datetime.timezone.utc)
    calendar(server).save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//a11y//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:a11y-review-1\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:{start:%Y%m%dT%H%M%SZ}\r\n"
        "DURATION:PT1H\r\nSUMMARY:Design review\r\nLOCATION:Room 4\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    r = dav().put(f"{server.https_url}/dav/addressbooks/{ANN}/Contacts/grace.vcf", data=GRACE.encode(),
                  headers={"Content-Type": "text/vcard; charset=utf-8", "If-None-Match": "*"}, timeout=30)
    assert r.status_code == 201, r.text


def add_members(server, tmp_path):
    """MEMBERS more people in the directory, imported at once (no password: they never sign in)."""
    csv = tmp_path / "members.csv"
    csv.write_text("address,name\n" + "".join(f"member{n:03d}@{DOMAIN},Member {n:03d}\n" for n in range(MEMBERS)))
    server.admin("user", "import", str(csv))


def test_web_accessibility_themes_phone(relais_factory, tmp_path):
    server, modules = started(relais_factory, [(ANN, ANN_PW, "Ann Example"), (BOB, BOB_PW, BOB_NAME),
                                               (CAROL, "carol's long password", "Carol Colleague")])
    if not (modules / "axe-core").is_dir():
        pytest.fail(f"axe-core is missing from {modules} (crates/web/package.json; scripts/test installs it)")
    seed(server)
    add_members(server, tmp_path)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url, "RELAIS_USER": ANN,
           "RELAIS_PASSWORD": ANN_PW, "RELAIS_COLLEAGUE": BOB, "RELAIS_COLLEAGUE_NAME": BOB_NAME,
           "RELAIS_DIRECTORY_SIZE": str(3 + MEMBERS),
           "RELAIS_SCREENSHOTS": str(shots)}

    def on_step(step, _words):
        if step == "gal-added":
            cards = [c for c in vcards(server) if BOB in [e.value for e in c.contents.get("email", [])]]
            assert len(cards) == 1, [c.serialize() for c in vcards(server)]
            assert cards[0].fn.value == BOB_NAME, cards[0].serialize()

    steps = drive(SCRIPT, env, on_step, STEP_TIMEOUT)
    # Added a second time from the page: still one card.
    assert len([c for c in vcards(server) if BOB in [e.value for e in c.contents.get("email", [])]]) == 1
    assert steps == ["gal-added"] + [f"audited-{s}" for s in SETUPS]
    names = {p.name for p in shots.iterdir()}
    missing = {f"{s}-{v}.png" for s in SETUPS for v in VIEWS} - names
    assert not missing, sorted(missing)
    chosen = {"light-settings-dark-chosen.png", "dark-settings-light-chosen.png",
              "phone-light-settings-dark-chosen.png", "phone-dark-settings-light-chosen.png"}
    assert chosen <= names, sorted(names)
