//! Arbitrary bytes into every request-body parser and header helper of dav-proto, and into
//! the client's multistatus reader (`client::parse_multistatus`, which reads what a source
//! server sends to `relais admin migrate dav`). Run with
//! `cargo +nightly fuzz run request fuzz/corpus/request` from crates/dav-proto.
//!
//! Checks beyond "no panic": whatever a PROPPATCH or a multiget yields, written back into a
//! multistatus (dead-property fragments verbatim, text and hrefs escaped) is well-formed XML.
//! The multistatus is read back by roxmltree (an independent strict parser) and by the REPORT
//! parser: a well-formed body reaches the root check and is refused as an unknown report,
//! anything else means the encoder broke the XML.

#![no_main]

use std::borrow::Cow;

use libfuzzer_sys::fuzz_target;
use relais_dav_proto::*;

fuzz_target!(|data: &[u8]| {
    let small = Limits { max_depth: 16, max_elements: 512, max_attributes: 8, max_namespaces: 16 };
    let _ = parse_propfind(data);
    if let Ok(found) = client::parse_multistatus(data, &small) {
        assert!(found.len() <= small.max_elements);
    }
    let _ = parse_with::<PropFind>(data, &small);
    let _ = parse_mkcol(data);
    let _ = parse_mkcalendar(data);
    let _ = parse_acl(data);
    if let Ok(update) = parse_proppatch(data) {
        let mut ms = Multistatus::new();
        for op in &update.ops {
            let props = match op {
                PropPatchOp::Set(s) => vec![
                    Property::new(s.name.clone(), PropValue::Dead(Cow::Borrowed(&s.value.inner_xml))),
                    Property::new(s.name.clone(), PropValue::Text(Cow::Borrowed(&s.value.text))),
                ],
                PropPatchOp::Remove(n) => vec![Property::empty(n.clone())],
            };
            ms.response("/x", &[(200, &props)]);
        }
        assert_well_formed(ms.into_bytes());
    }
    match parse_report(data) {
        Ok(Report::CalendarMultiget(CalendarMultiget { hrefs, .. }))
        | Ok(Report::AddressbookMultiget(AddressbookMultiget { hrefs, .. })) => {
            let mut ms = Multistatus::new();
            for h in &hrefs {
                ms.response_status(h, 404);
                ms.sync_token(h);
            }
            assert_well_formed(ms.into_bytes());
        }
        Ok(Report::SyncCollection(s)) => {
            assert_well_formed(error_body_with_href(&names::VALID_SYNC_TOKEN, Some(&s.sync_token)).into_bytes());
        }
        _ => {}
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Depth::parse(Some(text), "PROPFIND");
        let _ = parse_overwrite(Some(text));
        let _ = parse_destination(text);
        let _ = percent_decode(text);
        let _ = parse_etag_list(text);
        let _ = parse_prefer(Some(text), Some(text));
        let _ = parse_utc(text);
    }
});

fn assert_well_formed(body: Vec<u8>) {
    let text = String::from_utf8(body).expect("the writer writes UTF-8");
    if let Err(e) = roxmltree::Document::parse(&text) {
        panic!("encoder output not well-formed (roxmltree): {e}\n{text}");
    }
    match parse_report(text.as_bytes()) {
        Err(DavXmlError::UnknownReport(_)) => {}
        other => panic!("encoder output not well-formed: {other:?}\n{text}"),
    }
}
