"""Exchange ActiveSync with pyactivesync 0.17 (EAS 16.1, an independent client) against the real
binary over HTTPS (issue 14): provisioning, folders, mail sync both ways, fetch of a body and an
attachment, move, send, out-of-office, Ping woken by an SMTP delivery, and what one protocol
changes seen by another (IMAP sees the phone's flags; the phone sees IMAP's).

pyactivesync's FolderType is off by one from 12 on (its USER_GENERIC is the spec's user mail
folder), so folder types are compared as numbers.
"""

import base64
import os
import smtplib
import subprocess
import threading
import time
from email.message import EmailMessage

import pytest
import requests
import urllib3
from imapclient import IMAPClient
from lxml import etree
from pyactivesync import BodyType, Client, Contact, ContactChange, EmailChange, OofState, StatusError

from harness import Relais

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
# requests lets these override a session's verify=False (pyactivesync sets it on its session).
for _var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_var, None)
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "another good password"
INBOX, DRAFTS, TRASH, SENT, USER_MAIL = 2, 3, 4, 5, 12


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("eas") / "data", listeners=["smtp", "imap"],
               settings={"imap": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", BOB_PW)
    with r:
        yield r


def client(server, user=ANN, password=ANN_PW, device="PYTEST0001"):
    host, port = server.addr("https")
    return Client(f"{host}:{port}", user, password, device_id=device, verify_ssl=False, timeout=120)


def deliver(server, to, subject, body="hello", attachment=None):
    msg = EmailMessage()
    msg["From"] = "Carol Sender <carol@elsewhere.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{subject.replace(' ', '.')}@elsewhere.test>"
    msg.set_content(body)
    if attachment:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.send_message(msg)


def folders_by_type(c):
    return {int(f.type): f for f in c.list_folders()}


def sync_all(c, folder, key="0", window=25):
    """Sync from `key` until nothing more is available; returns (key, added, changed, deleted)."""
    added, changed, deleted = [], [], []
    if key == "0":
        r = c.sync_folder(folder, "0", window_size=window)
        assert not r.added, "the first key comes with no items"
        key = r.sync_key
    while True:
        r = c.sync_folder(folder, key, window_size=window)
        key = r.sync_key
        added += r.added
        changed += r.changed
        deleted += r.deleted
        if not r.more_available:
            return key, added, changed, deleted


def imap(server, user=ANN, password=ANN_PW):
    host, port = server.addr("imap")
    c = IMAPClient(host, port=port, ssl=False, timeout=10)
    c.login(user, password)
    return c


def test_options_and_unprovisioned_device(server):
    url = server.https_url + "/Microsoft-Server-ActiveSync"
    r = requests.options(url, auth=(ANN, ANN_PW), verify=False, timeout=10)
    assert r.status_code == 200
    assert "16.1" in r.headers["MS-ASProtocolVersions"].split(",")
    served = {"Sync", "SendMail", "SmartReply", "SmartForward", "FolderSync", "FolderCreate", "FolderUpdate",
              "FolderDelete", "MoveItems", "GetItemEstimate", "MeetingResponse", "Search", "Settings", "Ping",
              "ItemOperations", "Provision", "ResolveRecipients", "Find"}
    assert set(r.headers["MS-ASProtocolCommands"].split(",")) == served
    # Without credentials: 401, nothing else said.
    assert requests.options(url, verify=False, timeout=10).status_code == 401
    # A command before Provision is refused with Status 142 in the command's own root.
    c = client(server, device="NOPROVISION1")
    c._provisioned = True  # skip the client's own provisioning
    with pytest.raises(StatusError) as e:
        c.list_folders()
    assert e.value.code == "142"


def test_provision_folders_and_mail_both_ways(server):
    for i in range(30):
        deliver(server, ANN, f"message {i:02d}")
    deliver(server, ANN, "with attachment", body="see attached", attachment=("report.bin", b"\x00\x01binary\xff"))
    with client(server) as c:
        key = c.provision()
        assert key and key != "0"
        folders = folders_by_type(c)
        for kind in (INBOX, DRAFTS, TRASH, SENT):
            assert kind in folders, folders
        assert all(f.parent_id == "0" for f in folders.values())
        # FolderSync key 0 again (pyactivesync always sends 0): the same folders.
        assert folders_by_type(c).keys() == folders.keys()
        inbox = folders[INBOX].id

        # The initial sync in windows of 25: every message once, MoreAvailable in between.
        sync_key, added, _, _ = sync_all(c, inbox)
        subjects = sorted(i.fields.get("Email.Subject") for i in added)
        assert subjects == sorted([f"message {i:02d}" for i in range(30)] + ["with attachment"])
        assert len({i.server_id for i in added}) == 31
        first = next(i for i in added if i.fields.get("Email.Subject") == "message 00")
        assert first.fields["Email.Read"] == "0"
        assert "carol@elsewhere.test" in first.fields["Email.From"]
        assert first.fields["Email.To"] == ANN

        # Nothing new: nothing sent.
        again = c.sync_folder(inbox, sync_key)
        assert not again.added and not again.changed and not again.deleted
        sync_key = again.sync_key

        # The phone marks one read and flags another; IMAP sees both at once.
        second = next(i for i in added if i.fields.get("Email.Subject") == "message 01")
        res = c.apply_email_changes(inbox, sync_key, [EmailChange(first.server_id, read=True),
                                                      EmailChange(second.server_id, flagged=True)])
        assert all(s == "1" for s in res.statuses.values()), res
        sync_key = res.sync_key
        with imap(server) as m:
            m.select_folder("INBOX")
            by_subject = {}
            for uid, data in m.fetch(m.search(["ALL"]), ["FLAGS", "BODY.PEEK[HEADER.FIELDS (SUBJECT)]"]).items():
                subject = data[b"BODY[HEADER.FIELDS (SUBJECT)]"].decode().split(":", 1)[1].strip()
                by_subject[subject] = (uid, data[b"FLAGS"])
            assert b"\\Seen" in by_subject["message 00"][1]
            assert b"\\Flagged" in by_subject["message 01"][1]
            # IMAP marks another one read and expunges a third: the phone is told.
            m.add_flags([by_subject["message 02"][0]], [b"\\Seen"])
            m.add_flags([by_subject["message 03"][0]], [b"\\Deleted"])
            m.expunge()
        r = c.sync_folder(inbox, sync_key)
        changed = {i.server_id: i.fields for i in r.changed}
        third = next(i for i in added if i.fields.get("Email.Subject") == "message 02")
        fourth = next(i for i in added if i.fields.get("Email.Subject") == "message 03")
        assert changed[third.server_id]["Email.Read"] == "1"
        assert first.server_id not in changed, "the phone's own change is not echoed"
        assert r.deleted == [fourth.server_id]
        sync_key = r.sync_key

        # The body in the type asked for, and the attachment's bytes.
        with_att = next(i for i in added if i.fields.get("Email.Subject") == "with attachment")
        item = c.fetch_item(inbox, with_att.server_id, body_type=BodyType.PLAIN_TEXT)
        assert "see attached" in item.body.data
        assert [a.display_name for a in item.attachments] == ["report.bin"]
        assert c.fetch_attachment(item.attachments[0].file_reference) == b"\x00\x01binary\xff"

        # Moved to Trash from the phone: gone from the INBOX (over IMAP too), a new id there.
        new_id = c.move_item(with_att.server_id, inbox, folders[TRASH].id)
        assert new_id.startswith(folders[TRASH].id + ":")
        r = c.sync_folder(inbox, sync_key)
        assert with_att.server_id in r.deleted
        with imap(server) as m:
            assert m.folder_status("Trash", ["MESSAGES"])[b"MESSAGES"] == 1


def test_send_mail_arrives_and_is_kept_in_sent(server):
    with client(server, device="PYTEST0002") as c:
        folders = folders_by_type(c)
        msg = EmailMessage()
        msg["From"] = ANN
        msg["To"] = BOB
        msg["Bcc"] = ANN
        msg["Subject"] = "from the phone"
        msg.set_content("sent over ActiveSync")
        c.send_mail(msg)
        _, sent, _, _ = sync_all(c, folders[SENT].id)
        assert [i.fields.get("Email.Subject") for i in sent] == ["from the phone"]
    with client(server, BOB, BOB_PW, device="BOBPHONE01") as b:
        inbox = folders_by_type(b)[INBOX].id
        _, got, _, _ = sync_all(b, inbox)
        [m] = [i for i in got if i.fields.get("Email.Subject") == "from the phone"]
        full = b.fetch_item(inbox, m.server_id, body_type=BodyType.MIME)
        data = full.body.data
        raw = data if isinstance(data, bytes) else data.encode()
        assert b"sent over ActiveSync" in raw
        assert b"Bcc:" not in raw, "Bcc is not delivered"
    # The Bcc recipient got it too.
    with imap(server) as m:
        m.select_folder("INBOX")
        assert m.search(["SUBJECT", "from the phone"])


def test_send_mail_refused_for_another_from(server):
    with client(server, device="PYTEST0003") as c:
        msg = EmailMessage()
        msg["From"] = BOB
        msg["To"] = BOB
        msg["Subject"] = "forged"
        msg.set_content("x")
        with pytest.raises(StatusError) as e:
            c.send_mail(msg)
        assert e.value.code == "130"
        # A local address that names nobody: refused whole (116), nothing sent.
        msg.replace_header("From", ANN)
        msg.replace_header("To", f"nobody@{DOMAIN}")
        with pytest.raises(StatusError) as e:
            c.send_mail(msg)
        assert e.value.code == "116"


def test_ping_woken_by_smtp_delivery(server):
    with client(server, device="PYTEST0004") as c:
        inbox = folders_by_type(c)[INBOX].id
        key, _, _, _ = sync_all(c, inbox)
        result = {}

        def park():
            started = time.monotonic()
            result["ping"] = c.ping([inbox], heartbeat=120, timeout=150)
            result["secs"] = time.monotonic() - started

        t = threading.Thread(target=park)
        t.start()
        time.sleep(1.0)
        deliver(server, ANN, "wake up")
        t.join(30)
        assert not t.is_alive(), "the Ping was not answered"
        assert result["ping"].status == "2"
        assert result["ping"].changed_folder_ids == [inbox]
        assert result["secs"] < 10
        r = c.sync_folder(inbox, key)
        assert [i.fields.get("Email.Subject") for i in r.added] == ["wake up"]
        # Out of range heartbeats are refused with the bound.
        assert c.ping([inbox], heartbeat=5, timeout=30).status == "5"


def test_out_of_office_is_the_domain_setting(server):
    with client(server, device="PYTEST0005") as c:
        c.set_oof(OofState.ENABLED, reply_message="Away until Monday")
        oof = c.get_oof()
        assert int(oof.state) == 1
        assert any(m.reply_message == "Away until Monday" and m.enabled for m in oof.messages)
        # The same setting the admin command shows.
        shown = server.admin("user", "vacation", ANN).stdout
        assert "Away until Monday" in shown
        c.set_oof(OofState.DISABLED)
        assert int(c.get_oof().state) == 0


def test_bad_requests(server):
    url = server.https_url + "/Microsoft-Server-ActiveSync"
    auth = (ANN, ANN_PW)
    base = "Cmd=FolderSync&User=ann&DeviceId=BADREQ01&DeviceType=test"
    headers = {"MS-ASProtocolVersion": "16.1", "Content-Type": "application/vnd.ms-sync.wbxml"}
    # Truncated WBXML, an unknown code page, garbage: 400, never a crash.
    for body in (b"\x03\x01\x6a\x00\x00\x07\x56", b"\x03\x01\x6a\x00\x00\x63\x45\x01", b"not wbxml at all"):
        r = requests.post(f"{url}?{base}", data=body, auth=auth, headers=headers, verify=False, timeout=10)
        assert r.status_code in (400, 200), r.status_code
    # A query that is not ActiveSync's, a version not served.
    r = requests.post(f"{url}?Cmd=Nope", data=b"", auth=auth, headers=headers, verify=False, timeout=10)
    assert r.status_code == 400
    r = requests.post(f"{url}?{base}", data=b"", auth=auth, headers={"MS-ASProtocolVersion": "2.5"},
                      verify=False, timeout=10)
    assert r.status_code == 400
    # Still serving.
    with client(server, device="PYTEST0006") as c:
        assert INBOX in folders_by_type(c)


# --- A WBXML client of our own for ActiveSync 14.1 and what pyactivesync cannot send: the XML is
# written here and turned into WBXML by libwbxml's xml2wbxml (an independent encoder); answers
# are read back with wbxml2xml.

DOCTYPE = '<?xml version="1.0"?>\n<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n'


def libwbxml(tool, args, data, tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.write_bytes(data)
    done = subprocess.run([tool, *args, "-o", str(dst), str(src)], capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return dst.read_bytes()


def raw_eas(server, tmp_path, cmd, xml, *, device, key=None, version="14.1", user=ANN, password=ANN_PW):
    """POSTs `xml` (without the prolog) as WBXML; returns (HTTP status, the answer as an lxml tree or None).
    Whitespace is kept (-k): a MIME body's line breaks are content."""
    body = libwbxml("xml2wbxml", ["-k", "-n", "-a"], (DOCTYPE + xml).encode(), tmp_path) if xml else b""
    headers = {"MS-ASProtocolVersion": version, "Content-Type": "application/vnd.ms-sync.wbxml"}
    if key is not None:
        headers["X-MS-PolicyKey"] = str(key)
    url = f"{server.https_url}/Microsoft-Server-ActiveSync?Cmd={cmd}&User=ann&DeviceId={device}&DeviceType=SmartPhone"
    r = requests.post(url, data=body, headers=headers, auth=(user, password), verify=False, timeout=30)
    if r.status_code != 200 or not r.content:
        return r.status_code, None
    return 200, etree.fromstring(libwbxml("wbxml2xml", ["-l", "ACTIVESYNC", "-m", "0"], r.content, tmp_path))


def find(tree, path):
    """The text at a path of local names (namespaces left out), or None."""
    node = tree.find("/".join(f"{{*}}{p}" for p in path.split("/")))
    return None if node is None else (node.text or "")


PROVISION = ('<Provision xmlns="Provision:" xmlns:settings="Settings:"><settings:DeviceInformation><settings:Set>'
             '<settings:Model>Model 14</settings:Model><settings:OS>TestOS 1</settings:OS>'
             '<settings:FriendlyName>Ann phone</settings:FriendlyName></settings:Set></settings:DeviceInformation>'
             '<Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType></Policy></Policies></Provision>')


def provision_14(server, tmp_path, device):
    status, t = raw_eas(server, tmp_path, "Provision", PROVISION, device=device)
    assert status == 200 and find(t, "Status") == "1", status
    assert find(t, "Policies/Policy/Data/EASProvisionDoc/AttachmentsEnabled") == "1"
    temp = find(t, "Policies/Policy/PolicyKey")
    ack = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>'
           f'<PolicyKey>{temp}</PolicyKey><Status>1</Status></Policy></Policies></Provision>')
    status, t = raw_eas(server, tmp_path, "Provision", ack, device=device, key=temp)
    assert find(t, "Policies/Policy/Status") == "1"
    final = find(t, "Policies/Policy/PolicyKey")
    assert final and final != temp
    return final


FOLDERSYNC = '<FolderSync xmlns="FolderHierarchy:"><SyncKey>{}</SyncKey></FolderSync>'


def test_protocol_14_1_folder_sync_keys(server, tmp_path):
    key = provision_14(server, tmp_path, "RAW14A")
    # A provisioning request without DeviceInformation is refused in 14.1 (MS-ASPROV 165).
    bare = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>'
            '</Policy></Policies></Provision>')
    assert find(raw_eas(server, tmp_path, "Provision", bare, device="RAW14B")[1], "Status") == "165"
    # A stale policy key: 144.
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(0), device="RAW14A", key=int(key) ^ 1)
    assert find(t, "Status") == "144"
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(0), device="RAW14A", key=key)
    assert find(t, "Status") == "1"
    sync_key = find(t, "SyncKey")
    names = {f.findtext("{*}DisplayName") for f in t.iterfind(".//{*}Add")}
    assert {"Inbox", "INBOX"} & names and "Sent" in names
    # Nothing changed: Count 0 under the same key; a folder made over IMAP comes as one Add.
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(sync_key), device="RAW14A", key=key)
    assert find(t, "Changes/Count") == "0"
    with imap(server) as m:
        m.create_folder("Projects")
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(sync_key), device="RAW14A", key=key)
    adds = [(a.findtext("{*}DisplayName"), a.findtext("{*}Type")) for a in t.iterfind(".//{*}Add")]
    assert adds == [("Projects", "12")]
    newer = find(t, "SyncKey")
    # The device lost that answer and asks again with the key before: the same change.
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(sync_key), device="RAW14A", key=key)
    assert [a.findtext("{*}DisplayName") for a in t.iterfind(".//{*}Add")] == ["Projects"]
    # A key this device never had: 9 (start over).
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(int(newer) + 50), device="RAW14A", key=key)
    assert find(t, "Status") == "9"
    # Another device's key is not this device's.
    other = provision_14(server, tmp_path, "RAW14C")
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(sync_key), device="RAW14C", key=other)
    assert find(t, "Status") == "9"


