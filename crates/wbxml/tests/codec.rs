//! The encoder and decoder: the spec's byte-by-byte example, round trips of realistic documents,
//! every malformed shape refused with its typed error, and the limits.

mod common;

use relais_wbxml::tag::{airsync, airsyncbase, composemail, contacts, folderhierarchy as fh, itemoperations};
use relais_wbxml::{DecodeError, Element, EncodeError, Limits, Node, decode, decode_with, encode, from_xml, to_xml};

/// MS-ASWBXML §3.1 (the server's response with a new contact), the bytes the spec walks
/// through; `sync-contacts-response.xml` is the same document.
const SPEC_EXAMPLE: &[u8] = &[
    0x03, 0x01, 0x6A, 0x00, 0x45, 0x5C, 0x4F, 0x50, 0x03, b'C', b'o', b'n', b't', b'a', b'c', b't', b's', 0x00, 0x01,
    0x4B, 0x03, b'2', 0x00, 0x01, 0x52, 0x03, b'2', 0x00, 0x01, 0x4E, 0x03, b'1', 0x00, 0x01, 0x56, 0x47, 0x4D, 0x03,
    b'2', b':', b'1', 0x00, 0x01, 0x5D, 0x00, 0x11, 0x4A, 0x46, 0x03, b'1', 0x00, 0x01, 0x4C, 0x03, b'0', 0x00, 0x01,
    0x4D, 0x03, b'1', 0x00, 0x01, 0x01, 0x00, 0x01, 0x5E, 0x03, b'F', b'u', b'n', b'k', b',', b' ', b'D', b'o', b'n',
    0x00, 0x01, 0x5F, 0x03, b'D', b'o', b'n', 0x00, 0x01, 0x69, 0x03, b'F', b'u', b'n', b'k', 0x00, 0x01, 0x00, 0x11,
    0x56, 0x03, b'1', 0x00, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01,
];

#[test]
fn the_spec_example_decodes_and_encodes_byte_for_byte() {
    let tree = decode(SPEC_EXAMPLE).unwrap();
    let xml = common::SAMPLES.iter().find(|(n, _)| *n == "sync-contacts-response").unwrap().1;
    assert_eq!(tree, from_xml(xml).unwrap());
    assert_eq!(encode(&tree).unwrap(), SPEC_EXAMPLE);
    let add = tree.path(&[airsync::COLLECTIONS, airsync::COLLECTION, airsync::COMMANDS, airsync::ADD]).unwrap();
    assert_eq!(add.text_of(airsync::SERVER_ID).as_deref(), Some("2:1"));
    let data = add.child(airsync::APPLICATION_DATA).unwrap();
    assert_eq!(data.text_of(contacts::FILE_AS).as_deref(), Some("Funk, Don"));
    assert_eq!(data.path(&[airsyncbase::BODY, airsyncbase::TRUNCATED]).unwrap().text(), "1");
}

#[test]
fn every_sample_round_trips() {
    for (name, tree) in common::samples() {
        let bytes = encode(&tree).unwrap();
        assert_eq!(decode(&bytes).unwrap(), tree, "{name}: decode(encode)");
        assert_eq!(from_xml(&to_xml(&tree)).unwrap(), tree, "{name}: from_xml(to_xml)");
        assert_eq!(bytes[..4], [0x03, 0x01, 0x6A, 0x00], "{name}: header");
    }
}

#[test]
fn builder_and_accessors() {
    let sync = Element::new(airsync::SYNC).with(
        Element::new(airsync::COLLECTIONS).with(
            Element::new(airsync::COLLECTION)
                .with_leaf(airsync::SYNC_KEY, "7")
                .with_leaf(airsync::COLLECTION_ID, "1")
                .with_empty(airsync::GET_CHANGES)
                .with_opt(None),
        ),
    );
    let collection = sync.path(&[airsync::COLLECTIONS, airsync::COLLECTION]).unwrap();
    assert_eq!(collection.text_of(airsync::SYNC_KEY).as_deref(), Some("7"));
    assert!(collection.has(airsync::GET_CHANGES));
    assert_eq!(collection.text_of(airsync::GET_CHANGES).as_deref(), Some(""));
    assert_eq!(collection.text_of(airsync::WINDOW_SIZE), None);
    assert_eq!(collection.children_with(airsync::SYNC_KEY).count(), 1);
    // Text and opaque pieces read as one value.
    let mime = Element::new(composemail::MIME).with_text("From: a").with_opaque(b"\r\n\r\nbody".to_vec());
    assert_eq!(&*mime.bytes(), b"From: a\r\n\r\nbody");
    assert_eq!(mime.text(), "From: a\r\n\r\nbody");
    // An empty element is written without the content bit; one with content gets an END.
    let bytes = encode(&Element::new(fh::FOLDER_SYNC).with_empty(fh::SYNC_KEY)).unwrap();
    assert_eq!(bytes, [0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x12, 0x01]);
}

