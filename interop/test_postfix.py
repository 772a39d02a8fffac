"""SMTP with a real peer MTA: Postfix from Debian's package, in both directions.

Postfix -> Relais: Postfix routes example.test to Relais's smtp listener with a transport map.
Relais -> Postfix: Relais routes peer.test (`[smtp.routes]`) to Postfix, which delivers it into a
Maildir. Each test has its own Postfix instance (postfix_peer.py). Postfix is not optional: without
it these tests fail; scripts/test installs it.
"""

import smtplib
import ssl
import time
from email import message_from_string, policy
from email.message import EmailMessage

import pytest

from postfix_peer import PostfixPeer, free_port, require_postfix

DOMAIN = "example.test"  # Relais's
PEER = "peer.test"  # Postfix's


@pytest.fixture
def postfix_factory(request, tmp_path):
    """`make(name, **PostfixPeer kwargs)` returns an unstarted instance under tmp_path/NAME; every one
    is stopped (and its private directory removed) at teardown, its maillog printed if the test failed."""
    require_postfix()
    peers: list[PostfixPeer] = []

    def make(name: str = "postfix", **kwargs) -> PostfixPeer:
        peer = PostfixPeer(tmp_path / name, name=name, **kwargs)
        peers.append(peer)
        return peer

    yield make

    report = getattr(request.node, "report_call", None)
    failed = report is not None and report.failed
    errors = []
    for peer in peers:
        if failed:
            print(peer.log_tail())
        try:
            peer.close()
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))


@pytest.fixture
def pair(relais_factory, postfix_factory):
    """Relais and Postfix, each routing the other's domain to the other. Relais has alice and bob;
    Postfix has the mailboxes someone@ and sender@peer.test and refuses other peer.test addresses."""
    postfix_port = free_port()  # Relais's route must name it before Postfix starts
    r = relais_factory(
        listeners=["smtp", "submissions"],
        extra_toml=f"""
[smtp]
retry_initial_secs = 1
retry_max_secs = 2
[smtp.routes]
"{PEER}" = "127.0.0.1:{postfix_port}"
""",
    ).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", f"alice@{DOMAIN}", "--password", "alice-pw", "--name", "Alice")
    r.admin("user", "add", f"bob@{DOMAIN}", "--password", "bob-pw")
    postfix = postfix_factory("mx", port=postfix_port, relay={DOMAIN: r.addr("smtp")},
                              mailboxes=[f"someone@{PEER}", f"sender@{PEER}"]).start()
    return r, postfix


