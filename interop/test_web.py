"""The web client end to end in a real browser (issue 16): Debian's headless Chromium driven by
playwright-core (interop/web/e2e.cjs, run with node) against the real binary over HTTPS.

The browser logs in (a wrong password first), finds in the inbox a message delivered here over
SMTP (with 50 older ones below it, drawn only when scrolled to), opens it — and IMAP sees
it \\Seen —, opens an HTML message whose scripts, handlers, `javascript:` links, frames, forms,
refresh, style sheets and remote images are all inert (their server is asked nothing until the
user allows images, and then for the image alone), deletes the first message — IMAP finds it in
Trash —, sees a message delivered while the page is open appear without reload, and logs out,
after which the old cookie opens nothing. Before that it searches (a field and words, in every
folder), flags a message and marks it unread, moves it to Archive — each seen over IMAP —, writes
to Bob, a second local user: the draft is in Drafts over IMAP while it is typed, is closed,
opened again from Drafts ("Edit draft") and sent (a bad address first refused in the form); Bob
receives it over IMAP with the right headers and Ann's copy is in Sent; it replies to a message
from Bob (In-Reply-To and References name it, the original is \\Answered) and starts a forward.
Screenshots of each view go to the test's temporary directory.

Needs `chromium` (Debian) and the npm packages of crates/web/package.json installed where
RELAIS_WEB_NODE_MODULES says (scripts/test installs both); without them the test is skipped, unless
RELAIS_WEB_NODE_MODULES is set.
"""

import email
import email.policy
import http.server
import imaplib
import os
import shutil
import smtplib
import subprocess
import threading
import time
from pathlib import Path

import pytest

from harness import Relais

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "bob's own password"
SCRIPT = Path(__file__).parent / "web" / "e2e.cjs"
STEP_TIMEOUT = 60
# Older messages below the first: more than the list draws at once (crates/web/app/js/messagelist.js).
PAGE = 50
# A 1×1 transparent GIF.
GIF = bytes.fromhex("47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b")


def node_modules() -> Path | None:
    configured = os.environ.get("RELAIS_WEB_NODE_MODULES")
    path = Path(configured or Path.home() / ".cache/relais/web-node/node_modules")
    ready = (path / "playwright-core").is_dir() and shutil.which("node") and Path("/usr/bin/chromium").exists()
    if ready:
        return path
    if configured:
        pytest.fail(f"RELAIS_WEB_NODE_MODULES={configured}, but node, playwright-core or chromium is missing")
    return None


class Pixel(http.server.BaseHTTPRequestHandler):
    """The "remote" server of the HTML message's image: counts what it is asked."""
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        Pixel.hits.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/gif")
        self.send_header("Content-Length", str(len(GIF)))
        self.end_headers()
        self.wfile.write(GIF)

    def log_message(self, *args):
        pass


def deliver(server, subject, body, html=None):
    headers = ["From: Carol Sender <carol@elsewhere.test>", f"To: {ANN}", f"Subject: {subject}",
               f"Message-ID: <{subject.replace(' ', '.')}@elsewhere.test>", "MIME-Version: 1.0"]
    if html is None:
        raw = "\r\n".join(headers + ["Content-Type: text/plain; charset=utf-8", "", body, ""])
    else:
        raw = "\r\n".join(headers + ["Content-Type: text/html; charset=utf-8", "", html, ""])
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.sendmail("carol@elsewhere.test", [ANN], raw.encode())


def append_read(server, count):
    """`count` read messages from yesterday, over IMAP: a second page of the list."""
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        imap.login(ANN, ANN_PW)
        for n in range(count):
            raw = (f"From: Old <old@elsewhere.test>\r\nTo: {ANN}\r\nSubject: Filler {n}\r\n"
                   f"Message-ID: <filler.{n}@elsewhere.test>\r\n\r\nfiller\r\n").encode()
            imap.append("INBOX", "(\\Seen)", imaplib.Time2Internaldate(time.time() - 86400 - n), raw)


def imap_messages(server, mailbox, user=BOB, password=BOB_PW) -> dict[str, tuple[bytes, email.message.Message]]:
    """Subject → (FLAGS, the message) of each message in `mailbox` of `user`, over IMAP."""
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        imap.login(user, password)
        _, count = imap.select(mailbox, readonly=True)
        if count[0] == b"0":
            return {}
        _, data = imap.fetch("1:*", "(FLAGS BODY.PEEK[])")
        found = {}
        for item in data:
            if isinstance(item, tuple):
                msg = email.message_from_bytes(item[1], policy=email.policy.default)
                found[str(msg["Subject"])] = (item[0], msg)
        return found


