//! Properties of each kind of node: the live ones computed here from the store and directory,
//! the dead ones a client set on a collection (kept verbatim in `CollectionProps::dead`).

use std::borrow::Cow;

use relais_dav_proto::{NS_APPLE_ICAL, NS_CALDAV, NS_CALENDARSERVER, NS_CARDDAV, NS_DAV, PropValue, QName, names};
use relais_directory::Rights;
use relais_groupware::CollectionProps;
use relais_groupware::files::FileMeta;
use relais_store::{Collection, CollectionKind, Item, Principal, PrincipalKind};

use crate::Ctx;
use crate::path::{self, Home};

/// What a property is asked of.
pub(crate) enum Subject<'a> {
    Root,
    Principals,
    Principal(&'a Principal),
    Home(Home, &'a Principal),
    /// With the caller's rights on it (see `Ctx::rights`).
    Collection(Home, &'a Principal, &'a Collection, &'a CollectionProps, Rights),
    Resource(Home, &'a ResourceView<'a>),
    /// The global address list, at the directory's modseq.
    Gal(&'a Principal, relais_store::Modseq),
    /// A scheduling inbox or outbox (RFC 6638 §2.1, §2.2).
    Schedule(&'a Principal, crate::node::ScheduleBox),
    /// A folder of a file store (its root is the files home), with its properties.
    Folder(&'a Principal, &'a Collection, &'a CollectionProps),
    /// A file of a file store.
    File(&'a Item, &'a FileMeta),
}

/// The sync-token of the global address list: the directory's modseq.
pub(crate) fn gal_sync_token(state: relais_store::Modseq) -> String {
    format!("urn:x-relais:gal:{}", state.0)
}

pub(crate) fn parse_gal_sync_token(token: &str) -> Option<u64> {
    token.trim().strip_prefix("urn:x-relais:gal:")?.parse().ok()
}

/// A resource as its properties need it; `data` only when the content was loaded.
pub(crate) struct ResourceView<'a> {
    pub etag: String,
    pub size: u64,
    pub data: Option<&'a str>,
}

/// The sync-token of a collection at its current modseq (RFC 6578 §3.2): a URI naming the
/// collection and the modseq.
pub(crate) fn sync_token(c: &Collection) -> String {
    format!("urn:x-relais:sync:{}:{}", c.id.0, c.modseq.0)
}

/// Reads a token of ours: (collection id, modseq).
pub(crate) fn parse_sync_token(token: &str) -> Option<(i64, u64)> {
    let rest = token.trim().strip_prefix("urn:x-relais:sync:")?;
    let (c, m) = rest.split_once(':')?;
    Some((c.parse().ok()?, m.parse().ok()?))
}

fn text<'a>(s: impl Into<Cow<'a, str>>) -> Option<PropValue<'a>> {
    Some(PropValue::Text(s.into()))
}

fn href<'a>(s: String) -> Option<PropValue<'a>> {
    Some(PropValue::Href(Cow::Owned(s)))
}

const CALENDAR_REPORTS: [QName; 5] = [
    names::CALENDAR_QUERY,
    names::CALENDAR_MULTIGET,
    names::FREE_BUSY_QUERY,
    names::SYNC_COLLECTION,
    names::EXPAND_PROPERTY,
];
const CARD_REPORTS: [QName; 4] =
    [names::ADDRESSBOOK_QUERY, names::ADDRESSBOOK_MULTIGET, names::SYNC_COLLECTION, names::EXPAND_PROPERTY];
const PRINCIPAL_REPORTS: [QName; 3] =
    [names::PRINCIPAL_PROPERTY_SEARCH, names::PRINCIPAL_SEARCH_PROPERTY_SET, names::EXPAND_PROPERTY];

/// The privileges the caller holds: full rights on its own data, read elsewhere.
fn privileges(own: bool) -> Vec<QName> {
    if own {
        vec![
            names::PRIV_ALL,
            names::PRIV_READ,
            names::PRIV_WRITE,
            names::PRIV_WRITE_PROPERTIES,
            names::PRIV_WRITE_CONTENT,
            names::PRIV_BIND,
            names::PRIV_UNBIND,
            names::PRIV_READ_ACL,
            names::PRIV_READ_CURRENT_USER_PRIVILEGE_SET,
        ]
    } else {
        vec![names::PRIV_READ, names::PRIV_READ_CURRENT_USER_PRIVILEGE_SET]
    }
}

/// A principal's DAV:displayname: its name, else its address. Principal searches match this
/// same value, so a client finds a principal by the name it was shown.
pub(crate) fn principal_display_name(p: &Principal) -> String {
    if p.display_name.is_empty() { p.address() } else { p.display_name.clone() }
}

/// RFC 3744 §3: what the caller's rights on a collection amount to (the same view of
/// `Rights` as the DAV:acl ACEs, `node::granted`); every right is DAV:all.
fn shared_privileges(rights: Rights) -> Vec<QName> {
    if rights.contains(Rights::ALL & !Rights::FREE_BUSY) {
        return privileges(true);
    }
    let mut out = Vec::new();
    if rights.contains(Rights::READ) {
        out.extend([names::PRIV_READ, names::PRIV_READ_FREE_BUSY]);
    } else if rights.contains(Rights::FREE_BUSY) {
        out.push(names::PRIV_READ_FREE_BUSY);
    }
    let parts = [
        (Rights::WRITE_FLAGS, names::PRIV_WRITE_CONTENT),
        (Rights::INSERT, names::PRIV_BIND),
        (Rights::DELETE_ITEMS | Rights::EXPUNGE, names::PRIV_UNBIND),
    ];
    out.extend(parts.iter().filter(|(r, _)| rights.contains(*r)).map(|(_, p)| p.clone()));
    if rights.contains(Rights::ADMIN) {
        out.extend([names::PRIV_READ_ACL, names::PRIV_WRITE_ACL, names::PRIV_WRITE_PROPERTIES]);
    }
    out.push(names::PRIV_READ_CURRENT_USER_PRIVILEGE_SET);
    out
}

fn calendar_user_type(p: &Principal) -> &'static str {
    match p.kind {
        PrincipalKind::Room => "ROOM",
        PrincipalKind::Equipment => "RESOURCE",
        PrincipalKind::Group => "GROUP",
        PrincipalKind::User | PrincipalKind::Shared => "INDIVIDUAL",
    }
}

/// The value of `name` on `subject`, or `None` when it has no such property (404 propstat).
pub(crate) fn value<'a>(ctx: &Ctx<'_>, subject: &Subject<'a>, name: &QName) -> Option<PropValue<'a>> {
    let me = ctx.user.address();
    // Properties every node has.
    if name.ns == NS_DAV {
        match name.local.as_ref() {
            "current-user-principal" => return href(path::principal_href(&me)),
            "principal-collection-set" => return Some(PropValue::Hrefs(vec![Cow::Borrowed("/dav/principals/")])),
            _ => {}
        }
    }
    if matches!(subject, Subject::Collection(..))
        && name.local == "max-resource-size"
        && (name.ns == NS_CALDAV || name.ns == NS_CARDDAV)
    {
        return text(ctx.dav.config.max_resource_size.to_string());
    }
    if is_quota(name) {
        return quota(ctx, subject, name);
    }
    if let (Subject::Collection(..), true) = (subject, name.ns == NS_DAV) {
        match name.local.as_ref() {
            "supported-privilege-set" => return Some(PropValue::Xml(Cow::Borrowed(SUPPORTED_PRIVILEGES))),
            "acl" => {
                let Subject::Collection(_, _, c, ..) = subject else { return None };
                let acls = ctx.acls.lock().ok()?;
                return acls.get(&c.id.0).map(|x| PropValue::Xml(Cow::Owned(x.clone())));
            }
            _ => {}
        }
    }
    match subject {
        Subject::Root | Subject::Principals => match (name.ns.as_ref(), name.local.as_ref()) {
            (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(vec![names::COLLECTION])),
            (NS_DAV, "displayname") => text(if matches!(subject, Subject::Root) { "Relais" } else { "Principals" }),
            (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(privileges(false))),
            (NS_DAV, "supported-report-set") if matches!(subject, Subject::Principals) => {
                Some(PropValue::ReportSet(PRINCIPAL_REPORTS.to_vec()))
            }
            _ => None,
        },
        Subject::Principal(p) => principal(p, p.id == ctx.user.id, name),
        Subject::Home(home, owner) => match (name.ns.as_ref(), name.local.as_ref()) {
            (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(vec![names::COLLECTION])),
            (NS_DAV, "displayname") => text(owner.display_name.clone()),
            (NS_DAV, "owner") => href(path::principal_href(&owner.address())),
            (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(privileges(true))),
            (NS_DAV, "supported-report-set") => Some(PropValue::ReportSet(match home {
                Home::Calendars => vec![names::EXPAND_PROPERTY],
                Home::AddressBooks => vec![names::EXPAND_PROPERTY],
            })),
            _ => None,
        },
        Subject::Collection(home, owner, c, props, rights) => collection(*home, owner, c, props, *rights, name),
        Subject::Resource(home, r) => resource(*home, r, name),
        Subject::Gal(owner, state) => gal(owner, *state, name),
        Subject::Schedule(owner, b) => match (name.ns.as_ref(), name.local.as_ref()) {
            (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(vec![
                names::COLLECTION,
                QName::caldav(match b {
                    crate::node::ScheduleBox::Inbox => "schedule-inbox",
                    crate::node::ScheduleBox::Outbox => "schedule-outbox",
                }),
            ])),
            (NS_DAV, "displayname") => text(b.name()),
            (NS_DAV, "owner") => href(path::principal_href(&owner.address())),
            (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(privileges(true))),
            _ => None,
        },
        Subject::Folder(owner, c, props) => folder(owner, c, props, name),
        Subject::File(item, meta) => file(item, meta, name),
    }
}

/// RFC 3744 §5.3: what can be granted on a calendar or address book (`methods::acl`): DAV:read,
/// or DAV:write with its parts; the rest is the owner's.
const SUPPORTED_PRIVILEGES: &str = "<d:supported-privilege><d:privilege><d:all/></d:privilege>\
<d:description xml:lang=\"en\">Everything: the owner's</d:description>\
<d:supported-privilege><d:privilege><d:read/></d:privilege><d:description xml:lang=\"en\">Read</d:description>\
<d:supported-privilege><d:privilege><d:read-current-user-privilege-set/></d:privilege>\
<d:description xml:lang=\"en\">Read one's own privileges</d:description></d:supported-privilege>\
<d:supported-privilege><d:privilege><cal:read-free-busy/></d:privilege>\
<d:description xml:lang=\"en\">Free and busy time only (RFC 4791 6.1.1)</d:description></d:supported-privilege></d:supported-privilege>\
<d:supported-privilege><d:privilege><d:write/></d:privilege><d:description xml:lang=\"en\">Write</d:description>\
<d:supported-privilege><d:privilege><d:write-properties/></d:privilege><d:description xml:lang=\"en\">Write properties</d:description></d:supported-privilege>\
<d:supported-privilege><d:privilege><d:write-content/></d:privilege><d:description xml:lang=\"en\">Write content</d:description></d:supported-privilege>\
<d:supported-privilege><d:privilege><d:bind/></d:privilege><d:description xml:lang=\"en\">Add resources</d:description></d:supported-privilege>\
<d:supported-privilege><d:privilege><d:unbind/></d:privilege><d:description xml:lang=\"en\">Remove resources</d:description></d:supported-privilege>\
</d:supported-privilege>\
<d:supported-privilege><d:privilege><d:read-acl/></d:privilege><d:description xml:lang=\"en\">Read the ACL</d:description></d:supported-privilege>\
<d:supported-privilege><d:privilege><d:write-acl/></d:privilege><d:description xml:lang=\"en\">Share</d:description></d:supported-privilege>\
</d:supported-privilege>";

/// RFC 4331 §3, §4: DAV:quota-available-bytes and DAV:quota-used-bytes.
pub(crate) fn is_quota(name: &QName) -> bool {
    name.ns == NS_DAV && (name.local == "quota-available-bytes" || name.local == "quota-used-bytes")
}

/// The caller's quota on its own homes, collections and folders: one quota per account, so
/// every collection shows the account's figures. Available bytes only under a quota.
fn quota<'a>(ctx: &Ctx<'_>, subject: &Subject<'_>, name: &QName) -> Option<PropValue<'a>> {
    let own = match subject {
        Subject::Home(_, owner) | Subject::Folder(owner, ..) => owner.id == ctx.user.id,
        Subject::Collection(_, _, c, ..) => c.account == ctx.user.id,
        _ => false,
    };
    let (used, limit) = *ctx.quota.get().filter(|_| own)?;
    match name.local.as_ref() {
        "quota-used-bytes" => text(used.to_string()),
        _ => limit.map(|q| PropValue::Text(q.saturating_sub(used).to_string().into())),
    }
}

/// The file store's own name for its home.
const FILES_DISPLAY_NAME: &str = "Files";

fn folder<'a>(owner: &Principal, c: &Collection, props: &CollectionProps, name: &QName) -> Option<PropValue<'a>> {
    match (name.ns.as_ref(), name.local.as_ref()) {
        (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(vec![names::COLLECTION])),
        (NS_DAV, "displayname") => text(
            props
                .display_name
                .clone()
                .unwrap_or_else(|| if c.parent.is_none() { FILES_DISPLAY_NAME.to_owned() } else { c.name.clone() }),
        ),
        (NS_DAV, "owner") => href(path::principal_href(&owner.address())),
        (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(privileges(true))),
        (NS_DAV, "getetag") => text(relais_groupware::etag(c.modseq)),
        (NS_DAV, "supported-report-set") => Some(PropValue::ReportSet(Vec::new())),
        _ => dead(&props.dead, name),
    }
}

fn file<'a>(item: &Item, meta: &FileMeta, name: &QName) -> Option<PropValue<'a>> {
    match (name.ns.as_ref(), name.local.as_ref()) {
        (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(Vec::new())),
        (NS_DAV, "getetag") => text(relais_groupware::etag(item.modseq)),
        (NS_DAV, "getcontentlength") => text(item.size.to_string()),
        (NS_DAV, "getcontenttype") => text(file_content_type(meta).to_owned()),
        (NS_DAV, "getlastmodified") => text(relais_dav_proto::format_http_date(meta.modified)),
        (NS_DAV, "creationdate") => text(relais_dav_proto::format_rfc3339(meta.created)),
        (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(privileges(true))),
        _ => dead(&meta.dead, name),
    }
}

/// A file's media type: as it was sent, else opaque bytes.
pub(crate) fn file_content_type(meta: &FileMeta) -> &str {
    meta.content_type.as_deref().unwrap_or("application/octet-stream")
}

fn dead<'a>(dead: &std::collections::BTreeMap<String, String>, name: &QName) -> Option<PropValue<'a>> {
    dead.get(&clark(name)).map(|x| PropValue::Dead(Cow::Owned(x.clone())))
}

/// `{ns}local`, the key of a dead property.
pub(crate) fn clark(name: &QName) -> String {
    format!("{{{}}}{}", name.ns, name.local)
}

/// The global address list: an address book anyone may read and nobody may write.
fn gal<'a>(owner: &Principal, state: relais_store::Modseq, name: &QName) -> Option<PropValue<'a>> {
    match (name.ns.as_ref(), name.local.as_ref()) {
        (NS_DAV, "resourcetype") => {
            Some(PropValue::ResourceType(vec![names::COLLECTION, QName::carddav("addressbook")]))
        }
        (NS_DAV, "displayname") => text(relais_groupware::gal::DISPLAY_NAME),
        (NS_CARDDAV, "addressbook-description") => {
            text("Everyone in the organisation: people, groups, rooms and equipment")
        }
        (NS_DAV, "owner") => href(path::principal_href(&owner.address())),
        (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(privileges(false))),
        (NS_DAV, "supported-report-set") => Some(PropValue::ReportSet(CARD_REPORTS.to_vec())),
        (NS_DAV, "sync-token") => text(gal_sync_token(state)),
        (NS_CALENDARSERVER, "getctag") => text(format!("\"g{}\"", state.0)),
        (NS_CARDDAV, "supported-address-data") => Some(PropValue::Xml(Cow::Borrowed(
            "<card:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>\
             <card:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>",
        ))),
        _ => None,
    }
}

fn principal<'a>(p: &Principal, own: bool, name: &QName) -> Option<PropValue<'a>> {
    let address = p.address();
    match (name.ns.as_ref(), name.local.as_ref()) {
        (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(vec![names::PRINCIPAL])),
        (NS_DAV, "displayname") => text(principal_display_name(p)),
        (NS_DAV, "principal-URL") | (NS_DAV, "owner") => href(path::principal_href(&address)),
        (NS_DAV, "alternate-URI-set") => Some(PropValue::Hrefs(vec![Cow::Owned(format!("mailto:{address}"))])),
        (NS_DAV, "group-membership") | (NS_DAV, "group-member-set") => Some(PropValue::Hrefs(Vec::new())),
        (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(privileges(own))),
        (NS_DAV, "supported-report-set") => Some(PropValue::ReportSet(PRINCIPAL_REPORTS.to_vec())),
        (NS_CALDAV, "calendar-home-set") => href(path::home_href(Home::Calendars, &address)),
        (NS_CALDAV, "calendar-user-address-set") => Some(PropValue::Hrefs(vec![
            Cow::Owned(format!("mailto:{address}")),
            Cow::Owned(path::principal_href(&address)),
        ])),
        (NS_CALDAV, "calendar-user-type") => text(calendar_user_type(p)),
        // RFC 6638 §2.1.1, §2.2.1: where scheduling messages arrive and free/busy is asked.
        (NS_CALDAV, "schedule-inbox-URL") => href(path::collection_href(Home::Calendars, &address, "inbox")),
        (NS_CALDAV, "schedule-outbox-URL") => href(path::collection_href(Home::Calendars, &address, "outbox")),
        (NS_CARDDAV, "addressbook-home-set") => href(path::home_href(Home::AddressBooks, &address)),
        (NS_CALENDARSERVER, "email-address-set") => {
            let mut xml = String::from("<cs:email-address>");
            relais_dav_proto::escape_text(&mut xml, &address);
            xml.push_str("</cs:email-address>");
            Some(PropValue::Xml(Cow::Owned(xml)))
        }
        _ => None,
    }
}

fn collection<'a>(
    home: Home,
    owner: &Principal,
    c: &Collection,
    props: &CollectionProps,
    rights: Rights,
    name: &QName,
) -> Option<PropValue<'a>> {
    let calendar = home == Home::Calendars;
    match (name.ns.as_ref(), name.local.as_ref()) {
        (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(if calendar {
            vec![names::COLLECTION, QName::caldav("calendar")]
        } else {
            vec![names::COLLECTION, QName::carddav("addressbook")]
        })),
        (NS_DAV, "displayname") => text(props.display_name.clone().unwrap_or_else(|| c.name.clone())),
        (NS_DAV, "owner") => href(path::principal_href(&owner.address())),
        (NS_DAV, "current-user-privilege-set") => Some(PropValue::Privileges(shared_privileges(rights))),
        (NS_DAV, "supported-report-set") => {
            Some(PropValue::ReportSet(if calendar { CALENDAR_REPORTS.to_vec() } else { CARD_REPORTS.to_vec() }))
        }
        (NS_DAV, "sync-token") => text(sync_token(c)),
        (NS_CALENDARSERVER, "getctag") => text(format!("\"{}\"", c.modseq.0)),
        (NS_DAV, "getetag") => text(format!("\"c{}\"", c.modseq.0)),
        (NS_CALDAV, "calendar-description") if calendar => props.description.clone().map(|d| PropValue::Text(d.into())),
        (NS_CARDDAV, "addressbook-description") if !calendar => {
            props.description.clone().map(|d| PropValue::Text(d.into()))
        }
        (NS_CALDAV, "calendar-timezone") if calendar => props.timezone.clone().map(|t| PropValue::Text(t.into())),
        (NS_APPLE_ICAL, "calendar-color") if calendar => props.color.clone().map(|t| PropValue::Text(t.into())),
        (NS_APPLE_ICAL, "calendar-order") if calendar => props.order.clone().map(|t| PropValue::Text(t.into())),
        (NS_CALDAV, "supported-calendar-component-set") if calendar => Some(PropValue::ComponentSet(
            props.supported(c.kind == CollectionKind::TaskList).into_iter().map(|k| Cow::Borrowed(k.name())).collect(),
        )),
        (NS_CALDAV, "supported-calendar-data") if calendar => {
            Some(PropValue::Xml(Cow::Borrowed("<cal:calendar-data content-type=\"text/calendar\" version=\"2.0\"/>")))
        }
        (NS_CARDDAV, "supported-address-data") if !calendar => Some(PropValue::Xml(Cow::Borrowed(
            "<card:address-data-type content-type=\"text/vcard\" version=\"3.0\"/>\
             <card:address-data-type content-type=\"text/vcard\" version=\"4.0\"/>",
        ))),
        _ => dead(&props.dead, name),
    }
}

