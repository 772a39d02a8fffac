//! Issue 10 as transcripts over a real socket: mailbox count and nesting limits (NO [LIMIT],
//! RFC 5530), folder listings that stay fast for a 10,000-mailbox account, mailbox names a
//! client could be fooled by (control characters, a fake Other Users namespace), ENVELOPE
//! without raw 8-bit for a client that did not enable UTF-8, and sessions that lose what was
//! revoked (rights on the selected mailbox, the credential they logged in with).

mod common;

use std::time::{Duration, Instant};

use relais_directory::{AuthConfig, Directory};
use relais_store::{CollectionKind, NewCollection};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";

struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn login(addr: std::net::SocketAddr, user: &str, password: &str) -> Client {
        let mut c = Client { stream: BufReader::new(TcpStream::connect(addr).await.expect("connect")) };
        let greeting = c.line().await.expect("greeting");
        assert!(greeting.starts_with("* OK"), "{greeting}");
        c.ok(&format!("LOGIN {user} {password}")).await;
        c
    }

    async fn line(&mut self) -> Option<String> {
        common::line(&mut self.stream).await
    }

    /// Everything up to and including the tagged answer (or the server closing).
    async fn run(&mut self, command: &str) -> Vec<String> {
        self.stream.get_mut().write_all(format!("t {command}\r\n").as_bytes()).await.expect("write");
        let mut lines = Vec::new();
        while let Some(l) = self.line().await {
            let done = l.starts_with("t ");
            lines.push(l);
            if done {
                break;
            }
        }
        lines
    }

    async fn expect(&mut self, command: &str, answer: &str) -> Vec<String> {
        let lines = self.run(command).await;
        let last = lines.last().cloned().unwrap_or_default();
        assert!(last.starts_with(&format!("t {answer}")), "{command}: wanted {answer}, got {lines:?}");
        lines
    }

    async fn ok(&mut self, command: &str) -> Vec<String> {
        self.expect(command, "OK").await
    }

    /// Sends `command` and expects an untagged BYE and the connection closed, no tagged answer.
    async fn ended(&mut self, command: &str) {
        let lines = self.run(command).await;
        assert!(lines.iter().any(|l| l.starts_with("* BYE")), "{command}: {lines:?}");
        assert!(!lines.iter().any(|l| l.starts_with("t OK")), "{command} ran: {lines:?}");
        let mut rest = Vec::new();
        let n = tokio::time::timeout(Duration::from_secs(5), self.stream.read_to_end(&mut rest)).await;
        assert!(matches!(n, Ok(Ok(_))), "connection closed after BYE");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mailbox_names() {
    let (_fresh, addr, _shutdown) = common::server(&[(ALICE, "Alice", "pw")]).await;
    let mut alice = Client::login(addr, ALICE, "pw").await;
    // Control characters, raw or in modified UTF-7 (&AAA- is NUL, &AB8- is U+001F).
    for name in ["a&AAA-b", "a&AB8-b", "Work/x&AAA-"] {
        alice.expect(&format!("CREATE \"{name}\""), "NO [CANNOT]").await;
    }
    // A personal folder passing for the shared namespace, in any case or spacing.
    for name in ["Other Users/bob@example.test/Fake", "other users/x", "OTHER USERS", "Other Users /x"] {
        alice.expect(&format!("CREATE \"{name}\""), "NO").await;
    }
    alice.ok("CREATE Work").await;
    alice.expect("RENAME Work \"other users/bob@example.test\"", "NO").await;
    alice.expect("RENAME Work \"a&AAA-b\"", "NO [CANNOT]").await;
    let list = alice.ok("LIST \"\" *").await;
    assert!(!list.iter().any(|l| l.to_ascii_lowercase().contains("other users") || l.contains("&AAA")), "{list:?}");
    // Nesting: 64 levels, not 65 (never truncated into a name that collides).
    let deep = |n: usize| (0..n).map(|i| format!("d{i}")).collect::<Vec<_>>().join("/");
    alice.ok(&format!("CREATE \"{}\"", deep(64))).await;
    alice.expect(&format!("CREATE \"{}\"", deep(65)), "NO [LIMIT]").await;
    alice.expect(&format!("CREATE \"{}\"", deep(2_000)), "NO [LIMIT]").await;
    alice.expect("RENAME d0 \"Work/d0\"", "NO [LIMIT]").await;
    let list = alice.ok("LIST \"\" *").await;
    assert_eq!(list.iter().filter(|l| l.contains("\"/\" d0")).count(), 64, "{list:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_mailboxes() {
    let (fresh, addr, _shutdown) = common::server(&[(ALICE, "Alice", "pw"), (BOB, "Bob", "pw")]).await;
    let directory = Directory::new(fresh.store.clone(), AuthConfig::default());
    let me = directory.principal(ALICE).await.expect("read").expect("alice").id;
    let filled = Instant::now();
    let limit = fresh.store.config().limits.max_collections;
    fresh
        .store
        .write(move |tx| {
            let have = tx.read().collections(me, CollectionKind::Mailbox)?.len();
            let mb = |name: String, parent| NewCollection { kind: CollectionKind::Mailbox, name, parent, role: None };
            let mut made = have;
            'top: for i in 0.. {
                let parent = tx.create_collection(me, mb(format!("Folder {i}"), None))?.id;
                made += 1;
                for j in 0..99 {
                    if made == limit {
                        break 'top;
                    }
                    let child = tx.create_collection(me, mb(format!("Sub {j}"), Some(parent)))?.id;
                    made += 1;
                    if j % 10 == 0 && made < limit {
                        tx.create_collection(me, mb("Deeper".into(), Some(child)))?;
                        made += 1;
                    }
                }
                if made == limit {
                    break;
                }
            }
            Ok(())
        })
        .await
        .expect("fill");
    println!("filled {limit} mailboxes in {:?}", filled.elapsed());
    // And a stranger shares 2,000 mailboxes with her: one query, not one per grant.
    let bob = directory.principal(BOB).await.expect("read").expect("bob").id;
    fresh
        .store
        .write(move |tx| {
            for i in 0..2_000 {
                let name = format!("Spam {i}");
                let c = tx.create_collection(
                    bob,
                    NewCollection { kind: CollectionKind::Mailbox, name, parent: None, role: None },
                )?;
                tx.set_grant(c.id, me, relais_store::share_rights::READ)?;
            }
            Ok(())
        })
        .await
        .expect("share");
    let mut alice = Client::login(addr, ALICE, "pw").await;
    for command in
        ["SELECT INBOX", "LIST \"\" *", "SELECT \"Folder 50/Sub 40/Deeper\"", "STATUS \"Folder 3\" (MESSAGES)"]
    {
        let started = Instant::now();
        let lines = alice.ok(command).await;
        let took = started.elapsed();
        println!("{command}: {took:?} ({} lines)", lines.len());
        assert!(took < Duration::from_secs(1), "{command} took {took:?}");
    }
    // The account is at the limit: one more is refused with LIMIT (RFC 5530 §3).
    alice.expect("CREATE Another", "NO [LIMIT]").await;
    alice.expect("CREATE \"Folder 1/Another\"", "NO [LIMIT]").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelope_without_utf8() {
    let (_fresh, addr, _shutdown) = common::server(&[(ALICE, "Alice", "pw")]).await;
    let mut alice = Client::login(addr, ALICE, "pw").await;
    let message = "From: Jürgen Groß <j@example.test>\r\nTo: alice@example.test\r\nSubject: Grüße aus Köln\r\n\
         Content-Type: text/plain; charset=utf-8; name=\"Bücher.txt\"\r\n\r\nhi\r\n";
    alice.ok(&format!("APPEND INBOX {{{}+}}\r\n{message}", message.len())).await;
    alice.ok("SELECT INBOX").await;
    let lines = alice.ok("FETCH 1 ENVELOPE").await;
    let all = lines.concat();
    assert!(all.is_ascii(), "raw 8-bit without UTF8=ACCEPT: {all:?}");
    assert!(all.contains("=?UTF-8?B?"), "{all:?}");
    // With UTF8=ACCEPT, the text as it is.
    let mut utf8 = Client::login(addr, ALICE, "pw").await;
    utf8.ok("ENABLE UTF8=ACCEPT").await;
    utf8.ok("SELECT INBOX").await;
    let lines = utf8.ok("FETCH 1 ENVELOPE").await;
    assert!(lines.concat().contains("Grüße aus Köln"), "{lines:?}");
}

/// Rights are read again once the owner changes them: fewer rights refuse the next command,
/// and without `r` every command on the selected mailbox is refused, nothing about it is
/// sent any more, and the session goes on with other mailboxes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_rights_end_access() {
    let (_fresh, addr, _shutdown) = common::server(&[(ALICE, "Alice", "pw"), (BOB, "Bob", "pw")]).await;
    let shared = "\"Other Users/alice@example.test/Team\"";
    let mut alice = Client::login(addr, ALICE, "pw").await;
    alice.ok("CREATE Team").await;
    let message = "Subject: hi\r\n\r\nhello\r\n";
    let append = format!("APPEND Team {{{}+}}\r\n{message}", message.len());
    alice.ok(&append).await;
    alice.ok(&append).await;
    alice.ok("SETACL Team bob@example.test lrswite").await;

    let mut bob = Client::login(addr, BOB, "pw").await;
    bob.expect(&format!("SELECT {shared}"), "OK [READ-WRITE]").await;
    bob.ok("STORE 1 +FLAGS (\\Flagged)").await;
    // w, t and e taken away: flags, deletion and expunge are refused from the next command on.
    alice.ok("SETACL Team bob@example.test lrs").await;
    bob.expect("STORE 1 +FLAGS (\\Answered)", "NO").await;
    bob.expect("STORE 2 +FLAGS (\\Deleted)", "NO").await;
    bob.expect("EXPUNGE", "NO").await;
    bob.ok("FETCH 1 BODY[]").await;
    // r gone, l kept: NOPERM for every command on the mailbox, and no news about it.
    alice.ok("SETACL Team bob@example.test l").await;
    alice.ok(&append).await;
    for command in ["FETCH 1 BODY[]", "UID FETCH 1:* FLAGS", "SEARCH ALL", "COPY 1 INBOX", "STORE 1 +FLAGS (\\Seen)"] {
        let lines = bob.expect(command, "NO [NOPERM]").await;
        assert_eq!(lines.len(), 1, "{command}: {lines:?}");
    }
    let noop = bob.ok("NOOP").await;
    assert_eq!(noop.len(), 1, "no EXISTS after r was revoked: {noop:?}");
    // Every right gone: as if the mailbox did not exist.
    alice.ok("DELETEACL Team bob@example.test").await;
    bob.expect("FETCH 1 BODY[]", "NO [NONEXISTENT]").await;
    bob.expect(&format!("STATUS {shared} (MESSAGES)"), "NO [NONEXISTENT]").await;
    // The session itself goes on.
    bob.ok("CLOSE").await;
    let inbox = bob.ok("SELECT INBOX").await;
    assert!(inbox.iter().any(|l| l.starts_with("* 0 EXISTS")), "nothing was copied: {inbox:?}");

    // Changes that leave `r` (and one's own read-only view) change nothing.
    alice.ok("SETACL Team bob@example.test lr").await;
    bob.ok(&format!("EXAMINE {shared}")).await;
    let mut own = Client::login(addr, ALICE, "pw").await;
    own.ok("EXAMINE Team").await;
    alice.ok(&append).await;
    let noop = own.ok("NOOP").await;
    assert!(noop.iter().any(|l| l.starts_with("* 4 EXISTS")), "{noop:?}");
    let noop = bob.ok("NOOP").await;
    assert!(noop.iter().any(|l| l.starts_with("* 4 EXISTS")), "{noop:?}");
    // In IDLE, a revocation sends nothing about the mailbox.
    bob.stream.get_mut().write_all(b"i IDLE\r\n").await.expect("write");
    assert!(bob.line().await.expect("continuation").starts_with('+'));
    alice.ok("DELETEACL Team bob@example.test").await;
    alice.ok(&append).await;
    bob.stream.get_mut().write_all(b"DONE\r\n").await.expect("write");
    let done = bob.line().await.expect("IDLE answer");
    assert!(done.starts_with("i OK"), "nothing but the tagged answer: {done:?}");
    bob.expect("FETCH 1 FLAGS", "NO [NONEXISTENT]").await;
}

/// A session ends at its next command once its credentials are revoked or changed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_credentials_end_sessions() {
    let (fresh, addr, _shutdown) = common::server(&[(ALICE, "Alice", "pw"), (BOB, "Bob", "pw")]).await;
    let directory = Directory::new(fresh.store.clone(), AuthConfig::default());
    let phone = directory.add_app_password(BOB, "phone").await.expect("app password");
    let mut by_app = Client::login(addr, BOB, &phone).await;
    by_app.ok("SELECT INBOX").await;
    let mut alice = Client::login(addr, ALICE, "pw").await;
    // Someone else's change, or a new app password, ends nothing.
    directory.add_app_password(ALICE, "laptop").await.expect("app password");
    directory.add_app_password(BOB, "tablet").await.expect("app password");
    by_app.ok("NOOP").await;
    alice.ok("NOOP").await;
    directory.revoke_app_password(BOB, "phone").await.expect("revoke");
    by_app.ended("FETCH 1:* FLAGS").await;
    alice.ok("NOOP").await;
    let mut refused = Client { stream: BufReader::new(TcpStream::connect(addr).await.expect("connect")) };
    refused.line().await.expect("greeting");
    refused.expect(&format!("LOGIN {BOB} {phone}"), "NO").await;

    // A password change ends the sessions that logged in with the old one.
    let mut by_password = Client::login(addr, BOB, "pw").await;
    by_password.ok("LIST \"\" *").await;
    directory.set_password(BOB, "new password").await.expect("password");
    by_password.ended("LIST \"\" *").await;
    // In IDLE too: the change wakes it and ends it.
    let mut idling = Client::login(addr, BOB, "\"new password\"").await;
    idling.ok("SELECT INBOX").await;
    idling.stream.get_mut().write_all(b"i IDLE\r\n").await.expect("write");
    assert!(idling.line().await.expect("continuation").starts_with('+'));
    directory.set_password(BOB, "newer").await.expect("password");
    let mut lines = Vec::new();
    while let Some(l) = idling.line().await {
        lines.push(l);
    }
    assert!(lines.iter().any(|l| l.starts_with("* BYE")), "{lines:?}");
    Client::login(addr, BOB, "newer").await.ok("NOOP").await;
}