def test_remote_wipe(server, tmp_path):
    key = provision_14(server, tmp_path, "WIPEME01")
    listed = server.admin("device", "list", ANN).stdout
    assert "WIPEME01" in listed and "Model 14" in listed and "provisioned" in listed
    assert "TestOS 1" in server.admin("device", "show", ANN, "WIPEME01").stdout
    server.admin("device", "wipe", ANN, "WIPEME01")
    # Any command now: 140, go and provision.
    _, t = raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(0), device="WIPEME01", key=key)
    assert find(t, "Status") == "140"
    _, t = raw_eas(server, tmp_path, "Provision", PROVISION, device="WIPEME01")
    assert t.find(".//{*}RemoteWipe") is not None, etree.tostring(t)
    done = '<Provision xmlns="Provision:"><RemoteWipe><Status>1</Status></RemoteWipe></Provision>'
    _, t = raw_eas(server, tmp_path, "Provision", done, device="WIPEME01")
    assert find(t, "Status") == "1"
    # Wiped: refused until an administrator removes it.
    assert raw_eas(server, tmp_path, "FolderSync", FOLDERSYNC.format(0), device="WIPEME01", key=key)[0] == 403
    assert "wiped" in server.admin("device", "show", ANN, "WIPEME01").stdout
    server.admin("device", "remove", ANN, "WIPEME01")
    provision_14(server, tmp_path, "WIPEME01")
    # Another account's device cannot be reached through this one's name.
    assert server.admin("device", "wipe", BOB, "WIPEME01", check=False).returncode != 0


