"""The web client's compose form end to end in a real browser (issue 16): Debian's headless Chromium
driven by playwright-core (interop/web/compose.cjs, run with node) against the real binary over
HTTPS, checked over IMAP as Bob, a colleague.

Ann sets her display name, a signature and a delay before sending of HOLD seconds in Settings.
She writes a rich-text message (bold by Ctrl+B, a bulleted list from the toolbar): the page holds
it while its bar counts down and offers Undo, then it goes; Bob's copy is multipart/alternative,
its text/html with the <b> and the <ul>, its text/plain the same words with the list's dashes, From
with her display name, both forms with her signature. She sends another and takes it back with
Undo: the form opens again with it, and once the delay has long passed Bob has nothing and it is
in Ann's Drafts. She replies to an HTML message: the reply is rich text quoting the original's
HTML (its bold kept, its remote image and script not), her signature above the quote. HTML pasted
into the editor is cleaned before it is in the page (no handler runs), and the plain/rich switch
turns it into its text and text into rich text (a `>` line a quote). Last, French chosen in
Settings turns the page's strings French. Screenshots of each view go to the test's temporary
directory.

Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import imaplib
import os
import time
from pathlib import Path

from test_web import ANN, ANN_PW, BOB, BOB_PW, drive, imap_messages, started, wait_for

SCRIPT = Path(__file__).parent / "web" / "compose.cjs"
STEP_TIMEOUT = 60
# Seconds the page has the server hold a message (Settings' delay before sending).
HOLD = 5


def put_html_message(server):
    """An HTML message from Bob in Ann's inbox, with a remote image and a script (never quoted)."""
    raw = (f"From: Bob <{BOB}>\r\nTo: Ann Example <{ANN}>\r\nSubject: Menu for Friday\r\n"
           "Message-ID: <menu.1@example.test>\r\nDate: Sun, 06 Dec 2026 09:00:00 +0000\r\nMIME-Version: 1.0\r\n"
           'Content-Type: multipart/alternative; boundary="b"\r\n\r\n'
           "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSoup and bread\r\n"
           "--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           '<html><body><p>Soup <b>and</b> bread</p><img src="https://tracker.example/menu.gif">'
           "<script>parent.pwned = 1</script></body></html>\r\n--b--\r\n").encode()
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        imap.login(ANN, ANN_PW)
        imap.append("INBOX", None, None, raw)


def parts(msg):
    """The message's text/plain and text/html, decoded."""
    assert msg.get_content_type() == "multipart/alternative", msg.get_content_type()
    text, html = (msg.get_body((kind,)).get_content().replace("\r\n", "\n") for kind in ("plain", "html"))
    return text, html


def check_rich(server):
    wait_for(lambda: "Rich hello" in imap_messages(server, "INBOX"), "Bob receives the rich message")
    _, msg = imap_messages(server, "INBOX")["Rich hello"]
    assert msg["From"].addresses[0].display_name == "Ann Tester"
    text, html = parts(msg)
    assert "<b>bold</b>" in html and "<ul>" in html and "<li>first</li>" in html, html
    assert "Hello bold world" in text and "- first\n- second" in text, text
    for form in (text, html):
        assert "Ann T." in form and "Relais team" in form, form
    assert "\n-- \nAnn T.\nRelais team" in text, text
    assert "Rich hello" in imap_messages(server, "Sent", ANN, ANN_PW)


def check_colleague_reply(server):
    """Bob's reply, sent from his own browser, is in Ann's INBOX, answering her message."""
    _, msg = imap_messages(server, "INBOX", ANN, ANN_PW)["Re: Rich hello"]
    _, original = imap_messages(server, "INBOX")["Rich hello"]
    assert msg["In-Reply-To"] == original["Message-ID"], (msg["In-Reply-To"], original["Message-ID"])
    assert "Thanks, Ann!" in msg.get_body(("plain",)).get_content()


def check_undone(server):
    time.sleep(HOLD + 3)
    assert "Never mind" not in imap_messages(server, "INBOX"), "the message taken back was delivered"
    flags, msg = imap_messages(server, "Drafts", ANN, ANN_PW)["Never mind"]
    assert b"\\Draft" in flags
    assert "Please ignore this." in msg.get_body(("plain",)).get_content()
    assert "Never mind" not in imap_messages(server, "Sent", ANN, ANN_PW)


def check_reply(server):
    wait_for(lambda: "Re: Menu for Friday" in imap_messages(server, "INBOX"), "Bob receives the reply")
    _, msg = imap_messages(server, "INBOX")["Re: Menu for Friday"]
    assert msg["In-Reply-To"] == "<menu.1@example.test>"
    text, html = parts(msg)
    assert "<blockquote" in html and "<b>and</b>" in html, html
    assert "tracker.example" not in html and "<script" not in html and "pwned" not in html, html
    assert text.index("Count me in.") < text.index("Ann T.") < text.index("> Soup and bread"), text
    assert html.index("Count me in.") < html.index("Ann T.") < html.index("<blockquote"), html


def test_web_compose_in_chromium(relais_factory, tmp_path):
    server, modules = started(relais_factory, [(ANN, ANN_PW, "Ann Example"), (BOB, BOB_PW, "Bob")])
    put_html_message(server)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url, "RELAIS_USER": ANN,
           "RELAIS_PASSWORD": ANN_PW, "RELAIS_COLLEAGUE": BOB, "RELAIS_COLLEAGUE_PASSWORD": BOB_PW,
           "RELAIS_HOLD": str(HOLD),
           "RELAIS_SCREENSHOTS": str(shots)}
    checks = {"rich-sent": check_rich, "colleague-replied": check_colleague_reply, "undone": check_undone,
              "replied": check_reply, "french": lambda _: None}
    steps = drive(SCRIPT, env, lambda step, _words: checks[step](server), STEP_TIMEOUT, whole=STEP_TIMEOUT * 6)
    assert steps == ["rich-sent", "colleague-replied", "undone", "replied", "french"]
    assert {p.name for p in shots.iterdir()} >= {"settings-identity.png", "compose-rich.png", "sending.png",
                                                 "undone.png", "reply-rich.png", "french.png"}
