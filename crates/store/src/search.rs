//! Message search over indexed columns: what IMAP SEARCH, JMAP Email/query, EAS Search and EWS
//! FindItem all ask, evaluated in SQL, never by decoding messages.
//!
//! Layout (migration 0014; derived data, rebuilt from the blobs when missing):
//! - `message_search` (one row per message): `sent_day`, the day of its Date: field as written
//!   (zone ignored, RFC 3501 §6.4.4), and Subject, From, To, Cc, Bcc as folded text (NULL when
//!   the message has no such field).
//! - `message_text` (one row per message): every header field as `name: value` lines and the
//!   text of the body, folded: the haystacks of TEXT and BODY.
//! - `message_headers` (one row per header field): name (lower case) and folded value, for
//!   HEADER with any field name.
//!
//! The store never folds: callers (`relais_mail::search`) fold the indexed text and the needles
//! the same way, and every text test here is a plain substring test (`instr` / `strpos`).

use crate::sql::{Dialect, Value};
use crate::{CollectionId, ItemId, Result, Uid, params};

/// The indexed fields of one message, computed by the mail domain at delivery or append.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageIndex {
    pub sent_day: Option<i64>,
    pub subject: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cc: Option<String>,
    pub bcc: Option<String>,
    pub header_text: String,
    pub body_text: String,
    /// (lower-case name, folded value) of every top-level header field, in order.
    pub headers: Vec<(String, String)>,
}

/// A text column a substring test reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextColumn {
    Subject,
    From,
    To,
    Cc,
    Bcc,
    /// Every header field, `name: value` lines.
    Header,
    Body,
}

impl TextColumn {
    fn sql(self) -> &'static str {
        match self {
            TextColumn::Subject => "s.subject",
            TextColumn::From => "s.from_addr",
            TextColumn::To => "s.to_addr",
            TextColumn::Cc => "s.cc_addr",
            TextColumn::Bcc => "s.bcc_addr",
            TextColumn::Header => "t.header_text",
            TextColumn::Body => "t.body_text",
        }
    }
}

/// An integer column a comparison reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntColumn {
    /// Unix seconds the message was received (IMAP internal date).
    ReceivedAt,
    /// Days since 1970-01-01 of the Date: field as written; NULL (never matches) without one.
    SentDay,
    Size,
    /// The message's modseq in its mailbox.
    Modseq,
    Uid,
    Thread,
    Item,
}

impl IntColumn {
    fn sql(self) -> &'static str {
        match self {
            IntColumn::ReceivedAt => "i.received_at",
            IntColumn::SentDay => "s.sent_day",
            IntColumn::Size => "i.size",
            IntColumn::Modseq => "m.modseq",
            IntColumn::Uid => "m.uid",
            IntColumn::Thread => "i.thread_id",
            IntColumn::Item => "m.item_id",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
}

impl Cmp {
    fn sql(self) -> &'static str {
        match self {
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Eq => "=",
            Cmp::Ge => ">=",
            Cmp::Gt => ">",
        }
    }
}

/// A condition on one message in one mailbox, as the store evaluates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    All,
    Nothing,
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// The column holds the needle (already folded); a NULL column never does.
    Contains(TextColumn, String),
    /// A header field of this (lower-case) name whose folded value holds the needle.
    Header(String, String),
    Int(IntColumn, Cmp, i64),
    /// The column's value is in one of these inclusive ranges.
    Ranges(IntColumn, Vec<(i64, i64)>),
    /// The message carries this keyword (IMAP flag), compared without ASCII case.
    Keyword(String),
}

/// A message found: where, under which UID, and which item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub mailbox: CollectionId,
    pub uid: Uid,
    pub item: ItemId,
}

/// Builds the WHERE clause of a filter, numbering parameters after those already in `params`.
struct Builder {
    dialect: Dialect,
    sql: String,
    params: Vec<Value>,
}

impl Builder {
    fn param(&mut self, v: Value) -> String {
        self.params.push(v);
        format!("${}", self.params.len())
    }

    fn contains(&mut self, column: &str, needle: &str) {
        let p = self.param(needle.into());
        let f = match self.dialect {
            Dialect::Sqlite => "instr",
            Dialect::Postgres => "strpos",
        };
        self.sql.push_str(&format!("({column} IS NOT NULL AND {f}({column}, {p}) > 0)"));
    }

