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

    /// Up to `limit` messages of `mailboxes` that have no index rows yet (written since the
    /// indexer last ran, restored, or stored before the index existed).
    pub fn unindexed_messages(&mut self, mailboxes: &[CollectionId], limit: i64) -> Result<Vec<Unindexed>> {
        let mut out = Vec::new();
        for mailbox in mailboxes {
            let rows = self.conn.query(
                "SELECT i.id, i.blob_hash, i.summary, i.size FROM mailbox_messages m JOIN items i ON i.id = m.item_id \
                 WHERE m.mailbox_id = $1 AND i.blob_hash IS NOT NULL \
                 AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.item_id = m.item_id) LIMIT $2",
                params![mailbox.0, limit - out.len() as i64],
            )?;
            out.extend(rows.iter().filter_map(|r| Unindexed::from_row(r).transpose()).collect::<Result<Vec<_>>>()?);
            if out.len() as i64 >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Up to `limit` messages of any account with no index rows, after item `cursor` in id
    /// order: the background indexer's walk (new items have higher ids on both backends, so a
    /// cursor at the last one seen finds every later arrival).
    pub fn unindexed_after(&mut self, cursor: ItemId, limit: i64) -> Result<Vec<Unindexed>> {
        let rows = self.conn.query(
            "SELECT i.id, i.blob_hash, i.summary, i.size FROM items i \
             WHERE i.id > $1 AND i.data_type = $2 AND i.blob_hash IS NOT NULL \
             AND NOT EXISTS (SELECT 1 FROM message_search s WHERE s.item_id = i.id) ORDER BY i.id LIMIT $3",
            params![cursor.0, crate::DataType::Email as i64, limit],
        )?;
        rows.iter().filter_map(|r| Unindexed::from_row(r).transpose()).collect()
    }
}

/// A message without index rows: its item, content and stored summary (the analysis its
/// index is built from).
#[derive(Debug, Clone)]
pub struct Unindexed {
    pub item: ItemId,
    pub blob: crate::BlobHash,
    pub summary: String,
    /// The content's size in octets.
    pub size: u64,
}

impl Unindexed {
    fn from_row(r: &crate::sql::Row) -> Result<Option<Unindexed>> {
        let Some(blob) = crate::BlobHash::parse(&r.text(1)?) else { return Ok(None) };
        Ok(Some(Unindexed {
            item: ItemId(r.int(0)?),
            blob,
            summary: r.opt_text(2)?.unwrap_or_default(),
            size: u64::try_from(r.int(3)?).unwrap_or(0),
        }))
    }
}

impl crate::WriteTx<'_> {
    /// Writes the index rows of a message that has none: no deletes first. When another
    /// transaction wrote them meanwhile (its row wins the key), nothing; whether it wrote.
    fn index_new_message(&mut self, item: ItemId, index: &MessageIndex) -> Result<bool> {
        let conn = self.conn();
        let written = conn.execute(
            "INSERT INTO message_search (item_id, sent_day, subject, from_addr, to_addr, cc_addr, bcc_addr) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (item_id) DO NOTHING",
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
        if written == 0 {
            return Ok(false);
        }
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
        Ok(true)
    }

    /// Writes a message's index rows unless it has them already or is gone: the indexer's
    /// and a search's write, which may race each other for the same message. Whether it wrote.
    pub fn index_if_missing(&mut self, item: ItemId, index: &MessageIndex) -> Result<bool> {
        // On PostgreSQL the item is held (FOR SHARE) until the commit, so an expunge committing
        // meanwhile cannot leave rows behind (`destroy_item` deletes the item before its rows).
        let lock = match self.conn().dialect() {
            Dialect::Sqlite => "",
            Dialect::Postgres => " FOR SHARE",
        };
        let exists = self.conn().query_one(&format!("SELECT id FROM items WHERE id = $1{lock}"), params![item.0])?;
        if exists.is_none() {
            return Ok(false);
        }
        self.index_new_message(item, index)
    }

    /// Gives the copy `to` of a message the index rows of `from` (the same content), if it has
    /// them: a copy costs three statements, not a second analysis of the message.
    pub fn copy_message_index(&mut self, from: ItemId, to: ItemId) -> Result<()> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO message_search (item_id, sent_day, subject, from_addr, to_addr, cc_addr, bcc_addr) \
             SELECT $2, sent_day, subject, from_addr, to_addr, cc_addr, bcc_addr FROM message_search WHERE item_id = $1",
            params![from.0, to.0],
        )?;
        conn.execute(
            "INSERT INTO message_text (item_id, header_text, body_text) \
             SELECT $2, header_text, body_text FROM message_text WHERE item_id = $1",
            params![from.0, to.0],
        )?;
        conn.execute(
            "INSERT INTO message_headers (item_id, name, value) SELECT $2, name, value FROM message_headers WHERE item_id = $1",
            params![from.0, to.0],
        )?;
        Ok(())
    }

    pub(crate) fn unindex_message(&mut self, item: ItemId) -> Result<()> {
        for table in ["message_search", "message_text", "message_headers"] {
            self.conn().execute(&format!("DELETE FROM {table} WHERE item_id = $1"), params![item.0])?;
        }
        Ok(())
    }
}
