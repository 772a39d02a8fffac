"""JMAP (RFC 8620/8621) with jmapc 0.4 (an independent client) against the real binary over
HTTPS (issue 15): the session, mailboxes, query/get with threads and result references, keywords,
a move, upload + import, sending with EmailSubmission and the Sent copy, identities (made for an
alias, changed, sent with), submissions kept (get, query, changes, the queue's delivery status, the
alias as MAIL FROM at a peer SMTP server) and undone while held (HOLDFOR), out-of-office, changes
after an SMTP delivery, EventSource push woken by an IMAP APPEND, and hostile input answered
with the standard errors (nothing leaked across accounts).

jmapc always fetches `https://HOST/.well-known/jmap` and follows the session's absolute URLs;
the server's certificate is self-signed, so its sessions are told not to verify it.
"""

import imaplib
import json
import os
import smtplib
import threading
import time

import pytest
import requests
import sseclient
import urllib3
from imapclient import IMAPClient
from jmapc import (
    Client,
    Comparator,
    EmailQueryFilterCondition,
    EventSourceConfig,
    MailboxQueryFilterCondition,
    Ref,
)
from jmapc.methods import (
    CoreEcho,
    CustomMethod,
    EmailChanges,
    EmailGet,
    EmailQuery,
    EmailSet,
    EmailSubmissionChanges,
    EmailSubmissionGet,
    EmailSubmissionQuery,
    EmailSubmissionSet,
    IdentityChanges,
    IdentityGet,
    IdentitySet,
    MailboxGet,
    MailboxQuery,
    MailboxSet,
    ThreadGet,
)
from jmapc.models import (
    Address,
    EmailSubmission,
    EmailSubmissionQueryFilterCondition,
    Envelope,
    Identity,
    UndoStatus,
)

from harness import Relais
from smtp_sink import Sink

pytestmark = pytest.mark.filterwarnings("ignore:Unverified HTTPS request")
for _var in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
    os.environ.pop(_var, None)
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)

DOMAIN = "example.test"
ANN, ANN_PW = f"ann@{DOMAIN}", "correct horse battery"
BOB, BOB_PW = f"bob@{DOMAIN}", "another good password"
SALES = f"sales@{DOMAIN}"
CORE, MAIL = "urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail"
SUBMISSION, VACATION = "urn:ietf:params:jmap:submission", "urn:ietf:params:jmap:vacationresponse"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    sink = Sink()  # the outside world: where mail to elsewhere.test goes
    r = Relais(tmp_path_factory.mktemp("jmap") / "data", listeners=["smtp", "imap"],
               settings={"imap": {"plaintext_auth_on_loopback": True}},
               extra_toml=f'[smtp.routes]\n"elsewhere.test" = "127.0.0.1:{sink.port}"\n')
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", ANN, "--password", ANN_PW, "--name", "Ann Example")
    r.admin("user", "add", BOB, "--password", BOB_PW)
    r.admin("alias", "add", SALES, ANN)
    r.sink = sink
    with r:
        yield r
    sink.close()


def host(server):
    h, p = server.addr("https")
    return f"{h}:{p}"


def client(server, user=ANN, password=ANN_PW, **kw):
    c = Client.create_with_password(host(server), user, password, **kw)
    c.requests_session.verify = False
    c.requests_session.trust_env = False
    return c


def raw_session(user=ANN, password=ANN_PW):
    s = requests.Session()
    s.verify, s.trust_env, s.auth = False, False, (user, password)
    return s


def api(server, body, user=ANN, password=ANN_PW, raw=False):
    data = body if raw else json.dumps(body).encode()
    r = raw_session(user, password).post(f"https://{host(server)}/jmap/api", data=data,
                                         headers={"Content-Type": "application/json"}, timeout=30)
    return r


