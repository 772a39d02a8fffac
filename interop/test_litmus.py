"""Plain WebDAV (RFC 4918) on the file store `/dav/files/USER/`: litmus, the WebDAV conformance
suite (basic, copymove, props, http), must pass every test; then the store itself with raw HTTP
(requests): content types kept, listings, conditional requests, another user kept out, and
bad input answered with the right status."""

import os
import re
import subprocess

import pytest
from lxml import etree

from test_caldav import DOMAIN, PASSWORD, USER, dav, session  # noqa: F401

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

OTHER, OTHER_PASSWORD = f"bob@{DOMAIN}", "pw-bob-123456"
SUITES = ["basic", "copymove", "props", "http"]


def files_url(r, path=""):
    return f"{r.https_url}/dav/files/{USER}/{path}"


def test_litmus_suites_pass(dav, tmp_path):
    url = f"{dav.http_url}/dav/files/{USER}/"
    env = dict(os.environ, TESTS=" ".join(SUITES))
    run = subprocess.run(["litmus", "-k", url, USER, PASSWORD], env=env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    out = run.stdout
    summaries = {suite: int(failed) for suite, failed in
                 re.findall(r"<- summary for `(\w+)': of \d+ tests run: \d+ passed, (\d+) failed", out)}
    assert sorted(summaries) == sorted(SUITES), out[-3000:]
    assert all(n == 0 for n in summaries.values()), summaries
    failed = [line for line in out.splitlines() if re.search(r"\.\.\. (FAIL|SKIPPED)", line)]
    assert not failed, "\n".join(failed) + "\n" + dav.log_tail()
    assert run.returncode == 0, out[-3000:]


def propfind(s, url, body=None, depth="1"):
    body = body or '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:allprop/></d:propfind>'
    return s.request("PROPFIND", url, data=body, headers={"Depth": depth, "Content-Type": "application/xml"})


def test_file_store_over_http(dav):
    s = session()
    assert s.request("MKCOL", files_url(dav, "Reports")).status_code == 201
    assert s.request("MKCOL", files_url(dav, "Reports/2026")).status_code == 201
    pdf = bytes(range(256)) * 4096  # 1 MiB of every byte value
    put = s.put(files_url(dav, "Reports/2026/q3 résumé.pdf"), data=pdf, headers={"Content-Type": "application/pdf"})
    assert put.status_code == 201 and put.headers["ETag"]
    got = s.get(files_url(dav, "Reports/2026/q3%20r%C3%A9sum%C3%A9.pdf"))
    assert got.status_code == 200 and got.content == pdf
    assert got.headers["Content-Type"] == "application/pdf" and got.headers["ETag"] == put.headers["ETag"]
    assert "GMT" in got.headers["Last-Modified"]
    # Conditional GET and PUT.
    assert s.get(got.url, headers={"If-None-Match": put.headers["ETag"]}).status_code == 304
    assert s.put(got.url, data=b"x", headers={"If-Match": '"0"'}).status_code == 412
    assert s.put(got.url, data=b"x", headers={"If-None-Match": "*"}).status_code == 412
    head = s.head(got.url)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(pdf)) and not head.content

    # PROPFIND Depth 1 lists folders and files with their live properties.
    listing = propfind(s, files_url(dav, "Reports/2026/"))
    assert listing.status_code == 207
    tree = etree.fromstring(listing.content)
    ns = {"d": "DAV:"}
    hrefs = [h.text for h in tree.findall(".//d:response/d:href", ns)]
    assert hrefs == [f"/dav/files/{USER}/Reports/2026/", f"/dav/files/{USER}/Reports/2026/q3%20r%C3%A9sum%C3%A9.pdf"]
    file_props = tree.findall(".//d:response", ns)[1]
    assert file_props.findtext(".//d:getcontentlength", namespaces=ns) == str(len(pdf))
    assert file_props.findtext(".//d:getcontenttype", namespaces=ns) == "application/pdf"
    assert file_props.find(".//d:resourcetype/d:collection", ns) is None
    assert file_props.findtext(".//d:creationdate", namespaces=ns).endswith("Z")
    # Depth infinity is refused with its precondition; the home lists its folders.
    deep = propfind(s, files_url(dav), depth="infinity")
    assert deep.status_code == 403 and b"propfind-finite-depth" in deep.content
    home = etree.fromstring(propfind(s, files_url(dav)).content)
    assert f"/dav/files/{USER}/Reports/" in [h.text for h in home.findall(".//d:href", ns)]
    # A browser gets an index page.
    page = s.get(files_url(dav, "Reports/2026/"))
    assert page.status_code == 200 and "q3%20r%C3%A9sum%C3%A9.pdf" in page.text and "text/html" in page.headers["Content-Type"]

    # The DAV root lists the files home beside the calendar and address book homes.
    root = etree.fromstring(propfind(s, f"{dav.https_url}/dav/").content)
    assert f"/dav/files/{USER}/" in [h.text for h in root.findall(".//d:href", ns)]

    # MOVE the folder; the old path is gone, the file is there under the new one.
    moved = s.request("MOVE", files_url(dav, "Reports/"), headers={"Destination": files_url(dav, "Archive/")})
    assert moved.status_code == 201
    assert s.get(files_url(dav, "Reports/2026/")).status_code == 404
    assert s.get(files_url(dav, "Archive/2026/q3%20r%C3%A9sum%C3%A9.pdf")).content == pdf


