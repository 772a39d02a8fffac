"""A private Postfix instance (Debian's package) as the peer MTA of Relais in tests.

Each `PostfixPeer` has its own `config_directory` (`DIR/etc`), `queue_directory` (`DIR/spool`) and
`data_directory`, its own `syslog_name` and its own SMTP port on 127.0.0.1, so several can run at
once beside the system's Postfix (which is never started or touched). It logs to `DIR/maillog`
through Postfix's postlog service. Runs as root: `postfix start` needs it.

    with PostfixPeer(tmp_path / "postfix", relay={"example.test": relais.addr("smtp")},
                     mailboxes=["@peer.test"]) as pf:
        smtplib.SMTP(*pf.addr).sendmail(...)      # relayed to Relais
        pf.wait_for_mail()                        # what Relais delivered to *@peer.test

`relay` routes domains to a next hop with a transport map (`smtp:[host]:port`) and lists them in
`relay_domains`. `mailboxes` are the entries of a virtual mailbox map: `user@domain`, or `@domain`
for every address there; their domains are virtual mailbox domains, where Postfix refuses other
addresses with `550 5.1.1`. All of them are delivered into one Maildir (`maildir`), as the
unprivileged user `nobody`. Anything else, bounces to senders in no domain of ours included, goes
to the `error` transport: nothing leaves the machine and no DNS is asked. Retries come after 1-2 s.

Permissions: pytest's temp dirs have ancestors only root may enter. What only root opens by path
(main.cf and master.cf, the queue, which every daemon enters as root, and the maillog, which postlogd
opens as root) lives under DIR. What unprivileged processes open by path cannot: Postfix's master
opens `data_directory/master.lock` as `postfix`, and virtual(8) writes the Maildir as `nobody`. Both
go in a private directory in /tmp (`private`, 0711) that `close()` (and leaving the `with` block)
removes, after copying the Maildir to `DIR/maildir` for a look after the test; `stop()` alone keeps
them, and `start()` can follow. For the same reason the lookup tables are `inline:` ones, in main.cf:
virtual(8) got `Permission denied` on a texthash table under DIR.

The port is picked when the object is made, so that a server started before Postfix can already be
configured to send to it (`port`).
"""

from __future__ import annotations

import os
import pwd
import re
import random
import shutil
import socket
import subprocess
import tempfile
import time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

POSTFIX = "/usr/sbin/postfix"
START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
MAILDIR_USER = "nobody"

# Nothing chrooted (the directories are not set up for it) and only our own listener: no pickup of
# the system's maildrop (our queue has its own), no submission/smtps services.
MASTER_CF = """\
# service       type      private unpriv chroot wakeup maxproc command
{listen}  inet      n       -      n      -      -       smtpd
pickup          unix      n       -      n      60     1       pickup
cleanup         unix      n       -      n      -      0       cleanup
qmgr            unix      n       -      n      300    1       qmgr
tlsmgr          unix      -       -      n      1000?  1       tlsmgr
rewrite         unix      -       -      n      -      -       trivial-rewrite
bounce          unix      -       -      n      -      0       bounce
defer           unix      -       -      n      -      0       bounce
trace           unix      -       -      n      -      0       bounce
verify          unix      -       -      n      -      1       verify
flush           unix      n       -      n      1000?  0       flush
proxymap        unix      -       -      n      -      -       proxymap
proxywrite      unix      -       -      n      -      1       proxymap
smtp            unix      -       -      n      -      -       smtp
relay           unix      -       -      n      -      -       smtp
showq           unix      n       -      n      -      -       showq
error           unix      -       -      n      -      -       error
retry           unix      -       -      n      -      -       error
discard         unix      -       -      n      -      -       discard
virtual         unix      -       n      n      -      -       virtual
anvil           unix      -       -      n      -      1       anvil
scache          unix      -       -      n      -      1       scache
postlog         unix-dgram n      -      n      -      1       postlogd
"""


def free_port() -> int:
    """A port free now and outside the kernel's ephemeral range, so that a server binding
    port 0 meanwhile (Relais on its listeners) cannot be handed it before Postfix binds it."""
    low = 32768
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        pass
    for _ in range(200):
        port = random.randrange(max(1024, low - 12000), low)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below the ephemeral range")


def require_postfix() -> None:
    """Fail (never skip) when Postfix is not installed."""
    if not os.access(POSTFIX, os.X_OK):
        raise AssertionError(
            f"{POSTFIX} is missing: these tests need Postfix, from Debian's package, which scripts/test "
            "installs (run scripts/test as root once, or `apt-get install postfix` after debconf-set-selections "
            "of `postfix postfix/main_mailer_type select No configuration`)")
    if os.geteuid() != 0:
        raise AssertionError("a private Postfix instance must be started as root (as scripts/test runs)")