def deliver(server, subject, to=ANN, reply_to=None, body="hello"):
    msg_id = f"<{subject.replace(' ', '.')}@elsewhere.test>"
    lines = ["From: Carol Sender <carol@elsewhere.test>", f"To: {to}", f"Subject: {subject}",
             f"Message-ID: {msg_id}", "Date: Tue, 01 Dec 2026 10:00:00 +0000"]
    if reply_to:
        lines += [f"In-Reply-To: {reply_to}", f"References: {reply_to}"]
    raw = "\r\n".join(lines) + "\r\n\r\n" + body + "\r\n"
    with smtplib.SMTP(*server.addr("smtp"), timeout=10) as s:
        s.sendmail("carol@elsewhere.test", [to], raw)
    return msg_id


def custom(name, data, using):
    m = CustomMethod(data=data)
    m.jmap_method = name
    CustomMethod.using = set(using)
    return m


def mailboxes(c):
    r = c.request(MailboxGet(ids=None), raise_errors=True, single_response=True)
    return {m.role or m.name: m for m in r.data}


def test_session(server):
    c = client(server)
    s = c.jmap_session
    base = f"https://{host(server)}"
    assert s.api_url == f"{base}/jmap/api"
    assert s.upload_url.startswith(f"{base}/jmap/upload/")
    assert s.download_url.startswith(f"{base}/jmap/download/")
    assert s.event_source_url.startswith(f"{base}/jmap/eventsource")
    assert s.primary_accounts.core == s.primary_accounts.mail
    assert {CORE, MAIL, SUBMISSION, VACATION} <= s.capabilities.urns
    assert s.capabilities.core.max_calls_in_request >= 16
    r = c.request(CoreEcho(data={"hello": "world"}), raise_errors=True, single_response=True)
    assert r.data == {"hello": "world"}
    # A wrong password is refused like every login.
    bad = raw_session(ANN, "wrong").get(f"{base}/.well-known/jmap")
    assert bad.status_code == 401


def test_mailboxes(server):
    c = client(server)
    boxes = mailboxes(c)
    assert {"inbox", "drafts", "sent", "trash", "junk", "archive"} <= set(boxes)
    r = c.request(MailboxSet(create={"k1": {"name": "Projects", "parentId": None}}), raise_errors=True,
                  single_response=True)
    made = r.created["k1"].id
    r = c.request(MailboxSet(create={"k2": {"name": "Relais", "parentId": made}}), raise_errors=True,
                  single_response=True)
    child = r.created["k2"].id
    q = c.request(MailboxQuery(filter=MailboxQueryFilterCondition(parent_id=made)), raise_errors=True,
                  single_response=True)
    assert q.ids == [child]
    q = c.request(MailboxQuery(filter=MailboxQueryFilterCondition(role="inbox")), raise_errors=True,
                  single_response=True)
    assert q.ids == [boxes["inbox"].id]
    # A mailbox with a child is not destroyed; the child then the parent are.
    r = c.request(MailboxSet(destroy=[made]), single_response=True)
    assert r.not_destroyed[made].type == "mailboxHasChild"
    r = c.request(MailboxSet(destroy=[child, made]), raise_errors=True, single_response=True)
    assert sorted(r.destroyed) == sorted([child, made])


