"""Calendars and tasks over ActiveSync 14.1 (issue 14, items 3 and 5) against the real binary, with
the WBXML client of test_activesync.py (XML encoded by libwbxml's xml2wbxml; pyactivesync has no
Calendar or Tasks code page) and python caldav 3.6 on the other side: an event made on the phone is
seen over CalDAV with its recurrence, time zone and attendees; one made over CalDAV reaches the
phone and the phone's edit keeps what only CalDAV knew; tasks both ways; an attendee's
MeetingResponse reaches the organizer — a local one's copy, and a remote one by an iMIP REPLY
when the phone answers the invitation in its Inbox; Ping and GetItemEstimate on a calendar; an
account over its quota refused by the phone's Add, JMAP and CalDAV alike.

libwbxml names some tags its own way (Attendee_Email, Recurrence_Type, UTCDueDate): the XML here
uses its names.
"""

import base64
import smtplib
import struct
import threading
import time
from email.message import EmailMessage

import caldav
import pytest
import requests

from dns_fixture import DnsFixture
from harness import Relais
from smtp_sink import Sink
from test_activesync import DOCTYPE, find, libwbxml
from test_imip import remote_test_config

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "another good password"
CAT, CAT_PW = f"cat@{DOMAIN}", "a third good password"
CALENDAR, TASKS = 8, 7
NS = 'xmlns="AirSync:" xmlns:cal="Calendar:" xmlns:base="AirSyncBase:" xmlns:tasks="Tasks:" xmlns:notes="Notes:"'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("eascal") / "data", listeners=["smtp"])
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", BOB_PW, "--name", "Bob Example")
    r.admin("user", "add", CAT, "--password", CAT_PW)
    with r:
        yield r


class Phone:
    """One provisioned 14.1 device of one user."""

    def __init__(self, server, tmp_path, user, password, device, version="14.1"):
        self.server, self.tmp, self.user, self.password, self.device = server, tmp_path, user, password, device
        self.version = version
        self.key = None
        self.key = self.provision()

    def post(self, cmd, xml):
        body = libwbxml("xml2wbxml", ["-k", "-n", "-a"], (DOCTYPE + xml).encode(), self.tmp) if xml else b""
        headers = {"MS-ASProtocolVersion": self.version, "Content-Type": "application/vnd.ms-sync.wbxml"}
        if self.key:
            headers["X-MS-PolicyKey"] = str(self.key)
        local = self.user.split("@")[0]
        url = (f"{self.server.https_url}/Microsoft-Server-ActiveSync?Cmd={cmd}&User={local}"
               f"&DeviceId={self.device}&DeviceType=SmartPhone")
        r = requests.post(url, data=body, headers=headers, auth=(self.user, self.password), verify=False,
                          timeout=90)
        assert r.status_code == 200, (r.status_code, r.text)
        from lxml import etree
        return etree.fromstring(libwbxml("wbxml2xml", ["-l", "ACTIVESYNC", "-m", "0"], r.content, self.tmp))

    def provision(self):
        ask = ('<Provision xmlns="Provision:" xmlns:settings="Settings:"><settings:DeviceInformation><settings:Set>'
               '<settings:Model>Cal 14</settings:Model></settings:Set></settings:DeviceInformation>'
               '<Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType></Policy></Policies></Provision>')
        temp = find(self.post("Provision", ask), "Policies/Policy/PolicyKey")
        ack = ('<Provision xmlns="Provision:"><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>'
               f'<PolicyKey>{temp}</PolicyKey><Status>1</Status></Policy></Policies></Provision>')
        self.key = temp
        return find(self.post("Provision", ack), "Policies/Policy/PolicyKey")

    def folders(self):
        t = self.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
        return {int(a.findtext("{*}Type")): a.findtext("{*}ServerId") for a in t.iterfind(".//{*}Add")}

    def sync(self, folder, key, commands="", options="", window=100):
        xml = (f'<Sync {NS}><Collections><Collection><SyncKey>{key}</SyncKey><CollectionId>{folder}</CollectionId>'
               f'<WindowSize>{window}</WindowSize>{options}{commands}</Collection></Collections></Sync>')
        t = self.post("Sync", xml)
        c = t.find(".//{*}Collection")
        assert c is not None and c.findtext("{*}Status") == "1", etree_text(t)
        return c

    def start(self, folder, options=""):
        return self.sync(folder, 0, options=options).findtext("{*}SyncKey")

    def estimate(self, folder, key):
        """GetItemEstimate of one folder: (Status, Estimate)."""
        t = self.post("GetItemEstimate", '<GetItemEstimate xmlns="GetItemEstimate:" xmlns:airsync="AirSync:">'
                      f'<Collections><Collection><airsync:SyncKey>{key}</airsync:SyncKey>'
                      f'<CollectionId>{folder}</CollectionId></Collection></Collections></GetItemEstimate>')
        return find(t, "Response/Status"), find(t, "Response/Collection/Estimate")

    def ping_during(self, folders, write):
        """A Ping on `folders` ({id: class}) parked while `write()` runs; its answer."""
        listed = "".join(f"<Folder><Id>{f}</Id><Class>{c}</Class></Folder>" for f, c in folders.items())
        woken = {}

        def ping():
            woken["t"] = self.post("Ping", '<Ping xmlns="Ping:"><HeartbeatInterval>120</HeartbeatInterval>'
                                   f'<Folders>{listed}</Folders></Ping>')

        th = threading.Thread(target=ping)
        th.start()
        time.sleep(1.5)
        write()
        th.join(60)
        return woken["t"]


