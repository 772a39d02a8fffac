"""The web client's message list at scale in a real browser (issue 16): Debian's headless Chromium
driven by playwright-core (interop/web/list.cjs, run with node) against the real binary.

A folder of COUNT messages (IMAP APPEND) and a thread of three: the list draws a screenful at a
time and, scrolled to its end, shows the last one; scrolled halfway, a message delivered over SMTP
arrives without moving the rows in view; threads on (kept over a reload) show the thread as one
row of three and its conversation in the reading pane; a ctrl and shift click select five
messages, moved to Archive at once, and a row dragged onto Archive moves there — each seen over
IMAP —; j/k open the next and previous message, s flags it (seen over IMAP), `?` lists the
shortcuts, and a j typed in the search field stays a letter. Screenshots go to the test's
temporary directory.
"""

import imaplib
import os
import time
from pathlib import Path

from test_web import ANN, ANN_PW, deliver, drive, imap_messages, started

SCRIPT = Path(__file__).parent / "web" / "list.cjs"
STEP_TIMEOUT = 60
COUNT = 300


def name(n: int) -> str:
    return f"List {n:03d}"


def fill(server):
    """COUNT messages, "List 000" the newest, below a thread "Topic" of three, newer still."""
    now = time.time()
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        imap.login(ANN, ANN_PW)
        for n in range(COUNT):
            raw = (f"From: Lister <lister@elsewhere.test>\r\nTo: {ANN}\r\nSubject: {name(n)}\r\n"
                   f"Message-ID: <list.{n}@elsewhere.test>\r\n\r\nmessage {n}\r\n").encode()
            imap.append("INBOX", "(\\Seen)", imaplib.Time2Internaldate(now - 3600 - 60 * n), raw)
        refs = ""
        for n, subject in enumerate(["Topic", "Re: Topic", "Re: Topic"]):
            raw = (f"From: Talker <talker@elsewhere.test>\r\nTo: {ANN}\r\nSubject: {subject}\r\n"
                   f"Message-ID: <topic.{n}@elsewhere.test>\r\n"
                   + (f"In-Reply-To: <topic.{n - 1}@elsewhere.test>\r\nReferences:{refs}\r\n" if n else "")
                   + f"\r\ntopic {n}\r\n").encode()
            refs += f" <topic.{n}@elsewhere.test>"
            imap.append("INBOX", "(\\Seen)", imaplib.Time2Internaldate(now - 600 + 60 * n), raw)


def test_web_list_in_chromium(relais_factory, tmp_path):
    server, modules = started(relais_factory, [(ANN, ANN_PW, "Ann Example")])
    fill(server)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url, "RELAIS_USER": ANN,
           "RELAIS_PASSWORD": ANN_PW, "RELAIS_COUNT": str(COUNT), "RELAIS_SCREENSHOTS": str(shots)}

    def on_step(step, words):
        if step == "halfway":
            assert words and words[0].startswith("List_"), words
            deliver(server, "Pushed while scrolled", "new")
        elif step == "bulk-moved":
            archive = imap_messages(server, "Archive", ANN, ANN_PW)
            inbox = imap_messages(server, "INBOX", ANN, ANN_PW)
            for n in range(5):
                assert name(n) in archive and name(n) not in inbox, name(n)
            assert len(archive) == 5
        elif step == "dragged":
            assert name(5) in imap_messages(server, "Archive", ANN, ANN_PW)
        elif step == "shortcuts":
            flags, _ = imap_messages(server, "INBOX", ANN, ANN_PW)[words[0].replace("_", " ")]
            assert b"\\Flagged" in flags, flags

    steps = drive(SCRIPT, env, on_step, STEP_TIMEOUT)
    assert steps == ["scrolled", "halfway", "pushed", "threads", "bulk-moved", "dragged", "shortcuts"]
    assert {p.name for p in shots.iterdir()} >= {"list-end.png", "threads.png", "selected.png", "shortcuts.png"}
