//! `relais admin user vacation ADDRESS [--on|--off] [--text …] …`: the out-of-office setting of
//! relais_mail::vacation, shown or changed. Options not given keep their current value.

use anyhow::{Context, Result, bail};
use clap::Args;
use relais_directory::Directory;
use relais_mail::vacation::Vacation;

#[derive(Args)]
pub struct VacationArgs {
    address: String,
    /// Turn replies on.
    #[arg(long, conflicts_with = "off")]
    on: bool,
    /// Turn replies off.
    #[arg(long)]
    off: bool,
    /// The reply's text (for everyone, or for outside senders when --internal-text is set).
    #[arg(long)]
    text: Option<String>,
    /// The reply's text for senders in the hosted domains ("" to use --text for them too).
    #[arg(long)]
    internal_text: Option<String>,
    /// The reply's subject ("" for "Auto: <the message's subject>").
    #[arg(long)]
    subject: Option<String>,
    /// First day of replies, YYYY-MM-DD (UTC); "" for no start.
    #[arg(long)]
    from: Option<String>,
    /// First day without replies, YYYY-MM-DD (UTC); "" for no end.
    #[arg(long)]
    until: Option<String>,
    /// Answer only senders in the hosted domains (yes or no).
    #[arg(long)]
    internal_only: Option<bool>,
}

pub async fn run(dir: &Directory, a: VacationArgs) -> Result<()> {
    let p = dir.principal(&a.address).await?.with_context(|| format!("{} not found", a.address))?;
    let store = dir.store().clone();
    // The setting is the mail domain's; the mailer is only its way in (nothing is delivered here).
    let mailer = relais_mail::Mailer::new(store, dir.clone(), "localhost", std::time::Duration::ZERO);
    let mut v = mailer.vacation(p.id).await?;
    let changes = a.on || a.off || a.text.is_some() || a.internal_text.is_some() || a.subject.is_some();
    if changes || a.from.is_some() || a.until.is_some() || a.internal_only.is_some() {
        apply(&mut v, a)?;
        if v.enabled && v.text.trim().is_empty() {
            bail!("an out-of-office reply needs a text (--text)");
        }
        mailer.set_vacation(p.id, &v).await?;
    }
    print(&p.address(), &v);
    Ok(())
}

fn apply(v: &mut Vacation, a: VacationArgs) -> Result<()> {
    if a.on || a.off {
        v.enabled = a.on;
    }
    let some = |s: String| (!s.is_empty()).then_some(s);
    if let Some(t) = a.text {
        v.text = t;
    }
    if let Some(t) = a.internal_text {
        v.internal_text = some(t);
    }
    if let Some(s) = a.subject {
        v.subject = some(s);
    }
    if let Some(d) = a.from {
        v.from = day(&d)?;
    }
    if let Some(d) = a.until {
        v.until = day(&d)?;
    }
    if let Some(i) = a.internal_only {
        v.internal_only = i;
    }
    if let (Some(f), Some(u)) = (v.from, v.until)
        && u <= f
    {
        bail!("--until must be after --from");
    }
    Ok(())
}

/// `YYYY-MM-DD` as the Unix time of its first second (UTC); "" is none.
fn day(s: &str) -> Result<Option<i64>> {
    if s.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = s.split('-').collect();
    let date = match parts.as_slice() {
        [y, m, d] => match (y.parse(), m.parse(), d.parse()) {
            (Ok(y), Ok(m), Ok(d)) => relais_imap_proto::Date::new(y, m, d),
            _ => None,
        },
        _ => None,
    };
    let date = date.with_context(|| format!("{s:?} is not a date (YYYY-MM-DD)"))?;
    Ok(Some(date.days_since_epoch() * 86_400))
}

fn print(address: &str, v: &Vacation) {
    let date = |t: Option<i64>| t.map_or_else(|| "-".to_owned(), relais_mail::headers::rfc5322_date);
    println!("{address}");
    println!("vacation: {}", if v.enabled { "on" } else { "off" });
    println!("from: {}", date(v.from));
    println!("until: {}", date(v.until));
    println!("subject: {}", v.subject.as_deref().unwrap_or("Auto: <subject>"));
    println!("text: {}", v.text);
    println!("internal text: {}", v.internal_text.as_deref().unwrap_or("(the text)"));
    println!("internal only: {}", if v.internal_only { "yes" } else { "no" });
}
