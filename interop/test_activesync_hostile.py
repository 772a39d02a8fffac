"""ActiveSync against requests that cost the server: what one answer may hold, how many folders
one request may name, state that is not the device's (against the real binary, with the WBXML
client of test_activesync_more.py).
"""

import re
import smtplib
import threading
import time
from email.message import EmailMessage

import pytest
import requests
from lxml import etree

from harness import Relais
from test_activesync import libwbxml
from test_activesync_calendar import etree_text
from test_activesync_more import RawPhone, collection_xml, sync_xml

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "another good password"
EVE, EVE_PW = f"eve@{DOMAIN}", "a fifth good password"
INBOX = 2
# EasConfig::max_answer_bytes.
ANSWER_BYTES = 16 << 20


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A parked watch's looks traced: test_a_parked_ping_does_not_look_at_every_commit_elsewhere
    # counts them.
    r = Relais(tmp_path_factory.mktemp("eashostile") / "data", listeners=["smtp"],
               env={"RUST_LOG": "info,relais_eas::watch=trace"})
    r.admin("domain", "add", DOMAIN)
    for user, pw in ((ANN, ANN_PW), (BOB, BOB_PW), (EVE, EVE_PW)):
        r.admin("user", "add", user, "--password", pw)
    with r:
        yield r


def deliver(server, to, subject, text="hello"):
    msg = EmailMessage()
    msg["From"] = "Carol Sender <carol@elsewhere.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content(text)
    with smtplib.SMTP(*server.addr("smtp"), timeout=60) as s:
        s.send_message(msg)


def big_text(octets):
    line = "0123456789" * 7 + "\n"
    return line * (octets // len(line))


def test_a_sync_answer_holds_a_bounded_amount_of_content(server, tmp_path):
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "BIGSYNC1")
    inbox = phone.folders()[INBOX]
    key = phone.start(inbox)
    # Three messages of 9 MiB of text each, asked for whole (no TruncationSize) in a window of
    # 100: the answer stops once 16 MiB are in it (the message that crosses it is sent).
    for i in range(3):
        deliver(server, ANN, f"big {i}", big_text(9 << 20))
    time.sleep(0.5)
    c = phone.sync(inbox, key)
    adds = c.findall("{*}Commands/{*}Add")
    assert [a.findtext(".//{*}Subject") for a in adds] == ["big 0", "big 1"]
    assert c.find("{*}MoreAvailable") is not None
    assert all(len(a.findtext(".//{*}Body/{*}Data")) > 9_000_000 for a in adds)
    c = phone.sync(inbox, c.findtext("{*}SyncKey"))
    assert [a.findtext(".//{*}Subject") for a in c.iterfind("{*}Commands/{*}Add")] == ["big 2"], etree_text(c)
    assert c.find("{*}MoreAvailable") is None
    # Small ones still go a window at a time.
    for i in range(5):
        deliver(server, ANN, f"small {i}")
    time.sleep(0.5)
    c = phone.sync(inbox, c.findtext("{*}SyncKey"))
    assert len(c.findall("{*}Commands/{*}Add")) == 5 and c.find("{*}MoreAvailable") is None


def item_operations(phone, fetches):
    xml = f'<ItemOperations xmlns="ItemOperations:" xmlns:base="AirSyncBase:">{fetches}</ItemOperations>'
    status, t = phone.raw("ItemOperations", xml)
    assert status == 200, status
    return t


