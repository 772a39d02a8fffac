"""IMAP end to end with imapclient and imaplib against the real binary: the commands, the
extensions clients rely on, two sessions seeing each other's changes, IDLE woken by an SMTP
delivery, CONDSTORE/QRESYNC resynchronisation, and bad input."""

import imaplib
import smtplib
import socket
import ssl
import threading
import time

import pytest
from imapclient import IMAPClient

DOMAIN = "example.test"
USER, PASSWORD = f"alice@{DOMAIN}", "alice-pw"


def insecure():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def deliver(r, subject, body="hello\r\n", to=USER):
    with smtplib.SMTP(*r.addr("smtp")) as s:
        s.sendmail("x@elsewhere.test", [to], f"From: X <x@elsewhere.test>\r\nTo: {to}\r\nSubject: {subject}\r\n\r\n{body}".encode())


@pytest.fixture
def imap(relais_factory):
    r = relais_factory(listeners=["smtp", "imap", "imaps"]).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    for i in range(3):
        deliver(r, f"message {i}", f"body number {i}\r\n")
    return r


def client(r):
    host, port = r.addr("imaps")
    c = IMAPClient(host, port=port, ssl=True, ssl_context=insecure(), timeout=20)
    c.login(USER, PASSWORD)
    return c


def test_plaintext_login_refused_then_starttls(imap):
    host, port = imap.addr("imap")
    c = IMAPClient(host, port=port, ssl=False, timeout=20)
    assert b"LOGINDISABLED" in c.capabilities() and b"STARTTLS" in c.capabilities()
    with pytest.raises(IMAPClient.Error):
        c.login(USER, PASSWORD)
    c.starttls(insecure())
    assert b"AUTH=PLAIN" in c.capabilities()
    c.login(USER, PASSWORD)
    for cap in (b"IDLE", b"UIDPLUS", b"MOVE", b"CONDSTORE", b"QRESYNC", b"SPECIAL-USE", b"ESEARCH", b"NAMESPACE", b"ENABLE"):
        assert cap in c.capabilities(), cap
    c.logout()


def test_folders_and_special_use(imap):
    c = client(imap)
    names = {name: flags for flags, _, name in c.list_folders()}
    assert set(names) >= {"INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"}
    assert b"\\Sent" in names["Sent"] and b"\\Trash" in names["Trash"]
    c.create_folder("Projects/2026")
    assert c.folder_exists("Projects") and c.folder_exists("Projects/2026")
    c.rename_folder("Projects/2026", "Projects/Done")
    assert c.folder_exists("Projects/Done") and not c.folder_exists("Projects/2026")
    with pytest.raises(IMAPClient.Error):
        c.create_folder("INBOX")
    c.subscribe_folder("Projects")
    assert "Projects" in [n for _, _, n in c.list_sub_folders()]
    c.delete_folder("Projects/Done")
    assert not c.folder_exists("Projects/Done")
    status = c.folder_status("INBOX", ["MESSAGES", "UIDNEXT", "UIDVALIDITY", "UNSEEN", "SIZE"])
    assert status[b"MESSAGES"] == 3 and status[b"UIDNEXT"] == 4 and status[b"UNSEEN"] == 3 and status[b"SIZE"] > 0
    ns = c.namespace()
    assert ns.personal[0][1] == "/"
    c.logout()


