"""Migration in from another IMAP server with `relais admin migrate imap`, from a private
Dovecot (interop/dovecot_peer.py): every folder (non-ASCII names and a tree), flags, keywords
and internal dates arrive as Dovecot shows them; a re-run adds nothing; mail that arrived since
is picked up; a run killed halfway through the issue's mailbox (10,000 messages with flags and
keywords in a folder tree, written into Dovecot's Maildir directly) resumes without duplicates,
ending with the source's messages byte for byte and their flags; a source that renumbered its
UIDs (new UIDVALIDITY) is matched by Message-ID, date and size; and a CSV of accounts runs with
a concurrency limit and a report line per account. Read back with imapclient on both sides."""

import hashlib
import re
import signal
import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

from imapclient import IMAPClient

from dovecot_peer import DovecotPeer

DOMAIN = "example.test"
ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"
SETTINGS = {"imap": {"plaintext_auth_on_loopback": True}}
FOLDERS = ["Work", "Work/2026", "Réunions", "Archive Old"]


def relais_with_users(relais_factory):
    r = relais_factory(listeners=["imap"], settings=SETTINGS).start()
    r.admin("domain", "add", DOMAIN)
    for u in (ALICE, BOB):
        r.admin("user", "add", u, "--password", "pw")
    return r


def dovecot(dc, user):
    c = IMAPClient("127.0.0.1", port=dc.port, ssl=False, timeout=30)
    c.login(user, dc.password)
    return c


def relais_imap(r, user):
    host, port = r.addr("imap")
    c = IMAPClient(host, port=port, ssl=False, timeout=30)
    c.login(user, "pw")
    return c


def message(i, folder="INBOX", message_id=True, size=0):
    mid = f"Message-ID: <m{i}.{abs(hash(folder))}@source.test>\r\n" if message_id else ""
    pad = "x" * size
    return (f"From: someone@source.test\r\nSubject: {folder} {i}\r\n{mid}\r\nbody {i} {pad}\r\n").encode()


def fill(c, folder, count, start=0):
    """Messages with a mix of flags, keywords and internal dates."""
    flag_sets = [(), (b"\\Seen",), (b"\\Seen", b"\\Flagged", b"$Label1"), (b"\\Answered", b"Important"), (b"\\Draft",)]
    for i in range(start, start + count):
        when = datetime(2020 + i % 5, 1 + i % 12, 1 + i % 28, 10, i % 60, tzinfo=timezone.utc)
        c.append(folder, message(i, folder, message_id=i % 7 != 3), flags=flag_sets[i % len(flag_sets)], msg_time=when)


