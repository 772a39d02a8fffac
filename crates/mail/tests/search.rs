//! The search query evaluator (relais_mail::search) as a table, on both backends: each query
//! and the messages it must find.

use std::time::Duration;

use relais_directory::{AuthConfig, Directory};
use relais_mail::Mailer;
use relais_mail::mailbox::NewMessage;
use relais_mail::search::{AddressField, DateTest, Query, Scope, search};
use relais_store::{DataType, NewItem, PrincipalKind, Role};
use relais_testkit::backends::Fresh;
use relais_testkit::on_both_backends;

const MESSAGES: [&str; 5] = [
    // 1
    "From: \"Ana Pérez\" <ana@example.com>\r\nTo: bob@example.org, carol@example.net\r\n\
     Subject: Quarterly report\r\nDate: Mon, 7 Feb 1994 23:30:00 -0800\r\nX-Extra:\r\n\r\n\
     Hello Bob,\r\nthe figures are attached.\r\n",
    // 2
    "From: bob@example.org\r\nTo: ana@example.com\r\nCc: Dave <dave@example.com>\r\n\
     Subject: =?UTF-8?Q?Re:_caf=C3=A9_tomorrow?=\r\nDate: Tue, 8 Feb 1994 01:00:00 +0100\r\n\
     Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
     See you at the caf=C3=A9, \r\nreport later.\r\n",
    // 3
    "From: carol@example.net\r\nBcc: secret@example.com\r\nSubject: lunch\r\n\
     Content-Type: text/html\r\n\r\n<p>Meet <b>downstairs</b></p>\r\n",
    // 4: no Subject, no Date
    "From: eve@example.com\r\n\r\nA body that mentions Quarterly numbers.\r\n",
    // 5: a subject only in the body text
    "From: <frank@example.com>\r\nSubject: misc\r\nDate: 9 Feb 1994 12:00 +0000\r\n\r\nsubject: not a header\r\n",
];

