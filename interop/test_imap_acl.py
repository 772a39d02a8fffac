"""IMAP ACL (RFC 4314) and the Other Users namespace (RFC 2342) with independent clients:
imaplib's setacl/getacl/myrights/deleteacl (and LISTRIGHTS by xatom) and imapclient's getacl/setacl/namespace/
list_folders against the real binary. alice shares a mailbox with bob; bob lists, reads and
appends as granted, is refused the rest with NOPERM, and what he appends counts against alice's
quota."""

import imaplib

import pytest
from imapclient import IMAPClient

from test_imap import insecure

DOMAIN = "example.test"
ALICE, BOB = f"alice@{DOMAIN}", f"bob@{DOMAIN}"
PASSWORD = "secret-pw"
SHARED = f"Other Users/{ALICE}/Team"
MESSAGE = b"From: a@example.test\r\nSubject: shared\r\n\r\nhello\r\n"


@pytest.fixture
def imap(relais_factory):
    r = relais_factory(listeners=["imaps"]).start()
    r.admin("domain", "add", DOMAIN)
    for user in (ALICE, BOB):
        r.admin("user", "add", user, "--password", PASSWORD)
    return r


def imaplib_login(r, user):
    host, port = r.addr("imaps")
    m = imaplib.IMAP4_SSL(host, port, ssl_context=insecure(), timeout=20)
    m.login(user, PASSWORD)
    return m


def imapclient_login(r, user):
    host, port = r.addr("imaps")
    c = IMAPClient(host, port=port, ssl=True, ssl_context=insecure(), timeout=20)
    c.login(user, PASSWORD)
    return c


def q(name):
    return '"' + name + '"'


def test_acl_with_imaplib(imap):
    alice = imaplib_login(imap, ALICE)
    caps = alice.capability()[1][0].split()
    assert b"ACL" in caps and b"RIGHTS=texk" in caps, caps
    assert alice.create("Team")[0] == "OK"
    assert alice.append("Team", None, None, MESSAGE)[0] == "OK"
    assert alice.setacl("Team", BOB, "lrs")[0] == "OK"
    typ, data = alice.getacl("Team")
    assert typ == "OK" and data == [f"Team {ALICE} lrswipkxtea {BOB} lrs".encode()], data
    # imaplib has no listrights(): sent as an extension command, its answer read back.
    typ, _ = alice.xatom("LISTRIGHTS", "Team", BOB)
    _, data = alice.response("LISTRIGHTS")
    assert typ == "OK" and data[0].startswith(f'Team {BOB} "" l r s'.encode()), data
    assert alice.myrights("Team") == ("OK", [b"Team lrswipkxtea"])
    # Unknown identifiers, unknown rights, and the owner are refused.
    assert alice.setacl("Team", f"nobody@{DOMAIN}", "lr")[0] == "NO"
    with pytest.raises(imaplib.IMAP4.error):
        alice.setacl("Team", BOB, "lr9")
    assert alice.setacl("Team", ALICE, "l")[0] == "NO"

    bob = imaplib_login(imap, BOB)
    typ, data = bob.myrights(q(SHARED))
    assert typ == "OK" and data == [f'"{SHARED}" lrs'.encode()], data
    typ, data = bob.select(q(SHARED))
    assert typ == "OK" and data == [b"1"], data
    typ, _ = bob.store("1", "+FLAGS", "(\\Seen)")
    assert typ == "OK"
    typ, data = bob.store("1", "+FLAGS", "(\\Deleted)")
    assert typ == "NO" and b"[NOPERM]" in data[0], data
    typ, data = bob.append(q(SHARED), None, None, MESSAGE)
    assert typ == "NO" and b"[NOPERM]" in data[0], data
    typ, data = bob.getacl(q(SHARED))
    assert typ == "NO" and b"[NOPERM]" in data[0], data
    bob.logout()

    assert alice.deleteacl("Team", BOB)[0] == "OK"
    typ, data = alice.getacl("Team")
    assert data == [f"Team {ALICE} lrswipkxtea".encode()], data
    alice.logout()


