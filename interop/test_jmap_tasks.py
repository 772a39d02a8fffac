"""JMAP for Task Lists (draft-ietf-jmap-tasks) against the real binary, across protocols: a
task made over JMAP is read over CalDAV by the `caldav` library (and parsed by `icalendar`);
a task saved over CalDAV shows in Task/changes and Task/get; completing it over JMAP is what
CalDAV reads next; a JMAP client that read the state before a CalDAV change is refused
(stateMismatch) and the CalDAV change stays; Task/query sorts by due date; Bob's task list and
task ids are not found in Ann's account, nor his account for her; a task list Ann shares with
Bob by DAV ACL shows in his session, readable, not writable; bad dates and huge strings are
refused with the standard errors. JMAP is spoken with plain HTTP (requests) as any client
would.
"""

import json

import caldav
import icalendar
import pytest
import requests
import urllib3

from harness import Relais

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, BOB, PW = f"ann@{DOMAIN}", f"bob@{DOMAIN}", "correct horse battery"
TASKS = "urn:ietf:params:jmap:tasks"
USING = ["urn:ietf:params:jmap:core", TASKS]

TODO = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//interop//caldav//EN\r\nBEGIN:VTODO\r\n"
        "UID:caldav-todo-1\r\nDTSTAMP:20261201T080000Z\r\nDUE:20261211T170000Z\r\n"
        "SUMMARY:Renew passport\r\nSTATUS:NEEDS-ACTION\r\nX-CLIENT-KEPT:yes\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")

ACL = ('<d:acl xmlns:d="DAV:"><d:ace><d:principal><d:href>/dav/principals/{who}/</d:href></d:principal>'
       '<d:grant><d:privilege><d:read/></d:privilege></d:grant></d:ace></d:acl>')


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    r = Relais(tmp_path_factory.mktemp("jmap-tasks") / "data",
               settings={"dav": {"plaintext_auth_on_loopback": True}})
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", PW, "--name", "Bob Example")
    with r:
        yield r


def session(user=ANN):
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (user, PW)
    return s


def call(server, name, args, user=ANN):
    body = json.dumps({"using": USING, "methodCalls": [[name, args, "0"]]})
    r = session(user).post(f"{server.https_url}/jmap/api", data=body,
                           headers={"Content-Type": "application/json"}, timeout=30)
    assert r.status_code == 200, r.text
    [[got, answer, _]] = r.json()["methodResponses"]
    assert got in (name, "error"), answer
    return answer


def account(server, user=ANN):
    s = session(user).get(f"{server.https_url}/.well-known/jmap", timeout=30).json()
    assert TASKS in s["capabilities"], s["capabilities"]
    return s["primaryAccounts"][TASKS]


def default_list(server, acc, user=ANN):
    lists = call(server, "TaskList/get", {"accountId": acc}, user)["list"]
    [default] = [tl for tl in lists if tl["role"] == "inbox"]
    return default["id"]


def dav_tasks(user=ANN, *, server):
    client = caldav.DAVClient(url=server.https_url + "/dav/", username=user, password=PW, ssl_verify_cert=False)
    return client.principal().calendar(name="Tasks")


def caldav_todos(server, user=ANN):
    """UID → the VTODO of each task of the user's default task list, as CalDAV serves it."""
    out = {}
    for t in dav_tasks(user, server=server).todos(include_completed=True):
        for comp in icalendar.Calendar.from_ical(t.data).walk("VTODO"):
            out[str(comp["UID"])] = comp
    return out


def test_a_task_made_over_jmap_is_read_over_caldav(server):
    acc = account(server)
    made = call(server, "Task/set", {"accountId": acc, "create": {"k1": {
        "@type": "Task", "taskListId": default_list(server, acc), "uid": "jmap-todo-1", "title": "File taxes",
        "description": "all of them", "due": "2026-12-20T17:00:00", "timeZone": "Europe/Berlin",
        "priority": 1, "progress": "in-process", "percentComplete": 30}}})
    assert "k1" in made["created"], made
    seen = caldav_todos(server)["jmap-todo-1"]
    assert str(seen["SUMMARY"]) == "File taxes" and str(seen["STATUS"]) == "IN-PROCESS", seen
    due = seen["DUE"].dt
    assert (due.hour, str(due.tzinfo)) == (17, "Europe/Berlin"), due
    assert int(seen["PERCENT-COMPLETE"]) == 30 and int(seen["PRIORITY"]) == 1