def test_an_item_operations_answer_holds_a_bounded_amount_of_content(server, tmp_path):
    phone = RawPhone(server, tmp_path, BOB, BOB_PW, "BIGFETCH")
    inbox = phone.folders()[INBOX]
    key = phone.start(inbox)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "carol@elsewhere.test", BOB, "an attachment"
    msg.set_content("see attached")
    msg.add_attachment(b"\x01" * (7 << 20), maintype="application", subtype="octet-stream", filename="big.bin")
    with smtplib.SMTP(*server.addr("smtp"), timeout=60) as s:
        s.send_message(msg)
    time.sleep(0.5)
    c = phone.sync(inbox, key)
    reference = c.findtext(".//{*}Attachment/{*}FileReference")
    assert reference, etree_text(c)
    # The same 7 MiB attachment (9.3 MiB in base64) three times: the third is past 16 MiB.
    fetch = f"<Fetch><Store>Mailbox</Store><base:FileReference>{reference}</base:FileReference></Fetch>"
    t = item_operations(phone, fetch * 3)
    got = t.findall("{*}Response/{*}Fetch")
    assert [f.findtext("{*}Status") for f in got] == ["1", "1", "11"]
    assert got[2].findtext("{*}FileReference") == reference
    # Asked again alone, it comes.
    t = item_operations(phone, fetch)
    assert t.findtext("{*}Response/{*}Fetch/{*}Status") == "1"


def spoil_sync_state(server, device, collection):
    """Writes a sync state that cannot be read (as one of an older format would be)."""
    import sqlite3
    db = sqlite3.connect(server.data_dir / "relais.db", timeout=10)
    with db:
        n = db.execute("UPDATE device_sync SET state = '{\"not\": \"a state\"}' WHERE device_id = ? AND collection = ?",
                       (device, collection)).rowcount
    db.close()
    assert n == 1


def test_a_sync_state_that_cannot_be_read_is_status_3_not_a_silent_restart(server, tmp_path):
    phone = RawPhone(server, tmp_path, BOB, BOB_PW, "SPOILED1")
    t = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    folder_key = t.findtext("{*}SyncKey")
    inbox = {a.findtext("{*}Type"): a.findtext("{*}ServerId") for a in t.iterfind(".//{*}Add")}[str(INBOX)]
    deliver(server, BOB, "held by the phone")
    key = phone.start(inbox)
    c = phone.sync(inbox, key)
    assert [a.findtext(".//{*}Subject") for a in c.iterfind("{*}Commands/{*}Add")][-1] == "held by the phone"
    key = c.findtext("{*}SyncKey")
    spoil_sync_state(server, "SPOILED1", inbox)
    # The phone's key names a state the server cannot read: it must start over (Status 3),
    # not be given a new key as if it held nothing (everything would come again).
    status, t = phone.raw("Sync", sync_xml(collection_xml(inbox, key)))
    c = t.find(".//{*}Collection")
    assert (c.findtext("{*}Status"), c.findtext("{*}SyncKey")) == ("3", "0"), etree_text(t)
    # The same for the folder hierarchy: FolderSync Status 9.
    spoil_sync_state(server, "SPOILED1", "hierarchy")
    status, t = phone.raw("FolderSync",
                          f'<FolderSync xmlns="FolderHierarchy:"><SyncKey>{folder_key}</SyncKey></FolderSync>')
    assert t.findtext("{*}Status") == "9", etree_text(t)


def test_a_ping_on_ten_thousand_folders_is_status_6(server, tmp_path):
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "PING10K1")
    folders = "".join(f"<Folder><Id>{1000 + i}</Id><Class>Email</Class></Folder>" for i in range(10_000))
    status, t = phone.raw("Ping", f'<Ping xmlns="Ping:"><HeartbeatInterval>60</HeartbeatInterval>'
                                  f'<Folders>{folders}</Folders></Ping>')
    assert (t.findtext("{*}Status"), t.findtext("{*}MaxFolders")) == ("6", "300"), etree_text(t)
    # As many collections in one Sync: Status 15 with the limit.
    many = "".join(collection_xml(1000 + i, 0) for i in range(10_000))
    status, t = phone.raw("Sync", sync_xml(many))
    assert (t.findtext("{*}Status"), t.findtext("{*}Limit")) == ("15", "300"), etree_text(t)