def test_fetch_store_search(imap):
    c = client(imap)
    info = c.select_folder("INBOX")
    assert info[b"EXISTS"] == 3 and b"UIDVALIDITY" in info
    data = c.fetch([1, 2, 3], ["UID", "FLAGS", "ENVELOPE", "BODYSTRUCTURE", "RFC822.SIZE", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])
    assert [data[i][b"ENVELOPE"].subject for i in (1, 2, 3)] == [b"message 0", b"message 1", b"message 2"]
    assert data[1][b"BODY[HEADER.FIELDS (SUBJECT)]"] == b"Subject: message 0\r\n\r\n"
    # \Recent: this session was the first told of the messages (RFC 3501 §2.3.2).
    assert data[1][b"BODYSTRUCTURE"][0] == b"text" and data[1][b"FLAGS"] == (b"\\Recent",)
    body = c.fetch([2], ["BODY[TEXT]", "BODY[1]", "BINARY[1]", "BINARY.SIZE[1]"])[2]
    assert body[b"BODY[TEXT]"] == b"body number 1\r\n" == body[b"BODY[1]"] == body[b"BINARY[1]"]
    assert c.get_flags([2])[2] == (b"\\Seen", b"\\Recent"), "a non-PEEK fetch sets \\Seen"
    partial = c.fetch([3], ["BODY.PEEK[]<0.10>"])[3]
    assert partial[b"BODY[]<0>"] == b"Return-Pat"
    c.add_flags([1], [b"\\Flagged", b"$Important"])
    assert set(c.get_flags([1])[1]) == {b"\\Flagged", b"$Important", b"\\Recent"}
    c.remove_flags([1], [b"$Important"])
    assert c.get_flags([1])[1] == (b"\\Flagged", b"\\Recent")
    assert c.search(["FLAGGED"]) == [1]
    assert c.search(["UNSEEN"]) == [1, 3]
    assert c.search(["SUBJECT", "message 2"]) == [3]
    assert c.search(["FROM", "elsewhere"]) == [1, 2, 3]
    assert c.search(["BODY", "number"]) == [1, 2, 3]
    assert c.search(["NOT", "SEEN", "SMALLER", "100000"]) == [1, 3]
    assert c.search(["OR", "FLAGGED", "SEEN"]) == [1, 2]
    uids = c.search(["ALL"])
    assert c.fetch(uids, ["UID"]) and c.search(["UID", "2:3"]) == [2, 3]
    c.logout()


def test_copy_move_expunge_append(imap):
    c = client(imap)
    c.select_folder("INBOX")
    c.create_folder("Saved")
    c.copy([1], "Saved")
    c.move([2], "Archive")
    assert c.search(["ALL"]) == [1, 3], "the moved message (UID 2) left INBOX"
    assert c.folder_status("Archive", ["MESSAGES"])[b"MESSAGES"] == 1
    c.delete_messages([1])
    c.expunge()
    assert c.search(["ALL"]) == [3]
    assert c.folder_status("Saved", ["MESSAGES"])[b"MESSAGES"] == 1, "the copy survives the original"
    result = c.append("INBOX", b"From: me@x.test\r\nSubject: appended\r\n\r\nhi\r\n", flags=[b"\\Seen"])
    assert b"APPENDUID" in result
    assert c.search(["SUBJECT", "appended"]) == [4]
    assert c.get_flags([4])[4] == (b"\\Seen", b"\\Recent"), "appended while selected: recent here"
    with pytest.raises(IMAPClient.Error):
        c.append("Nowhere", b"Subject: x\r\n\r\nx\r\n")
    c.logout()


def test_two_sessions_see_each_other(imap):
    a, b = client(imap), client(imap)
    a.select_folder("INBOX")
    b.select_folder("INBOX")
    b.add_flags([1], [b"\\Answered"])
    responses = a.noop()[1]
    assert any(r[1] == b"FETCH" for r in responses), responses
    assert a.get_flags([1])[1] == (b"\\Answered", b"\\Recent"), "a selected first: recent for a only"
    deliver(imap, "while selected")
    responses = a.noop()[1]
    assert (4, b"EXISTS") in responses, responses
    b.delete_messages([2])
    b.expunge()
    responses = a.noop()[1]
    assert (2, b"EXPUNGE") in responses, responses
    assert a.search(["ALL"]) == [1, 3, 4], "UIDs: 2 expunged, 4 delivered"
    a.logout()
    b.logout()


def test_idle_woken_by_smtp_delivery(imap):
    c = client(imap)
    c.select_folder("INBOX")
    c.idle()
    t = threading.Timer(0.5, deliver, args=(imap, "wake up"))
    t.start()
    start = time.time()
    responses = c.idle_check(timeout=10)
    c.idle_done()
    assert (4, b"EXISTS") in responses, responses
    assert time.time() - start < 5, "woken at once, not by a poll"
    c.logout()