def etree_text(t):
    from lxml import etree
    return etree.tostring(t, pretty_print=True).decode()


def added(r):
    """The ServerId the server gave the phone's one Add, which it says succeeded."""
    response = r.find("{*}Responses/{*}Add")
    assert response is not None and response.findtext("{*}Status") == "1", etree_text(r)
    return response.findtext("{*}ServerId")


def commands(collection, kind):
    """The Add/Change/Delete elements of a Sync answer, by ServerId."""
    return {e.findtext("{*}ServerId"): e for e in collection.iterfind(f"{{*}}Commands/{{*}}{kind}")}


def field(e, name):
    return e.findtext(f".//{{*}}{name}")


def berlin_blob():
    """The TimeZone blob a phone in Berlin sends (MS-ASDTYPE 2.6.4)."""
    def name(s):
        return s.encode("utf-16-le").ljust(64, b"\0")

    def systemtime(month, weekday, week, hour):
        return struct.pack("<8H", 0, month, weekday, week, hour, 0, 0, 0)

    blob = (struct.pack("<i", -60) + name("W. Europe Standard Time") + systemtime(10, 0, 5, 3) + struct.pack("<i", 0)
            + name("W. Europe Daylight Time") + systemtime(3, 0, 5, 2) + struct.pack("<i", -60))
    assert len(blob) == 172
    return base64.b64encode(blob).decode()


def caldav_calendar(server, user, password, name):
    client = caldav.DAVClient(url=server.https_url + "/dav/", username=user, password=password,
                              ssl_verify_cert=False)
    return client.calendar(url=f"{server.https_url}/dav/calendars/{user}/{name}/")


def unfolded(text):
    return text.replace("\r\n ", "").replace("\n ", "")


