"""The web client's attachments, inline images, quoted text and search filters end to end in a real
browser (issue 16): Debian's headless Chromium driven by playwright-core (interop/web/attachments.cjs,
run with node) against the real binary over HTTPS, checked over IMAP.

Ann (the browser's first context) opens a plain message with three attachments, delivered here over
SMTP: its quoted text is folded until "Show quoted text", the files are listed with type and size,
and each download is byte-identical to what was sent — the hostile ones, text/html and SVG with
scripts, too, and neither they nor a direct visit of their download URLs runs anything (they are
saved, never shown). An HTML message whose image is a `cid:` part shows that image from its part (the
frame's policy still allows no script and no remote image), its quote folded too. Ann writes to Bob:
files added by the file picker and by a drop, one removed again, one refused for being larger than
the server's maxSizeUpload with a message saying so; the draft in Drafts over IMAP carries the three
files, it is closed and opened again from Drafts with them, and Bob's copy over IMAP has them
byte-identical. Ann forwards the first message: Bob gets its
three attachments with it. Bob (a second browser context) finds with "Has attachments" the two
messages that have them and not the one that has none, narrows by received dates, opens Ann's
message and downloads a file byte-identical. Screenshots of each view go to the test's temporary
directory.

Skipped without chromium or the npm packages, as interop/test_web.py is.
"""

import hashlib
import os
import smtplib
import struct
import zlib
from email.message import EmailMessage
from pathlib import Path

import pytest

from test_web import ANN, ANN_PW, BOB, BOB_PW, DOMAIN, drive, imap_messages, node_modules, wait_for

SCRIPT = Path(__file__).parent / "web" / "attachments.cjs"
STEP_TIMEOUT = 60
# The largest upload the server takes (dav.max_request_body, the session's maxSizeUpload).
MAX_UPLOAD = 1024 * 1024
REPORT = hashlib.sha256(b"report").digest() * 3000  # 96,000 bytes of binary
HOSTILE = (b"<!doctype html><html><body><script>localStorage.setItem('pwned', '1');"
           b"document.title = 'pwned';</script><p>hostile</p></body></html>")
HOSTILE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" onload="localStorage.setItem(\'pwned\', \'2\')">'
               b"<script>localStorage.setItem('pwned', '3')</script><rect width='9' height='9'/></svg>")


