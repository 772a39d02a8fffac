//! CalDAV load generator over plain HTTP/1.1 keep-alive (the server must allow Basic auth on
//! loopback); one mode a run; prints progress and `<figure>=N` last.
//!
//! - `put`: C clients PUT M new one-hour events in total into one calendar: `puts_per_s`.
//! - `fill`: PUTs N events spread over 2026 into a calendar, R of them recurring (weekly,
//!   ten occurrences each); no figure.
//! - `report`: C clients run a one-week time-range calendar-query REPORT (getetag +
//!   calendar-data, the week of 2026-06-01) S seconds: `reports_per_s` (and the matches).
//! - `multiget`: one client asks calendar-multiget for the first 500 resources, M times:
//!   `multigets_per_s`.
//!
//! cargo run --release -p relais-bench --bin dav-load -- MODE --addr HOST:PORT --user U --password P --calendar NAME [--clients C] [--count M] [--recurring R] [--seconds S]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

#[path = "http.rs"]
mod http;
use http::Http;

struct Args {
    mode: String,
    addr: String,
    user: String,
    password: String,
    calendar: String,
    clients: usize,
    count: u64,
    recurring: u64,
    seconds: u64,
}

fn args() -> Result<Args> {
    let mut it = std::env::args().skip(1);
    let mode = it.next().context("usage: dav-load put|fill|report|multiget --addr HOST:PORT …")?;
    let mut a = Args {
        mode,
        addr: String::new(),
        user: "bench@example.test".into(),
        password: "bench".into(),
        calendar: "Calendar".into(),
        clients: 8,
        count: 1000,
        recurring: 0,
        seconds: 10,
    };
    while let Some(arg) = it.next() {
        let mut v = || it.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--addr" => a.addr = v()?,
            "--user" => a.user = v()?,
            "--password" => a.password = v()?,
            "--calendar" => a.calendar = v()?,
            "--clients" => a.clients = v()?.parse()?,
            "--count" => a.count = v()?.parse()?,
            "--recurring" => a.recurring = v()?.parse()?,
            "--seconds" => a.seconds = v()?.parse()?,
            other => bail!("unknown argument {other}"),
        }
    }
    Ok(a)
}

fn base(a: &Args) -> String {
    format!("/dav/calendars/{}/{}/", a.user, a.calendar)
}

const JAN_1_2026: i64 = 1_767_225_600;

fn utc(t: i64) -> String {
    relais_dav_proto::format_utc(t)
}

/// Event `n`: one hour, somewhere in 2026 (deterministic spread); weekly ×10 when `recurring`.
fn event(n: u64, recurring: bool) -> (String, Vec<u8>) {
    let start = JAN_1_2026 + ((n * 7_919) % (365 * 24)) as i64 * 3600;
    let rule = if recurring { "RRULE:FREQ=WEEKLY;COUNT=10\r\n" } else { "" };
    let body = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Relais bench//EN\r\nBEGIN:VEVENT\r\nUID:bench-{n}\r\n\
         DTSTAMP:20260101T000000Z\r\nDTSTART:{}\r\nDTEND:{}\r\n{rule}SUMMARY:Meeting number {n}\r\n\
         DESCRIPTION:Agenda and notes for meeting {n}\\, with several words of text.\r\nLOCATION:Room {}\r\n\
         END:VEVENT\r\nEND:VCALENDAR\r\n",
        utc(start),
        utc(start + 3600),
        n % 20
    );
    (format!("bench-{n}.ics"), body.into_bytes())
}

async fn put(a: Arc<Args>, first: u64, step: u64, done: Arc<AtomicU64>) -> Result<()> {
    let mut http = Http::connect(&a.addr, &a.user, &a.password).await?;
    let mut n = first;
    while n < a.count {
        let (name, body) = event(n, n < a.recurring);
        let (status, _) =
            http.call("PUT", &format!("{}{name}", base(&a)), "Content-Type: text/calendar\r\n", &body).await?;
        if status != 201 && status != 204 {
            bail!("PUT {name}: {status}");
        }
        done.fetch_add(1, Ordering::Relaxed);
        n += step;
    }
    Ok(())
}