    fn join(&mut self, op: &str, filters: &[Filter], empty: &str) {
        if filters.is_empty() {
            self.sql.push_str(empty);
            return;
        }
        self.sql.push('(');
        for (n, f) in filters.iter().enumerate() {
            if n > 0 {
                self.sql.push_str(op);
            }
            self.filter(f);
        }
        self.sql.push(')');
    }

    fn filter(&mut self, f: &Filter) {
        match f {
            Filter::All => self.sql.push_str("1 = 1"),
            Filter::Nothing => self.sql.push_str("1 = 0"),
            Filter::And(fs) => self.join(" AND ", fs, "1 = 1"),
            Filter::Or(fs) => self.join(" OR ", fs, "1 = 0"),
            Filter::Not(inner) => {
                // A NULL inside must not make NOT unknown: each leaf is NULL-safe already.
                self.sql.push_str("NOT (");
                self.filter(inner);
                self.sql.push(')');
            }
            Filter::Contains(column, needle) => self.contains(column.sql(), needle),
            Filter::Header(name, needle) => {
                let n = self.param(name.as_str().into());
                self.sql.push_str(&format!(
                    "EXISTS (SELECT 1 FROM message_headers h WHERE h.item_id = m.item_id AND h.name = {n} AND "
                ));
                self.contains("h.value", needle);
                self.sql.push(')');
            }
            Filter::Int(column, cmp, v) => {
                let p = self.param(Value::Int(*v));
                let c = column.sql();
                self.sql.push_str(&format!("({c} IS NOT NULL AND {c} {} {p})", cmp.sql()));
            }
            Filter::Ranges(column, ranges) => self.ranges(column.sql(), ranges),
            Filter::Keyword(k) => {
                let p = self.param(format!(" {} ", k.to_ascii_lowercase()).into());
                let f = match self.dialect {
                    Dialect::Sqlite => "instr",
                    Dialect::Postgres => "strpos",
                };
                self.sql.push_str(&format!("{f}(lower(' ' || i.keywords || ' '), {p}) > 0"));
            }
        }
    }

    fn ranges(&mut self, column: &str, ranges: &[(i64, i64)]) {
        if ranges.is_empty() {
            self.sql.push_str("1 = 0");
            return;
        }
        self.sql.push('(');
        for (n, (lo, hi)) in ranges.iter().enumerate() {
            if n > 0 {
                self.sql.push_str(" OR ");
            }
            let (a, b) = (self.param(Value::Int(*lo)), self.param(Value::Int(*hi)));
            self.sql.push_str(&format!("{column} BETWEEN {a} AND {b}"));
        }
        self.sql.push(')');
    }
}

impl Filter {
    /// Whether the filter reads the index tables (so messages without index rows matter).
    pub fn reads_index(&self) -> bool {
        let (search, text) = tables(self);
        search || text || self.reads_headers()
    }

    fn reads_headers(&self) -> bool {
        match self {
            Filter::And(fs) | Filter::Or(fs) => fs.iter().any(Filter::reads_headers),
            Filter::Not(inner) => inner.reads_headers(),
            Filter::Header(..) => true,
            _ => false,
        }
    }
}

/// Which index tables a filter reads: (`message_search`, `message_text`).
fn tables(f: &Filter) -> (bool, bool) {
    match f {
        Filter::And(fs) | Filter::Or(fs) => {
            fs.iter().map(tables).fold((false, false), |(a, b), (c, d)| (a || c, b || d))
        }
        Filter::Not(inner) => tables(inner),
        Filter::Contains(TextColumn::Header | TextColumn::Body, _) => (false, true),
        Filter::Contains(..) | Filter::Int(IntColumn::SentDay, ..) | Filter::Ranges(IntColumn::SentDay, _) => {
            (true, false)
        }
        _ => (false, false),
    }
}

