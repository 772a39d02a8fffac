"""A private Dovecot instance (Debian's package) as the reference IMAP server in differential tests.

    with DovecotPeer() as dc:
        c = IMAPClient("127.0.0.1", port=dc.port); c.login("anyone", dc.password)

Any user name logs in with `password`; mail is a maildir per user in a private directory under
/var/tmp (its mail processes run as `mail`, which cannot enter pytest's root-only temp dirs), which
`close()` removes. IMAP only, plain text on 127.0.0.1 at a port below the ephemeral range. Runs as
root: the Dovecot master needs it to switch to its own users.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from postfix_peer import free_port

DOVECOT = "/usr/sbin/dovecot"
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

    def __init__(self) -> None:
        require_dovecot()
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="relais-dovecot-", dir="/var/tmp"))
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
