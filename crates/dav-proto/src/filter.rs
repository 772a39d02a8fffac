//! Query filters: CalDAV (RFC 4791 §9.7) and CardDAV (RFC 6352 §10.5).
//!
//! ```text
//! CalDAV                                            CardDAV
//! <!ELEMENT filter (comp-filter)>                   <!ELEMENT filter (prop-filter*)>  test=anyof|allof
//! <!ELEMENT comp-filter (is-not-defined |           <!ELEMENT prop-filter (is-not-defined |
//!     (time-range?, prop-filter*, comp-filter*))>       (text-match*, param-filter*))>  test=anyof|allof
//! <!ELEMENT prop-filter (is-not-defined |
//!     ((time-range | text-match)?, param-filter*))>
//! <!ELEMENT param-filter (is-not-defined | text-match)?>      (both)
//! <!ELEMENT text-match (#PCDATA)> collation, negate-condition [, match-type in CardDAV]
//! ```
//!
//! Component, property and parameter names are upper-cased (they are case-insensitive).
//! Unknown child elements are ignored.

use crate::error::DavXmlError;
use crate::propfind::required_name;
use crate::qname::{NS_CALDAV, NS_CARDDAV};
use crate::timerange::TimeRange;
use crate::xml::Element;

/// RFC 4791 §9.7.1 comp-filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompFilter {
    /// `VCALENDAR`, `VEVENT`, `VTODO`, …
    pub name: String,
    pub test: CompTest,
}

/// What a comp-filter requires of the named component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompTest {
    /// §9.7.4: the component does not exist.
    IsNotDefined,
    /// The component exists and every listed condition holds (§9.7.1: all of them).
    Matches { time_range: Option<TimeRange>, props: Vec<PropFilter>, comps: Vec<CompFilter> },
}

/// RFC 4791 §9.7.2 prop-filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropFilter {
    pub name: String,
    pub test: PropTest,
}

/// What a CalDAV prop-filter requires of the named property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PropTest {
    IsNotDefined,
    /// The property exists and, when given, its value overlaps `time_range` or matches `text`,
    /// and every param-filter holds.
    Matches {
        time_range: Option<TimeRange>,
        text: Option<TextMatch>,
        params: Vec<ParamFilter>,
    },
}

/// RFC 4791 §9.7.3 / RFC 6352 §10.5.2 param-filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamFilter {
    pub name: String,
    pub test: ParamTest,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParamTest {
    /// `<param-filter name="X"/>`: the parameter is present.
    IsDefined,
    IsNotDefined,
    Text(TextMatch),
}

/// RFC 4791 §9.7.5 / RFC 6352 §10.5.4 text-match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    pub text: String,
    /// RFC 4790 collation name; defaults `i;ascii-casemap` (CalDAV) / `i;unicode-casemap`
    /// (CardDAV). The server must refuse ones it lacks (supported-collation precondition).
    pub collation: String,
    /// `negate-condition="yes"`.
    pub negate: bool,
    /// CardDAV's `match-type`; CalDAV text-match is always a substring match (`Contains`).
    pub match_type: MatchType,
}

/// RFC 6352 §10.5.4 match-type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum MatchType {
    Equals,
    #[default]
    Contains,
    StartsWith,
    EndsWith,
}

/// RFC 6352 §10.5 / §10.5.1 `test` attribute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Test {
    #[default]
    AnyOf,
    AllOf,
}

impl Test {
    pub(crate) fn from_attr(el: &Element) -> Result<Test, String> {
        match el.attr("test") {
            None | Some("anyof") => Ok(Test::AnyOf),
            Some("allof") => Ok(Test::AllOf),
            Some(other) => Err(format!("test={other:?}")),
        }
    }
}

/// RFC 6352 §10.5 filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CardFilter {
    pub test: Test,
    pub props: Vec<CardPropFilter>,
}

/// RFC 6352 §10.5.1 prop-filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardPropFilter {
    pub name: String,
    /// How `text_matches` and `params` combine; `IsNotDefined` ignores it.
    pub test: Test,
    pub is_not_defined: bool,
    pub text_matches: Vec<TextMatch>,
    pub params: Vec<ParamFilter>,
}

/// Reads `<C:filter>`: exactly one top-level comp-filter (RFC 4791 §9.7).
pub(crate) fn calendar_filter(filter: &Element) -> Result<CompFilter, DavXmlError> {
    let mut comps = filter.children_named(NS_CALDAV, "comp-filter");
    let (Some(top), None) = (comps.next(), comps.next()) else {
        return Err(DavXmlError::InvalidFilter("filter needs exactly one comp-filter".into()));
    };
    let top = comp_filter(top)?;
    // §9.7.1: the top level filters the VCALENDAR object itself.
    if top.name != "VCALENDAR" {
        return Err(DavXmlError::InvalidFilter(format!("top comp-filter is {}, not VCALENDAR", top.name)));
    }
    Ok(top)
}

