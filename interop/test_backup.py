"""Backup and restore end to end: `relais backup` of a running server under write load,
`relais restore` into a new data directory, into PostgreSQL and back, and what clients hold
still valid afterwards (IMAP UIDVALIDITY/UIDs/flags/MODSEQ and SEARCH with imaplib, DAV ETags
and sync tokens with requests); a damaged backup or a non-empty target is refused.

Under mixed load: SMTP, IMAP APPEND, CalDAV and CardDAV writers run while the backup is taken;
every write acknowledged before it began is on each restored server byte for byte (SHA-256 of
FETCH BODY[], DAV GET and ETag), and tests of the IMAP, CalDAV and CardDAV suites pass, run as
they are, on a restore of that backup. An ActiveSync device's SyncKey (pyactivesync) and a JMAP
Email state (plain JSON to /jmap/api) held before a backup go on after its restore."""

import functools
import hashlib
import imaplib
import itertools
import json
import re
import shutil
import smtplib
import tarfile
import threading
import time
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
import requests
from pyactivesync import Client

import test_caldav
import test_carddav
import test_activesync
import test_imap
import test_jmap
from backup_common import (DOMAIN, PASSWORD, USER, chunk_bytes, chunk_places, imap, mail_state, pg_database,
                           seed_mail, table_chunks)
from harness import Relais

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

SETTINGS = {"imap": {"plaintext_auth_on_loopback": True}, "dav": {"plaintext_auth_on_loopback": True}}
LISTENERS = ["smtp", "imap"]  # HTTP and HTTPS are always on


def pg_settings():
    return {**SETTINGS, "store": {"backend": "postgres", "url": pg_database("relais_backup")}}


def session():
    s = requests.Session()
    s.auth = (USER, PASSWORD)
    s.trust_env = False
    return s


def seed(r):
    seed_mail(r, 5, expunge=True)
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:standup\r\n"
             "DTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\n"
             "SUMMARY:Standup\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    resp = session().put(f"{r.http_url}/dav/calendars/{USER}/Calendar/standup.ics", data=event,
                         headers={"Content-Type": "text/calendar"})
    assert resp.status_code == 201, resp.text


def state(r):
    """What clients hold: mail_state, and the calendar's ETags and sync token."""
    out = mail_state(r)
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
    # A subject changed in the items table's chunk, as a hand would (the length kept).
    pack, _, _ = chunk_places(damaged)[table_chunks(damaged, "items")[0]["sha256"]]
    pack.write_bytes(pack.read_bytes().replace(b"note 1", b"note 9"))
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
        assert t.getnames()[-1] == "manifest.json", "written file by file, the manifest last"
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


def test_incremental_backup_writes_only_the_changed_table_chunks(relais_factory, tmp_path):
    """A store of a few hundred messages, a full backup, then a handful of changes (three
    messages delivered, two flagged, one expunged, a mailbox created): the incremental backup
    holds under a fifth of the table octets the full one does, its manifest still lists every
    table whole, and the chain restores to exactly what clients held, into SQLite and into
    PostgreSQL."""
    source = relais_factory("source", listeners=LISTENERS, settings=SETTINGS).start()
    seed_mail(source, 400, padding=2)
    full = tmp_path / "full"
    backup(source, full)
    with smtplib.SMTP(*source.addr("smtp")) as s:
        for i in range(3):
            s.sendmail("x@elsewhere.test", [USER], f"Subject: change {i}\r\n\r\nchanged {i}\r\n".encode())
    c = imap(source)
    c.select("INBOX")
    c.uid("STORE", "10,200", "+FLAGS", "(\\Seen)")
    c.uid("STORE", "300", "+FLAGS", "(\\Deleted)")
    c.expunge()
    c.create("Later")
    c.logout()
    out = source.command("backup", "--incremental-from", str(full), str(tmp_path / "incr"))
    full_bytes, incr_bytes = chunk_bytes(full), chunk_bytes(tmp_path / "incr")
    assert incr_bytes < full_bytes / 5, f"{incr_bytes} of {full_bytes} table octets written again"
    assert f"({incr_bytes} of their" in out.stdout, out.stdout
    items = table_chunks(tmp_path / "incr", "items")
    assert len(items) > 3, "the items table is in several chunks"
    rewritten = [c for c in items if c["sha256"] not in chunk_places(full)]
    assert len(rewritten) <= 6, f"{len(rewritten)} of {len(items)}: the chunks around the 5 changed rows, the rest held"
    before, contents = state(source), bodies(source)
    for name, settings in (("copy", SETTINGS), ("pg", pg_settings())):
        copy = relais_factory(name, listeners=LISTENERS, settings=settings)
        out = copy.command("restore", str(tmp_path / "incr"))
        assert "restore complete" in out.stdout and "1 others" in out.stdout, out.stdout
        copy.start()
        assert state(copy) == before
        assert bodies(copy) == contents, "every message byte for byte"
        copy.stop()


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