def listing(c):
    """Per folder: sorted (subject, flags without \\Recent, internal date) of every message."""
    out = {}
    for _flags, _delim, name in c.list_folders():
        if name.startswith("Other Users"):
            continue
        info = c.select_folder(name, readonly=True)
        rows = []
        if info[b"EXISTS"]:
            for data in c.fetch(c.search("ALL"), ["FLAGS", "INTERNALDATE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]).values():
                flags = tuple(sorted(f.decode() for f in data[b"FLAGS"] if f.lower() != b"\\recent"))
                subject = data[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().strip()
                rows.append((subject, flags, data[b"INTERNALDATE"].timestamp()))
        out[name] = sorted(rows)
    return out


def migrate(r, dc, account, user, check=True):
    return r.admin("migrate", "imap", "--host", "127.0.0.1", "--port", str(dc.port), "--plain", "--user", user,
                   "--password", dc.password, account, check=check)


def without_empty(listing_):
    return {k: v for k, v in listing_.items() if v}


def test_folders_flags_dates_and_reruns(relais_factory):
    r = relais_with_users(relais_factory)
    with DovecotPeer() as dc:
        src = dovecot(dc, "alice")
        for f in FOLDERS:
            src.create_folder(f)
        fill(src, "INBOX", 12)
        fill(src, "Work", 5)
        fill(src, "Work/2026", 3)
        fill(src, "Réunions", 4)
        expected = listing(src)
        src.logout()

        out = migrate(r, dc, ALICE, "alice").stdout
        assert f"{ALICE}: ok, 24 messages migrated in 5 folders (0 already here)" in out, out
        dst = relais_imap(r, ALICE)
        got = listing(dst)
        for name, rows in expected.items():
            assert got.get(name) == rows, name
        assert "Réunions" in got and "Work/2026" in got

        # A second run adds nothing.
        out = migrate(r, dc, ALICE, "alice").stdout
        assert f"{ALICE}: ok, 0 messages migrated" in out and "; 0 with changed flags" in out, out
        assert listing(dst) == got

        # Flags changed at the source since (Dovecot offers CONDSTORE: only those are fetched)
        # reach the messages migrated before: added, removed, keywords, in two folders.
        src = dovecot(dc, "alice")
        src.select_folder("INBOX")
        inbox = sorted(src.search("ALL"))
        src.add_flags(inbox[0], [b"\\Flagged", b"$Label2"])
        src.remove_flags(inbox[1], [b"\\Seen"])
        src.set_flags(inbox[2], [b"\\Answered"])
        src.select_folder("Work/2026")
        src.add_flags(sorted(src.search("ALL"))[0], [b"\\Seen", b"Later"])
        expected = listing(src)
        src.logout()
        run = r.admin("migrate", "imap", "--host", "127.0.0.1", "--port", str(dc.port), "--plain", "--user", "alice",
                      "--password", dc.password, ALICE, env={"RUST_LOG": "relais::migrate=debug"})
        out = run.stdout
        assert f"{ALICE}: ok, 0 messages migrated" in out and "; 4 with changed flags" in out, out
        # Only the changed messages' flags were read (CHANGEDSINCE the modseq of the last run).
        assert re.search(r'folder="INBOX" changed_since=Some\(\d+\) fetched=3', run.stderr), run.stderr
        assert "INBOX -> INBOX: 0 new, 0 already here, 3 with changed flags" in out, out
        got = listing(dst)
        for name, rows in expected.items():
            assert got.get(name) == rows, name
        out = migrate(r, dc, ALICE, "alice").stdout
        assert "; 0 with changed flags" in out, out

        # Mail that arrived since, in two folders, is picked up, and only it.
        src = dovecot(dc, "alice")
        fill(src, "INBOX", 3, start=100)
        fill(src, "Work/2026", 2, start=100)
        expected = listing(src)
        src.logout()
        out = migrate(r, dc, ALICE, "alice").stdout
        assert f"{ALICE}: ok, 5 messages migrated" in out, out
        got = listing(dst)
        for name, rows in expected.items():
            assert got.get(name) == rows, name
        dst.logout()


# The mailbox: 10,000 messages in a tree of folders (a parent that is only a level, a
# non-ASCII name), as (folder, count).
TREE = [("INBOX", 3500), ("Work", 1500), ("Work/2026", 1500), ("Work/2026/Q1", 600), ("Archive", 900),
        ("Archive/2019", 800), ("Lists/rust", 900), ("Réunions", 300)]
FLAG_SETS = [(), ("\\Seen",), ("\\Seen", "\\Flagged", "$Label1"), ("\\Answered", "Important"), ("\\Draft",),
             ("\\Seen", "\\Answered", "$Forwarded"), ("\\Seen", "\\Deleted"), ("$Junk", "Later", "\\Seen")]


def tree_messages():
    """TREE's messages: flags and keywords in turn, 0.1–3 KiB, a Message-ID on most."""
    out = {}
    for folder, count in TREE:
        out[folder] = [(message(i, folder, message_id=i % 11 != 5, size=97 * (i % 31)), FLAG_SETS[i % len(FLAG_SETS)],
                        datetime(2015 + i % 11, 1 + i % 12, 1 + i % 28, i % 24, i % 60, tzinfo=timezone.utc).timestamp())
                       for i in range(count)]
    return out


def contents(c, folders):
    """Per folder: sorted (Message-ID, SHA-256 of BODY[], flags without \\Recent, internal date)."""
    out = {}
    for name in folders:
        exists = c.select_folder(name, readonly=True)[b"EXISTS"]
        fetched = {}
        for first in range(1, exists + 1, 500):  # imapclient takes a list of numbers, not 1:*
            fetched |= c.fetch(list(range(first, min(first + 500, exists + 1))), ["FLAGS", "INTERNALDATE", "BODY.PEEK[]"])
        rows = []
        for data in fetched.values():
            body = data[b"BODY[]"]
            mid = re.search(rb"(?im)^Message-ID: (<[^>]+>)", body)
            flags = tuple(sorted(f.decode() for f in data[b"FLAGS"] if f.lower() != b"\\recent"))
            rows.append((mid.group(1).decode() if mid else "", hashlib.sha256(body).hexdigest(), flags,
                         data[b"INTERNALDATE"].timestamp()))
        out[name] = sorted(rows)
    return out


def stored(c, folders):
    """How many messages the target holds so far, over folders that may not be made yet."""
    total = 0
    for name in folders:
        try:
            total += c.folder_status(name, [b"MESSAGES"])[b"MESSAGES"]
        except IMAPClient.Error:
            pass
    return total


def test_interrupted_run_resumes_without_duplicates(relais_factory):
    """The issue's size: 10,000 messages with flags and keywords in a folder tree, the run
    killed (SIGKILL) once about half are stored, then run again: it brings exactly the rest,
    and every folder holds exactly the source's messages — Message-ID, SHA-256 of BODY[],
    flags and internal date — once each."""
    r = relais_with_users(relais_factory)
    total = sum(n for _, n in TREE)
    with DovecotPeer(base="/dev/shm") as dc:
        dc.write_maildir("bulk", tree_messages())
        src = dovecot(dc, "bulk")
        selectable = sorted(n for flags, _, n in src.list_folders() if b"\\Noselect" not in flags)
        assert selectable == sorted(f for f, _ in TREE), selectable
        expected = contents(src, selectable)
        src.logout()
        assert sum(map(len, expected.values())) == total
        assert {row[2] for rows in expected.values() for row in rows} == {tuple(sorted(f)) for f in FLAG_SETS}

        argv = [str(r.binary), "admin", "--data", str(r.data_dir), "--config", str(r.config_path), "migrate", "imap",
                "--host", "127.0.0.1", "--port", str(dc.port), "--plain", "--user", "bulk", "--password", dc.password,
                ALICE]
        proc = subprocess.Popen(argv, env=r.environ(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        dst = relais_imap(r, ALICE)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and stored(dst, selectable) < total // 2:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        partial = stored(dst, selectable)
        assert total // 2 <= partial < total, f"the run was to be killed halfway, it had stored {partial}"

        out = migrate(r, dc, ALICE, "bulk").stdout
        assert f"{total - partial} messages migrated in {len(TREE)} folders" in out, out
        assert contents(dst, selectable) == expected, "exactly the source's messages and flags, once each"
        others = [n for _, _, n in dst.list_folders() if n not in selectable and not n.startswith("Other Users")]
        assert "Lists" in others and stored(dst, others) == 0, others
        dst.logout()


def test_new_uidvalidity_is_matched_by_message_id_date_and_size(relais_factory):
    r = relais_with_users(relais_factory)
    with DovecotPeer() as dc:
        src = dovecot(dc, "carol")
        src.create_folder("Work")
        fill(src, "Work", 14)
        before = src.select_folder("Work")[b"UIDVALIDITY"]
        src.logout()
        migrate(r, dc, BOB, "carol")

        # Dovecot forgets the folder's UIDs: it numbers the messages again under a new UIDVALIDITY.
        folder = Path(dc.dir) / "mail" / "carol" / "Maildir" / ".Work"
        for f in folder.iterdir():
            if f.name.startswith("dovecot.index") or f.name == "dovecot-uidlist":
                f.unlink()
        time.sleep(1.1)
        src = dovecot(dc, "carol")
        assert src.select_folder("Work")[b"UIDVALIDITY"] != before, "the test needs a new UIDVALIDITY"
        fill(src, "Work", 1, start=50)
        expected = listing(src)
        src.logout()

        out = migrate(r, dc, BOB, "carol").stdout
        assert "Work -> Work: 1 new, 14 already here" in out, out
        dst = relais_imap(r, BOB)
        assert listing(dst)["Work"] == expected["Work"]
        dst.logout()


def test_bulk_csv_with_a_report_per_account(relais_factory, tmp_path):
    r = relais_with_users(relais_factory)
    with DovecotPeer() as dc:
        for user, n in (("u1", 3), ("u2", 4)):
            src = dovecot(dc, user)
            fill(src, "INBOX", n)
            src.logout()
        csv = tmp_path / "accounts.csv"
        csv.write_text(
            "account,user,password,port,security\n"
            f"{ALICE},u1,{dc.password},{dc.port},plain\n"
            f"{BOB},u2,\"{dc.password}\",{dc.port},plain\n"
            f"nobody@{DOMAIN},u3,{dc.password},{dc.port},plain\n")
        proc = r.admin("migrate", "imap", "--host", "127.0.0.1", "--csv", csv, "--concurrency", "2", check=False)
        assert proc.returncode != 0, ("one account failed", proc.stderr)
        out = proc.stdout
        assert f"{ALICE}: ok, 3 messages migrated" in out, (out, proc.stderr)
        assert f"{BOB}: ok, 4 messages migrated" in out, out
        assert f"nobody@{DOMAIN}: FAILED" in out and "2 of 3 accounts migrated" in out, out
        assert "run the same command again" in proc.stderr

        # A wrong password is a clear failure, not a hang.
        proc = r.admin("migrate", "imap", "--host", "127.0.0.1", "--port", str(dc.port), "--plain", "--user", "u1",
                       "--password", "wrong", ALICE, check=False)
        assert proc.returncode != 0 and "login at the source server" in proc.stderr, proc.stderr


def test_from_relais_over_tls_and_starttls(relais_factory):
    """Another Relais as the source, over implicit TLS and over STARTTLS, its certificate
    verified against the file given with --ca-file; an unknown certificate is refused."""
    source = relais_factory("source", listeners=["imap", "imaps"],
                            settings={**SETTINGS, "server": {"hostname": "localhost"}}).start()
    source.admin("domain", "add", DOMAIN)
    source.admin("user", "add", ALICE, "--password", "pw")
    c = relais_imap(source, ALICE)
    c.create_folder("Projects")
    fill(c, "INBOX", 4)
    fill(c, "Projects", 2)
    expected = listing(c)
    c.logout()
    target = relais_with_users(relais_factory)
    (_, imaps), (_, imap) = source.addr("imaps"), source.addr("imap")

    def run(*security, check=True):
        return target.admin("migrate", "imap", "--host", "localhost", *security, "--user", ALICE, "--password", "pw",
                            BOB, check=check)

    refused = run("--tls", "--port", str(imaps), check=False)
    assert refused.returncode != 0 and "TLS" in refused.stderr, refused.stderr
    out = run("--tls", "--port", str(imaps), "--ca-file", str(source.cert_path)).stdout
    assert f"{BOB}: ok, 6 messages migrated" in out, out
    # The same source over STARTTLS is another source name (another port): matched, not duplicated.
    out = run("--starttls", "--port", str(imap), "--ca-file", str(source.cert_path)).stdout
    assert f"{BOB}: ok, 0 messages migrated" in out and "(6 already here)" in out, out
    dst = relais_imap(target, BOB)
    got = listing(dst)
    for name, rows in expected.items():
        assert got.get(name) == rows, name
    dst.logout()


def dav_pair(relais_factory, target_users):
    """A source Relais with ALICE and a target Relais with `target_users`, DAV over plain HTTP."""
    dav_settings = {"dav": {"plaintext_auth_on_loopback": True}}
    source = relais_factory("davsource", settings=dav_settings).start()
    source.admin("domain", "add", DOMAIN)
    source.admin("user", "add", ALICE, "--password", "pw")
    target = relais_factory("davtarget", settings=dav_settings).start()
    target.admin("domain", "add", DOMAIN)
    for u in target_users:
        target.admin("user", "add", u, "--password", "pw")
    return source, target


def test_dav_from_another_relais(relais_factory):
    """`relais admin migrate dav` from a second Relais: calendars (one made by MKCALENDAR with
    a display name), a task list and an address book found from the server's root URL; every
    object arrives byte for byte by GET; a re-run adds nothing; an object added since is picked
    up, and objects changed at the source since replace their copies here (only those)."""
    import requests

    source, target = dav_pair(relais_factory, [BOB])

    def session(user):
        s = requests.Session()
        s.auth = (user, "pw")
        s.trust_env = False
        return s

    src = session(ALICE)
    base = f"{source.http_url}/dav"
    mk = ('<?xml version="1.0"?><c:mkcalendar xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
          '<d:set><d:prop><d:displayname>Team work</d:displayname></d:prop></d:set></c:mkcalendar>')
    assert src.request("MKCALENDAR", f"{base}/calendars/{ALICE}/Work/", data=mk).status_code == 201

    def event(uid, summary):
        return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T100000Z\r\n"
                f"DTEND:20260105T110000Z\r\nSUMMARY:{summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

    objects = {
        f"calendars/{ALICE}/Calendar/e1.ics": event("e1", "Review"),
        f"calendars/{ALICE}/Work/R%C3%A9union.ics": event("e2", "Réunion"),
        f"calendars/{ALICE}/Tasks/t1.ics": ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\n"
                                            "UID:t1\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Pay\r\nEND:VTODO\r\n"
                                            "END:VCALENDAR\r\n"),
        f"addressbooks/{ALICE}/Contacts/c1.vcf": ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:Carol\r\n"
                                                  "EMAIL:carol@elsewhere.test\r\nEND:VCARD\r\n"),
    }
    for path, body in objects.items():
        put = src.put(f"{base}/{path}", data=body.encode())
        assert put.status_code == 201, (path, put.status_code, put.text)

    def migrate_dav():
        return target.admin("migrate", "dav", "--url", f"{source.http_url}/", "--user", ALICE, "--password", "pw",
                            BOB).stdout

    out = migrate_dav()
    assert f"{BOB}: ok, 4 objects migrated" in out and "4 read by multiget, 0 by GET" in out, out
    dst = session(BOB)
    for path, body in objects.items():
        got = dst.get(f"{target.http_url}/dav/{path.replace(ALICE, BOB)}")
        assert got.status_code == 200 and got.content == body.encode(), (path, got.status_code)
    props = dst.request("PROPFIND", f"{target.http_url}/dav/calendars/{BOB}/Work/", headers={"Depth": "0"},
                        data='<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>')
    assert "Team work" in props.text, props.text

    out = migrate_dav()
    assert f"{BOB}: ok, 0 objects migrated" in out and "(4 already here" in out, out
    assert src.put(f"{base}/calendars/{ALICE}/Calendar/e3.ics", data=event("e3", "Later").encode()).status_code == 201
    out = migrate_dav()
    assert f"{BOB}: ok, 1 objects migrated" in out, out

    # Objects changed at the source since reach the copies here on the next run; the others are
    # compared and left as they are (the same ETag here).
    def here(path):
        return dst.get(f"{target.http_url}/dav/{path.replace(ALICE, BOB)}")

    etags = {path: here(path).headers["ETag"] for path in objects}
    changed = {f"calendars/{ALICE}/Calendar/e1.ics": event("e1", "Review, moved"),
               f"addressbooks/{ALICE}/Contacts/c1.vcf": objects[f"addressbooks/{ALICE}/Contacts/c1.vcf"].replace(
                   "carol@elsewhere.test", "carol@new.test")}
    for path, body in changed.items():
        assert src.put(f"{base}/{path}", data=body.encode()).status_code in (200, 204), path
    out = migrate_dav()
    assert f"{BOB}: ok, 0 objects migrated" in out and "(3 already here" in out, out
    assert "; 2 changed at the source;" in out, out
    for path, body in objects.items():
        got = here(path)
        if path in changed:
            assert got.content == changed[path].encode() and got.headers["ETag"] != etags[path], path
        else:
            assert got.content == body.encode() and got.headers["ETag"] == etags[path], path
    out = migrate_dav()
    assert "(5 already here" in out and "; 0 changed at the source;" in out, out
    assert "0 read by multiget, 0 by GET" in out, "nothing the source left as it was is read again"

    # Changes made here since are never overwritten: an event edited here and at the source
    # keeps this side's version (reported), a contact edited here alone is left alone, a task
    # deleted here stays deleted although the source changed it.
    e1, c1, t1 = (f"calendars/{ALICE}/Calendar/e1.ics", f"addressbooks/{ALICE}/Contacts/c1.vcf",
                  f"calendars/{ALICE}/Tasks/t1.ics")
    mine = {e1: event("e1", "Review, edited here"), c1: objects[c1].replace("FN:Carol", "FN:Carol Here")}
    for path, body in mine.items():
        assert dst.put(f"{target.http_url}/dav/{path.replace(ALICE, BOB)}", data=body.encode()).status_code == 204
    assert dst.delete(f"{target.http_url}/dav/{t1.replace(ALICE, BOB)}").status_code == 204
    assert src.put(f"{base}/{e1}", data=event("e1", "Review, moved again").encode()).status_code == 204
    assert src.put(f"{base}/{t1}", data=objects[t1].replace("Pay", "Pay twice").encode()).status_code == 204
    out = migrate_dav()
    assert "; 0 changed at the source; 2 changed here and kept;" in out, out
    assert "kept as it is here (changed here since the last run): e1.ics" in out, out
    for path, body in mine.items():
        assert here(path).content == body.encode(), path
    assert here(t1).status_code == 404

    bad = target.admin("migrate", "dav", "--url", f"{source.http_url}/", "--user", ALICE, "--password", "nope", BOB,
                       check=False)
    assert bad.returncode != 0 and "refused the login" in bad.stderr, bad.stderr


class RefusesReport:
    """A proxy in front of a DAV server that refuses REPORT (405), as some servers do for
    multiget; everything else is passed through."""

    def __init__(self, upstream):
        import http.client
        import http.server
        import threading

        host, port = upstream

        class Handler(http.server.BaseHTTPRequestHandler):
            def forward(self):
                if self.command == "REPORT":
                    self.send_response(405)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                c = http.client.HTTPConnection(host, port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                c.request(self.command, self.path, body=body, headers=headers)
                r = c.getresponse()
                data = r.read()
                self.send_response(r.status)
                for k, v in r.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                c.close()

            do_GET = do_PROPFIND = do_REPORT = do_OPTIONS = forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_dav_multiget_in_batches_and_get_fallback(relais_factory):
    """130 events come in two calendar-multiget REPORTs (batches of 100), byte for byte; from a
    source that refuses REPORT the same objects come by GET."""
    import requests

    source, target = dav_pair(relais_factory, [BOB, f"carol@{DOMAIN}"])
    s = requests.Session()
    s.auth = (ALICE, "pw")
    s.trust_env = False
    objects = {}
    for i in range(130):
        body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\n"
                f"UID:e{i}\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T{10 + i % 8:02}0000Z\r\n"
                f"DURATION:PT1H\r\nSUMMARY:Event {i} & <more>\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        name = f"e{i}.ics"
        assert s.put(f"{source.http_url}/dav/calendars/{ALICE}/Calendar/{name}", data=body.encode()).status_code == 201
        objects[name] = body.encode()

    def check(user):
        dst = requests.Session()
        dst.auth = (user, "pw")
        dst.trust_env = False
        for name, body in list(objects.items())[::13]:
            got = dst.get(f"{target.http_url}/dav/calendars/{user}/Calendar/{name}")
            assert got.status_code == 200 and got.content == body, (name, got.status_code)

    out = target.admin("migrate", "dav", "--url", f"{source.http_url}/", "--user", ALICE, "--password", "pw",
                       BOB).stdout
    assert f"{BOB}: ok, 130 objects migrated" in out and "130 read by multiget, 0 by GET" in out, out
    check(BOB)

    proxy = RefusesReport(source.addr("http"))
    try:
        carol = f"carol@{DOMAIN}"
        out = target.admin("migrate", "dav", "--url", proxy.url, "--user", ALICE, "--password", "pw", carol).stdout
        assert f"{carol}: ok, 130 objects migrated" in out and "0 read by multiget, 130 by GET" in out, out
        check(carol)
    finally:
        proxy.close()