def test_get_item_estimate(server):
    deliver(server, ANN, "to estimate")
    with client(server, device="PYTEST0007") as c:
        inbox = folders_by_type(c)[INBOX].id
        first = c.sync_folder(inbox, "0")
        total = c.get_item_estimate(inbox, first.sync_key)
        with imap(server) as m:
            assert total == m.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] > 0
        key, _, _, _ = sync_all(c, inbox, first.sync_key)
        assert c.get_item_estimate(inbox, key) == 0
        deliver(server, ANN, "estimated")
        assert c.get_item_estimate(inbox, key) == 1


def test_folder_create_rename_delete(server):
    with client(server, device="PYTEST0008") as c:
        made = c.create_folder("From the phone")
        assert made.id
        with imap(server) as m:
            assert any(name == "From the phone" for _, _, name in m.list_folders())
        c.update_folder(made.id, "Renamed on the phone")
        with imap(server) as m:
            names = [name for _, _, name in m.list_folders()]
            assert "Renamed on the phone" in names and "From the phone" not in names
        child = c.create_folder("Child", parent_id=made.id)
        with imap(server) as m:
            assert "Renamed on the phone/Child" in [name for _, _, name in m.list_folders()]
        by_id = {f.id: f for f in c.list_folders()}
        assert by_id[child.id].parent_id == made.id and by_id[child.id].name == "Child"
        c.delete_folder(made.id)
        with imap(server) as m:
            assert not any(name.startswith("Renamed on the phone") for _, _, name in m.list_folders())
        # INBOX is not the phone's to delete.
        inbox = folders_by_type(c)[INBOX].id
        with pytest.raises(StatusError):
            c.delete_folder(inbox)