def test_query_get_threads_keywords_and_move(server):
    first = deliver(server, "plans for monday")
    deliver(server, "Re: plans for monday", reply_to=first)
    deliver(server, "something else")
    c = client(server)
    inbox = mailboxes(c)["inbox"].id
    results = c.request([
        EmailQuery(collapse_threads=True, filter=EmailQueryFilterCondition(in_mailbox=inbox, text="monday"),
                   sort=[Comparator(property="receivedAt", is_ascending=False)], limit=10),
        EmailGet(ids=Ref("/ids"), properties=["threadId", "subject", "from", "keywords", "mailboxIds"]),
        ThreadGet(ids=Ref("/list/*/threadId")),
        EmailGet(ids=Ref("/list/*/emailIds"), properties=["subject", "preview", "textBody", "bodyValues"],
                 fetch_text_body_values=True),
    ], raise_errors=True)
    query, got, threads, emails = (r.response for r in results)
    assert len(query.ids) == 1, "two messages of one thread collapse to one"
    assert got.data[0].mail_from[0].email == "carol@elsewhere.test"
    assert len(threads.data) == 1 and len(threads.data[0].email_ids) == 2
    assert sorted(e.subject for e in emails.data) == ["Re: plans for monday", "plans for monday"]
    assert all(e.body_values[e.text_body[0].part_id].value.startswith("hello") for e in emails.data)

    # Keywords: $seen and $flagged set by JMAP are IMAP's \Seen and \Flagged.
    email_id = got.data[0].id
    c.request(EmailSet(update={email_id: {"keywords/$seen": True, "keywords/$flagged": True}}), raise_errors=True)
    e = c.request(EmailGet(ids=[email_id], properties=["keywords"]), raise_errors=True, single_response=True)
    assert e.data[0].keywords == {"$seen": True, "$flagged": True}
    with IMAPClient(*server.addr("imap"), ssl=False) as imap:
        imap.login(ANN, ANN_PW)
        imap.select_folder("INBOX", readonly=True)
        flagged = imap.search(["FLAGGED", "SEEN"])
        assert len(flagged) == 1

    # Move to Archive: one message, now in the other mailbox.
    boxes = mailboxes(c)
    archive = boxes["archive"].id
    c.request(EmailSet(update={email_id: {f"mailboxIds/{inbox}": None, f"mailboxIds/{archive}": True}}),
              raise_errors=True)
    e = c.request(EmailGet(ids=[email_id], properties=["mailboxIds"]), raise_errors=True, single_response=True)
    assert e.data[0].mailbox_ids == {archive: True}
    assert mailboxes(c)["archive"].total_emails == 1


def test_upload_and_import(server, tmp_path):
    c = client(server)
    eml = tmp_path / "imported.eml"
    eml.write_bytes(b"From: Dan <dan@elsewhere.test>\r\nTo: ann@example.test\r\nSubject: imported one\r\n"
                    b"Message-ID: <imported@elsewhere.test>\r\n\r\nfrom a file\r\n")
    blob = c.upload_blob(eml)
    assert blob.size == eml.stat().st_size
    inbox = mailboxes(c)["inbox"].id
    r = c.request(custom("Email/import", {"accountId": c.account_id, "emails": {
        "i1": {"blobId": blob.id, "mailboxIds": {inbox: True}, "keywords": {"$seen": True}}}}, [CORE, MAIL]),
        raise_errors=True, single_response=True)
    created = r.data["created"]["i1"]
    e = c.request(EmailGet(ids=[created["id"]], properties=["subject", "keywords", "blobId"]), raise_errors=True,
                  single_response=True)
    assert e.data[0].subject == "imported one"
    assert e.data[0].keywords == {"$seen": True}
    # The message's content downloads by its blob id.
    url = c.jmap_session.download_url.format(accountId=c.account_id, blobId=e.data[0].blob_id,
                                             name="m.eml", type="message/rfc822")
    got = c.requests_session.get(url, timeout=30)
    assert got.status_code == 200 and got.content == eml.read_bytes()


