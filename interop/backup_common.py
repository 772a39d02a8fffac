"""What test_backup.py and test_backup_damage.py share: Alice's account, the mail seeded into
it, what an IMAP client holds of it, and a new PostgreSQL database to restore into."""

import hashlib
import imaplib
import json
import os
import smtplib
import subprocess
import uuid

import pytest

DOMAIN = "example.test"
USER, PASSWORD = f"alice@{DOMAIN}", "alice-pw"


def pg_database(prefix):
    """The URL of a new, empty database `prefix_…` on the server of RELAIS_TEST_PG_URL; without
    it the test is skipped."""
    url = os.environ.get("RELAIS_TEST_PG_URL")
    if not url:
        pytest.skip("RELAIS_TEST_PG_URL is not set (scripts/test sets it)")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    subprocess.run(["psql", url, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return url.rsplit("/", 1)[0] + "/" + name


def imap(r):
    c = imaplib.IMAP4(*r.addr("imap"))
    c.login(USER, PASSWORD)
    return c


def seed_mail(r, messages, padding=0, expunge=False):
    """Alice and her domain, with `messages` notes delivered over SMTP (the third says
    "zebracorn"; note i ends in i × `padding` z's), the second flagged \\Flagged $Important, the
    fourth expunged when `expunge`, and the first and third copied into Projects."""
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    with smtplib.SMTP(*r.addr("smtp")) as s:
        for i in range(messages):
            word = "zebracorn" if i == 2 else f"plain{i}"
            tail = f" {'z' * padding * i}" if padding else ""
            body = f"Subject: note {i}\r\nMessage-ID: <n{i}@x>\r\n\r\n{word} body{tail}\r\n"
            s.sendmail("x@elsewhere.test", [USER], body.encode())
    c = imap(r)
    c.select("INBOX")
    c.uid("STORE", "2", "+FLAGS", "(\\Flagged $Important)")
    if expunge:
        c.uid("STORE", "4", "+FLAGS", "(\\Deleted)")
        c.expunge()
    c.create("Projects")
    c.uid("COPY", "1,3", "Projects")
    c.logout()


def mail_state(r, contents=False):
    """What an IMAP client holds: per mailbox UIDVALIDITY and (UID, FLAGS, MODSEQ) of each
    message (with `contents`, every message's content too), and a full-text SEARCH answer."""
    c = imap(r)
    out = {}
    for box in ("INBOX", "Projects"):
        # EXAMINE: looking must not change what is compared (a SELECT claims \Recent).
        c.select(box, readonly=True)
        validity = c.response("UIDVALIDITY")[1][0]
        _, data = c.uid("FETCH", "1:*", "(FLAGS MODSEQ)")
        out[box] = (validity, sorted(m.decode() for m in data if m))
        if contents:
            _, bodies = c.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
            out[box] += (sorted(part[1] for part in bodies if isinstance(part, tuple)),)
    c.select("INBOX")
    out["search"] = c.uid("SEARCH", "TEXT", "zebracorn")[1]
    c.logout()
    return out


# A backup's tables (format 4): each table's rows in content-defined chunks, in packs under
# tables/ with an index (`[sha256, pack, offset, length]` a line), listed in order in the
# manifest's table entries; an incremental backup holds only the chunks its chain does not.

def manifest_of(b):
    return json.loads((b / "manifest.json").read_text())


def chunk_places(b):
    """The table chunks backup `b` holds itself: name -> (pack file, offset, length)."""
    out = {}
    for line in (b / "tables" / "index.jsonl").read_text().splitlines():
        name, pack, offset, length = json.loads(line)
        out[name] = (b / "tables" / f"pack-{pack:06}", offset, length)
    return out


def table_chunks(b, table):
    """The chunks of `table` in backup `b`'s manifest, in order (wherever in its chain each is)."""
    return next(t for t in manifest_of(b)["tables"] if t["name"] == table)["chunks"]


def chunk_bytes(b):
    """The octets of table chunks backup `b` holds itself."""
    return sum(length for _, _, length in chunk_places(b).values())


def read_chunk(place):
    pack, offset, length = place
    with open(pack, "rb") as f:
        f.seek(offset)
        return f.read(length)


def as_format_3(b):
    """Rewrites a full backup of format 4 as format 3 wrote it: a file per table,
    tables/<table>.jsonl, its first line the column names, and its SHA-256 in the manifest."""
    manifest = manifest_of(b)
    places = chunk_places(b)
    for entry in manifest["tables"]:
        header = json.dumps(entry.pop("columns"), separators=(",", ":")).encode() + b"\n"
        content = header + b"".join(read_chunk(places[c["sha256"]]) for c in entry.pop("chunks", []))
        (b / "tables" / f"{entry['name']}.jsonl").write_bytes(content)
        entry["sha256"] = hashlib.sha256(content).hexdigest()
    for p in list((b / "tables").glob("pack-*")) + [b / "tables" / "index.jsonl"]:
        p.unlink()
    manifest["version"] = 3
    del manifest["chunked"], manifest["table_chunks"]
    (b / "manifest.json").write_text(json.dumps(manifest, indent=2))
    (b / "manifest.sha256").write_text(
        f"{hashlib.sha256((b / 'manifest.json').read_bytes()).hexdigest()}  manifest.json\n")