def test_another_users_folders_and_items_are_refused(server, tmp_path):
    bob = RawPhone(server, tmp_path, BOB, BOB_PW, "OWNER001")
    t = bob.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    theirs = {a.findtext("{*}Type"): a.findtext("{*}ServerId") for a in t.iterfind(".//{*}Add")}
    inbox, calendar = theirs["2"], theirs["8"]
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "carol@elsewhere.test", BOB, "private"
    msg.set_content("for bob only")
    msg.add_attachment(b"secret", maintype="application", subtype="octet-stream", filename="s.bin")
    with smtplib.SMTP(*server.addr("smtp"), timeout=60) as s:
        s.send_message(msg)
    time.sleep(0.5)
    key = bob.start(inbox)
    c = bob.sync(inbox, key)
    add = [a for a in c.iterfind("{*}Commands/{*}Add") if a.findtext(".//{*}Subject") == "private"][0]
    server_id = add.findtext("{*}ServerId")
    reference = add.findtext(".//{*}Attachment/{*}FileReference")

    ann = RawPhone(server, tmp_path, ANN, ANN_PW, "INTRUDER")
    mine = {a.findtext("{*}Type"): a.findtext("{*}ServerId") for a in ann.post(
        "FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>').iterfind(".//{*}Add")}
    for folder in (inbox, calendar):
        status, t = ann.raw("Sync", sync_xml(collection_xml(folder, 0)))
        assert t.findtext(".//{*}Collection/{*}Status") == "12", etree_text(t)
    status, t = ann.raw("Ping", f'<Ping xmlns="Ping:"><HeartbeatInterval>60</HeartbeatInterval><Folders>'
                                f'<Folder><Id>{inbox}</Id><Class>Email</Class></Folder></Folders></Ping>')
    assert t.findtext("{*}Status") == "7", etree_text(t)
    fetches = (f"<Fetch><Store>Mailbox</Store><base:FileReference>{reference}</base:FileReference></Fetch>"
               f"<Fetch><Store>Mailbox</Store><airsync:CollectionId>{inbox}</airsync:CollectionId>"
               f"<airsync:ServerId>{server_id}</airsync:ServerId></Fetch>")
    status, t = ann.raw("ItemOperations", '<ItemOperations xmlns="ItemOperations:" xmlns:base="AirSyncBase:" '
                                          f'xmlns:airsync="AirSync:">{fetches}</ItemOperations>')
    got = t.findall("{*}Response/{*}Fetch")
    assert [f.findtext("{*}Status") for f in got] != ["1", "1"] and all(f.find(".//{*}Data") is None for f in got)
    assert b"secret" not in etree_text(t).encode() and "for bob only" not in etree_text(t)
    status, t = ann.raw("MoveItems", f'<MoveItems xmlns="Move:"><Move><SrcMsgId>{server_id}</SrcMsgId>'
                                     f'<SrcFldId>{inbox}</SrcFldId><DstFldId>{mine["2"]}</DstFldId></Move></MoveItems>')
    assert t.findtext("{*}Response/{*}Status") == "1", etree_text(t)
    status, t = ann.raw("MeetingResponse", '<MeetingResponse xmlns="MeetingResponse:"><Request>'
                                           f'<UserResponse>1</UserResponse><CollectionId>{inbox}</CollectionId>'
                                           f'<RequestId>{server_id}</RequestId></Request></MeetingResponse>')
    assert t.findtext("{*}Result/{*}Status") == "2", etree_text(t)
    # Bob still has it.
    assert bob.sync(inbox, c.findtext("{*}SyncKey")).find("{*}Commands") is None


def holding_a_large_message(server, phone, user, octets):
    """The phone's inbox, the ServerId of a message of `octets` of text it was sent (truncated),
    and its key."""
    inbox = phone.folders()[INBOX]
    # Truncated: earlier tests left messages larger than lxml reads whole.
    options = ('<Options><BodyPreference xmlns="AirSyncBase:"><Type>1</Type><TruncationSize>100</TruncationSize>'
               '</BodyPreference></Options>')
    key = up_to(phone, inbox, phone.start(inbox), options)
    deliver(server, user, "large", big_text(octets))
    time.sleep(0.5)
    c = phone.sync(inbox, key, options=options)
    return inbox, c.findtext("{*}Commands/{*}Add/{*}ServerId"), c.findtext("{*}SyncKey")


def test_flag_changes_do_not_read_the_message(server, tmp_path):
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "FLAGS001")
    inbox, server_id, key = holding_a_large_message(server, phone, ANN, 30 << 20)
    # 600 Read changes of one 30 MiB message: each is a keyword change, not 30 MiB read (18 GiB).
    changes = "".join(f"<Change><ServerId>{server_id}</ServerId><ApplicationData><email:Read>{i % 2}</email:Read>"
                      "</ApplicationData></Change>" for i in range(600))
    started = time.monotonic()
    c = phone.sync(inbox, key, commands=f"<Commands>{changes}</Commands>", options="<GetChanges>0</GetChanges>")
    took = time.monotonic() - started
    assert c.find("{*}Responses") is None, etree_text(c)
    # Measured: 11 s before (each change read the message), 1.3 s after (debug build).
    assert took < 5, took


def up_to(phone, folder, key, options=""):
    while True:
        c = phone.sync(folder, key, options=options)
        key = c.findtext("{*}SyncKey")
        if c.find("{*}MoreAvailable") is None:
            return key


def test_a_sync_request_holds_at_most_a_thousand_commands_in_all(server, tmp_path):
    phone = RawPhone(server, tmp_path, BOB, BOB_PW, "MANYCMDS")
    folders = phone.folders()
    inbox, trash = folders[INBOX], folders[4]
    deliver(server, BOB, "changed too often")
    keys = {f: up_to(phone, f, phone.start(f)) for f in (inbox, trash)}
    c = phone.sync(inbox, phone.start(inbox))
    c = phone.sync(inbox, c.findtext("{*}SyncKey"))
    server_id = c.findtext("{*}Commands/{*}Add/{*}ServerId")
    keys[inbox] = up_to(phone, inbox, c.findtext("{*}SyncKey"))
    # 600 changes in each of two folders: 1,200 writes in one request, though neither folder
    # holds more than 1,000. (The Trash's name the Inbox's message: each answered 8 if done.)
    changes = "".join(f"<Change><ServerId>{server_id}</ServerId><ApplicationData><email:Read>{i % 2}</email:Read>"
                      "</ApplicationData></Change>" for i in range(600))
    both = [collection_xml(f, keys[f], f"<GetChanges>0</GetChanges><Commands>{changes}</Commands>")
            for f in (inbox, trash)]
    status, t = phone.raw("Sync", sync_xml(*both))
    assert t.findtext("{*}Status") == "4" and t.find(".//{*}Collection") is None, etree_text(t)
    # 1,000 in all are done.
    fewer = "".join(f"<Change><ServerId>{server_id}</ServerId><ApplicationData><email:Read>1</email:Read>"
                    "</ApplicationData></Change>" for _ in range(500))
    both = [collection_xml(f, keys[f], f"<GetChanges>0</GetChanges><Commands>{fewer}</Commands>")
            for f in (inbox, trash)]
    status, t = phone.raw("Sync", sync_xml(*both))
    assert [c.findtext("{*}Status") for c in t.iterfind(".//{*}Collection")] == ["1", "1"], etree_text(t)


def send_mail_wbxml(client_id, mime):
    """SendMail with ClientId, SaveInSentItems and Mime as opaque data, encoded here (libwbxml
    does not know ComposeMail's Mime): WBXML 1.3, page 21 (ComposeMail)."""
    def opaque(data):
        n, out = len(data), [len(data) & 0x7F]
        while n > 0x7F:
            n >>= 7
            out.insert(0, 0x80 | (n & 0x7F))
        return bytes([0xC3] + out) + data
    return (b"\x03\x01\x6a\x00" + b"\x00\x15" + b"\x45"
            + b"\x51\x03" + client_id.encode() + b"\x00\x01" + b"\x08"
            + b"\x50" + opaque(mime.encode()) + b"\x01" + b"\x01")


def post_wbxml(phone, cmd, body):
    headers = {"MS-ASProtocolVersion": phone.version, "Content-Type": "application/vnd.ms-sync.wbxml",
               "X-MS-PolicyKey": str(phone.key)}
    url = (f"{phone.server.https_url}/Microsoft-Server-ActiveSync?Cmd={cmd}&User={phone.user.split('@')[0]}"
           f"&DeviceId={phone.device}&DeviceType=SmartPhone")
    return requests.post(url, data=body, headers=headers, auth=(phone.user, phone.password), verify=False, timeout=60)


def test_a_message_sent_again_with_its_client_id_is_sent_once(server, tmp_path):
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "RESEND01")
    mime = (f"From: {ANN}\r\nTo: {BOB}\r\nSubject: sent once\r\nMessage-ID: <once@example.test>\r\n\r\n"
            "the phone lost the answer and sent it again\r\n")
    r = post_wbxml(phone, "SendMail", send_mail_wbxml("client-41", mime))
    assert (r.status_code, r.content) == (200, b""), r.content
    # The retry: refused with 118 (sent before), nothing sent twice.
    r = post_wbxml(phone, "SendMail", send_mail_wbxml("client-41", mime))
    assert r.status_code == 200 and r.content, "sent again"
    t = etree.fromstring(libwbxml("wbxml2xml", ["-l", "ACTIVESYNC", "-m", "0"], r.content, tmp_path))
    assert t.findtext("{*}Status") == "118", etree_text(t)
    # Another ClientId is another message.
    r = post_wbxml(phone, "SendMail", send_mail_wbxml("client-42", mime))
    assert (r.status_code, r.content) == (200, b""), r.content
    time.sleep(1)
    bob = RawPhone(server, tmp_path, BOB, BOB_PW, "RESEND02")
    inbox = bob.folders()[INBOX]
    key, got = bob.start(inbox), []
    while True:
        c = bob.sync(inbox, key)
        got += [a.findtext(".//{*}Subject") for a in c.iterfind("{*}Commands/{*}Add")]
        key = c.findtext("{*}SyncKey")
        if c.find("{*}MoreAvailable") is None:
            break
    assert got.count("sent once") == 2, got