def test_a_task_saved_over_caldav_shows_in_changes_and_get_and_completes(server):
    acc = account(server)
    state = call(server, "Task/get", {"accountId": acc, "ids": []})["state"]
    dav_tasks(server=server).save_todo(TODO)
    changes = call(server, "Task/changes", {"accountId": acc, "sinceState": state})
    assert len(changes["created"]) == 1 and changes["updated"] == [], changes
    [t] = call(server, "Task/get", {"accountId": acc, "ids": changes["created"]})["list"]
    assert (t["uid"], t["title"], t["progress"]) == ("caldav-todo-1", "Renew passport", "needs-action"), t
    assert t["due"] == "2026-12-11T17:00:00", t
    done = call(server, "Task/set", {"accountId": acc, "update": {t["id"]: {"progress": "completed"}}})
    assert t["id"] in done["updated"], done
    seen = caldav_todos(server)["caldav-todo-1"]
    assert str(seen["STATUS"]) == "COMPLETED" and str(seen["X-CLIENT-KEPT"]) == "yes", seen
    q = call(server, "Task/query", {"accountId": acc, "filter": {"isCompleted": False},
                                     "sort": [{"property": "due"}]})
    got = call(server, "Task/get", {"accountId": acc, "ids": q["ids"], "properties": ["uid"]})["list"]
    assert [x["uid"] for x in got] == ["jmap-todo-1"], got


def test_a_jmap_client_behind_a_caldav_change_is_refused(server):
    acc = account(server)
    q = call(server, "Task/query", {"accountId": acc, "filter": {"uid": "caldav-todo-1"}})
    [tk] = q["ids"]
    state = call(server, "Task/get", {"accountId": acc, "ids": [tk]})["state"]
    dav = [t for t in dav_tasks(server=server).todos(include_completed=True) if "caldav-todo-1" in t.data][0]
    dav.icalendar_component["SUMMARY"] = "Renew passport (CalDAV)"
    dav.save()
    refused = call(server, "Task/set", {"accountId": acc, "ifInState": state, "update": {tk: {"title": "JMAP"}}})
    assert refused["type"] == "stateMismatch", refused
    assert str(caldav_todos(server)["caldav-todo-1"]["SUMMARY"]) == "Renew passport (CalDAV)"
    done = call(server, "Task/set", {"accountId": acc, "update": {tk: {"title": "Renew passport (JMAP)"}}})
    assert tk in done["updated"], done
    assert str(caldav_todos(server)["caldav-todo-1"]["SUMMARY"]) == "Renew passport (JMAP)"


def test_another_users_ids_are_not_found(server):
    ann, bob = account(server), account(server, BOB)
    bobs_list = default_list(server, bob, BOB)
    made = call(server, "Task/set", {"accountId": bob, "create": {"b": {"taskListId": bobs_list, "title": "Bob's"}}}, BOB)
    bobs_task = made["created"]["b"]["id"]
    assert call(server, "TaskList/get", {"accountId": ann, "ids": [bobs_list]})["notFound"] == [bobs_list]
    assert call(server, "Task/get", {"accountId": ann, "ids": [bobs_task]})["notFound"] == [bobs_task]
    r = call(server, "Task/set", {"accountId": ann, "destroy": [bobs_task],
                                   "create": {"x": {"taskListId": bobs_list, "title": "x"}}})
    assert r["notDestroyed"][bobs_task]["type"] == "notFound", r
    assert r["notCreated"]["x"]["properties"] == ["taskListId"], r
    assert call(server, "TaskList/get", {"accountId": bob})["type"] == "accountNotFound"


def test_hostile_input_is_refused(server):
    acc = account(server)
    lst = default_list(server, acc)
    bad = {"d": {"taskListId": lst, "title": "x", "due": "2026-02-30T25:61:00"},
           "e": {"taskListId": lst, "title": "x", "estimatedDuration": "forever"},
           "h": {"taskListId": lst, "title": "x" * (2 << 20)},
           "t": {"taskListId": lst, "title": 7}}
    r = call(server, "Task/set", {"accountId": acc, "create": bad})
    assert set(r["notCreated"]) == set(bad) and r["created"] == {}, list(r["notCreated"].items())[:1]
    assert r["notCreated"]["d"]["properties"] == ["due"]
    assert r["oldState"] == r["newState"]
    r = call(server, "Task/query", {"accountId": acc, "filter": {"before": "soon"}})
    assert r["type"] == "invalidArguments", r


def test_a_shared_task_list_shows_with_its_rights(server):
    ann = account(server)
    url = f"{server.https_url}/dav/calendars/{ANN}/Tasks/"
    assert session().request("ACL", url, data=ACL.format(who=BOB)).status_code == 200
    s = session(BOB).get(f"{server.https_url}/.well-known/jmap", timeout=30).json()
    shared = s["accounts"][ann]
    assert shared["isReadOnly"] is True and shared["accountCapabilities"][TASKS]["mayCreateTaskList"] is False
    [tl] = call(server, "TaskList/get", {"accountId": ann}, BOB)["list"]
    assert tl["myRights"]["mayReadItems"] is True and tl["myRights"]["mayWriteAll"] is False, tl
    ids = call(server, "Task/query", {"accountId": ann}, BOB)["ids"]
    titles = {t["title"] for t in call(server, "Task/get", {"accountId": ann, "ids": ids}, BOB)["list"]}
    assert "File taxes" in titles, titles
    r = call(server, "Task/set", {"accountId": ann, "destroy": ids[:1]}, BOB)
    assert r["notDestroyed"][ids[0]]["type"] == "forbidden", r
