"""Notes over ActiveSync (issue 14; MS-ASNOTE) against the real binary, with the WBXML client of
test_activesync_calendar.py (libwbxml's xml2wbxml/wbxml2xml know the Notes code page, 23) and
python caldav 3.6 on the other side: a note is a VJOURNAL in a calendar taking VJOURNAL only, so a
note made on the phone is read over CalDAV and one saved over CalDAV reaches the phone, a change
and a delete each way; the default Notes folder (type 10) exists from the first FolderSync, a
notes folder made on the phone (17) is a VJOURNAL calendar over CalDAV and one made over CalDAV is
a notes folder on the phone; Ping and GetItemEstimate on it; 16.1 ghosting and body truncation.
"""

import pytest
import requests

from harness import Relais
from test_activesync import find
from test_activesync_calendar import Phone, added, caldav_calendar, commands, etree_text, field, unfolded

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "another good password"
NOTES, USER_NOTES = 10, 17


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("easnotes") / "data")
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", BOB_PW)
    with r:
        yield r


def journal(uid, summary, body, extra=""):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//caldav test//EN\r\nBEGIN:VJOURNAL\r\n"
            f"UID:{uid}\r\nDTSTAMP:20261201T000000Z\r\nSUMMARY:{summary}\r\nDESCRIPTION:{body}\r\n{extra}"
            "END:VJOURNAL\r\nEND:VCALENDAR\r\n")


def propfind(server, user, password, path, depth="0"):
    return requests.request("PROPFIND", f"{server.https_url}/dav/calendars/{user}/{path}", auth=(user, password),
                            headers={"Depth": depth}, verify=False, timeout=10).text


def note_add(client_id, subject, body, categories=()):
    cats = "".join(f"<notes:Category>{c}</notes:Category>" for c in categories)
    cats = f"<notes:Categories>{cats}</notes:Categories>" if cats else ""
    return (f'<Add><ClientId>{client_id}</ClientId><ApplicationData><notes:Subject>{subject}</notes:Subject>'
            f'<base:Body><base:Type>1</base:Type><base:Data>{body}</base:Data></base:Body>'
            '<notes:MessageClass>IPM.StickyNote</notes:MessageClass>'
            f'<notes:LastModifiedDate>20261205T090000Z</notes:LastModifiedDate>{cats}</ApplicationData></Add>')


