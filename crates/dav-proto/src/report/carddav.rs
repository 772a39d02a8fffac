//! CardDAV reports.
//!
//! ```text
//! <!ELEMENT addressbook-query ((DAV:allprop | DAV:propname | DAV:prop)?, filter, limit?)>   RFC 6352 §10.3
//! <!ELEMENT addressbook-multiget ((DAV:allprop | DAV:propname | DAV:prop)?, DAV:href+)>     RFC 6352 §10.7
//! <!ELEMENT limit (nresults)>                                                               RFC 6352 §10.6
//! ```

use crate::error::DavXmlError;
use crate::filter::{self, CardFilter};
use crate::propfind::PropFind;
use crate::qname::NS_CARDDAV;
use crate::xml::Element;

/// RFC 6352 §8.6 addressbook-query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressbookQuery {
    pub props: Option<PropFind>,
    pub filter: CardFilter,
    /// §8.6.1: at most this many results; beyond it the server answers 507 for the request
    /// URI with DAV:number-of-matches-within-limits.
    pub limit: Option<u32>,
}

/// RFC 6352 §8.7 addressbook-multiget.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressbookMultiget {
    pub props: Option<PropFind>,
    pub hrefs: Vec<String>,
}

pub(super) fn addressbook_query(root: &Element) -> Result<AddressbookQuery, DavXmlError> {
    // §10.3 requires the filter; an absent one is read leniently as an empty filter, which
    // matches every address object (§10.5: anyof over no prop-filters is "match all").
    let filter = match root.child(NS_CARDDAV, "filter") {
        Some(f) => filter::card_filter(f)?,
        None => CardFilter::default(),
    };
    Ok(AddressbookQuery { props: PropFind::from_parent(root)?, filter, limit: super::limit(root)? })
}

pub(super) fn addressbook_multiget(root: &Element) -> Result<AddressbookMultiget, DavXmlError> {
    let hrefs = super::hrefs(root);
    if hrefs.is_empty() {
        return Err(DavXmlError::invalid("addressbook-multiget", "no href"));
    }
    Ok(AddressbookMultiget { props: PropFind::from_parent(root)?, hrefs })
}