def test_event_from_the_phone_seen_over_caldav_and_answered(server, tmp_path):
    ann = Phone(server, tmp_path, ANN, ANN_PW, "ANNCAL01")
    folders = ann.folders()
    assert CALENDAR in folders and TASKS in folders, folders
    cal = folders[CALENDAR]
    key = ann.start(cal)
    add = (f'<Commands><Add><ClientId>c1</ClientId><ApplicationData>'
           f'<cal:TimeZone>{berlin_blob()}</cal:TimeZone><cal:AllDayEvent>0</cal:AllDayEvent>'
           '<cal:BusyStatus>2</cal:BusyStatus><cal:StartTime>20270105T090000Z</cal:StartTime>'
           '<cal:EndTime>20270105T100000Z</cal:EndTime><cal:Subject>Weekly review</cal:Subject>'
           '<cal:Location>Room 4</cal:Location><cal:Reminder>15</cal:Reminder><cal:Sensitivity>0</cal:Sensitivity>'
           '<cal:UID>phone-ev-1</cal:UID><cal:MeetingStatus>1</cal:MeetingStatus>'
           f'<cal:Attendees><cal:Attendee><cal:Attendee_Email>{BOB}</cal:Attendee_Email>'
           '<cal:Attendee_Name>Bob Example</cal:Attendee_Name><cal:Attendee_Type>1</cal:Attendee_Type>'
           '</cal:Attendee></cal:Attendees>'
           '<cal:Recurrence><cal:Recurrence_Type>1</cal:Recurrence_Type><cal:Recurrence_Occurrences>10'
           '</cal:Recurrence_Occurrences><cal:Recurrence_Interval>1</cal:Recurrence_Interval>'
           '<cal:Recurrence_DayOfWeek>4</cal:Recurrence_DayOfWeek></cal:Recurrence>'
           '<base:Body><base:Type>1</base:Type><base:Data>Agenda: numbers</base:Data></base:Body>'
           '</ApplicationData></Add></Commands>')
    r = ann.sync(cal, key, commands=add)
    server_id = added(r)
    assert server_id.startswith(cal + ":")
    key = r.findtext("{*}SyncKey")
    # Not echoed back to the phone.
    again = ann.sync(cal, key)
    assert not commands(again, "Add") and not commands(again, "Change")
    key = again.findtext("{*}SyncKey")
    # The same Add again (its answer lost): the event it made, not a second one.
    r = ann.sync(cal, key, commands=add.replace("<ClientId>c1</ClientId>", "<ClientId>c2</ClientId>"))
    assert added(r) == server_id
    key = r.findtext("{*}SyncKey")

    # Over CalDAV: the series in Berlin time, its rule, its attendee, its alarm.
    event = caldav_calendar(server, ANN, ANN_PW, "Calendar").event_by_uid("phone-ev-1")
    text = unfolded(event.data)
    assert "DTSTART;TZID=Europe/Berlin:20270105T100000" in text, text
    rule = event.icalendar_component["RRULE"]
    assert (rule["FREQ"], rule["BYDAY"], rule["COUNT"]) == (["WEEKLY"], ["TU"], [10]), rule
    assert f"mailto:{BOB}" in text and "ORGANIZER" in text and "BEGIN:VTIMEZONE" in text, text
    assert "TRIGGER:-PT15M" in text and "LOCATION:Room 4" in text and "DESCRIPTION:Agenda: numbers" in text

    # Bob got the invitation (implicit scheduling); his phone sees it waiting for his answer.
    bob = Phone(server, tmp_path, BOB, BOB_PW, "BOBCAL01")
    bob_cal = bob.folders()[CALENDAR]
    bkey = bob.start(bob_cal)
    r = bob.sync(bob_cal, bkey)
    [(invite_id, invite)] = commands(r, "Add").items()
    assert field(invite, "Subject") == "Weekly review"
    assert field(invite, "MeetingStatus") == "3" and field(invite, "ResponseType") == "5"
    assert field(invite, "Organizer_Email") == ANN
    assert field(invite, "Recurrence_Type") == "1" and field(invite, "Recurrence_DayOfWeek") == "4"
    tz = base64.b64decode(field(invite, "TimeZone"))
    assert struct.unpack("<i", tz[:4])[0] == -60 and tz[4:68].decode("utf-16-le").rstrip("\0") == "W. Europe Standard Time"
    bkey = r.findtext("{*}SyncKey")

    # Bob accepts from the phone: the organizer's copy says so, over CalDAV.
    t = bob.post("MeetingResponse", '<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>1</UserResponse>'
                 f'<CollectionId>{bob_cal}</CollectionId><RequestId>{invite_id}</RequestId></Request></MeetingResponse>')
    assert find(t, "Result/Status") == "1", etree_text(t)
    assert find(t, "Result/CalendarId") == invite_id
    text = unfolded(caldav_calendar(server, ANN, ANN_PW, "Calendar").event_by_uid("phone-ev-1").data)
    bob_line = next(line for line in text.splitlines() if line.startswith("ATTENDEE") and BOB in line)
    assert "PARTSTAT=ACCEPTED" in bob_line, text
    # Ann's phone hears of the answer; a request naming nothing is Status 2.
    r = ann.sync(cal, key)
    [changed] = commands(r, "Change").values()
    statuses = {a.findtext("{*}Attendee_Email"): a.findtext("{*}Attendee_Status") for a in changed.iter("{*}Attendee")}
    assert statuses[BOB] == "3", etree_text(changed)
    t = bob.post("MeetingResponse", '<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>1</UserResponse>'
                 f'<CollectionId>{bob_cal}</CollectionId><RequestId>{bob_cal}:999999</RequestId></Request>'
                 '</MeetingResponse>')
    assert find(t, "Result/Status") == "2"


