//! Element and property names: a namespace URI and a local name (XML Namespaces §3), the
//! namespaces DAV uses, and the well-known names the server and the parsers compare against.

use std::borrow::Cow;
use std::fmt;

/// RFC 4918 §21
pub const NS_DAV: &str = "DAV:";
/// RFC 4791 §5.3
pub const NS_CALDAV: &str = "urn:ietf:params:xml:ns:caldav";
/// RFC 6352 §5.3
pub const NS_CARDDAV: &str = "urn:ietf:params:xml:ns:carddav";
/// Apple's calendarserver.org extensions (getctag, calendar-proxy, …).
pub const NS_CALENDARSERVER: &str = "http://calendarserver.org/ns/";
/// Apple iCal extensions (calendar-color, calendar-order).
pub const NS_APPLE_ICAL: &str = "http://apple.com/ns/ical/";

/// Namespaces §3: bound to `xml` and never declared otherwise.
pub const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";
/// Namespaces §3: never declared.
pub const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

/// The prefixes the encoder declares once on the root, in this order.
pub(crate) const WELL_KNOWN: [(&str, &str); 5] =
    [("d", NS_DAV), ("cal", NS_CALDAV), ("card", NS_CARDDAV), ("cs", NS_CALENDARSERVER), ("ical", NS_APPLE_ICAL)];

/// An expanded XML name. `ns` is empty for an element in no namespace. Both parts are `Cow` so
/// that well-known names are `const` (see [`names`]) and parsing a known namespace does not
/// allocate it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QName {
    pub ns: Cow<'static, str>,
    pub local: Cow<'static, str>,
}

impl QName {
    /// A name from static parts, usable in `const`.
    pub const fn from_static(ns: &'static str, local: &'static str) -> QName {
        QName { ns: Cow::Borrowed(ns), local: Cow::Borrowed(local) }
    }

    /// A name from any parts; a well-known namespace is stored borrowed.
    pub fn new(ns: impl Into<String> + AsRef<str>, local: impl Into<String>) -> QName {
        let ns = match WELL_KNOWN.iter().find(|(_, uri)| *uri == ns.as_ref()) {
            Some((_, uri)) => Cow::Borrowed(*uri),
            None => Cow::Owned(ns.into()),
        };
        QName { ns, local: Cow::Owned(local.into()) }
    }

    /// `DAV:` + local.
    pub fn dav(local: impl Into<String>) -> QName {
        QName { ns: Cow::Borrowed(NS_DAV), local: Cow::Owned(local.into()) }
    }

    /// CalDAV namespace + local.
    pub fn caldav(local: impl Into<String>) -> QName {
        QName { ns: Cow::Borrowed(NS_CALDAV), local: Cow::Owned(local.into()) }
    }

    /// CardDAV namespace + local.
    pub fn carddav(local: impl Into<String>) -> QName {
        QName { ns: Cow::Borrowed(NS_CARDDAV), local: Cow::Owned(local.into()) }
    }

    /// Whether this is `{ns}local`.
    pub fn is(&self, ns: &str, local: &str) -> bool {
        self.ns == ns && self.local == local
    }

    /// Whether an encoder can write this name as an element: the local name is an `NCName`
    /// (Namespaces §4), the namespace holds only XML characters and is neither the xml nor
    /// the xmlns namespace (which may not be bound to the prefix the encoder would declare).
    pub fn is_writable(&self) -> bool {
        is_ncname(&self.local) && self.ns.chars().all(is_xml_char) && self.ns != NS_XML && self.ns != NS_XMLNS
    }

    /// The prefix the encoder declares on the root for this name's namespace, if any.
    pub(crate) fn well_known_prefix(&self) -> Option<&'static str> {
        WELL_KNOWN.iter().find(|(_, uri)| *uri == self.ns).map(|(p, _)| *p)
    }
}

/// XML 1.0 §2.2 Char (a `char` is never a surrogate).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{fffd}' | '\u{10000}'..)
}

