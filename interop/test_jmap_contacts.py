"""JMAP for Contacts (RFC 9610) against the real binary, across protocols: a ContactCard made
over JMAP is read over CardDAV as a vCard (parsed by vobject) and found by an
addressbook-query; a vCard PUT over CardDAV shows in ContactCard/changes and ContactCard/get;
a card changed over JMAP gets a new ETag over CardDAV; one destroyed over JMAP is gone over
CardDAV, and one deleted over CardDAV is in ContactCard/changes' destroyed. JMAP is spoken with
plain HTTP (requests) as any client would, CardDAV with requests and vobject.
"""

import json

import pytest
import requests
import urllib3
import vobject

from harness import Relais

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:contacts"]
CONTACTS = "urn:ietf:params:jmap:contacts"

GRACE = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:grace-dav\r\nFN:Grace Hopper\r\nN:Hopper;Grace;;;\r\n"
         "EMAIL;TYPE=INTERNET:grace@navy.example\r\nORG:US Navy\r\nEND:VCARD\r\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("jmap-contacts") / "data",
               settings={"dav": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    with r:
        yield r


def session():
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (ANN, ANN_PW)
    return s


def jmap(server, calls):
    r = session().post(f"{server.https_url}/jmap/api", data=json.dumps({"using": USING, "methodCalls": calls}),
                       headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()["methodResponses"]


def one(server, name, args):
    [[got, answer, _]] = jmap(server, [[name, args, "0"]])
    assert got == name, answer
    return answer


def account(server):
    s = session().get(f"{server.https_url}/.well-known/jmap", timeout=30).json()
    assert CONTACTS in s["capabilities"]
    return s["primaryAccounts"][CONTACTS]


def book_url(server, resource=""):
    return f"{server.https_url}/dav/addressbooks/{ANN}/Contacts/{resource}"


def default_book(server, acc):
    books = one(server, "AddressBook/get", {"accountId": acc})["list"]
    [book] = [b for b in books if b["isDefault"]]
    return book["id"]


def test_a_card_made_over_jmap_is_a_vcard_over_carddav(server):
    acc = account(server)
    book = default_book(server, acc)
    made = one(server, "ContactCard/set", {"accountId": acc, "create": {"k1": {
        "@type": "Card", "version": "1.0", "uid": "jmap-ada", "addressBookIds": {book: True},
        "name": {"components": [{"kind": "given", "value": "Ada"}, {"kind": "surname", "value": "Lovelace"}]},
        "emails": {"e1": {"address": "ada@analytical.example"}},
        "phones": {"p1": {"number": "+44 20 7946 0000"}},
    }}})
    card_id = made["created"]["k1"]["id"]

    s = session()
    got = s.get(book_url(server, "jmap-ada.vcf"))
    assert got.status_code == 200, got.text
    assert got.headers["Content-Type"].startswith("text/vcard")
    card = vobject.readOne(got.text)
    assert card.uid.value == "jmap-ada"
    assert card.email.value == "ada@analytical.example"
    assert card.n.value.given == "Ada" and card.n.value.family == "Lovelace"
    etag = got.headers["ETag"]

    # Found by CardDAV's own query.
    body = ('<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
            '<d:prop><d:getetag/></d:prop><card:filter><card:prop-filter name="EMAIL">'
            '<card:text-match match-type="contains">analytical</card:text-match>'
            '</card:prop-filter></card:filter></card:addressbook-query>')
    r = s.request("REPORT", book_url(server), data=body, headers={"Depth": "1", "Content-Type": "application/xml"})
    assert r.status_code == 207 and "jmap-ada.vcf" in r.text, r.text

    # Changed over JMAP: a new ETag and the new address over CardDAV.
    r = one(server, "ContactCard/set", {"accountId": acc, "update": {card_id: {"emails/e1/address": "ada@lovelace.example"}}})
    assert card_id in r["updated"], r
    again = s.get(book_url(server, "jmap-ada.vcf"))
    assert again.headers["ETag"] != etag
    assert vobject.readOne(again.text).email.value == "ada@lovelace.example"

    # Destroyed over JMAP: gone over CardDAV.
    r = one(server, "ContactCard/set", {"accountId": acc, "destroy": [card_id]})
    assert r["destroyed"] == [card_id], r
    assert s.get(book_url(server, "jmap-ada.vcf")).status_code == 404


def test_a_vcard_put_over_carddav_is_a_contact_card(server):
    acc = account(server)
    state = one(server, "ContactCard/get", {"accountId": acc, "ids": []})["state"]
    s = session()
    put = s.put(book_url(server, "grace.vcf"), data=GRACE.encode(), headers={"Content-Type": "text/vcard"})
    assert put.status_code == 201, put.text

    changes = one(server, "ContactCard/changes", {"accountId": acc, "sinceState": state})
    assert len(changes["created"]) == 1 and changes["updated"] == [] and changes["destroyed"] == [], changes
    [card_id] = changes["created"]
    [card] = one(server, "ContactCard/get", {"accountId": acc, "ids": [card_id]})["list"]
    assert card["uid"] == "grace-dav"
    assert card["name"]["full"] == "Grace Hopper"
    assert [e["address"] for e in card["emails"].values()] == ["grace@navy.example"]
    assert [o["name"] for o in card["organizations"].values()] == ["US Navy"]
    q = one(server, "ContactCard/query", {"accountId": acc, "filter": {"email": "navy"}})
    assert q["ids"] == [card_id]

    # Changed over CardDAV: updated; deleted over CardDAV: destroyed.
    state = changes["newState"]
    changed = GRACE.replace("US Navy", "Yale")
    assert s.put(book_url(server, "grace.vcf"), data=changed.encode(),
                 headers={"Content-Type": "text/vcard", "If-Match": put.headers["ETag"]}).status_code == 204
    changes = one(server, "ContactCard/changes", {"accountId": acc, "sinceState": state})
    assert changes["updated"] == [card_id], changes
    [card] = one(server, "ContactCard/get", {"accountId": acc, "ids": [card_id], "properties": ["organizations"]})["list"]
    assert [o["name"] for o in card["organizations"].values()] == ["Yale"]
    assert s.delete(book_url(server, "grace.vcf")).status_code == 204
    changes = one(server, "ContactCard/changes", {"accountId": acc, "sinceState": changes["newState"]})
    assert changes["destroyed"] == [card_id], changes


def test_address_books_both_ways(server):
    acc = account(server)
    made = one(server, "AddressBook/set", {"accountId": acc, "create": {"w": {"name": "Work Friends"}}})
    book = made["created"]["w"]["id"]
    s = session()
    body = '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>'
    r = s.request("PROPFIND", f"{server.https_url}/dav/addressbooks/{ANN}/", data=body, headers={"Depth": "1"})
    assert r.status_code == 207 and "Work Friends" in r.text and "/work-friends/" in r.text, r.text
    r = one(server, "AddressBook/set", {"accountId": acc, "destroy": [book]})
    assert r["destroyed"] == [book], r
    r = s.request("PROPFIND", f"{server.https_url}/dav/addressbooks/{ANN}/work-friends/", data=body,
                  headers={"Depth": "0"})
    assert r.status_code == 404


def test_bad_input_is_refused(server):
    acc = account(server)
    r = one(server, "ContactCard/set", {"accountId": acc, "create": {"x": {"@type": "Card", "addressBookIds": {}}}})
    assert r["notCreated"]["x"]["type"] == "invalidProperties"
    assert r["oldState"] == r["newState"]
    [[name, err, _]] = jmap(server, [["ContactCard/get", {"accountId": "a999999"}, "0"]])
    assert (name, err["type"]) == ("error", "accountNotFound")