def test_event_from_caldav_reaches_the_phone_and_back(server, tmp_path):
    calendar = caldav_calendar(server, ANN, ANN_PW, "Calendar")
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caldav test//EN\r\nBEGIN:VEVENT\r\nUID:dav-ev-1\r\n"
           "DTSTAMP:20261201T000000Z\r\nDTSTART;TZID=America/New_York:20270302T140000\r\n"
           "DTEND;TZID=America/New_York:20270302T150000\r\nSUMMARY:Board meeting\r\n"
           "RRULE:FREQ=MONTHLY;BYDAY=1TU;COUNT=6\r\nEXDATE;TZID=America/New_York:20270406T140000\r\n"
           "X-ONLY-CALDAV:kept\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    phone = Phone(server, tmp_path, ANN, ANN_PW, "ANNCAL02")
    cal = phone.folders()[CALENDAR]
    # Six months back: an old event is held back.
    old = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caldav test//EN\r\nBEGIN:VEVENT\r\nUID:dav-old\r\n"
           "DTSTAMP:20200101T000000Z\r\nDTSTART:20200105T100000Z\r\nDTEND:20200105T110000Z\r\n"
           "SUMMARY:Long ago\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    calendar.save_event(old)
    key = phone.start(cal, options="<Options><FilterType>7</FilterType></Options>")
    status, estimate = phone.estimate(cal, key)
    assert status == "1" and int(estimate) >= 1

    # A Ping on the calendar is woken by the CalDAV write.
    woken = phone.ping_during({cal: "Calendar"}, lambda: calendar.save_event(ics))
    assert find(woken, "Status") == "2" and find(woken, "Folders/Folder") == cal

    r = phone.sync(cal, key, options="<Options><FilterType>7</FilterType></Options>")
    adds = commands(r, "Add")
    subjects = [field(e, "Subject") for e in adds.values()]
    assert "Board meeting" in subjects and "Long ago" not in subjects, subjects
    [(sid, ev)] = [(s, e) for s, e in adds.items() if field(e, "Subject") == "Board meeting"]
    assert field(ev, "StartTime") == "20270302T190000Z" and field(ev, "UID") == "dav-ev-1"
    assert (field(ev, "Recurrence_Type"), field(ev, "Recurrence_WeekOfMonth"), field(ev, "Recurrence_DayOfWeek")) == (
        "3", "1", "4")
    tz = base64.b64decode(field(ev, "TimeZone"))
    assert struct.unpack("<i", tz[:4])[0] == 300 and "Eastern" in tz[4:68].decode("utf-16-le")
    exc = ev.find(".//{*}Exception")
    assert exc.findtext("{*}Exception_Deleted") == "1" and exc.findtext("{*}Exception_StartTime") == "20270406T180000Z"
    key = r.findtext("{*}SyncKey")

    # The phone moves the meeting by an hour; CalDAV sees it, and what only CalDAV knew stays.
    change = (f'<Commands><Change><ServerId>{sid}</ServerId><ApplicationData>'
              f'<cal:TimeZone>{field(ev, "TimeZone")}</cal:TimeZone><cal:AllDayEvent>0</cal:AllDayEvent>'
              '<cal:StartTime>20270302T200000Z</cal:StartTime><cal:EndTime>20270302T210000Z</cal:EndTime>'
              '<cal:Subject>Board meeting (moved)</cal:Subject><cal:BusyStatus>2</cal:BusyStatus>'
              '<cal:Recurrence><cal:Recurrence_Type>3</cal:Recurrence_Type><cal:Recurrence_Occurrences>6'
              '</cal:Recurrence_Occurrences><cal:Recurrence_DayOfWeek>4</cal:Recurrence_DayOfWeek>'
              '<cal:Recurrence_WeekOfMonth>1</cal:Recurrence_WeekOfMonth></cal:Recurrence>'
              '</ApplicationData></Change></Commands>')
    r = phone.sync(cal, key, commands=change)
    assert r.find("{*}Responses") is None, etree_text(r)
    key = r.findtext("{*}SyncKey")
    text = unfolded(calendar.event_by_uid("dav-ev-1").data)
    assert "DTSTART;TZID=America/New_York:20270302T150000" in text, text
    assert "SUMMARY:Board meeting (moved)" in text and "X-ONLY-CALDAV:kept" in text, text
    rule = calendar.event_by_uid("dav-ev-1").icalendar_component["RRULE"]
    assert (rule["FREQ"], rule["BYDAY"], rule["COUNT"]) == (["MONTHLY"], ["1TU"], [6]), rule
    assert "EXDATE" in text, "the exceptions the phone left out stay"

    # CalDAV deletes it: the phone is told.
    calendar.event_by_uid("dav-ev-1").delete()
    r = phone.sync(cal, key)
    assert list(commands(r, "Delete")) == [sid]


