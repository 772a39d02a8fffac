"""Differential test against Dovecot: the same tricky MIME messages are APPENDed to Relais and
to a private Dovecot, and what both answer to FETCH ENVELOPE, BODYSTRUCTURE, RFC822.SIZE and
body sections is compared (parsed by imapclient, so literal-or-quoted choices do not count).
Relais answers from the summary stored at delivery; Dovecot parses the message each time.

Differences the RFCs leave open are normalised away, each for a stated reason:
- type, subtype and encoding are case-insensitive (RFC 2045 §5.1, §6.1): compared lower case;
- parameter order means nothing, and Relais decodes RFC 2231 parameters (`name*=utf-8''…`
  becomes `name`) where Dovecot passes them through: Dovecot's are decoded, then both sorted;
- a nested multipart or message that ends right before its parent's boundary: RFC 2046 §5.1.1
  gives the CRLF before the boundary to the boundary, Dovecot also counts it into the part (its
  size is 2 more, its section text ends in CRLF): message/rfc822 sizes are not compared and one
  trailing CRLF of a non-leaf section is dropped;
- a section that does not exist (BODY[2] of a one-part message) is NIL here and "" there (the
  RFCs say neither): only sections the message has are fetched."""

from urllib.parse import unquote_to_bytes

import pytest
from imapclient import IMAPClient

from dovecot_peer import DovecotPeer
from test_imap import DOMAIN, PASSWORD, USER, insecure  # noqa: F401

CORPUS = {
    "encoded words, groups, reply-to default": (
        "From: =?UTF-8?B?SsO8cmdlbiBNw7xsbGVy?= <jm@example.org>\r\n"
        "To: undisclosed-recipients:;\r\n"
        "Cc: \"Smith, Ann\" <ann@example.org>, bob@example.org (Bob B.), Team: c@example.org, d@example.org;\r\n"
        "Subject: =?ISO-8859-1?Q?caf=E9?= and =?UTF-8?Q?cr=C3=A8me?=\r\n"
        "Date: Mon, 2 Mar 2026 10:00:00 +0100\r\n"
        "Message-ID: <one@example.org>\r\n"
        "In-Reply-To: <zero@example.org>\r\n"
        "\r\n"
        "Plain body.\r\n"
    ),
    "sender and reply-to, folded headers": (
        "From: Ann <ann@example.org>\r\n"
        "Sender: list-bounces@lists.example.org\r\n"
        "Reply-To: list@lists.example.org\r\n"
        "To: Bob\r\n <bob@example.org>,\r\n\tcarol@example.org\r\n"
        "Subject: a subject folded\r\n over two lines\r\n"
        "Date: Tue, 3 Mar 2026 11:00:00 -0500\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: text/PLAIN; charset=\"ISO-8859-1\"; format=flowed\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Caf=E9 =\r\nsoft break\r\n"
    ),
    "alternative with quoted-printable html": (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: alt\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative; boundary=\"XX\"\r\n"
        "\r\n"
        "preamble\r\n"
        "--XX\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello\r\nthere\r\n"
        "--XX\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        "<p>Hello=20there</p>\r\n"
        "--XX--\r\nepilogue\r\n"
    ),
    "mixed with attachment, RFC 2231, disposition, language, location": (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=outer\r\n"
        "\r\n"
        "--outer\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
        "--outer\r\n"
        "Content-Type: application/pdf; name=\"r.pdf\"\r\n"
        "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf; size=12\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "Content-ID: <part2@example.org>\r\n"
        "Content-Description: the report\r\n"
        "Content-Language: en, fr\r\n"
        "Content-Location: http://example.org/r.pdf\r\n"
        "\r\n"
        "JVBERi0xLjQKJcfs\r\n"
        "--outer--\r\n"
    ),
    "attached message": (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: fwd\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b1\r\n"
        "\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\nForwarded:\r\n"
        "--b1\r\nContent-Type: message/rfc822\r\n\r\n"
        "From: Inner <inner@example.net>\r\nTo: x@example.net\r\nSubject: inner subject\r\n"
        "Date: Wed, 4 Mar 2026 09:00:00 +0000\r\nMessage-ID: <inner@example.net>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/alternative; boundary=b2\r\n\r\n"
        "--b2\r\nContent-Type: text/plain\r\n\r\ninner text\r\nline two\r\n"
        "--b2\r\nContent-Type: text/html\r\n\r\n<b>inner</b>\r\n"
        "--b2--\r\n"
        "--b1--\r\n"
    ),
    "nested related in alternative in mixed": (
        "From: a@example.org\r\nTo: b@example.org\r\nSubject: deep\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=m\r\n\r\n"
        "--m\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n"
        "--a\r\nContent-Type: text/plain\r\n\r\ntext\r\n"
        "--a\r\nContent-Type: multipart/related; boundary=r; type=\"text/html\"\r\n\r\n"
        "--r\r\nContent-Type: text/html\r\n\r\n<img src=\"cid:i\">\r\n"
        "--r\r\nContent-Type: image/png\r\nContent-ID: <i>\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n"
        "--r--\r\n"
        "--a--\r\n"
        "--m\r\nContent-Type: text/csv; name=data.csv\r\nContent-Disposition: inline\r\n\r\na,b\r\n1,2\r\n"
        "--m--\r\n"
    ),
    "no MIME headers, no final newline": (
        "From: a@example.org\r\nSubject: bare\r\n\r\nno content type here\r\nand no newline at the end"
    ),
    "unterminated multipart": (
        "From: a@example.org\r\nSubject: cut\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
        "--zz\r\nContent-Type: text/plain\r\n\r\nfirst part\r\n"
        "--zz\r\nContent-Type: text/plain\r\n\r\nsecond part, never closed\r\n"
    ),
    "empty body": "From: a@example.org\r\nSubject: empty\r\nMessage-ID: <e@example.org>\r\n\r\n",
}