def test_gal_resolve_and_find(server):
    deliver(server, ANN, "quarterly zanzibar report", body="the numbers for zanzibar are in")
    deliver(server, ANN, "lunch", body="nothing to see")
    with client(server, device="PYTEST0009") as c:
        # The global address list: the domain's principals by name or address prefix.
        found = c.search_gal("ann")
        assert [(e.display_name, e.email_address) for e in found] == [("Ann Example", ANN)]
        assert {e.email_address for e in c.search_gal("example")} == {ANN}
        assert c.search_gal("nobody-like-this") == []
        [r] = c.resolve_recipients(BOB)
        assert r.email_address == BOB
        gal = c.find_gal("bob@")
        assert [i.fields.get("GAL.EmailAddress") for i in gal.items] == [BOB]
        # Find in the mailbox: every word somewhere in a header field or the body.
        inbox = folders_by_type(c)[INBOX].id
        hits = c.find_mailbox("zanzibar", folder_id=inbox)
        assert [i.fields.get("Email.Subject") for i in hits.items] == ["quarterly zanzibar report"]
        assert hits.items[0].collection_id == inbox
        assert c.find_mailbox("zanzibar numbers").items, "words anywhere"
        assert not c.find_mailbox("zanzibar lunch").items, "all words"
    # Bob finds nothing of Ann's mail.
    with client(server, BOB, BOB_PW, device="BOBPHONE02") as b:
        assert not b.find_mailbox("zanzibar").items


