//! `relais admin user import FILE.csv`: bulk provisioning of users from a CSV file (`crate::csv`:
//! RFC 4180, a header line naming the columns).
//!
//! Columns, by header name, in any order: `address` (required), `name`, and one of `password`
//! (hashed here with Argon2id) or `password_hash` (an Argon2id PHC string brought from another
//! server, kept as it is). A row whose address exists already is skipped, so an import can be
//! re-run after fixing the rows it refused. Each row is reported; the exit status is non-zero
//! if any row was refused.

use anyhow::{Context, Result, bail};
use relais_directory::Directory;
use relais_store::{PrincipalKind, Role};

/// One user to create.
#[derive(Debug, PartialEq, Eq)]
struct Row {
    line: usize,
    address: String,
    name: String,
    secret: Secret,
}

#[derive(Debug, PartialEq, Eq)]
enum Secret {
    None,
    Password(String),
    Hash(String),
}

/// How many plain passwords are hashed at once (each Argon2id run takes a core for tens of ms).
const HASHING: usize = 4;

pub async fn run(dir: &Directory, path: &std::path::Path) -> Result<()> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let rows = parse(&text)?;
    let (mut added, mut skipped, mut refused) = (0usize, 0usize, 0usize);
    let mut pending = tokio::task::JoinSet::new();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() || !pending.is_empty() {
        while pending.len() < HASHING
            && let Some(row) = rows.next()
        {
            let dir = dir.clone();
            pending.spawn(async move {
                let outcome = create(&dir, &row).await;
                (row, outcome)
            });
        }
        let Some(done) = pending.join_next().await else { break };
        let (row, outcome) = done.context("import task failed")?;
        match outcome {
            Ok(true) => added += 1,
            Ok(false) => {
                skipped += 1;
                println!("line {}: {} exists, skipped", row.line, row.address);
            }
            Err(e) => {
                refused += 1;
                eprintln!("line {}: {}: {e}", row.line, row.address);
            }
        }
    }
    println!("imported {added} users, {skipped} existed, {refused} refused");
    if refused > 0 {
        bail!("{refused} rows refused");
    }
    Ok(())
}

/// Creates the row's user; `Ok(false)` if the address exists already.
async fn create(dir: &Directory, row: &Row) -> Result<bool> {
    if dir.principal(&row.address).await?.is_some() {
        return Ok(false);
    }
    match &row.secret {
        Secret::Hash(phc) => dir.add_user_hashed(&row.address, &row.name, phc, Role::User).await?,
        Secret::Password(p) => {
            dir.add_principal(PrincipalKind::User, &row.address, &row.name, Some(p), Role::User).await?
        }
        Secret::None => dir.add_principal(PrincipalKind::User, &row.address, &row.name, None, Role::User).await?,
    };
    Ok(true)
}

fn parse(text: &str) -> Result<Vec<Row>> {
    let mut records = crate::csv::records(text)?.into_iter();
    let Some((_, header)) = records.next() else { bail!("the file is empty: a header line is needed") };
    let column = |name: &str| header.iter().position(|h| h.trim().eq_ignore_ascii_case(name));
    let address = column("address").context("no \"address\" column in the header")?;
    let (name, password, hash) = (column("name"), column("password"), column("password_hash"));
    if let Some(unknown) = header
        .iter()
        .find(|h| !["address", "name", "password", "password_hash"].contains(&h.trim().to_ascii_lowercase().as_str()))
    {
        bail!("unknown column {unknown:?} (known: address, name, password, password_hash)");
    }
    let mut rows = Vec::new();
    for (line, fields) in records {
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let get = |i: Option<usize>| i.and_then(|i| fields.get(i)).map(|f| f.trim().to_owned()).unwrap_or_default();
        let secret = match (get(password), get(hash)) {
            (p, h) if !p.is_empty() && !h.is_empty() => bail!("line {line}: both password and password_hash"),
            (p, _) if !p.is_empty() => Secret::Password(p),
            (_, h) if !h.is_empty() => Secret::Hash(h),
            _ => Secret::None,
        };
        rows.push(Row { line, address: get(Some(address)), name: get(name), secret });
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_by_header() {
        let phc = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
        let text = format!("name,address,password_hash\n\"Ann, A.\",ann@x.test,\"{phc}\"\n,bob@x.test,\n\n");
        let rows = parse(&text).unwrap();
        assert_eq!(
            rows,
            vec![
                Row { line: 2, address: "ann@x.test".into(), name: "Ann, A.".into(), secret: Secret::Hash(phc.into()) },
                Row { line: 3, address: "bob@x.test".into(), name: String::new(), secret: Secret::None },
            ]
        );
        assert!(parse("address,password,password_hash\na@x.test,p,h\n").is_err());
        assert!(parse("name\nann\n").is_err());
        assert!(parse("address,shoe_size\na@x.test,42\n").is_err());
        assert!(parse("").is_err());
    }
}
