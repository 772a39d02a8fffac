"""CardDAV end to end with raw HTTP (requests) and vobject against the real binary: vCard 3.0 and
4.0 stored as sent, addressbook-query text matches, multiget with version conversion,
sync-collection, DELETE, extended MKCOL and content checks."""

from urllib.parse import unquote

import pytest
import vobject
from lxml import etree

from test_caldav import DOMAIN, NS, PASSWORD, USER, dav, error_conditions, report, session  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

CARD_NS = 'xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"'

ADA = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:ada\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n"
       "EMAIL;TYPE=INTERNET:ada@analytical.example\r\nTEL;TYPE=CELL:+44 20 7946 0000\r\nEND:VCARD\r\n")
GRACE = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:4fbe8971-0bc3-424c-9c26-36c3e1eff6b1\r\nFN:Grace Hopper\r\n"
         "N:Hopper;Grace;;;\r\nEMAIL;TYPE=work:grace@navy.example\r\nKIND:individual\r\nEND:VCARD\r\n")
ALAN = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:alan\r\nFN:Alan Turing\r\nN:Turing;Alan;;;\r\n"
        "EMAIL:alan@bletchley.example\r\nEND:VCARD\r\n")


def book_url(r, book="Contacts", resource=""):
    return f"{r.https_url}/dav/addressbooks/{USER}/{book}/{resource}"


def put_vcf(s, url, text, **headers):
    return s.put(url, data=text.encode(), headers={"Content-Type": "text/vcard; charset=utf-8", **headers})


@pytest.fixture
def book(dav):
    s = session()
    for name, card in [("ada.vcf", ADA), ("grace.vcf", GRACE), ("alan.vcf", ALAN)]:
        assert put_vcf(s, book_url(dav, resource=name), card).status_code == 201
    return dav


def responses(resp):
    """{href (decoded): (status, {prop tag: element})} of a 207 multistatus."""
    assert resp.status_code == 207, (resp.status_code, resp.text)
    out = {}
    for r in etree.fromstring(resp.content).findall("d:response", NS):
        href = unquote(r.findtext("d:href", namespaces=NS))
        props = {p.tag: p for ps in r.findall("d:propstat", NS)
                 if "200" in ps.findtext("d:status", namespaces=NS) for p in ps.find("d:prop", NS)}
        out[href] = (r.findtext("d:status", namespaces=NS), props)
    return out


def names_of(resp):
    return sorted(h.rsplit("/", 1)[-1] for h in responses(resp))


def query(s, r, prop_filters, test="anyof"):
    body = (f'<card:addressbook-query {CARD_NS}><d:prop><d:getetag/></d:prop>'
            f'<card:filter test="{test}">{prop_filters}</card:filter></card:addressbook-query>')
    return report(s, book_url(r), body)


def text_match(prop, text, match_type="contains", negate=False):
    neg = ' negate-condition="yes"' if negate else ""
    return (f'<card:prop-filter name="{prop}"><card:text-match collation="i;unicode-casemap" '
            f'match-type="{match_type}"{neg}>{text}</card:text-match></card:prop-filter>')


def test_discovery(dav):
    s = session()
    resp = s.request("PROPFIND", f"{dav.https_url}/dav/principals/{USER}/", headers={"Depth": "0"},
                     data=f'<d:propfind {CARD_NS}><d:prop><card:addressbook-home-set/></d:prop></d:propfind>')
    home = next(iter(responses(resp).values()))[1]["{urn:ietf:params:xml:ns:carddav}addressbook-home-set"]
    assert unquote(home.findtext("d:href", namespaces=NS)) == f"/dav/addressbooks/{USER}/"
    resp = s.request("PROPFIND", f"{dav.https_url}/dav/addressbooks/{USER}/", headers={"Depth": "1"},
                     data='<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:displayname/></d:prop></d:propfind>')
    books = {h: p for h, (_, p) in responses(resp).items()
             if p["{DAV:}resourcetype"].find("{urn:ietf:params:xml:ns:carddav}addressbook") is not None}
    # The user's own address book, and the directory's global address list.
    assert list(books) == [f"/dav/addressbooks/{USER}/Contacts/", f"/dav/addressbooks/{USER}/gal/"]