def jmap_call(r, calls):
    """One JMAP request by plain HTTP JSON to /jmap/api as alice; the method responses."""
    s = session()
    s.verify = False
    url = "https://%s:%d" % r.addr("https")
    account = s.get(f"{url}/.well-known/jmap").json()["primaryAccounts"][test_jmap.MAIL]
    calls = [[name, {"accountId": account, **args}, str(i)] for i, (name, args) in enumerate(calls)]
    resp = s.post(f"{url}/jmap/api", json={"using": [test_jmap.CORE, test_jmap.MAIL], "methodCalls": calls})
    assert resp.status_code == 200, resp.text
    return [args for _, args, _ in resp.json()["methodResponses"]]


def phone(r, policy_key=None):
    """An ActiveSync device (pyactivesync); given the policy key it was granted, it goes on as
    provisioned, as a phone that never learnt its server was restored."""
    c = Client("%s:%d" % r.addr("https"), USER, PASSWORD, device_id="RESTORED01", verify_ssl=False, timeout=60)
    if policy_key:
        c._transport.policy_key, c._provisioned = policy_key, True
    return c


def test_activesync_and_jmap_states_continue_after_restore(relais_factory, tmp_path):
    """A device's SyncKey and policy key and a JMAP Email state held before the backup go on
    after a restore, into a directory and into PostgreSQL: no full resync, and a message
    delivered after the restore is the one change each sees."""
    source = relais_factory("source", listeners=LISTENERS, settings=SETTINGS).start()
    seed(source)
    with phone(source) as c:
        policy_key = c.provision()
        inbox = test_activesync.folders_by_type(c)[test_activesync.INBOX].id
        sync_key, added, _, _ = test_activesync.sync_all(c, inbox)
    assert len(added) == 4, added
    (held,) = jmap_call(source, [("Email/get", {"ids": []})])
    backup(source, tmp_path / "b")

    for name, settings in (("copy", SETTINGS), ("pg", pg_settings())):
        r = relais_factory(name, listeners=LISTENERS, settings=settings)
        r.command("restore", str(tmp_path / "b"))
        r.start()
        (same,) = jmap_call(r, [("Email/changes", {"sinceState": held["state"]})])
        assert (same["created"], same["updated"], same["destroyed"]) == ([], [], []), same
        assert same["newState"] == held["state"], "the state is the one the client holds"
        test_activesync.deliver(r, USER, f"after the restore into {name}")
        with phone(r, policy_key) as c:
            got = c.sync_folder(inbox, sync_key)
        assert [i.fields.get("Email.Subject") for i in got.added] == [f"after the restore into {name}"], got
        assert not got.changed and not got.deleted and not got.more_available, got
        (changes,) = jmap_call(r, [("Email/changes", {"sinceState": held["state"]})])
        assert len(changes["created"]) == 1 and not changes["updated"] and not changes["destroyed"], changes
        (email,) = jmap_call(r, [("Email/get", {"ids": changes["created"], "properties": ["subject"]})])
        assert email["list"][0]["subject"] == f"after the restore into {name}"
        r.stop()


# --- a backup under mixed load, and the suites on the restored data ---------------------------