ITEMS = ["ENVELOPE", "BODYSTRUCTURE", "BODY", "RFC822.SIZE"]


def params(p):
    if not p:
        return p
    pairs = []
    for k, v in zip(p[::2], p[1::2]):
        if k.endswith(b"*") and v.count(b"'") >= 2:  # RFC 2231 §4: charset'language'percent-encoded
            charset, _, encoded = v.split(b"'", 2)
            k, v = k[:-1], unquote_to_bytes(encoded).decode(charset.decode() or "us-ascii").encode()
        pairs.append((k.lower(), v))
    return tuple(sorted(pairs))


def norm(body):
    """A BODY or BODYSTRUCTURE as imapclient parses it, with the open differences taken out."""
    if isinstance(body[0], (list, tuple)):  # multipart: parts, subtype, [params, disposition, language, location]
        # imapclient lists the parts at the top level and leaves them inline in a nested body.
        if isinstance(body[0], list):
            parts, rest = body[0], body[1:]
        else:
            n = next(i for i, p in enumerate(body) if not isinstance(p, tuple))
            parts, rest = body[:n], body[n:]
        out = [tuple(norm(p) for p in parts), rest[0].lower()]
        if len(rest) > 1:
            out.append(params(rest[1]))
            out.extend(rest[2:])
        return tuple(out)
    out = list(body)
    out[0], out[1], out[5] = out[0].lower(), out[1].lower(), out[5].lower()
    out[2] = params(out[2])
    if out[0] == b"message" and out[1] in (b"rfc822", b"global"):
        out[6] = None
        out[8] = norm(out[8])
    # Disposition parameters (extension data) are parameters too.
    for i, v in enumerate(out):
        if i > 7 and isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], bytes) and isinstance(v[1], tuple):
            out[i] = (v[0].lower(), params(v[1]))
    return tuple(out)