def test_put_and_get_as_stored(book):
    s = session()
    for name, card in [("ada.vcf", ADA), ("grace.vcf", GRACE)]:
        resp = s.get(book_url(book, resource=name))
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/vcard")
        assert resp.text == card
        assert resp.headers["ETag"]
    parsed = vobject.readOne(s.get(book_url(book, resource="grace.vcf")).text)
    assert parsed.fn.value == "Grace Hopper" and parsed.version.value == "4.0"
    # Update with If-Match, then a stale If-Match is refused.
    etag = s.get(book_url(book, resource="ada.vcf")).headers["ETag"]
    changed = ADA.replace("FN:Ada Lovelace", "FN:Augusta Ada King")
    assert put_vcf(s, book_url(book, resource="ada.vcf"), changed, **{"If-Match": etag}).status_code == 204
    assert put_vcf(s, book_url(book, resource="ada.vcf"), ADA, **{"If-Match": etag}).status_code == 412
    assert vobject.readOne(s.get(book_url(book, resource="ada.vcf")).text).fn.value == "Augusta Ada King"


def test_addressbook_query_text_match(book):
    s = session()
    assert names_of(query(s, book, text_match("FN", "love"))) == ["ada.vcf"]
    assert names_of(query(s, book, text_match("FN", "grace hopper", "equals"))) == ["grace.vcf"]
    assert names_of(query(s, book, text_match("FN", "grace", "equals"))) == []
    assert names_of(query(s, book, text_match("FN", "ALAN", "starts-with"))) == ["alan.vcf"]
    assert names_of(query(s, book, text_match("FN", "Turing", "ends-with"))) == ["alan.vcf"]
    assert names_of(query(s, book, text_match("EMAIL", ".example"))) == ["ada.vcf", "alan.vcf", "grace.vcf"]
    assert names_of(query(s, book, text_match("EMAIL", "navy", negate=True))) == ["ada.vcf", "alan.vcf"]
    both = text_match("FN", "a") + text_match("EMAIL", "bletchley")
    assert names_of(query(s, book, both, "allof")) == ["alan.vcf"]
    assert names_of(query(s, book, both, "anyof")) == ["ada.vcf", "alan.vcf", "grace.vcf"]
    assert names_of(query(s, book, '<card:prop-filter name="TEL"/>')) == ["ada.vcf"]
    assert names_of(query(s, book, '<card:prop-filter name="TEL"><card:is-not-defined/></card:prop-filter>')) \
        == ["alan.vcf", "grace.vcf"]
    # Results with address-data, parsed by vobject.
    body = (f'<card:addressbook-query {CARD_NS}><d:prop><d:getetag/><card:address-data/></d:prop>'
            f'<card:filter>{text_match("EMAIL", "grace@")}</card:filter></card:addressbook-query>')
    ((_, props),) = responses(report(s, book_url(book), body)).values()
    card = vobject.readOne(props["{urn:ietf:params:xml:ns:carddav}address-data"].text)
    assert card.email.value == "grace@navy.example"
    # RFC 6352 §8.6.1: a limit smaller than the matches truncates with a 507 for the collection.
    body = (f'<card:addressbook-query {CARD_NS}><d:prop><d:getetag/></d:prop><card:filter/>'
            '<card:limit><card:nresults>2</card:nresults></card:limit></card:addressbook-query>')
    got = responses(report(s, book_url(book), body))
    assert len(got) == 3 and "507" in got[f"/dav/addressbooks/{USER}/Contacts/"][0]


