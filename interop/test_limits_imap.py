"""Issue 10, items 6 and 13, against the real binary with its configuration: the per-account
collection limits (`[store] max_collections`, `max_collection_depth`) answer IMAP CREATE with
NO [LIMIT] (RFC 5530) and DAV MKCALENDAR with 403, for imaplib and raw HTTP; `/readyz` is ready
when the store is; mailbox names with control characters or a fake Other Users namespace are
refused."""

import imaplib

import pytest
import requests
import urllib3

from test_imap import insecure

urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
USER, PASSWORD = f"alice@{DOMAIN}", "alice-pw"
# Provisioning makes six mailboxes and one calendar (plus the schedule inbox and outbox).
LIMITS = {"store": {"max_collections": 9, "max_collection_depth": 3},
          "dav": {"plaintext_auth_on_loopback": True}}


@pytest.fixture
def relais(relais_factory):
    r = relais_factory(listeners=["imaps"], settings=LIMITS).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    return r


def login(r):
    host, port = r.addr("imaps")
    m = imaplib.IMAP4_SSL(host, port, ssl_context=insecure(), timeout=20)
    m.login(USER, PASSWORD)
    return m


def test_imap_create_past_the_limits(relais):
    m = login(relais)
    assert m.create("a/b/c")[0] == "OK"
    typ, data = m.create("a/b/c/d")
    assert typ == "NO" and b"[LIMIT]" in data[0], data
    typ, data = m.create("x")  # the tenth mailbox
    assert typ == "NO" and b"[LIMIT]" in data[0], data
    for name in ('"a&AAA-b"', '"Other Users/bob@example.test/Fake"', '"other users/x"'):
        typ, data = m._simple_command("CREATE", name)
        assert typ == "NO", (name, data)
    typ, listed = m.list()
    assert typ == "OK" and len(listed) == 9, listed
    m.logout()


def test_dav_mkcalendar_past_the_limit(relais):
    s = requests.Session()
    s.auth, s.verify, s.trust_env = (USER, PASSWORD), False, False
    made = []
    for i in range(12):
        status = s.request("MKCALENDAR", f"{relais.https_url}/dav/calendars/{USER}/extra-{i}/").status_code
        made.append(status)
        if status != 201:
            break
    assert made[-1] == 403, made
    assert made.count(201) >= 1, made


def test_readyz(relais):
    r = requests.get(relais.http_url + "/readyz", timeout=10)
    assert r.status_code == 200 and r.text.strip() == "ready"