def test_send_with_submission(server, tmp_path):
    c = client(server)
    boxes = mailboxes(c)
    identity = c.request(IdentityGet(), raise_errors=True, single_response=True).data[0]
    assert identity.email == ANN
    draft = {
        "mailboxIds": {boxes["drafts"].id: True},
        "keywords": {"$draft": True},
        "from": [{"name": "Ann Example", "email": ANN}],
        "to": [{"name": None, "email": BOB}],
        "subject": "lunch on friday",
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": "shall we?"}},
    }
    r = c.request(EmailSet(create={"d1": draft}), raise_errors=True, single_response=True)
    email_id = r.created["d1"].id
    results = c.request(EmailSubmissionSet(
        create={"s1": EmailSubmission(identity_id=identity.id, email_id=email_id)},
        on_success_update_email={"#s1": {f"mailboxIds/{boxes['drafts'].id}": None,
                                         f"mailboxIds/{boxes['sent'].id}": True, "keywords/$draft": None}},
    ), raise_errors=True)
    assert results[0].created["s1"].id
    assert results[1].updated is not None and email_id in results[1].updated
    e = c.request(EmailGet(ids=[email_id], properties=["mailboxIds", "keywords"]), raise_errors=True,
                  single_response=True)
    assert e.data[0].mailbox_ids == {boxes["sent"].id: True}
    assert "$draft" not in (e.data[0].keywords or {})
    bob = client(server, BOB, BOB_PW)
    deadline = time.time() + 10
    while time.time() < deadline:
        q = bob.request([EmailQuery(filter=EmailQueryFilterCondition(text="lunch on friday")),
                         EmailGet(ids=Ref("/ids"), properties=["from", "subject"])], raise_errors=True)
        if q[1].response.data:
            break
        time.sleep(0.2)
    assert q[1].response.data[0].mail_from[0].email == ANN


def test_identities(server):
    """RFC 8621 §6: an identity for Ann's alias made, read back and changed, then used to send
    (the From the identity's address, RFC 8621 §7.5); Bob's address is not Ann's to take."""
    c = client(server)
    before = c.request(IdentityGet(ids=[]), raise_errors=True, single_response=True).state
    made = c.request(IdentitySet(create={
        "sales": Identity(name="Sales desk", email=SALES, reply_to=None, bcc=None,
                          text_signature="-- \nSales", html_signature=None, may_delete=True),
        "bobs": Identity(name="Not Bob", email=BOB, reply_to=None, bcc=None, text_signature=None,
                         html_signature=None, may_delete=True)}), raise_errors=True, single_response=True)
    assert made.not_created["bobs"].type == "forbiddenFrom"
    sales = made.created["sales"]
    assert (sales.email, sales.name, sales.may_delete) == (SALES, "Sales desk", True)
    ch = c.request(IdentityChanges(since_state=before), raise_errors=True, single_response=True)
    assert ch.created == [sales.id]
    r = c.request(IdentitySet(update={sales.id: {"htmlSignature": "<p>Sales</p>"}}), raise_errors=True,
                  single_response=True)
    assert sales.id in r.updated
    got = {i.id: i for i in c.request(IdentityGet(), raise_errors=True, single_response=True).data}
    assert got[sales.id].html_signature == "<p>Sales</p>" and not next(iter(got.values())).may_delete
    boxes = mailboxes(c)
    draft = {"mailboxIds": {boxes["drafts"].id: True}, "from": [{"name": "Sales desk", "email": SALES}],
             "to": [{"name": None, "email": BOB}], "subject": "from the sales desk",
             "textBody": [{"partId": "t", "type": "text/plain"}], "bodyValues": {"t": {"value": "offer"}}}
    email_id = c.request(EmailSet(create={"d": draft}), raise_errors=True, single_response=True).created["d"].id
    own = next(i for i in got.values() if i.email == ANN)
    sent = c.request(EmailSubmissionSet(create={
        "wrong": EmailSubmission(identity_id=own.id, email_id=email_id),
        "right": EmailSubmission(identity_id=sales.id, email_id=email_id)}), raise_errors=True, single_response=True)
    assert sent.not_created["wrong"].type == "forbiddenFrom"
    assert sent.created["right"].id
    bob = client(server, BOB, BOB_PW)
    deadline = time.time() + 10
    while time.time() < deadline:
        q = bob.request([EmailQuery(filter=EmailQueryFilterCondition(text="from the sales desk")),
                         EmailGet(ids=Ref("/ids"), properties=["from"])], raise_errors=True)
        if q[1].response.data:
            break
        time.sleep(0.2)
    assert q[1].response.data[0].mail_from[0].email == SALES
    gone = c.request(IdentitySet(destroy=[sales.id, own.id]), raise_errors=True, single_response=True)
    assert gone.destroyed == [sales.id] and gone.not_destroyed[own.id].type == "forbidden"


