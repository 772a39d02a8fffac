"""ActiveSync for phones, what issue 14 added last (against the real binary, with the 14.1/16.1 WBXML
client of test_activesync_calendar.py, XML encoded by libwbxml's xml2wbxml): a Sync with Wait woken
by an SMTP delivery and one whose HeartbeatInterval runs out; an empty and a Partial Sync answered
from the request the device sent before; SoftDelete of what leaves the FilterType window; drafts sent
with email2:Send (16.1), read by the recipient over IMAP.
"""

import datetime
import smtplib
import threading
import time
from email.message import EmailMessage

import pytest
import requests
from lxml import etree

from harness import Relais
from test_activesync import DOCTYPE, imap, libwbxml
from test_activesync_calendar import Phone, etree_text

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "another good password"
DAN, DAN_PW = f"dan@{DOMAIN}", "a fourth good password"
INBOX, DRAFTS = 2, 3
NS = 'xmlns="AirSync:" xmlns:email="Email:" xmlns:base="AirSyncBase:" xmlns:email2="Email2:"'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("easmore") / "data", listeners=["smtp", "imap"],
               settings={"imap": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    for user, pw in ((ANN, ANN_PW), (BOB, BOB_PW), (DAN, DAN_PW)):
        r.admin("user", "add", user, "--password", pw)
    with r:
        yield r


class RawPhone(Phone):
    """A Phone that also sees what Phone.post refuses: HTTP statuses and empty answers."""

    def raw(self, cmd, xml):
        body = libwbxml("xml2wbxml", ["-k", "-n", "-a"], (DOCTYPE + xml).encode(), self.tmp) if xml else b""
        headers = {"MS-ASProtocolVersion": self.version, "Content-Type": "application/vnd.ms-sync.wbxml"}
        if self.key:
            headers["X-MS-PolicyKey"] = str(self.key)
        local = self.user.split("@")[0]
        url = (f"{self.server.https_url}/Microsoft-Server-ActiveSync?Cmd={cmd}&User={local}"
               f"&DeviceId={self.device}&DeviceType=SmartPhone")
        r = requests.post(url, data=body, headers=headers, auth=(self.user, self.password), verify=False,
                          timeout=200)
        if r.status_code != 200 or not r.content:
            return r.status_code, None
        return 200, etree.fromstring(libwbxml("wbxml2xml", ["-l", "ACTIVESYNC", "-m", "0"], r.content, self.tmp))

    def sync(self, folder, key, commands="", options="", window=100):
        """One collection's Sync, with the Email and Email2 namespaces; its answer, which must be Status 1."""
        xml = sync_xml(collection_xml(folder, key, f"<WindowSize>{window}</WindowSize>{options}{commands}"))
        status, t = self.raw("Sync", xml)
        c = None if t is None else t.find(".//{*}Collection")
        assert c is not None and c.findtext("{*}Status") == "1", (status, t is not None and etree_text(t))
        return c


def deliver(server, to, subject):
    msg = EmailMessage()
    msg["From"] = "Carol Sender <carol@elsewhere.test>"
    msg["To"] = to
    msg["Subject"] = subject
    msg.set_content("hello")
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.send_message(msg)


def collection_xml(folder, key, extra=""):
    return f"<Collection><SyncKey>{key}</SyncKey><CollectionId>{folder}</CollectionId>{extra}</Collection>"


def sync_xml(*collections, top=""):
    return f"<Sync {NS}><Collections>{''.join(collections)}</Collections>{top}</Sync>"


def subjects(collection):
    return [e.findtext(".//{*}Subject") for e in collection.iterfind("{*}Commands/{*}Add")]


def collections(tree):
    return {c.findtext("{*}CollectionId"): c for c in tree.iterfind(".//{*}Collection")}


def up_to_date(phone, folder):
    """The folder's key once the device holds everything in it."""
    key = phone.start(folder)
    while True:
        c = phone.sync(folder, key)
        key = c.findtext("{*}SyncKey")
        if c.find("{*}MoreAvailable") is None:
            return key


def test_sync_wait_woken_by_a_delivery(server, tmp_path):
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "WAIT0001")
    inbox = phone.folders()[INBOX]
    key = up_to_date(phone, inbox)
    result = {}

    def park():
        started = time.monotonic()
        result["answer"] = phone.raw("Sync", sync_xml(collection_xml(inbox, key), top="<Wait>2</Wait>"))
        result["secs"] = time.monotonic() - started

    t = threading.Thread(target=park)
    t.start()
    time.sleep(1.5)
    assert t.is_alive(), "the Sync did not wait"
    deliver(server, ANN, "wake the sync")
    t.join(30)
    assert not t.is_alive(), "the Sync was not answered"
    status, tree = result["answer"]
    assert status == 200 and tree is not None
    c = collections(tree)[inbox]
    assert c.findtext("{*}Status") == "1", etree_text(tree)
    assert subjects(c) == ["wake the sync"]
    assert 1 < result["secs"] < 15
    # The key it got goes on; the message is not sent twice.
    assert subjects(phone.sync(inbox, c.findtext("{*}SyncKey"))) == []