/// Days since 1970-01-01, counted plainly, so the evaluator's own count is checked.
fn days(y: i64, m: u32, d: u32) -> i64 {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let years: i64 = (1970..y).map(|y| if leap(y) { 366 } else { 365 }).sum();
    let months = [31, if leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    years + months[..(m as usize - 1)].iter().sum::<i64>() + i64::from(d) - 1
}

/// The messages longer (or shorter) than `n` octets.
fn sized(n: usize, larger: bool) -> Vec<u32> {
    (1..=5u32)
        .filter(|i| (MESSAGES[*i as usize - 1].len() > n) == larger && MESSAGES[*i as usize - 1].len() != n)
        .collect()
}

fn table() -> Vec<(Query, Vec<u32>)> {
    use Query::*;
    let s = |x: &str| x.to_owned();
    vec![
        (All, vec![1, 2, 3, 4, 5]),
        (Nothing, vec![]),
        // Substrings, case-insensitive, in decoded header values.
        (Subject(s("ORT")), vec![1]),
        (Subject(s("CAFÉ")), vec![2]),
        (Subject(s("cafe")), vec![2]),
        (Subject(s("")), vec![1, 2, 3, 5]),
        (Address(AddressField::From, s("pérez <ana@")), vec![1]),
        (Address(AddressField::From, s("example.com")), vec![1, 4, 5]),
        (Address(AddressField::To, s("ana")), vec![2]),
        (Address(AddressField::Cc, s("dave <dave")), vec![2]),
        (Address(AddressField::Bcc, s("secret")), vec![3]),
        (Address(AddressField::Bcc, s("")), vec![3]),
        (Header(s("x-extra"), s("")), vec![1]),
        (Header(s("X-EXTRA"), s("x")), vec![]),
        (Header(s("From"), s("a@example.c")), vec![1]),
        (Header(s("From"), s("ana@example.org")), vec![]),
        (Header(s("From"), s("ana@example.c")), vec![1]),
        (Header(s("cc"), s("DAVE")), vec![2]),
        (Header(s("subject"), s("re: café")), vec![2]),
        // TEXT: every header field and the body; BODY: the body only.
        (Text(s("quarterly")), vec![1, 4]),
        (Body(s("quarterly")), vec![4]),
        (Body(s("report")), vec![2]),
        (Text(s("x-extra")), vec![1]),
        (Body(s("figures are")), vec![1]),
        (Body(s("igure")), vec![1]),
        (Body(s("downstairs")), vec![3]),
        (Body(s("<b>")), vec![]),
        (Body(s("subject:")), vec![5]),
        // Dates as written in Date:, zone ignored; a message without one counts as 1970-01-01.
        (Sent(DateTest::On, days(1994, 2, 7)), vec![1]),
        (Sent(DateTest::On, days(1994, 2, 8)), vec![2]),
        (Sent(DateTest::Before, days(1994, 2, 8)), vec![1, 3, 4]),
        (Sent(DateTest::Since, days(1994, 2, 8)), vec![2, 5]),
        (Not(Box::new(Sent(DateTest::Since, days(1994, 2, 8)))), vec![1, 3, 4]),
        // No Date: the epoch, as Dovecot answers.
        (Sent(DateTest::On, 0), vec![3, 4]),
        (Received(DateTest::On, days(2020, 9, 13)), vec![1, 2, 3, 4, 5]),
        (Received(DateTest::Before, days(2020, 9, 13)), vec![]),
        // Flags, sizes, UIDs, boolean structure.
        (Keyword(s("\\seen")), vec![1, 3, 5]),
        (Not(Box::new(Keyword(s("\\Seen")))), vec![2, 4]),
        (Keyword(s("$Label1")), vec![2]),
        (Larger(150), sized(150, true)),
        (Smaller(120), sized(120, false)),
        (Uids(vec![2..=3, 5..=9]), vec![2, 3, 5]),
        (Or(vec![Subject(s("lunch")), Address(AddressField::From, s("eve"))]), vec![3, 4]),
        (And(vec![Keyword(s("\\Seen")), Text(s("report"))]), vec![1]),
    ]
}

async fn evaluator(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let m = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(60));
    let inbox = m.mailbox_at(p.id, "INBOX").await.unwrap();
    let messages = MESSAGES
        .iter()
        .enumerate()
        .map(|(i, raw)| NewMessage {
            raw: raw.as_bytes().to_vec(),
            keywords: match i {
                0 | 2 | 4 => vec!["\\Seen".into()],
                1 => vec!["$label1".into()],
                _ => vec![],
            },
            received_at: Some(1_600_000_000),
        })
        .collect();
    m.append(&relais_directory::access::Actor::system(p.id), inbox.id, messages).await.unwrap();
    for (query, want) in table() {
        let hits = search(&f.store, &Scope::Mailbox(inbox.id), &query).await.unwrap();
        let got: Vec<u32> = hits.iter().map(|h| h.uid.0).collect();
        assert_eq!(got, want, "{query:?}");
    }
    // The account scope sees the same messages.
    let hits = search(&f.store, &Scope::Account(p.id), &Query::Subject("lunch".into())).await.unwrap();
    assert_eq!(hits.iter().map(|h| (h.mailbox, h.uid.0)).collect::<Vec<_>>(), [(inbox.id, 3)]);
}
on_both_backends!(evaluator_on, evaluator);

/// A message stored without index rows (before the index existed) is indexed by the first
/// search that needs it.
async fn backfill(f: Fresh) {
    let dir = Directory::new(f.store.clone(), AuthConfig::default());
    dir.add_domain("example.com").await.unwrap();
    let p = dir.add_principal(PrincipalKind::User, "a@example.com", "", Some("pw"), Role::User).await.unwrap();
    let m = Mailer::new(f.store.clone(), dir.clone(), "mail.test", Duration::from_secs(60));
    let inbox = m.mailbox_at(p.id, "INBOX").await.unwrap();
    let blob = f.store.put_blob(MESSAGES[0].as_bytes().to_vec()).await.unwrap();
    let (account, mailbox) = (p.id, inbox.id);
    f.store
        .write(move |tx| {
            let id = tx.create_item(account, DataType::Email, NewItem { blob: Some(blob), ..NewItem::default() })?;
            tx.add_to_mailbox(id, mailbox)
        })
        .await
        .unwrap();
    let hits = search(&f.store, &Scope::Mailbox(inbox.id), &Query::Subject("quarterly".into())).await.unwrap();
    assert_eq!(hits.len(), 1);
    let hits = search(&f.store, &Scope::Mailbox(inbox.id), &Query::Body("figures".into())).await.unwrap();
    assert_eq!(hits.len(), 1);
}
on_both_backends!(backfill_on, backfill);