def sections(structure):
    """Which of SECTIONS the message has, from its BODYSTRUCTURE."""
    multipart = isinstance(structure[0], list)
    parts = structure[0] if multipart else [structure]
    have = {"TEXT", "HEADER.FIELDS (SUBJECT FROM)", "1", "1<2.5>"}
    if multipart:
        have.add("1.MIME")
        if len(parts) > 1:
            have.add("2")
            second = parts[1]
            if isinstance(second[0], list) or (second[0].lower() == b"message" and second[1].lower() == b"rfc822"):
                have.add("2.1")
    return have


def leaf_section(structure, section):
    """Whether `section` names a leaf part (whose text is compared exactly)."""
    if section in ("TEXT", "HEADER.FIELDS (SUBJECT FROM)", "1.MIME"):
        return True
    if not isinstance(structure[0], list):
        return True
    part = structure[0][int(section.split("<")[0].split(".")[0]) - 1]
    return not isinstance(part[0], list) and part[0].lower() != b"message"


def fetch_all(c, uid, wanted):
    got = {}
    for item in ITEMS + [f"BODY.PEEK[{s.split('<')[0]}]" + (f"<{s.split('<')[1]}" if "<" in s else "") for s in wanted]:
        resp = c.fetch([uid], [item])[uid]
        got.update({k: v for k, v in resp.items() if k != b"SEQ"})
    return got


def normalised(got, structure):
    out = dict(got)
    for key in (b"BODY", b"BODYSTRUCTURE"):
        out[key] = norm(out[key])
    for key, value in got.items():
        name = key.decode()
        if name.startswith("BODY[") and name not in ("BODY[TEXT]",) and isinstance(value, bytes):
            section = name[5:name.index("]")]
            if section[:1].isdigit() and not leaf_section(structure, section) and value.endswith(b"\r\n"):
                out[key] = value[:-2]
    return out


@pytest.fixture
def relais_imap(relais_factory):
    r = relais_factory(listeners=["imap", "imaps"]).start()
    r.admin("domain", "add", DOMAIN)
    r.admin("user", "add", USER, "--password", PASSWORD)
    host, port = r.addr("imaps")
    c = IMAPClient(host, port=port, ssl=True, ssl_context=insecure(), timeout=20)
    c.login(USER, PASSWORD)
    yield c
    c.logout()


@pytest.fixture
def dovecot_imap():
    with DovecotPeer() as dc:
        c = IMAPClient("127.0.0.1", port=dc.port, ssl=False, timeout=20)
        c.login("diff", dc.password)
        yield c
        c.logout()


@pytest.mark.parametrize("name", list(CORPUS))
def test_fetch_matches_dovecot(relais_imap, dovecot_imap, name):
    message = CORPUS[name].encode()
    uids = []
    for c in (relais_imap, dovecot_imap):
        c.select_folder("INBOX")
        before = c.search("ALL")
        c.append("INBOX", message)
        uids.append(max(set(c.search("ALL")) - set(before)))
    structure = dovecot_imap.fetch([uids[1]], ["BODYSTRUCTURE"])[uids[1]][b"BODYSTRUCTURE"]
    wanted = sorted(sections(structure))
    ours, theirs = (normalised(fetch_all(c, uid, wanted), structure)
                    for c, uid in zip((relais_imap, dovecot_imap), uids))
    diffs = {k: (ours.get(k), theirs.get(k)) for k in sorted(set(ours) | set(theirs)) if ours.get(k) != theirs.get(k)}
    assert not diffs, "\n".join(f"{k}:\n  relais:  {a!r}\n  dovecot: {b!r}" for k, (a, b) in diffs.items())


# --- Beyond FETCH: SORT and SELECT answers, compared the same way --------------------------------

SORTING = [
    ("[list] weekly", "=?UTF-8?Q?=C3=89mile_Zola?= <ez@x.test>"),
    ("_underscore", "alice <Alice@x.test>"),
    ("Zeta", "bob <bob@x.test>"),
    ("alpha", "\"[Bracket] Team\" <team@x.test>"),
    ("Re: Beta", "=?ISO-8859-1?Q?Andr=E9?= <andre@x.test>"),
    ("beta", "zed@x.test"),
]