def test_sync_heartbeat_runs_out_and_bounds(server, tmp_path):
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "WAIT0002")
    inbox = phone.folders()[INBOX]
    key = up_to_date(phone, inbox)
    # Out of bounds: Status 14 with the bound; Wait and HeartbeatInterval together: 4.
    for top, limit in (("<HeartbeatInterval>30</HeartbeatInterval>", "60"), ("<Wait>60</Wait>", "59"),
                       ("<Wait>0</Wait>", "1")):
        status, t = phone.raw("Sync", sync_xml(collection_xml(inbox, key), top=top))
        assert (t.findtext("{*}Status"), t.findtext("{*}Limit")) == ("14", limit), top
    status, t = phone.raw("Sync", sync_xml(collection_xml(inbox, key),
                                           top="<Wait>5</Wait><HeartbeatInterval>300</HeartbeatInterval>"))
    assert t.findtext("{*}Status") == "4"
    # Nothing arrives: an empty answer when the heartbeat ends.
    started = time.monotonic()
    status, t = phone.raw("Sync", sync_xml(collection_xml(inbox, key), top="<HeartbeatInterval>60</HeartbeatInterval>"))
    secs = time.monotonic() - started
    assert (status, t) == (200, None)
    assert 59 < secs < 90, secs
    # The device keeps its key, which still works and gets what came since.
    deliver(server, ANN, "after the heartbeat")
    time.sleep(0.5)
    assert subjects(phone.sync(inbox, key)) == ["after the heartbeat"]


def test_empty_and_partial_sync_repeat_the_last_request(server, tmp_path):
    phone = RawPhone(server, tmp_path, DAN, DAN_PW, "EMPTY001")
    folders = phone.folders()
    inbox, drafts = folders[INBOX], folders[DRAFTS]
    # Nothing to repeat yet: Status 13, for an empty and for a Partial request.
    status, t = phone.raw("Sync", "")
    assert t.findtext("{*}Status") == "13"
    status, t = phone.raw("Sync", sync_xml(collection_xml(drafts, 0), top="<Partial/>"))
    assert t.findtext("{*}Status") == "13"
    key = phone.start(inbox)
    key = phone.sync(inbox, key).findtext("{*}SyncKey")
    deliver(server, DAN, "for the empty sync")
    time.sleep(0.5)
    # An empty request is the last one again, with the key the device got last.
    status, t = phone.raw("Sync", "")
    c = collections(t)[inbox]
    assert c.findtext("{*}Status") == "1" and subjects(c) == ["for the empty sync"], etree_text(t)
    assert int(c.findtext("{*}SyncKey")) > int(key)
    # Partial: Drafts starts; the Inbox comes from the kept request.
    status, t = phone.raw("Sync", sync_xml(collection_xml(drafts, 0), top="<Partial/>"))
    got = collections(t)
    assert set(got) == {inbox, drafts}, etree_text(t)
    assert all(c.findtext("{*}Status") == "1" for c in got.values())
    # Now both are kept: an empty request syncs both.
    deliver(server, DAN, "second for the empty sync")
    time.sleep(0.5)
    status, t = phone.raw("Sync", "")
    got = collections(t)
    assert set(got) == {inbox, drafts}
    assert subjects(got[inbox]) == ["second for the empty sync"]