/// A single mailbox is found by walking its levels (not by listing the account): every name
/// LIST shows is found so, and no other spelling is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_mailbox_lookup_matches_list() {
    let (_fresh, addr, _shutdown) = common::server(&[(ALICE, "Alice", "pw"), (BOB, "Bob", "pw")]).await;
    let mut alice = Client::login(addr, ALICE, "pw").await;
    for name in ["Work/Sub/Deep", "INBOX/Child", "Team", "Caf&AOk-/x"] {
        alice.ok(&format!("CREATE \"{name}\"")).await;
    }
    for name in ["Team", "Work/Sub", "INBOX/Child", "INBOX"] {
        alice.ok(&format!("SETACL \"{name}\" bob@example.test lr")).await;
    }
    // (own, shared) selectable names: six made at provisioning, seven by alice, four shared.
    for (user, own, shared) in [(ALICE, 13, 0), (BOB, 6, 4)] {
        let mut c = Client::login(addr, user, "pw").await;
        let list = c.ok("LIST \"\" *").await;
        let names: Vec<String> = list
            .iter()
            .filter(|l| l.starts_with("* LIST") && !l.contains("\\Noselect"))
            .filter_map(|l| l.split("\"/\" ").nth(1).map(|n| n.trim_end().to_owned()))
            .collect();
        let theirs = names.iter().filter(|n| n.contains("Other Users")).count();
        assert_eq!((names.len() - theirs, theirs), (own, shared), "{names:?}");
        for name in &names {
            c.ok(&format!("STATUS {name} (MESSAGES)")).await;
            c.ok(&format!("EXAMINE {name}")).await;
        }
    }
    let mut bob = Client::login(addr, BOB, "pw").await;
    for name in [
        "\"Other Users/alice@example.test/Work\"",
        "\"Other Users/alice@example.test/Work/Sub/Deep\"",
        "\"Other Users/ALICE@example.test/Team\"",
        "\"other users/alice@example.test/Team\"",
        "\"Other Users/alice@example.test/inbox\"",
        "\"Other Users/alice@example.test\"",
        "\"Other Users/alice\"",
        "\"Other Users/bob@example.test/INBOX\"",
        "\"Other Users/nobody@example.test/INBOX\"",
        "Work",
    ] {
        bob.expect(&format!("STATUS {name} (MESSAGES)"), "NO [NONEXISTENT]").await;
    }
    bob.ok("STATUS \"Other Users/alice@example.test/Team/\" (MESSAGES)").await;
    bob.ok("STATUS \"Other Users/alice@example.test/INBOX/\" (MESSAGES)").await;
    bob.ok("STATUS inbox (MESSAGES)").await;
}
