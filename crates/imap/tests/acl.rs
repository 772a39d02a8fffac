//! IMAP ACL (RFC 4314) and the Other Users namespace (RFC 2342), as transcripts over a real
//! socket against `relais_imap::serve`: alice shares a mailbox with bob, bob finds it under
//! `Other Users/alice@example.test/`, may do what he was granted and gets NO [NOPERM] for the
//! rest, and each one's IDLE wakes for the other's APPEND into the shared mailbox.

mod common;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::watch;

const ALICE: &str = "alice@example.test";
const BOB: &str = "bob@example.test";
const SHARED: &str = "\"Other Users/alice@example.test/Team\"";

struct Client {
    stream: BufReader<TcpStream>,
}

impl Client {
    async fn login(addr: std::net::SocketAddr, user: &str) -> Client {
        let mut c = Client { stream: BufReader::new(TcpStream::connect(addr).await.expect("connect")) };
        let greeting = c.line().await.expect("greeting");
        assert!(greeting.starts_with("* OK"), "{greeting}");
        c.ok(&format!("LOGIN {user} pw")).await;
        c
    }

    async fn line(&mut self) -> Option<String> {
        common::line(&mut self.stream).await
    }

    async fn send(&mut self, text: &str) {
        self.stream.get_mut().write_all(text.as_bytes()).await.expect("write");
    }