def test_an_account_holds_at_most_a_hundred_devices(server, tmp_path):
    # relais_directory::devices::MAX_DEVICES: each new DeviceId was a new device, without end.
    dan, dan_pw = f"dan@{DOMAIN}", "a fourth good password"
    server.admin("user", "add", dan, "--password", dan_pw)

    def folder_sync(device):
        url = (f"{server.https_url}/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=dan"
               f"&DeviceId={device}&DeviceType=SmartPhone")
        r = requests.post(url, data=b"", headers={"MS-ASProtocolVersion": "14.1"}, auth=(dan, dan_pw),
                          verify=False, timeout=30)
        assert r.status_code == 200, r.status_code
        return etree.fromstring(libwbxml("wbxml2xml", ["-l", "ACTIVESYNC", "-m", "0"], r.content, tmp_path))

    for i in range(100):
        assert folder_sync(f"DEV{i:04d}").findtext("{*}Status") == "142"  # not provisioned yet
    t = folder_sync("ONEMORE")
    assert t.findtext("{*}Status") == "177", etree_text(t)
    assert folder_sync("DEV0007").findtext("{*}Status") == "142"


def test_contact_fields_a_phone_does_not_support_are_kept(server, tmp_path):
    # MS-ASCMD §2.2.3.168 Supported: a 14.1 phone names what it shows; a Change leaving out the
    # rest must not clear it (it did: the job title and company were lost).
    phone = RawPhone(server, tmp_path, BOB, BOB_PW, "GHOSTS01")
    contacts = phone.folders()[9]
    supported = ('<Supported><FirstName xmlns="Contacts:"/><LastName xmlns="Contacts:"/>'
                 '<Email1Address xmlns="Contacts:"/></Supported>')
    status, t = phone.raw("Sync", sync_xml(collection_xml(contacts, 0, supported)))
    key = t.findtext(".//{*}Collection/{*}SyncKey")
    key = up_to(phone, contacts, key)
    add = ('<Commands><Add><ClientId>g1</ClientId><ApplicationData><FirstName xmlns="Contacts:">Gus</FirstName>'
           '<LastName xmlns="Contacts:">Host</LastName><JobTitle xmlns="Contacts:">Keeper</JobTitle>'
           '<CompanyName xmlns="Contacts:">Ghost Corp</CompanyName></ApplicationData></Add></Commands>')
    c = phone.sync(contacts, key, commands=add)
    server_id = c.findtext("{*}Responses/{*}Add/{*}ServerId")
    change = (f'<Commands><Change><ServerId>{server_id}</ServerId><ApplicationData>'
              '<FirstName xmlns="Contacts:">Gustav</FirstName></ApplicationData></Change></Commands>')
    c = phone.sync(contacts, c.findtext("{*}SyncKey"), commands=change)
    assert c.find("{*}Responses") is None, etree_text(c)
    # Another device sees the card as stored.
    other = RawPhone(server, tmp_path, BOB, BOB_PW, "GHOSTS02")
    key = other.start(contacts)
    c = other.sync(contacts, key)
    [card] = [a for a in c.iterfind("{*}Commands/{*}Add") if a.findtext("{*}ServerId") == server_id]
    fields = {e.tag.split("}")[1]: e.text for e in card.find("{*}ApplicationData")}
    assert (fields.get("FirstName"), fields.get("LastName")) == ("Gustav", None), fields
    assert (fields.get("JobTitle"), fields.get("CompanyName")) == ("Keeper", "Ghost Corp"), fields


