"""caldav-server-tester (the python caldav project's conformance probe) against the real binary.
It grades about a hundred features full / unsupported / ungraceful / broken; this test fails when
a feature graded "full" in docs/caldav-server-tester.md is graded anything else. The features
that are not full, and why, are in docs/protocol-status.md."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_caldav import DAV_SETTINGS, DOMAIN, PASSWORD, USER

TESTER = Path(sys.executable).parent / "caldav-server-tester"

# Graded "full" on this server (caldav-server-tester 1.7.0, caldav 3.6.0).
FULL = {
    "auth.www-authenticate", "auth.www-authenticate.usable-scheme", "calendar-color", "calendar-color.name",
    "calendar-order", "create-calendar", "create-calendar.set-displayname", "create-calendar.stable-url",
    "create-calendar.with-supported-component-types", "delete-calendar", "delete-calendar.free-namespace",
    "freebusy-query", "get-current-user-principal", "non-existing-raises-not-found.collection",
    "non-existing-raises-not-found.object", "propfind", "propfind.allprop", "propfind.allprop.resourcetype",
    "propfind.displayname", "propfind.principal-depth-1", "save-load.event", "save-load.event.no-dtend",
    "save-load.event.no-summary", "save-load.event.recurrences", "save-load.event.recurrences.count",
    "save-load.event.recurrences.exception", "save-load.event.recurrences.exception.cancelled",
    "save-load.event.recurrences.exception.reschedule", "save-load.event.timezone", "save-load.get-by-url",
    "save-load.icalendar.related-to", "save-load.journal", "save-load.journal.mixed-calendar", "save-load.mutable",
    "save-load.mutable.attendee-partstat", "save-load.mutable.if-match-optional",
    "save-load.mutable.if-match-wildcard", "save-load.stable-url", "save-load.todo", "save-load.todo.mixed-calendar",
    "save-load.todo.recurrences", "save-load.todo.recurrences.count", "save-load.todo.uncomplete",
    "save.duplicate-event", "save.duplicate-uid.cross-calendar", "save.etag", "save.if-none-match",
    "save.no-uid-conflict", "search.combined-is-logical-and", "search.comp-type", "search.comp-type.optional",
    "search.is-not-defined", "search.is-not-defined.category", "search.is-not-defined.class",
    "search.is-not-defined.dtend", "search.recurrences.includes-implicit.event",
    "search.recurrences.includes-implicit.infinite-scope", "search.recurrences.includes-implicit.todo",
    "search.recurrences.includes-implicit.todo.pending", "search.recurrences.expanded.event",
    "search.recurrences.expanded.exception", "search.recurrences.expanded.todo", "scheduling",
    "scheduling.calendar-user-address-set", "scheduling.calendar-user-address-set.populated", "scheduling.mailbox", "search.text.case-insensitive",
    "search.text.case-sensitive", "search.text.category", "search.text.substring", "search.time-range.alarm",
    "search.time-range.comp-type-optional", "search.time-range.event", "search.time-range.event.old-dates",
    "search.time-range.open.end", "search.time-range.open.start", "search.time-range.open.start.duration",
    "search.time-range.todo", "search.time-range.todo.no-dtstart", "search.time-range.todo.no-dtstart.no-due",
    "search.time-range.todo.old-dates", "search.time-range.todo.strict", "search.unlimited-time-range", "sync-token",
    "sync-token.delete", "sync-token.invalid-token", "sync-token.limit", "synchronous-write",
    "synchronous-write.create-calendar", "synchronous-write.delete-calendar", "synchronous-write.proppatch",
    "url.encode-at.encoded", "url.encode-at.literal.collection", "url.encode-at.literal.object",
    "url.encode-at.literal.principal",
}


@pytest.mark.skipif(not TESTER.exists() and not shutil.which("caldav-server-tester"),
                    reason="caldav-server-tester is not installed")
def test_caldav_server_tester(relais_factory):
    r = relais_factory(settings=DAV_SETTINGS).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    tester = str(TESTER) if TESTER.exists() else shutil.which("caldav-server-tester")
    run = subprocess.run([tester, "--caldav-url", f"{r.http_url}/dav/", "--caldav-username", USER,
                          "--caldav-password", PASSWORD, "--format", "text", "--verbose"],
                         # No caldav config file or CA bundle of whoever runs the tests.
                         capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    levels = dict(re.findall(r"^## (\S+)\nFeature support level found: (\S+)", run.stdout, re.M))
    assert len(levels) > 90, run.stdout + run.stderr
    regressed = {name: levels.get(name, "missing") for name in FULL if levels.get(name) != "full"}
    assert not regressed, regressed