#[test]
fn opaque_data_stays_bytes() {
    let data: Vec<u8> = (0..=255u8).cycle().take(300).collect();
    let doc =
        Element::new(itemoperations::ITEM_OPERATIONS).with(Element::new(itemoperations::RESPONSE).with(
            Element::new(itemoperations::FETCH).with(Element::new(itemoperations::DATA).with_opaque(data.clone())),
        ));
    let bytes = encode(&doc).unwrap();
    // OPAQUE, then the length 300 as mb_u_int32 (0x82 0x2C), then the bytes.
    let at = bytes.iter().position(|&b| b == 0xC3).unwrap();
    assert_eq!(bytes[at + 1..at + 3], [0x82, 0x2C]);
    let back = decode(&bytes).unwrap();
    assert_eq!(back, doc);
    let fetched = back.path(&[itemoperations::RESPONSE, itemoperations::FETCH, itemoperations::DATA]).unwrap();
    assert_eq!(fetched.children, vec![Node::Opaque(data)]);
}

#[test]
fn text_with_nul_is_not_encoded() {
    let doc = Element::leaf(fh::FOLDER_SYNC, "a\0b");
    assert_eq!(encode(&doc), Err(EncodeError::NulInText { tag: fh::FOLDER_SYNC }));
}

/// A header and a FolderSync root (page 7) around a body.
fn doc(body: &[u8]) -> Vec<u8> {
    [&[0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56][..], body].concat()
}

#[test]
fn malformed_input_is_refused_with_its_error() {
    use DecodeError::*;
    let table: Vec<(&str, Vec<u8>, DecodeError)> = vec![
        ("empty", vec![], Truncated { at: 0 }),
        ("header only", vec![0x03, 0x01, 0x6A, 0x00], Truncated { at: 4 }),
        ("WBXML 1.2", vec![0x02, 0x01, 0x6A, 0x00, 0x05], Version(0x02)),
        ("public id in the string table", vec![0x03, 0x00, 0x00, 0x6A, 0x00], PublicId(0)),
        ("SyncML public id", vec![0x03, 0x9F, 0x53, 0x6A, 0x00], PublicId(0xFD3)),
        ("ISO-8859-1", vec![0x03, 0x01, 0x04, 0x00, 0x45, 0x01], Charset(4)),
        ("string table", vec![0x03, 0x01, 0x6A, 0x02, b'a', 0x00, 0x45, 0x01], StringTable(2)),
        ("overlong integer", vec![0x03, 0x81, 0x80, 0x80, 0x80, 0x80, 0x01], Integer { at: 1 }),
        ("integer over 32 bits", vec![0x03, 0x90, 0x80, 0x80, 0x80, 0x00], Integer { at: 1 }),
        ("unknown page", vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x1A, 0x45], UnknownPage { page: 26, at: 4 }),
        ("unknown tag", vec![0x03, 0x01, 0x6A, 0x00, 0x51, 0x01], UnknownTag { page: 0, token: 0x11, at: 4 }),
        ("tag with attributes", doc(&[0xD2, 0x01]), Attributes { at: 7 }),
        ("attributes on an empty tag", doc(&[0x92]), Attributes { at: 7 }),
        ("entity", doc(&[0x02, 0x41, 0x01]), Unsupported { token: 0x02, at: 7 }),
        ("literal tag", doc(&[0x04, 0x00, 0x01]), Unsupported { token: 0x04, at: 7 }),
        ("string table reference", doc(&[0x83, 0x00, 0x01]), Unsupported { token: 0x83, at: 7 }),
        ("EXT_I_0", doc(&[0x40, b'x', 0x00, 0x01]), Unsupported { token: 0x40, at: 7 }),
        ("EXT_T_1", doc(&[0x81, 0x00, 0x01]), Unsupported { token: 0x81, at: 7 }),
        ("EXT_2", doc(&[0xC2, 0x01]), Unsupported { token: 0xC2, at: 7 }),
        ("processing instruction", doc(&[0x43, 0x01]), Unsupported { token: 0x43, at: 7 }),
        ("LITERAL_AC", doc(&[0xC4, 0x00, 0x01]), Unsupported { token: 0xC4, at: 7 }),
        ("text before the root", vec![0x03, 0x01, 0x6A, 0x00, 0x03, b'x', 0x00], OutsideRoot { at: 4 }),
        ("END before the root", vec![0x03, 0x01, 0x6A, 0x00, 0x01], OutsideRoot { at: 4 }),
        ("opaque before the root", vec![0x03, 0x01, 0x6A, 0x00, 0xC3, 0x00], OutsideRoot { at: 4 }),
        ("unterminated string", doc(&[0x52, 0x03, b'0']), Truncated { at: 10 }),
        ("missing END", doc(&[0x52, 0x03, b'0', 0x00, 0x01]), Truncated { at: 12 }),
        ("opaque longer than the input", doc(&[0xC3, 0x05, b'a', 0x01]), Truncated { at: 11 }),
        ("opaque length 4 GiB", doc(&[0xC3, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F]), Truncated { at: 13 }),
        ("switch page at the end", doc(&[0x00]), Truncated { at: 8 }),
        ("invalid UTF-8", doc(&[0x03, 0xC3, 0x28, 0x00, 0x01]), Utf8 { at: 8 }),
        ("bytes after the root", doc(&[0x01, 0x01]), Trailing { at: 8 }),
        ("switch after the root", doc(&[0x01, 0x00, 0x00]), Trailing { at: 8 }),
        ("a second root", vec![0x03, 0x01, 0x6A, 0x00, 0x05, 0x05], Trailing { at: 5 }),
    ];
    for (name, input, want) in table {
        assert_eq!(decode(&input), Err(want), "{name}");
    }
}

