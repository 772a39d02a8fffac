//! One account's calendars, task lists and address books brought in from another CalDAV /
//! CardDAV server: discovery by PROPFIND (RFC 5397 current-user-principal, RFC 4791 §6.2.1
//! calendar-home-set, RFC 6352 §7.1.1 addressbook-home-set; the given URL may also be a home or
//! one collection), each collection's members by PROPFIND Depth 1, every object by
//! calendar-multiget (RFC 4791 §7.9) or addressbook-multiget (RFC 6352 §8.7) REPORTs of
//! `MULTIGET_BATCH` each — by GET one at a time from a source that refuses the REPORT, or for
//! an object a REPORT did not return — stored through `relais_groupware::Groupware::put`
//! (checked as any PUT is, without scheduling: a migrated meeting sends no invitations).
//! Idempotent and incremental: per object brought over, the store keeps the source's ETag and
//! the one it got here (`migration_objects`). A re-run reads again only what the source
//! changed (another ETag there) or never brought over; a changed object replaces the copy here
//! only while that copy is as the last run left it (If-Match on that ETag, so a client's write
//! in between is not lost either): one changed here since is kept and reported as a conflict,
//! and one deleted here since stays deleted. An object with no record (a run interrupted
//! between its write and the record, or a resource made here under the same name) is compared:
//! the same content is recorded and skipped, other content is kept here as a conflict. A
//! resource whose UID the collection holds under another name is skipped.

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use relais_dav_proto::client::{Found, parse_multistatus};
use relais_dav_proto::{Limits, NS_CALDAV, NS_CARDDAV, NS_DAV};
use relais_groupware::{CollectionProps, Condition, Groupware};
use relais_store::{AccountId, BlobHash, Collection, CollectionKind, Item};

use super::http_client::{HttpClient, Url};

const HOME_PROPS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav">
<d:prop><d:resourcetype/><d:current-user-principal/><c:calendar-home-set/><card:addressbook-home-set/></d:prop>
</d:propfind>"#;

const COLLECTION_PROPS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
<d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/><d:getetag/><d:current-user-privilege-set/></d:prop>
</d:propfind>"#;

/// Objects asked for in one multiget REPORT.
const MULTIGET_BATCH: usize = 100;

/// The source server and login.
pub struct DavSource {
    pub url: String,
    pub user: String,
    pub password: String,
}

/// What happened to one source collection.
#[derive(Debug)]
pub struct CollectionReport {
    pub kind: CollectionKind,
    pub source: String,
    pub target: String,
    pub added: usize,
    pub skipped: usize,
    /// Objects here already whose content changed at the source, replaced by its version.
    pub updated: usize,
    /// Objects changed (or deleted) here since the last run, kept as they are here although
    /// the source differs, by name.
    pub kept_here: Vec<String>,
    /// Objects the server or Relais refused, with why.
    pub failed: Vec<String>,
    /// Objects read by multiget REPORTs, and one by one by GET (the source refused the
    /// REPORT, or left them out of its answer).
    pub by_multiget: usize,
    pub by_get: usize,
}

/// Migrates every calendar, task list and address book of `source` into `account`.
pub async fn migrate(
    groupware: &Groupware,
    account: AccountId,
    source: &DavSource,
    tls: Arc<rustls::ClientConfig>,
    each: &mut (dyn FnMut(&CollectionReport) + Send),
) -> Result<Vec<CollectionReport>> {
    let url = Url::parse(&source.url)?;
    let mut client = HttpClient::new(url.clone(), &source.user, &source.password, tls);
    let collections = discover(&mut client, &url.path).await?;
    if collections.is_empty() {
        bail!("no calendar or address book found at {}", source.url);
    }
    let mut reports = Vec::new();
    let source_key = format!("{} {}", source.url, source.user);
    for found in collections {
        let report = migrate_collection(&mut client, groupware, account, &source_key, &found)
            .await
            .with_context(|| format!("collection {}", found.href))?;
        each(&report);
        reports.push(report);
    }
    Ok(reports)
}

async fn propfind(client: &mut HttpClient, path: &str, depth: &str, body: &str) -> Result<Vec<Found>> {
    let reply = client.request("PROPFIND", path, Some(depth), body).await?;
    match reply.status {
        207 => Ok(parse_multistatus(&reply.body, &Limits::default()).context("the source's multistatus")?),
        401 | 403 => bail!("the source server refused the login ({})", reply.status),
        s => bail!("PROPFIND {path}: the source server answered {s}"),
    }
}