def test_vacation(server):
    c = client(server)
    r = c.request(custom("VacationResponse/set", {"accountId": c.account_id, "update": {"singleton": {
        "isEnabled": True, "subject": "Away", "textBody": "Back on Monday."}}}, [CORE, VACATION]),
        raise_errors=True, single_response=True)
    assert "singleton" in r.data["updated"]
    r = c.request(custom("VacationResponse/get", {"accountId": c.account_id}, [CORE, VACATION]),
                  raise_errors=True, single_response=True)
    v = r.data["list"][0]
    assert (v["isEnabled"], v["subject"], v["textBody"]) == (True, "Away", "Back on Monday.")
    c.request(custom("VacationResponse/set", {"accountId": c.account_id, "update": {"singleton": {
        "isEnabled": False}}}, [CORE, VACATION]), raise_errors=True)


def test_changes_after_smtp_delivery(server):
    c = client(server)
    before = c.request(EmailGet(ids=[], properties=["id"]), raise_errors=True, single_response=True).state
    deliver(server, "a change to see")
    r = c.request(EmailChanges(since_state=before), raise_errors=True, single_response=True)
    assert len(r.created) == 1 and r.new_state != before
    e = c.request(EmailGet(ids=r.created, properties=["subject"]), raise_errors=True, single_response=True)
    assert e.data[0].subject == "a change to see"
    # A flag set over IMAP is a change of that message's state too.
    with IMAPClient(*server.addr("imap"), ssl=False) as imap:
        imap.login(ANN, ANN_PW)
        imap.select_folder("INBOX")
        uids = imap.search(["SUBJECT", "a change to see"])
        imap.add_flags(uids, [b"\\Answered"])
    r2 = c.request(EmailChanges(since_state=r.new_state), raise_errors=True, single_response=True)
    assert r2.updated == r.created and not r2.created
    e = c.request(EmailGet(ids=r.created, properties=["keywords"]), raise_errors=True, single_response=True)
    assert e.data[0].keywords.get("$answered") is True
    # A state the log cannot answer from: cannotCalculateChanges.
    r = c.request(EmailChanges(since_state="999999999"), single_response=True)
    assert r.to_dict()["type"] == "cannotCalculateChanges"


def test_eventsource_woken_by_imap_append(server):
    c = client(server, event_source_config=EventSourceConfig(types="Email,Mailbox", closeafter="no", ping=0))
    url = c.jmap_session.event_source_url.format(types="Email,Mailbox", closeafter="no", ping=0)
    c._events = sseclient.SSEClient(url, auth=c.requests_session.auth, verify=False)
    events = []

    def listen():
        for ev in c.events:
            events.append(ev)
            if len(events) >= 2:
                return

    t = threading.Thread(target=listen, daemon=True)
    t.start()
    deadline = time.time() + 10
    while not events and time.time() < deadline:
        time.sleep(0.05)
    assert events, "the current state comes first"
    first = events[0].data.changed[c.account_id].email
    with IMAPClient(*server.addr("imap"), ssl=False) as imap:
        imap.login(ANN, ANN_PW)
        imap.append("INBOX", b"Subject: pushed\r\n\r\nover IMAP\r\n")
    t.join(10)
    assert len(events) >= 2, "an IMAP APPEND wakes the EventSource"
    assert int(events[1].data.changed[c.account_id].email) > int(first)


