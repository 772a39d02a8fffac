"""A private Dovecot instance (Debian's package) as the reference IMAP server in differential tests.

    with DovecotPeer() as dc:
        c = IMAPClient("127.0.0.1", port=dc.port); c.login("anyone", dc.password)

Any user name logs in with `password`; mail is a maildir per user in a private directory under
/var/tmp (its mail processes run as `mail`, which cannot enter pytest's root-only temp dirs), which
`close()` removes. IMAP only, plain text on 127.0.0.1 at a port below the ephemeral range. Runs as
root: the Dovecot master needs it to switch to its own users.

`write_maildir(user, folders)` puts thousands of messages in place in a second, as files in the
user's Maildir before Dovecot has looked at it (APPEND of 10,000 takes minutes).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from imapclient import imap_utf7

from postfix_peer import free_port

DOVECOT = "/usr/sbin/dovecot"
# Maildir's info letters for the system flags (https://cr.yp.to/proto/maildir.html).
MAILDIR_FLAGS = {"\\Draft": "D", "\\Flagged": "F", "\\Answered": "R", "\\Seen": "S", "\\Deleted": "T"}
START_TIMEOUT = 20.0

CONFIG = """\
base_dir = {dir}/run
instance_name = relais-diff-{port}
listen = 127.0.0.1
protocols = imap
log_path = {dir}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = static
  args = password={password}
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={dir}/mail/%n
}}
mail_location = maildir:~/Maildir
first_valid_uid = 1
namespace inbox {{
  inbox = yes
  separator = /
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def require_dovecot() -> None:
    """Fail (never skip) when Dovecot is not installed."""
    if not os.access(DOVECOT, os.X_OK):
        raise AssertionError(f"{DOVECOT} is missing: these tests need Dovecot (dovecot-imapd), which scripts/test installs")


class DovecotPeer:
    password = "peer-pass"

    def __init__(self, base: str = "/var/tmp") -> None:
        """`base`: where its directory is made; /dev/shm for a mailbox of many thousand files,
        whose creation and removal on a disk take longer than the test's subject."""
        require_dovecot()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="relais-dovecot-", dir=base))
        os.chmod(self.dir, 0o755)
        (self.dir / "mail").mkdir()
        shutil.chown(self.dir / "mail", "mail", "mail")
        self.config = self.dir / "dovecot.conf"
        self.config.write_text(CONFIG.format(dir=self.dir, port=self.port, password=self.password))

    def __enter__(self) -> "DovecotPeer":
        # The master daemonizes; its children keep whatever fds they were given, so no pipes.
        with open(self.dir / "start.log", "wb") as log:
            subprocess.run([DOVECOT, "-c", str(self.config)], check=True, stdout=subprocess.DEVNULL, stderr=log,
                           timeout=30)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        self.close()
        raise AssertionError(f"Dovecot did not listen on {self.port}: {self.log_tail()}")

    def write_maildir(self, user: str, folders: dict) -> None:
        """Writes `folders` ({"INBOX": [...], "Work/2026": [...]}, each message a (content, flags
        and keywords, internal date as a POSIX time) triple) into `user`'s Maildir as Dovecot keeps
        it: a folder in `.Work.2026` (levels joined by dots, names in modified UTF-7, RFC 3501
        §5.1.3), a message in `cur/` named with its flags' letters and its sizes, keywords as
        letters listed in the folder's `dovecot-keywords`, the internal date as the file's mtime.
        Only before Dovecot has opened the user's mail."""
        home = self.dir / "mail" / user
        for name, messages in folders.items():
            folder = home / "Maildir"
            if name != "INBOX":
                folder /= "." + ".".join(imap_utf7.encode(level).decode() for level in name.split("/"))
            for sub in ("cur", "new", "tmp"):
                (folder / sub).mkdir(parents=True, exist_ok=True)
            keywords: list[str] = []
            for i, (content, flags, when) in enumerate(messages):
                content = content.replace(b"\r\n", b"\n")  # stored as Dovecot does, served with CRLF
                letters = sorted(MAILDIR_FLAGS[f] for f in flags if f in MAILDIR_FLAGS)
                for k in (f for f in flags if f not in MAILDIR_FLAGS):
                    if k not in keywords:
                        keywords.append(k)
                    letters.append(chr(ord("a") + keywords.index(k)))
                size, virtual = len(content), len(content) + content.count(b"\n")
                path = folder / "cur" / f"{int(when)}.M{i}P1.relais-peer,S={size},W={virtual}:2,{''.join(letters)}"
                path.write_bytes(content)
                os.utime(path, (when, when))
            if keywords:
                (folder / "dovecot-keywords").write_text("".join(f"{n} {k}\n" for n, k in enumerate(keywords)))
        subprocess.run(["chown", "-R", "mail:mail", str(home)], check=True)

    def log_tail(self) -> str:
        try:
            return "\n".join((self.dir / "dovecot.log").read_text(errors="replace").splitlines()[-20:])
        except OSError:
            return "(no log)"

    def close(self) -> None:
        subprocess.run([DOVECOT, "-c", str(self.config), "stop"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=30)
        for _ in range(100):
            if not (self.dir / "run" / "master.pid").exists():
                break
            time.sleep(0.1)
        shutil.rmtree(self.dir, ignore_errors=True)

    def __exit__(self, *exc) -> None:
        self.close()
