//! Setting properties: PROPPATCH (RFC 4918 §9.2, §14.19), extended MKCOL (RFC 5689 §5.1) and
//! MKCALENDAR (RFC 4791 §5.3.1, §9.3).
//!
//! ```text
//! <!ELEMENT propertyupdate (remove | set)+ >
//! <!ELEMENT set (prop) >   <!ELEMENT remove (prop) >   <!ELEMENT prop ANY >
//! <!ELEMENT mkcol (set+) >                       RFC 5689 §5.1
//! <!ELEMENT mkcalendar (DAV:set) >               RFC 4791 §9.3
//! ```
//!
//! A value keeps the element's content as a self-contained XML fragment, so any dead property
//! can be stored and returned verbatim, plus the readings the server needs for the live
//! properties it interprets.

use crate::DavRequest;
use crate::error::DavXmlError;
use crate::fragment;
use crate::qname::{NS_CALDAV, NS_DAV, QName};
use crate::xml::{self, Element, Limits};

/// A PROPPATCH body: the instructions in document order, which RFC 4918 §9.2 requires be
/// applied in order and atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyUpdate {
    pub ops: Vec<PropPatchOp>,
}

/// One instruction of a PROPPATCH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropPatchOp {
    Set(SetProperty),
    Remove(QName),
}

impl PropPatchOp {
    /// The property the instruction is about.
    pub fn name(&self) -> &QName {
        match self {
            PropPatchOp::Set(s) => &s.name,
            PropPatchOp::Remove(n) => n,
        }
    }
}

/// A property to set, with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetProperty {
    pub name: QName,
    pub value: PropertyValue,
}

/// A property value as sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropertyValue {
    /// The element's content (text and child elements, not its own tag) as a self-contained
    /// fragment: every child element declares the namespaces it uses. Store it for a dead
    /// property and return it with [`PropValue::Xml`](crate::PropValue::Xml).
    pub inner_xml: String,
    /// The element's direct text, as sent (not trimmed): the value of simple properties such
    /// as displayname, calendar-description, calendar-color, or calendar-timezone (an
    /// iCalendar object, RFC 4791 §5.2.2).
    pub text: String,
    /// The structured reading of the properties whose content is elements.
    pub structured: Option<StructuredValue>,
}

/// Readings of element-valued properties the server interprets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StructuredValue {
    /// DAV:resourcetype (RFC 4918 §15.9): the names of its child elements.
    ResourceType(Vec<QName>),
    /// CALDAV:supported-calendar-component-set (RFC 4791 §5.2.3): the `name` of each
    /// `comp`, upper-cased.
    ComponentSet(Vec<String>),
}

impl PropertyValue {
    fn from_element(el: &Element) -> Result<PropertyValue, DavXmlError> {
        let structured = if el.is(NS_DAV, "resourcetype") {
            Some(StructuredValue::ResourceType(el.elements().map(|e| e.name.clone()).collect()))
        } else if el.is(NS_CALDAV, "supported-calendar-component-set") {
            let comps = el
                .children_named(NS_CALDAV, "comp")
                .map(|c| crate::propfind::required_name(c, "CALDAV:comp"))
                .collect::<Result<_, _>>()?;
            Some(StructuredValue::ComponentSet(comps))
        } else {
            None
        };
        Ok(PropertyValue { inner_xml: fragment::inner_xml(el), text: el.text(), structured })
    }

    /// The text with surrounding XML whitespace removed (for names, colours, …).
    pub fn trimmed_text(&self) -> &str {
        xml::trim(&self.text)
    }
}

/// An extended MKCOL body (RFC 5689 §5.1): the properties to set on the new collection,
/// its DAV:resourcetype among them. An empty body is a plain MKCOL (RFC 4918 §9.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MkCol {
    pub set: Vec<SetProperty>,
}

/// A MKCALENDAR body (RFC 4791 §5.3.1): the properties to set on the new calendar. The body
/// is optional; empty means no properties.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MkCalendar {
    pub set: Vec<SetProperty>,
}

impl DavRequest for PropertyUpdate {
    fn parse_with(body: &[u8], limits: &Limits) -> Result<PropertyUpdate, DavXmlError> {
        let root = xml::parse(body, limits)?.ok_or_else(|| DavXmlError::invalid("propertyupdate", "empty body"))?;
        root.expect(NS_DAV, "propertyupdate", "DAV:propertyupdate")?;
        let mut ops = Vec::new();
        for el in root.elements() {
            if el.is(NS_DAV, "set") {
                ops.extend(set_properties(el)?.into_iter().map(PropPatchOp::Set));
            } else if el.is(NS_DAV, "remove") {
                for prop in el.children_named(NS_DAV, "prop") {
                    ops.extend(prop.elements().map(|p| PropPatchOp::Remove(p.name.clone())));
                }
            }
        }
        if ops.is_empty() {
            return Err(DavXmlError::invalid("propertyupdate", "no set or remove"));
        }
        Ok(PropertyUpdate { ops })
    }
}

impl DavRequest for MkCol {
    fn parse_with(body: &[u8], limits: &Limits) -> Result<MkCol, DavXmlError> {
        let Some(root) = xml::parse(body, limits)? else { return Ok(MkCol::default()) };
        root.expect(NS_DAV, "mkcol", "DAV:mkcol")?;
        Ok(MkCol { set: all_sets(&root)? })
    }
}

impl DavRequest for MkCalendar {
    fn parse_with(body: &[u8], limits: &Limits) -> Result<MkCalendar, DavXmlError> {
        let Some(root) = xml::parse(body, limits)? else { return Ok(MkCalendar::default()) };
        root.expect(NS_CALDAV, "mkcalendar", "CALDAV:mkcalendar")?;
        Ok(MkCalendar { set: all_sets(&root)? })
    }
}

fn all_sets(root: &Element) -> Result<Vec<SetProperty>, DavXmlError> {
    let mut out = Vec::new();
    for set in root.children_named(NS_DAV, "set") {
        out.extend(set_properties(set)?);
    }
    Ok(out)
}

/// The properties in the `DAV:prop` children of a `DAV:set`.
fn set_properties(set: &Element) -> Result<Vec<SetProperty>, DavXmlError> {
    let mut out = Vec::new();
    for prop in set.children_named(NS_DAV, "prop") {
        for el in prop.elements() {
            out.push(SetProperty { name: el.name.clone(), value: PropertyValue::from_element(el)? });
        }
    }
    Ok(out)
}