/// The calendars and address books reachable from `path`.
async fn discover(client: &mut HttpClient, path: &str) -> Result<Vec<Found>> {
    let here = propfind(client, path, "0", HOME_PROPS).await?.into_iter().next().unwrap_or_default();
    if is_collection_of_objects(&here) {
        return collections_at(client, path, "0").await;
    }
    let mut homes = home_sets(&here);
    if homes.is_empty()
        && let Some(principal) = here.prop(NS_DAV, "current-user-principal").and_then(|p| p.hrefs.first())
    {
        let principal = client.origin.path_of(principal).context("the principal is on another server")?;
        let p = propfind(client, &principal, "0", HOME_PROPS).await?.into_iter().next().unwrap_or_default();
        homes = home_sets(&p);
    }
    if homes.is_empty() {
        homes.push(path.to_owned());
    }
    let mut out = Vec::new();
    for home in homes {
        let Some(home) = client.origin.path_of(&home) else { continue };
        out.extend(collections_at(client, &home, "1").await?);
    }
    Ok(out)
}

fn home_sets(f: &Found) -> Vec<String> {
    let mut out = Vec::new();
    for (ns, local) in [(NS_CALDAV, "calendar-home-set"), (NS_CARDDAV, "addressbook-home-set")] {
        if let Some(p) = f.prop(ns, local) {
            out.extend(p.hrefs.iter().cloned());
        }
    }
    out.dedup();
    out
}

/// A calendar or address book of the user's own: not a scheduling inbox or outbox, and not a
/// collection the user may only read (RFC 3744 §5.4: a directory such as a global address
/// list, or someone else's calendar shared read-only — its owner migrates it).
fn is_collection_of_objects(f: &Found) -> bool {
    let read_only = f.prop(NS_DAV, "current-user-privilege-set").is_some_and(|p| {
        !p.nested.iter().any(|n| {
            n.is(NS_DAV, "all") || n.is(NS_DAV, "write") || n.is(NS_DAV, "write-content") || n.is(NS_DAV, "bind")
        })
    });
    (f.is_a(NS_CALDAV, "calendar") || f.is_a(NS_CARDDAV, "addressbook"))
        && !f.is_a(NS_CALDAV, "schedule-inbox")
        && !f.is_a(NS_CALDAV, "schedule-outbox")
        && !read_only
}

async fn collections_at(client: &mut HttpClient, path: &str, depth: &str) -> Result<Vec<Found>> {
    Ok(propfind(client, path, depth, COLLECTION_PROPS).await?.into_iter().filter(is_collection_of_objects).collect())
}

/// Where a source collection goes: Relais's kind for it and its name.
fn target_of(found: &Found) -> (CollectionKind, String, Option<String>) {
    let kind = if found.is_a(NS_CARDDAV, "addressbook") {
        CollectionKind::AddressBook
    } else {
        let comps =
            found.prop(NS_CALDAV, "supported-calendar-component-set").map(|p| p.names.clone()).unwrap_or_default();
        if !comps.is_empty() && comps.iter().all(|c| c.eq_ignore_ascii_case("VTODO")) {
            CollectionKind::TaskList
        } else {
            CollectionKind::Calendar
        }
    };
    let name = last_segment(&found.href);
    let display = found.prop(NS_DAV, "displayname").map(|p| p.text.trim().to_owned()).filter(|d| !d.is_empty());
    (kind, name, display)
}

async fn target_collection(groupware: &Groupware, account: AccountId, found: &Found) -> Result<Collection> {
    let (kind, name, display) = target_of(found);
    let existing = groupware.store().read(move |r| r.collections(account, kind)).await?;
    if let Some(c) = existing.into_iter().find(|c| c.name == name) {
        return Ok(c);
    }
    let props = CollectionProps { display_name: display, ..CollectionProps::default() };
    Ok(groupware.create_collection(&relais_directory::Actor::system(account), account, kind, &name, props).await?)
}

