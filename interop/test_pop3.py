"""POP3 end to end with Python's poplib and with fetchmail, a real POP3 client."""

import poplib
import shutil
import smtplib
import socket
import ssl
import subprocess
import time

import pytest

DOMAIN = "example.test"
USER, PASSWORD = f"alice@{DOMAIN}", "alice-pw"


def insecure():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@pytest.fixture
def pop(relais_factory):
    r = relais_factory(listeners=["smtp", "pop3", "pop3s"]).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    host, port = r.addr("smtp")
    with smtplib.SMTP(host, port) as s:
        for i in range(3):
            body = f"Subject: pop {i}\r\n\r\nline one\r\n.dot line\r\nline three\r\n"
            s.sendmail("x@elsewhere.test", [USER], body.encode())
    return r


def login(r):
    host, port = r.addr("pop3")
    p = poplib.POP3(host, port, timeout=10)
    p.stls(context=insecure())
    p.user(USER)
    p.pass_(PASSWORD)
    return p


def test_poplib_session(pop):
    host, port = pop.addr("pop3")
    p = poplib.POP3(host, port, timeout=10)
    caps = p.capa()
    assert "STLS" in caps and "UIDL" in caps and "TOP" in caps
    with pytest.raises(poplib.error_proto) as e:
        p.user(USER)
    assert b"STLS" in e.value.args[0], "no plain-text passwords"
    p.stls(context=insecure())
    assert "SASL" in p.capa() and "STLS" not in p.capa()
    p.user(USER)
    p.pass_(PASSWORD)
    count, size = p.stat()
    assert count == 3 and size > 0
    _, listing, _ = p.list()
    assert len(listing) == 3
    _, uids, _ = p.uidl()
    uids = [u.split()[1] for u in uids]
    assert len(set(uids)) == 3
    _, lines, _ = p.retr(1)
    text = b"\r\n".join(lines)
    assert b"Subject: pop 0" in text and b".dot line" in text, "dot-stuffing undone by the client"
    _, top, _ = p.top(2, 1)
    assert top[-1] == b"line one" and b"line three" not in top
    # A second session on the same maildrop is refused while this one holds it.
    host, port = pop.addr("pop3s")
    other = poplib.POP3_SSL(host, port, context=insecure(), timeout=10)
    other.user(USER)
    with pytest.raises(poplib.error_proto) as e:
        other.pass_(PASSWORD)
    assert b"IN-USE" in e.value.args[0]
    other.quit()
    p.dele(1)
    with pytest.raises(poplib.error_proto):
        p.retr(1)
    p.quit()
    # UIDL is stable for what is left; the deleted message is gone.
    p = poplib.POP3_SSL(host, port, context=insecure(), timeout=10)
    p.user(USER)
    p.pass_(PASSWORD)
    assert p.stat()[0] == 2
    _, again, _ = p.uidl()
    assert [u.split()[1] for u in again] == uids[1:]
    p.rset()
    p.quit()
    assert pop.admin("mail", "count", USER).stdout.strip() == "2"


def test_dropped_connection_deletes_nothing(pop):
    p = login(pop)
    p.dele(1)
    # Gone without QUIT: RFC 1939 §6, the UPDATE state is never entered.
    p.sock.shutdown(socket.SHUT_RDWR)
    p.sock.close()
    # The server notices the close and frees the maildrop a moment later.
    for _ in range(50):
        try:
            p = login(pop)
            break
        except poplib.error_proto as e:
            assert b"IN-USE" in e.args[0]
            time.sleep(0.1)
    else:
        pytest.fail("the maildrop stayed locked after the client went away")
    assert p.stat()[0] == 3
    p.quit()


def test_auth_plain_and_bad_password(pop):
    host, port = pop.addr("pop3s")
    p = poplib.POP3_SSL(host, port, context=insecure(), timeout=10)
    p.user(USER)
    with pytest.raises(poplib.error_proto) as e:
        p.pass_("wrong")
    assert b"[AUTH]" in e.value.args[0]
    import base64
    token = base64.b64encode(f"\0{USER}\0{PASSWORD}".encode()).decode()
    assert p._shortcmd(f"AUTH PLAIN {token}").startswith(b"+OK")
    assert p.stat()[0] == 3
    p.quit()


def test_fetchmail(pop, tmp_path):
    fetchmail = shutil.which("fetchmail")
    assert fetchmail, "fetchmail is installed by scripts/test"
    host, port = pop.addr("pop3s")
    out = tmp_path / "fetched"
    out.mkdir()
    rc = tmp_path / "fetchmailrc"
    rc.write_text(
        f"poll {host} service {port} protocol pop3 uidl\n"
        f"  user '{USER}' password '{PASSWORD}' ssl no sslcertck\n"
        f"  mda \"/bin/sh -c 'cat > {out}/msg.$$'\"\n"
    )
    rc.chmod(0o600)
    env = {"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    run = subprocess.run([fetchmail, "-f", str(rc), "--nosyslog", "--nodetach", "-v"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr
    fetched = sorted(p.read_text(errors="replace") for p in out.iterdir())
    assert len(fetched) == 3
    assert all("line three" in m for m in fetched)
    assert pop.admin("mail", "count", USER).stdout.strip() == "0", "fetchmail deletes what it fetched"


def test_revoked_app_password_ends_the_session(pop):
    """Issue 10 item 9: a session of a revoked credential ends at its next command, and what
    it marked with DELE stays (no UPDATE state, RFC 1939 §6)."""
    phone = pop.admin("app-password", "add", USER, "phone").stdout.strip().splitlines()[-1].strip()
    host, port = pop.addr("pop3")
    p = poplib.POP3(host, port, timeout=10)
    p.stls(context=insecure())
    p.user(USER)
    p.pass_(phone)
    assert p.stat()[0] == 3
    p.dele(1)
    pop.admin("app-password", "revoke", USER, "phone")
    # The admin command may run in another process: its change reaches the server's
    # notifications within a poll interval.
    deadline = time.monotonic() + 5
    with pytest.raises((poplib.error_proto, OSError)) as e:
        while time.monotonic() < deadline:
            p.noop()
            time.sleep(0.1)
    assert b"revoked" in str(e.value).encode() or isinstance(e.value, OSError), e.value
    assert pop.admin("mail", "count", USER).stdout.strip() == "3", "DELE of an ended session removes nothing"
    with pytest.raises(poplib.error_proto):
        q = poplib.POP3(host, port, timeout=10)
        q.stls(context=insecure())
        q.user(USER)
        q.pass_(phone)