def test_drafts_from_the_phone(server):
    with client(server, device="PYTEST0010") as c:
        drafts = folders_by_type(c)[DRAFTS].id
        key, _, _, _ = sync_all(c, drafts)
        msg = EmailMessage()
        msg["From"] = ANN
        msg["To"] = BOB
        msg["Subject"] = "draft from the phone"
        msg.set_content("not sent yet")
        res = c.create_email_draft(drafts, key, msg, client_id="client-draft-1")
        assert res.status == "1" and res.server_id.startswith(drafts + ":")
        # The draft is not sent back to the phone that made it.
        again = c.sync_folder(drafts, res.sync_key)
        assert not again.added
        # IMAP sees it, flagged \Draft, with the phone's content.
        with imap(server) as m:
            m.select_folder("Drafts")
            [uid] = m.search(["SUBJECT", "draft from the phone"])
            data = m.fetch([uid], ["FLAGS", "BODY.PEEK[]"])[uid]
            assert b"\\Draft" in data[b"FLAGS"]
            assert b"not sent yet" in data[b"BODY[]"]
        # Adding mail anywhere else than Drafts is refused per item.
        inbox = folders_by_type(c)[INBOX].id
        ikey, _, _, _ = sync_all(c, inbox)
        refused = c.create_email_draft(inbox, ikey, msg, client_id="client-draft-2")
        assert refused.status == "6"