def test_condstore_and_qresync(imap):
    a = client(imap)
    a.enable("QRESYNC")
    info = a.select_folder("INBOX")
    modseq = info[b"HIGHESTMODSEQ"]
    uidvalidity = info[b"UIDVALIDITY"]
    a.close_folder()
    # Another session changes flags and expunges while `a` is away.
    b = client(imap)
    b.select_folder("INBOX")
    b.add_flags([1], [b"\\Flagged"])
    b.delete_messages([3])
    b.expunge()
    b.logout()
    raw = a._imap
    typ, _ = raw._simple_command("SELECT", "INBOX", f"(QRESYNC ({uidvalidity} {modseq}))")
    assert typ == "OK"
    untagged = raw.untagged_responses
    vanished = b" ".join(v for v in untagged.get("VANISHED", []) if v)
    fetches = b" ".join(f for f in untagged.get("FETCH", []) if f)
    assert b"(EARLIER) 3" in vanished, untagged
    assert b"Flagged" in fetches, untagged
    raw.state = "SELECTED"
    changed = a.fetch([1, 2], ["FLAGS"], modifiers=[f"CHANGEDSINCE {modseq}"])
    assert list(changed) == [1], changed
    assert b"MODSEQ" in changed[1]
    a.logout()


def test_imaplib_and_bad_input(imap):
    host, port = imap.addr("imaps")
    m = imaplib.IMAP4_SSL(host, port, ssl_context=insecure())
    m.login(USER, PASSWORD)
    typ, _ = m.select("INBOX")
    assert typ == "OK"
    typ, data = m.uid("SEARCH", "ALL")
    assert data[0].split() == [b"1", b"2", b"3"]
    m.logout()
    # Raw protocol abuse: each gets BAD, and the session goes on.
    sock = insecure().wrap_socket(socket.create_connection((host, port)), server_hostname="mail.test")
    f = sock.makefile("rwb")
    f.readline()
    def ask(line):
        f.write(line)
        f.flush()
        return f.readline()
    assert ask(b"a1 LOGIN alice@example.test alice-pw\r\n").startswith(b"a1 OK")
    assert ask(b"a2 SELECT INBOX\r\n").startswith(b"* ")
    while not (line := f.readline()).startswith(b"a2 "):
        pass
    assert ask(b"a3 FETCH 1 (FLAGS\r\n").startswith(b"a3 BAD")
    assert ask(b"a4 FETCH 0:x FLAGS\r\n").startswith(b"a4 BAD")
    assert ask(b"a5 FROBNICATE\r\n").startswith(b"a5 BAD")
    assert ask(b"a6 APPEND INBOX {99999999999}\r\n").startswith(b"a6 ")
    assert ask(b"a7 NOOP\r\n").startswith(b"a7 OK")
    sock.close()


def test_copy_has_its_own_flags_and_move_into_same_mailbox_renumbers_it(imap):
    c = client(imap)
    c.select_folder("INBOX")
    c.copy([1], "Archive")
    # The classic move of clients without MOVE: copy, flag \Deleted, expunge.
    c.add_flags([1], [b"\\Deleted"])
    c.expunge()
    c.select_folder("Archive")
    uids = c.search(["ALL"])
    assert len(uids) == 1 and c.get_flags(uids)[uids[0]] == (b"\\Recent",), "the copy did not inherit \\Deleted"
    c.select_folder("INBOX")
    c.add_flags([2], [b"\\Flagged"])
    # Issue 12 item 6 (RFC 6851): a MOVE into the selected mailbox gives the message a new UID,
    # says so with COPYUID and expunges the old one, keeping its content and flags.
    typ, data = c._imap.uid("MOVE", "2", "INBOX")
    assert typ == "OK", data
    copyuid = [r for r in c._imap.untagged_responses.get("OK", []) if b"COPYUID" in r] + [d for d in data if d and b"COPYUID" in d]
    assert copyuid and b" 2 4" in copyuid[0], copyuid
    c.noop()
    assert c.search(["ALL"]) == [3, 4]
    assert b"\\Flagged" in c.get_flags([4])[4]
    assert c.fetch([4], ["BODY.PEEK[HEADER.FIELDS (SUBJECT)]"])[4][b"BODY[HEADER.FIELDS (SUBJECT)]"].strip() == b"Subject: message 1"
    c.logout()