def test_fetches_in_a_sync_hold_a_bounded_amount_of_content(server, tmp_path):
    phone = RawPhone(server, tmp_path, BOB, BOB_PW, "SYNCFTCH")
    inbox, server_id, key = holding_a_large_message(server, phone, BOB, 9 << 20)
    whole = '<Options><BodyPreference xmlns="AirSyncBase:"><Type>1</Type></BodyPreference></Options>'
    fetch = f"<Fetch><ServerId>{server_id}</ServerId></Fetch>"
    c = phone.sync(inbox, key, commands=f"<Commands>{fetch * 3}</Commands>", options=whole)
    got = c.findall("{*}Responses/{*}Fetch")
    assert [f.findtext("{*}Status") for f in got] == ["1", "1", "5"], etree_text(c)[:2000]


def test_an_add_sent_again_after_a_lost_answer_is_stored_once(server, tmp_path):
    # The phone sends an Add, loses the answer and sends the same request with the same key
    # (MS-ASCMD §2.2.3.181.4: the server answers it again): one object, not two.
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "REPLAY01")
    folders = phone.folders()
    drafts, contacts = folders[3], folders[9]
    add_draft = ('<Commands><Add><ClientId>d-1</ClientId><ApplicationData><email:To>bob@example.test</email:To>'
                 '<email:Subject>drafted once</email:Subject><base:Body><base:Type>1</base:Type>'
                 '<base:Data>hello</base:Data></base:Body></ApplicationData></Add></Commands>')
    add_contact = ('<Commands><Add><ClientId>c-1</ClientId><ApplicationData>'
                   '<FirstName xmlns="Contacts:">Once</FirstName></ApplicationData></Add></Commands>')
    for folder, add, shown in ((drafts, add_draft, "drafted once"), (contacts, add_contact, "Once")):
        key = up_to(phone, folder, phone.start(folder))
        first = phone.sync(folder, key, commands=add)
        again = phone.sync(folder, key, commands=add)
        ids = [c.findtext("{*}Responses/{*}Add/{*}ServerId") for c in (first, again)]
        assert ids[0] and ids[0] == ids[1], ids
        assert [c.findtext("{*}Responses/{*}Add/{*}Status") for c in (first, again)] == ["1", "1"]
        other = RawPhone(server, tmp_path, ANN, ANN_PW, f"REPLAY{folder}")
        c = other.sync(folder, other.start(folder))
        seen = [a.findtext(".//{*}Subject") or a.findtext(".//{*}FirstName") for a in c.iterfind("{*}Commands/{*}Add")]
        assert seen.count(shown) == 1, seen