def fill(c, rows):
    c.select_folder("INBOX")
    for subject, sender in rows:
        c.append("INBOX", f"From: {sender}\r\nTo: {USER}\r\nSubject: {subject}\r\n\r\nbody\r\n".encode())
    return {uid: d[b"ENVELOPE"].subject for uid, d in c.fetch(c.search("ALL"), ["ENVELOPE"]).items()}


@pytest.mark.parametrize("key", ["SUBJECT", "FROM", "DISPLAYFROM", "ARRIVAL"])
def test_sort_matches_dovecot(relais_imap, dovecot_imap, key):
    """RFC 5256 §2.2 i;ascii-casemap (`[` and `_` sort after `Z`), RFC 5957 decoded display names."""
    answers = []
    for c in (relais_imap, dovecot_imap):
        subjects = fill(c, SORTING)
        assert b"SORT=DISPLAY" in c.capabilities() or key != "DISPLAYFROM"
        answers.append([subjects[uid] for uid in c.sort([key])])
    assert answers[0] == answers[1], f"relais: {answers[0]}\ndovecot: {answers[1]}"


def test_select_unseen_matches_dovecot(relais_imap, dovecot_imap):
    """RFC 3501 §6.3.1: an IMAP4rev1 session is told the first unseen message on SELECT."""
    answers = []
    for c in (relais_imap, dovecot_imap):
        fill(c, SORTING[:4])
        c.add_flags(sorted(c.search("ALL"))[:2], [b"\\Seen"])
        c.unselect_folder() if b"UNSELECT" in c.capabilities() else c.close_folder()
        answers.append(c.select_folder("INBOX").get(b"UNSEEN"))
    assert answers[0] == answers[1] == [b"3"] or answers[0] == answers[1] == 3, answers


def test_invalid_modified_utf7_matches_dovecot(relais_imap, dovecot_imap):
    """Issue 12 item 4 (RFC 3501 §5.1.3): a name that is not modified UTF-7 is a NO for SELECT
    and CREATE, and a LIST pattern of it lists nothing, with OK."""
    answers = []
    for c in (relais_imap, dovecot_imap):
        raw = c._imap
        got = []
        for args in (("SELECT", '"foo&bar"'), ("CREATE", '"foo&bar"'), ("LIST", '""', '"foo&bar"')):
            typ, data = raw._simple_command(*args)
            got.append((args[0], typ, [d for d in raw.untagged_responses.pop("LIST", []) if d]))
        answers.append(got)
    assert answers[0] == answers[1], f"relais: {answers[0]}\ndovecot: {answers[1]}"
    assert [a[1] for a in answers[0]] == ["NO", "NO", "OK"] and answers[0][2][2] == []


# --- LIST / LSUB and subscriptions (issue 12 item 3) ---------------------------------------------

SUBSCRIPTION_STEPS = [
    ("CREATE", "sub"), ("CREATE", "sub/b"), ("CREATE", "sub/b/c"), ("CREATE", "subx"), ("CREATE", "suby"),
    ("LSUB", '""', '"sub*"'),
    ("SUBSCRIBE", "sub/b"), ("SUBSCRIBE", "subx"), ("DELETE", "subx"),
    ("LSUB", '""', '"sub%"'), ("LSUB", '""', '"sub*"'), ("LSUB", '""', '"sub/%"'),
    ("LIST", "(SUBSCRIBED)", '""', '"sub*"'),
    ("LIST", "(SUBSCRIBED)", '""', '"sub%"'),
    ("LIST", "(SUBSCRIBED RECURSIVEMATCH)", '""', '"sub%"'),
    ("LIST", "(SUBSCRIBED RECURSIVEMATCH)", '""', '"sub*"'),
    ("LIST", '""', '"sub*"', "RETURN", "(SUBSCRIBED)"),
    ("SUBSCRIBE", "sub"),
    ("LIST", "(SUBSCRIBED RECURSIVEMATCH)", '""', '"sub%"'),
    ("LSUB", '""', '"sub%"'),
    ("SUBSCRIBE", "sub/b/c"), ("UNSUBSCRIBE", "sub/b"),
    ("LSUB", '""', '"sub/%"'),
    ("LIST", "(SUBSCRIBED RECURSIVEMATCH)", '""', '"sub/%"'),
    ("LIST", "(SUBSCRIBED)", '""', '"sub/%"'),
    ("UNSUBSCRIBE", "subx"), ("UNSUBSCRIBE", "never"), ("SUBSCRIBE", "never"),
    ("LSUB", '""', '"sub*"'),
    ("CREATE", "subx"), ("LIST", "(SUBSCRIBED)", '""', '"sub*"'),
]
# The attributes compared: what subscriptions decide. \HasChildren and \HasNoChildren are sent
# by Relais unasked (RFC 5258 §4 allows it); \NonExistent implies \Noselect (RFC 5258 §3.4).
SUBSCRIPTION_ATTRIBUTES = {b"\\subscribed", b"\\nonexistent", b"\\noselect"}


