//! The accounts of a bulk migration, from CSV (RFC 4180: a header line naming the columns,
//! fields separated by commas, quoted with `"` when they hold commas, quotes or line breaks).
//! Columns: `account`, `user`, `password` (required), `host`, `port`, `security` (else the
//! command line's values).

use anyhow::{Context, Result, bail};

use super::imap::Source;
use super::imap_client::Security;
use super::{ImapArgs, Job};

pub fn jobs(text: &str, args: &ImapArgs) -> Result<Vec<Job>> {
    let mut records = crate::csv::records(text)?.into_iter().filter(|(_, r)| !(r.len() == 1 && r[0].trim().is_empty()));
    let header: Vec<String> =
        records.next().context("empty CSV file")?.1.iter().map(|h| h.trim().to_ascii_lowercase()).collect();
    for required in ["account", "user", "password"] {
        if !header.iter().any(|h| h == required) {
            bail!("the CSV header has no {required} column");
        }
    }
    let mut out = Vec::new();
    for (line, record) in records {
        let field = |name: &str| {
            header
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
        };
        let security = match field("security") {
            Some(s) => parse_security(s).with_context(|| format!("line {line}: security {s:?}"))?,
            None => args.security().unwrap_or(Security::Tls),
        };
        let port = match field("port") {
            Some(p) => p.parse().with_context(|| format!("line {line}: port {p:?}"))?,
            None => args.port.unwrap_or(security.default_port()),
        };
        let host = field("host").map(str::to_owned).or_else(|| args.host.clone());
        let source = Source {
            host: host.with_context(|| format!("line {line}: no host (column or --host)"))?,
            port,
            security,
            user: field("user").with_context(|| format!("line {line}: no user"))?.to_owned(),
            // A password is taken as written: spaces may be part of it.
            password: header
                .iter()
                .position(|h| h == "password")
                .and_then(|i| record.get(i))
                .cloned()
                .with_context(|| format!("line {line}: no password"))?,
        };
        let account = field("account").with_context(|| format!("line {line}: no account"))?.to_owned();
        out.push(Job { account, source });
    }
    Ok(out)
}

fn parse_security(s: &str) -> Option<Security> {
    match s.to_ascii_lowercase().as_str() {
        "tls" | "ssl" | "imaps" => Some(Security::Tls),
        "starttls" => Some(Security::Starttls),
        "plain" | "none" => Some(Security::Plain),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ImapArgs,
    }

    fn args(line: &[&str]) -> ImapArgs {
        Cli::parse_from(std::iter::once("migrate").chain(line.iter().copied())).args
    }

    #[test]
    fn jobs_from_columns_and_defaults() {
        let text = "account,user,password,host,port,security\n\
                    a@example.test,alice,\" p,w \",,,\n\
                    b@example.test,bob,pw2,imap.other,1143,starttls\n";
        let found = jobs(text, &args(&["--host", "old.example", "--plain", "--csv", "f"])).unwrap();
        assert_eq!(found.len(), 2);
        let (a, b) = (&found[0].source, &found[1].source);
        assert_eq!(
            (a.host.as_str(), a.port, a.security, a.password.as_str()),
            ("old.example", 143, Security::Plain, " p,w ")
        );
        assert_eq!(
            (b.host.as_str(), b.port, b.security, b.user.as_str()),
            ("imap.other", 1143, Security::Starttls, "bob")
        );
        assert_eq!(found[1].account, "b@example.test");

        for (text, why) in [
            ("account,user\nx,y\n", "no password column"),
            ("account,user,password\nx,y,z\n", "no host"),
            ("account,user,password,host,port\nx,y,z,h,notaport\n", "bad port"),
            ("account,user,password,host,security\nx,y,z,h,quantum\n", "bad security"),
        ] {
            assert!(jobs(text, &args(&["--csv", "f"])).is_err(), "{why}");
        }
    }
}
