"""Per-account export and import with `relais admin export|import`: mail as Maildir (folders,
flags, keywords and received dates kept), calendars and task lists as iCalendar and contacts as
vCard; read back with imaplib and requests; a second import adds nothing. The export is also read
by Python's mailbox.Maildir, an independent Maildir reader."""

import imaplib
import mailbox
import smtplib

import pytest
import requests

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"
SETTINGS = {"imap": {"plaintext_auth_on_loopback": True}, "dav": {"plaintext_auth_on_loopback": True}}


def imap(r, user):
    c = imaplib.IMAP4(*r.addr("imap"))
    c.login(user, "pw")
    return c


def dav(user):
    s = requests.Session()
    s.auth = (user, "pw")
    s.trust_env = False
    return s


def per_mailbox(r, user, items, row):
    """Per mailbox: the sorted `row(part)` of each message's FETCH `items` answer."""
    c = imap(r, user)
    out = {}
    for line in c.list()[1]:
        name = line.decode().rsplit(' "/" ', 1)[1].strip('"')
        _, exists = c.select(f'"{name}"', readonly=True)
        if exists[0] == b"0":
            out[name] = []
            continue
        _, data = c.fetch("1:*", items)
        out[name] = sorted(row(part) for part in data if isinstance(part, tuple))
    c.logout()
    return out


def listing(r, user):
    """Per mailbox: sorted (subject, flags, internal date) of its messages."""

    def row(part):
        meta = part[0].decode()
        # \Recent is the session's, not the message's (RFC 3501 §2.3.2): never exported.
        flags = sorted(f for f in meta.split("FLAGS (")[1].split(")")[0].split() if f != "\\Recent")
        date = meta.split('INTERNALDATE "')[1].split('"')[0]
        return (part[1].decode().strip(), tuple(flags), date)

    return per_mailbox(r, user, "(FLAGS INTERNALDATE BODY.PEEK[HEADER.FIELDS (SUBJECT)])", row)


def test_export_then_import(relais_factory, tmp_path):
    r = relais_factory(listeners=["smtp", "imap"], settings=SETTINGS).start()
    r.admin("domain", "add", DOMAIN)
    for u in (ALICE, BOB):
        r.admin("user", "add", u, "--password", "pw")
    with smtplib.SMTP(*r.addr("smtp")) as s:
        for i in range(3):
            s.sendmail("x@elsewhere.test", [ALICE], f"Subject: m{i}\r\nMessage-ID: <m{i}@x>\r\n\r\nbody {i}\r\n".encode())
    c = imap(r, ALICE)
    c.create("Work/2026")
    c.select("INBOX")
    c.store("1", "+FLAGS", "(\\Seen \\Flagged $Label1)")
    c.copy("2", "Work/2026")
    c.append("Work", "(\\Answered)", '"01-Feb-2020 10:00:00 +0000"', b"Subject: old\r\n\r\nfrom 2020\r\n")
    c.logout()
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:e1\r\nDTSTAMP:20260101T000000Z\r\n"
             "DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nSUMMARY:Review\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    assert dav(ALICE).put(f"{r.http_url}/dav/calendars/{ALICE}/Calendar/e1.ics", data=event).status_code == 201
    card = "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:c1\r\nFN:Carol\r\nEMAIL:carol@elsewhere.test\r\nEND:VCARD\r\n"
    put = dav(ALICE).put(f"{r.http_url}/dav/addressbooks/{ALICE}/Contacts/c1.vcf", data=card)
    assert put.status_code == 201, put.text
    todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VTODO\r\nUID:t1\r\nDTSTAMP:20260101T000000Z\r\n"
            "DUE:20260110T170000Z\r\nSUMMARY:Pay the invoice\r\nSTATUS:NEEDS-ACTION\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
    put = dav(ALICE).put(f"{r.http_url}/dav/calendars/{ALICE}/Tasks/t1.ics", data=todo)
    assert put.status_code == 201, put.text

    out = tmp_path / "alice"
    assert "exported 5 messages and 3" in r.admin("export", ALICE, out).stdout
    # An independent Maildir reader sees the folders and the flags.
    inbox = mailbox.Maildir(out / "mail" / "INBOX", create=False)
    flags = sorted(m.get_flags() for m in inbox)
    assert "FSa" in flags, flags  # \Flagged, \Seen and the first keyword (dovecot-keywords)
    assert (out / "mail" / "INBOX" / "dovecot-keywords").read_text() == "0 $Label1\n"
    assert (out / "mail" / "Work" / "2026" / "cur").is_dir()
    assert any(p.read_text().startswith("BEGIN:VCALENDAR") for p in (out / "calendars").rglob("*.ics"))
    assert (out / "tasks" / "Tasks" / "t1.ics").read_bytes() == todo.encode(), "the task list as iCalendar"

    result = r.admin("import", BOB, out).stdout
    assert "imported 5 messages and 3" in result, result
    mine, theirs = listing(r, ALICE), listing(r, BOB)
    for box in ("INBOX", "Work", "Work/2026"):
        assert theirs[box] == mine[box], box
    assert "$Label1" in str(theirs["INBOX"])
    assert any("01-Feb-2020" in row[2] for row in theirs["Work"])
    got = dav(BOB).get(f"{r.http_url}/dav/calendars/{BOB}/Calendar/e1.ics")
    assert got.status_code == 200 and "SUMMARY:Review" in got.text
    assert dav(BOB).get(f"{r.http_url}/dav/addressbooks/{BOB}/Contacts/c1.vcf").status_code == 200
    got = dav(BOB).get(f"{r.http_url}/dav/calendars/{BOB}/Tasks/t1.ics")
    assert got.status_code == 200 and got.content == todo.encode(), "the task, byte for byte, in the task list"

    again = r.admin("import", BOB, out).stdout
    assert "imported 0 messages and 0" in again and "(8 already there)" in again, again
    assert listing(r, BOB) == theirs
    assert r.admin("export", ALICE, out, check=False).returncode != 0  # never over an export


