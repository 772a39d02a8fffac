//! The one SQL surface both backends share.
//!
//! Queries are written once, in PostgreSQL's placeholder style (`$1`, `$2`, …); the SQLite
//! connection rewrites them to `?1`, `?2`. Only BIGINT/INTEGER, TEXT and BYTEA/BLOB columns are
//! used, so `Value` covers every parameter and every result. Dialect-specific SQL (full-text,
//! blob bytes) is chosen with `Conn::dialect` in the few places that need it.

use crate::Error;

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A parameter or a result column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<&String> for Value {
    fn from(v: &String) -> Self {
        Value::Text(v.clone())
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Bytes(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// One result row.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn col(&self, i: usize) -> Result<&Value, Error> {
        self.0.get(i).ok_or_else(|| Error::Corrupt(format!("missing column {i}")))
    }

    pub fn int(&self, i: usize) -> Result<i64, Error> {
        match self.col(i)? {
            Value::Int(v) => Ok(*v),
            other => Err(Error::Corrupt(format!("column {i}: expected integer, got {other:?}"))),
        }
    }

    pub fn opt_int(&self, i: usize) -> Result<Option<i64>, Error> {
        match self.col(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    pub fn text(&self, i: usize) -> Result<String, Error> {
        match self.col(i)? {
            Value::Text(v) => Ok(v.clone()),
            other => Err(Error::Corrupt(format!("column {i}: expected text, got {other:?}"))),
        }
    }

    pub fn opt_text(&self, i: usize) -> Result<Option<String>, Error> {
        match self.col(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    pub fn bytes(&self, i: usize) -> Result<Vec<u8>, Error> {
        match self.col(i)? {
            Value::Bytes(v) => Ok(v.clone()),
            Value::Text(v) => Ok(v.clone().into_bytes()),
            other => Err(Error::Corrupt(format!("column {i}: expected bytes, got {other:?}"))),
        }
    }
}

/// A database connection, synchronous: it only ever runs on a blocking thread.
pub trait Conn: Send {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error>;
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error>;
    /// Runs several statements with no parameters (migrations, BEGIN/COMMIT).
    fn batch(&mut self, sql: &str) -> Result<(), Error>;

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, Error> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Runs one statement once per parameter list (a restore's rows); returns the rows changed.
    fn execute_each(&mut self, sql: &str, each: &[Vec<Value>]) -> Result<u64, Error> {
        each.iter().try_fold(0, |n, params| Ok(n + self.execute(sql, params)?))
    }
}

/// Builds a parameter list: `params![a, b]`.
#[macro_export]
macro_rules! params {
    ($($v:expr),* $(,)?) => { &[$($crate::sql::Value::from($v)),*] };
}

/// Rewrites `$N` placeholders to SQLite's `?N`.
pub(crate) fn sqlite_placeholders(sql: &str) -> std::borrow::Cow<'_, str> {
    if !sql.contains('$') {
        return std::borrow::Cow::Borrowed(sql);
    }
    // Copied in runs between placeholders (`$` is ASCII, so every cut is a char boundary):
    // this runs for every statement on SQLite, restore's row inserts and APPEND's included.
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut from = 0;
    for (at, b) in bytes.iter().enumerate() {
        if *b == b'$' && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            out.push_str(&sql[from..at]);
            out.push('?');
            from = at + 1;
        }
    }
    out.push_str(&sql[from..]);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for (input, want) in [
            ("SELECT 1", "SELECT 1"),
            ("SELECT $1, $2", "SELECT ?1, ?2"),
            ("UPDATE t SET a = $12 WHERE b = $3", "UPDATE t SET a = ?12 WHERE b = ?3"),
            ("SELECT '$x'", "SELECT '$x'"),
            ("SELECT 'é', $10, $", "SELECT 'é', ?10, $"),
        ] {
            assert_eq!(sqlite_placeholders(input), want);
        }
    }
}