def png(width=8, height=8) -> bytes:
    """A red PNG of this size (RFC 2083: signature, IHDR, IDAT, IEND)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\0" + b"\xff\0\0" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


PNG = png()
# What the browser attaches (written to files it picks, or dropped).
PICKED = {"data.bin": os.urandom(200_000), "notes.txt": "Zeilen für Bob\n".encode() * 50}
DROPPED = {"dropped.csv": b"a,b\n1,2\n"}


def send(server, msg: EmailMessage, to=ANN):
    msg["From"] = "Carol Sender <carol@elsewhere.test>"
    msg["To"] = to
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.send_message(msg, "carol@elsewhere.test", [to])


def deliver_mail(server):
    report = EmailMessage()
    report["Subject"] = "Report attached"
    report.set_content("Here it is.\n\nOn Sat, 5 Dec 2026, Ann wrote:\n> Can you send the report?\n> Thanks\n")
    report.add_attachment(REPORT, maintype="application", subtype="pdf", filename="Bericht März.pdf")
    report.add_attachment(HOSTILE, maintype="text", subtype="html", filename="hostile.html")
    report.add_attachment(HOSTILE_SVG, maintype="image", subtype="svg+xml", filename="hostile.svg")
    send(server, report)
    inline = EmailMessage()
    inline["Subject"] = "Inline logo"
    inline.set_content("The logo (text part).")
    inline.add_alternative(
        '<html><body><p>Our new logo:</p><img id="logo" src="cid:logo.1@elsewhere.test" alt="logo">'
        '<div class="gmail_quote">On Friday Ann wrote:<blockquote>Old HTML quote</blockquote></div>'
        '</body></html>', subtype="html")
    inline.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<logo.1@elsewhere.test>",
                                         filename="logo.png")
    send(server, inline)
    plain = EmailMessage()
    plain["Subject"] = "No files here"
    plain.set_content("Just text.")
    send(server, plain, to=BOB)


def attachments_of(msg) -> dict[str, bytes]:
    """File name → decoded content of each attachment."""
    return {part.get_filename(): part.get_payload(decode=True) for part in msg.iter_attachments()}


def check_draft(server):
    """The draft in Drafts carries the files (saved a moment after the last upload)."""
    def saved():
        found = imap_messages(server, "Drafts", ANN, ANN_PW).get("Files for Bob")
        return found is not None and attachments_of(found[1]) == {**PICKED, **DROPPED}
    wait_for(saved, "the draft in Drafts with its three files")


def check_sent(server):
    wait_for(lambda: "Files for Bob" in imap_messages(server, "INBOX"), "Bob receives the files")
    _, msg = imap_messages(server, "INBOX")["Files for Bob"]
    assert attachments_of(msg) == {**PICKED, **DROPPED}
    assert "Here are the files." in msg.get_body(("plain",)).get_content()


def check_forwarded(server):
    wait_for(lambda: "Fwd: Report attached" in imap_messages(server, "INBOX"), "Bob receives the forward")
    _, msg = imap_messages(server, "INBOX")["Fwd: Report attached"]
    assert attachments_of(msg) == {"Bericht März.pdf": REPORT, "hostile.html": HOSTILE, "hostile.svg": HOSTILE_SVG}


def test_web_attachments_in_chromium(relais_factory, tmp_path):
    modules = node_modules()
    if modules is None:
        pytest.skip("chromium or the web client's npm packages are not installed (scripts/test installs them)")
    server = relais_factory(listeners=["smtp", "imap"], settings={
        "imap": {"plaintext_auth_on_loopback": True}, "dav": {"max_request_body": MAX_UPLOAD}})
    server.admin("domain", "add", DOMAIN)
    server.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    server.admin("user", "add", BOB, "--password", BOB_PW, "--name", "Bob")
    server.start()
    deliver_mail(server)
    shots, downloads, files = tmp_path / "screenshots", tmp_path / "downloads", tmp_path / "files"
    for d in (shots, downloads, files):
        d.mkdir()
    for name, data in PICKED.items():
        (files / name).write_bytes(data)
    (files / "too-big.bin").write_bytes(b"\0" * (MAX_UPLOAD * 3 // 2))
    env = {**os.environ, "NODE_PATH": str(modules), "RELAIS_URL": server.https_url,
           "RELAIS_USER": ANN, "RELAIS_PASSWORD": ANN_PW, "RELAIS_COLLEAGUE": BOB, "RELAIS_COLLEAGUE_PASSWORD": BOB_PW,
           "RELAIS_SCREENSHOTS": str(shots), "RELAIS_DOWNLOADS": str(downloads), "RELAIS_FILES": str(files),
           "RELAIS_DROPPED": DROPPED["dropped.csv"].decode()}

    def on_step(step, _words):
        if step == "downloaded":
            assert (downloads / "report.pdf").read_bytes() == REPORT
            assert (downloads / "hostile.html").read_bytes() == HOSTILE
            assert (downloads / "visited-hostile.html").read_bytes() == HOSTILE
            assert (downloads / "hostile.svg").read_bytes() == HOSTILE_SVG
            assert (downloads / "visited-hostile.svg").read_bytes() == HOSTILE_SVG
        elif step == "draft":
            check_draft(server)
        elif step == "sent":
            check_sent(server)
        elif step == "forwarded":
            check_forwarded(server)
        elif step == "colleague-downloaded":
            assert (downloads / "bob-data.bin").read_bytes() == PICKED["data.bin"]

    steps = drive(SCRIPT, env, on_step, STEP_TIMEOUT)
    assert steps == ["downloaded", "inline-image", "draft", "sent", "forwarded", "searched", "colleague-downloaded"]
    assert {p.name for p in shots.iterdir()} >= {"message-attachments.png", "quoted-shown.png", "inline-image.png",
                                                 "compose-attachments.png", "search-attachments.png",
                                                 "colleague-message.png"}
