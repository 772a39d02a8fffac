//! Arbitrary names, hrefs and values through the multistatus writer; what it writes must be
//! well-formed for an independent strict parser (roxmltree: characters, names, namespaces,
//! duplicate attributes), and what can be written must come back as it went in. Run with
//! `cargo +nightly fuzz run multistatus` from crates/dav-proto.
//!
//! Dead values go in as the fuzzer made them: the writer copies one verbatim only when
//! `is_well_formed_fragment` accepts it, so a fragment our reader accepts and a strict parser
//! refuses is a finding here.

#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use relais_dav_proto::*;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = run(&mut u);
});

fn name(u: &mut Unstructured<'_>) -> Result<QName> {
    // Mostly short names, sometimes the namespaces that need care.
    let ns = match u.int_in_range(0u8..=5)? {
        0 => String::new(),
        1 => NS_DAV.to_owned(),
        2 => NS_XML.to_owned(),
        3 => NS_XMLNS.to_owned(),
        _ => u.arbitrary::<String>()?,
    };
    Ok(QName::new(ns, u.arbitrary::<String>()?))
}

fn value<'a>(u: &mut Unstructured<'a>) -> Result<PropValue<'a>> {
    Ok(match u.int_in_range(0u8..=5)? {
        0 => PropValue::Empty,
        1 => PropValue::Text(Cow::Borrowed(u.arbitrary::<&str>()?)),
        2 => PropValue::Href(Cow::Borrowed(u.arbitrary::<&str>()?)),
        3 => PropValue::Dead(Cow::Borrowed(u.arbitrary::<&str>()?)),
        4 => PropValue::ResourceType(vec![name(u)?, name(u)?]),
        _ => PropValue::ComponentSet(vec![Cow::Borrowed(u.arbitrary::<&str>()?)]),
    })
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let mut ms = Multistatus::new();
    let mut expected: Vec<(QName, Option<String>)> = Vec::new();
    for _ in 0..u.int_in_range(1u8..=4)? {
        let href: &str = u.arbitrary()?;
        let mut props = Vec::new();
        for _ in 0..u.int_in_range(0u8..=6)? {
            let p = Property::new(name(u)?, value(u)?);
            if p.name.is_writable() {
                let text = match &p.value {
                    PropValue::Text(t) if t.chars().all(is_xml_char) => Some(t.to_string()),
                    _ => None,
                };
                expected.push((p.name.clone(), text));
            }
            props.push(p);
        }
        ms.response(href, &[(200, &props)]);
        let names = vec![name(u)?, name(u)?];
        ms.propname_response(href, &names);
        ms.proppatch_response_described(href, &[(names[0].clone(), 403)], Some(u.arbitrary::<&str>()?));
        // Names alone, in the order they are written.
        expected.extend(names.iter().chain(&names[..1]).filter(|n| n.is_writable()).map(|n| (n.clone(), None)));
        ms.sync_token(u.arbitrary::<&str>()?);
    }
    let xml = ms.into_string();
    let doc = match roxmltree::Document::parse(&xml) {
        Ok(doc) => doc,
        Err(e) => panic!("writer output not well-formed: {e}\n{xml}"),
    };
    // Each writable name is an element of a DAV:prop, in order, and nothing else is; a text
    // value comes back intact.
    let written: Vec<_> = doc
        .descendants()
        // A property may itself be called DAV:prop: only the propstat's own prop counts.
        .filter(|n| n.has_tag_name(("DAV:", "prop")) && n.parent().is_some_and(|p| p.has_tag_name(("DAV:", "propstat"))))
        .flat_map(|prop| prop.children().filter(|c| c.is_element()))
        .collect();
    assert_eq!(written.len(), expected.len(), "{expected:?}\n{xml}");
    for (el, (name, text)) in written.into_iter().zip(expected) {
        assert_eq!((el.tag_name().namespace().unwrap_or(""), el.tag_name().name()), (&*name.ns, &*name.local), "{xml}");
        if let Some(text) = text {
            assert_eq!(el.text().unwrap_or(""), text, "{name}\n{xml}");
        }
    }
    Ok(())
}