def smart_xml(cmd, folder, item, mime):
    # libwbxml reads the content of ComposeMail:Mime as base64 and sends the bytes as OPAQUE.
    mime = base64.b64encode(mime.replace("\n", "\r\n").encode()).decode()
    return (f'<{cmd} xmlns="ComposeMail:"><ClientId>{cmd}-{item}</ClientId><SaveInSentItems/>'
            f'<Source><FolderId>{folder}</FolderId><ItemId>{item}</ItemId></Source>'
            f'<MIME>{mime}</MIME></{cmd}>')  # libwbxml names ComposeMail:Mime so


def test_smart_reply_and_forward(server, tmp_path):
    deliver(server, ANN, "the plan", body="step one\nstep two", attachment=("plan.bin", b"PLAN"))
    with client(server, device="PYTEST0011") as c:
        inbox = folders_by_type(c)[INBOX].id
        _, added, _, _ = sync_all(c, inbox)
        [orig] = [i for i in added if i.fields.get("Email.Subject") == "the plan"]
    key = provision_14(server, tmp_path, "SMART0001")
    reply = f"To: {BOB}\nSubject: Re: the plan\n\nagreed"
    status, t = raw_eas(server, tmp_path, "SmartReply", smart_xml("SmartReply", inbox, orig.server_id, reply),
                        device="SMART0001", key=key)
    assert status == 200 and t is None, t is not None and etree.tostring(t)
    fwd = f"To: {BOB}\nSubject: Fwd: the plan\n\nfor you"
    status, t = raw_eas(server, tmp_path, "SmartForward", smart_xml("SmartForward", inbox, orig.server_id, fwd),
                        device="SMART0001", key=key)
    assert status == 200 and t is None, t is not None and etree.tostring(t)
    with imap(server, BOB, BOB_PW) as m:
        m.select_folder("INBOX")
        [r] = m.search(["SUBJECT", "Re: the plan"])
        raw = m.fetch([r], ["BODY.PEEK[]"])[r][b"BODY[]"]
        assert b"agreed" in raw and b"> step one" in raw and b"In-Reply-To: <the.plan@elsewhere.test>" in raw
        [f] = m.search(["SUBJECT", "Fwd: the plan"])
        raw = m.fetch([f], ["BODY.PEEK[]"])[f][b"BODY[]"]
        assert b"for you" in raw and b"step two" in raw and b'plan.bin' in raw
    # An original that is not there: 150.
    status, t = raw_eas(server, tmp_path, "SmartReply", smart_xml("SmartReply", inbox, inbox + ":999999", reply),
                        device="SMART0001", key=key)
    assert find(t, "Status") == "150"