LOAD = f"load@{DOMAIN}"
SUITE_SETTINGS = {"dav": {"plaintext_auth_on_loopback": True}}
SUITE_LISTENERS = ["smtp", "imap", "imaps"]


@dataclass
class Write:
    """One write a client saw acknowledged: an SMTP 250, an APPEND OK, a DAV 201."""
    kind: str  # "smtp", "append", "caldav", "carddav"
    key: str  # the Message-ID, or the object's path under /dav/
    content: bytes
    at: float  # time.monotonic() when the acknowledgement had arrived
    etag: str | None = None


def load_message(kind, i):
    """A message of its own Message-ID; every tenth 100 KiB (a blob file, not a row), else 1–4 KiB."""
    mid = f"<{kind}{i}@load.test>"
    lines = 1300 if i % 10 == 9 else 15 + 40 * (i % 4)
    text = "".join(hashlib.sha256(f"{kind}{i}.{n}".encode()).hexdigest() + "\r\n" for n in range(lines))
    return mid, (f"From: Load <x@elsewhere.test>\r\nTo: {LOAD}\r\nSubject: {kind} {i}\r\nMessage-ID: {mid}\r\n"
                 f"\r\n{text}").encode()


def smtp_writer(r, stop, out):
    with smtplib.SMTP(*r.addr("smtp"), timeout=30) as s:
        for i in itertools.count():
            if stop.is_set():
                return
            mid, raw = load_message("smtp", i)
            s.sendmail("x@elsewhere.test", [LOAD], raw)  # returns on the 250 after DATA
            out.append(Write("smtp", mid, raw, time.monotonic()))


def append_writer(r, stop, out):
    c = imaplib.IMAP4(*r.addr("imap"))
    c.login(LOAD, PASSWORD)
    for i in itertools.count():
        if stop.is_set():
            break
        mid, raw = load_message("append", i)
        typ, data = c.append("Projects", "(\\Seen)" if i % 2 else None, None, raw)
        assert typ == "OK", data
        out.append(Write("append", mid, raw, time.monotonic()))
    c.logout()


def dav_writer(kind, r, stop, out):
    s = requests.Session()
    s.auth, s.trust_env = (LOAD, PASSWORD), False
    for i in itertools.count():
        if stop.is_set():
            return
        if kind == "carddav":
            path = f"addressbooks/{LOAD}/Contacts/c{i}.vcf"
            body = f"BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c{i}\r\nFN:Contact {i}\r\nEMAIL:c{i}@load.test\r\nEND:VCARD\r\n"
        else:
            # Events into the calendar and tasks into the task list, in turn.
            box, comp, extra = ("Tasks", "VTODO", "") if i % 2 else (
                "Calendar", "VEVENT", f"DTSTART:202601{1 + i % 28:02}T100000Z\r\nDURATION:PT1H\r\n")
            path = f"calendars/{LOAD}/{box}/o{i}.ics"
            body = (f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:{comp}\r\nUID:o{i}\r\n"
                    f"DTSTAMP:20260101T000000Z\r\n{extra}SUMMARY:Object {i}\r\nEND:{comp}\r\nEND:VCALENDAR\r\n")
        resp = s.put(f"{r.http_url}/dav/{path}", data=body.encode())
        assert resp.status_code == 201 and resp.headers.get("ETag"), (path, resp.status_code, resp.text)
        out.append(Write(kind, path, body.encode(), time.monotonic(), resp.headers["ETag"]))


class Load:
    """SMTP delivery, IMAP APPEND, CalDAV and CardDAV PUT writers at once, each on its own
    connection, until `stop()`; a writer's failure fails the test there."""

    def __init__(self, r):
        self.writes: list[Write] = []
        self.event = threading.Event()
        self.errors = []
        writers = [smtp_writer, append_writer, functools.partial(dav_writer, "caldav"),
                   functools.partial(dav_writer, "carddav")]
        self.threads = [threading.Thread(target=self.run, args=(w, r)) for w in writers]
        for t in self.threads:
            t.start()

    def run(self, writer, r):
        try:
            writer(r, self.event, self.writes)
        except BaseException as e:  # noqa: BLE001 — re-raised by stop()
            self.errors.append(e)

    def count(self, kind):
        return sum(w.kind == kind for w in self.writes)

    def stop(self):
        self.event.set()
        for t in self.threads:
            t.join()
        if self.errors:
            raise self.errors[0]