def test_bad_input(server):
    ok = {"using": [CORE], "methodCalls": [["Core/echo", {}, "c0"]]}
    r = api(server, b"{not json", raw=True)
    assert (r.status_code, r.json()["type"]) == (400, "urn:ietf:params:jmap:error:notJSON")
    r = api(server, {"using": [CORE]})
    assert r.json()["type"] == "urn:ietf:params:jmap:error:notRequest"
    r = api(server, {**ok, "using": [CORE, "urn:example:nothing"]})
    assert r.json()["type"] == "urn:ietf:params:jmap:error:unknownCapability"
    r = api(server, b'{"using":[], "methodCalls":[], "pad":"' + b"x" * (11 << 20) + b'"}', raw=True)
    assert r.json()["type"] == "urn:ietf:params:jmap:error:limit"
    r = api(server, {"using": [CORE], "methodCalls": [["Core/echo", {}, str(i)] for i in range(1000)]})
    assert r.json() == {**r.json(), "type": "urn:ietf:params:jmap:error:limit", "limit": "maxCallsInRequest"}
    r = api(server, {"using": [CORE, MAIL], "methodCalls": [
        ["Email/get", {"accountId": "a1", "#ids": {"resultOf": "nope", "name": "Email/query", "path": "/ids"}}, "0"],
        ["Mailbox/get", {"accountId": "a1"}, "1"],
        ["Email/get", {"accountId": "a1", "ids": ["e1"]}, "2"],
    ]})
    responses = r.json()["methodResponses"]
    assert responses[0][1]["type"] == "invalidResultReference"
    assert responses[1][0] == "Mailbox/get", "an error answers its call only"
    # Without the mail capability in `using`, mail methods are unknown.
    r = api(server, {"using": [CORE], "methodCalls": [["Mailbox/get", {"accountId": "a1"}, "0"]]})
    assert r.json()["methodResponses"][0][1]["type"] == "unknownMethod"

    # Another account's ids: Bob sees none of Ann's messages, mailboxes or blobs.
    ann = client(server)
    ann_inbox = mailboxes(ann)["inbox"].id
    q = ann.request([EmailQuery(filter=EmailQueryFilterCondition(in_mailbox=ann_inbox)),
                     EmailGet(ids=Ref("/ids"), properties=["blobId"])], raise_errors=True)
    ann_email, ann_blob = q[1].response.data[0].id, q[1].response.data[0].blob_id
    bob = client(server, BOB, BOB_PW)
    r = api(server, {"using": [CORE, MAIL], "methodCalls": [
        ["Email/get", {"accountId": bob.account_id, "ids": [ann_email]}, "0"],
        ["Mailbox/get", {"accountId": bob.account_id, "ids": [ann_inbox]}, "1"],
        ["Email/get", {"accountId": ann.account_id, "ids": [ann_email]}, "2"],
        ["Email/set", {"accountId": bob.account_id, "update": {ann_email: {"keywords/$seen": None}},
                       "destroy": [ann_email]}, "3"],
        ["Email/query", {"accountId": bob.account_id, "filter": {"inMailbox": ann_inbox}}, "4"],
    ]}, user=BOB, password=BOB_PW)
    got = r.json()["methodResponses"]
    assert got[0][1]["notFound"] == [ann_email] and got[0][1]["list"] == []
    assert got[1][1]["notFound"] == [ann_inbox]
    assert got[2][1]["type"] == "accountNotFound"
    assert got[3][1]["notUpdated"][ann_email]["type"] == "notFound"
    assert got[3][1]["notDestroyed"][ann_email]["type"] == "notFound"
    assert got[4][1]["ids"] == []
    url = f"https://{host(server)}/jmap/download/{bob.account_id}/{ann_blob}/x.eml?type=message/rfc822"
    assert raw_session(BOB, BOB_PW).get(url).status_code == 404
    url = f"https://{host(server)}/jmap/download/{ann.account_id}/{ann_blob}/x.eml?type=message/rfc822"
    assert raw_session(BOB, BOB_PW).get(url).status_code == 404
    # Ann's message is untouched.
    e = ann.request(EmailGet(ids=[ann_email], properties=["id"]), raise_errors=True, single_response=True)
    assert [m.id for m in e.data] == [ann_email]


