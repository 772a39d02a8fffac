"""COMPRESS=DEFLATE (RFC 4978) with Python's imaplib, its socket wrapped by hand in raw deflate
(zlib wbits=-15) after the tagged OK: on implicit TLS and after STARTTLS, a large APPEND and FETCH
through the compressed stream, IDLE woken by an SMTP delivery, a second COMPRESS refused."""

import imaplib
import smtplib
import threading
import zlib

import pytest

from test_imap import DOMAIN, PASSWORD, USER, deliver, insecure

# imaplib checks the state itself; let every state through so the server is what refuses.
imaplib.Commands.setdefault("COMPRESS", ("NONAUTH", "AUTH", "SELECTED"))


class Deflating:
    """imaplib with COMPRESS DEFLATE: reads and writes go through zlib once it is active."""

    _z = None

    def compress(self):
        typ, data = self._simple_command("COMPRESS", "DEFLATE")
        if typ == "OK":
            self._z = (zlib.compressobj(wbits=-15), zlib.decompressobj(wbits=-15))
            self._plain = b""
            self.wire_in = self.plain_in = 0
        return typ, data

    def send(self, data):
        if self._z is None:
            return super().send(data)
        c = self._z[0]
        self.sock.sendall(c.compress(data) + c.flush(zlib.Z_SYNC_FLUSH))

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise imaplib.IMAP4.abort("connection closed")
        plain = self._z[1].decompress(chunk)
        self.wire_in += len(chunk)
        self.plain_in += len(plain)
        self._plain += plain

    def read(self, size):
        if self._z is None:
            return super().read(size)
        while len(self._plain) < size:
            self._fill()
        out, self._plain = self._plain[:size], self._plain[size:]
        return out

    def readline(self):
        if self._z is None:
            return super().readline()
        while b"\n" not in self._plain:
            self._fill()
        end = self._plain.index(b"\n") + 1
        out, self._plain = self._plain[:end], self._plain[end:]
        return out


class DeflatingTLS(Deflating, imaplib.IMAP4_SSL):
    pass


class DeflatingPlain(Deflating, imaplib.IMAP4):
    pass


@pytest.fixture
def imap(relais_factory):
    r = relais_factory(listeners=["smtp", "imap", "imaps"]).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    deliver(r, "first")
    return r


def idle_until_exists(c, r):
    """IDLE by hand (imaplib has no IDLE before 3.14), woken by a delivery over SMTP."""
    tag = c._new_tag()
    c.send(tag + b" IDLE\r\n")
    assert c.readline().startswith(b"+"), "IDLE continuation"
    threading.Timer(0.3, deliver, args=(r, "wake up")).start()
    line = c.readline()
    while not line.endswith(b"EXISTS\r\n"):
        line = c.readline()
    c.send(b"DONE\r\n")
    while not (line := c.readline()).startswith(tag):
        pass
    assert b" OK " in line, line
    return line


def exercise(c, r):
    assert "COMPRESS=DEFLATE" not in c.capabilities, "offered only after authentication"
    c.login(USER, PASSWORD)
    typ, caps = c.capability()
    assert b"COMPRESS=DEFLATE" in caps[0], caps
    assert c.compress()[0] == "OK"
    typ, data = c.compress()
    assert typ == "NO" and b"[COMPRESSIONACTIVE]" in data[0], (typ, data)
    assert c.select("INBOX")[0] == "OK"
    # Large and compressible: 64-byte lines, 3 MiB. The APPEND literal goes through the inflater
    # in many chunks; the FETCH answer through the deflater in many pieces.
    body = b"".join(b"line %06d of a large and very repetitive message body...\r\n" % i for i in range(50_000))
    message = b"From: a@example.test\r\nSubject: big\r\n\r\n" + body
    assert c.append("INBOX", None, None, message)[0] == "OK"
    before_wire, before_plain = c.wire_in, c.plain_in
    typ, data = c.fetch("2", "(BODY.PEEK[])")
    assert typ == "OK" and data[0][1] == message
    wire, plain = c.wire_in - before_wire, c.plain_in - before_plain
    assert wire * 4 < plain, f"compressed on the wire: {wire} octets for {plain}"
    idle_until_exists(c, r)
    typ, data = c.search(None, "SUBJECT", "wake")
    assert typ == "OK" and data[0] == b"3", data
    assert c.logout()[0] == "BYE"


def test_compress_on_implicit_tls(imap):
    host, port = imap.addr("imaps")
    c = DeflatingTLS(host, port, ssl_context=insecure(), timeout=20)
    exercise(c, imap)


def test_compress_after_starttls(imap):
    host, port = imap.addr("imap")
    c = DeflatingPlain(host, port, timeout=20)
    c.starttls(insecure())
    exercise(c, imap)


def test_compress_before_login_and_unknown_algorithm(imap):
    host, port = imap.addr("imaps")
    c = imaplib.IMAP4_SSL(host, port, ssl_context=insecure(), timeout=20)
    with pytest.raises(imaplib.IMAP4.error):
        c._simple_command("COMPRESS", "DEFLATE")
    c.login(USER, PASSWORD)
    with pytest.raises(imaplib.IMAP4.error):
        c._simple_command("COMPRESS", "LZ4")
    # Still uncompressed and usable.
    assert c.noop()[0] == "OK"
    c.logout()