def folder_create(phone, names):
    """Mail folders (type 12) made at the top of the phone's hierarchy: their ServerIds."""
    t = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    key, made = t.findtext("{*}SyncKey"), []
    for name in names:
        t = phone.post("FolderCreate", f'<FolderCreate xmlns="FolderHierarchy:"><SyncKey>{key}</SyncKey>'
                       f"<ParentId>0</ParentId><DisplayName>{name}</DisplayName><Type>12</Type></FolderCreate>")
        assert t.findtext("{*}Status") == "1", etree_text(t)
        key = t.findtext("{*}SyncKey")
        made.append(t.findtext("{*}ServerId"))
    return made


def watch_log(server, device, since):
    """The trace lines of `device`'s parked watch written to the server's log after offset
    `since`: (what, folders) each, `what` "parks" or "looks"."""
    with open(server.log_path, "rb") as log:
        log.seek(since)
        text = log.read().decode(errors="replace")
    pattern = rf"eas: watch (parks|looks) device=\"?{device}\"? folders=(\d+)"
    return [(m[1], int(m[2])) for m in re.finditer(pattern, text)]


def test_a_parked_ping_does_not_look_at_every_commit_elsewhere(server, tmp_path):
    # A Ping parked on 300 folders (Drafts and 299 made here) while the account's Inbox changes
    # 400 times: each commit made it look at its 300 folders (a read each); a look that finds
    # nothing now backs off (5 ms, doubling to a second), so the changes cost a look a second,
    # not one each. The server traces each look (RUST_LOG of the fixture), and the looks are
    # counted against how long the changes took: with the back-off at most eight in the first
    # 1.3 s and one a second after, however slow the machine; without it one look after another
    # while the changes last. Measured (debug build): 11 looks in 4.5–5.1 s; without the
    # back-off 77–79 in 6.0 s (a look of 300 reads took 80 ms).
    phone = RawPhone(server, tmp_path, EVE, EVE_PW, "PARKED01")
    drafts = phone.folders()[3]
    watched = [drafts] + folder_create(phone, (f"watched {i:03d}" for i in range(299)))
    inbox, server_id, key = holding_a_large_message(server, phone, EVE, 1000)
    ping = ('<Ping xmlns="Ping:"><HeartbeatInterval>120</HeartbeatInterval><Folders>'
            + "".join(f"<Folder><Id>{f}</Id><Class>Email</Class></Folder>" for f in watched) + "</Folders></Ping>")
    parked = RawPhone(server, tmp_path, EVE, EVE_PW, "PARKED02")
    answered = []
    since = server.log_path.stat().st_size
    waiter = threading.Thread(target=lambda: answered.append(parked.raw("Ping", ping)))
    waiter.start()
    deadline = time.monotonic() + 30
    while ("parks", 300) not in watch_log(server, "PARKED02", since):
        assert time.monotonic() < deadline and waiter.is_alive(), watch_log(server, "PARKED02", since)
        time.sleep(0.1)
    since = server.log_path.stat().st_size
    started = time.monotonic()
    for i in range(400):
        change = (f"<Change><ServerId>{server_id}</ServerId><ApplicationData><email:Read>{(i + 1) % 2}"
                  "</email:Read></ApplicationData></Change>")
        c = phone.sync(inbox, key, commands=f"<Commands>{change}</Commands>", options="<GetChanges>0</GetChanges>")
        key = c.findtext("{*}SyncKey")
    took = time.monotonic() - started
    looks = watch_log(server, "PARKED02", since)
    # Drafts changes: the Ping is answered at once, naming it.
    phone.sync(drafts, up_to(phone, drafts, phone.start(drafts)), commands=(
        '<Commands><Add><ClientId>p-1</ClientId><ApplicationData><email:Subject>wake</email:Subject>'
        '<base:Body><base:Type>1</base:Type><base:Data>x</base:Data></base:Body></ApplicationData></Add></Commands>'))
    waiter.join(timeout=30)
    assert answered and answered[0][1].findtext("{*}Status") == "2", answered
    assert [f.text for f in answered[0][1].iterfind("{*}Folders/{*}Folder")] == [drafts]
    # The changes woke it (a look reads the 300 folders), and at most a look a second came of
    # them after the first eight (5 ms to 640 ms apart: 1.3 s).
    assert looks and set(looks) == {("looks", 300)}, looks
    assert len(looks) <= 8 + took + 2, (len(looks), took)