def test_file_store_is_its_owners_alone(dav):
    dav.admin("user", "add", OTHER, "--password", OTHER_PASSWORD)
    s = session()
    assert s.put(files_url(dav, "secret.txt"), data=b"mine").status_code == 201
    bob = session(OTHER, OTHER_PASSWORD)
    for method in ["GET", "PUT", "DELETE", "PROPFIND", "MKCOL"]:
        assert bob.request(method, files_url(dav, "secret.txt")).status_code == 403, method
    # Bob cannot copy Alice's file into his own store, nor his into hers.
    assert bob.put(f"{dav.https_url}/dav/files/{OTHER}/mine.txt", data=b"bob").status_code == 201
    copy = bob.request("COPY", f"{dav.https_url}/dav/files/{OTHER}/mine.txt",
                       headers={"Destination": files_url(dav, "from-bob.txt")})
    assert copy.status_code == 403
    assert s.get(files_url(dav, "from-bob.txt")).status_code == 404


def test_file_store_bad_input(dav):
    s = session()
    assert s.request("MKCOL", files_url(dav, "a/b/c/")).status_code == 409
    assert s.put(files_url(dav, "nowhere/x.txt"), data=b"x").status_code == 409
    assert s.request("MKCOL", files_url(dav, "d/"), data=b"<nope", headers={"Content-Type": "application/xml"}).status_code == 400
    assert s.request("MKCALENDAR", files_url(dav, "cal/")).status_code == 403
    assert s.delete(files_url(dav)).status_code == 403
    assert s.request("MOVE", files_url(dav, "x")).status_code in (400, 404)
    assert s.request("MKCOL", files_url(dav, "d/")).status_code == 201
    # COPY with Depth 1 is not a thing; MOVE of a folder into itself is refused.
    assert s.request("COPY", files_url(dav, "d/"), headers={"Destination": files_url(dav, "e/"), "Depth": "1"}).status_code == 400
    assert s.request("MOVE", files_url(dav, "d/"), headers={"Destination": files_url(dav, "d/inner/")}).status_code == 409
    # A destination elsewhere is not ours to write.
    assert s.request("COPY", files_url(dav, "d/"), headers={"Destination": "http://elsewhere.example/x/"}).status_code == 502
    # Too deep a path is refused, not walked.
    too_deep = "/".join(["n"] * 80)
    assert s.request("MKCOL", files_url(dav, too_deep + "/")).status_code == 403
    # Hostile XML in PROPPATCH: an entity is refused, nothing is stored.
    evil = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><d:propertyupdate xmlns:d="DAV:">'
            '<d:set><d:prop><x:y xmlns:x="urn:x">&a;</x:y></d:prop></d:set></d:propertyupdate>')
    assert s.request("PROPPATCH", files_url(dav, "d/"), data=evil).status_code == 400


def test_quota_properties_and_refusal(dav):
    """RFC 4331: one quota per account, shown on its homes, collections and folders, and a PUT
    past it refused with 507 DAV:quota-not-exceeded; nothing is stored."""
    s = session()
    ns = {"d": "DAV:"}
    body = ('<?xml version="1.0"?><d:propfind xmlns:d="DAV:"><d:prop>'
            '<d:quota-used-bytes/><d:quota-available-bytes/></d:prop></d:propfind>')

    def quota(url):
        tree = etree.fromstring(propfind(s, url, body, depth="0").content)
        return (tree.findtext(".//d:quota-used-bytes", namespaces=ns),
                tree.findtext(".//d:quota-available-bytes", namespaces=ns))

    assert s.put(files_url(dav, "a.bin"), data=b"x" * 1000).status_code == 201
    used, available = quota(files_url(dav))
    assert int(used) >= 1000 and not available  # no quota: nothing to show as available (404 propstat)
    dav.admin("user", "quota", USER, "4K")
    used, available = quota(files_url(dav))
    assert int(used) + int(available) == 4096
    # The calendar home and a calendar show the same account figures.
    assert quota(f"{dav.https_url}/dav/calendars/{USER}/Calendar/") == (used, available)
    # allprop does not carry them (RFC 4331 §3, §4).
    assert b"quota-used-bytes" not in propfind(s, files_url(dav), depth="0").content
    too_big = s.put(files_url(dav, "b.bin"), data=b"y" * 4000)
    assert too_big.status_code == 507 and b"quota-not-exceeded" in too_big.content
    assert s.get(files_url(dav, "b.bin")).status_code == 404
    assert s.put(files_url(dav, "c.bin"), data=b"z" * 1000).status_code == 201
    # A COPY counts too: a folder of 2,000 octets does not fit in what is left; a MOVE adds nothing.
    assert s.request("MKCOL", files_url(dav, "d/")).status_code == 201
    assert s.request("MOVE", files_url(dav, "c.bin"), headers={"Destination": files_url(dav, "d/c.bin")}).status_code == 201
    assert s.request("COPY", files_url(dav, "a.bin"), headers={"Destination": files_url(dav, "d/a.bin")}).status_code == 201
    copy = s.request("COPY", files_url(dav, "d/"), headers={"Destination": files_url(dav, "e/")})
    assert copy.status_code == 507 and b"quota-not-exceeded" in copy.content
    assert s.get(files_url(dav, "e/")).status_code == 404
