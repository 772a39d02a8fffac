"""imap-tools, another independent IMAP client library: reading, flags, moves and deletes."""

from imap_tools import AND, MailBox, MailMessageFlags

from test_imap import PASSWORD, USER, deliver, imap, insecure  # noqa: F401 (fixture)


def test_imap_tools_round_trip(imap):  # noqa: F811
    host, port = imap.addr("imaps")
    with MailBox(host, port, ssl_context=insecure()).login(USER, PASSWORD, initial_folder="INBOX") as mb:
        msgs = list(mb.fetch(mark_seen=False))
        assert [m.subject for m in msgs] == ["message 0", "message 1", "message 2"]
        assert msgs[0].from_ == "x@elsewhere.test" and msgs[1].text == "body number 1\r\n"
        assert not any(MailMessageFlags.SEEN in m.flags for m in msgs)
        mb.flag([msgs[0].uid], MailMessageFlags.FLAGGED, True)
        assert [m.subject for m in mb.fetch(AND(flagged=True), mark_seen=False)] == ["message 0"]
        mb.move([msgs[1].uid], "Archive")
        mb.delete([msgs[2].uid])
        assert [m.subject for m in mb.fetch(mark_seen=False)] == ["message 0"]
        folders = {f.name for f in mb.folder.list()}
        assert {"INBOX", "Archive", "Sent", "Trash"} <= folders
        mb.folder.set("Archive")
        assert [m.subject for m in mb.fetch(mark_seen=False)] == ["message 1"]
        deliver(imap, "late arrival")
        mb.folder.set("INBOX")
        assert [m.subject for m in mb.fetch(AND(subject="late"), mark_seen=False)] == ["late arrival"]