class PostfixPeer:
    def __init__(self, base_dir, *, name: str | None = None, relay=None, mailboxes=(),
                 settings=None, port: int | None = None):
        """`relay`: {domain: (host, port) or "host:port"}; `mailboxes`: ["user@domain" or "@domain"];
        `settings`: more main.cf parameters, over ours. `name` (default: DIR's name) makes the
        syslog_name `postfix-NAME-PORT` (unique among running instances) and the hostname
        `NAME.postfix.test`."""
        require_postfix()
        self.dir = Path(base_dir).resolve()
        self.name = re.sub(r"[^a-z0-9-]", "-", (name or self.dir.name).lower())
        self.etc, self.spool = self.dir / "etc", self.dir / "spool"
        self.maillog = self.dir / "maillog"
        self.hostname = f"{self.name}.postfix.test"
        self.port = port or free_port()
        self.syslog_name = f"postfix-{self.name}-{self.port}"
        self.relay = {d: _hostport(hop) for d, hop in (relay or {}).items()}
        self.mailboxes = list(mailboxes)
        self.mailbox_domains = sorted({m.rpartition("@")[2] for m in self.mailboxes})
        self.settings = dict(settings or {})
        self.private: Path | None = None  # made at the first start(): data_directory and the Maildir
        self.maildir: Path | None = None
        self.closed = False
        self.master_pid: int | None = None

    @property
    def addr(self) -> tuple[str, int]:
        return "127.0.0.1", self.port

    # --- configuration --------------------------------------------------------------------

    def main_cf(self) -> dict[str, str]:
        params = {
            "compatibility_level": "3.6",
            "queue_directory": str(self.spool),
            "data_directory": str(self.private / "data"),
            "mail_owner": "postfix",
            "setgid_group": "postdrop",
            "syslog_name": self.syslog_name,
            "maillog_file": str(self.maillog),
            "maillog_file_prefixes": str(self.dir),
            "inet_interfaces": "127.0.0.1",
            "inet_protocols": "ipv4",
            "myhostname": self.hostname,
            "mydomain": "postfix.test",
            "myorigin": "$myhostname",
            "mydestination": "",
            "mynetworks": "127.0.0.0/8",
            "alias_maps": "",
            "alias_database": "",
            "local_recipient_maps": "",
            "biff": "no",
            "append_dot_mydomain": "no",
            "smtpd_peername_lookup": "no",  # no reverse DNS for 127.0.0.1
            "smtpd_relay_restrictions": "permit_mynetworks, reject_unauth_destination",
            "relay_domains": " ".join(self.relay),
            "transport_maps": _inline({d: f"smtp:[{h}]:{p}" for d, (h, p) in self.relay.items()}),
            # Only our domains: everything else (a bounce to some sender) fails here, without DNS.
            "default_transport": "error:this test peer delivers only to its own domains",
            "smtp_tls_security_level": "may",
            "smtp_tls_loglevel": "1",
            "smtpd_tls_security_level": "none",
            # Fast retries: a test waits seconds, not the default minutes.
            "queue_run_delay": "1s",
            "minimal_backoff_time": "1s",
            "maximal_backoff_time": "2s",
            "smtp_connect_timeout": "5s",
            "delay_warning_time": "0h",
        }
        if self.mailbox_domains:
            user = pwd.getpwnam(MAILDIR_USER)
            params.update({
                "virtual_mailbox_domains": " ".join(self.mailbox_domains),
                "virtual_mailbox_base": str(self.private),
                # A trailing slash: Maildir. All share the one in private/mail/.
                "virtual_mailbox_maps": _inline({m: "mail/" for m in self.mailboxes}),
                "virtual_uid_maps": f"static:{user.pw_uid}",
                "virtual_gid_maps": f"static:{user.pw_gid}",
            })
        params.update(self.settings)
        return params

    def write_config(self) -> None:
        if self.closed:
            raise RuntimeError(f"postfix {self.name} was closed")
        for d in (self.dir, self.etc, self.spool):
            d.mkdir(parents=True, exist_ok=True)
        if self.private is None:
            self.private = Path(tempfile.mkdtemp(prefix=f"relais-postfix-{self.name}-"))
            self.private.chmod(0o711)
            (self.private / "data").mkdir(mode=0o700)
            shutil.chown(self.private / "data", "postfix", "postfix")
            if self.mailbox_domains:
                self.maildir = self.private / "mail"
                self.maildir.mkdir(mode=0o700)
                user = pwd.getpwnam(MAILDIR_USER)
                os.chown(self.maildir, user.pw_uid, user.pw_gid)
        main = self.main_cf()
        (self.etc / "main.cf").write_text(
            f"# Written by interop/postfix_peer.py for the instance {self.name}\n"
            + "".join(f"{k} = {v}\n" for k, v in main.items()))
        (self.etc / "master.cf").write_text(MASTER_CF.format(listen=f"127.0.0.1:{self.port}".ljust(15)))

    # --- process --------------------------------------------------------------------------

    def postfix(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run([POSTFIX, "-c", str(self.etc), *args], capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, timeout=60)
        if check and proc.returncode != 0:
            raise AssertionError(f"`postfix -c {self.etc} {' '.join(args)}` exited {proc.returncode}\n"
                                 f"{proc.stdout}{proc.stderr}\n{self.log_tail()}")
        return proc

    def start(self, timeout: float = START_TIMEOUT) -> "PostfixPeer":
        if self.running:
            raise RuntimeError(f"postfix {self.name} is already running")
        self.write_config()
        self.postfix("start")  # also makes the queue's subdirectories, with their owners and modes
        self.master_pid = int((self.spool / "pid" / "master.pid").read_text().strip())
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(self.addr, timeout=5) as s:
                    if s.recv(512).startswith(b"220"):
                        return self
            except OSError:
                pass
            if time.monotonic() > deadline or not self.running:
                log = self.log_tail()
                self.stop()
                raise AssertionError(f"postfix {self.name} is not answering on {self.addr}\n{log}")
            time.sleep(0.1)

    @property
    def running(self) -> bool:
        return self.master_pid is not None and Path(f"/proc/{self.master_pid}").exists()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """`postfix stop`, then wait for the master to exit."""
        if not self.running:
            self.master_pid = None
            return
        self.postfix("stop", check=False)
        deadline = time.monotonic() + timeout
        while self.running:
            if time.monotonic() > deadline:
                self.postfix("abort", check=False)
                raise AssertionError(f"postfix {self.name} (pid {self.master_pid}) ignored `postfix stop`\n"
                                     + self.log_tail())
            time.sleep(0.05)
        self.master_pid = None

    def close(self) -> None:
        """Stop, then remove the private directory; the Maildir moves to DIR/maildir (where it stays
        for a look after the test, and where `messages()` still reads it)."""
        try:
            self.stop()
        finally:
            self.closed = True
            if self.private is not None:
                if self.maildir is not None:
                    keep = self.dir / "maildir"
                    shutil.rmtree(keep, ignore_errors=True)
                    shutil.copytree(self.maildir, keep, symlinks=True)
                    self.maildir = keep
                shutil.rmtree(self.private)
                self.private = None

    def __enter__(self) -> "PostfixPeer":
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, *exc) -> None:
        self.close()

    # --- what happened --------------------------------------------------------------------

    def log(self) -> str:
        try:
            return self.maillog.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 40) -> str:
        text = self.log()
        if not text:
            return f"(no {self.maillog})"
        return f"--- last lines of {self.maillog} ---\n" + "\n".join(text.splitlines()[-lines:])

    def deliveries(self, recipient: str) -> list[str]:
        """The maillog lines about delivery attempts to `recipient` (`status=sent`, `bounced`, ...)."""
        return [line for line in self.log().splitlines() if f" to=<{recipient}>," in line and " status=" in line]

    def wait_for_status(self, recipient: str, status: str, timeout: float = 30) -> str:
        """The first maillog line with `status=STATUS` for `recipient`; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.deliveries(recipient):
                if f" status={status} " in line:
                    return line
            time.sleep(0.1)
        raise AssertionError(f"no status={status} for <{recipient}> after {timeout}s\n{self.log_tail()}")

    def messages(self) -> list[EmailMessage]:
        """Messages delivered into the Maildir so far, oldest first."""
        if self.maildir is None or not (self.maildir / "new").is_dir():
            return []
        files = sorted((self.maildir / "new").iterdir(), key=lambda p: (p.stat().st_mtime, p.name))
        return [message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]

    def wait_for_mail(self, count: int = 1, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(found := self.messages()) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{len(self.messages())} of {count} message(s) in {self.maildir} after {timeout}s\n"
                             + self.log_tail())


def _inline(table: dict[str, str]) -> str:
    return "inline:{ " + ", ".join(f"{k}={v}" for k, v in table.items()) + " }" if table else ""


def _hostport(hop) -> tuple[str, int]:
    if isinstance(hop, str):
        host, _, port = hop.rpartition(":")
        return host.strip("[]"), int(port)
    host, port = hop
    return host, int(port)
