"""Junk and the folder tree in a real browser (issue 16 item 2): Debian's headless Chromium driven
by playwright-core (interop/web/junk.cjs) against the real binary over HTTPS, checked over IMAP
(imaplib).

Folders made over IMAP (`Projects/2026`) show as a tree: the subfolder after its parent, indented,
and named with it for a screen reader. A message reported as junk from the reading pane, and two
from the list's selection, are in Junk over IMAP with the `$Junk` keyword and gone from the
Inbox; one reported as not junk from the Junk folder is back in the Inbox with `$NotJunk` and
without `$Junk`. Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import imaplib
import os
import re
import smtplib
from pathlib import Path

import pytest

from test_web import drive, node_modules

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
SCRIPT = Path(__file__).parent / "web" / "junk.cjs"
STEP_TIMEOUT = 30
SUBJECTS = ["Cheap watches", "Lottery win", "Prize claim", "Lunch on Friday"]


def imap(server):
    host, port = server.addr("imap")
    c = imaplib.IMAP4(host, port)
    c.login(ANN, ANN_PW)
    return c


def folder(server, name):
    """Subject → the message's flags (lower-cased) in `name`."""
    c = imap(server)
    try:
        _, exists = c.select(name, readonly=True)
        if int(exists[0]) == 0:
            return {}
        _, data = c.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        out = {}
        for item in data:
            if isinstance(item, tuple):
                flags = re.search(rb"FLAGS \(([^)]*)\)", item[0]).group(1).decode().lower().split()
                subject = item[1].decode().split(":", 1)[1].strip()
                out[subject] = flags
        return out
    finally:
        c.logout()


def check(server, step, _words):
    inbox, junk = folder(server, "INBOX"), folder(server, "Junk")
    if step == "junked":
        assert "Cheap watches" in junk and "$junk" in junk["Cheap watches"], junk
        assert "Cheap watches" not in inbox, inbox
    elif step == "junked-many":
        assert {"Lottery win", "Prize claim"} <= set(junk), junk
        assert all("$junk" in junk[s] for s in ("Lottery win", "Prize claim")), junk
        assert set(inbox) == {"Lunch on Friday"}, inbox
    elif step == "not-junk":
        flags = inbox["Cheap watches"]
        assert "$notjunk" in flags and "$junk" not in flags, flags
        assert "Cheap watches" not in junk, junk


def test_junk_and_folder_tree_in_chromium(relais_factory, tmp_path):
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory(listeners=["smtp", "imap"], settings={"imap": {"plaintext_auth_on_loopback": True}})
    server.admin("domain", "add", DOMAIN)
    server.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    server.start()
    host, port = server.addr("smtp")
    with smtplib.SMTP(host, port, timeout=30) as s:
        for subject in SUBJECTS:
            s.sendmail("someone@elsewhere.example", [ANN],
                       f"From: someone@elsewhere.example\r\nTo: {ANN}\r\nSubject: {subject}\r\n\r\nhello\r\n")
    c = imap(server)
    assert c.create("Projects/2026")[0] == "OK"
    c.logout()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url,
           "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW, "RELAIS_SCREENSHOTS": str(shots)}
    steps = drive(SCRIPT, env, lambda step, words: check(server, step, words), STEP_TIMEOUT, STEP_TIMEOUT * 6)
    assert steps == ["tree", "junked", "junked-many", "not-junk"]
    assert {p.name for p in shots.iterdir()} >= {"folder-tree.png", "junk.png"}