def put_question(server):
    """A message from Bob in Ann's inbox, as a thread's second message (for the reply)."""
    raw = (f"From: Bob <{BOB}>\r\nTo: Ann Example <{ANN}>\r\nSubject: Question from Bob\r\n"
           "Message-ID: <question.1@example.test>\r\nReferences: <earlier.1@example.test>\r\n"
           "Date: Sun, 06 Dec 2026 09:00:00 +0000\r\n\r\nAre you coming?\r\n").encode()
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        imap.login(ANN, ANN_PW)
        imap.append("INBOX", None, None, raw)


def check_sent(server):
    """The new message: in Bob's inbox with its headers, in Ann's Sent, out of her Drafts."""
    wait_for(lambda: "Lunch on Friday" in imap_messages(server, "INBOX"), "Bob receives the message")
    _, msg = imap_messages(server, "INBOX")["Lunch on Friday"]
    assert msg["From"].addresses[0].addr_spec == ANN and msg["From"].addresses[0].display_name == "Ann Example"
    assert [a.addr_spec for a in msg["To"].addresses] == [BOB] and msg["Cc"] is None and msg["Bcc"] is None
    assert msg["Message-ID"] and msg["Date"] and msg["In-Reply-To"] is None
    assert "Shall we meet at noon?" in msg.get_content()
    flags, _ = imap_messages(server, "Sent", ANN, ANN_PW)["Lunch on Friday"]
    assert b"\\Draft" not in flags and b"\\Seen" in flags, flags
    assert "Lunch on Friday" not in imap_flags(server, "Drafts")


def check_replied(server):
    wait_for(lambda: "Re: Question from Bob" in imap_messages(server, "INBOX"), "Bob receives the reply")
    _, msg = imap_messages(server, "INBOX")["Re: Question from Bob"]
    assert msg["In-Reply-To"] == "<question.1@example.test>", msg["In-Reply-To"]
    assert msg["References"].split() == ["<earlier.1@example.test>", "<question.1@example.test>"]
    text = msg.get_content()
    assert text.startswith("Yes, I am.") and "> Are you coming?" in text, text
    assert "Re: Question from Bob" in imap_flags(server, "Sent")
    assert b"\\Answered" in imap_flags(server, "INBOX")["Question from Bob"]
    assert not any(s.startswith("Fwd:") or s.startswith("Re:") for s in imap_flags(server, "Drafts"))


def imap_flags(server, mailbox) -> dict[str, bytes]:
    """Subject → FLAGS of each message in `mailbox`, seen over IMAP."""
    with imaplib.IMAP4(*server.addr("imap")) as imap:
        imap.login(ANN, ANN_PW)
        _, count = imap.select(mailbox, readonly=True)
        if count[0] == b"0":
            return {}
        _, data = imap.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
        found = {}
        for item in data:
            if isinstance(item, tuple):
                subject = item[1].decode().split(":", 1)[1].strip()
                found[subject] = item[0]
        return found


@pytest.fixture
def pixel():
    Pixel.hits = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Pixel)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()


def started(relais_factory, users):
    """A started server with SMTP and IMAP (plain text on loopback) and these (address, password,
    name) users, and where the npm packages are; the test is skipped without chromium or them."""
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory(listeners=["smtp", "imap"], settings={"imap": {"plaintext_auth_on_loopback": True}})
    server.admin("domain", "add", DOMAIN)
    for address, password, name in users:
        server.admin("user", "add", address, "--password", password, "--name", name)
    server.start()
    return server, modules