fn comp_filter(el: &Element) -> Result<CompFilter, DavXmlError> {
    let name = filter_name(el)?;
    if el.child(NS_CALDAV, "is-not-defined").is_some() {
        return Ok(CompFilter { name, test: CompTest::IsNotDefined });
    }
    let mut time_range = None;
    let (mut props, mut comps) = (vec![], vec![]);
    for child in el.elements().filter(|c| c.name.ns == NS_CALDAV) {
        match &*child.name.local {
            "time-range" => time_range = Some(TimeRange::from_element(child)?),
            "prop-filter" => props.push(prop_filter(child)?),
            "comp-filter" => comps.push(comp_filter(child)?),
            _ => {}
        }
    }
    Ok(CompFilter { name, test: CompTest::Matches { time_range, props, comps } })
}

fn prop_filter(el: &Element) -> Result<PropFilter, DavXmlError> {
    let name = filter_name(el)?;
    if el.child(NS_CALDAV, "is-not-defined").is_some() {
        return Ok(PropFilter { name, test: PropTest::IsNotDefined });
    }
    let (mut time_range, mut text, mut params) = (None, None, vec![]);
    for child in el.elements().filter(|c| c.name.ns == NS_CALDAV) {
        match &*child.name.local {
            "time-range" => time_range = Some(TimeRange::from_element(child)?),
            "text-match" => text = Some(text_match(child, "i;ascii-casemap").map_err(DavXmlError::InvalidFilter)?),
            "param-filter" => params.push(param_filter(child, NS_CALDAV).map_err(DavXmlError::InvalidFilter)?),
            _ => {}
        }
    }
    if time_range.is_some() && text.is_some() {
        return Err(DavXmlError::InvalidFilter("prop-filter with both time-range and text-match".into()));
    }
    Ok(PropFilter { name, test: PropTest::Matches { time_range, text, params } })
}

fn filter_name(el: &Element) -> Result<String, DavXmlError> {
    required_name(el, "filter").map_err(|_| DavXmlError::InvalidFilter(format!("{} without a name", el.name.local)))
}

fn param_filter(el: &Element, ns: &str) -> Result<ParamFilter, String> {
    let name = required_name(el, "param-filter").map_err(|_| "param-filter without a name".to_owned())?;
    let default_collation = if ns == NS_CARDDAV { "i;unicode-casemap" } else { "i;ascii-casemap" };
    let test = if el.child(ns, "is-not-defined").is_some() {
        ParamTest::IsNotDefined
    } else if let Some(tm) = el.child(ns, "text-match") {
        ParamTest::Text(text_match(tm, default_collation)?)
    } else {
        ParamTest::IsDefined
    };
    Ok(ParamFilter { name, test })
}

fn text_match(el: &Element, default_collation: &str) -> Result<TextMatch, String> {
    let negate = match el.attr("negate-condition") {
        None | Some("no") => false,
        Some("yes") => true,
        Some(other) => return Err(format!("negate-condition={other:?}")),
    };
    let match_type = match el.attr("match-type") {
        None | Some("contains") => MatchType::Contains,
        Some("equals") => MatchType::Equals,
        Some("starts-with") => MatchType::StartsWith,
        Some("ends-with") => MatchType::EndsWith,
        Some(other) => return Err(format!("match-type={other:?}")),
    };
    let collation = el.attr("collation").unwrap_or(default_collation).to_owned();
    Ok(TextMatch { text: el.text(), collation, negate, match_type })
}

/// Reads `<CR:filter>` (RFC 6352 §10.5).
pub(crate) fn card_filter(filter: &Element) -> Result<CardFilter, DavXmlError> {
    let test = Test::from_attr(filter).map_err(DavXmlError::InvalidCardFilter)?;
    let props = filter
        .children_named(NS_CARDDAV, "prop-filter")
        .map(|p| card_prop_filter(p).map_err(DavXmlError::InvalidCardFilter))
        .collect::<Result<_, _>>()?;
    Ok(CardFilter { test, props })
}

fn card_prop_filter(el: &Element) -> Result<CardPropFilter, String> {
    let name = required_name(el, "prop-filter").map_err(|_| "prop-filter without a name".to_owned())?;
    let mut filter = CardPropFilter {
        name,
        test: Test::from_attr(el)?,
        is_not_defined: el.child(NS_CARDDAV, "is-not-defined").is_some(),
        text_matches: vec![],
        params: vec![],
    };
    if filter.is_not_defined {
        return Ok(filter);
    }
    for child in el.elements().filter(|c| c.name.ns == NS_CARDDAV) {
        match &*child.name.local {
            "text-match" => filter.text_matches.push(text_match(child, "i;unicode-casemap")?),
            "param-filter" => filter.params.push(param_filter(child, NS_CARDDAV)?),
            _ => {}
        }
    }
    Ok(filter)
}