fn resource<'a>(home: Home, r: &ResourceView<'a>, name: &QName) -> Option<PropValue<'a>> {
    match (name.ns.as_ref(), name.local.as_ref()) {
        (NS_DAV, "resourcetype") => Some(PropValue::ResourceType(Vec::new())),
        (NS_DAV, "getetag") => text(r.etag.clone()),
        (NS_DAV, "getcontentlength") => text(r.size.to_string()),
        (NS_DAV, "getcontenttype") => text(content_type(home)),
        (NS_CALDAV, "calendar-data") if home == Home::Calendars => r.data.map(|d| PropValue::Text(Cow::Borrowed(d))),
        (NS_CARDDAV, "address-data") if home == Home::AddressBooks => r.data.map(|d| PropValue::Text(Cow::Borrowed(d))),
        _ => None,
    }
}

pub(crate) fn content_type(home: Home) -> &'static str {
    match home {
        Home::Calendars => "text/calendar; charset=utf-8",
        Home::AddressBooks => "text/vcard; charset=utf-8",
    }
}

/// What allprop returns (RFC 4918 §9.1: the live properties defined there, plus ours that are
/// cheap) and what propname lists.
pub(crate) fn allprop(subject: &Subject<'_>) -> Vec<QName> {
    let mut v = vec![names::RESOURCETYPE, names::DISPLAYNAME];
    match subject {
        Subject::Resource(..) => {
            v = vec![names::RESOURCETYPE, names::GETETAG, names::GETCONTENTLENGTH, names::GETCONTENTTYPE];
        }
        Subject::Collection(home, _, _, props, _) => {
            v.extend([names::OWNER, names::SYNC_TOKEN, QName::from_static(NS_CALENDARSERVER, "getctag")]);
            if *home == Home::Calendars {
                v.push(QName::caldav("supported-calendar-component-set"));
            }
            v.extend(props.dead.keys().filter_map(|k| parse_clark(k)));
        }
        Subject::Principal(_) => v.extend([names::PRINCIPAL_URL, QName::caldav("calendar-home-set")]),
        Subject::Gal(..) => {
            v.extend([names::OWNER, names::SYNC_TOKEN, QName::from_static(NS_CALENDARSERVER, "getctag")])
        }
        Subject::Folder(_, _, props) => {
            v.extend([names::OWNER, names::GETETAG]);
            v.extend(props.dead.keys().filter_map(|k| parse_clark(k)));
        }
        Subject::File(_, meta) => {
            v = vec![
                names::RESOURCETYPE,
                names::GETETAG,
                names::GETCONTENTLENGTH,
                names::GETCONTENTTYPE,
                QName::dav("getlastmodified"),
                QName::dav("creationdate"),
            ];
            v.extend(meta.dead.keys().filter_map(|k| parse_clark(k)));
        }
        _ => {}
    }
    v
}

/// `{ns}local` → QName.
pub(crate) fn parse_clark(s: &str) -> Option<QName> {
    let (ns, local) = s.strip_prefix('{')?.split_once('}')?;
    Some(QName::new(ns, local))
}