def test_keywords_announced_and_searchres(imap):
    c = client(imap)
    c.select_folder("INBOX")
    c.add_flags([1], [b"$Forwarded"])
    assert b"$Forwarded" in c.get_flags([1])[1]
    info = c.select_folder("INBOX")
    assert b"$Forwarded" in info[b"FLAGS"], "FLAGS names every keyword in use"
    # A keyword new to the mailbox is announced; removing its last use does not unannounce it
    # (issue 12 item 12: the client would drop it while another session still shows it).
    raw = c._imap
    raw.uid("STORE", "2", "+FLAGS", "($Project)")
    assert any(b"$Project" in f for f in raw.untagged_responses.pop("FLAGS", [])), "announced"
    raw.uid("STORE", "2", "-FLAGS", "($Project)")
    raw.noop()
    for flags in raw.untagged_responses.pop("FLAGS", []):
        assert b"$Project" in flags, flags
    typ, _ = raw.uid("SEARCH", "RETURN", "(SAVE)", "SUBJECT", '"message 2"')
    assert typ == "OK"
    typ, _ = raw.uid("MOVE", "$", "Trash")
    assert typ == "OK"
    assert c.folder_status("Trash", ["MESSAGES"])[b"MESSAGES"] == 1
    c.logout()


def test_list_extended(imap):
    c = client(imap)
    c.create_folder("Clients/Acme")
    c.subscribe_folder("Clients/Acme")
    raw = c._imap
    typ, data = raw._simple_command("LIST", "(SUBSCRIBED RECURSIVEMATCH)", '""', "%")
    assert typ == "OK"
    lists = b" ".join(x for x in raw.untagged_responses.get("LIST", []) if x)
    assert b'"Clients"' in lists or b" Clients" in lists, lists
    assert b'("CHILDINFO" ("SUBSCRIBED"))' in lists, lists
    raw.untagged_responses.clear()
    typ, _ = raw._simple_command("LIST", '""', "*", "RETURN", "(STATUS (MESSAGES UNSEEN))")
    assert typ == "OK"
    statuses = raw.untagged_responses.get("STATUS", [])
    assert any(b"INBOX" in s and b"MESSAGES 3" in s for s in statuses), statuses
    c.logout()


def test_sort(imap):
    deliver(imap, "Aardvark", to=USER)
    c = client(imap)
    c.select_folder("INBOX")
    assert c.sort(["SUBJECT"]) == [4, 1, 2, 3], "UIDs by base subject, ties by sequence"
    assert c.sort(["REVERSE", "SUBJECT"]) == [3, 2, 1, 4]
    assert c.sort(["ARRIVAL"]) == [1, 2, 3, 4], "same second: sequence order"
    assert c.sort(["SIZE"], ["SUBJECT", "message"])[:1] != []
    assert b"SORT" in c.capabilities()
    c.logout()


def test_quota(imap):
    c = client(imap)
    imap.admin("user", "quota", USER, "1K")
    roots, quotas = c.get_quota_root("INBOX")
    assert quotas and quotas[0].resource == "STORAGE" and quotas[0].limit == 1, quotas
    with pytest.raises(IMAPClient.Error) as e:
        c.append("INBOX", b"Subject: big\r\n\r\n" + b"x" * 4096 + b"\r\n")
    assert b"OVERQUOTA" in str(e.value).encode() or "OVERQUOTA" in str(e.value)
    # A mailbox under its quota takes one more message; a full one refuses at RCPT.
    deliver(imap, "the last that fits", body="y" * 2000 + "\r\n")
    with pytest.raises(smtplib.SMTPRecipientsRefused) as r:
        deliver(imap, "too much")
    assert r.value.recipients[USER][0] == 552
    imap.admin("user", "quota", USER, "none")
    deliver(imap, "fits again")
    c.logout()


