//! SMTP replies (RFC 5321 §4.2) with enhanced status codes (RFC 3463, RFC 2034).

use std::fmt::Write;

/// One reply: a code, an enhanced status (omitted when empty) and one or more text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub status: &'static str,
    pub lines: Vec<String>,
}

impl Reply {
    pub fn new(code: u16, status: &'static str, text: impl Into<String>) -> Reply {
        Reply { code, status, lines: vec![text.into()] }
    }

    pub fn multi(code: u16, lines: Vec<String>) -> Reply {
        Reply { code, status: "", lines }
    }

    pub fn is_positive(&self) -> bool {
        self.code < 400
    }

    pub fn is_permanent_failure(&self) -> bool {
        self.code >= 500
    }

    /// The wire form, CRLF-terminated; continuation lines use `code-`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        let last = self.lines.len().saturating_sub(1);
        for (i, line) in self.lines.iter().enumerate() {
            let sep = if i == last { ' ' } else { '-' };
            let _ = write!(out, "{}{}", self.code, sep);
            if !self.status.is_empty() {
                let _ = write!(out, "{} ", self.status);
            }
            // A reply line carries no CR or LF of its own (header injection).
            out.extend(line.chars().filter(|c| *c != '\r' && *c != '\n'));
            out.push_str("\r\n");
        }
        out
    }
}

// The replies used in more than one place.
pub fn ok() -> Reply {
    Reply::new(250, "2.0.0", "OK")
}
pub fn bad_sequence(text: &str) -> Reply {
    Reply::new(503, "5.5.1", text)
}
pub fn syntax(text: &str) -> Reply {
    Reply::new(501, "5.5.4", text)
}
pub fn unknown_command() -> Reply {
    Reply::new(500, "5.5.2", "command not recognised")
}
pub fn line_too_long() -> Reply {
    Reply::new(500, "5.5.6", "line too long")
}
pub fn too_many_errors() -> Reply {
    Reply::new(421, "4.7.0", "too many errors, closing connection")
}
pub fn timeout() -> Reply {
    Reply::new(421, "4.4.2", "timeout, closing connection")
}
pub fn shutting_down() -> Reply {
    Reply::new(421, "4.3.2", "server shutting down")
}
pub fn temporary_failure() -> Reply {
    Reply::new(451, "4.3.0", "temporary failure, please try again later")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(ok().encode(), "250 2.0.0 OK\r\n");
        assert_eq!(
            Reply::multi(250, vec!["mx.test".into(), "PIPELINING".into(), "SIZE 10".into()]).encode(),
            "250-mx.test\r\n250-PIPELINING\r\n250 SIZE 10\r\n"
        );
        assert_eq!(Reply::new(550, "5.1.1", "no\r\nsuch").encode(), "550 5.1.1 nosuch\r\n");
    }
}