def test_other_users_with_imapclient(imap):
    alice = imapclient_login(imap, ALICE)
    alice.create_folder("Team")
    alice.create_folder("Team/Private")
    alice.setacl("Team", BOB, "lrsi")
    assert dict(alice.getacl("Team")) == {ALICE.encode(): b"lrswipkxtea", BOB.encode(): b"lrsi"}

    bob = imapclient_login(imap, BOB)
    ns = bob.namespace()
    assert ns.personal == (("", "/"),) and ns.other == (("Other Users/", "/"),), ns
    folders = {name: flags for flags, _, name in bob.list_folders()}
    assert b"\\Noselect" in folders["Other Users"] and b"\\HasChildren" in folders["Other Users"], folders
    assert b"\\Noselect" in folders[f"Other Users/{ALICE}"], folders
    assert folders[SHARED] == (b"\\HasNoChildren",), folders
    assert f"{SHARED}/Private" not in folders and f"Other Users/{ALICE}/INBOX" not in folders

    # bob appends into alice's mailbox: it is hers, and she sees it.
    bob.append(SHARED, MESSAGE)
    assert alice.folder_status("Team", [b"MESSAGES"])[b"MESSAGES"] == 1
    # Rights he lacks: k (create under it), x (delete), e (expunge), a (ACL).
    for attempt in (
        lambda: bob.create_folder(f"{SHARED}/Mine"),
        lambda: bob.delete_folder(SHARED),
        lambda: bob.getacl(SHARED),
        lambda: bob.setacl(SHARED, BOB, "lrswipkxtea"),
    ):
        with pytest.raises(IMAPClient.Error, match="NOPERM"):
            attempt()
    bob.select_folder(SHARED)
    with pytest.raises(IMAPClient.Error, match="NOPERM"):
        bob.expunge()

    # Her quota counts what bob put in her mailbox.
    imap.admin("user", "quota", ALICE, "1K")
    with pytest.raises(IMAPClient.Error, match="OVERQUOTA"):
        bob.append(SHARED, MESSAGE + b"x" * 2048)
    # GETQUOTAROOT on her mailbox names her root, with her quota (RFC 9208), and GETQUOTA on it
    # answers the same; bob's own INBOX has his root "" (no quota set: none listed).
    # (imapclient hands GETQUOTAROOT's argument to imaplib unquoted: quote the spaced name.)
    roots, quotas = bob.get_quota_root(f'"{SHARED}"')
    assert roots.quota_roots == [f"Other Users/{ALICE}"], roots
    assert quotas and quotas[0].quota_root == f"Other Users/{ALICE}" and quotas[0].limit == 1, quotas
    # GETQUOTA takes a root (imapclient's get_quota takes a mailbox; imaplib's the root).
    typ, data = bob._imap.getquota(f'"Other Users/{ALICE}"')
    assert typ == "OK" and b"STORAGE" in data[0] and data[0].endswith(b" 1)"), data
    assert bob.get_quota_root("INBOX")[0].quota_roots == []
    typ, data = bob._imap.getquota('"Other Users/nobody@example.test"')
    assert typ == "NO" and b"NONEXISTENT" in data[0], data
    bob.logout()
    alice.logout()


CAROL = f"carol@{DOMAIN}"


def test_a_holder_may_change_sharing(imap):
    """The one rule (docs/security.md): whoever holds `a` on a mailbox may read and change its
    ACL, as over DAV; a grantee without it may not; the owner's rights stay fixed."""
    imap.admin("user", "add", CAROL, "--password", PASSWORD)
    alice = imaplib_login(imap, ALICE)
    assert alice.create("Team")[0] == "OK"
    assert alice.setacl("Team", BOB, "lrsa")[0] == "OK"
    assert alice.setacl("Team", CAROL, "lr")[0] == "OK"

    carol = imaplib_login(imap, CAROL)
    typ, data = carol.setacl(q(SHARED), CAROL, "lrswi")
    assert typ == "NO" and b"[NOPERM]" in data[0], data
    bob = imaplib_login(imap, BOB)
    assert bob.setacl(q(SHARED), CAROL, "lrsw")[0] == "OK"
    typ, data = bob.getacl(q(SHARED))
    assert typ == "OK" and data == [f'"{SHARED}" {ALICE} lrswipkxtea {BOB} lrsa {CAROL} lrsw'.encode()], data
    typ, data = bob.setacl(q(SHARED), ALICE, "l")
    assert typ == "NO" and b"[CANNOT]" in data[0], data
    assert bob.deleteacl(q(SHARED), CAROL)[0] == "OK"
    typ, data = carol.myrights(q(SHARED))
    assert typ == "NO", data
    for m in (alice, bob, carol):
        m.logout()


def test_full_access_delegate_opens_the_shared_inbox(imap):
    """A full-access delegate holds every right on the owner's mailboxes: with INBOX shared for
    lookup only, it still reads, flags and appends there."""
    alice = imaplib_login(imap, ALICE)
    assert alice.append("INBOX", None, None, MESSAGE)[0] == "OK"
    assert alice.setacl("INBOX", BOB, "l")[0] == "OK"
    inbox = q(f"Other Users/{ALICE}/INBOX")
    bob = imaplib_login(imap, BOB)
    typ, data = bob.select(inbox)
    assert typ == "NO" and b"[NOPERM]" in data[0], data
    imap.admin("delegate", ALICE, BOB, "--rights", "full-access")
    assert bob.myrights(inbox) == ("OK", [f'"Other Users/{ALICE}/INBOX" lrswipkxtea'.encode()])
    typ, data = bob.select(inbox)
    assert typ == "OK" and data == [b"1"], data
    assert bob.store("1", "+FLAGS", "(\\Flagged)")[0] == "OK"
    assert bob.append(inbox, None, None, MESSAGE)[0] == "OK"
    imap.admin("delegate", ALICE, BOB, "--rights", "none")
    assert bob.myrights(inbox) == ("OK", [f'"Other Users/{ALICE}/INBOX" l'.encode()])
    bob.logout()
    alice.logout()
