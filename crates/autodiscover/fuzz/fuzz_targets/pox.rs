//! The POX Autodiscover request parser on any bytes: never a panic; an accepted request
//! carries a well-formed address, and the answer made from it is well-formed XML.
#![no_main]

use libfuzzer_sys::fuzz_target;
use relais_autodiscover::{PoxUser, XmlLimits, mobilesync_response, parse_request};

fuzz_target!(|data: &[u8]| {
    let limits = XmlLimits { max_depth: 16, max_elements: 1000, max_attributes: 16, max_namespaces: 32 };
    if let Ok(request) = parse_request(data, &limits) {
        assert!(request.email.contains('@'));
        let body = mobilesync_response(&PoxUser { display_name: &request.email, email: &request.email }, "https://h/x");
        let parsed = relais_dav_proto::parse_xml(body.as_bytes(), &XmlLimits::default());
        assert!(matches!(parsed, Ok(Some(_))), "{body}");
    }
});