async fn migrate_collection(
    client: &mut HttpClient,
    groupware: &Groupware,
    account: AccountId,
    source: &str,
    found: &Found,
) -> Result<CollectionReport> {
    let collection = target_collection(groupware, account, found).await?;
    let path = client.origin.path_of(&found.href).context("a collection on another server")?;
    let members: Vec<Found> = propfind(client, &path, "1", COLLECTION_PROPS)
        .await?
        .into_iter()
        .filter(|m| !m.is_a(NS_DAV, "collection"))
        .collect();
    let mut report = CollectionReport {
        kind: collection.kind,
        source: found.href.clone(),
        target: collection.name.clone(),
        added: 0,
        skipped: 0,
        updated: 0,
        kept_here: Vec::new(),
        failed: Vec::new(),
        by_multiget: 0,
        by_get: 0,
    };
    let (src, href) = (source.to_owned(), found.href.clone());
    let mut before = groupware.store().read(move |r| r.migrated_objects(account, &src, &href)).await?;
    let mut todo = Vec::new();
    for member in members {
        let name = last_segment(&member.href);
        if name.is_empty() {
            report.skipped += 1;
            continue;
        }
        let source_etag = member.prop(NS_DAV, "getetag").map(|p| p.text.trim().to_owned()).unwrap_or_default();
        let last = before.remove(&name);
        if let Some(last) = &last
            && !source_etag.is_empty()
            && last.source_etag == source_etag
        {
            report.skipped += 1; // the source has not changed it since
            continue;
        }
        let (id, n) = (collection.id, name.clone());
        let here = groupware.store().read(move |r| r.item_by_name(id, &n)).await?;
        let changed_here = match (&here, &last) {
            (Some(item), Some(last)) => relais_groupware::etag(item.modseq) != last.local_etag,
            (None, Some(_)) => true, // deleted here since
            (_, None) => false,
        };
        if changed_here {
            report.kept_here.push(name);
            continue;
        }
        if let Some(object) = client.origin.path_of(&member.href) {
            todo.push(Pending { name, object, here, source_etag, recorded: last.is_some() });
        }
    }
    let mut multiget_refused = false;
    for batch in todo.chunks(MULTIGET_BATCH) {
        let mut got = HashMap::new();
        if !multiget_refused {
            match multiget(client, &path, collection.kind, batch).await {
                Some(objects) => got = objects,
                None => multiget_refused = true,
            }
        }
        for Pending { name, object, here, source_etag, recorded } in batch {
            let body = match got.remove(name) {
                Some(body) => {
                    report.by_multiget += 1;
                    body
                }
                None => {
                    report.by_get += 1;
                    let reply = client.request("GET", object, None, "").await?;
                    if reply.status != 200 {
                        report.failed.push(format!("{name}: GET answered {}", reply.status));
                        continue;
                    }
                    reply.body
                }
            };
            // A new one only where no resource of that name is; a changed one only over the
            // version the last run left here (or, with no record of it, never: a resource of
            // that name made here is kept).
            let cond = match here {
                Some(item) if item.blob == Some(BlobHash::of(&body)) => {
                    record(
                        groupware,
                        account,
                        source,
                        &found.href,
                        name,
                        source_etag,
                        relais_groupware::etag(item.modseq),
                    )
                    .await?;
                    report.skipped += 1;
                    continue;
                }
                Some(_) if !recorded => {
                    report.kept_here.push(name.clone());
                    continue;
                }
                Some(item) => {
                    Condition { if_match: Some(vec![relais_groupware::etag(item.modseq)]), if_none_match: None }
                }
                None => Condition { if_match: None, if_none_match: Some(vec!["*".into()]) },
            };
            let actor = relais_directory::Actor::system(account);
            match groupware.put(&actor, &collection, name, body, cond).await {
                Ok(written) => {
                    record(groupware, account, source, &found.href, name, source_etag, written.etag().to_owned())
                        .await?;
                    match here {
                        Some(_) => report.updated += 1,
                        None => report.added += 1,
                    }
                }
                Err(relais_groupware::Error::UidConflict { .. }) => report.skipped += 1,
                Err(relais_groupware::Error::PreconditionFailed) => report.kept_here.push(name.clone()),
                Err(e) => report.failed.push(format!("{name}: {e}")),
            }
        }
    }
    Ok(report)
}

/// A source object to read: its resource name, its path at the source, the item of that name
/// here if there is one, the source's ETag for it (empty if the source gave none), and whether
/// an earlier run recorded bringing it over.
struct Pending {
    name: String,
    object: String,
    here: Option<Item>,
    source_etag: String,
    recorded: bool,
}