def test_soft_delete_when_a_message_leaves_the_filter_window(server, tmp_path):
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=20)
    with imap(server, BOB, BOB_PW) as m:
        for subject, when in (("twenty days old", old), ("from today", None)):
            m.append("INBOX", f"From: carol@elsewhere.test\r\nTo: {BOB}\r\nSubject: {subject}\r\n\r\nhi\r\n".encode(),
                     msg_time=when)
    phone = RawPhone(server, tmp_path, BOB, BOB_PW, "SOFT0001")
    inbox = phone.folders()[INBOX]
    # Everything (FilterType 0): both.
    key = phone.start(inbox, options="<Options><FilterType>0</FilterType></Options>")
    c = phone.sync(inbox, key)
    assert sorted(subjects(c)) == ["from today", "twenty days old"]
    ids = {e.findtext(".//{*}Subject"): e.findtext("{*}ServerId") for e in c.iterfind("{*}Commands/{*}Add")}
    # The phone keeps a week now: the old one leaves by SoftDelete, the other stays.
    c = phone.sync(inbox, c.findtext("{*}SyncKey"), options="<Options><FilterType>3</FilterType></Options>")
    soft = [e.findtext("{*}ServerId") for e in c.iterfind("{*}Commands/{*}SoftDelete")]
    assert soft == [ids["twenty days old"]], etree_text(c)
    assert c.find("{*}Commands/{*}Delete") is None
    # Told once; still in the mailbox.
    c = phone.sync(inbox, c.findtext("{*}SyncKey"))
    assert c.find("{*}Commands") is None, etree_text(c)
    with imap(server, BOB, BOB_PW) as m:
        m.select_folder("INBOX")
        assert len(m.search(["SUBJECT", "twenty days old"])) == 1


def draft_add(client_id, to, subject, text, send=True):
    return (f"<Add><ClientId>{client_id}</ClientId><ApplicationData><email:To>{to}</email:To>"
            f"<email:Subject>{subject}</email:Subject><base:Body><base:Type>1</base:Type><base:Data>{text}</base:Data>"
            f"</base:Body></ApplicationData>{'<email2:Send/>' if send else ''}</Add>")


def arrived(server, user, password, folder, subject):
    with imap(server, user, password) as m:
        m.select_folder(folder)
        uids = m.search(["SUBJECT", subject])
        return [m.fetch([u], ["BODY.PEEK[]"])[u][b"BODY[]"] for u in uids]


def wait_for(server, user, password, folder, subject):
    for _ in range(50):
        got = arrived(server, user, password, folder, subject)
        if got:
            return got
        time.sleep(0.2)
    return got


def test_draft_sent_with_email2_send(server, tmp_path):
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, "SEND0001", version="16.1")
    drafts = phone.folders()[DRAFTS]
    key = up_to_date(phone, drafts)
    # Added and sent at once: the recipient has it, Sent keeps it, Drafts does not.
    c = phone.sync(drafts, key, commands="<Commands>" + draft_add("send-1", BOB, "sent from drafts", "hello bob")
                   + "</Commands>")
    response = c.find("{*}Responses/{*}Add")
    assert response.findtext("{*}Status") == "1", etree_text(c)
    sid = response.findtext("{*}ServerId")
    assert [e.findtext("{*}ServerId") for e in c.iterfind("{*}Commands/{*}Delete")] == [sid]
    [got] = wait_for(server, BOB, BOB_PW, "INBOX", "sent from drafts")
    assert b"hello bob" in got and ANN.encode() in got
    assert len(arrived(server, ANN, ANN_PW, "Sent", "sent from drafts")) == 1
    assert arrived(server, ANN, ANN_PW, "Drafts", "sent from drafts") == []
    # A draft kept, then sent by a Change carrying Send: the Delete comes with the answer.
    c = phone.sync(drafts, c.findtext("{*}SyncKey"),
                   commands="<Commands>" + draft_add("keep-1", BOB, "kept then sent", "later", send=False) + "</Commands>")
    sid = c.find("{*}Responses/{*}Add").findtext("{*}ServerId")
    assert len(arrived(server, ANN, ANN_PW, "Drafts", "kept then sent")) == 1
    c = phone.sync(drafts, c.findtext("{*}SyncKey"),
                   commands=f"<Commands><Change><ServerId>{sid}</ServerId><email2:Send/></Change></Commands>")
    assert c.find("{*}Responses") is None, etree_text(c)
    assert [e.findtext("{*}ServerId") for e in c.iterfind("{*}Commands/{*}Delete")] == [sid]
    [got] = wait_for(server, BOB, BOB_PW, "INBOX", "kept then sent")
    assert b"later" in got
    assert arrived(server, ANN, ANN_PW, "Drafts", "kept then sent") == []
    # No recipient: refused (6), nothing kept.
    c = phone.sync(drafts, c.findtext("{*}SyncKey"),
                   commands="<Commands>" + draft_add("send-2", "", "to nobody", "x") + "</Commands>")
    response = c.find("{*}Responses/{*}Add")
    assert response.findtext("{*}Status") == "6" and response.find("{*}ServerId") is None, etree_text(c)
    assert arrived(server, ANN, ANN_PW, "Drafts", "to nobody") == []


