//! The code page tables against MS-ASWBXML §2.1.2.1.1–§2.1.2.1.26: every page, every token,
//! name ↔ token both ways, and the number of tags per page.

use relais_wbxml::Tag;
use relais_wbxml::tag::{self, page_name, page_number, page_tags};

/// (page, namespace, number of tags in the spec's table).
const PAGES: &[(u8, &str, usize)] = &[
    (0, "AirSync", 34),
    (1, "Contacts", 57),
    (2, "Email", 58),
    (3, "AirNotify", 19),
    (4, "Calendar", 47),
    (5, "Move", 8),
    (6, "GetItemEstimate", 10),
    (7, "FolderHierarchy", 17),
    (8, "MeetingResponse", 12),
    (9, "Tasks", 33),
    (10, "ResolveRecipients", 25),
    (11, "ValidateCert", 6),
    (12, "Contacts2", 10),
    (13, "Ping", 9),
    (14, "Provision", 54),
    (15, "Search", 27),
    (16, "GAL", 14),
    (17, "AirSyncBase", 40),
    (18, "Settings", 38),
    (19, "DocumentLibrary", 8),
    (20, "ItemOperations", 21),
    (21, "ComposeMail", 18),
    (22, "Email2", 18),
    (23, "Notes", 5),
    (24, "RightsManagement", 20),
    (25, "Find", 22),
];

#[test]
fn every_page_has_its_name_and_count() {
    assert_eq!(PAGES.len(), usize::from(tag::PAGE_COUNT));
    for &(page, name, count) in PAGES {
        assert_eq!(page_name(page), Some(name), "page {page}");
        assert_eq!(page_number(name), Some(page), "{name}");
        assert_eq!(page_number(&name.to_ascii_lowercase()), Some(page), "{name} in lower case");
        assert_eq!(page_number(&format!("{name}:")), Some(page), "{name}: as libwbxml writes it");
        assert_eq!(page_tags(page).count(), count, "number of tags on page {page} ({name})");
    }
    assert_eq!(page_name(26), None);
    assert_eq!(page_tags(26).count(), 0);
}

#[test]
fn every_tag_round_trips_name_and_token() {
    for &(page, name, _) in PAGES {
        let mut seen = std::collections::HashSet::new();
        for t in page_tags(page) {
            assert_eq!(t.page(), page);
            assert!((0x05..=0x3F).contains(&t.token()), "{t}: token {:#04x}", t.token());
            assert!(seen.insert(t.name()), "{name}:{} twice", t.name());
            assert_eq!(t.page_name(), name);
            let qualified = format!("{name}:{}", t.name());
            assert_eq!(t.to_string(), qualified);
            assert_eq!(Tag::from_name(&qualified), Some(t), "{qualified}");
            assert_eq!(Tag::from_page_name(page, t.name()), Some(t));
            assert_eq!(Tag::from_token(page, t.token()), Some(t));
        }
        // Tokens 0x00–0x04 are WBXML's global tokens, never tags.
        for token in 0..5 {
            assert_eq!(Tag::from_token(page, token), None);
        }
    }
}

#[test]
fn unknown_names_and_tokens() {
    let table: &[(&str, Option<Tag>)] = &[
        ("AirSync:SyncKey", Some(tag::airsync::SYNC_KEY)),
        ("airsync:SyncKey", Some(tag::airsync::SYNC_KEY)),
        ("AirSync:synckey", None),
        ("AirSync:", None),
        ("SyncKey", None),
        ("Nowhere:SyncKey", None),
        ("Gal:DisplayName", Some(tag::gal::DISPLAY_NAME)),
    ];
    for (name, want) in table {
        assert_eq!(Tag::from_name(name), *want, "{name}");
    }
    // Gaps in the tables: AirSync 0x11, Email 0x0B, Find 0x1A–0x1F.
    assert_eq!(Tag::from_token(0, 0x11), None);
    assert_eq!(Tag::from_token(2, 0x0B), None);
    assert_eq!(Tag::from_token(25, 0x1A), None);
    assert_eq!(Tag::from_token(26, 0x05), None);
    assert_eq!(Tag::from_token(0, 0x40), None);
}