/// The SELECT over `mailboxes` that finds the messages matching `filter`, ordered by mailbox
/// and UID, with its parameters.
pub(crate) fn query(dialect: Dialect, mailboxes: &[CollectionId], filter: &Filter) -> (String, Vec<Value>) {
    let mut b = Builder { dialect, sql: String::new(), params: Vec::new() };
    let list: Vec<String> = mailboxes.iter().map(|m| b.param(Value::Int(m.0))).collect();
    let head = format!(
        "SELECT m.mailbox_id, m.uid, m.item_id FROM mailbox_messages m JOIN items i ON i.id = m.item_id{}{} \
         WHERE m.mailbox_id IN ({}) AND ",
        if tables(filter).0 { " LEFT JOIN message_search s ON s.item_id = m.item_id" } else { "" },
        if tables(filter).1 { " LEFT JOIN message_text t ON t.item_id = m.item_id" } else { "" },
        list.join(", "),
    );
    b.sql.push_str(&head);
    b.filter(filter);
    b.sql.push_str(" ORDER BY m.mailbox_id, m.uid");
    (b.sql, b.params)
}

impl crate::ReadTx<'_> {
    /// The messages of `mailboxes` matching `filter`, by mailbox and UID. Messages without
    /// index rows match no text or sent-date condition: see [`Self::unindexed_messages`].
    pub fn search_messages(&mut self, mailboxes: &[CollectionId], filter: &Filter) -> Result<Vec<Hit>> {
        if mailboxes.is_empty() {
            return Ok(Vec::new());
        }
        let (sql, params) = query(self.conn.dialect(), mailboxes, filter);
        let rows = self.conn.query(&sql, &params)?;
        rows.iter()
            .map(|r| {
                Ok(Hit {
                    mailbox: CollectionId(r.int(0)?),
                    uid: Uid(u32::try_from(r.int(1)?).unwrap_or(0)),
                    item: ItemId(r.int(2)?),
                })
            })
            .collect()
    }

    /// Up to `limit` messages of `mailboxes` that have no index rows yet (stored before the
    /// index existed, or copied without it), with their blobs.
    pub fn unindexed_messages(
        &mut self,
        mailboxes: &[CollectionId],
        limit: i64,
    ) -> Result<Vec<(ItemId, crate::BlobHash)>> {
        let mut out = Vec::new();
        for mailbox in mailboxes {
            let rows = self.conn.query(
                "SELECT i.id, i.blob_hash FROM mailbox_messages m JOIN items i ON i.id = m.item_id \
                 WHERE m.mailbox_id = $1 AND i.blob_hash IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.item_id = m.item_id) LIMIT $2",
                params![mailbox.0, limit],
            )?;
            for r in rows {
                let hash = r.text(1)?;
                if let Some(h) = crate::BlobHash::parse(&hash) {
                    out.push((ItemId(r.int(0)?), h));
                }
            }
            if out.len() as i64 >= limit {
                break;
            }
        }
        Ok(out)
    }
}

impl crate::WriteTx<'_> {
    /// Writes (or replaces) a message's index rows. Derived data: no change is logged.
    pub fn index_message(&mut self, item: ItemId, index: &MessageIndex) -> Result<()> {
        self.unindex_message(item)?;
        self.index_new_message(item, index)
    }

    /// Writes the index rows of a message that has none yet (one just created): no deletes
    /// first, three statements fewer on APPEND's and delivery's path.
    pub(crate) fn index_new_message(&mut self, item: ItemId, index: &MessageIndex) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO message_search (item_id, sent_day, subject, from_addr, to_addr, cc_addr, bcc_addr) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            params![
                item.0,
                index.sent_day,
                index.subject.clone(),
                index.from.clone(),
                index.to.clone(),
                index.cc.clone(),
                index.bcc.clone()
            ],
        )?;
        conn.execute(
            "INSERT INTO message_text (item_id, header_text, body_text) VALUES ($1, $2, $3)",
            params![item.0, index.header_text.clone(), index.body_text.clone()],
        )?;
        for (name, value) in &index.headers {
            conn.execute(
                "INSERT INTO message_headers (item_id, name, value) VALUES ($1, $2, $3)",
                params![item.0, name.as_str(), value.as_str()],
            )?;
        }
        Ok(())
    }

    pub(crate) fn unindex_message(&mut self, item: ItemId) -> Result<()> {
        for table in ["message_search", "message_text", "message_headers"] {
            self.conn().execute(&format!("DELETE FROM {table} WHERE item_id = $1"), params![item.0])?;
        }
        Ok(())
    }
}
