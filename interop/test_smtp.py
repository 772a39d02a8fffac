"""SMTP end to end with independent clients: Python's smtplib and swaks against the real binary;
outbound delivery to a recording SMTP server; durability across SIGKILL."""

import concurrent.futures
import email
import shutil
import smtplib
import socket
import ssl
import subprocess
import time
from email.message import EmailMessage

import pytest

from smtp_sink import Sink

DOMAIN = "example.test"


def setup_users(r):
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", f"alice@{DOMAIN}", "--password", "alice-pw", "--name", "Alice")
    r.admin("user", "add", f"bob@{DOMAIN}", "--password", "bob-pw")
    r.admin("shared", "add", f"sales@{DOMAIN}")
    r.admin("shared", "grant", f"sales@{DOMAIN}", f"alice@{DOMAIN}")


def subjects(r, user):
    out = r.admin("mail", "list", user).stdout
    return [line.split("  ", 2)[2] if line.count("  ") >= 2 else "" for line in out.splitlines()]


def message(sender, to, subject, body="hello\n"):
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, to, subject
    m.set_content(body)
    return m


def insecure():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


@pytest.fixture
def mail_server(relais_factory):
    sink = Sink()
    r = relais_factory(
        listeners=["smtp", "submission", "submissions"],
        extra_toml=f"""
[smtp]
retry_initial_secs = 1
retry_max_secs = 2
delay_warning_secs = 2
[smtp.routes]
"remote.test" = "127.0.0.1:{sink.port}"
""",
    ).start()
    setup_users(r)
    yield r, sink
    sink.close()