def message_ids(raw):
    m = re.search(rb"(?im)^Message-ID: (<[^>]+>)", raw)
    return m.group(1).decode() if m else None


def load_mail(r):
    """The load account's messages: per mailbox, Message-ID → BODY[] (imaplib)."""
    c = imaplib.IMAP4(*r.addr("imap"))
    c.login(LOAD, PASSWORD)
    out = {}
    for box in ("INBOX", "Projects"):
        c.select(box, readonly=True)
        _, data = c.uid("FETCH", "1:*", "(BODY.PEEK[])")
        bodies_ = [part[1] for part in data if isinstance(part, tuple)]
        out[box] = {message_ids(b): b for b in bodies_}
        assert len(out[box]) == len(bodies_), f"{box}: a Message-ID twice"
    c.logout()
    return out


def sha256s(mail):
    return {box: {mid: hashlib.sha256(b).hexdigest() for mid, b in messages.items()} for box, messages in mail.items()}


BOX_OF = {"smtp": "INBOX", "append": "Projects"}
KINDS = ("smtp", "append", "caldav", "carddav")


def check_acknowledged(r, acknowledged, source_hashes):
    """On a server started on restored data: every write acknowledged before the backup began
    is there — a message byte for byte (SHA-256 of BODY[] as the source served it), a DAV
    object by GET, as PUT, under the ETag its client holds — and nothing else is there that the
    source did not have."""
    got = sha256s(load_mail(r))
    for box, hashes in got.items():
        strangers = {mid for mid, h in hashes.items() if source_hashes[box].get(mid) != h}
        assert not strangers, f"{box}: not the source's messages: {sorted(strangers)[:5]}"
    s = requests.Session()
    s.auth, s.trust_env = (LOAD, PASSWORD), False
    for w in acknowledged:
        if w.kind in BOX_OF:
            assert got[BOX_OF[w.kind]].get(w.key) == source_hashes[BOX_OF[w.kind]][w.key], (w.kind, w.key)
        else:
            resp = s.get(f"{r.http_url}/dav/{w.key}")
            assert resp.status_code == 200 and resp.content == w.content, (w.key, resp.status_code)
            assert resp.headers["ETag"] == w.etag, (w.key, resp.headers["ETag"], w.etag)


def seed_suites(r):
    """Alice as the IMAP, CalDAV and CardDAV suites' fixtures leave her: three messages delivered
    (test_imap's `imap` fixture) and nothing else."""
    for i in range(3):
        test_imap.deliver(r, f"message {i}", f"body number {i}\r\n")


@pytest.fixture(scope="module")
def backup_under_load(tmp_path_factory):
    """A server with alice seeded for the suites and the load account, backed up while the
    four writers ran; returns the backup and what the writers saw acknowledged."""
    root = tmp_path_factory.mktemp("load")
    source = Relais(root / "source", listeners=LISTENERS, settings=SETTINGS)
    source.admin("domain", "add", DOMAIN)
    source.admin("user", "add", USER, "--password", PASSWORD)
    source.admin("user", "add", LOAD, "--password", PASSWORD)
    with source:
        seed_suites(source)
        c = imaplib.IMAP4(*source.addr("imap"))
        c.login(LOAD, PASSWORD)
        c.create("Projects")
        c.logout()
        load = Load(source)
        try:
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and (
                    min(load.count(k) for k in KINDS) < 40):
                time.sleep(0.05)
            began = time.monotonic()
            out = backup(source, root / "b")
            ended = time.monotonic()
            time.sleep(0.3)
        finally:
            load.stop()
        assert "backup complete" in out.stdout, out
        mail = load_mail(source)
    # Byte-identical means as the client sent it: an APPEND's content is what was stored, a
    # delivery's is what was sent below the trace fields the server put above it.
    for w in load.writes:
        if w.kind == "append":
            assert mail["Projects"][w.key] == w.content, w.key
        elif w.kind == "smtp":
            assert mail["INBOX"][w.key].endswith(w.content), w.key
    return SimpleNamespace(path=root / "b", writes=load.writes, began=began, ended=ended, hashes=sha256s(mail))