def test_tasks_both_ways(server, tmp_path):
    phone = Phone(server, tmp_path, ANN, ANN_PW, "ANNTASK1")
    tasks_id = phone.folders()[TASKS]
    key = phone.start(tasks_id)
    add = ('<Commands><Add><ClientId>t1</ClientId><ApplicationData><tasks:Subject>Renew passport</tasks:Subject>'
           '<tasks:Importance>2</tasks:Importance><tasks:UTCDueDate>2027-01-14T23:00:00.000Z</tasks:UTCDueDate>'
           '<tasks:DueDate>2027-01-15T00:00:00.000Z</tasks:DueDate><tasks:Complete>0</tasks:Complete>'
           '<tasks:ReminderSet>1</tasks:ReminderSet><tasks:ReminderTime>2027-01-14T08:00:00.000Z</tasks:ReminderTime>'
           '<base:Body><base:Type>1</base:Type><base:Data>photos first</base:Data></base:Body>'
           '</ApplicationData></Add></Commands>')
    r = phone.sync(tasks_id, key, commands=add)
    made = added(r)
    key = r.findtext("{*}SyncKey")
    todos = caldav_calendar(server, ANN, ANN_PW, "Tasks").todos()
    [todo] = [t for t in todos if "Renew passport" in t.data]
    text = unfolded(todo.data)
    assert "DUE;VALUE=DATE;X-UTC-OFFSET=3600:20270115" in text and "PRIORITY:1" in text, text
    assert "DESCRIPTION:photos first" in text and "TRIGGER;VALUE=DATE-TIME:20270114T080000Z" in text, text

    # A task made over CalDAV reaches the phone; the phone completes it; CalDAV sees that.
    caldav_calendar(server, ANN, ANN_PW, "Tasks").save_todo(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caldav test//EN\r\nBEGIN:VTODO\r\nUID:dav-todo-1\r\n"
        "DTSTAMP:20261201T000000Z\r\nSUMMARY:Water plants\r\nDUE:20270110T170000Z\r\nX-ONLY-CALDAV:yes\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n")
    r = phone.sync(tasks_id, key)
    adds = commands(r, "Add")
    assert made not in adds, "the phone's own task is not echoed"
    [(sid, t)] = adds.items()
    assert field(t, "Subject") == "Water plants" and field(t, "UTCDueDate") == "2027-01-10T17:00:00.000Z"
    key = r.findtext("{*}SyncKey")
    done = (f'<Commands><Change><ServerId>{sid}</ServerId><ApplicationData><tasks:Subject>Water plants</tasks:Subject>'
            '<tasks:UTCDueDate>2027-01-10T17:00:00.000Z</tasks:UTCDueDate><tasks:DueDate>2027-01-10T17:00:00.000Z'
            '</tasks:DueDate><tasks:Complete>1</tasks:Complete><tasks:DateCompleted>2027-01-09T12:00:00.000Z'
            '</tasks:DateCompleted></ApplicationData></Change></Commands>')
    r = phone.sync(tasks_id, key, commands=done)
    assert r.find("{*}Responses") is None, etree_text(r)
    text = unfolded(caldav_calendar(server, ANN, ANN_PW, "Tasks").todo_by_uid("dav-todo-1").data)
    assert "STATUS:COMPLETED" in text and "COMPLETED:20270109T120000Z" in text and "X-ONLY-CALDAV:yes" in text, text


def test_bad_calendar_input_gets_a_status(server, tmp_path):
    phone = Phone(server, tmp_path, ANN, ANN_PW, "ANNCAL03")
    cal = phone.folders()[CALENDAR]
    key = phone.start(cal)
    bad = {
        "b1": "<cal:TimeZone>!!not base64</cal:TimeZone><cal:StartTime>20270105T090000Z</cal:StartTime>",
        "b2": f"<cal:TimeZone>{base64.b64encode(b'short').decode()}</cal:TimeZone>"
              "<cal:StartTime>20270105T090000Z</cal:StartTime>",
        "b3": "<cal:Subject>no start</cal:Subject>",
        "b4": "<cal:StartTime>tomorrow</cal:StartTime>",
    }
    adds = "".join(f"<Add><ClientId>{c}</ClientId><ApplicationData>{d}</ApplicationData></Add>" for c, d in bad.items())
    r = phone.sync(cal, key, commands=f"<Commands>{adds}</Commands>")
    statuses = {a.findtext("{*}ClientId"): a.findtext("{*}Status") for a in r.iterfind("{*}Responses/{*}Add")}
    assert statuses == {c: "6" for c in bad}, etree_text(r)
    key = r.findtext("{*}SyncKey")
    change = (f"<Commands><Change><ServerId>{cal}:999999</ServerId><ApplicationData><cal:Subject>x</cal:Subject>"
              "</ApplicationData></Change></Commands>")
    r = phone.sync(cal, key, commands=change)
    assert r.find("{*}Responses/{*}Change").findtext("{*}Status") == "8"
    t = phone.post("MeetingResponse", '<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>9'
                   f'</UserResponse><CollectionId>{cal}</CollectionId><RequestId>{cal}:1</RequestId></Request>'
                   '</MeetingResponse>')
    assert find(t, "Result/Status") == "2"
    # Nothing was written.
    assert not [e for e in caldav_calendar(server, ANN, ANN_PW, "Calendar").events() if "no start" in e.data]


