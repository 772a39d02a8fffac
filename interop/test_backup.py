"""Backup and restore end to end: `relais backup` of a running server under write load,
`relais restore` into a new data directory, into PostgreSQL and back, and what clients hold
still valid afterwards (IMAP UIDVALIDITY/UIDs/flags/MODSEQ and SEARCH with imaplib, DAV ETags
and sync tokens with requests); a damaged backup or a non-empty target is refused."""

import imaplib
import os
import re
import shutil
import smtplib
import subprocess
import tarfile
import threading
import uuid

import pytest
import requests

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
USER, PASSWORD = f"alice@{DOMAIN}", "alice-pw"
SETTINGS = {"imap": {"plaintext_auth_on_loopback": True}, "dav": {"plaintext_auth_on_loopback": True}}
LISTENERS = ["smtp", "imap"]  # HTTP and HTTPS are always on


def pg_settings():
    url = os.environ.get("RELAIS_TEST_PG_URL")
    if not url:
        pytest.skip("RELAIS_TEST_PG_URL is not set (scripts/test sets it)")
    name = f"relais_backup_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", url, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return {**SETTINGS, "store": {"backend": "postgres", "url": url.rsplit("/", 1)[0] + "/" + name}}


def session():
    s = requests.Session()
    s.auth = (USER, PASSWORD)
    s.trust_env = False
    return s


def imap(r):
    c = imaplib.IMAP4(*r.addr("imap"))
    c.login(USER, PASSWORD)
    return c


def seed(r):
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    with smtplib.SMTP(*r.addr("smtp")) as s:
        for i in range(5):
            word = "zebracorn" if i == 2 else f"plain{i}"
            s.sendmail("x@elsewhere.test", [USER], f"Subject: note {i}\r\nMessage-ID: <n{i}@x>\r\n\r\n{word} body\r\n".encode())
    c = imap(r)
    c.select("INBOX")
    c.uid("STORE", "2", "+FLAGS", "(\\Flagged $Important)")
    c.uid("STORE", "4", "+FLAGS", "(\\Deleted)")
    c.expunge()
    c.create("Projects")
    c.uid("COPY", "1,3", "Projects")
    c.logout()
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:standup\r\n"
             "DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n"
             "SUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    resp = session().put(f"{r.http_url}/dav/calendars/{USER}/Calendar/standup.ics", data=event,
                         headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 201, resp.text


def state(r):
    """What clients hold: per mailbox UIDVALIDITY, HIGHESTMODSEQ and (UID, FLAGS, MODSEQ) of each
    message, a SEARCH answer, and the calendar's ETag and sync token."""
    c = imap(r)
    out = {}
    for box in ("INBOX", "Projects"):
        # EXAMINE: looking must not change what is compared (a SELECT claims \Recent).
        c.select(box, readonly=True)
        validity = c.response("UIDVALIDITY")[1][0]
        _, data = c.uid("FETCH", "1:*", "(FLAGS MODSEQ)")
        messages = sorted(m.decode() for m in data if m)
        out[box] = (validity, messages)
    c.select("INBOX")
    out["search"] = c.uid("SEARCH", "TEXT", "zebracorn")[1]
    c.logout()
    body = ('<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/><d:sync-token/></d:prop></d:propfind>')
    resp = session().request("PROPFIND", f"{r.http_url}/dav/calendars/{USER}/Calendar/", data=body,
                             headers={"Depth": "1"})
    assert resp.status_code == 207
    out["dav"] = sorted(re.findall(r"<d:(?:getetag|sync-token)>([^<]*)<", resp.text))
    return out


def backup(r, path, check=True):
    return r.command("backup", path, check=check)