def test_multiget_converts_version(book):
    s = session()
    hrefs = "".join(f"<d:href>/dav/addressbooks/{USER}/Contacts/{n}</d:href>" for n in ("ada.vcf", "missing.vcf"))
    body = (f'<card:addressbook-multiget {CARD_NS}><d:prop><d:getetag/>'
            '<card:address-data content-type="text/vcard" version="4.0"/></d:prop>'
            f"{hrefs}</card:addressbook-multiget>")
    got = responses(report(s, book_url(book), body))
    assert "404" in got[f"/dav/addressbooks/{USER}/Contacts/missing.vcf"][0]
    data = got[f"/dav/addressbooks/{USER}/Contacts/ada.vcf"][1]["{urn:ietf:params:xml:ns:carddav}address-data"].text
    assert "VERSION:4.0" in data and "VERSION:3.0" not in data, data
    card = vobject.readOne(data)
    assert card.fn.value == "Ada Lovelace" and card.email.value == "ada@analytical.example"
    assert card.uid.value.endswith("ada")
    # Asking for 3.0 of a 4.0 card.
    body = body.replace('version="4.0"', 'version="3.0"').replace("ada.vcf", "grace.vcf")
    data = responses(report(s, book_url(book), body))[f"/dav/addressbooks/{USER}/Contacts/grace.vcf"][1][
        "{urn:ietf:params:xml:ns:carddav}address-data"].text
    assert "VERSION:3.0" in data and vobject.readOne(data).fn.value == "Grace Hopper", data
    # The stored card is untouched.
    assert s.get(book_url(book, resource="ada.vcf")).text == ADA


def sync(s, r, token=""):
    body = (f'<d:sync-collection xmlns:d="DAV:"><d:sync-token>{token}</d:sync-token><d:sync-level>1</d:sync-level>'
            "<d:prop><d:getetag/></d:prop></d:sync-collection>")
    resp = report(s, book_url(r), body)
    assert resp.status_code == 207, resp.text
    new_token = etree.fromstring(resp.content).findtext("d:sync-token", namespaces=NS)
    return {h.rsplit("/", 1)[-1]: (st or "200") for h, (st, _) in responses(resp).items()}, new_token


def test_sync_collection_and_delete(book):
    s = session()
    first, token = sync(s, book)
    assert set(first) == {"ada.vcf", "grace.vcf", "alan.vcf"} and token
    again, same = sync(s, book, token)
    assert again == {} and same == token
    assert put_vcf(s, book_url(book, resource="new.vcf"),
                   "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:new\r\nFN:New One\r\nEND:VCARD\r\n").status_code == 201
    etag = s.get(book_url(book, resource="grace.vcf")).headers["ETag"]
    assert s.delete(book_url(book, resource="grace.vcf"), headers={"If-Match": '"stale"'}).status_code == 412
    assert s.delete(book_url(book, resource="grace.vcf"), headers={"If-Match": etag}).status_code == 204
    assert s.get(book_url(book, resource="grace.vcf")).status_code == 404
    assert s.delete(book_url(book, resource="grace.vcf")).status_code == 404
    changes, token2 = sync(s, book, token)
    assert set(changes) == {"new.vcf", "grace.vcf"} and "404" in changes["grace.vcf"] and "404" not in changes["new.vcf"]
    assert token2 != token
    assert sync(s, book, token2)[0] == {}


def test_extended_mkcol_second_book(dav):
    s = session()
    body = ('<?xml version="1.0"?><d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav">'
            "<d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>"
            "<d:displayname>Work contacts</d:displayname>"
            "<card:addressbook-description>Colleagues</card:addressbook-description></d:prop></d:set></d:mkcol>")
    assert s.request("MKCOL", book_url(dav, "work"), data=body).status_code == 201
    assert s.request("MKCOL", book_url(dav, "work"), data=body).status_code == 405
    # RFC 4918 §9.3: a body of a type MKCOL does not understand is 415 (litmus mkcol_with_body).
    weird = s.request("MKCOL", book_url(dav, "weird"), data=b"afafafaf", headers={"Content-Type": "text/foo"})
    assert weird.status_code == 415
    resp = s.request("PROPFIND", f"{dav.https_url}/dav/addressbooks/{USER}/", headers={"Depth": "1"},
                     data=f'<d:propfind {CARD_NS}><d:prop><d:displayname/><card:addressbook-description/>'
                          "</d:prop></d:propfind>")
    got = responses(resp)
    props = got[f"/dav/addressbooks/{USER}/work/"][1]
    assert props["{DAV:}displayname"].text == "Work contacts"
    assert props["{urn:ietf:params:xml:ns:carddav}addressbook-description"].text == "Colleagues"
    assert put_vcf(s, book_url(dav, "work", "ada.vcf"), ADA).status_code == 201
    # The same UID in another address book is no conflict (RFC 6352 §6.3.2.1 is per collection).
    assert put_vcf(s, book_url(dav, "Contacts", "ada.vcf"), ADA).status_code == 201
    # A calendar cannot be made in the address book home.
    cal = body.replace("<card:addressbook/>", '<c:calendar xmlns:c="urn:ietf:params:xml:ns:caldav"/>')
    assert s.request("MKCOL", book_url(dav, "cal"), data=cal).status_code == 403
    assert s.delete(book_url(dav, "work")).status_code == 204
    assert s.get(book_url(dav, "work", "ada.vcf")).status_code == 404


