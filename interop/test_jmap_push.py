"""JMAP push subscriptions (RFC 8620 §7.2) end to end: a push service played by a small HTTP
server of the test's own; a subscription made over JMAP (`requests`), its PushVerification
received and the code echoed; a StateChange POSTed when mail arrives over SMTP; with RFC 8291
keys the push is decrypted by an independent implementation (`http_ece`, on `cryptography`'s
P-256); the push service answering 410 ends the subscription; a server with the default
configuration refuses to push to a loopback address (SSRF) and never verifies it."""

import base64
import json
import queue
import smtplib
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
import requests
import urllib3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from harness import Relais

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, PW = f"ann@{DOMAIN}", "correct horse battery"
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"]
PUSH_OK = {"jmap": {"push_allow_http": True, "push_allow_private": True}}


class PushService:
    """Records each POST (path, headers by lower-case name, body) and answers `status` (per path)."""

    def __init__(self):
        self.got = queue.Queue()
        self.status = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                outer.got.put((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status.get(self.path, 201))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def next(self, timeout=10):
        return self.got.get(timeout=timeout)

    def close(self):
        self.httpd.shutdown()


@pytest.fixture
def push():
    p = PushService()
    yield p
    p.close()


def start(tmp_path, settings):
    r = Relais(tmp_path / "data", listeners=("smtp",), settings=settings)
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", PW)
    return r


def api(server, calls):
    h, p = server.addr("https")
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (ANN, PW)
    r = s.post(f"https://{h}:{p}/jmap/api", json={"using": USING, "methodCalls": calls}, timeout=30)
    r.raise_for_status()
    return [m[1] for m in r.json()["methodResponses"]]


def subscribe(server, url, **extra):
    obj = {"deviceClientId": "phone-1", "url": url, **extra}
    out = api(server, [["PushSubscription/set", {"create": {"k": obj}}, "0"]])[0]
    assert "k" in out["created"], out
    return out["created"]["k"]["id"]


def deliver(server, subject):
    h, p = server.addr("smtp")
    with smtplib.SMTP(h, p, timeout=30) as s:
        s.sendmail("someone@elsewhere.example", [ANN],
                   f"From: someone@elsewhere.example\r\nTo: {ANN}\r\nSubject: {subject}\r\n\r\nhello\r\n")


def account_id(server):
    h, p = server.addr("https")
    r = requests.get(f"https://{h}:{p}/.well-known/jmap", auth=(ANN, PW), verify=False, timeout=30)
    return r.json()["primaryAccounts"]["urn:ietf:params:jmap:mail"]


def test_verified_subscription_gets_state_changes_until_gone(tmp_path, push):
    with start(tmp_path, PUSH_OK) as server:
        sid = subscribe(server, push.url("/plain"), types=["Email", "Mailbox"])
        path, headers, body = push.next()
        assert path == "/plain" and headers["content-type"].startswith("application/json")
        assert int(headers["ttl"]) > 0
        verification = json.loads(body)
        assert verification == {"@type": "PushVerification", "pushSubscriptionId": sid,
                                "verificationCode": verification["verificationCode"]}
        # Nothing but the verification before the code comes back.
        deliver(server, "before verification")
        with pytest.raises(queue.Empty):
            push.next(timeout=2)
        out = api(server, [["PushSubscription/set",
                            {"update": {sid: {"verificationCode": verification["verificationCode"]}}}, "0"]])[0]
        assert sid in out["updated"], out
        deliver(server, "after verification")
        _, headers, body = push.next(timeout=30)
        change = json.loads(body)
        assert change["@type"] == "StateChange"
        states = change["changed"][account_id(server)]
        assert set(states) == {"Email", "Mailbox"}, change
        # The push service says the subscription is gone: the server destroys it.
        push.status["/plain"] = 410
        deliver(server, "to a gone subscription")
        push.next(timeout=30)
        for _ in range(50):
            got = api(server, [["PushSubscription/get", {"ids": None}, "0"]])[0]
            if not got["list"]:
                break
            time.sleep(0.2)
        assert got["list"] == [], got


def test_encrypted_push_is_read_by_http_ece(tmp_path, push):
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(serialization.Encoding.X962,
                                               serialization.PublicFormat.UncompressedPoint)
    auth = b"0123456789abcdef"
    b64 = lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")  # noqa: E731
    with start(tmp_path, PUSH_OK) as server:
        sid = subscribe(server, push.url("/sealed"), keys={"p256dh": b64(public), "auth": b64(auth)})
        _, headers, body = push.next()
        assert headers["content-encoding"] == "aes128gcm"
        plain = http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm")
        verification = json.loads(plain)
        assert verification["pushSubscriptionId"] == sid
        api(server, [["PushSubscription/set",
                      {"update": {sid: {"verificationCode": verification["verificationCode"]}}}, "0"]])
        deliver(server, "sealed")
        _, headers, body = push.next(timeout=30)
        change = json.loads(http_ece.decrypt(body, private_key=private, auth_secret=auth, version="aes128gcm"))
        assert change["@type"] == "StateChange" and account_id(server) in change["changed"]


def test_default_configuration_refuses_loopback_and_http(tmp_path, push):
    with start(tmp_path, {"jmap": {"push_allow_http": True}}) as server:
        # http is allowed here, loopback is not: the verification never reaches it.
        subscribe(server, push.url("/ssrf"))
        with pytest.raises(queue.Empty):
            push.next(timeout=3)
    with start(tmp_path / "strict", None) as server:
        out = api(server, [["PushSubscription/set",
                            {"create": {"k": {"deviceClientId": "d", "url": push.url("/x")}}}, "0"]])[0]
        assert out["notCreated"]["k"]["properties"] == ["url"], out