/// The generated constants name what the table says (a sample from every page, with the
/// spec's own spelling where it is unusual).
#[test]
fn constants_match_the_table() {
    use relais_wbxml::tag::*;
    let table: &[(Tag, &str, u8)] = &[
        (airsync::SYNC, "AirSync:Sync", 0x05),
        (airsync::SYNC_KEY, "AirSync:SyncKey", 0x0B),
        (airsync::HEARTBEAT_INTERVAL, "AirSync:HeartbeatInterval", 0x29),
        (contacts::ASSISTANT_PHONE_NUMBER, "Contacts:AssistantPhoneNumber", 0x07),
        (contacts::WEIGHTED_RANK, "Contacts:WeightedRank", 0x3E),
        (email::ATT_OID, "Email:AttOid", 0x09),
        (email::STATUS, "Email:Status", 0x3B),
        (email::DISALLOW_NEW_TIME_PROPOSAL, "Email:DisallowNewTimeProposal", 0x3F),
        (airnotify::DEVICE_FRIENDLY_NAME, "AirNotify:DeviceFriendlyName", 0x17),
        (calendar::TIME_ZONE, "Calendar:TimeZone", 0x05),
        (calendar::CLIENT_UID, "Calendar:ClientUid", 0x3C),
        (moveitems::MOVE_ITEMS, "Move:MoveItems", 0x05),
        (getitemestimate::ESTIMATE, "GetItemEstimate:Estimate", 0x0C),
        (folderhierarchy::FOLDER_SYNC, "FolderHierarchy:FolderSync", 0x16),
        (folderhierarchy::COUNT, "FolderHierarchy:Count", 0x17),
        (meetingresponse::SEND_RESPONSE, "MeetingResponse:SendResponse", 0x12),
        (tasks::FIRST_DAY_OF_WEEK, "Tasks:FirstDayOfWeek", 0x26),
        (resolverecipients::MAX_PICTURES, "ResolveRecipients:MaxPictures", 0x1D),
        (validatecert::CHECK_CRL, "ValidateCert:CheckCRL", 0x09),
        (contacts2::MMS, "Contacts2:MMS", 0x0E),
        (ping::AUTD_STATE, "Ping:AutdState", 0x06),
        (ping::MAX_FOLDERS, "Ping:MaxFolders", 0x0D),
        (provision::EAS_PROVISION_DOC, "Provision:EASProvisionDoc", 0x0D),
        (provision::ALLOW_POPIMAP_EMAIL, "Provision:AllowPOPIMAPEmail", 0x23),
        (provision::ACCOUNT_ONLY_REMOTE_WIPE, "Provision:AccountOnlyRemoteWipe", 0x3B),
        (search::MAX_PICTURES, "Search:MaxPictures", 0x23),
        (gal::DATA, "GAL:Data", 0x12),
        (airsyncbase::BODY_PART_PREFERENCE, "AirSyncBase:BodyPartPreference", 0x19),
        (airsyncbase::INSTANCE_ID, "AirSyncBase:InstanceId", 0x2D),
        (settings::IMEI, "Settings:IMEI", 0x18),
        (settings::RIGHTS_MANAGEMENT_INFORMATION, "Settings:RightsManagementInformation", 0x2B),
        (documentlibrary::CONTENT_TYPE, "DocumentLibrary:ContentType", 0x0C),
        (itemoperations::MOVE_ALWAYS, "ItemOperations:MoveAlways", 0x19),
        (composemail::MIME, "ComposeMail:Mime", 0x10),
        (composemail::FORWARDEE_EMAIL, "ComposeMail:ForwardeeEmail", 0x18),
        (email2::SEND, "Email2:Send", 0x17),
        (notes::CATEGORY, "Notes:Category", 0x09),
        (
            rightsmanagement::REMOVE_RIGHTS_MANAGEMENT_PROTECTION,
            "RightsManagement:RemoveRightsManagementProtection",
            0x18,
        ),
        (find::MAIL_BOX_SEARCH_CRITERION, "Find:MailBoxSearchCriterion", 0x08),
        (find::PICTURE, "Find:Picture", 0x22),
    ];
    for &(t, name, token) in table {
        assert_eq!(t.to_string(), name);
        assert_eq!(t.token(), token, "{name}");
    }
}
