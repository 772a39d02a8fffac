"""SPF, DKIM and DMARC on inbound mail, DKIM signing of outbound mail: Relais's one resolver is
pointed at a local DNS fixture; dkimpy signs and verifies as an independent implementation."""

import base64
import smtplib
import ssl
import subprocess
import time

import dkim
import pytest

from dns_fixture import DnsFixture
from smtp_sink import Sink

DOMAIN = "example.test"


def openssl_key():
    pem = subprocess.run(["openssl", "genrsa", "2048"], capture_output=True, check=True).stdout
    der = subprocess.run(["openssl", "rsa", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True).stdout
    return pem, base64.b64encode(der).decode()


@pytest.fixture
def world(relais_factory):
    dns, sink = DnsFixture(), Sink()
    r = relais_factory(listeners=["smtp", "submissions"], extra_toml=f"""
[dns]
nameservers = ["127.0.0.1:{dns.port}"]
[smtp]
trusted_networks = []
[smtp.routes]
"remote.test" = "127.0.0.1:{sink.port}"
""").start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", f"alice@{DOMAIN}", "--password", "alice-pw")
    yield r, dns, sink
    sink.close()
    dns.close()


def send(r, sender, header_from, subject, extra=b""):
    host, port = r.addr("smtp")
    msg = f"From: {header_from}\r\nTo: alice@{DOMAIN}\r\nSubject: {subject}\r\nMessage-ID: <{subject}@x>\r\n\r\nbody\r\n".encode()
    with smtplib.SMTP(host, port, local_hostname="client.test") as s:
        s.sendmail(sender, [f"alice@{DOMAIN}"], extra + msg)


def listing(r, mailbox="INBOX"):
    out = r.admin("mail", "list", f"alice@{DOMAIN}", mailbox).stdout
    return [line.split("  ", 2)[2] for line in out.splitlines() if line.count("  ") >= 2]


def raw(r, uid, mailbox="INBOX"):
    return r.admin("mail", "get", f"alice@{DOMAIN}", str(uid), "--mailbox", mailbox).stdout


def test_spf_and_dmarc(world):
    r, dns, _ = world
    dns.add("good.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns.add("_dmarc.good.test", "TXT", "v=DMARC1; p=reject")
    dns.add("bad.test", "TXT", "v=spf1 ip4:192.0.2.1 -all")
    dns.add("_dmarc.bad.test", "TXT", "v=DMARC1; p=reject")
    dns.add("quar.test", "TXT", "v=spf1 -all")
    dns.add("_dmarc.quar.test", "TXT", "v=DMARC1; p=quarantine")
    dns.add("none.test", "TXT", "v=spf1 -all")

    send(r, "a@good.test", "a@good.test", "aligned")
    with pytest.raises(smtplib.SMTPDataError) as e:
        send(r, "a@bad.test", "a@bad.test", "forged")
    assert e.value.smtp_code == 550 and b"DMARC" in e.value.smtp_error
    send(r, "a@quar.test", "a@quar.test", "suspicious")
    send(r, "a@none.test", "a@none.test", "no policy",
         extra=f"Authentication-Results: mail.test; spf=pass smtp.mailfrom=a@none.test\r\n".encode())

    assert listing(r) == ["aligned", "no policy"]
    assert listing(r, "Junk") == ["suspicious"]
    good = raw(r, 1)
    assert good.index("Authentication-Results: mail.test") < good.index("Received: from client.test")
    assert "spf=pass" in good and "dmarc=pass" in good
    nopolicy = raw(r, 2)
    assert "spf=fail" in nopolicy and "dmarc=none" in nopolicy
    assert nopolicy.count("Authentication-Results: mail.test") == 1, "a forged result claiming to be ours is removed"


def test_dkim_inbound_verified(world):
    r, dns, _ = world
    pem, pub = openssl_key()
    dns.add("sel._domainkey.signed.test", "TXT", f"v=DKIM1; k=rsa; p={pub}")
    dns.add("signed.test", "TXT", "v=spf1 -all")
    dns.add("_dmarc.signed.test", "TXT", "v=DMARC1; p=reject")
    msg = f"From: a@signed.test\r\nTo: alice@{DOMAIN}\r\nSubject: signed\r\nMessage-ID: <s@x>\r\n\r\nbody\r\n".encode()
    sig = dkim.sign(msg, b"sel", b"signed.test", pem, include_headers=[b"from", b"to", b"subject", b"message-id"])
    host, port = r.addr("smtp")
    with smtplib.SMTP(host, port, local_hostname="client.test") as s:
        s.sendmail("bounce@signed.test", [f"alice@{DOMAIN}"], sig + msg)
    assert listing(r) == ["signed"], "DKIM passes and aligns, so DMARC passes despite SPF failing"
    text = raw(r, 1)
    assert "dkim=pass" in text and "dmarc=pass" in text and "spf=fail" in text


def test_outbound_dkim_signature_verifies(world):
    r, dns, sink = world
    out = r.admin("dkim", "generate", DOMAIN).stdout
    record = out.splitlines()[-1]
    assert record.startswith(f"relais._domainkey.{DOMAIN}. IN TXT")
    txt = "".join(part for part in record.split('"')[1::2])
    assert txt.startswith("v=DKIM1; k=rsa; p=")
    dns.add(f"relais._domainkey.{DOMAIN}", "TXT", txt)
    host, port = r.addr("submissions")
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    with smtplib.SMTP_SSL(host, port, context=ctx) as s:
        s.login(f"alice@{DOMAIN}", "alice-pw")
        s.sendmail(f"alice@{DOMAIN}", ["carol@remote.test"],
                   f"From: alice@{DOMAIN}\r\nTo: carol@remote.test\r\nSubject: signed by relais\r\n\r\nhello\r\n".encode())
    deadline = time.time() + 20
    while not sink.messages and time.time() < deadline:
        time.sleep(0.1)
    assert sink.messages, r.log_tail()
    data = sink.messages[0][2]
    assert data.startswith(b"DKIM-Signature: ")
    assert dkim.verify(data, dnsfunc=lambda name, timeout=5: dns.lookup_txt(name)), data[:600]