def test_email_and_blob_copy_from_a_shared_mailbox(server):
    """Email/copy and Blob/copy (RFC 8621 §4.7, RFC 8620 §6.3) from a mailbox Ann shares with Bob
    over IMAP (imaplib, SETACL): a blob of Ann's copied to Bob's account is imported there; Bob
    copies the message into his INBOX and destroys the original (onSuccessDestroyOriginal),
    which IMAP then sees on both sides; one account named twice is invalidArguments."""
    deliver(server, "Shared note")
    c = imaplib.IMAP4(*server.addr("imap"))
    c.login(ANN, ANN_PW)
    c.create("Shared")
    c.select("INBOX")
    typ, data = c.search(None, 'SUBJECT "Shared note"')
    c.copy(data[0].split()[-1], "Shared")
    assert c.setacl("Shared", BOB, "lrte")[0] == "OK"
    c.logout()
    session = raw_session(BOB, BOB_PW).get(f"https://{host(server)}/.well-known/jmap", timeout=30).json()
    bob = session["primaryAccounts"][MAIL]
    ann = next(a for a in session["accounts"] if a != bob)
    using = [CORE, MAIL]

    def call(name, args):
        r = api(server, {"using": using, "methodCalls": [[name, args, "c"]]}, BOB, BOB_PW).json()
        return r["methodResponses"]

    [[_, q, _]] = call("Email/query", {"accountId": ann})
    original = q["ids"][0]
    [[_, got, _]] = call("Email/get", {"accountId": ann, "ids": [original], "properties": ["blobId"]})
    blob = got["list"][0]["blobId"]
    [[_, boxes, _]] = call("Mailbox/get", {"accountId": bob})
    inbox = next(m["id"] for m in boxes["list"] if m["role"] == "inbox")

    [[_, copied, _]] = call("Blob/copy", {"fromAccountId": ann, "accountId": bob, "blobIds": [blob]})
    assert copied["copied"] == {blob: blob}, copied
    [[_, imported, _]] = call("Email/import", {"accountId": bob,
                                               "emails": {"i": {"blobId": blob, "mailboxIds": {inbox: True}}}})
    assert "i" in imported["created"], imported

    rs = call("Email/copy", {"fromAccountId": ann, "accountId": bob, "onSuccessDestroyOriginal": True,
                             "create": {"k": {"id": original, "mailboxIds": {inbox: True}}}})
    assert rs[0][0] == "Email/copy" and "k" in rs[0][1]["created"], rs
    assert rs[1][0] == "Email/set" and rs[1][1]["destroyed"] == [original], rs
    c = imaplib.IMAP4(*server.addr("imap"))
    c.login(BOB, BOB_PW)
    c.select("INBOX", readonly=True)
    assert len(c.search(None, 'SUBJECT "Shared note"')[1][0].split()) == 2, "the import and the copy"
    c.logout()
    c = imaplib.IMAP4(*server.addr("imap"))
    c.login(ANN, ANN_PW)
    assert c.select("Shared", readonly=True)[1][0] == b"0", "the original left Ann's mailbox"
    c.logout()

    [[kind, error, _]] = call("Email/copy", {"fromAccountId": bob, "accountId": bob, "create": {}})
    assert kind == "error" and error["type"] == "invalidArguments", error


