"""Backup and restore end to end: `relais backup` of a running server under write load,
`relais restore` into a new data directory, into PostgreSQL and back, and what clients hold
still valid afterwards (IMAP UIDVALIDITY/UIDs/flags/MODSEQ and SEARCH with imaplib, DAV ETags
and sync tokens with requests); a damaged backup or a non-empty target is refused."""

import imaplib
import json
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


def packed(b):
    """The backup's blobs as its pack index lists them: name -> (pack file, offset, length)."""
    out = {}
    for line in (b / "blobs" / "index.jsonl").read_text().splitlines():
        name, pack, offset, length = json.loads(line)
        out[name] = (b / "blobs" / f"pack-{pack:06}", offset, length)
    return out


def flip_blob(b):
    """Flips one bit of one blob in its pack; returns the blob's name."""
    name, (pack, offset, _) = next(iter(packed(b).items()))
    raw = bytearray(pack.read_bytes())
    raw[offset] ^= 1
    pack.write_bytes(bytes(raw))
    return name


def test_damaged_backup_is_refused(relais_factory, tmp_path):
    source = relais_factory("source", listeners=LISTENERS, settings=SETTINGS).start()
    seed(source)
    backup(source, tmp_path / "b")
    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "b", damaged)
    blob = flip_blob(damaged)
    table = damaged / "tables" / "items.jsonl"
    table.write_text(table.read_text().replace("note 1", "note 9"))
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    out = target.command("restore", str(damaged), check=False)
    assert out.returncode != 0
    assert "damaged" in out.stderr and blob in out.stderr and "items.jsonl" in out.stderr, out.stderr
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


def bodies(r):
    """Every message's full content (BODY[]) per mailbox, by UID: what byte-identical means."""
    c = imap(r)
    out = {}
    for box in ("INBOX", "Projects"):
        c.select(box, readonly=True)
        _, data = c.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
        out[box] = {re.search(rb"UID (\d+)", part[0]).group(1): part[1] for part in data if isinstance(part, tuple)}
    c.logout()
    return out


def test_incremental_backup_chain(relais_factory, tmp_path):
    """full → more mail → incremental (only the new blobs) → another incremental on it →
    restore of the newest link into a new directory: every message byte for byte, UIDs,
    flags, MODSEQs, ETags and sync tokens as they were; a missing or damaged base is refused."""
    source = relais_factory("source", listeners=LISTENERS, settings=SETTINGS).start()
    seed(source)
    full = tmp_path / "full"
    backup(source, full)
    full_blobs = set(packed(full))

    new_mail = [f"Subject: later {i}\r\nMessage-ID: <later{i}@x>\r\n\r\nnew body {i} {'y' * 5000}\r\n".encode()
                for i in range(3)]
    with smtplib.SMTP(*source.addr("smtp")) as s:
        for m in new_mail:
            s.sendmail("x@elsewhere.test", [USER], m)
    out = source.command("backup", "--incremental-from", str(full), str(tmp_path / "incr1"))
    assert "incremental from full" in out.stdout, out.stdout
    incr1_blobs = set(packed(tmp_path / "incr1"))
    assert len(incr1_blobs) == 3 and not incr1_blobs & full_blobs, "only the three new messages' blobs"
    assert not (tmp_path / "incr1.partial").exists()

    c = imap(source)
    c.select("INBOX")
    c.append("INBOX", "(\\Seen)", None, b"Subject: last\r\n\r\nthe last one\r\n")
    c.uid("STORE", "1", "+FLAGS", "(\\Answered)")  # metadata only: no new blob
    c.logout()
    source.command("backup", "--incremental-from", str(tmp_path / "incr1"), str(tmp_path / "incr2"))
    assert len(packed(tmp_path / "incr2")) == 1
    before, contents = state(source), bodies(source)

    copy = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    out = copy.command("restore", str(tmp_path / "incr2"))
    assert "restore complete" in out.stdout and "2 others" in out.stdout, out.stdout
    copy.start()
    assert state(copy) == before
    assert bodies(copy) == contents, "every message byte for byte"
    assert sum(m in b for m in new_mail for b in contents["INBOX"].values()) == 3
    copy.stop()
    # The same chain into PostgreSQL.
    pg = relais_factory("pg", listeners=LISTENERS, settings=pg_settings())
    assert "restore complete" in pg.command("restore", str(tmp_path / "incr2")).stdout
    pg.start()
    assert state(pg) == before and bodies(pg) == contents
    pg.stop()

    # A damaged base: one bit of a blob of the full backup flipped. Refused, naming it.
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    for name in ("full", "incr1", "incr2"):
        shutil.copytree(tmp_path / name, damaged / name)
    blob = flip_blob(damaged / "full")
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    out = target.command("restore", str(damaged / "incr2"), check=False)
    assert out.returncode != 0 and "damaged" in out.stderr and "(base)" in out.stderr and blob in out.stderr, out.stderr
    assert not (target.data_dir / "relais.db").exists(), "nothing was written"

    # A missing base: refused with a message naming it.
    shutil.rmtree(damaged / "incr1")
    out = target.command("restore", str(damaged / "incr2"), check=False)
    assert out.returncode != 0 and "missing" in out.stderr and "incr1" in out.stderr, out.stderr
    # A base replaced by another backup under its name: refused.
    shutil.copytree(tmp_path / "incr2", damaged / "incr1")
    out = target.command("restore", str(damaged / "incr2"), check=False)
    assert out.returncode != 0 and "not the backup" in out.stderr, out.stderr
    assert not (target.data_dir / "relais.db").exists()
    # An incremental backup is a directory made from a directory.
    out = source.command("backup", "--incremental-from", str(full), str(tmp_path / "x.tar.gz"), check=False)
    assert out.returncode != 0 and "directory" in out.stderr, out.stderr