def test_web_client_in_chromium(relais_factory, pixel, tmp_path):
    server, modules = started(relais_factory, [(ANN, ANN_PW, "Ann Example"), (BOB, BOB_PW, "Bob")])
    append_read(server, PAGE)
    deliver(server, "Hello over SMTP", "first body line\r\nsecond line")
    remote = f"http://127.0.0.1:{pixel}"
    trap = (f'<html><head><meta http-equiv="refresh" content="0;url={remote}/refresh">'
            f'<base href="{remote}/base/"><link rel="stylesheet" href="{remote}/link.css">'
            f'<style>@import url({remote}/import.css); p {{ color: #333 }}</style></head><body>'
            f'<p>Visible HTML text</p><script>parent.pwned = 1</script>'
            f'<img src="x" onerror="parent.pwned = 2"><a href="javascript:parent.pwned = 3">link</a>'
            f'<a href=" JaVaScRiPt:parent.pwned = 4">link2</a>'
            f'<a href="https://example.test/page" target="_self" rel="opener">web link</a>'
            f'<p style="background: \\75rl({remote}/escaped.png)">escaped</p>'
            f'<svg onload="parent.pwned = 5"><script>parent.pwned = 6</script></svg>'
            f'<iframe src="{remote}/iframe" srcdoc="<script>parent.parent.pwned = 7</script>"></iframe>'
            f'<img src="{remote}/tracker.png" alt="remote"><img srcset="{remote}/srcset.png 1x" alt="set">'
            f'<div style="background: url({remote}/style.png)">styled</div>'
            f'<form action="{remote}/steal"><input name="p"></form><object data="{remote}/object"></object>'
            f'</body></html>')
    deliver(server, "HTML with traps", "", html=trap)

    shots = tmp_path / "screenshots"
    shots.mkdir()
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url,
           "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW, "RELAIS_COLLEAGUE": BOB, "RELAIS_SCREENSHOTS": str(shots)}

    def on_step(step, _words):
        if step == "opened":
            assert b"\\Seen" in imap_flags(server, "INBOX")["Hello over SMTP"]
        elif step == "html-blocked":
            assert Pixel.hits == [], "the remote image was fetched before the user allowed it"
        elif step == "html-images":
            wait_for(lambda: Pixel.hits == ["/tracker.png"], "the allowed image is fetched")
        elif step == "deleted":
            assert "Hello over SMTP" not in imap_flags(server, "INBOX")
            assert "Hello over SMTP" in imap_flags(server, "Trash")
            deliver(server, "Arrived while open", "pushed")
        elif step == "flagged":
            flags = imap_flags(server, "INBOX")["Arrived while open"]
            assert b"\\Flagged" in flags and b"\\Seen" not in flags, flags
        elif step == "moved":
            assert "Arrived while open" not in imap_flags(server, "INBOX")
            assert "Arrived while open" in imap_flags(server, "Archive")
        elif step == "draft":
            assert b"\\Draft" in imap_flags(server, "Drafts")["Lunch on Friday"]
        elif step == "sent":
            check_sent(server)
            put_question(server)
        elif step == "replied":
            check_replied(server)

    steps = drive(SCRIPT, env, on_step, STEP_TIMEOUT)
    assert steps == ["opened", "html-blocked", "html-images", "deleted", "arrived", "more", "searched", "flagged",
                     "moved", "draft", "sent", "replied", "logged-out"]
    assert {p.name for p in shots.iterdir()} >= {"login-refused.png", "inbox.png", "message.png", "pushed.png",
                                                 "search.png", "compose.png"}
    # Allowed, the image and nothing else: no style sheet, frame, object, form, refresh or CSS image.
    assert Pixel.hits == ["/tracker.png"]


def wait_for(condition, what, timeout=10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def drive(script: Path, env: dict, on_step, step_timeout: float, whole: float | None = None) -> list[str]:
    """Runs a browser script of interop/web (with steps.cjs's handshake): `on_step(name, words)` checks
    each step (with the words the script gave with it) before the script goes on. The whole run may
    take `whole` seconds (four steps' time unless given). Returns the steps; the script must end well."""
    proc = subprocess.Popen(["node", str(script)], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    watchdog = threading.Timer(whole or step_timeout * 4, proc.kill)
    watchdog.start()
    steps = []
    started = time.monotonic()
    try:
        for line in proc.stdout:
            if line.startswith("STEP "):
                step, *words = line.split()[1:]
                steps.append(step)
                on_step(step, words)
                proc.stdin.write("ok\n")
                proc.stdin.flush()
        code = proc.wait(timeout=step_timeout)
    finally:
        watchdog.cancel()
        proc.kill()
        stderr = proc.stderr.read()
    assert code == 0, f"{script.name} failed after steps {steps}:\n{stderr}"
    print(f"browser session: {time.monotonic() - started:.1f} s")
    return steps