    /// Everything up to and including the tagged answer to `command`, sent with tag `t`.
    async fn run(&mut self, command: &str) -> Vec<String> {
        self.send(&format!("t {command}\r\n")).await;
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

    /// Runs `command` and expects a tagged `answer` (e.g. `OK`, `NO [NOPERM]`).
    async fn expect(&mut self, command: &str, answer: &str) -> Vec<String> {
        let lines = self.run(command).await;
        let last = lines.last().cloned().unwrap_or_default();
        assert!(last.starts_with(&format!("t {answer}")), "{command}: wanted {answer}, got {lines:?}");
        lines
    }

    async fn ok(&mut self, command: &str) -> Vec<String> {
        self.expect(command, "OK").await
    }

    async fn append(&mut self, mailbox: &str, answer: &str) {
        let message = "Subject: hi\r\n\r\nhello\r\n";
        self.expect(&format!("APPEND {mailbox} {{{}+}}\r\n{message}", message.len()), answer).await;
    }
}

async fn server() -> (relais_testkit::backends::Fresh, std::net::SocketAddr, watch::Sender<bool>) {
    common::server(&[(ALICE, "Alice", "pw"), (BOB, "Bob", "pw"), ("carol@example.test", "Carol", "pw")]).await
}

fn has(lines: &[String], wanted: &str) -> bool {
    lines.iter().any(|l| l.trim_end() == wanted)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_and_refusals() {
    let (_fresh, addr, _shutdown) = server().await;
    let mut alice = Client::login(addr, ALICE).await;
    let caps = alice.ok("CAPABILITY").await;
    assert!(caps[0].contains(" ACL ") && caps[0].contains(" RIGHTS=texk"), "{caps:?}");
    let ns = alice.ok("NAMESPACE").await;
    assert!(has(&ns, "* NAMESPACE ((\"\" \"/\")) ((\"Other Users/\" \"/\")) NIL"), "{ns:?}");
    alice.ok("CREATE Team/Sub").await;
    alice.append("Team", "OK").await;

    // Bad input: a letter that is no right, nobody, the owner, "anyone".
    alice.expect("SETACL Team bob@example.test lrz", "BAD").await;
    alice.expect("SETACL Team nobody@example.test lr", "NO").await;
    alice.expect("SETACL Team alice@example.test lr", "NO [CANNOT]").await;
    alice.expect("SETACL Team anyone lr", "NO [CANNOT]").await;
    alice.expect("GETACL Nowhere", "NO [NONEXISTENT]").await;

    alice.ok("SETACL Team bob@example.test lr").await;
    let acl = alice.ok("GETACL Team").await;
    assert!(has(&acl, "* ACL Team alice@example.test lrswipkxtea bob@example.test lr"), "{acl:?}");
    let lr = alice.ok("LISTRIGHTS Team bob@example.test").await;
    assert!(has(&lr, "* LISTRIGHTS Team bob@example.test \"\" l r s w i p k x t e a"), "{lr:?}");

    let mut bob = Client::login(addr, BOB).await;
    let list = bob.ok("LIST \"\" *").await;
    assert!(has(&list, "* LIST (\\Noselect \\HasChildren) \"/\" \"Other Users\""), "{list:?}");
    assert!(has(&list, "* LIST (\\Noselect \\HasChildren) \"/\" \"Other Users/alice@example.test\""), "{list:?}");
    assert!(has(&list, "* LIST (\\HasNoChildren) \"/\" \"Other Users/alice@example.test/Team\""), "{list:?}");
    assert!(!list.iter().any(|l| l.contains("Team/Sub") || l.contains("alice@example.test/INBOX")), "{list:?}");
    let top = bob.ok("LIST \"\" %").await;
    assert!(has(&top, "* LIST (\\Noselect \\HasChildren) \"/\" \"Other Users\""), "{top:?}");
    let mine = bob.ok(&format!("MYRIGHTS {SHARED}")).await;
    assert!(has(&mine, &format!("* MYRIGHTS {SHARED} lr")), "{mine:?}");
    bob.ok(&format!("STATUS {SHARED} (MESSAGES)")).await;

    // Read-only: no flags, no expunge, no append, no ACL, no delete, no create under it.
    let select = bob.expect(&format!("SELECT {SHARED}"), "OK [READ-ONLY]").await;
    assert!(has(&select, "* 1 EXISTS"), "{select:?}");
    bob.ok("FETCH 1 BODY[]").await;
    let flags = bob.ok("FETCH 1 FLAGS").await;
    // No \Seen without s; \Recent because no session claimed the message (a read-only
    // SELECT looks like EXAMINE and claims none, RFC 3501 §2.3.2).
    assert!(has(&flags, "* 1 FETCH (FLAGS (\\Recent))"), "no \\Seen without s: {flags:?}");
    bob.expect("STORE 1 +FLAGS (\\Seen)", "NO").await;
    bob.expect("EXPUNGE", "NO").await;
    bob.append(SHARED, "NO [NOPERM]").await;
    bob.expect(&format!("GETACL {SHARED}"), "NO [NOPERM]").await;
    bob.expect(&format!("SETACL {SHARED} bob@example.test lrswipkxtea"), "NO [NOPERM]").await;
    bob.expect(&format!("DELETE {SHARED}"), "NO [NOPERM]").await;
    bob.expect("CREATE \"Other Users/alice@example.test/Team/Mine\"", "NO [NOPERM]").await;
    bob.expect("CREATE \"Other Users/alice@example.test/Top\"", "NO [NOPERM]").await;
    bob.expect("RENAME \"Other Users/alice@example.test/Team\" Stolen", "NO [NOPERM]").await;
    bob.ok("COPY 1 INBOX").await;
    bob.expect("MOVE 1 INBOX", "NO").await;
    // Not shared at all: as if it did not exist.
    bob.expect("SELECT \"Other Users/alice@example.test/INBOX\"", "NO [NONEXISTENT]").await;
    bob.expect("SELECT \"Other Users/alice@example.test/Team/Sub\"", "NO [NONEXISTENT]").await;

    // More rights, granted with +: \Seen (s) now, \Deleted (t) still not; nothing half done.
    alice.ok("SETACL Team bob@example.test +sik").await;
    bob.expect(&format!("SELECT {SHARED}"), "OK [READ-WRITE]").await;
    bob.ok("STORE 1 +FLAGS (\\Seen)").await;
    bob.expect("STORE 1 +FLAGS (\\Seen \\Deleted)", "NO [NOPERM]").await;
    bob.expect("STORE 1 FLAGS (\\Flagged)", "NO [NOPERM]").await;
    let flags = bob.ok("FETCH 1 FLAGS").await;
    // \Recent: this read-write SELECT is the first to claim the message (RFC 3501 §2.3.2).
    assert!(has(&flags, "* 1 FETCH (FLAGS (\\Seen \\Recent))"), "{flags:?}");
    bob.expect("EXPUNGE", "NO [NOPERM]").await;
    bob.append(SHARED, "OK").await;
    bob.ok("CREATE \"Other Users/alice@example.test/Team/Bobs\"").await;
    let theirs = alice.ok("LIST \"\" Team/*").await;
    assert!(has(&theirs, "* LIST (\\HasNoChildren) \"/\" Team/Bobs"), "created in alice's account: {theirs:?}");
    let acl = alice.ok("GETACL Team/Bobs").await;
    assert!(has(&acl, "* ACL Team/Bobs alice@example.test lrswipkxtea bob@example.test lrsik"), "{acl:?}");

    // Subscriptions to a shared mailbox are bob's own.
    bob.ok(&format!("SUBSCRIBE {SHARED}")).await;
    let lsub = bob.ok("LSUB \"\" *").await;
    assert!(has(&lsub, &format!("* LSUB () \"/\" {SHARED}")), "{lsub:?}");

    // -rights and DELETEACL.
    alice.ok("SETACL Team bob@example.test -l").await;
    let list = bob.ok("LIST \"\" *").await;
    // Without l, Team shows only as the \\Noselect level above the mailbox bob created in it.
    assert!(has(&list, "* LIST (\\Noselect \\HasChildren) \"/\" \"Other Users/alice@example.test/Team\""), "{list:?}");
    bob.ok(&format!("STATUS {SHARED} (MESSAGES)")).await;
    alice.ok("DELETEACL Team bob@example.test").await;
    bob.expect(&format!("STATUS {SHARED} (MESSAGES)"), "NO [NONEXISTENT]").await;
    let acl = alice.ok("GETACL Team").await;
    assert!(has(&acl, "* ACL Team alice@example.test lrswipkxtea"), "{acl:?}");
}

/// Reads lines until one equals `wanted` (10 s at most per line).
async fn wait_for(c: &mut Client, wanted: &str) {
    let mut seen = Vec::new();
    while let Some(l) = c.line().await {
        if l.trim_end() == wanted {
            return;
        }
        seen.push(l);
    }
    panic!("never got {wanted:?}: {seen:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_follows_the_owner_of_a_shared_mailbox() {
    let (_fresh, addr, _shutdown) = server().await;
    let mut alice = Client::login(addr, ALICE).await;
    alice.ok("CREATE Team").await;
    alice.ok("SETACL Team bob@example.test lrsi").await;
    let mut bob = Client::login(addr, BOB).await;

    // bob's APPEND into alice's mailbox wakes alice's IDLE on it.
    alice.ok("SELECT Team").await;
    alice.send("i IDLE\r\n").await;
    assert!(alice.line().await.is_some_and(|l| l.starts_with('+')));
    bob.append(SHARED, "OK").await;
    wait_for(&mut alice, "* 1 EXISTS").await;
    alice.send("DONE\r\n").await;
    wait_for(&mut alice, "i OK IDLE terminated").await;

    // And bob, idling in the shared mailbox, hears of alice's APPEND (a commit on her account).
    bob.ok(&format!("SELECT {SHARED}")).await;
    bob.send("i IDLE\r\n").await;
    assert!(bob.line().await.is_some_and(|l| l.starts_with('+')));
    alice.append("Team", "OK").await;
    wait_for(&mut bob, "* 2 EXISTS").await;
    bob.send("DONE\r\n").await;
    wait_for(&mut bob, "i OK IDLE terminated").await;
    // CONDSTORE keeps working on the shared mailbox: MODSEQ comes from alice's account.
    let fetch = bob.ok("FETCH 1:* (MODSEQ)").await;
    assert!(fetch.iter().filter(|l| l.contains("MODSEQ (")).count() == 2, "{fetch:?}");
}