/// XML 1.0 §2.3 NameStartChar, without ':' (Namespaces §3 NCName).
fn is_name_start(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{c0}'..='\u{d6}' | '\u{d8}'..='\u{f6}' | '\u{f8}'..='\u{2ff}'
        | '\u{370}'..='\u{37d}' | '\u{37f}'..='\u{1fff}' | '\u{200c}'..='\u{200d}' | '\u{2070}'..='\u{218f}'
        | '\u{2c00}'..='\u{2fef}' | '\u{3001}'..='\u{d7ff}' | '\u{f900}'..='\u{fdcf}' | '\u{fdf0}'..='\u{fffd}'
        | '\u{10000}'..='\u{effff}')
}

/// XML 1.0 §2.3 NameChar, without ':'.
fn is_name_char(c: char) -> bool {
    is_name_start(c) || matches!(c, '-' | '.' | '0'..='9' | '\u{b7}' | '\u{300}'..='\u{36f}' | '\u{203f}'..='\u{2040}')
}

/// Namespaces §3 NCName: an XML name without a colon.
pub fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(is_name_start) && chars.all(is_name_char)
}

/// Clark notation, `{DAV:}displayname`, for logs and error messages.
impl fmt::Display for QName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{{{}}}{}", self.ns, self.local)
    }
}

/// Well-known element and property names.
pub mod names {
    use super::{NS_APPLE_ICAL as ICAL, NS_CALDAV as CAL, NS_CALENDARSERVER as CS, NS_CARDDAV as CARD};
    use super::{NS_DAV as D, QName};

