"""What `relais restore` refuses, with the real binary: a backup damaged in each way a disk, a
copy or a hand can damage it (a truncated or bit-flipped table chunk, in the backup or in the
base of an incremental one, a bit-flipped or missing blob, a manifest whose numbers were
changed, a truncated archive), and one made by a newer Relais.
Each is refused with a non-zero exit and a message naming the problem, and nothing is written:
the same target then takes the intact backup. And what it accepts: a backup made at an older
schema (a server since upgraded), which is restored at that schema and migrated, one made
before backups carried `manifest.sha256`, and those of the formats before table chunks."""

import hashlib
import json
import re
import shutil
import smtplib
import subprocess
import time

import pytest

from backup_common import (USER, as_format_3, chunk_places, imap, mail_state, manifest_of, pg_database, seed_mail,
                           table_chunks)
from harness import Relais

SETTINGS = {"imap": {"plaintext_auth_on_loopback": True}}
LISTENERS = ["smtp", "imap"]
# The oldest schema version a backup can have (that of the first Relais that wrote backups).
OLDEST_SCHEMA = 10


def pg_settings():
    db = pg_database("relais_damage")
    return {**SETTINGS, "store": {"backend": "postgres", "url": db}}, db


def seed(r):
    seed_mail(r, 4, padding=3000)