CONTACTS = 9


def dav(server, method, path, body=None, headers=None):
    return requests.request(method, server.https_url + path, data=body, auth=(ANN, ANN_PW), verify=False,
                            headers=headers or {}, timeout=10)


def test_contacts_both_ways_with_carddav(server):
    book = f"/dav/addressbooks/{ANN}/Contacts/"
    card = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:dav-1\r\nFN:Carol Dav\r\nN:Dav;Carol;;;\r\n"
            "EMAIL;TYPE=INTERNET:carol@dav.test\r\nTEL;TYPE=CELL:+1 555 0101\r\nORG:Dav Corp\r\n"
            "X-CUSTOM:only CardDAV knows this\r\nEND:VCARD\r\n")
    r = dav(server, "PUT", book + "dav-1.vcf", card, {"Content-Type": "text/vcard", "If-None-Match": "*"})
    assert r.status_code == 201, (r.status_code, r.text)
    with client(server, device="PYTEST0012") as c:
        folders = folders_by_type(c)
        assert CONTACTS in folders, folders
        contacts = folders[CONTACTS].id
        key, added, _, _ = sync_all(c, contacts)
        [carol] = [i for i in added if i.fields.get("Contacts.LastName") == "Dav"]
        assert carol.fields["Contacts.FirstName"] == "Carol"
        assert carol.fields["Contacts.Email1Address"] == "carol@dav.test"
        assert carol.fields["Contacts.MobilePhoneNumber"] == "+1 555 0101"
        assert carol.fields["Contacts.CompanyName"] == "Dav Corp"
        # A contact made on the phone is a vCard over CardDAV.
        made = c.create_contact(contacts, key, Contact(first_name="Phil", last_name="Phone",
                                                       email1_address="phil@phone.test", job_title="Tester"))
        assert made.status == "1" and made.server_id
        key = made.sync_key
        listing = dav(server, "PROPFIND", book, headers={"Depth": "1"}).text
        assert listing.count(".vcf") == 2
        # The phone changes Carol (a Change carries the whole contact); CardDAV sees the new
        # title and still has the property only it knew.
        res = c.apply_contact_changes(contacts, key, [ContactChange(carol.server_id, contact=Contact(
            first_name="Carol", last_name="Dav", email1_address="carol@dav.test", company_name="Dav Corp",
            mobile_phone_number="+1 555 0101", job_title="Boss"))])
        assert all(s == "1" for s in res.statuses.values()), res
        key = res.sync_key
        got = dav(server, "GET", book + "dav-1.vcf").text
        assert "TITLE:Boss" in got and "X-CUSTOM:only CardDAV knows this" in got and "UID:dav-1" in got, got
        # Not echoed back to the phone.
        r = c.sync_folder(contacts, key)
        assert not r.changed and not r.added
        key = r.sync_key
        # A change over CardDAV reaches the phone; a deletion too.
        dav(server, "PUT", book + "dav-1.vcf", got.replace("TITLE:Boss", "TITLE:CEO"), {"Content-Type": "text/vcard"})
        r = c.sync_folder(contacts, key)
        assert [i.fields.get("Contacts.JobTitle") for i in r.changed] == ["CEO"]
        key = r.sync_key
        assert dav(server, "DELETE", book + "dav-1.vcf").status_code == 204
        r = c.sync_folder(contacts, key)
        assert r.deleted == [carol.server_id]
        # The phone deletes its own contact: gone over CardDAV.
        res = c.apply_contact_changes(contacts, r.sync_key, [ContactChange(made.server_id, delete=True)])
        assert all(s == "1" for s in res.statuses.values()), res
        assert dav(server, "PROPFIND", book, headers={"Depth": "1"}).text.count(".vcf") == 0


def test_too_many_commands_in_one_sync(server):
    with client(server, device="PYTEST0013") as c:
        inbox = folders_by_type(c)[INBOX].id
        key, _, _, _ = sync_all(c, inbox)
        changes = [EmailChange(f"{inbox}:{n}", read=True) for n in range(1, 1002)]
        with pytest.raises(StatusError) as e:
            c.apply_email_changes(inbox, key, changes)
        assert e.value.code == "4"
        # The folder is still there for the next, reasonable request.
        assert c.sync_folder(inbox, key).sync_key
