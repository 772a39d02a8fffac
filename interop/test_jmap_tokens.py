"""API tokens as bearer tokens (RFC 6750) with independent clients: jmapc's
`Client.create_with_api_token` on a token made by `relais admin api-token add` and on one made by
the user over JMAP (`ApiToken/set`, the account's password confirmed); an EventSource and a DAV
PROPFIND with the same header; a wrong token answered 401 with a Bearer challenge; a revoked
token refused at once."""

import json

import pytest
import requests
import urllib3
from jmapc import Client
from jmapc.methods import MailboxGet

from harness import Relais

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
USING = ["urn:ietf:params:jmap:core", "urn:relais:jmap:security"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("tokens") / "data")
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW)
    with r:
        yield r


def base(server):
    h, p = server.addr("https")
    return f"https://{h}:{p}"


def session(auth=None, token=None):
    s = requests.Session()
    s.verify, s.trust_env = False, False
    if auth:
        s.auth = auth
    if token:
        s.headers["Authorization"] = f"Bearer {token}"
    return s


def jmapc_client(server, token):
    c = Client.create_with_api_token(base(server).removeprefix("https://"), token)
    c.requests_session.verify = False
    c.requests_session.trust_env = False
    return c


def mailbox_roles(c):
    return {m.role for m in c.request(MailboxGet(ids=None), raise_errors=True, single_response=True).data}


def test_admin_token_with_jmapc_eventsource_and_dav(server):
    made = server.admin("api-token", "add", ANN, "script", "--days", "7")
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("rlt_") and len(token) == 68, made.stdout
    assert "inbox" in mailbox_roles(jmapc_client(server, token))
    listed = server.admin("api-token", "list", ANN).stdout
    assert '"script"' in listed and "expires" in listed and "last used" in listed, listed

    # EventSource with the same header: the states come first.
    s = session(token=token)
    with s.get(f"{base(server)}/jmap/eventsource?types=*&closeafter=no&ping=0", stream=True, timeout=10) as r:
        assert r.status_code == 200 and r.headers["content-type"] == "text/event-stream"
        first = next(r.iter_lines(decode_unicode=True))
        assert first == "event: state", first
    # DAV takes it too.
    r = s.request("PROPFIND", f"{base(server)}/dav/", headers={"Depth": "0"}, timeout=10)
    assert r.status_code == 207, r.text

    # Revoked by the administrator: refused at once, with RFC 6750's challenge.
    token_id = listed.split()[0]
    server.admin("api-token", "revoke", ANN, token_id)
    r = session(token=token).get(f"{base(server)}/jmap/session", timeout=10)
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer") and "invalid_token" in r.headers["www-authenticate"]


def test_user_token_over_jmap(server):
    def call(s, name, args):
        body = {"using": USING, "methodCalls": [[name, args, "c"]]}
        r = s.post(f"{base(server)}/jmap/api", data=json.dumps(body), timeout=30,
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 200, r.text
        name, args, _ = r.json()["methodResponses"][0]
        return name, args

    basic = session(auth=(ANN, ANN_PW))
    account = basic.get(f"{base(server)}/jmap/session", timeout=10).json()["primaryAccounts"][USING[1]]
    name, made = call(basic, "ApiToken/set", {"accountId": account, "currentPassword": ANN_PW,
                                              "create": {"t": {"name": "laptop"}}})
    assert name == "ApiToken/set", made
    created = made["created"]["t"]
    token = created["token"]
    assert created["expires"] is None
    assert "inbox" in mailbox_roles(jmapc_client(server, token))

    # A token cannot make another (the account's password is asked for), nor is any other shape taken.
    bearer = session(token=token)
    name, refused = call(bearer, "ApiToken/set", {"accountId": account, "currentPassword": token,
                                                  "create": {"t": {"name": "more"}}})
    assert name == "error" and refused["type"] == "forbidden", refused
    for bad in ["rlt_" + "0" * 64, token.upper(), "not a token"]:
        assert session(token=bad).get(f"{base(server)}/jmap/session", timeout=10).status_code == 401

    # Revoked by the user: the token logs in no more.
    name, gone = call(basic, "ApiToken/set", {"accountId": account, "destroy": [created["id"]]})
    assert gone["destroyed"] == [created["id"]], gone
    assert bearer.get(f"{base(server)}/jmap/session", timeout=10).status_code == 401