def test_notes_both_ways(server, tmp_path):
    phone = Phone(server, tmp_path, ANN, ANN_PW, "ANNNOTE1")
    folders = phone.folders()
    notes_id = folders[NOTES]
    # The default notes collection is a calendar taking VJOURNAL only, over CalDAV too.
    props = propfind(server, ANN, ANN_PW, "notes/")
    assert "VJOURNAL" in props and "VEVENT" not in props and "VTODO" not in props, props
    dav = caldav_calendar(server, ANN, ANN_PW, "notes")

    key = phone.start(notes_id)
    r = phone.sync(notes_id, key, commands="<Commands>" + note_add("n1", "Groceries", "milk and bread",
                                                                   ["Home", "Food"]) + "</Commands>")
    made = added(r)
    key = r.findtext("{*}SyncKey")
    assert commands(r, "Add") == {}, "the phone's own note is not echoed"
    [j] = [j for j in dav.journals() if "Groceries" in j.data]
    text = unfolded(j.data)
    assert "BEGIN:VJOURNAL" in text and "SUMMARY:Groceries" in text and "DESCRIPTION:milk and bread" in text, text
    assert "CATEGORIES:Home,Food" in text and "LAST-MODIFIED:20261205T090000Z" in text, text
    phones_uid = j.icalendar_component["UID"]

    # A note saved over CalDAV reaches the phone; a GetItemEstimate counts it first.
    dav.save_journal(journal("dav-note-1", "Ideas", "a boat\\nwith wheels",
                             "CATEGORIES:Dreams\r\nX-ONLY-CALDAV:kept\r\n"))
    assert phone.estimate(notes_id, key) == ("1", "1")
    r = phone.sync(notes_id, key)
    [(sid, note)] = commands(r, "Add").items()
    assert (field(note, "Subject"), field(note, "Data"), field(note, "MessageClass")) == (
        "Ideas", "a boat\nwith wheels", "IPM.StickyNote"), etree_text(note)
    assert [c.text for c in note.iter("{*}Category")] == ["Dreams"]
    assert field(note, "LastModifiedDate") == "20261201T000000Z"
    key = r.findtext("{*}SyncKey")

    # The phone changes CalDAV's note: CalDAV reads the change, and what only it knew stays.
    change = (f'<Commands><Change><ServerId>{sid}</ServerId><ApplicationData>'
              '<notes:Subject>Ideas (more)</notes:Subject>'
              '<base:Body><base:Type>1</base:Type><base:Data>a boat with wings</base:Data></base:Body>'
              '<notes:MessageClass>IPM.StickyNote</notes:MessageClass><notes:Categories><notes:Category>Dreams'
              '</notes:Category></notes:Categories></ApplicationData></Change></Commands>')
    r = phone.sync(notes_id, key, commands=change)
    assert r.find("{*}Responses") is None and commands(r, "Change") == {}, etree_text(r)
    key = r.findtext("{*}SyncKey")
    text = unfolded(dav.journal_by_uid("dav-note-1").data)
    assert "SUMMARY:Ideas (more)" in text and "DESCRIPTION:a boat with wings" in text, text
    assert "X-ONLY-CALDAV:kept" in text and "CATEGORIES:Dreams" in text, text

    # CalDAV changes the phone's note: the phone is told.
    j = dav.journal_by_uid(phones_uid)
    j.data = j.data.replace("SUMMARY:Groceries", "SUMMARY:Groceries for Sunday")
    j.save()
    r = phone.sync(notes_id, key)
    changes = commands(r, "Change")
    assert list(changes) == [made] and field(changes[made], "Subject") == "Groceries for Sunday", etree_text(r)
    assert field(changes[made], "Data") == "milk and bread"
    key = r.findtext("{*}SyncKey")

    # The phone deletes CalDAV's note; CalDAV deletes the phone's: each side sees it gone.
    r = phone.sync(notes_id, key, commands=f"<Commands><Delete><ServerId>{sid}</ServerId></Delete></Commands>")
    assert r.find("{*}Responses") is None and commands(r, "Delete") == {}, etree_text(r)
    key = r.findtext("{*}SyncKey")
    assert [j for j in dav.journals() if "dav-note-1" in j.data] == []
    dav.journal_by_uid(phones_uid).delete()
    r = phone.sync(notes_id, key)
    assert list(commands(r, "Delete")) == [made], etree_text(r)
    key = r.findtext("{*}SyncKey")

    # A Ping on the notes folder is woken by a CalDAV write.
    woken = phone.ping_during({notes_id: "Notes"}, lambda: dav.save_journal(journal("dav-note-2", "Wake", "up")))
    assert find(woken, "Status") == "2" and find(woken, "Folders/Folder") == notes_id
    # The notes collection refuses events over CalDAV (supported-calendar-component).
    event = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:ev-in-notes\r\n"
             "DTSTAMP:20261201T000000Z\r\nDTSTART:20270101T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    put = requests.put(f"{server.https_url}/dav/calendars/{ANN}/notes/ev.ics", data=event, auth=(ANN, ANN_PW),
                       headers={"Content-Type": "text/calendar"}, verify=False, timeout=10)
    assert put.status_code == 403, put.text


def test_notes_16_1_ghosting_and_truncation(server, tmp_path):
    phone = Phone(server, tmp_path, BOB, BOB_PW, "BOBNOTE1", version="16.1")
    notes_id = phone.folders()[NOTES]
    dav = caldav_calendar(server, BOB, BOB_PW, "notes")
    dav.save_journal(journal("long-note", "Long", "0123456789abcdef", "CATEGORIES:Work\r\n"))
    cut = ("<Options><base:BodyPreference><base:Type>1</base:Type><base:TruncationSize>10</base:TruncationSize>"
           "</base:BodyPreference></Options>")
    key = phone.start(notes_id, options=cut)
    r = phone.sync(notes_id, key, options=cut)
    [(sid, note)] = commands(r, "Add").items()
    assert (field(note, "Data"), field(note, "Truncated"), field(note, "EstimatedDataSize")) == (
        "0123456789", "1", "16"), etree_text(note)
    key = r.findtext("{*}SyncKey")
    # Fetch gives the whole body.
    r = phone.sync(notes_id, key, commands=f"<Commands><Fetch><ServerId>{sid}</ServerId></Fetch></Commands>")
    assert field(r.find("{*}Responses/{*}Fetch"), "Data") == "0123456789abcdef", etree_text(r)
    key = r.findtext("{*}SyncKey")
    # 16.1: a Change with the subject alone leaves the body (cut on the phone) and categories as stored.
    change = (f"<Commands><Change><ServerId>{sid}</ServerId><ApplicationData><notes:Subject>Longer</notes:Subject>"
              "</ApplicationData></Change></Commands>")
    r = phone.sync(notes_id, key, commands=change)
    assert r.find("{*}Responses") is None, etree_text(r)
    text = unfolded(dav.journal_by_uid("long-note").data)
    assert "SUMMARY:Longer" in text and "DESCRIPTION:0123456789abcdef" in text and "CATEGORIES:Work" in text, text