def listing(lines):
    """LIST/LSUB data as sorted (name, attributes, CHILDINFO?) tuples."""
    out = []
    for line in lines:
        attrs, _, rest = line.partition(b") ")
        flags = {a.lower() for a in attrs.lstrip(b"(").split()} & SUBSCRIPTION_ATTRIBUTES
        if b"\\nonexistent" in flags:
            flags.discard(b"\\noselect")
        name = rest.split(b" ", 1)[1].split(b" (", 1)[0].strip(b'"')
        out.append((name.decode(), sorted(flags), b"CHILDINFO" in rest))
    return sorted(out)


def test_subscriptions_match_dovecot(relais_imap, dovecot_imap):
    """Issue 12 item 3: CREATE subscribes nothing, DELETE leaves the name subscribed (RFC 3501
    §6.3.6), LIST (SUBSCRIBED) shows it \\NonExistent (RFC 5258 §3.1), LSUB shows an
    unsubscribed parent \\Noselect when % cuts the hierarchy, RETURN (SUBSCRIBED) marks only
    subscribed mailboxes, RECURSIVEMATCH gives CHILDINFO only for a subscribed child not itself
    matched (RFC 5258 §3.5)."""
    answers = []
    for c in (relais_imap, dovecot_imap):
        raw = c._imap
        got = []
        for args in SUBSCRIPTION_STEPS:
            typ, _ = raw._simple_command(*args)
            lines = [d for k in ("LIST", "LSUB") for d in raw.untagged_responses.pop(k, []) if d]
            got.append((" ".join(args), typ, listing(lines)))
        answers.append(got)
    diffs = [(r, d) for r, d in zip(*answers) if r != d]
    assert not diffs, "\n".join(f"{r[0]}:\n  relais:  {r[1:]}\n  dovecot: {d[1:]}" for r, d in diffs)


# --- SEARCH: every key, substrings, non-ASCII, dates (issue 12 items 8-10) ----------------------

SEARCH_CORPUS = [
    # 1: encoded display name, two recipients, a Date late in the evening west of UTC.
    "From: =?UTF-8?Q?Ana_P=C3=A9rez?= <ana@example.com>\r\nTo: bob@example.org, Carol <carol@example.net>\r\n"
    "Subject: Quarterly report\r\nDate: Mon, 7 Feb 1994 23:30:00 -0800\r\nX-Extra: \r\n"
    "Message-ID: <q1@example.com>\r\n\r\nHello Bob,\r\nthe figures are attached.\r\n",
    # 2: encoded subject, Cc, quoted-printable UTF-8 body, a Date just after midnight east of UTC.
    "From: bob@example.org\r\nTo: ana@example.com\r\nCc: Dave <dave@example.com>\r\n"
    "Subject: =?UTF-8?Q?Re:_caf=C3=A9_tomorrow?=\r\nDate: Tue, 8 Feb 1994 00:30:00 +0100\r\n"
    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
    "See you at the caf=C3=A9, report later.\r\n",
    # 3: Bcc, no Date, base64 body.
    "From: carol@example.net\r\nBcc: secret@example.com\r\nSubject: lunch plans\r\nMIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "TWVldCBkb3duc3RhaXJzIGF0IG5vb24uDQo=\r\n",
    # 4: no Subject; the word of message 1's subject only in the body.
    "From: Eve <eve@example.com>\r\nTo: bob@example.org\r\nDate: 9 Feb 1994 12:00:00 +0000\r\n\r\n"
    "A body that mentions Quarterly numbers.\r\n",
    # 5: ISO-8859-1 encoded words, a folded header, a header name in the body.
    "From: =?ISO-8859-1?Q?Fran=E7ois?= <fr@example.fr>\r\nTo: list@example.org\r\n"
    "Subject: =?ISO-8859-1?Q?r=E9sum=E9?= and\r\n more\r\nDate: Wed, 9 Feb 1994 08:00:00 +0000\r\n"
    "X-Mailer: Relais-Test/1.0\r\n\r\nsubject: not a header\r\n",
]