def wait_for(predicate, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_inbound_with_smtplib(mail_server):
    r, _ = mail_server
    host, port = r.addr("smtp")
    with smtplib.SMTP(host, port, local_hostname="client.test") as s:
        code, caps = s.ehlo()
        assert code == 250
        for ext in (b"PIPELINING", b"8BITMIME", b"SMTPUTF8", b"SIZE", b"ENHANCEDSTATUSCODES", b"CHUNKING", b"DSN", b"STARTTLS"):
            assert ext in caps, ext
        refused = s.send_message(message("x@elsewhere.test", f"alice@{DOMAIN}", "from smtplib"),
                                 to_addrs=[f"alice@{DOMAIN}", f"nobody@{DOMAIN}"])
        assert list(refused) == [f"nobody@{DOMAIN}"] and refused[f"nobody@{DOMAIN}"][0] == 550
        # 8BITMIME and SMTPUTF8.
        body = "Grüße aus Köln\r\n".encode()
        s.sendmail("x@elsewhere.test", [f"bob@{DOMAIN}"],
                   b"Subject: utf8\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body,
                   mail_options=["BODY=8BITMIME", "SMTPUTF8"])
        # STARTTLS on port 25, then a message over TLS.
        s.starttls(context=insecure())
        s.ehlo()
        s.send_message(message("x@elsewhere.test", f"bob@{DOMAIN}", "over tls"))
    assert subjects(r, f"alice@{DOMAIN}") == ["from smtplib"]
    assert subjects(r, f"bob@{DOMAIN}") == ["utf8", "over tls"]
    raw = r.admin("mail", "get", f"bob@{DOMAIN}", "2").stdout
    assert "with ESMTPS id" in raw
    assert "Grüße" in r.admin("mail", "get", f"bob@{DOMAIN}", "1").stdout


def test_relay_refused_without_auth(mail_server):
    r, sink = mail_server
    host, port = r.addr("smtp")
    with smtplib.SMTP(host, port) as s:
        with pytest.raises(smtplib.SMTPRecipientsRefused) as e:
            s.sendmail("spam@elsewhere.test", ["victim@remote.test"], b"Subject: x\r\n\r\nx\r\n")
        assert e.value.recipients["victim@remote.test"][0] == 554
    assert sink.messages == []


def test_submission_starttls_auth_and_outbound(mail_server):
    r, sink = mail_server
    host, port = r.addr("submission")
    with smtplib.SMTP(host, port) as s:
        s.ehlo()
        assert not s.has_extn("auth"), "AUTH only after TLS"
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            s.sendmail(f"alice@{DOMAIN}", [f"bob@{DOMAIN}"], b"x")
        assert e.value.smtp_code == 530
        s.starttls(context=insecure())
        s.ehlo()
        assert s.has_extn("auth")
        with pytest.raises(smtplib.SMTPAuthenticationError):
            s.login(f"alice@{DOMAIN}", "wrong")
        s.login(f"alice@{DOMAIN}", "alice-pw")
        # Not hers: refused at MAIL FROM.
        with pytest.raises(smtplib.SMTPSenderRefused) as e:
            s.sendmail(f"bob@{DOMAIN}", [f"bob@{DOMAIN}"], b"Subject: x\r\n\r\nx\r\n")
        assert e.value.smtp_code == 550
        # Hers in the envelope but someone else's in From: refused at the end of DATA.
        with pytest.raises(smtplib.SMTPDataError) as e:
            s.sendmail(f"alice@{DOMAIN}", [f"bob@{DOMAIN}"], f"From: bob@{DOMAIN}\r\nSubject: x\r\n\r\nx\r\n".encode())
        assert e.value.smtp_code == 550
        # A shared mailbox she may send as; a local and a remote recipient; no Message-ID/Date.
        s.sendmail(f"sales@{DOMAIN}", [f"bob@{DOMAIN}", "carol@remote.test"],
                   f"From: Sales <sales@{DOMAIN}>\r\nSubject: offer\r\n\r\nbuy\r\n".encode())
    assert subjects(r, f"bob@{DOMAIN}") == ["offer"]
    local = r.admin("mail", "get", f"bob@{DOMAIN}", "1").stdout
    assert "Message-ID: <" in local and "Date: " in local and "with ESMTPSA" in local
    assert wait_for(lambda: len(sink.messages) == 1), r.log_tail()
    sender, rcpts, data = sink.messages[0]
    assert (sender, rcpts) == (f"sales@{DOMAIN}", ["carol@remote.test"])
    assert b"Subject: offer" in data and b"Message-ID: <" in data
    assert wait_for(lambda: r.admin("queue", "list").stdout.strip() == ""), r.admin("queue", "list").stdout


def test_submissions_implicit_tls(mail_server):
    r, _ = mail_server
    host, port = r.addr("submissions")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"bob@{DOMAIN}", "bob-pw")
        s.send_message(message(f"bob@{DOMAIN}", f"alice@{DOMAIN}", "via 465"))
    assert subjects(r, f"alice@{DOMAIN}") == ["via 465"]


def test_permanent_failure_bounces_to_sender(mail_server):
    r, sink = mail_server
    host, port = r.addr("submissions")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        s.sendmail(f"alice@{DOMAIN}", ["reject-me@remote.test", "ok@remote.test"],
                   f"From: alice@{DOMAIN}\r\nSubject: partly\r\n\r\nx\r\n".encode())
    assert wait_for(lambda: "Undelivered mail returned to sender" in subjects(r, f"alice@{DOMAIN}")), r.log_tail()
    uid = subjects(r, f"alice@{DOMAIN}").index("Undelivered mail returned to sender") + 1
    dsn = r.admin("mail", "get", f"alice@{DOMAIN}", str(uid)).stdout
    report = email.message_from_string(dsn)
    assert (report.get_content_type(), report.get_param("report-type")) == ("multipart/report", "delivery-status")
    assert "Final-Recipient: rfc822; reject-me@remote.test" in dsn and "Action: failed" in dsn
    assert "ok@remote.test" not in dsn.split("message/delivery-status")[1].split("--")[0]
    assert "Return-Path: <>" in dsn
    assert [m[1] for m in sink.messages] == [["ok@remote.test"]]


def test_temporary_failure_is_retried_and_listed(mail_server):
    r, sink = mail_server
    host, port = r.addr("submissions")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        s.sendmail(f"alice@{DOMAIN}", ["later@remote.test"], f"From: alice@{DOMAIN}\r\nSubject: wait\r\n\r\nx\r\n".encode())
    assert wait_for(lambda: "attempts 2" in show_first(r)), show_first(r)
    qid = r.admin("queue", "list").stdout.split()[0]
    assert "451 4.3.0 try again later" in r.admin("queue", "show", qid).stdout
    r.admin("queue", "delete", qid)
    assert r.admin("queue", "list").stdout.strip() == ""


