"""vdirsyncer, a real CalDAV/CardDAV sync client: a calendar and an address book paired with
local directories (one file per item), discovered, then synced both ways with creations, edits
and deletions on each side, and with conflicting edits resolved in the server's favour."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import requests

from test_caldav import DOMAIN, PASSWORD, USER, dav, vevent  # noqa: F401 (dav: the fixture)

pytestmark = pytest.mark.skipif(shutil.which("vdirsyncer") is None, reason="vdirsyncer is not installed")


def vcard(uid, fn):
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:{uid}\r\nFN:{fn}\r\nN:{fn};;;;\r\nEND:VCARD\r\n"


def server(r):
    s = requests.Session()
    s.auth = (USER, PASSWORD)
    s.trust_env = False
    return s


def url(r, kind, collection, resource=""):
    # Plain HTTP from loopback: vdirsyncer checks certificates and ours is self-signed for mail.test.
    return f"{r.http_url}/dav/{kind}/{USER}/{collection}/{resource}"


def vdirsyncer(tmp: Path, r, *args):
    config = tmp / "config"
    config.write_text(f"""[general]
status_path = "{tmp}/status/"

[pair calendar]
a = "calendar_local"
b = "calendar_remote"
collections = ["Calendar"]
conflict_resolution = "b wins"

[storage calendar_local]
type = "filesystem"
path = "{tmp}/calendars/"
fileext = ".ics"

[storage calendar_remote]
type = "caldav"
url = "{r.http_url}/dav/"
username = "{USER}"
password = "{PASSWORD}"

[pair contacts]
a = "contacts_local"
b = "contacts_remote"
collections = ["Contacts"]
conflict_resolution = "b wins"

[storage contacts_local]
type = "filesystem"
path = "{tmp}/contacts/"
fileext = ".vcf"

[storage contacts_remote]
type = "carddav"
url = "{r.http_url}/dav/"
username = "{USER}"
password = "{PASSWORD}"
""")
    run = subprocess.run([shutil.which("vdirsyncer"), "-c", str(config), *args], capture_output=True, text=True,
                         timeout=120, input="y\n" * 4)
    assert run.returncode == 0, run.stdout + run.stderr
    # vdirsyncer reports some failures (a refused upload) on stderr and still exits 0.
    assert "error:" not in run.stderr.lower(), run.stderr
    return run


def local(directory: Path) -> dict[str, str]:
    """UID → content of each local item."""
    out = {}
    for p in directory.iterdir():
        text = p.read_text()
        uid = next(line[4:] for line in text.splitlines() if line.startswith("UID:"))
        out[uid] = text
    return out


def remote_uids(r, kind, collection):
    body = '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>'
    resp = server(r).request("PROPFIND", url(r, kind, collection), data=body, headers={"Depth": "1"})
    assert resp.status_code == 207
    uids = set()
    for href in re.findall(r"<d:href>([^<]+)</d:href>", resp.text):
        if not href.endswith("/"):
            text = server(r).get(r.http_url + href).text
            uids.add(next(line[4:] for line in text.splitlines() if line.startswith("UID:")))
    return uids


def test_two_way_sync(dav, tmp_path):
    s = server(dav)
    for i in range(3):
        assert s.put(url(dav, "calendars", "Calendar", f"ev{i}.ics"), data=vevent(f"ev{i}", f"Event {i}")).status_code == 201
        assert s.put(url(dav, "addressbooks", "Contacts", f"c{i}.vcf"), data=vcard(f"c{i}", f"Person {i}")).status_code == 201
    vdirsyncer(tmp_path, dav, "discover")
    vdirsyncer(tmp_path, dav, "sync")
    cal_dir, card_dir = tmp_path / "calendars" / "Calendar", tmp_path / "contacts" / "Contacts"
    assert set(local(cal_dir)) == {"ev0", "ev1", "ev2"}
    assert set(local(card_dir)) == {"c0", "c1", "c2"}

    # Local side: a new event and contact, an edit, a deletion.
    (cal_dir / "local-ev.ics").write_text(vevent("local-ev", "Made locally"))
    (card_dir / "local-c.vcf").write_text(vcard("local-c", "Local Person"))
    ev1 = next(p for p in cal_dir.iterdir() if "UID:ev1" in p.read_text())
    ev1.write_text(vevent("ev1", "Edited locally"))
    next(p for p in cal_dir.iterdir() if "UID:ev2" in p.read_text()).unlink()
    c1 = next(p for p in card_dir.iterdir() if "UID:c1" in p.read_text())
    c1.write_text(vcard("c1", "Renamed Locally"))
    next(p for p in card_dir.iterdir() if "UID:c2" in p.read_text()).unlink()
    vdirsyncer(tmp_path, dav, "sync")
    assert remote_uids(dav, "calendars", "Calendar") == {"ev0", "ev1", "local-ev"}
    assert remote_uids(dav, "addressbooks", "Contacts") == {"c0", "c1", "local-c"}
    assert "SUMMARY:Edited locally" in s.get(url(dav, "calendars", "Calendar", "ev1.ics")).text
    assert "FN:Renamed Locally" in s.get(url(dav, "addressbooks", "Contacts", "c1.vcf")).text

    # Server side: a new event and contact, an edit, a deletion.
    assert s.put(url(dav, "calendars", "Calendar", "srv.ics"), data=vevent("srv", "Made on the server")).status_code == 201
    assert s.put(url(dav, "calendars", "Calendar", "ev0.ics"), data=vevent("ev0", "Edited on the server")).status_code == 204
    assert s.delete(url(dav, "calendars", "Calendar", "ev1.ics")).status_code == 204
    assert s.put(url(dav, "addressbooks", "Contacts", "srv.vcf"), data=vcard("srv-c", "Server Person")).status_code == 201
    assert s.put(url(dav, "addressbooks", "Contacts", "c0.vcf"), data=vcard("c0", "Renamed Remotely")).status_code == 204
    assert s.delete(url(dav, "addressbooks", "Contacts", "c1.vcf")).status_code == 204
    vdirsyncer(tmp_path, dav, "sync")
    events, cards = local(cal_dir), local(card_dir)
    assert set(events) == {"ev0", "local-ev", "srv"}
    assert "SUMMARY:Edited on the server" in events["ev0"]
    assert set(cards) == {"c0", "local-c", "srv-c"}
    assert "FN:Renamed Remotely" in cards["c0"]

    # Both sides edit the same event: the server wins (conflict_resolution = "b wins").
    ev0 = next(p for p in cal_dir.iterdir() if "UID:ev0" in p.read_text())
    ev0.write_text(vevent("ev0", "Local edit in conflict"))
    assert s.put(url(dav, "calendars", "Calendar", "ev0.ics"), data=vevent("ev0", "Server edit in conflict")).status_code == 204
    vdirsyncer(tmp_path, dav, "sync")
    assert "SUMMARY:Server edit in conflict" in local(cal_dir)["ev0"]
    assert "SUMMARY:Server edit in conflict" in s.get(url(dav, "calendars", "Calendar", "ev0.ics")).text

    # Nothing left to do: a further sync changes nothing on either side.
    before = (local(cal_dir), local(card_dir))
    vdirsyncer(tmp_path, dav, "sync")
    assert (local(cal_dir), local(card_dir)) == before
    assert remote_uids(dav, "calendars", "Calendar") == {"ev0", "local-ev", "srv"}