def test_backup_under_mixed_load(backup_under_load, relais_factory, tmp_path):
    """SMTP, IMAP APPEND, CalDAV and CardDAV writers all ran while `relais backup` did; restored
    into a new directory, into PostgreSQL, and from a backup of that back into a directory, every
    write acknowledged before the backup began is there, byte for byte with the ETag its client
    holds."""
    b = backup_under_load
    before = [w for w in b.writes if w.at < b.began]
    during = {k: sum(w.kind == k and b.began <= w.at <= b.ended for w in b.writes) for k in KINDS}
    assert len(before) >= 160, len(before)
    assert all(during.values()), f"a writer had nothing acknowledged while the backup ran: {during}"

    copy = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    assert "restore complete" in copy.command("restore", str(b.path)).stdout
    copy.start()
    check_acknowledged(copy, before, b.hashes)
    copy.stop()

    pg = relais_factory("pg", listeners=LISTENERS, settings=pg_settings())
    pg.command("restore", str(b.path))
    pg.start()
    check_acknowledged(pg, before, b.hashes)
    backup(pg, tmp_path / "b2")
    pg.stop()
    back = relais_factory("back", listeners=LISTENERS, settings=SETTINGS)
    back.command("restore", str(tmp_path / "b2"))
    back.start()
    check_acknowledged(back, before, b.hashes)
    print(f"{len(before)} writes before the backup, {during} while it ran ({b.ended - b.began:.2f} s)")


def put_book(r):
    """test_carddav's `book` fixture: three cards."""
    s = test_caldav.session()
    for name, card in [("ada.vcf", test_carddav.ADA), ("grace.vcf", test_carddav.GRACE),
                       ("alan.vcf", test_carddav.ALAN)]:
        assert test_carddav.put_vcf(s, test_carddav.book_url(r, resource=name), card).status_code == 201


SUITE = [
    test_imap.test_folders_and_special_use,
    test_imap.test_fetch_store_search,
    test_imap.test_copy_move_expunge_append,
    test_imap.test_two_sessions_see_each_other,
    test_imap.test_idle_woken_by_smtp_delivery,
    test_imap.test_condstore_and_qresync,
    test_imap.test_thread,
    test_caldav.test_discovery_and_calendar_listing,
    test_caldav.test_event_create_update_with_etag_delete,
    test_caldav.test_todos,
    test_caldav.test_recurring_event_with_override_and_exdate,
    test_caldav.test_calendar_multiget,
    test_caldav.test_sync_tokens,
    test_caldav.test_free_busy,
    test_carddav.test_discovery,
    test_carddav.test_put_and_get_as_stored,
    test_carddav.test_addressbook_query_text_match,
]
NEEDS_BOOK = {test_carddav.test_put_and_get_as_stored, test_carddav.test_addressbook_query_text_match}


@pytest.mark.parametrize("check", SUITE, ids=lambda f: f"{f.__module__}.{f.__name__}")
@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_suites_on_data_restored_from_a_backup_under_load(backup_under_load, relais_factory, check, backend):
    """A test of the IMAP, CalDAV or CardDAV suite, run as it is on a server started on a
    restore of the backup taken under load (alice there as the suite's fixture makes her), on
    the embedded store and on PostgreSQL (the backup was taken of the embedded one)."""
    settings = SUITE_SETTINGS
    if backend == "postgres":
        settings = {**SUITE_SETTINGS, "store": {"backend": "postgres", "url": pg_database("relais_suite")}}
    r = relais_factory(backend, listeners=SUITE_LISTENERS, settings=settings)
    r.command("restore", str(backup_under_load.path))
    r.start()
    if check in NEEDS_BOOK:
        put_book(r)
    check(r)