def eventually(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(0.2)
    return predicate()


def test_submissions_kept_alias_envelope_and_undo(server):
    """RFC 8621 §7: a submission as Ann's alias identity, without an envelope, reaches a peer SMTP
    server with the alias as MAIL FROM; it is kept, its delivery status follows the queue to yes,
    /query and /changes find it. Two held with HOLDFOR (RFC 4865): the one cancelled while pending
    never arrives, the other is released by the queue and then cannot be cancelled."""
    c = client(server)
    session = raw_session().get(f"https://{host(server)}/.well-known/jmap", timeout=10).json()
    caps = session["accounts"][c.account_id]["accountCapabilities"][SUBMISSION]
    assert caps["maxDelayedSend"] > 0 and "FUTURERELEASE" in caps["submissionExtensions"], caps
    before = c.request(EmailSubmissionGet(ids=[]), raise_errors=True, single_response=True).state
    sales = c.request(IdentitySet(create={"s": Identity(name="Sales", email=SALES, reply_to=None, bcc=None,
                                                        text_signature=None, html_signature=None, may_delete=True)}),
                      raise_errors=True, single_response=True).created["s"]
    boxes = mailboxes(c)

    def draft(sender, to, subject):
        d = {"mailboxIds": {boxes["drafts"].id: True}, "from": [{"name": None, "email": sender}],
             "to": [{"name": None, "email": to}], "subject": subject,
             "textBody": [{"partId": "t", "type": "text/plain"}], "bodyValues": {"t": {"value": subject}}}
        return c.request(EmailSet(create={"d": d}), raise_errors=True, single_response=True).created["d"].id

    outside = "dora@elsewhere.test"
    email_id = draft(SALES, outside, "an offer from sales")
    made = c.request(EmailSubmissionSet(create={"s": EmailSubmission(identity_id=sales.id, email_id=email_id)}),
                     raise_errors=True, single_response=True).created["s"]
    got = eventually(lambda: [m for m in server.sink.messages if b"an offer from sales" in m[2]])
    assert got and got[0][0] == SALES and got[0][1] == [outside], got

    def status():
        s = c.request(EmailSubmissionGet(ids=[made.id]), raise_errors=True, single_response=True).data[0]
        return s if s.delivery_status[outside].delivered.value == "yes" else None
    kept = eventually(status)
    assert kept and kept.identity_id == sales.id and kept.email_id == email_id, kept
    assert kept.undo_status == UndoStatus.FINAL and kept.envelope.mail_from.email == SALES
    q = c.request(EmailSubmissionQuery(filter=EmailSubmissionQueryFilterCondition(identity_ids=[sales.id])),
                  raise_errors=True, single_response=True)
    assert q.ids == [made.id]

    held = {}
    for name in ("undone", "released"):
        envelope = Envelope(mail_from=Address(email=ANN, parameters={"HOLDFOR": "3"}), rcpt_to=[Address(email=BOB)])
        e = draft(ANN, BOB, f"held then {name}")
        r = c.request(EmailSubmissionSet(create={"h": EmailSubmission(identity_id=c.request(
            IdentityGet(ids=None), raise_errors=True, single_response=True).data[0].id, email_id=e, envelope=envelope)}),
            raise_errors=True, single_response=True)
        held[name] = r.created["h"].id
    cancel = c.request(EmailSubmissionSet(update={held["undone"]: {"undoStatus": "canceled"}}), raise_errors=True,
                       single_response=True)
    assert held["undone"] in cancel.updated
    bob = client(server, BOB, BOB_PW)

    def arrived(word):
        q = bob.request(EmailQuery(filter=EmailQueryFilterCondition(text=word)), raise_errors=True,
                        single_response=True)
        return q.ids
    assert eventually(lambda: arrived("released"), timeout=20), "released by the queue"
    assert not arrived("undone"), "cancelled while pending"
    late = c.request(EmailSubmissionSet(update={held["released"]: {"undoStatus": "canceled"}}), raise_errors=True,
                     single_response=True)
    assert late.not_updated[held["released"]].type == "cannotUnsend"
    got = {s.id: s.undo_status for s in c.request(EmailSubmissionGet(ids=list(held.values())), raise_errors=True,
                                                  single_response=True).data}
    assert got == {held["undone"]: UndoStatus.CANCELED, held["released"]: UndoStatus.FINAL}
    ch = c.request(EmailSubmissionChanges(since_state=before), raise_errors=True, single_response=True)
    assert set(ch.created) >= {made.id, *held.values()}, ch
    c.request(IdentitySet(destroy=[sales.id]), raise_errors=True, single_response=True)