def test_scheduled_backups(relais_factory, tmp_path):
    """`[backup] schedule = "every 2s"`: the server makes dated backups by itself, a full one
    then an incremental on it (full_every = 2), keeps the newest two and every base they need,
    records each run, and `relais admin backup status` shows them; the newest restores."""
    import json
    import time

    backups = tmp_path / "backups"
    settings = {**SETTINGS, "backup": {"schedule": "every 2s", "path": str(backups), "keep": 2, "full_every": 2}}
    source = relais_factory("source", listeners=LISTENERS, settings=settings).start()
    seed(source)
    status = backups / "backup-status.jsonl"
    deadline = time.monotonic() + 60
    runs = []
    while time.monotonic() < deadline:
        runs = [json.loads(line) for line in status.read_text().splitlines()] if status.exists() else []
        if len(runs) >= 5:
            break
        time.sleep(0.5)
    assert len(runs) >= 5, runs
    assert all(r["ok"] for r in runs), runs
    assert [r["kind"] for r in runs[:4]] == ["full", "incremental", "full", "incremental"], runs
    assert all(r["bytes"] > 0 and r["millis"] >= 0 for r in runs)

    contents = bodies(source)
    source.stop()  # nothing changes while the directory is looked at
    runs = [json.loads(line) for line in status.read_text().splitlines()]
    kept = sorted(p for p in backups.iterdir() if p.is_dir())
    assert not [p for p in kept if p.name.endswith(".partial")]
    names = {p.name for p in kept}
    # The newest two, plus the base of a kept incremental: never more than three.
    assert 2 <= len(kept) <= 3, names
    assert runs[-1]["name"] in names and runs[-2]["name"] in names
    for p in kept:
        base = json.loads((p / "manifest.json").read_text()).get("base")
        if base:
            assert base["path"] in names, f"{p.name} needs {base['path']}, which was pruned"
    assert runs[0]["name"] not in names, "the oldest was pruned"

    out = source.admin("backup", "status").stdout
    assert runs[-1]["name"] in out and "incremental" in out and "ok" in out, out
    assert f"{len(kept)} backups in" in out, out

    copy = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    assert "restore complete" in copy.command("restore", str(backups / runs[-1]["name"])).stdout
    copy.start()
    assert bodies(copy) == contents

    bad = relais_factory("bad", listeners=LISTENERS, settings={**SETTINGS, "backup": {"schedule": "weekly"}})
    out = bad.admin("backup", "status", check=False)
    assert out.returncode != 0 and "backup.schedule" in out.stderr, out.stderr