def insecure():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def wait_for(predicate, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def listing(r, user):
    """`relais admin mail list`: [(uid, subject)]."""
    out = r.admin("mail", "list", user).stdout
    return [(line.split()[0], line.split("  ", 2)[2] if line.count("  ") >= 2 else "") for line in out.splitlines()]


def body_of(raw: str) -> str:
    """The body of a message as it is, with LF line ends."""
    return raw.replace("\r\n", "\n").partition("\n\n")[2]


# Things a relaying MTA could damage: 8-bit text, a line that starts with a dot, trailing spaces,
# a long line, and many lines.
BODY = ("Grüße aus Köln — ünïcödé\n"
        ".a line that starts with a dot\n"
        "..and one with two\n"
        "trailing spaces   \n"
        + "x" * 900 + "\n"
        + "".join(f"line {i}\n" for i in range(200))
        + ".\n")


def test_postfix_relays_to_relais(pair):
    r, postfix = pair
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = f"Sender <sender@{PEER}>", f"alice@{DOMAIN}", "through postfix"
    m["Message-ID"] = "<pf-1@peer.test>"
    m.set_content(BODY, cte="8bit")
    with smtplib.SMTP(*postfix.addr, local_hostname="client.test") as s:
        s.send_message(m, from_addr=f"sender@{PEER}", to_addrs=[f"alice@{DOMAIN}"])
    sent = postfix.wait_for_status(f"alice@{DOMAIN}", "sent")
    assert "relay=127.0.0.1[127.0.0.1]:%d" % r.addr("smtp")[1] in sent, sent
    assert wait_for(lambda: [s for _, s in listing(r, f"alice@{DOMAIN}")] == ["through postfix"]), \
        listing(r, f"alice@{DOMAIN}")
    uid = listing(r, f"alice@{DOMAIN}")[0][0]
    raw = r.admin("mail", "get", f"alice@{DOMAIN}", uid).stdout
    msg = message_from_string(raw, policy=policy.default)
    # Newest trace field first: Relais's, naming Postfix's EHLO and TLS (Postfix's
    # smtp_tls_security_level = may took Relais's STARTTLS), then Postfix's own.
    received = msg.get_all("Received")
    assert len(received) == 2, received
    assert received[0].startswith(f"from {postfix.hostname} ([127.0.0.1])"), received[0]
    assert "by mail.test (Relais) with ESMTPS id" in received[0], received[0]
    assert f"by {postfix.hostname} (Postfix) with ESMTP id" in received[1], received[1]
    assert f"for <alice@{DOMAIN}>" in received[1], received[1]
    assert msg["Return-Path"] == f"<sender@{PEER}>"
    assert msg["Message-ID"] == "<pf-1@peer.test>" and msg["Subject"] == "through postfix"
    assert body_of(raw) == BODY, "the body arrived changed"
    assert "TLS connection established to 127.0.0.1" in postfix.log()


def test_unknown_relais_recipient_bounces_in_postfix(pair):
    r, postfix = pair
    with smtplib.SMTP(*postfix.addr) as s:
        # Postfix accepts any address in a relay domain: Relais refuses it when Postfix relays it.
        s.sendmail(f"sender@{PEER}", [f"nobody@{DOMAIN}"],
                   f"From: sender@{PEER}\r\nTo: nobody@{DOMAIN}\r\nSubject: lost\r\n\r\nx\r\n".encode())
    bounced = postfix.wait_for_status(f"nobody@{DOMAIN}", "bounced")
    assert "550 5.1.1" in bounced, bounced
    assert "relay=127.0.0.1[127.0.0.1]" in bounced, bounced
    # Postfix's bounce goes back to the sender, whose mailbox is on Postfix itself.
    dsn = postfix.wait_for_mail()[0]
    assert dsn["Subject"] == "Undelivered Mail Returned to Sender", dsn["Subject"]
    assert dsn["To"] == f"sender@{PEER}"
    text = dsn.as_string()
    assert f"Final-Recipient: rfc822; nobody@{DOMAIN}" in text and "550 5.1.1" in text, text
    assert listing(r, f"alice@{DOMAIN}") == []


def test_relais_delivers_to_postfix(pair):
    r, postfix = pair
    host, port = r.addr("submissions")
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = f"Alice <alice@{DOMAIN}>", f"someone@{PEER}", "to the peer"
    m.set_content(BODY, cte="8bit")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        s.send_message(m, to_addrs=[f"someone@{PEER}"])
    got = postfix.wait_for_mail()
    assert len(got) == 1
    msg = got[0]
    assert msg["Subject"] == "to the peer"
    assert msg["Delivered-To"] == f"someone@{PEER}"
    assert msg["Return-Path"] == f"<alice@{DOMAIN}>"
    received = msg.get_all("Received")
    assert len(received) == 2, received
    # Postfix's, naming Relais's EHLO, then the one Relais wrote when alice submitted it.
    assert received[0].startswith("from mail.test "), received[0]
    assert f"by {postfix.hostname} (Postfix) with ESMTP" in received[0], received[0]
    assert received[1].startswith("from ") and "by mail.test (Relais) with ESMTPSA id" in received[1], received[1]
    assert "Message-ID" in msg and "Date" in msg
    assert msg.get_content() == BODY
    sent = postfix.wait_for_status(f"someone@{PEER}", "sent")
    assert "relay=virtual" in sent and "delivered to maildir" in sent, sent
    assert wait_for(lambda: r.admin("queue", "list").stdout.strip() == ""), r.admin("queue", "list").stdout


def test_postfix_refuses_unknown_peer_user_and_relais_bounces(pair):
    r, postfix = pair
    host, port = r.addr("submissions")
    with smtplib.SMTP_SSL(host, port, context=insecure()) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        s.sendmail(f"alice@{DOMAIN}", [f"ghost@{PEER}", f"someone@{PEER}"],
                   f"From: alice@{DOMAIN}\r\nSubject: half\r\n\r\nx\r\n".encode())
    assert wait_for(lambda: "Undelivered mail returned to sender" in [s for _, s in listing(r, f"alice@{DOMAIN}")]), \
        listing(r, f"alice@{DOMAIN}")
    uid = next(u for u, s in listing(r, f"alice@{DOMAIN}") if s == "Undelivered mail returned to sender")
    dsn = r.admin("mail", "get", f"alice@{DOMAIN}", uid).stdout
    assert f"Final-Recipient: rfc822; ghost@{PEER}" in dsn and "Action: failed" in dsn, dsn
    assert "550 5.1.1" in dsn and "User unknown in virtual mailbox table" in dsn, dsn
    assert [m["Subject"] for m in postfix.wait_for_mail()] == ["half"]
    assert any("reject: RCPT from" in line and f"<ghost@{PEER}>" in line for line in postfix.log().splitlines())


def test_two_postfix_instances_at_once(postfix_factory):
    """Separate directories, ports, syslog names and logs; one relays to the other."""
    b = postfix_factory("b", mailboxes=["@b.test"]).start()
    a = postfix_factory("a", relay={"b.test": b.addr}, mailboxes=["@a.test"]).start()
    assert a.port != b.port and a.syslog_name != b.syslog_name
    with smtplib.SMTP(*a.addr) as s:
        s.sendmail("x@a.test", ["one@a.test", "two@b.test"], b"Subject: both\r\n\r\nx\r\n")
    (to_a,) = a.wait_for_mail()
    (to_b,) = b.wait_for_mail()
    assert to_a["Delivered-To"] == "one@a.test" and to_b["Delivered-To"] == "two@b.test"
    assert f"by {b.hostname} (Postfix)" in to_b.get_all("Received")[0]
    assert f"by {a.hostname} (Postfix)" in to_b.get_all("Received")[1]
    for peer, other in ((a, b), (b, a)):
        log = peer.log()
        assert f" {peer.syslog_name}/" in log and f" {other.syslog_name}/" not in log
