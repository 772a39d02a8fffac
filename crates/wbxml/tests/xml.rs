//! The XML debug form: what a log shows, and what it reads (the spec's examples, libwbxml's
//! output), with its errors.

use relais_wbxml::tag::{airsync, airsyncbase, email, folderhierarchy as fh, ping};
use relais_wbxml::{Element, XmlError, from_xml, to_xml};

#[test]
fn a_document_as_xml() {
    let doc = Element::new(airsync::SYNC).with(Element::new(airsync::COLLECTIONS).with(
        Element::new(airsync::COLLECTION).with_leaf(airsync::SYNC_KEY, "1").with_empty(airsync::GET_CHANGES).with(
            Element::new(airsync::APPLICATION_DATA).with_leaf(email::SUBJECT, "a < b & c").with(
                Element::new(airsyncbase::BODY).with(Element::new(airsyncbase::DATA).with_opaque(b"\x00\x01".to_vec())),
            ),
        ),
    ));
    let want = r#"<Sync xmlns="AirSync" xmlns:email="Email" xmlns:airsyncbase="AirSyncBase">
  <Collections>
    <Collection>
      <SyncKey>1</SyncKey>
      <GetChanges/>
      <ApplicationData>
        <email:Subject>a &lt; b &amp; c</email:Subject>
        <airsyncbase:Body>
          <airsyncbase:Data><![CDATA[AAE=]]></airsyncbase:Data>
        </airsyncbase:Body>
      </ApplicationData>
    </Collection>
  </Collections>
</Sync>
"#;
    assert_eq!(to_xml(&doc), want);
    assert_eq!(from_xml(want).unwrap(), doc);
}

#[test]
fn libwbxml_output_reads() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/"><FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>"#;
    assert_eq!(from_xml(xml).unwrap(), Element::new(fh::FOLDER_SYNC).with_leaf(fh::SYNC_KEY, "0"));
    // Whitespace-only text is indentation beside elements, content in a leaf.
    let xml = "<Ping xmlns='Ping'>\n  <Status> </Status>\n</Ping>";
    assert_eq!(from_xml(xml).unwrap(), Element::new(ping::PING).with_leaf(ping::STATUS, " "));
}

/// What an error must be.
type Check = fn(&XmlError) -> bool;

#[test]
fn what_the_reader_refuses() {
    let table: &[(&str, Check)] = &[
        ("<Sync/>", |e| matches!(e, XmlError::UnknownNamespace(_))),
        ("<Sync xmlns='Nowhere'/>", |e| matches!(e, XmlError::UnknownNamespace(_))),
        ("<Synk xmlns='AirSync'/>", |e| matches!(e, XmlError::UnknownTag(_))),
        ("<Ping xmlns='Ping'><Status><![CDATA[!!]]></Status></Ping>", |e| matches!(e, XmlError::Base64(_))),
        ("<Ping xmlns='Ping'/><Ping xmlns='Ping'/>", |e| matches!(e, XmlError::Root)),
        ("", |e| matches!(e, XmlError::Root)),
        ("<Ping xmlns='Ping'>", |e| matches!(e, XmlError::Malformed(_))),
        ("<Ping xmlns='Ping'>&bogus;</Ping>", |e| matches!(e, XmlError::Malformed(_))),
    ];
    for (xml, is) in table {
        let err = from_xml(xml).unwrap_err();
        assert!(is(&err), "{xml}: {err}");
    }
}