def state(r):
    return mail_state(r, contents=True)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One small backup, as a directory and as an archive, and what clients saw when it was made;
    and an incremental backup on the directory after one more message, `incr`."""
    root = tmp_path_factory.mktemp("damage")
    with Relais(root / "source", listeners=LISTENERS, settings=SETTINGS) as source:
        seed(source)
        before = state(source)
        source.command("backup", str(root / "good"))
        source.command("backup", str(root / "good.tar.gz"))
        with smtplib.SMTP(*source.addr("smtp")) as s:
            s.sendmail("x@elsewhere.test", [USER], b"Subject: later\r\n\r\none more\r\n")
        source.command("backup", "--incremental-from", str(root / "good"), str(root / "incr"))
    return root, before


def schema_of(backup):
    """The schema version the binary under test writes, as its backup says."""
    return json.loads((backup / "manifest.json").read_text())["schema"]


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(backup, manifest):
    """Writes manifest.json and its checksum as the binary would: what a newer or older Relais
    made, rather than damage."""
    (backup / "manifest.json").write_text(json.dumps(manifest, indent=2))
    (backup / "manifest.sha256").write_text(f"{sha256(backup / 'manifest.json')}  manifest.json\n")


def flip_bit(path, at=None):
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2 if at is None else at] ^= 0x04
    path.write_bytes(bytes(raw))


def chunk_of(b, table):
    """Where the first chunk of `table` is in backup `b`: (pack, offset, length)."""
    return chunk_places(b)[table_chunks(b, table)[0]["sha256"]]


def truncate_table(b):
    """The table pack cut in the middle of the items table's first chunk."""
    pack, offset, length = chunk_of(b, "items")
    with open(pack, "r+b") as f:
        f.truncate(offset + length // 2)
    return ["damaged", "tables/items.jsonl chunk 1 of", "shorter than its index says"]


def flip_table_bit(b):
    pack, offset, length = chunk_of(b, "collections")
    flip_bit(pack, offset + length // 2)
    sha = table_chunks(b, "collections")[0]["sha256"]
    return ["damaged", f"tables/collections.jsonl chunk 1 of 1 ({sha})", "checksum differs"]


def index(b):
    """The pack index: [name, pack, offset, length] per blob."""
    return [json.loads(line) for line in (b / "blobs" / "index.jsonl").read_text().splitlines()]


def pack_of(b, number):
    return b / "blobs" / f"pack-{number:06}"


def largest_blob(b):
    return max(index(b), key=lambda e: e[3])


def flip_blob_bit(b):
    name, pack, offset, length = largest_blob(b)
    flip_bit(pack_of(b, pack), offset + length // 2)
    return ["damaged", f"blob {name}", "does not match its name"]


def truncate_pack(b):
    name, pack, offset, length = max(index(b), key=lambda e: (e[1], e[2]))
    with open(pack_of(b, pack), "r+b") as f:
        f.truncate(offset + length - 1)
    return ["damaged", f"blob {name}", "shorter than its index says"]


def remove_blob(b):
    """The blob's line taken out of the index, and the index's checksum in the manifest made to
    match (a hand, not a disk): the snapshot still references it."""
    entries = index(b)
    gone = largest_blob(b)
    text = "".join(json.dumps(e, separators=(",", ":")) + "\n" for e in entries if e != gone)
    (b / "blobs" / "index.jsonl").write_text(text)
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["packed"] = sha256(b / "blobs" / "index.jsonl")
    manifest["blobs"]["count"] -= 1
    write_manifest(b, manifest)
    return ["damaged", f"blob {gone[0]}", "in no backup"]


def flip_index_bit(b):
    flip_bit(b / "blobs" / "index.jsonl")
    return ["damaged", "blobs/index.jsonl", "checksum differs"]


def change_version(b):
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["version"] = 7  # a format a later Relais might write
    write_manifest(b, manifest)
    return ["not a Relais backup of format 1, 2, 3 or 4"]


def change_version_by_hand(b):
    text = (b / "manifest.json").read_text()
    (b / "manifest.json").write_text(re.sub(r'"version": 4', '"version": 1', text, count=1))
    return ["damaged", "manifest.json", "manifest.sha256"]


def newer_schema(b):
    manifest = json.loads((b / "manifest.json").read_text())
    schema = manifest["schema"]
    manifest["schema"] = schema + 1
    write_manifest(b, manifest)
    return [f"schema version {schema + 1}", f"this binary's {schema}", "at least as new"]


def ancient_schema(b):
    manifest = json.loads((b / "manifest.json").read_text())
    manifest["schema"] = OLDEST_SCHEMA - 1
    write_manifest(b, manifest)
    return [f"schema version {OLDEST_SCHEMA - 1}", "older than any Relais that wrote backups"]


def flip_sequence_digit(b):
    text = (b / "manifest.json").read_text()
    m = re.search(r'"items",\s*(\d+)', text)
    digit = m.start(1)
    flipped = "1" if text[digit] != "1" else "2"
    (b / "manifest.json").write_text(text[:digit] + flipped + text[digit + 1:])
    assert json.loads((b / "manifest.json").read_text()), "still parses"
    return ["damaged", "manifest.json", "manifest.sha256"]


DAMAGE = [truncate_table, flip_table_bit, flip_blob_bit, truncate_pack, remove_blob, flip_index_bit, change_version,
          change_version_by_hand,
          newer_schema, ancient_schema, flip_sequence_digit]


def assert_refused(target, backup, expected, good):
    out = target.command("restore", str(backup), check=False)
    assert out.returncode != 0, out.stdout
    for text in expected:
        assert text in out.stderr, f"{text!r} not in: {out.stderr}"
    assert "restore complete" not in out.stdout
    # Nothing was written: the same target still takes a restore, which goes only into an
    # empty store.
    assert "restore complete" in target.command("restore", str(good)).stdout


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__)
def test_damaged_backup_is_refused(made, relais_factory, tmp_path, damage):
    root, _ = made
    backup = tmp_path / "backup"
    shutil.copytree(root / "good", backup)
    expected = damage(backup)
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    assert_refused(target, backup, expected, root / "good")


def test_damaged_chunk_in_the_base_is_refused(made, relais_factory, tmp_path):
    """A chunk of the full backup that the incremental one on it names (a table the new
    message did not change) flipped: the restore of the incremental refuses, naming the table,
    the chunk and the base backup that holds it."""
    root, _ = made
    for name in ("good", "incr"):
        shutil.copytree(root / name, tmp_path / name)
    held_by_base = chunk_places(tmp_path / "good")
    own = chunk_places(tmp_path / "incr")
    table, sha = next((t["name"], c["sha256"]) for t in manifest_of(tmp_path / "incr")["tables"]
                      for c in t["chunks"] if c["sha256"] in held_by_base and c["sha256"] not in own)
    pack, offset, length = held_by_base[sha]
    flip_bit(pack, offset + length // 2)
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    expected = ["damaged", f"tables/{table}.jsonl chunk", sha, f"in {tmp_path / 'good'}", "checksum differs"]
    assert_refused(target, tmp_path / "incr", expected, root / "incr")


def test_truncated_archive_is_refused(made, relais_factory, tmp_path):
    root, _ = made
    archive = root / "good.tar.gz"
    truncated = tmp_path / "t.tar.gz"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size * 2 // 3])
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    assert_refused(target, truncated, ["damaged", "t.tar.gz"], archive)


def test_newer_schema_is_refused_by_postgres_target(made, relais_factory, tmp_path):
    """Refused before the database is touched: it stays without a single table."""
    root, _ = made
    backup = tmp_path / "backup"
    shutil.copytree(root / "good", backup)
    expected = newer_schema(backup)
    settings, db = pg_settings()
    target = relais_factory("pg", listeners=LISTENERS, settings=settings)
    out = target.command("restore", str(backup), check=False)
    assert out.returncode != 0 and all(t in out.stderr for t in expected), out.stderr
    tables = subprocess.run(["psql", db, "-tAc", "SELECT count(*) FROM information_schema.tables "
                             "WHERE table_schema = 'public'"], check=True, capture_output=True, text=True)
    assert tables.stdout.strip() == "0", tables.stdout


# What migrations 0012 to 0028 added to what a backup holds (0014, 0023 and 0027 added only derived tables,
# 0022 dropped one):
# taking them out of a backup of schema 28 gives what a Relais of schema 11 wrote.
ADDED_AFTER_11 = {
    "tables": ["mailbox_subscriptions", "migration_progress", "migration_messages", "devices", "device_sync",
               "device_policies", "migration_objects", "identities", "api_tokens", "email_submissions",
               "share_notifications", "calendar_event_notifications"],
    "columns": {"collections": ["recent_uid"], "mailbox_messages": ["received_at"], "accounts": ["used_octets"]},
}


def as_schema_11(backup):
    as_format_3(backup)  # what a Relais of schema 11 wrote: a file per table
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["schema"] == 28, "add what the migrations after 28 added to ADDED_AFTER_11"
    for name in ADDED_AFTER_11["tables"]:
        (backup / "tables" / f"{name}.jsonl").unlink()
    manifest["tables"] = [t for t in manifest["tables"] if t["name"] not in ADDED_AFTER_11["tables"]]
    for table, dropped in ADDED_AFTER_11["columns"].items():
        path = backup / "tables" / f"{table}.jsonl"
        lines = path.read_text().splitlines()
        columns = json.loads(lines[0])
        keep = [i for i, c in enumerate(columns) if c not in dropped]
        rows = [json.loads(line) for line in lines]
        path.write_text("".join(json.dumps([row[i] for i in keep], separators=(",", ":")) + "\n" for row in rows))
        entry = next(t for t in manifest["tables"] if t["name"] == table)
        entry["sha256"] = sha256(path)
    manifest["schema"] = 11
    write_manifest(backup, manifest)


def without_recent(seen):
    def strip(box):
        validity, messages, contents = box
        return validity, [m.replace("\\Recent", "").replace("( ", "(").replace(" )", ")") for m in messages], contents
    return {k: strip(v) if k != "search" else v for k, v in seen.items()}


def test_backup_of_an_older_schema_restores_and_upgrades(made, relais_factory, tmp_path):
    """A backup as a Relais of schema 11 wrote it restores into both backends: the rows go in
    at 11, migrations 12 to 20 run on them, and clients see what they saw (UIDs, flags,
    MODSEQs, contents, search)."""
    root, before = made
    backup = tmp_path / "old"
    shutil.copytree(root / "good", backup)
    as_schema_11(backup)
    for name, settings in (("copy", SETTINGS), ("pg", pg_settings()[0])):
        target = relais_factory(name, listeners=LISTENERS, settings=settings)
        out = target.command("restore", str(backup))
        upgraded = f"upgraded from schema 11 to {schema_of(root / 'good')}"
        assert "restore complete" in out.stdout and upgraded in out.stdout, out.stdout
        target.start()
        # Schema 11 kept no \Recent mark (0015 added it): every message is recent again, as
        # after an upgrade in place.
        assert without_recent(state(target)) == without_recent(before)
        # The upgraded store takes new mail.
        with smtplib.SMTP(*target.addr("smtp")) as s:
            s.sendmail("x@elsewhere.test", [USER], b"Subject: after\r\n\r\nafter the upgrade\r\n")
        c = imap(target)
        c.select("INBOX")
        assert c.uid("SEARCH", "TEXT", "upgrade")[1][0], "the new message is found"
        c.logout()
        target.stop()


def test_backup_of_an_older_schema_needs_a_new_target(made, relais_factory, tmp_path):
    """A store the binary has already set up (empty, but at its own schema) cannot take an
    older backup: the migrations after the backup's schema must run on the restored rows."""
    root, _ = made
    backup = tmp_path / "old"
    shutil.copytree(root / "good", backup)
    as_schema_11(backup)
    target = relais_factory("target", listeners=LISTENERS, settings=SETTINGS)
    target.admin("domain", "list")  # opens, so creates, the store
    out = target.command("restore", str(backup), check=False)
    assert out.returncode != 0 and "already at schema version" in out.stderr and "of 11" in out.stderr, out.stderr
    assert "restore complete" in target.command("restore", str(root / "good")).stdout, "and it is still empty"


def test_an_interrupted_restore_is_never_taken_for_a_store(made, relais_factory):
    """A restore killed midway (SQLite: written without an fsync per write, made durable at
    its end) leaves the data directory marked: the server and the admin commands refuse it,
    saying why, and so does a restore into it."""
    root, _ = made
    target = relais_factory("interrupted", listeners=LISTENERS, settings=SETTINGS)
    argv = [str(target.binary), "restore", "--data", str(target.data_dir), "--config", str(target.config_path),
            str(root / "good")]
    marker, db = target.data_dir / "restore-unfinished", target.data_dir / "relais.db"
    proc = subprocess.Popen(argv, env=target.environ(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        # Killed once it has begun writing the database (before, there is nothing to refuse:
        # a restore into the directory just goes ahead).
        deadline = time.monotonic() + 60
        while not (marker.exists() and db.exists()) and proc.poll() is None and time.monotonic() < deadline:
            pass
        proc.kill()
    finally:
        proc.wait()
    assert marker.exists(), "the restore was killed after it marked the directory"
    out = target.admin("domain", "list", check=False)
    assert out.returncode != 0 and "never finished" in out.stderr, out.stderr
    serve = subprocess.run([str(target.binary), "serve", "--data", str(target.data_dir), "--config",
                            str(target.config_path)], env=target.environ(), stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
    assert serve.returncode != 0 and "never finished" in serve.stderr, serve.stderr
    again = target.command("restore", str(root / "good"), check=False)
    assert again.returncode != 0 and "never finished" in again.stderr, again.stderr


def test_backup_without_manifest_checksum_restores(made, relais_factory, tmp_path):
    """Backups made before manifest.sha256 existed have none; they restore as before."""
    root, before = made
    backup = tmp_path / "older"
    shutil.copytree(root / "good", backup)
    (backup / "manifest.sha256").unlink()
    target = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    assert "restore complete" in target.command("restore", str(backup)).stdout
    target.start()
    assert state(target) == before


def as_file_per_blob(backup):
    """Rewrites a backup as the first format wrote it: a file per table and per blob,
    blobs/ab/<sha256>, format 1, no pack index, no manifest.sha256."""
    as_format_3(backup)
    blobs = backup / "blobs"
    for name, pack, offset, length in index(backup):
        with open(pack_of(backup, pack), "rb") as f:
            f.seek(offset)
            content = f.read(length)
        (blobs / name[:2]).mkdir(exist_ok=True)
        (blobs / name[:2] / name).write_bytes(content)
    for p in list(blobs.glob("pack-*")) + [blobs / "index.jsonl", backup / "manifest.sha256"]:
        p.unlink()
    manifest = json.loads((backup / "manifest.json").read_text())
    manifest["version"] = 1
    del manifest["packed"]
    (backup / "manifest.json").write_text(json.dumps(manifest, indent=2))


def test_backup_of_the_third_format_restores(made, relais_factory, tmp_path):
    """A backup with a file per table (format 3, before table chunks) restores as before, into
    both backends, and a damaged table file in one is still named."""
    root, before = made
    backup = tmp_path / "third-format"
    shutil.copytree(root / "good", backup)
    as_format_3(backup)
    damaged = tmp_path / "third-format-damaged"
    shutil.copytree(backup, damaged)
    flip_bit(damaged / "tables" / "collections.jsonl")
    target = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    assert_refused(target, damaged, ["damaged", "tables/collections.jsonl", "checksum differs"], backup)
    target.start()
    assert state(target) == before
    target.stop()
    pg = relais_factory("pg", listeners=LISTENERS, settings=pg_settings()[0])
    assert "restore complete" in pg.command("restore", str(backup)).stdout
    pg.start()
    assert state(pg) == before


def test_backup_of_the_first_format_restores(made, relais_factory, tmp_path):
    """A backup with a file per blob (formats 1 and 2, before packs) restores as before, and a
    damaged blob file in one is still named."""
    root, before = made
    backup = tmp_path / "first-format"
    shutil.copytree(root / "good", backup)
    as_file_per_blob(backup)
    damaged = tmp_path / "first-format-damaged"
    shutil.copytree(backup, damaged)
    blob = max((damaged / "blobs").glob("*/*"), key=lambda p: p.stat().st_size)
    flip_bit(blob)
    target = relais_factory("copy", listeners=LISTENERS, settings=SETTINGS)
    assert_refused(target, damaged, ["damaged", f"blob {blob.name}", "does not match its name"], backup)
    target.start()
    assert state(target) == before
