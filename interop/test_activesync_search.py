"""ActiveSync Search of the mailbox, ItemOperations EmptyFolderContents and Move, and ResolveRecipients
with Availability (issue 14) against the real binary, with the 14.1 WBXML client of
test_activesync_calendar.py (XML encoded by libwbxml's xml2wbxml): a message delivered over SMTP is
found by a Search and fetched by its LongId; a folder made over IMAP is emptied from the phone and IMAP
sees it empty; a conversation is moved whole; an event made over CalDAV shows as busy half hours in
the organizer's phone; bad input gets a status.
"""

import base64
import datetime
import smtplib
from email.message import EmailMessage

import pytest

from harness import Relais
from test_activesync import imap
from test_activesync_calendar import Phone, caldav_calendar, etree_text
from test_activesync_more import RawPhone, wait_for

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "another good password"
TEAM = f"team@{DOMAIN}"
INBOX = 2
NS = 'xmlns="Search:" xmlns:airsync="AirSync:" xmlns:email="Email:" xmlns:airsyncbase="AirSyncBase:"'


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("eassearch") / "data", listeners=["smtp", "imap"],
               settings={"imap": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", BOB_PW, "--name", "Bob Example")
    r.admin("group", "add", TEAM)
    for member in (ANN, BOB):
        r.admin("group", "member", "add", TEAM, member)
    with r:
        yield r


def deliver(server, to, subject, text, message_id=None, reply_to=None):
    msg = EmailMessage()
    msg["From"] = "Carol Sender <carol@elsewhere.test>"
    msg["To"] = to
    msg["Subject"] = subject
    if message_id:
        msg["Message-ID"] = message_id
    if reply_to:
        msg["In-Reply-To"] = reply_to
        msg["References"] = reply_to
    msg.set_content(text)
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.send_message(msg)


def search(phone, query, options="<Range>0-9</Range>"):
    """The Store element of a mailbox Search's answer (the command's own Status must be 1)."""
    t = phone.post("Search", f"<Search {NS}><Store><Name>Mailbox</Name>{query}<Options>{options}</Options>"
                             "</Store></Search>")
    assert t.findtext("{*}Status") == "1", etree_text(t)
    return t.find("{*}Response/{*}Store")


def results(store):
    return [r for r in store.iterfind("{*}Result") if r.find("{*}LongId") is not None]


def and_query(*conditions):
    return f"<Query><And>{''.join(conditions)}</And></Query>"


def test_search_finds_a_delivered_message_and_fetch_by_long_id(server, tmp_path):
    deliver(server, ANN, "Quarterly zebra figures", "The zebra numbers are in.\nRegards")
    deliver(server, ANN, "Something else", "nothing to see")
    phone = Phone(server, tmp_path, ANN, ANN_PW, "SEARCH0001")
    inbox = phone.folders()[INBOX]
    body = ("<airsyncbase:BodyPreference><airsyncbase:Type>1</airsyncbase:Type>"
            "<airsyncbase:TruncationSize>20000</airsyncbase:TruncationSize></airsyncbase:BodyPreference>")
    query = and_query("<airsync:Class>Email</airsync:Class>", f"<airsync:CollectionId>{inbox}</airsync:CollectionId>",
                      "<FreeText>zebra</FreeText>")
    st = search(phone, query, f"<Range>0-9</Range><RebuildResults/><DeepTraversal/>{body}")
    assert st.findtext("{*}Status") == "1", etree_text(st)
    found = results(st)
    assert len(found) == 1 and st.findtext("{*}Total") == "1" and st.findtext("{*}Range") == "0-0", etree_text(st)
    r = found[0]
    assert r.findtext("{*}Class") == "Email" and r.findtext("{*}CollectionId") == inbox
    assert r.findtext("{*}Properties/{*}Subject") == "Quarterly zebra figures"
    assert "zebra numbers" in r.findtext("{*}Properties/{*}Body/{*}Data")
    long_id = r.findtext("{*}LongId")

    # The whole mailbox, no folder named; a date after the message finds nothing (an empty Result).
    st = search(phone, and_query("<FreeText>zebra figures</FreeText>"))
    assert [x.findtext("{*}LongId") for x in results(st)] == [long_id]
    later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    st = search(phone, and_query("<FreeText>zebra</FreeText>",
                                 f"<GreaterThan><email:DateReceived/><Value>{later}</Value></GreaterThan>"))
    assert st.findtext("{*}Status") == "1" and results(st) == [] and st.findtext("{*}Total") == "0"
    assert st.find("{*}Result") is not None, "no match is an empty Result"
    st = search(phone, and_query("<FreeText>zebra</FreeText>",
                                 f"<LessThan><email:DateReceived/><Value>{later}</Value></LessThan>"))
    assert len(results(st)) == 1

    # Fetched by its LongId, as a phone opens a search result.
    t = phone.post("ItemOperations", '<ItemOperations xmlns="ItemOperations:" xmlns:search="Search:" '
                   'xmlns:airsyncbase="AirSyncBase:"><Fetch><Store>Mailbox</Store>'
                   f'<search:LongId>{long_id}</search:LongId><Options>{body}</Options></Fetch></ItemOperations>')
    fetch = t.find("{*}Response/{*}Fetch")
    assert t.findtext("{*}Status") == "1" and fetch.findtext("{*}Status") == "1", etree_text(t)
    assert fetch.findtext("{*}LongId") == long_id
    assert "zebra numbers" in fetch.findtext("{*}Properties/{*}Body/{*}Data")

    # Forwarded by its LongId (SmartForward's Source), the original's text with it.
    mime = base64.b64encode(f"To: {BOB}\r\nSubject: Fwd: zebra\r\n\r\nfor you\r\n".encode()).decode()
    raw = RawPhone(server, tmp_path, ANN, ANN_PW, "SEARCH0004")
    status, t = raw.raw("SmartForward", '<SmartForward xmlns="ComposeMail:"><ClientId>fwd-1</ClientId>'
                        f"<Source><LongId>{long_id}</LongId></Source><MIME>{mime}</MIME></SmartForward>")
    assert status == 200 and t is None, t is not None and etree_text(t)
    [forwarded] = wait_for(server, BOB, BOB_PW, "INBOX", "Fwd: zebra")
    assert b"for you" in forwarded and b"zebra numbers" in forwarded

    # 16.1 the same.
    phone16 = Phone(server, tmp_path, ANN, ANN_PW, "SEARCH0016", version="16.1")
    st = search(phone16, query, f"<Range>0-9</Range>{body}")
    assert [x.findtext("{*}LongId") for x in results(st)] == [long_id], etree_text(st)


def test_bad_searches_get_a_status(server, tmp_path):
    ann = Phone(server, tmp_path, ANN, ANN_PW, "SEARCH0002")
    bob = Phone(server, tmp_path, BOB, BOB_PW, "SEARCH0003")
    bobs_inbox = bob.folders()[INBOX]
    free = "<FreeText>zebra</FreeText>"
    cases = [
        ("no query", "", "<Range>0-9</Range>", "2"),
        ("huge range", and_query(free), "<Range>0-99999999999999999999999999</Range>", "2"),
        ("backwards range", and_query(free), "<Range>9-0</Range>", "2"),
        ("another's folder", and_query(free, f"<airsync:CollectionId>{bobs_inbox}</airsync:CollectionId>"),
         "<Range>0-9</Range>", "2"),
        ("not a folder", and_query(free, "<airsync:CollectionId>x</airsync:CollectionId>"), "<Range>0-9</Range>", "2"),
        ("too complex", and_query(*[free] * 40), "<Range>0-9</Range>", "8"),
        ("bad date", and_query("<LessThan><email:DateReceived/><Value>soon</Value></LessThan>"),
         "<Range>0-9</Range>", "2"),
    ]
    for name, query, options, status in cases:
        st = search(ann, query, options)
        assert st.findtext("{*}Status") == status, (name, etree_text(st))
        assert results(st) == [], name
    # A wide range is served, cut to 100; one at the end of the numbers finds nothing.
    st = search(ann, and_query(free), "<Range>0-4000000000</Range>")
    assert st.findtext("{*}Status") == "1", etree_text(st)
    top = f"{2**64 - 1}-{2**64 - 1}"
    st = search(ann, and_query(free), f"<Range>{top}</Range>")
    assert st.findtext("{*}Status") == "1" and results(st) == [], etree_text(st)
    t = ann.post("Search", f'<Search xmlns="Search:"><Store><Name>GAL</Name><Query>bob</Query>'
                           f"<Options><Range>{top}</Range></Options></Store></Search>")
    assert t.findtext("{*}Response/{*}Store/{*}Status") == "1", etree_text(t)
    # Another's message by LongId: not found.
    deliver(server, BOB, "Bob's own zebra", "private")
    bob_hit = results(search(bob, and_query(free)))[0].findtext("{*}LongId")
    t = ann.post("ItemOperations", '<ItemOperations xmlns="ItemOperations:" xmlns:search="Search:"><Fetch>'
                 f'<Store>Mailbox</Store><search:LongId>{bob_hit}</search:LongId></Fetch></ItemOperations>')
    assert t.findtext("{*}Response/{*}Fetch/{*}Status") == "6", etree_text(t)


def test_empty_folder_contents_seen_over_imap(server, tmp_path):
    with imap(server, ANN, ANN_PW) as m:
        m.create_folder("Scratch")
        m.create_folder("Scratch/Sub")
        for i in range(3):
            m.append("Scratch", f"Subject: scratch {i}\r\n\r\nbody {i}\r\n".encode())
        m.append("Scratch/Sub", b"Subject: sub\r\n\r\nbody\r\n")
    phone = Phone(server, tmp_path, ANN, ANN_PW, "EMPTY0001")
    t = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    ids = {a.findtext("{*}DisplayName"): a.findtext("{*}ServerId") for a in t.iterfind(".//{*}Add")}

    def empty(folder, options=""):
        t = phone.post("ItemOperations", '<ItemOperations xmlns="ItemOperations:" xmlns:airsync="AirSync:">'
                       f'<EmptyFolderContents><airsync:CollectionId>{folder}</airsync:CollectionId>{options}'
                       '</EmptyFolderContents></ItemOperations>')
        return t.findtext("{*}Status"), t.find("{*}Response/{*}EmptyFolderContents")

    # Without DeleteSubFolders the subfolder keeps its message.
    status, r = empty(ids["Scratch"])
    assert status == "1" and r.findtext("{*}Status") == "1" and r.findtext("{*}CollectionId") == ids["Scratch"]
    with imap(server, ANN, ANN_PW) as m:
        assert m.select_folder("Scratch")[b"EXISTS"] == 0
        assert m.select_folder("Scratch/Sub")[b"EXISTS"] == 1
        m.append("Scratch", b"Subject: again\r\n\r\nbody\r\n")
    status, _ = empty(ids["Scratch"], "<Options><DeleteSubFolders/></Options>")
    assert status == "1"
    with imap(server, ANN, ANN_PW) as m:
        assert m.select_folder("Scratch")[b"EXISTS"] == 0
        assert not m.folder_exists("Scratch/Sub")
    # Another's folder, a folder that is not one: a status.
    bob_inbox = Phone(server, tmp_path, BOB, BOB_PW, "EMPTY0002").folders()[INBOX]
    assert empty(bob_inbox)[0] == "6"
    assert empty("nope")[0] == "6"
    t = phone.post("ItemOperations", '<ItemOperations xmlns="ItemOperations:"><EmptyFolderContents/>'
                   '</ItemOperations>')
    assert t.findtext("{*}Status") == "2", etree_text(t)


def test_move_a_conversation(server, tmp_path):
    deliver(server, ANN, "Trip plans", "first", message_id="<trip-1@elsewhere.test>")
    deliver(server, ANN, "Re: Trip plans", "second", message_id="<trip-2@elsewhere.test>",
            reply_to="<trip-1@elsewhere.test>")
    with imap(server, ANN, ANN_PW) as m:
        m.create_folder("Travel")
    phone = Phone(server, tmp_path, ANN, ANN_PW, "MOVE0001")
    t = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    ids = {a.findtext("{*}DisplayName"): a.findtext("{*}ServerId") for a in t.iterfind(".//{*}Add")}
    st = search(phone, and_query("<FreeText>Trip plans</FreeText>"))
    convs = {x.findtext("{*}Properties/{*}ConversationId") for x in results(st)}
    assert len(results(st)) == 2 and len(convs) == 1, etree_text(st)
    conversation = convs.pop()
    assert len(base64.b64decode(conversation)) == 16
    # Searched by its ConversationId: the two.
    st = search(phone, and_query(f"<ConversationId>{conversation}</ConversationId>"))
    assert len(results(st)) == 2, etree_text(st)

    def move(conv, dst, options="<Options><MoveAlways/></Options>"):
        t = phone.post("ItemOperations", '<ItemOperations xmlns="ItemOperations:"><Move>'
                       f'<ConversationId>{conv}</ConversationId><DstFldId>{dst}</DstFldId>{options}</Move>'
                       '</ItemOperations>')
        return t.findtext("{*}Response/{*}Move/{*}Status")

    assert move(conversation, ids["Travel"], options="") == "155", "MoveAlways is required"
    assert move(conversation, ids["Travel"]) == "1"
    with imap(server, ANN, ANN_PW) as m:
        m.select_folder("Travel")
        assert len(m.search(["SUBJECT", "Trip plans"])) == 2
        m.select_folder("INBOX")
        assert m.search(["SUBJECT", "Trip plans"]) == []
    unknown = base64.b64encode(b"\x01" * 16).decode()
    assert move(unknown, ids["Travel"]) == "6"
    assert move(conversation, "999999") == "6"


def test_resolve_recipients_availability_from_caldav(server, tmp_path):
    day = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=2)).date()
    stamp = day.strftime("%Y%m%d")
    calendar = caldav_calendar(server, BOB, BOB_PW, "Calendar")
    for uid, hours, extra in (("rr-busy-1", ("100000", "110000"), ""), ("rr-maybe-1", ("140000", "143000"),
                                                                         "STATUS:TENTATIVE\r\n")):
        calendar.save_event(
            f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\n"
            f"DTSTAMP:20260101T000000Z\r\nDTSTART:{stamp}T{hours[0]}Z\r\nDTEND:{stamp}T{hours[1]}Z\r\n{extra}"
            "SUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    phone = Phone(server, tmp_path, ANN, ANN_PW, "AVAIL0001")
    start = f"{day.isoformat()}T00:00:00.000Z"
    end = f"{(day + datetime.timedelta(days=1)).isoformat()}T00:00:00.000Z"

    def resolve(to, availability):
        tos = "".join(f"<To>{x}</To>" for x in to)
        return phone.post("ResolveRecipients", f'<ResolveRecipients xmlns="ResolveRecipients:">{tos}'
                          f"<Options>{availability}</Options></ResolveRecipients>")

    t = resolve([BOB, "nobody@example.test"],
                f"<Availability><StartTime>{start}</StartTime><EndTime>{end}</EndTime></Availability>")
    assert t.findtext("{*}Status") == "1", etree_text(t)
    responses = {r.findtext("{*}To"): r for r in t.iterfind("{*}Response")}
    availability = responses[BOB].find("{*}Recipient/{*}Availability")
    assert availability.findtext("{*}Status") == "1", etree_text(t)
    assert availability.findtext("{*}MergedFreeBusy") == "0" * 20 + "22" + "0" * 6 + "1" + "0" * 19
    assert responses["nobody@example.test"].findtext("{*}Status") == "4"
    # A group: its members' busy time merged (Ann's calendar is empty).
    t = resolve([TEAM], f"<Availability><StartTime>{start}</StartTime><EndTime>{end}</EndTime></Availability>")
    team = t.find("{*}Response/{*}Recipient/{*}Availability")
    assert team is not None and team.findtext("{*}Status") == "1", etree_text(t)
    assert team.findtext("{*}MergedFreeBusy") == availability.findtext("{*}MergedFreeBusy")
    # An ambiguous name gets suggestions without free/busy; more than 100 To, 160 each.
    window = f"<Availability><StartTime>{start}</StartTime><EndTime>{end}</EndTime></Availability>"
    t = resolve(["Example"], window)
    assert t.findtext("{*}Response/{*}Status") == "2", etree_text(t)
    assert t.find(".//{*}Availability") is None
    t = resolve([BOB] * 101, window)
    statuses = {a.findtext("{*}Status") for a in t.iterfind(".//{*}Availability")}
    assert statuses == {"160"} and t.find(".//{*}MergedFreeBusy") is None, etree_text(t)
    # Too long a span, an end before the start, no start: Status 5 for the request.
    far = f"{(day + datetime.timedelta(days=60)).isoformat()}T00:00:00.000Z"
    for bad in (f"<StartTime>{start}</StartTime><EndTime>{far}</EndTime>",
                f"<StartTime>{end}</StartTime><EndTime>{start}</EndTime>", f"<EndTime>{end}</EndTime>"):
        t = resolve([BOB], f"<Availability>{bad}</Availability>")
        assert t.findtext("{*}Status") == "5", etree_text(t)