def test_invalid_cards_refused(dav):
    s = session()
    no_uid = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Nobody\r\nEND:VCARD\r\n"
    for bad in [no_uid, "not a vcard", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"]:
        resp = put_vcf(s, book_url(dav, resource="bad.vcf"), bad)
        assert resp.status_code == 403, (bad, resp.status_code)
        assert "{urn:ietf:params:xml:ns:carddav}valid-address-data" in error_conditions(resp.content)
    assert s.get(book_url(dav, resource="bad.vcf")).status_code == 404
    assert put_vcf(s, book_url(dav, resource="a.vcf"), ADA).status_code == 201
    resp = put_vcf(s, book_url(dav, resource="b.vcf"), ADA)
    assert resp.status_code == 403
    assert "{urn:ietf:params:xml:ns:carddav}no-uid-conflict" in error_conditions(resp.content)


def test_truncated_or_multiple_cards_refused(dav):
    s = session()
    for name, bad in [("cut.vcf", "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:cut\r\nFN:Cut short\r\n"),
                      ("two.vcf", ADA + ALAN)]:
        resp = put_vcf(s, book_url(dav, resource=name), bad)
        assert resp.status_code == 403, (bad, resp.status_code)
        assert "{urn:ietf:params:xml:ns:carddav}valid-address-data" in error_conditions(resp.content)


def gal_url(r, resource=""):
    return f"{r.https_url}/dav/addressbooks/{USER}/gal/{resource}"


def test_global_address_list(dav):
    """The directory as a read-only address book: people, groups and rooms, kept current, with
    sync-collection following the directory's changes."""
    dav.admin("user", "add", f"bob@{DOMAIN}", "--password", "pw-bob", "--name", "Bob Builder")
    dav.admin("room", "add", f"board@{DOMAIN}")
    s = session()
    found = report(
        s, gal_url(dav),
        f'<card:addressbook-query {CARD_NS}><d:prop><d:getetag/><card:address-data/></d:prop>'
        f'<card:filter>{text_match("FN", "builder")}</card:filter></card:addressbook-query>')
    (href, (_, props)), = responses(found).items()
    card = vobject.readOne(props["{urn:ietf:params:xml:ns:carddav}address-data"].text)
    assert card.fn.value == "Bob Builder" and card.email.value == f"bob@{DOMAIN}"
    assert s.get(f"{dav.https_url}{href}").status_code == 200
    # Read-only.
    assert put_vcf(s, gal_url(dav, "x.vcf"), ADA).status_code == 403
    assert s.delete(f"{dav.https_url}{href}").status_code == 403
    assert s.request("MKCOL", gal_url(dav)).status_code == 405
    # Everyone is listed; sync follows the directory.
    body = f'<d:sync-collection {CARD_NS}><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>'
    first = report(s, gal_url(dav), body)
    assert len(responses(first)) == 3, responses(first)
    token = etree.fromstring(first.content).findtext("d:sync-token", namespaces=NS)
    dav.admin("user", "add", f"carol@{DOMAIN}", "--password", "pw-carol")
    dav.admin("user", "remove", f"bob@{DOMAIN}")
    again = report(s, gal_url(dav), body.replace("<d:sync-token/>", f"<d:sync-token>{token}</d:sync-token>"))
    statuses = {h.rsplit("/", 1)[-1]: st for h, (st, _) in responses(again).items()}
    assert sorted(statuses.values(), key=str) == sorted([None, "HTTP/1.1 404 Not Found"], key=str), statuses