SEARCH_KEYS = [
    "ALL", "SUBJECT ort", "SUBJECT QUARTER", "SUBJECT \"\"", "SUBJECT \"re: caf\"", "SUBJECT \"and more\"",
    "FROM ana", "FROM example.com", "FROM \"p\"", "FROM \"<ana@\"", "TO bob", "TO carol", "CC dave",
    "BCC secret", "BCC \"\"", "HEADER X-Extra \"\"", "HEADER X-Mailer relais", "HEADER From a@example.c",
    "HEADER MESSAGE-ID q1@", "HEADER Received \"\"", "TEXT quarterly", "BODY quarterly", "BODY report",
    "TEXT x-mailer", "BODY \"figures are\"", "BODY igure", "BODY downstairs", "BODY \"subject:\"",
    "TEXT \"bob,\"", "SENTON 7-Feb-1994", "SENTON 8-Feb-1994", "SENTBEFORE 8-Feb-1994",
    "SENTSINCE 8-Feb-1994", "NOT SENTSINCE 8-Feb-1994", "SENTON 9-Feb-1994", "SENTBEFORE 2-Jan-1970",
    "SENTON 1-Jan-1970", "BEFORE 1-Jan-2000", "SINCE 1-Jan-2000", "SUBJECT cafe", "BODY CAFE", "TEXT \"caf\"", "LARGER 250", "SMALLER 250",
    "OR SUBJECT lunch FROM eve", "NOT BODY the", "SEEN", "UNSEEN", "KEYWORD $label", "UNKEYWORD $label",
    "FLAGGED", "1:3 NOT 2", "UID 2:*",
]

# Non-ASCII strings, sent as UTF-8 literals with CHARSET UTF-8.
SEARCH_UTF8_KEYS = [
    ("SUBJECT", "café"), ("SUBJECT", "CAFÉ"), ("SUBJECT", "résumé"), ("FROM", "pérez"),
    ("FROM", "françois"), ("BODY", "café"), ("TEXT", "PÉREZ"), ("HEADER Subject", "RÉSUMÉ AND"),
]


def fill_search(c):
    c.select_folder("INBOX")
    for raw in SEARCH_CORPUS:
        c.append("INBOX", raw.encode())
    ids = sorted(c.search("ALL"))
    c.add_flags(ids[:2], [b"\\Seen"])
    c.add_flags(ids[1:2], [b"$label"])
    c.add_flags(ids[4:5], [b"\\Flagged"])


def test_search_matches_dovecot(relais_imap, dovecot_imap):
    """Every SEARCH key on the same messages: the same sequence numbers from both servers."""
    answers = []
    for c in (relais_imap, dovecot_imap):
        fill_search(c)
        got = {key: sorted(c.search(key)) for key in SEARCH_KEYS}
        for key, text in SEARCH_UTF8_KEYS:
            got[f"{key} {text}"] = sorted(c.search(key.split() + [text], charset="UTF-8"))
        answers.append(got)
    diffs = {k: (answers[0][k], answers[1][k]) for k in answers[0] if answers[0][k] != answers[1][k]}
    assert not diffs, "\n".join(f"{k}: relais {a} dovecot {b}" for k, (a, b) in diffs.items())