def test_backup_restore_and_move_between_backends(relais_factory, tmp_path):
    source = relais_factory("source", listeners=LISTENERS, settings=SETTINGS).start()
    seed(source)
    before = state(source)
    assert before["search"] == [b"3"], before["search"]

    # Online: a client keeps appending while the backup runs; the snapshot is consistent.
    stop = threading.Event()

    def writer():
        c = imap(source)
        while not stop.is_set():
            c.append("Projects", None, None, b"Subject: during backup\r\n\r\nload\r\n")
        c.logout()

    t = threading.Thread(target=writer)
    t.start()
    try:
        out = backup(source, tmp_path / "b1")
    finally:
        stop.set()
        t.join()
    assert "backup complete" in out.stdout, out
    assert (tmp_path / "b1/manifest.json").exists() and not (tmp_path / "b1.partial").exists()
    assert backup(source, tmp_path / "b1", check=False).returncode != 0  # never over an existing backup

    # Into a new data directory (embedded store).
    copy = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    assert "restore complete" in copy.command("restore", str(tmp_path / "b1")).stdout
    copy.start()
    restored = state(copy)
    inbox_before = before["INBOX"]
    assert restored["INBOX"] == inbox_before, "INBOX: same UIDVALIDITY, UIDs, flags and MODSEQ"
    assert restored["Projects"][0] == before["Projects"][0]
    assert set(before["Projects"][1]) <= set(restored["Projects"][1]), "what was there before is there"
    assert restored["search"] == before["search"], "the full-text index was rebuilt"
    assert restored["dav"] == before["dav"], "ETags and the sync token stay valid"
    copy.stop()

    # Into PostgreSQL, then back to the embedded store from a backup of that.
    pg = relais_factory("pg", listeners=LISTENERS, settings=pg_settings())
    pg.command("restore", str(tmp_path / "b1"))
    pg.start()
    on_pg = state(pg)
    assert on_pg == restored
    backup(pg, tmp_path / "b2")
    pg.stop()
    back = relais_factory("back", listeners=LISTENERS, settings=SETTINGS)
    back.command("restore", str(tmp_path / "b2"))
    back.start()
    assert state(back) == restored
    # New writes after a restore get new ids and UIDs, never ones a client saw before.
    c = imap(back)
    c.select("INBOX")
    typ, data = c.append("INBOX", None, None, b"Subject: after\r\n\r\nnew\r\n")
    new_uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
    assert new_uid > max(int(re.search(r"UID (\d+)", m).group(1)) for m in restored["INBOX"][1])
    c.logout()

    # A restore goes only into an empty store.
    refused = back.command("restore", str(tmp_path / "b1"), check=False)
    assert refused.returncode != 0 and "not empty" in refused.stderr


def test_damaged_backup_is_refused(relais_factory, tmp_path):
    source = relais_factory("source", listeners=LISTENERS, settings=SETTINGS).start()
    seed(source)
    backup(source, tmp_path / "b")
    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "b", damaged)
    blob = next((damaged / "blobs").glob("*/*"))
    blob.write_bytes(blob.read_bytes() + b"x")
    table = damaged / "tables" / "items.jsonl"
    table.write_text(table.read_text().replace("note 1", "note 9"))
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    out = target.command("restore", str(damaged), check=False)
    assert out.returncode != 0
    assert "damaged" in out.stderr and blob.name in out.stderr and "items.jsonl" in out.stderr, out.stderr
    assert not (target.data_dir / "relais.db").exists(), "nothing was written"
    missing = target.command("restore", str(tmp_path / "nothing-here"), check=False)
    assert missing.returncode != 0 and "not a complete backup" in missing.stderr


def test_archive_file_backup_and_restore(relais_factory, tmp_path):
    """`relais backup PATH.tar.gz` writes one compressed file (never under its name until
    complete); restore reads it, checks it and keeps what clients hold; a damaged or truncated
    archive is refused."""
    source = relais_factory("source", listeners=LISTENERS, settings=SETTINGS).start()
    seed(source)
    before = state(source)
    archive = tmp_path / "b.tar.gz"
    out = backup(source, archive)
    assert "archive complete" in out.stdout, out
    assert archive.is_file() and not (tmp_path / "b.tar.gz.partial").exists()
    assert not (tmp_path / "b.tar.gz.staging").exists()
    with tarfile.open(archive) as t:  # an ordinary tar.gz, readable by other tools
        assert "manifest.json" in t.getnames()
    assert backup(source, archive, check=False).returncode != 0  # never over an existing backup

    copy = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    assert "restore complete" in copy.command("restore", str(archive)).stdout
    copy.start()
    restored = state(copy)
    assert restored["INBOX"] == before["INBOX"] and restored["dav"] == before["dav"]
    assert restored["search"] == before["search"]
    copy.stop()

    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    out = target.command("restore", str(truncated), check=False)
    assert out.returncode != 0 and ("damaged" in out.stderr or "not a complete backup" in out.stderr), out.stderr
    assert not (target.data_dir / "relais.db").exists(), "nothing was written"
