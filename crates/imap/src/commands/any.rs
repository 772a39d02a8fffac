//! CAPABILITY, ID (RFC 2971), ENABLE (RFC 5161), NAMESPACE (RFC 2342: personal and Other Users).

use relais_imap_proto::{Data, Namespace, Namespaces, Tag};

use crate::session::{Session, State};

/// What this server offers, as the session stands (RFC 9051 §6.1.1).
pub fn capabilities(s: &Session) -> Vec<String> {
    let mut caps: Vec<String> = vec!["IMAP4rev1".into(), "IMAP4rev2".into(), "LITERAL+".into(), "SASL-IR".into()];
    if matches!(s.state, State::NotAuthenticated) {
        if !s.tls && s.imap.tls.is_some() {
            caps.push("STARTTLS".into());
        }
        if crate::commands::auth::may_authenticate(s) {
            caps.push("AUTH=PLAIN".into());
        } else {
            caps.push("LOGINDISABLED".into());
        }
        return caps;
    }
    for c in [
        "ENABLE",
        "IDLE",
        "NAMESPACE",
        "ID",
        "UIDPLUS",
        "MOVE",
        "UNSELECT",
        "CHILDREN",
        "SPECIAL-USE",
        "CREATE-SPECIAL-USE",
        "CONDSTORE",
        "QRESYNC",
        "ESEARCH",
        "SEARCHRES",
        "LIST-EXTENDED",
        "LIST-STATUS",
        "STATUS=SIZE",
        "UTF8=ACCEPT",
        "OBJECTID",
        "BINARY",
        "SORT",
        "SORT=DISPLAY",
        "ESORT",
        "THREAD=ORDEREDSUBJECT",
        "THREAD=REFERENCES",
        "QUOTA",
        "QUOTA=RES-STORAGE",
        "COMPRESS=DEFLATE",
        "ACL",
        "RIGHTS=texk",
    ] {
        caps.push(c.into());
    }
    caps.push(format!("APPENDLIMIT={}", s.imap.config.max_append));
    caps
}

pub fn capability(s: &mut Session, tag: &Tag) {
    let caps = capabilities(s);
    s.data(Data::Capability(caps));
    s.ok(tag, "CAPABILITY completed");
}

pub fn id(s: &mut Session, tag: &Tag) {
    s.data(Data::Id(Some(vec![("name".into(), Some("Relais".into())), ("vendor".into(), Some("Relais".into()))])));
    s.ok(tag, "ID completed");
}

/// RFC 5161: enable what we support; IMAP4rev2 and UTF8=ACCEPT switch the wire to UTF-8.
pub fn enable(s: &mut Session, tag: &Tag, caps: Vec<String>) {
    let mut enabled = Vec::new();
    for c in caps {
        match c.as_str() {
            "CONDSTORE" => s.condstore = true,
            "QRESYNC" => {
                s.qresync = true;
                s.condstore = true;
            }
            "UTF8=ACCEPT" => s.utf8 = true,
            "IMAP4REV2" => {
                s.utf8 = true;
                s.rev2 = true;
            }
            _ => continue,
        }
        enabled.push(c);
    }
    s.data(Data::Enabled(enabled));
    s.ok(tag, "ENABLE completed");
}

pub fn namespace(s: &mut Session, tag: &Tag) {
    use crate::folders::{DELIMITER, OTHER_USERS};
    let personal = vec![Namespace { prefix: String::new(), delimiter: Some(DELIMITER) }];
    // RFC 2342 §5: other accounts' mailboxes shared with the user (RFC 4314), by owner address.
    let other_users = vec![Namespace { prefix: format!("{OTHER_USERS}{DELIMITER}"), delimiter: Some(DELIMITER) }];
    s.data(Data::Namespace(Namespaces { personal, other_users, shared: Vec::new() }));
    s.ok(tag, "NAMESPACE completed");
}
