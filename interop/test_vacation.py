"""Out-of-office end to end: set with `relais admin user vacation`, answered at delivery of a
message sent with smtplib, the reply read back with imaplib (a colleague) and seen in the
outbound queue at a peer SMTP server (someone outside), once per sender."""

import imaplib
import smtplib
import time

import pytest
from smtp_sink import Sink

DOMAIN = "example.test"
ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"


@pytest.fixture
def relais(relais_factory):
    sink = Sink()  # the outside world: where replies to elsewhere.test go
    r = relais_factory(listeners=["smtp", "imap"], settings={"imap": {"plaintext_auth_on_loopback": True}},
                       extra_toml=f'[smtp.routes]\n"elsewhere.test" = "127.0.0.1:{sink.port}"\n').start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ALICE, "--password", "alice-pw", "--name", "Alice Martin")
    r.admin("user", "add", BOB, "--password", "bob-pw")
    r.sink = sink
    yield r
    sink.close()


def send(r, sender, to=ALICE, subject="Budget"):
    with smtplib.SMTP(*r.addr("smtp")) as s:
        s.sendmail(sender, [to], f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
                                 f"Message-ID: <{subject}@x>\r\n\r\nhello\r\n".encode())


def eventually(check, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    return check()


def inbox_of(r, user, password):
    c = imaplib.IMAP4(*r.addr("imap"))
    c.login(user, password)
    c.select("INBOX")
    _, data = c.search(None, "ALL")
    messages = []
    for n in data[0].split():
        _, parts = c.fetch(n, "(RFC822)")
        messages.append(parts[0][1].decode())
    c.logout()
    return messages


def test_vacation_reply_once_per_sender(relais):
    shown = relais.admin("user", "vacation", ALICE).stdout
    assert "vacation: off" in shown
    with pytest.raises(AssertionError):  # on without a text is refused
        relais.admin("user", "vacation", ALICE, "--on")
    out = relais.admin("user", "vacation", ALICE, "--on", "--text", "Away until Monday.",
                       "--internal-text", "Back Monday; ask Carol.").stdout
    assert "vacation: on" in out and "Away until Monday." in out

    send(relais, BOB)
    replies = eventually(lambda: inbox_of(relais, BOB, "bob-pw"))
    assert len(replies) == 1, replies
    reply = replies[0]
    for part in ("Back Monday; ask Carol.", "Auto-Submitted: auto-replied", "Subject: Auto: Budget",
                 "In-Reply-To: <Budget@x>"):
        assert part in reply, (part, reply)

    send(relais, "carol@elsewhere.test", subject="Plans")
    assert eventually(lambda: relais.sink.messages), "a reply to someone outside, through the queue"
    sender, rcpts, data = relais.sink.messages[0]
    assert (sender, rcpts) == ("", ["carol@elsewhere.test"])  # null reverse-path (RFC 3834 §3.3)
    assert b"Away until Monday." in data and b"Subject: Auto: Plans" in data

    # The same senders again in this period: no second reply.
    send(relais, BOB, subject="Again")
    send(relais, "carol@elsewhere.test", subject="Again")
    time.sleep(1.5)
    assert len(inbox_of(relais, BOB, "bob-pw")) == 1
    assert len(relais.sink.messages) == 1

    off = relais.admin("user", "vacation", ALICE, "--off").stdout
    assert "vacation: off" in off
