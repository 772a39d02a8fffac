"""JMAP over WebSocket (RFC 8887) with the `websockets` library (an independent RFC 6455 client)
against the real binary over TLS: the session's capability, the handshake with and without the
`jmap` subprotocol, Core/echo and Mailbox/get answered with their request ids, push enabled and
woken by an SMTP delivery with the new Email state, a request over maxSizeRequest and bad JSON
answered with RequestErrors on a connection that stays usable, and a binary message refused.

The library's asyncio client is used, on an event loop of the test's own (`Ws`), not its threaded
`websockets.sync` client: that one reads the TLS connection in a thread while writing it from
another, and an OpenSSL connection is not safe for that. The TLS 1.3 session tickets a server
sends after the handshake were read at the moment the handshake request was written, and about
one connection in a few hundred lost its request (the server saw the TLS handshake and then
nothing, and the client's open timed out); with TLS 1.2 or the asyncio client, none in 2,000.
"""

import asyncio
import base64
import json
import smtplib
import ssl
import time

import pytest
import requests
import urllib3
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from harness import Relais

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
CORE, MAIL = "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"
WEBSOCKET = "urn:ietf:params:jmap:websocket"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("jmap-ws") / "data", listeners=["smtp"])
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW)
    with r:
        yield r


@pytest.fixture(scope="module")
def session(server):
    h, p = server.addr("https")
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (ANN, ANN_PW)
    return s.get(f"https://{h}:{p}/.well-known/jmap", timeout=30).json()


def tls():
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE  # the server's certificate is self-signed
    return ctx


class Ws:
    """An open WebSocket for synchronous tests: each call runs the connection's event loop until
    it is done (see the module's docstring for why not the library's threaded client)."""

    def __init__(self, loop, connection):
        self.loop, self.connection = loop, connection

    @property
    def subprotocol(self):
        return self.connection.subprotocol

    def send(self, message):
        self.loop.run_until_complete(self.connection.send(message))

    def recv(self, timeout=None):
        """The next message; TimeoutError if none comes within `timeout` (cancelling the
        library's recv loses nothing)."""
        return self.loop.run_until_complete(asyncio.wait_for(self.connection.recv(), timeout))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.loop.run_until_complete(self.connection.close())
        finally:
            self.loop.close()


def open_ws(session, subprotocols=("jmap",), password=ANN_PW):
    url = session["capabilities"][WEBSOCKET]["url"]
    auth = "Basic " + base64.b64encode(f"{ANN}:{password}".encode()).decode()

    async def opened():
        return await connect(url, ssl=tls(), subprotocols=list(subprotocols) if subprotocols else None,
                             additional_headers={"Authorization": auth}, open_timeout=10, max_size=None)

    loop = asyncio.new_event_loop()
    try:
        return Ws(loop, loop.run_until_complete(opened()))
    except BaseException:
        loop.close()
        raise


def receive(ws, timeout=10):
    return json.loads(ws.recv(timeout=timeout))


def ask(ws, message, pushed=None):
    """Sends a message and returns the next one that is not a push (pushes go to `pushed`)."""
    ws.send(message if isinstance(message, str) else json.dumps(message))
    while True:
        answer = receive(ws)
        if answer["@type"] != "StateChange":
            return answer
        if pushed is not None:
            pushed.append(answer)


def drain(ws, seconds=0.5):
    """The pushes that come within `seconds`."""
    out = []
    try:
        while True:
            out.append(json.loads(ws.recv(timeout=seconds)))
    except TimeoutError:
        return out


def request(calls, using=(CORE, MAIL), rid=None):
    r = {"@type": "Request", "using": list(using), "methodCalls": calls}
    if rid is not None:
        r["id"] = rid
    return r


def deliver(server, subject):
    raw = (f"From: carol@elsewhere.test\r\nTo: {ANN}\r\nSubject: {subject}\r\n"
           f"Message-ID: <{subject.replace(' ', '.')}@elsewhere.test>\r\n\r\nhello\r\n")
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.sendmail("carol@elsewhere.test", [ANN], raw)


def test_session_advertises_websocket(server, session):
    h, p = server.addr("https")
    assert session["capabilities"][WEBSOCKET] == {"url": f"wss://{h}:{p}/jmap/ws", "supportsPush": True}