@pytest.mark.parametrize("criteria", [["DATE"], ["REVERSE", "DATE"], ["SIZE"], ["TO"], ["CC", "SUBJECT"], ["REVERSE", "SIZE"]])
def test_search_corpus_sort_matches_dovecot(relais_imap, dovecot_imap, criteria):
    """SORT (RFC 5256 §3) by sent date (internal date when none), size and addresses, with a search."""
    answers = []
    for c in (relais_imap, dovecot_imap):
        fill_search(c)
        answers.append((c.sort(criteria), c.sort(criteria, ["NOT", "SUBJECT", "lunch"])))
    assert answers[0] == answers[1], f"relais: {answers[0]}\ndovecot: {answers[1]}"


# --- \Recent, CONDSTORE and binary parts (issue 12 items 1, 5, 7), raw lines compared ----------

def raw_session(server):
    """A second IMAPClient on the same server, logged in as the same user."""
    host, port, ssl_on = server
    c = IMAPClient(host, port=port, ssl=ssl_on, ssl_context=insecure() if ssl_on else None, timeout=20)
    return c


def where(c):
    """(host, port, ssl) of an IMAPClient, to open another session like it."""
    return c.host, c.port, c.ssl


def login_like(c, user, password):
    other = raw_session(where(c))
    other.login(user, password)
    return other


def untagged(c, *command):
    """The untagged responses to a raw command, as imaplib collects them, and its status."""
    raw = c._imap
    raw.untagged_responses.clear()
    typ, _ = raw._simple_command(*command)
    got = {k: list(v) for k, v in raw.untagged_responses.items()}
    raw.untagged_responses.clear()
    return typ, got


def recent_story(c, second):
    """Two sessions: what each is told of \\Recent, step by step."""
    c.select_folder("INBOX")
    for subject in ("one", "two"):
        c.append("INBOX", f"Subject: {subject}\r\n\r\nhi\r\n".encode())
    c.unselect_folder()
    story = [c.folder_status("INBOX", ["MESSAGES", "RECENT"])]
    story.append(c.select_folder("INBOX").get(b"RECENT"))
    story.append(c.fetch(c.search("ALL"), ["FLAGS"]))
    story.append([c.search(k) for k in ("RECENT", "NEW", "OLD")])
    story.append(second.select_folder("INBOX").get(b"RECENT"))
    story.append(second.fetch(second.search("ALL"), ["FLAGS"]))
    story.append(second.search("OLD"))
    c.append("INBOX", b"Subject: three\r\n\r\nhi\r\n")
    story.append(sorted(c.noop()[1]))
    story.append(sorted(second.noop()[1]))
    story.append(c.fetch([3], ["FLAGS"]))
    story.append(second.fetch([3], ["FLAGS"]))
    story.append(second.select_folder("INBOX", readonly=True).get(b"RECENT"))
    return story


def test_recent_matches_dovecot(relais_imap, dovecot_imap, relais_second, dovecot_second):
    """RFC 3501 §2.3.2: one session sees each message as \\Recent; SELECT, EXAMINE, STATUS,
    FETCH FLAGS, SEARCH RECENT/NEW/OLD and the untagged RECENT after new mail agree."""
    ours = recent_story(relais_imap, relais_second)
    theirs = recent_story(dovecot_imap, dovecot_second)
    assert ours == theirs, f"relais:  {ours}\ndovecot: {theirs}"