#[test]
fn a_root_without_content_is_a_document() {
    let tree = decode(&[0x03, 0x01, 0x6A, 0x00, 0x00, 0x0D, 0x05]).unwrap();
    assert_eq!(tree, Element::new(relais_wbxml::tag::ping::PING));
    // The content bit with nothing inside reads as the same empty element.
    assert_eq!(decode(&[0x03, 0x01, 0x6A, 0x00, 0x00, 0x0D, 0x45, 0x01]).unwrap(), tree);
}

#[test]
fn every_truncation_of_every_sample_is_refused() {
    for (name, tree) in common::samples() {
        let bytes = encode(&tree).unwrap();
        for len in 0..bytes.len() {
            assert!(decode(&bytes[..len]).is_err(), "{name} cut at {len}");
        }
    }
}

#[test]
fn limits_are_enforced() {
    // Depth: Folders nested 65 deep (the root is depth 1).
    let nested = |depth: usize| {
        let mut body = vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x07];
        body.extend(std::iter::repeat_n(0x45, depth));
        body.extend(std::iter::repeat_n(0x01, depth));
        body
    };
    assert!(decode(&nested(64)).is_ok());
    assert_eq!(decode(&nested(65)), Err(DecodeError::TooDeep { limit: 64 }));
    let shallow = Limits { max_depth: 3, ..Limits::default() };
    assert!(decode_with(&nested(3), &shallow).is_ok());
    assert_eq!(decode_with(&nested(4), &shallow), Err(DecodeError::TooDeep { limit: 3 }));
    // An empty element below the limit counts as one level too.
    assert_eq!(
        decode_with(&doc(&[0x46, 0x46, 0x06, 0x01, 0x01, 0x01]), &shallow),
        Err(DecodeError::TooDeep { limit: 3 })
    );
    // Size, before anything is read.
    let small = Limits { max_input: 8, ..Limits::default() };
    assert_eq!(decode_with(&doc(&[0x01]), &small), Ok(Element::new(fh::FOLDER_SYNC)));
    assert_eq!(decode_with(&doc(&[0x06, 0x01]), &small), Err(DecodeError::TooLarge { len: 9, limit: 8 }));
    // Nodes: a flat list of empty elements.
    let few = Limits { max_nodes: 10, ..Limits::default() };
    let flat = |n: usize| doc(&[vec![0x06; n], vec![0x01]].concat());
    assert!(decode_with(&flat(9), &few).is_ok());
    assert_eq!(decode_with(&flat(10), &few), Err(DecodeError::TooManyNodes { limit: 10 }));
}

#[test]
fn a_large_document_decodes_in_linear_time() {
    // 200,000 empty elements and 100,000 strings: one pass, well under a second even unoptimised.
    let mut body = vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x45];
    for _ in 0..100_000 {
        body.extend_from_slice(&[0x06, 0x47, 0x03, b'x', 0x00, 0x01]);
    }
    body.push(0x01);
    let start = std::time::Instant::now();
    let tree = decode(&body).unwrap();
    assert_eq!(tree.children.len(), 200_000);
    assert!(start.elapsed() < std::time::Duration::from_secs(5), "{:?}", start.elapsed());
}

/// Writes the samples, encoded, as the fuzz target's seeds:
/// `cargo test -p relais-wbxml --test codec -- --ignored write_fuzz_seeds`.
#[test]
#[ignore]
fn write_fuzz_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/wbxml");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, tree) in common::samples() {
        std::fs::write(dir.join(format!("{name}.wbxml")), encode(&tree).unwrap()).unwrap();
    }
}