def test_echo_and_mailboxes(session):
    account = session["primaryAccounts"][MAIL]
    with open_ws(session) as ws:
        assert ws.subprotocol == "jmap"
        r = ask(ws, request([["Core/echo", {"hello": [1, 2]}, "c0"]], rid="R1"))
        assert (r["@type"], r["requestId"]) == ("Response", "R1")
        assert r["methodResponses"] == [["Core/echo", {"hello": [1, 2]}, "c0"]]
        assert r["sessionState"] == session["state"]
        r = ask(ws, request([["Mailbox/get", {"accountId": account}, "m"]], rid="R2"))
        assert r["requestId"] == "R2"
        roles = {m["role"] for m in r["methodResponses"][0][1]["list"]}
        assert "inbox" in roles


def test_push_on_smtp_delivery(server, session):
    account = session["primaryAccounts"][MAIL]
    with open_ws(session) as ws:
        before = ask(ws, request([["Email/get", {"accountId": account, "ids": []}, "e"]]))
        before = before["methodResponses"][0][1]["state"]
        ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": ["Email", "Mailbox"]}))
        deliver(server, "pushed over websocket")
        change = receive(ws)
        assert change["@type"] == "StateChange" and change["pushState"]
        assert int(change["changed"][account]["Email"]) > int(before)
        # The delivery's commits are all told within a moment; the last push names the state
        # Email/get answers.
        change = ([change] + drain(ws))[-1]
        pushed = change["changed"][account]["Email"]
        after = ask(ws, request([["Email/get", {"accountId": account, "ids": []}, "e"]], rid="after"))
        assert after["methodResponses"][0][1]["state"] == pushed, "the push names the new Email state"
        # Disabled: a delivery pushes nothing, and the next answer is the request's.
        ws.send(json.dumps({"@type": "WebSocketPushDisable"}))
        deliver(server, "not pushed")
        time.sleep(0.5)
        assert ask(ws, request([], rid="quiet"))["requestId"] == "quiet"
        # The pushState of the last change brings what was missed at once.
        ws.send(json.dumps({"@type": "WebSocketPushEnable", "dataTypes": None, "pushState": change["pushState"]}))
        missed = receive(ws)
        assert missed["@type"] == "StateChange"
        assert int(missed["changed"][account]["Email"]) > int(pushed)


def test_request_over_max_size(session):
    limit = session["capabilities"][CORE]["maxSizeRequest"]
    with open_ws(session) as ws:
        big = json.dumps({**request([], rid="big"), "pad": "x" * limit})
        r = ask(ws, big)
        assert (r["@type"], r["type"], r["limit"]) == (
            "RequestError", "urn:ietf:params:jmap:error:limit", "maxSizeRequest")
        assert ask(ws, request([["Core/echo", {}, "c"]], rid="next"))["requestId"] == "next"


def test_bad_json_leaves_the_connection_usable(session):
    with open_ws(session) as ws:
        r = ask(ws, "{not json")
        assert (r["@type"], r["type"], r["status"]) == ("RequestError", "urn:ietf:params:jmap:error:notJSON", 400)
        r = ask(ws, {"@type": "Request", "id": "R9", "using": [CORE]})
        assert (r["type"], r["requestId"]) == ("urn:ietf:params:jmap:error:notRequest", "R9")
        r = ask(ws, {"@type": "Nonsense"})
        assert r["type"] == "urn:ietf:params:jmap:error:notRequest"
        r = ask(ws, request([["Core/echo", {"still": "here"}, "c"]], rid="R10"))
        assert (r["requestId"], r["methodResponses"][0][1]) == ("R10", {"still": "here"})
        # A binary message is not JMAP: closed with 1003 (RFC 6455 §7.4.1).
        ws.send(b"{}")
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
        assert closed.value.rcvd.code == 1003


def test_handshake_without_jmap_is_refused(session):
    for protocols in (None, ("chat",)):
        with pytest.raises(InvalidStatus) as refused:
            open_ws(session, subprotocols=protocols)
        assert refused.value.response.status_code == 400
        assert b"jmap" in refused.value.response.body
    with pytest.raises(InvalidStatus) as refused:
        open_ws(session, password="wrong")
    assert refused.value.response.status_code == 401