def invited(server, tmp_path, device, uid, summary, lines):
    """Dan invites Ann over CalDAV (`lines`: the event's times and rule); Ann's 16.1 phone syncs her
    calendar. Returns the phone, the calendar's id and the meeting's ServerId."""
    from test_activesync_calendar import caldav_calendar
    caldav_calendar(server, DAN, DAN_PW, "Calendar").save_event(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n{lines}SUMMARY:{summary}\r\nORGANIZER:mailto:{DAN}\r\n"
        f"ATTENDEE;PARTSTAT=ACCEPTED:mailto:{DAN}\r\n"
        f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{ANN}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    phone = RawPhone(server, tmp_path, ANN, ANN_PW, device, version="16.1")
    cal = phone.folders()[8]
    c = phone.sync(cal, phone.start(cal))
    [sid] = [a.findtext("{*}ServerId") for a in c.iterfind("{*}Commands/{*}Add")
             if a.findtext(".//{*}Subject") == summary]
    return phone, cal, sid


def test_meeting_response_told_to_the_organizer_only_when_asked(server, tmp_path):
    from test_activesync_calendar import caldav_calendar, unfolded
    uid = "send-response-1"
    phone, cal, sid = invited(server, tmp_path, "MEETING1", uid, "Planning",
                              "DTSTART:20270315T100000Z\r\nDTEND:20270315T110000Z\r\n")

    def answer(response, send):
        xml = ('<MeetingResponse xmlns="MeetingResponse:"><Request>'
               f'<UserResponse>{response}</UserResponse><CollectionId>{cal}</CollectionId>'
               f'<RequestId>{sid}</RequestId>{"<SendResponse/>" if send else ""}</Request></MeetingResponse>')
        status, t = phone.raw("MeetingResponse", xml)
        assert t.findtext(".//{*}Result/{*}Status") == "1", etree_text(t)

    def partstat(user, password):
        text = unfolded(caldav_calendar(server, user, password, "Calendar").event_by_uid(uid).data)
        [line] = [ln for ln in text.splitlines() if ln.startswith("ATTENDEE") and ANN in ln]
        return line.split("PARTSTAT=")[1].split(";")[0].split(":")[0]

    # 16.1 without SendResponse: Ann's copy only.
    answer(2, send=False)
    assert (partstat(ANN, ANN_PW), partstat(DAN, DAN_PW)) == ("TENTATIVE", "NEEDS-ACTION")
    # With SendResponse: the organizer's copy records it.
    answer(1, send=True)
    assert (partstat(ANN, ANN_PW), partstat(DAN, DAN_PW)) == ("ACCEPTED", "ACCEPTED")


def test_meeting_response_to_one_occurrence(server, tmp_path):
    from test_activesync_calendar import caldav_calendar, unfolded
    uid = "instance-1"
    phone, cal, sid = invited(server, tmp_path, "MEETING2", uid, "Weekly sync",
                              "DTSTART:20270301T100000Z\r\nDTEND:20270301T110000Z\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\n")

    def answer(instance):
        xml = ('<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>3</UserResponse>'
               f'<CollectionId>{cal}</CollectionId><RequestId>{sid}</RequestId>'
               f'<InstanceId>{instance}</InstanceId><SendResponse/></Request></MeetingResponse>')
        return phone.raw("MeetingResponse", xml)[1].findtext(".//{*}Result/{*}Status")

    # The second week declined; the series stays unanswered.
    assert answer("2027-03-08T10:00:00.000Z") == "1"
    text = unfolded(caldav_calendar(server, ANN, ANN_PW, "Calendar").event_by_uid(uid).data)
    assert "RECURRENCE-ID:20270308T100000Z" in text and "PARTSTAT=DECLINED" in text, text
    assert "PARTSTAT=NEEDS-ACTION" in text, text
    # Told (SendResponse): the organizer's copy records it on that occurrence.
    text = unfolded(caldav_calendar(server, DAN, DAN_PW, "Calendar").event_by_uid(uid).data)
    assert "RECURRENCE-ID:20270308T100000Z" in text and "PARTSTAT=DECLINED" in text, text
    # No occurrence then, or not a time: Status 2.
    assert answer("2027-03-09T10:00:00.000Z") == "2"
    assert answer("next week") == "2"