def test_thread(imap):
    with smtplib.SMTP(*imap.addr("smtp")) as s:
        s.sendmail("x@elsewhere.test", [USER], b"Subject: plan\r\nMessage-ID: <p1@x>\r\n\r\nroot\r\n")
        s.sendmail("x@elsewhere.test", [USER], b"Subject: Re: plan\r\nMessage-ID: <p2@x>\r\nIn-Reply-To: <p1@x>\r\nReferences: <p1@x>\r\n\r\nreply\r\n")
        # RFC 5256 §4 step 5: a reply whose parent is not here joins the thread of its subject.
        s.sendmail("x@elsewhere.test", [USER], b"Subject: lunch\r\nMessage-ID: <l1@x>\r\n\r\nwhere?\r\n")
        s.sendmail("x@elsewhere.test", [USER], b"Subject: Re: lunch\r\nMessage-ID: <l3@x>\r\nIn-Reply-To: <l2@x>\r\n\r\nthere\r\n")
    c = client(imap)
    c.select_folder("INBOX")
    threads = c.thread(algorithm="REFERENCES")
    assert (4, 5) in threads, threads
    assert (6, 7) in threads, threads
    ordered = c.thread(algorithm="ORDEREDSUBJECT")
    assert (4, 5) in ordered, ordered
    assert b"THREAD=REFERENCES" in c.capabilities()
    # RFC 8474: the thread stored at delivery. The plan and its reply share one THREADID; the
    # lunch reply whose parent never arrived has its own; SEARCH THREADID finds a thread.
    ids = {seq: d[b"THREADID"] for seq, d in c.fetch([4, 5, 6, 7], ["THREADID"]).items()}
    assert all(ids.values()), ids
    assert ids[4] == ids[5] and ids[5] != ids[6] and ids[6] != ids[7], ids
    thread = ids[4][0].decode()
    assert c.search(["THREADID", thread]) == [4, 5]
    assert c.search(["THREADID", "Tnothing"]) == []
    # A COPY into another mailbox of the same account stays in the thread.
    c.create_folder("Kept")
    c.copy([5], "Kept")
    c.select_folder("Kept")
    assert c.fetch([1], ["THREADID"])[1][b"THREADID"] == ids[4]
    c.logout()


def test_esort(imap):
    deliver(imap, "Aardvark", to=USER)
    host, port = imap.addr("imaps")
    c = imaplib.IMAP4_SSL(host, port, ssl_context=insecure(), timeout=20)
    c.login(USER, PASSWORD)
    assert b"ESORT" in c.capability()[1][0].split()
    c.select("INBOX")

    def esort(*args):
        """The ESEARCH answer's return data as a dict (and UID: True when marked so)."""
        typ, data = c._simple_command(*args)
        assert typ == "OK", data
        [line] = c._untagged_response(typ, data, "ESEARCH")[1]
        words = line.split(b") ", 1)[1].split()
        uid = words[:1] == [b"UID"]
        words = words[uid:]
        return dict(zip(words[::2], words[1::2])) | ({"UID": True} if uid else {})

    # RFC 5267 §3: MIN and MAX are the first and last in sort order; ALL keeps that order.
    got = esort("SORT", "RETURN (MIN MAX COUNT ALL)", "(SUBJECT)", "UTF-8", "ALL")
    assert got == {b"MIN": b"4", b"MAX": b"3", b"COUNT": b"4", b"ALL": b"4,1:3"}, got
    got = esort("UID", "SORT", "RETURN (ALL)", "(REVERSE SUBJECT)", "UTF-8", "ALL")
    assert got == {"UID": True, b"ALL": b"3,2,1,4"}, got
    got = esort("SORT", "RETURN ()", "(ARRIVAL)", "UTF-8", "SUBJECT", "message")
    assert got == {b"ALL": b"1:3"}, got
    got = esort("SORT", "RETURN (COUNT)", "(ARRIVAL)", "UTF-8", "SUBJECT", "nothing-like-this")
    assert got == {b"COUNT": b"0"}, got
    # Plain SORT still answers SORT.
    typ, data = c._simple_command("SORT", "(SUBJECT)", "UTF-8", "ALL")
    assert c._untagged_response(typ, data, "SORT")[1] == [b"4 1 2 3"]
    c.logout()


def test_close_expunges_on_the_committed_flags(imap):
    """Issue 12 item 13: CLOSE decides as EXPUNGE does, on the flags as stored, not on the
    session's last view of them."""
    a, b = client(imap), client(imap)
    a.select_folder("INBOX")
    b.select_folder("INBOX")
    a.add_flags([1, 2], [b"\\Deleted"])
    b.remove_flags([1], [b"\\Deleted"])  # A is not told before its CLOSE
    a.close_folder()
    b.noop()
    left = b.search("ALL")
    assert 1 in left and 2 not in left, left
    a.logout()
    b.logout()