/// Records the versions of `name` at the source and here once they agree; with no ETag from
/// the source, nothing (the next run compares the content again).
async fn record(
    groupware: &Groupware,
    account: AccountId,
    source: &str,
    collection: &str,
    name: &str,
    source_etag: &str,
    local_etag: String,
) -> Result<()> {
    if source_etag.is_empty() {
        return Ok(());
    }
    let object = relais_store::MigratedObject { source_etag: source_etag.to_owned(), local_etag };
    let (source, collection, name) = (source.to_owned(), collection.to_owned(), name.to_owned());
    groupware.store().write(move |tx| tx.map_migrated_object(account, &source, &collection, &name, &object)).await?;
    Ok(())
}

/// The objects at `batch`'s paths by one calendar-multiget or addressbook-multiget REPORT on
/// the collection at `path`, by resource name; `None` when the source refuses the REPORT,
/// answers it with something that is not a multistatus, or the answer does not arrive whole
/// (too large, a broken connection): those objects then come by GET.
async fn multiget(
    client: &mut HttpClient,
    path: &str,
    kind: CollectionKind,
    batch: &[Pending],
) -> Option<HashMap<String, Vec<u8>>> {
    let (root, ns, data) = match kind {
        CollectionKind::AddressBook => ("addressbook-multiget", NS_CARDDAV, "address-data"),
        _ => ("calendar-multiget", NS_CALDAV, "calendar-data"),
    };
    let mut body = format!(r#"<?xml version="1.0" encoding="utf-8"?><x:{root} xmlns:d="DAV:" xmlns:x="{ns}">"#);
    body.push_str(&format!("<d:prop><d:getetag/><x:{data}/></d:prop>"));
    for p in batch {
        body.push_str(&format!("<d:href>{}</d:href>", xml_text(&p.object)));
    }
    body.push_str(&format!("</x:{root}>"));
    let reply = client.request("REPORT", path, Some("1"), &body).await.ok().filter(|r| r.status == 207)?;
    let found = parse_multistatus(&reply.body, &Limits::default()).ok()?;
    Some(
        found
            .into_iter()
            .filter_map(|f| {
                let text = &f.prop(ns, data)?.text;
                (!text.trim().is_empty()).then(|| (last_segment(&f.href), crlf(text)))
            })
            .collect(),
    )
}

/// Text for an XML element's content.
fn xml_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// An object's lines ending in CRLF, as iCalendar and vCard have them (RFC 5545 §3.1, RFC 6350
/// §3.2): a server that writes a CR as is in XML has it read back as LF (XML 1.0 §2.11).
fn crlf(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() + text.len() / 40);
    let mut previous = 0u8;
    for b in text.bytes() {
        if b == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        previous = b;
    }
    out
}

/// The last non-empty path segment, percent-decoded (RFC 3986 §2.1).
fn last_segment(href: &str) -> String {
    let segment = href.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
    crate::percent::decode(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_segments() {
        for (href, expected) in [
            ("/dav/calendars/a%40x/Work/", "Work"),
            ("/dav/calendars/a/R%C3%A9union%20x.ics", "Réunion x.ics"),
            ("http://h/c/e1.ics", "e1.ics"),
            ("/", ""),
            ("/x/100%", "100%"),
        ] {
            assert_eq!(last_segment(href), expected, "{href}");
        }
    }

    #[test]
    fn objects_from_xml_text_get_crlf() {
        assert_eq!(crlf("A\nB\r\nC\n"), b"A\r\nB\r\nC\r\n");
        assert_eq!(crlf("no end"), b"no end");
        assert_eq!(xml_text("/c/a&b<c>.ics"), "/c/a&amp;b&lt;c&gt;.ics");
    }

    #[test]
    fn kinds() {
        let body = r#"<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav">
<d:response><d:href>/c/Tasks/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
<c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop>
<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/c/Both/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
<d:displayname>Mixed</d:displayname></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/a/Contacts/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>
</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/gal/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>
<d:current-user-privilege-set><d:privilege><d:read/></d:privilege></d:current-user-privilege-set>
</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
<d:response><d:href>/c/inbox/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/><c:schedule-inbox/></d:resourcetype>
</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>"#;
        let found = parse_multistatus(body.as_bytes(), &Limits::default()).unwrap();
        let kept: Vec<_> = found.iter().filter(|f| is_collection_of_objects(f)).map(target_of).collect();
        assert_eq!(
            kept,
            vec![
                (CollectionKind::TaskList, "Tasks".to_owned(), None),
                (CollectionKind::Calendar, "Both".to_owned(), Some("Mixed".to_owned())),
                (CollectionKind::AddressBook, "Contacts".to_owned(), None),
            ]
        );
    }
}