def test_protocol_16_1_event_with_client_uid_and_location(server, tmp_path):
    phone = Phone(server, tmp_path, BOB, BOB_PW, "BOB16CAL", version="16.1")
    cal = phone.folders()[CALENDAR]
    key = phone.start(cal)
    add = ('<Commands><Add><ClientId>n1</ClientId><ApplicationData>'
           f'<cal:TimeZone>{berlin_blob()}</cal:TimeZone><cal:AllDayEvent>0</cal:AllDayEvent>'
           '<cal:StartTime>20270210T130000Z</cal:StartTime><cal:EndTime>20270210T140000Z</cal:EndTime>'
           '<cal:Subject>Dentist</cal:Subject><cal:ClientUid>client-uid-16</cal:ClientUid>'
           '<base:Location><base:DisplayName>Main Street 5</base:DisplayName></base:Location>'
           '</ApplicationData></Add></Commands>')
    r = phone.sync(cal, key, commands=add)
    added(r)
    response = r.find("{*}Responses/{*}Add")
    # 16.x: the server's UID comes back with the new item.
    assert response.findtext("{*}ApplicationData/{*}UID") == "client-uid-16"
    text = unfolded(caldav_calendar(server, BOB, BOB_PW, "Calendar").event_by_uid("client-uid-16").data)
    assert "LOCATION:Main Street 5" in text and "DTSTART;TZID=Europe/Berlin:20270210T140000" in text, text
    # A new 16.1 device gets the location as AirSyncBase Location.
    other = Phone(server, tmp_path, BOB, BOB_PW, "BOB16CA2", version="16.1")
    key = other.start(cal)
    r = other.sync(cal, key)
    [ev] = [e for e in commands(r, "Add").values() if field(e, "Subject") == "Dentist"]
    assert ev.findtext(".//{*}Location/{*}DisplayName") == "Main Street 5", etree_text(ev)