def test_maildir_keeps_keywords_past_dovecots_26_letters(relais_factory, tmp_path):
    """Dovecot's dovecot-keywords names 26 keywords a folder; the rest of a message's keywords
    are written beside it (relais-keywords) and read back by import, so none is lost."""
    r = relais_factory(listeners=["imap"], settings=SETTINGS).start()
    r.admin("domain", "add", DOMAIN)
    for u in (ALICE, BOB):
        r.admin("user", "add", u, "--password", "pw")
    words = [f"$K{i:02}" for i in range(30)]
    c = imap(r, ALICE)
    c.append("INBOX", f"(\\Seen {' '.join(words[:20])})", None, b"Subject: first\r\n\r\none\r\n")
    c.append("INBOX", f"({' '.join(words[10:])})", None, b"Subject: second\r\n\r\ntwo\r\n")
    c.logout()
    out = tmp_path / "alice"
    r.admin("export", ALICE, out)
    lettered = (out / "mail" / "INBOX" / "dovecot-keywords").read_text().splitlines()
    assert len(lettered) == 26, lettered
    beyond = (out / "mail" / "INBOX" / "relais-keywords").read_text()
    assert sorted(beyond.split()[1:]) == words[26:], beyond  # the second message's last four
    r.admin("import", BOB, out)
    mine, theirs = listing(r, ALICE), listing(r, BOB)
    assert theirs["INBOX"] == mine["INBOX"]
    assert sorted(theirs["INBOX"][1][1]) == sorted(words[10:]), theirs["INBOX"]


def bodies(r, user):
    """Per mailbox, the sorted full contents (BODY[]) of its messages."""
    return per_mailbox(r, user, "(BODY.PEEK[])", lambda part: part[1])


def test_mbox_export_then_import(relais_factory, tmp_path):
    """`--format mbox`: one mbox per folder that Python's mailbox.mbox reads (flags in Status and
    X-Status, keywords in X-Keywords, the internal date in the From line, body lines starting
    with From quoted); imported into another account the messages are byte for byte the same,
    with their flags, keywords, dates and folders; a second import adds nothing."""
    r = relais_factory(listeners=["smtp", "imap"], settings=SETTINGS).start()
    r.admin("domain", "add", DOMAIN)
    for u in (ALICE, BOB):
        r.admin("user", "add", u, "--password", "pw")
    with smtplib.SMTP(*r.addr("smtp")) as s:
        s.sendmail("x@elsewhere.test", [ALICE], b"Subject: m0\r\nMessage-ID: <m0@x>\r\n\r\nFrom the start\r\n>From quoted\r\n\r\nFrom after a blank line\r\n")
        s.sendmail("x@elsewhere.test", [ALICE], b"Subject: m1\r\nMessage-ID: <m1@x>\r\n\r\nbody 1\r\n")
    c = imap(r, ALICE)
    c.create("Work/2026")
    c.create("Empty")
    c.select("INBOX")
    c.store("1", "+FLAGS", "(\\Seen \\Flagged $Label1 Important)")
    c.store("2", "+FLAGS", "(\\Answered \\Draft)")
    c.copy("2", "Work/2026")
    c.append("Work", "(\\Seen \\Deleted)", '"01-Feb-2020 10:00:00 +0000"', b"Subject: old\r\n\r\nfrom 2020\r\n")
    c.logout()

    out = tmp_path / "alice"
    assert "exported 4 messages" in r.admin("export", ALICE, out, "--format", "mbox").stdout
    assert (out / "mail" / "Work" / "2026.mbox").is_file() and (out / "mail" / "Empty.mbox").is_file()
    text = (out / "mail" / "INBOX.mbox").read_bytes()
    assert b"\n>From the start\n>>From quoted\n" in text and b"\n>From after a blank line\n" in text, text
    assert b"\r\n" not in text, "LF line ends, as mbox readers expect"
    # An independent mbox reader: flags and the From line's date.
    inbox = list(mailbox.mbox(out / "mail" / "INBOX.mbox", create=False))
    assert [m["Subject"] for m in inbox] == ["m0", "m1"]
    assert sorted(inbox[0].get_flags()) == ["F", "O", "R"] and inbox[0]["X-Keywords"] == "$Label1 Important"
    assert sorted(inbox[1].get_flags()) == ["A", "O", "T"]
    work = list(mailbox.mbox(out / "mail" / "Work.mbox", create=False))
    assert work[0].get_from().endswith("Sat Feb  1 10:00:00 2020"), work[0].get_from()
    assert "D" in work[0].get_flags()

    result = r.admin("import", BOB, out).stdout
    assert "imported 4 messages" in result, result
    mine, theirs = listing(r, ALICE), listing(r, BOB)
    for box in ("INBOX", "Work", "Work/2026", "Empty"):
        assert theirs[box] == mine[box], box
    assert bodies(r, BOB)["INBOX"] == bodies(r, ALICE)["INBOX"], "byte for byte"
    assert bodies(r, BOB)["Work"] == bodies(r, ALICE)["Work"]

    again = r.admin("import", BOB, out).stdout
    assert "imported 0 messages" in again and "(4 already there)" in again, again
    assert listing(r, BOB) == theirs