def show_first(r):
    listing = r.admin("queue", "list").stdout.split()
    return r.admin("queue", "show", listing[0]).stdout if listing else ""


def test_swaks(mail_server):
    r, _ = mail_server
    swaks = shutil.which("swaks")
    assert swaks, "swaks is installed by scripts/test"
    host, port = r.addr("smtp")
    ok = subprocess.run([swaks, "--server", f"{host}:{port}", "--from", "x@elsewhere.test", "--to", f"bob@{DOMAIN}",
                         "--header", "Subject: swaks plain", "--pipeline", "--tls"], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    host, port = r.addr("submission")
    ok = subprocess.run([swaks, "--server", f"{host}:{port}", "--from", f"alice@{DOMAIN}", "--to", f"bob@{DOMAIN}",
                         "--header", f"From: alice@{DOMAIN}", "--header", "Subject: swaks auth", "--tls",
                         "--auth", "LOGIN", "--auth-user", f"alice@{DOMAIN}", "--auth-password", "alice-pw"],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    bad = subprocess.run([swaks, "--server", f"{host}:{port}", "--from", f"alice@{DOMAIN}", "--to", f"bob@{DOMAIN}",
                          "--tls", "--auth", "PLAIN", "--auth-user", f"alice@{DOMAIN}", "--auth-password", "nope"],
                         capture_output=True, text=True)
    assert bad.returncode != 0 and "535" in bad.stdout
    assert subjects(r, f"bob@{DOMAIN}") == ["swaks plain", "swaks auth"]


def send_one(addr, i):
    try:
        with smtplib.SMTP(*addr, timeout=30) as s:
            s.sendmail("x@elsewhere.test", [f"bob@{DOMAIN}"], f"Subject: burst {i}\r\n\r\nbody {i}\r\n".encode())
        return i
    except (smtplib.SMTPException, OSError):
        return None


def test_sigkill_mid_burst_loses_nothing(relais_factory):
    r = relais_factory(listeners=["smtp"]).start()
    setup_users(r)
    addr = r.addr("smtp")
    accepted = []
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        futures = [pool.submit(send_one, addr, i) for i in range(400)]
        time.sleep(1.0)
        r.kill()
        for f in futures:
            i = f.result()
            if i is not None:
                accepted.append(i)
    r.start()
    stored = subjects(r, f"bob@{DOMAIN}")
    assert len(accepted) > 10, "the burst was running when the server died"
    for i in accepted:
        assert stored.count(f"burst {i}") == 1, f"burst {i} got 250 but is stored {stored.count(f'burst {i}')} times"
    # Anything stored that got no 250 was committed just before the kill: whole, never partial.
    for s in stored:
        assert s.startswith("burst "), s
    assert len(set(stored)) == len(stored), "no message stored twice"


def test_delay_warning(mail_server):
    r, _ = mail_server
    host, port = r.addr("submissions")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        s.sendmail(f"alice@{DOMAIN}", ["later-please@remote.test"],
                   f"From: alice@{DOMAIN}\r\nSubject: slow\r\n\r\nx\r\n".encode())
    assert wait_for(lambda: "Delivery delayed" in subjects(r, f"alice@{DOMAIN}"), 30), r.log_tail()
    uid = subjects(r, f"alice@{DOMAIN}").index("Delivery delayed") + 1
    dsn = r.admin("mail", "get", f"alice@{DOMAIN}", str(uid)).stdout
    assert "Action: delayed" in dsn and "Status: 4.3.0" in dsn
    # One warning only, while the retries go on.
    time.sleep(3)
    assert subjects(r, f"alice@{DOMAIN}").count("Delivery delayed") == 1


def test_queue_survives_sigkill_and_resumes(mail_server):
    r, sink = mail_server
    sink.defer = True
    host, port = r.addr("submissions")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        s.sendmail(f"alice@{DOMAIN}", ["dave@remote.test"], f"From: alice@{DOMAIN}\r\nSubject: persistent\r\n\r\nx\r\n".encode())
    assert wait_for(lambda: "not now" in show_first(r)), show_first(r)
    r.kill()
    listed = r.admin("queue", "list").stdout
    assert "dave@remote.test" in listed, "the queue is on disk while the server is down"
    sink.defer = False
    r.start()
    assert wait_for(lambda: any(m[1] == ["dave@remote.test"] for m in sink.messages), 30), r.log_tail()
    assert wait_for(lambda: r.admin("queue", "list").stdout.strip() == "")
    assert sum(1 for m in sink.messages if m[1] == ["dave@remote.test"]) == 1, "delivered once"


def raw_session(addr, data):
    """Sends `data` on a fresh SMTP connection after the greeting; returns every reply line."""
    with socket.create_connection(addr, timeout=10) as s:
        f = s.makefile("rb")
        f.readline()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        return [line.decode(errors="replace").rstrip() for line in f]


@pytest.mark.parametrize("fake", [b"\n.\r\n", b"\r\n.\n", b"\n.\n", b"\r.\r\n", b"\r\n.\r"])
def test_smuggling_is_never_a_second_message(mail_server, fake):
    """Issue 10 item 4 (RFC 5321 §4.1.1.4): only CRLF.CRLF ends DATA; the transaction smuggled
    behind a fake end is content of a message that is refused whole."""
    r, _ = mail_server
    envelope = b"MAIL FROM:<x@elsewhere.test>\r\nRCPT TO:<bob@" + DOMAIN.encode() + b">\r\nDATA\r\n"
    smuggled = envelope.replace(b"x@elsewhere.test", b"ceo@" + DOMAIN.encode()) + b"Subject: smuggled\r\n\r\npay\r\n"
    replies = raw_session(r.addr("smtp"), b"EHLO client.test\r\n" + envelope +
                          b"Subject: legit\r\n\r\nhi" + fake + smuggled + b".\r\nQUIT\r\n")
    finals = [line for line in replies if not line.startswith("250-")]
    assert [line[:3] for line in finals] == ["250", "250", "250", "354", "550", "221"], replies
    assert subjects(r, f"bob@{DOMAIN}") == []


@pytest.mark.parametrize("header", [
    f"From : CEO Bob <bob@{DOMAIN}>\r\nFrom: alice@{DOMAIN}\r\n",
    f"From\t: CEO Bob <bob@{DOMAIN}>\r\n",
    f"from:\r\n CEO Bob <bob@{DOMAIN}>\r\n",
    f"From: alice@{DOMAIN}\r\nSender : bob@{DOMAIN}\r\n",
    f"From: alice@{DOMAIN}\r\nFrom: alice@{DOMAIN}\r\n",
])
def test_submission_from_spoofing_spellings(mail_server, header):
    """Issue 10 item 5: every From and Sender field counts however it is spelled."""
    r, _ = mail_server
    host, port = r.addr("submissions")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        with pytest.raises(smtplib.SMTPDataError) as e:
            s.sendmail(f"alice@{DOMAIN}", [f"bob@{DOMAIN}"], (header + "Subject: spoof\r\n\r\nx\r\n").encode())
        assert e.value.smtp_code == 550
    assert subjects(r, f"bob@{DOMAIN}") == []


def test_bdat_zero_last_alone_is_not_a_message(mail_server):
    """Issue 10 item 13 (RFC 3030 §2): BDAT 0 LAST only ends a non-empty chunk sequence."""
    r, _ = mail_server
    replies = raw_session(r.addr("smtp"), b"EHLO client.test\r\nMAIL FROM:<x@elsewhere.test>\r\n"
                          b"RCPT TO:<bob@" + DOMAIN.encode() + b">\r\nBDAT 0 LAST\r\nQUIT\r\n")
    finals = [line for line in replies if not line.startswith("250-")]
    assert [line[:3] for line in finals] == ["250", "250", "250", "554", "221"], replies
    assert subjects(r, f"bob@{DOMAIN}") == []
