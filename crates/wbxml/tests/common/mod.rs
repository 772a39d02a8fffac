//! The sample documents of the tests: ActiveSync requests and responses modelled on the examples
//! of MS-ASCMD and the other MS-AS* specifications, in the XML debug form.

#![allow(dead_code)]

pub const SAMPLES: &[(&str, &str)] = &[
    ("find-request", include_str!("../samples/find-request.xml")),
    ("foldersync-request", include_str!("../samples/foldersync-request.xml")),
    ("foldersync-response", include_str!("../samples/foldersync-response.xml")),
    ("getitemestimate-request", include_str!("../samples/getitemestimate-request.xml")),
    ("itemoperations-fetch-request", include_str!("../samples/itemoperations-fetch-request.xml")),
    ("itemoperations-fetch-response", include_str!("../samples/itemoperations-fetch-response.xml")),
    ("meetingresponse-request", include_str!("../samples/meetingresponse-request.xml")),
    ("moveitems-estimate", include_str!("../samples/moveitems-estimate.xml")),
    ("ping-request", include_str!("../samples/ping-request.xml")),
    ("ping-response", include_str!("../samples/ping-response.xml")),
    ("provision-request", include_str!("../samples/provision-request.xml")),
    ("provision-response", include_str!("../samples/provision-response.xml")),
    ("search-gal", include_str!("../samples/search-gal.xml")),
    ("sendmail-request", include_str!("../samples/sendmail-request.xml")),
    ("settings-oof", include_str!("../samples/settings-oof.xml")),
    ("sync-calendar-add", include_str!("../samples/sync-calendar-add.xml")),
    ("sync-contacts-change", include_str!("../samples/sync-contacts-change.xml")),
    ("sync-contacts-response", include_str!("../samples/sync-contacts-response.xml")),
    ("sync-email-request", include_str!("../samples/sync-email-request.xml")),
    ("sync-email-response", include_str!("../samples/sync-email-response.xml")),
];

/// Every sample as a tree.
pub fn samples() -> Vec<(&'static str, relais_wbxml::Element)> {
    SAMPLES
        .iter()
        .map(|(name, xml)| (*name, relais_wbxml::from_xml(xml).unwrap_or_else(|e| panic!("{name}: {e}"))))
        .collect()
}