const WEEK_REPORT: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
<c:calendar-query xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">\
<d:prop><d:getetag/><c:calendar-data/></d:prop>\
<c:filter><c:comp-filter name=\"VCALENDAR\"><c:comp-filter name=\"VEVENT\">\
<c:time-range start=\"20260601T000000Z\" end=\"20260608T000000Z\"/></c:comp-filter></c:comp-filter></c:filter>\
</c:calendar-query>";

async fn report(a: Arc<Args>, until: Instant, done: Arc<AtomicU64>, matches: Arc<AtomicU64>) -> Result<()> {
    let mut http = Http::connect(&a.addr, &a.user, &a.password).await?;
    while Instant::now() < until {
        let (status, body) = http
            .call("REPORT", &base(&a), "Depth: 1\r\nContent-Type: application/xml\r\n", WEEK_REPORT.as_bytes())
            .await?;
        if status != 207 {
            bail!("REPORT: {status}");
        }
        // Counted once: the scan would otherwise take the server's CPU in this shared machine.
        if matches.load(Ordering::Relaxed) == 0 {
            let found = body.windows(11).filter(|w| w == b"<d:response").count() as u64;
            matches.store(found, Ordering::Relaxed);
        }
        done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(())
}

async fn multiget(a: &Args) -> Result<u64> {
    let mut http = Http::connect(&a.addr, &a.user, &a.password).await?;
    let mut body = String::from(
        "<?xml version=\"1.0\"?><c:calendar-multiget xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\">\
         <d:prop><d:getetag/><c:calendar-data/></d:prop>",
    );
    for n in 0..500 {
        body.push_str(&format!("<d:href>{}bench-{n}.ics</d:href>", base(a)));
    }
    body.push_str("</c:calendar-multiget>");
    for _ in 0..a.count {
        let (status, _) = http.call("REPORT", &base(a), "Depth: 1\r\n", body.as_bytes()).await?;
        if status != 207 {
            bail!("multiget: {status}");
        }
    }
    Ok(a.count)
}

async fn run_puts(a: Arc<Args>) -> Result<f64> {
    let done = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let tasks: Vec<_> =
        (0..a.clients as u64).map(|c| tokio::spawn(put(a.clone(), c, a.clients as u64, done.clone()))).collect();
    for t in tasks {
        t.await??;
    }
    Ok(done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64())
}

#[tokio::main]
async fn main() -> Result<()> {
    let a = Arc::new(args()?);
    match a.mode.as_str() {
        "put" => {
            let rate = run_puts(a.clone()).await?;
            println!("{} PUTs by {} clients", a.count, a.clients);
            println!("puts_per_s={rate:.0}");
        }
        "fill" => {
            let rate = run_puts(a.clone()).await?;
            println!("filled {} events ({} recurring) at {rate:.0}/s", a.count, a.recurring);
        }
        "report" => {
            let (done, matches) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
            let start = Instant::now();
            let until = start + Duration::from_secs(a.seconds);
            let tasks: Vec<_> =
                (0..a.clients).map(|_| tokio::spawn(report(a.clone(), until, done.clone(), matches.clone()))).collect();
            for t in tasks {
                t.await??;
            }
            let rate = done.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64();
            println!("week REPORT: {} events matched, {} clients", matches.load(Ordering::Relaxed), a.clients);
            println!("reports_per_s={rate:.0}");
        }
        "multiget" => {
            let start = Instant::now();
            let n = multiget(&a).await?;
            println!("multiget of 500 events");
            println!("multigets_per_s={:.1}", n as f64 / start.elapsed().as_secs_f64());
        }
        other => bail!("unknown mode {other}"),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn utc_formats() {
        assert_eq!(super::utc(super::JAN_1_2026), "20260101T000000Z");
        assert_eq!(super::utc(1_780_272_000), "20260601T000000Z");
    }
}