def condstore_story(c, second):
    c.select_folder("INBOX")
    for subject in ("one", "two"):
        c.append("INBOX", f"Subject: {subject}\r\n\r\nhi\r\n".encode())
    base = c.fetch(c.search("ALL"), ["UID"])  # not enabling
    story = []
    typ, got = untagged(c, "FETCH", "1", "(MODSEQ)")
    story.append((typ, sorted(k for k in got), [bool(v) for v in got.get("OK", [])]))
    typ, got = untagged(c, "FETCH", "2", "(MODSEQ)")
    story.append((typ, sorted(got)))
    typ, got = untagged(c, "STORE", "1", "+FLAGS", "(\\Flagged)")
    story.append((typ, [b"MODSEQ" in line for line in got.get("FETCH", [])]))
    second.select_folder("INBOX")
    typ, got = untagged(second, "SEARCH", "MODSEQ", "1")
    story.append((typ, sorted(got), [b"HIGHESTMODSEQ" in (v or b"") for v in got.get("OK", [])]))
    second.add_flags([2], [b"\\Seen"])
    modseqs = {k: v[b"MODSEQ"][0] for k, v in second.fetch(second.search("ALL"), ["MODSEQ"]).items()}
    for options in ("MIN", "MAX", "ALL", "MIN COUNT"):
        typ, got = untagged(second, "UID", "SEARCH", "RETURN", f"({options})", "MODSEQ", "1")
        line = got["ESEARCH"][0]
        reported = int(line.rsplit(b"MODSEQ ", 1)[1])
        story.append((options, [k for k, v in sorted(modseqs.items()) if v == reported]))
    story.append(len(base))
    return story


def test_condstore_enabling_matches_dovecot(relais_imap, dovecot_imap, relais_second, dovecot_second):
    """RFC 7162 §3.1: FETCH MODSEQ and SEARCH MODSEQ enable CONDSTORE (one * OK [HIGHESTMODSEQ]),
    then a STORE's FETCH carries MODSEQ; ESEARCH MIN/MAX report those messages' MODSEQ."""
    ours = condstore_story(relais_imap, relais_second)
    theirs = condstore_story(dovecot_imap, dovecot_second)
    assert ours == theirs, f"relais:  {ours}\ndovecot: {theirs}"


BINARY_MESSAGE = (
    b"From: a@example.org\r\nSubject: bin\r\nMIME-Version: 1.0\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
    b"--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n"
    b"--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
    + bytes(range(256)) + b"\r\n--b--\r\n"
)


def binary_story(c):
    """A literal8 APPEND with a binary part, then what FETCH says of it (raw bytes)."""
    c.select_folder("INBOX")
    raw = c._imap
    tag = raw._new_tag()
    raw.send(tag + b" APPEND INBOX ~{%d}\r\n" % len(BINARY_MESSAGE))
    assert raw._get_line().startswith(b"+")
    raw.send(BINARY_MESSAGE + b"\r\n")
    while not (line := raw._get_line()).startswith(tag):
        pass
    assert line.split()[1] == b"OK", line
    uid = max(c.search("ALL"))
    got = c.fetch([uid], ["BODYSTRUCTURE", "RFC822.SIZE", "BODY.PEEK[2]", "BINARY.PEEK[2]", "BODY.PEEK[]"])[uid]
    got.pop(b"SEQ", None)
    got[b"BODYSTRUCTURE"] = norm(got[b"BODYSTRUCTURE"])
    return got


def test_binary_part_matches_dovecot(relais_imap, dovecot_imap):
    """RFC 3516 §4.4 with RFC 3501 §4.3: a binary part APPENDed as literal8 is stored base64
    (BODY[2], BODY[] and BODYSTRUCTURE say so, no NUL in a {n} literal), BINARY[2] gives the
    octets back."""
    ours, theirs = binary_story(relais_imap), binary_story(dovecot_imap)
    assert ours == theirs, f"relais:  {ours}\ndovecot: {theirs}"
    # imapclient does not parse literal8: BINARY[2] reads as the `~{256}` announcement, on both.
    assert b"\0" not in ours[b"BODY[2]"] and b"\0" not in ours[b"BODY[]"]
    assert ours[b"BINARY[2]"].startswith(b"~{256}")


@pytest.fixture
def relais_second(relais_imap):
    c = login_like(relais_imap, USER, PASSWORD)
    yield c
    c.logout()


@pytest.fixture
def dovecot_second(dovecot_imap):
    c = login_like(dovecot_imap, "diff", DovecotPeer.password)
    yield c
    c.logout()