    macro_rules! names {
        ($($(#[$m:meta])* $id:ident = $ns:ident $local:literal;)*) => {
            $($(#[$m])* pub const $id: QName = QName::from_static($ns, $local);)*
        };
    }

    names! {
        // RFC 4918 §15 live properties and §14 elements
        CREATIONDATE = D "creationdate";
        DISPLAYNAME = D "displayname";
        GETCONTENTLANGUAGE = D "getcontentlanguage";
        GETCONTENTLENGTH = D "getcontentlength";
        GETCONTENTTYPE = D "getcontenttype";
        GETETAG = D "getetag";
        GETLASTMODIFIED = D "getlastmodified";
        LOCKDISCOVERY = D "lockdiscovery";
        RESOURCETYPE = D "resourcetype";
        SUPPORTEDLOCK = D "supportedlock";
        COLLECTION = D "collection";
        HREF = D "href";
        // RFC 3744 §4, §5 (ACL)
        PRINCIPAL = D "principal";
        OWNER = D "owner";
        GROUP = D "group";
        CURRENT_USER_PRINCIPAL = D "current-user-principal";
        CURRENT_USER_PRIVILEGE_SET = D "current-user-privilege-set";
        SUPPORTED_PRIVILEGE_SET = D "supported-privilege-set";
        ACL = D "acl";
        ACL_RESTRICTIONS = D "acl-restrictions";
        PRINCIPAL_URL = D "principal-URL";
        PRINCIPAL_COLLECTION_SET = D "principal-collection-set";
        GROUP_MEMBER_SET = D "group-member-set";
        GROUP_MEMBERSHIP = D "group-membership";
        ALTERNATE_URI_SET = D "alternate-URI-set";
        NEED_PRIVILEGES = D "need-privileges";
        // RFC 3744 §3.1 privileges
        PRIV_READ = D "read";
        PRIV_WRITE = D "write";
        PRIV_WRITE_PROPERTIES = D "write-properties";
        PRIV_WRITE_CONTENT = D "write-content";
        PRIV_UNLOCK = D "unlock";
        PRIV_READ_ACL = D "read-acl";
        PRIV_READ_CURRENT_USER_PRIVILEGE_SET = D "read-current-user-privilege-set";
        PRIV_WRITE_ACL = D "write-acl";
        PRIV_BIND = D "bind";
        PRIV_UNBIND = D "unbind";
        PRIV_ALL = D "all";
        // RFC 3253 §3.1.5, RFC 6578 §4, RFC 4331 §3, RFC 5397 §3
        SUPPORTED_REPORT_SET = D "supported-report-set";
        SUPPORTED_REPORT = D "supported-report";
        SYNC_TOKEN = D "sync-token";
        VALID_SYNC_TOKEN = D "valid-sync-token";
        NUMBER_OF_MATCHES_WITHIN_LIMITS = D "number-of-matches-within-limits";
        QUOTA_AVAILABLE_BYTES = D "quota-available-bytes";
        QUOTA_USED_BYTES = D "quota-used-bytes";
        ADD_MEMBER = D "add-member";
        // Reports (RFC 3253 §3.8, RFC 3744 §9, RFC 6578 §3.2)
        EXPAND_PROPERTY = D "expand-property";
        PRINCIPAL_PROPERTY_SEARCH = D "principal-property-search";
        PRINCIPAL_SEARCH_PROPERTY_SET = D "principal-search-property-set";
        ACL_PRINCIPAL_PROP_SET = D "acl-principal-prop-set";
        PRINCIPAL_MATCH = D "principal-match";
        SYNC_COLLECTION = D "sync-collection";
        // RFC 4791 CalDAV
        CALENDAR = CAL "calendar";
        CALENDAR_DESCRIPTION = CAL "calendar-description";
        CALENDAR_TIMEZONE = CAL "calendar-timezone";
        CALENDAR_TIMEZONE_ID = CAL "calendar-timezone-id";
        SUPPORTED_CALENDAR_COMPONENT_SET = CAL "supported-calendar-component-set";
        SUPPORTED_CALENDAR_DATA = CAL "supported-calendar-data";
        MAX_RESOURCE_SIZE = CAL "max-resource-size";
        MIN_DATE_TIME = CAL "min-date-time";
        MAX_DATE_TIME = CAL "max-date-time";
        MAX_INSTANCES = CAL "max-instances";
        MAX_ATTENDEES_PER_INSTANCE = CAL "max-attendees-per-instance";
        CALENDAR_HOME_SET = CAL "calendar-home-set";
        CALENDAR_USER_ADDRESS_SET = CAL "calendar-user-address-set";
        SCHEDULE_INBOX_URL = CAL "schedule-inbox-URL";
        SCHEDULE_OUTBOX_URL = CAL "schedule-outbox-URL";
        CALENDAR_DATA = CAL "calendar-data";
        CALENDAR_QUERY = CAL "calendar-query";
        CALENDAR_MULTIGET = CAL "calendar-multiget";
        FREE_BUSY_QUERY = CAL "free-busy-query";
        CALDAV_VALID_FILTER = CAL "valid-filter";
        CALDAV_SUPPORTED_FILTER = CAL "supported-filter";
        CALDAV_VALID_CALENDAR_DATA = CAL "valid-calendar-data";
        CALDAV_VALID_CALENDAR_OBJECT_RESOURCE = CAL "valid-calendar-object-resource";
        CALDAV_SUPPORTED_CALENDAR_COMPONENT = CAL "supported-calendar-component";
        CALDAV_NO_UID_CONFLICT = CAL "no-uid-conflict";
        CALDAV_SUPPORTED_COLLATION = CAL "supported-collation";
        PRIV_READ_FREE_BUSY = CAL "read-free-busy";
        // RFC 6352 CardDAV
        ADDRESSBOOK = CARD "addressbook";
        ADDRESSBOOK_DESCRIPTION = CARD "addressbook-description";
        SUPPORTED_ADDRESS_DATA = CARD "supported-address-data";
        CARDDAV_MAX_RESOURCE_SIZE = CARD "max-resource-size";
        ADDRESSBOOK_HOME_SET = CARD "addressbook-home-set";
        PRINCIPAL_ADDRESS = CARD "principal-address";
        ADDRESS_DATA = CARD "address-data";
        ADDRESSBOOK_QUERY = CARD "addressbook-query";
        ADDRESSBOOK_MULTIGET = CARD "addressbook-multiget";
        CARDDAV_VALID_ADDRESS_DATA = CARD "valid-address-data";
        CARDDAV_NO_UID_CONFLICT = CARD "no-uid-conflict";
        CARDDAV_SUPPORTED_FILTER = CARD "supported-filter";
        CARDDAV_SUPPORTED_COLLATION = CARD "supported-collation";
        // calendarserver.org and Apple
        GETCTAG = CS "getctag";
        CALENDAR_PROXY_READ = CS "calendar-proxy-read";
        CALENDAR_PROXY_WRITE = CS "calendar-proxy-write";
        CALENDAR_COLOR = ICAL "calendar-color";
        CALENDAR_ORDER = ICAL "calendar-order";
    }
}