def test_notes_folders_made_on_either_side(server, tmp_path):
    phone = Phone(server, tmp_path, ANN, ANN_PW, "ANNNOTE2")
    t = phone.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    key = find(t, "SyncKey")
    kinds = {a.findtext("{*}ServerId"): (a.findtext("{*}DisplayName"), a.findtext("{*}Type"))
             for a in t.iterfind(".//{*}Add")}
    [default_notes] = [sid for sid, (_, kind) in kinds.items() if kind == str(NOTES)]
    assert kinds[default_notes][0] == "Notes"

    def change(cmd, inner):
        nonlocal key
        t = phone.post(cmd, f'<{cmd} xmlns="FolderHierarchy:"><SyncKey>{key}</SyncKey>{inner}</{cmd}>')
        if find(t, "Status") == "1":
            key = find(t, "SyncKey")
        return t

    # Made on the phone: a VJOURNAL calendar over CalDAV.
    t = change("FolderCreate", f"<ParentId>0</ParentId><DisplayName>Recipes</DisplayName><Type>{USER_NOTES}</Type>")
    assert find(t, "Status") == "1", etree_text(t)
    recipes = find(t, "ServerId")
    listing = propfind(server, ANN, ANN_PW, "", depth="1")
    assert "Recipes" in listing, listing
    # Made over CalDAV (MKCALENDAR with VJOURNAL only): a notes folder on the phone.
    client = caldav_calendar(server, ANN, ANN_PW, "notes").client
    client.principal().make_calendar(name="Journal", cal_id="journal", supported_calendar_component_set=["VJOURNAL"])
    other = Phone(server, tmp_path, ANN, ANN_PW, "ANNNOTE3")
    t = other.post("FolderSync", '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>')
    seen = {a.findtext("{*}DisplayName"): (a.findtext("{*}ServerId"), a.findtext("{*}Type"))
            for a in t.iterfind(".//{*}Add")}
    assert seen["Recipes"] == (recipes, str(USER_NOTES)) and seen["Journal"][1] == str(USER_NOTES), seen
    assert seen["Notes"] == (default_notes, str(NOTES)) and seen["Calendar"][1] == "8", seen
    # A note in the phone's folder is a journal there.
    key_r = other.start(recipes)
    r = other.sync(recipes, key_r, commands="<Commands>" + note_add("r1", "Pancakes", "eggs, flour") + "</Commands>")
    added(r)
    journals = caldav_calendar(server, ANN, ANN_PW, dav_name(server, "Recipes")).journals()
    assert any("Pancakes" in j.data for j in journals)
    # The default notes folder is not deleted; the phone's own is.
    assert find(change("FolderDelete", f"<ServerId>{default_notes}</ServerId>"), "Status") == "3"
    assert find(change("FolderDelete", f"<ServerId>{recipes}</ServerId>"), "Status") == "1"
    assert "Recipes" not in propfind(server, ANN, ANN_PW, "", depth="1")


def dav_name(server, shown):
    """The DAV name of Ann's calendar shown as `shown` (FolderCreate gives it a random one)."""
    from lxml import etree
    listing = etree.fromstring(propfind(server, ANN, ANN_PW, "", depth="1").encode())
    for resp in listing.iterfind("{DAV:}response"):
        if resp.findtext(".//{DAV:}displayname") == shown:
            return resp.findtext("{DAV:}href").rstrip("/").rsplit("/", 1)[1]
    raise AssertionError(f"no {shown} collection")
