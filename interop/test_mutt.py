"""mutt, a real IMAP client, driven without a person: a muttrc written by the test, the keys to
press given with `-e 'push …'`, and a pseudo-terminal for its screen (mutt has no batch mode for
reading mail). It tags, copies to a new folder, flags, deletes and expunges over IMAPS; the effect
is then checked with imaplib."""

import os
import pty
import select
import shutil
import smtplib
import subprocess
import time

import pytest
from imapclient import IMAPClient

from test_imap import DOMAIN, PASSWORD, USER, insecure

SUBJECTS = ["keep one", "spam one", "keep two", "spam two", "keep three"]


@pytest.fixture
def seeded(relais_factory):
    r = relais_factory(listeners=["smtp", "imaps"]).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    with smtplib.SMTP(*r.addr("smtp")) as s:
        for i, subject in enumerate(SUBJECTS):
            s.sendmail("x@elsewhere.test", [USER], f"From: X <x@elsewhere.test>\r\nSubject: {subject}\r\nMessage-ID: <m{i}@x>\r\n\r\nbody {i}\r\n".encode())
    return r


def mutt(tmp, r, keys, timeout=60):
    """Runs mutt on INBOX with `keys` pushed, on a pseudo-terminal; returns its exit status and
    what it drew (for the failure message)."""
    host, port = r.addr("imaps")
    rc = tmp / "muttrc"
    rc.write_text(f"""set folder="imaps://{host}:{port}/"
set spoolfile="+INBOX"
set imap_user="{USER}"
set imap_pass="{PASSWORD}"
# The server's self-signed certificate, trusted as if accepted once.
set certificate_file="{r.cert_path}"
set ssl_verify_host=no
set mail_check=0
set imap_keepalive=300
set timeout=1
set header_cache=""
set message_cachedir=""
set record=""
set copy=no
set move=no
set delete=yes
set quit=yes
set confirmcreate=no
set confirmappend=no
set wait_key=no
set beep=no
set sort=date
""")
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="vt100", HOME=str(tmp), LINES="40", COLUMNS="120")
    proc = subprocess.Popen([shutil.which("mutt"), "-n", "-F", str(rc), "-e", f"push '{keys}'"],
                            stdin=slave, stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    screen = b""
    deadline = time.time() + timeout
    while proc.poll() is None and time.time() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                screen += os.read(master, 65536)
            except OSError:
                break
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    os.close(master)
    return proc.returncode, screen.decode("utf-8", "replace")


def test_mutt_copy_flag_delete(seeded, tmp_path):
    assert shutil.which("mutt"), "mutt is installed by scripts/test"
    keys = "".join([
        "<tag-pattern>~s keep<enter>",
        "<tag-prefix><copy-message>=Archive<enter>",
        "<tag-prefix><flag-message>",
        "<untag-pattern>~A<enter>",
        "<delete-pattern>~s spam<enter>",
        "<sync-mailbox>",
        "<quit>",
    ])
    code, screen = mutt(tmp_path, seeded, keys)
    assert code == 0, screen[-3000:]

    c = IMAPClient(*seeded.addr("imaps"), ssl=True, ssl_context=insecure(), timeout=20)
    c.login(USER, PASSWORD)
    c.select_folder("INBOX")
    left = c.fetch(c.search(["ALL"]), ["ENVELOPE", "FLAGS"])
    subjects = sorted(m[b"ENVELOPE"].subject.decode() for m in left.values())
    assert subjects == ["keep one", "keep three", "keep two"], (subjects, screen[-3000:])
    assert all(b"\\Flagged" in m[b"FLAGS"] for m in left.values()), left
    c.select_folder("Archive")
    archived = c.fetch(c.search(["ALL"]), ["ENVELOPE", "FLAGS"])
    assert sorted(m[b"ENVELOPE"].subject.decode() for m in archived.values()) == ["keep one", "keep three", "keep two"]
    c.logout()