def test_windows_of_events_and_a_ping_on_tasks(server, tmp_path):
    calendar = caldav_calendar(server, CAT, CAT_PW, "Calendar")
    for i in range(5):
        calendar.save_event(f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caldav test//EN\r\nBEGIN:VEVENT\r\n"
                            f"UID:w-{i}\r\nDTSTAMP:20261201T000000Z\r\nDTSTART:2027030{i + 1}T100000Z\r\n"
                            f"DTEND:2027030{i + 1}T110000Z\r\nSUMMARY:Window {i}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    phone = Phone(server, tmp_path, CAT, CAT_PW, "CATCAL01")
    folders = phone.folders()
    cal, tasks_id = folders[CALENDAR], folders[TASKS]
    key = phone.start(cal)
    seen = []
    for expect_more in (True, True, False):
        r = phone.sync(cal, key, window=2)
        seen += [field(e, "Subject") for e in commands(r, "Add").values()]
        assert (r.find("{*}MoreAvailable") is not None) == expect_more, etree_text(r)
        key = r.findtext("{*}SyncKey")
    assert sorted(seen) == [f"Window {i}" for i in range(5)]

    # A Ping on the task list is woken by a task saved over CalDAV.
    woken = phone.ping_during({tasks_id: "Tasks", cal: "Calendar"}, lambda: caldav_calendar(
        server, CAT, CAT_PW, "Tasks").save_todo(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caldav test//EN\r\nBEGIN:VTODO\r\nUID:ping-todo\r\n"
        "DTSTAMP:20261201T000000Z\r\nSUMMARY:Wake up\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"))
    assert find(woken, "Status") == "2"
    assert [f.text for f in woken.iter("{*}Folder")] == [tasks_id]

    # FilterType 8 on a task list: only the tasks not complete.
    caldav_calendar(server, CAT, CAT_PW, "Tasks").save_todo(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caldav test//EN\r\nBEGIN:VTODO\r\nUID:done-todo\r\n"
        "DTSTAMP:20261201T000000Z\r\nSUMMARY:Already done\r\nSTATUS:COMPLETED\r\n"
        "COMPLETED:20261201T000000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
    only = "<Options><FilterType>8</FilterType></Options>"
    key = phone.start(tasks_id, options=only)
    r = phone.sync(tasks_id, key, options=only)
    assert [field(e, "Subject") for e in commands(r, "Add").values()] == ["Wake up"]


def test_meeting_response_from_the_inbox_replies_to_a_remote_organizer(relais_factory, tmp_path):
    sink, dns = Sink(), DnsFixture()
    # remote.test passes DMARC from loopback (as in test_imip.py), so its invitation is applied.
    dns.add("remote.test", "TXT", "v=spf1 ip4:127.0.0.1 -all")
    dns.add("_dmarc.remote.test", "TXT", "v=DMARC1; p=reject")
    try:
        r = relais_factory(listeners=["smtp"], extra_toml=remote_test_config(dns, sink)).start()
        r.admin("domain", "add", DOMAIN)
        r.admin("user", "add", BOB, "--password", BOB_PW)
        invite = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Remote//EN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
                  "UID:remote-1\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20270310T090000Z\r\nDURATION:PT1H\r\n"
                  "SUMMARY:Vendor call\r\nORGANIZER:mailto:carol@remote.test\r\n"
                  f"ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{BOB}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "carol@remote.test", BOB, "Invitation: Vendor call"
        msg.set_content("You are invited.")
        msg.add_attachment(invite.encode(), maintype="text", subtype="calendar", params={"method": "REQUEST"})
        with smtplib.SMTP(*r.addr("smtp")) as s:
            s.send_message(msg, from_addr="carol@remote.test", to_addrs=[BOB])

        phone = Phone(r, tmp_path, BOB, BOB_PW, "BOBINBOX1")
        inbox = phone.folders()[2]
        key = phone.start(inbox)
        deadline, mail = time.time() + 20, {}
        while not mail and time.time() < deadline:
            got = phone.sync(inbox, key)
            key = got.findtext("{*}SyncKey")
            mail = commands(got, "Add")
            time.sleep(0.2)
        [(request_id, invitation)] = mail.items()
        # Shown as a meeting request, with what the phone needs to answer it.
        assert field(invitation, "MessageClass") == "IPM.Schedule.Meeting.Request", etree_text(invitation)
        request = invitation.find(".//{*}MeetingRequest")
        assert request.findtext("{*}StartTime") == "2027-03-10T09:00:00.000Z", etree_text(request)
        assert request.findtext("{*}Organizer") == "carol@remote.test"
        assert base64.b64decode(request.findtext("{*}GlobalObjId")).endswith(b"vCal-Uid\x01\x00\x00\x00remote-1\x00")
        t = phone.post("MeetingResponse", '<MeetingResponse xmlns="MeetingResponse:"><Request><UserResponse>1'
                       f'</UserResponse><CollectionId>{inbox}</CollectionId><RequestId>{request_id}</RequestId>'
                       '</Request></MeetingResponse>')
        assert find(t, "Result/Status") == "1", etree_text(t)
        calendar_id = find(t, "Result/CalendarId")
        assert calendar_id and calendar_id.startswith(phone.folders()[CALENDAR] + ":")
        # The organizer gets a REPLY saying Bob accepted, through the queue.
        deadline, replies = time.time() + 20, []
        while not replies and time.time() < deadline:
            replies = [m for m in sink.messages if "carol@remote.test" in m[1] and b"METHOD:REPLY" in m[2]]
            time.sleep(0.2)
        assert replies, "no REPLY reached the remote organizer"
        data = replies[0][2].replace(b"\r\n ", b"")
        assert b"PARTSTAT=ACCEPTED" in data and BOB.encode() in data
    finally:
        sink.close()
        dns.close()


def test_calendar_folders_made_renamed_and_deleted_from_the_phone(server, tmp_path):
    phone = Phone(server, tmp_path, CAT, CAT_PW, "CATFOLD1")
    t = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    key = find(t, "SyncKey")
    default_cal = {int(a.findtext("{*}Type")): a.findtext("{*}ServerId") for a in t.iterfind(".//{*}Add")}[CALENDAR]

    def change(cmd, inner):
        nonlocal key
        t = phone.post(cmd, f'<{cmd} xmlns="FolderHierarchy:"><SyncKey>{key}</SyncKey>{inner}</{cmd}>')
        if find(t, "Status") == "1":
            key = find(t, "SyncKey")
        return t

    t = change("FolderCreate", "<ParentId>0</ParentId><DisplayName>Holidays</DisplayName><Type>13</Type>")
    assert find(t, "Status") == "1", etree_text(t)
    made = find(t, "ServerId")
    t = change("FolderCreate", "<ParentId>0</ParentId><DisplayName>Chores</DisplayName><Type>15</Type>")
    assert find(t, "Status") == "1", etree_text(t)
    chores = find(t, "ServerId")
    listing = requests.request("PROPFIND", f"{server.https_url}/dav/calendars/{CAT}/", auth=(CAT, CAT_PW),
                               headers={"Depth": "1"}, verify=False, timeout=10).text
    assert "Holidays" in listing and "Chores" in listing
    # Another device sees them with their types.
    other = Phone(server, tmp_path, CAT, CAT_PW, "CATFOLD2")
    t = other.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    kinds = {a.findtext("{*}ServerId"): (a.findtext("{*}DisplayName"), a.findtext("{*}Type")) for a in t.iterfind(".//{*}Add")}
    assert kinds[made] == ("Holidays", "13") and kinds[chores] == ("Chores", "15")
    t = change("FolderUpdate", f"<ServerId>{made}</ServerId><ParentId>0</ParentId><DisplayName>Trips</DisplayName>")
    assert find(t, "Status") == "1", etree_text(t)
    listing = requests.request("PROPFIND", f"{server.https_url}/dav/calendars/{CAT}/", auth=(CAT, CAT_PW),
                               headers={"Depth": "1"}, verify=False, timeout=10).text
    assert "Trips" in listing and "Holidays" not in listing
    # The default calendar is not deleted; the phone's own is.
    assert find(change("FolderDelete", f"<ServerId>{default_cal}</ServerId>"), "Status") == "3"
    assert find(change("FolderDelete", f"<ServerId>{made}</ServerId>"), "Status") == "1"
    t = phone.post("FolderSync", f'<FolderSync xmlns="FolderHierarchy:"><SyncKey>{key}</SyncKey></FolderSync>')
    assert find(t, "Changes/Count") == "0", etree_text(t)


def test_an_account_over_its_quota_refuses_what_adds_on_every_protocol(server, tmp_path):
    """The quota is the calendar domain's, held in the write whatever the protocol: over it, a
    phone's Add is answered Status 9 (MS-ASCMD §2.2.3.177.17: the account may be out of space),
    a JMAP CalendarEvent/set create is notCreated with overQuota (RFC 8620 §5.3) and a CalDAV PUT
    507 DAV:quota-not-exceeded (RFC 4331 §6); a smaller replacement still passes, and once the
    quota is lifted the phone's Add goes in."""
    user = f"dee@{DOMAIN}"
    server.admin("user", "add", user, "--password", CAT_PW)
    dav = requests.Session()
    dav.verify, dav.trust_env, dav.auth = False, False, (user, CAT_PW)

    def ics(uid, pad):
        return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//quota//EN\r\nBEGIN:VEVENT\r\n"
                f"UID:{uid}\r\nDTSTAMP:20261201T080000Z\r\nDTSTART:20270111T090000Z\r\nDURATION:PT1H\r\n"
                f"SUMMARY:{uid}\r\nDESCRIPTION:{'x' * pad}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")

    def put(name, body):
        return dav.put(f"{server.https_url}/dav/calendars/{user}/Calendar/{name}", data=body,
                       headers={"Content-Type": "text/calendar"}, timeout=30)

    assert put("big.ics", ics("big", 900)).status_code == 201
    server.admin("user", "quota", user, "1K")  # the account is now over it
    phone = Phone(server, tmp_path, user, CAT_PW, "DEEQUOTA1")
    cal = phone.folders()[CALENDAR]
    key = phone.start(cal)
    add = ('<Commands><Add><ClientId>q1</ClientId><ApplicationData><cal:Subject>Over</cal:Subject>'
           '<cal:StartTime>20270112T090000Z</cal:StartTime><cal:EndTime>20270112T100000Z</cal:EndTime>'
           '</ApplicationData></Add></Commands>')
    r = phone.sync(cal, key, commands=add)
    assert r.find("{*}Responses/{*}Add").findtext("{*}Status") == "9", etree_text(r)
    key = r.findtext("{*}SyncKey")

    jmap = {"using": ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:calendars"]}
    session = dav.get(f"{server.https_url}/.well-known/jmap", timeout=30).json()
    account = session["primaryAccounts"]["urn:ietf:params:jmap:calendars"]

    def call(name, args):
        body = {**jmap, "methodCalls": [[name, {"accountId": account, **args}, "0"]]}
        answer = dav.post(f"{server.https_url}/jmap/api", json=body, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()["methodResponses"][0][1]

    [calendar] = [c["id"] for c in call("Calendar/get", {})["list"] if c["isDefault"]]
    made = call("CalendarEvent/set", {"create": {"k": {
        "@type": "Event", "calendarIds": {calendar: True}, "title": "Over", "start": "2027-01-13T09:00:00"}}})
    assert made["notCreated"]["k"]["type"] == "overQuota", made

    refused = put("more.ics", ics("more", 10))
    assert refused.status_code == 507 and b"quota-not-exceeded" in refused.content, refused.text
    assert put("big.ics", ics("big", 100)).status_code == 204, "a smaller replacement passes"
    assert dav.get(f"{server.https_url}/dav/calendars/{user}/Calendar/more.ics", timeout=30).status_code == 404

    server.admin("user", "quota", user, "none")
    add = add.replace("q1", "q2")
    added(phone.sync(cal, key, commands=add))
