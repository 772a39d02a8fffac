// Generated from the MS-ASWBXML code page tables (§2.1.2.1.1–§2.1.2.1.26): one constant per
// tag. `codepages.rs` holds the same tokens as the lookup table; `tests/pages.rs` keeps both
// in step with the spec's counts.

/// Code page 10: ResolveRecipients (MS-ASWBXML §2.1.2.1.11).
pub mod resolverecipients {
    use crate::Tag;

    pub const RESOLVE_RECIPIENTS: Tag = Tag::known(10, 0x05);
    pub const RESPONSE: Tag = Tag::known(10, 0x06);
    pub const STATUS: Tag = Tag::known(10, 0x07);
    pub const TYPE: Tag = Tag::known(10, 0x08);
    pub const RECIPIENT: Tag = Tag::known(10, 0x09);
    pub const DISPLAY_NAME: Tag = Tag::known(10, 0x0A);
    pub const EMAIL_ADDRESS: Tag = Tag::known(10, 0x0B);
    pub const CERTIFICATES: Tag = Tag::known(10, 0x0C);
    pub const CERTIFICATE: Tag = Tag::known(10, 0x0D);
    pub const MINI_CERTIFICATE: Tag = Tag::known(10, 0x0E);
    pub const OPTIONS: Tag = Tag::known(10, 0x0F);
    pub const TO: Tag = Tag::known(10, 0x10);
    pub const CERTIFICATE_RETRIEVAL: Tag = Tag::known(10, 0x11);
    pub const RECIPIENT_COUNT: Tag = Tag::known(10, 0x12);
    pub const MAX_CERTIFICATES: Tag = Tag::known(10, 0x13);
    pub const MAX_AMBIGUOUS_RECIPIENTS: Tag = Tag::known(10, 0x14);
    pub const CERTIFICATE_COUNT: Tag = Tag::known(10, 0x15);
    pub const AVAILABILITY: Tag = Tag::known(10, 0x16);
    pub const START_TIME: Tag = Tag::known(10, 0x17);
    pub const END_TIME: Tag = Tag::known(10, 0x18);
    pub const MERGED_FREE_BUSY: Tag = Tag::known(10, 0x19);
    pub const PICTURE: Tag = Tag::known(10, 0x1A);
    pub const MAX_SIZE: Tag = Tag::known(10, 0x1B);
    pub const DATA: Tag = Tag::known(10, 0x1C);
    pub const MAX_PICTURES: Tag = Tag::known(10, 0x1D);
}

/// Code page 11: ValidateCert (MS-ASWBXML §2.1.2.1.12).
pub mod validatecert {
    use crate::Tag;

    pub const VALIDATE_CERT: Tag = Tag::known(11, 0x05);
    pub const CERTIFICATES: Tag = Tag::known(11, 0x06);
    pub const CERTIFICATE: Tag = Tag::known(11, 0x07);
    pub const CERTIFICATE_CHAIN: Tag = Tag::known(11, 0x08);
    pub const CHECK_CRL: Tag = Tag::known(11, 0x09);
    pub const STATUS: Tag = Tag::known(11, 0x0A);
}

/// Code page 12: Contacts2 (MS-ASWBXML §2.1.2.1.13).
pub mod contacts2 {
    use crate::Tag;

    pub const CUSTOMER_ID: Tag = Tag::known(12, 0x05);
    pub const GOVERNMENT_ID: Tag = Tag::known(12, 0x06);
    pub const IM_ADDRESS: Tag = Tag::known(12, 0x07);
    pub const IM_ADDRESS2: Tag = Tag::known(12, 0x08);
    pub const IM_ADDRESS3: Tag = Tag::known(12, 0x09);
    pub const MANAGER_NAME: Tag = Tag::known(12, 0x0A);
    pub const COMPANY_MAIN_PHONE: Tag = Tag::known(12, 0x0B);
    pub const ACCOUNT_NAME: Tag = Tag::known(12, 0x0C);
    pub const NICK_NAME: Tag = Tag::known(12, 0x0D);
    pub const MMS: Tag = Tag::known(12, 0x0E);
}

/// Code page 13: Ping (MS-ASWBXML §2.1.2.1.14).
pub mod ping {
    use crate::Tag;

    pub const PING: Tag = Tag::known(13, 0x05);
    pub const AUTD_STATE: Tag = Tag::known(13, 0x06);
    pub const STATUS: Tag = Tag::known(13, 0x07);
    pub const HEARTBEAT_INTERVAL: Tag = Tag::known(13, 0x08);
    pub const FOLDERS: Tag = Tag::known(13, 0x09);
    pub const FOLDER: Tag = Tag::known(13, 0x0A);
    pub const ID: Tag = Tag::known(13, 0x0B);
    pub const CLASS: Tag = Tag::known(13, 0x0C);
    pub const MAX_FOLDERS: Tag = Tag::known(13, 0x0D);
}

/// Code page 14: Provision (MS-ASWBXML §2.1.2.1.15).
pub mod provision {
    use crate::Tag;

    pub const PROVISION: Tag = Tag::known(14, 0x05);
    pub const POLICIES: Tag = Tag::known(14, 0x06);
    pub const POLICY: Tag = Tag::known(14, 0x07);
    pub const POLICY_TYPE: Tag = Tag::known(14, 0x08);
    pub const POLICY_KEY: Tag = Tag::known(14, 0x09);
    pub const DATA: Tag = Tag::known(14, 0x0A);
    pub const STATUS: Tag = Tag::known(14, 0x0B);
    pub const REMOTE_WIPE: Tag = Tag::known(14, 0x0C);
    pub const EAS_PROVISION_DOC: Tag = Tag::known(14, 0x0D);
    pub const DEVICE_PASSWORD_ENABLED: Tag = Tag::known(14, 0x0E);
    pub const ALPHANUMERIC_DEVICE_PASSWORD_REQUIRED: Tag = Tag::known(14, 0x0F);
    pub const REQUIRE_STORAGE_CARD_ENCRYPTION: Tag = Tag::known(14, 0x10);
    pub const PASSWORD_RECOVERY_ENABLED: Tag = Tag::known(14, 0x11);
    pub const ATTACHMENTS_ENABLED: Tag = Tag::known(14, 0x13);
    pub const MIN_DEVICE_PASSWORD_LENGTH: Tag = Tag::known(14, 0x14);
    pub const MAX_INACTIVITY_TIME_DEVICE_LOCK: Tag = Tag::known(14, 0x15);
    pub const MAX_DEVICE_PASSWORD_FAILED_ATTEMPTS: Tag = Tag::known(14, 0x16);
    pub const MAX_ATTACHMENT_SIZE: Tag = Tag::known(14, 0x17);
    pub const ALLOW_SIMPLE_DEVICE_PASSWORD: Tag = Tag::known(14, 0x18);
    pub const DEVICE_PASSWORD_EXPIRATION: Tag = Tag::known(14, 0x19);
    pub const DEVICE_PASSWORD_HISTORY: Tag = Tag::known(14, 0x1A);
    pub const ALLOW_STORAGE_CARD: Tag = Tag::known(14, 0x1B);
    pub const ALLOW_CAMERA: Tag = Tag::known(14, 0x1C);
    pub const REQUIRE_DEVICE_ENCRYPTION: Tag = Tag::known(14, 0x1D);
    pub const ALLOW_UNSIGNED_APPLICATIONS: Tag = Tag::known(14, 0x1E);
    pub const ALLOW_UNSIGNED_INSTALLATION_PACKAGES: Tag = Tag::known(14, 0x1F);
    pub const MIN_DEVICE_PASSWORD_COMPLEX_CHARACTERS: Tag = Tag::known(14, 0x20);
    pub const ALLOW_WI_FI: Tag = Tag::known(14, 0x21);
    pub const ALLOW_TEXT_MESSAGING: Tag = Tag::known(14, 0x22);
    pub const ALLOW_POPIMAP_EMAIL: Tag = Tag::known(14, 0x23);
    pub const ALLOW_BLUETOOTH: Tag = Tag::known(14, 0x24);
    pub const ALLOW_IR_DA: Tag = Tag::known(14, 0x25);
    pub const REQUIRE_MANUAL_SYNC_WHEN_ROAMING: Tag = Tag::known(14, 0x26);
    pub const ALLOW_DESKTOP_SYNC: Tag = Tag::known(14, 0x27);
    pub const MAX_CALENDAR_AGE_FILTER: Tag = Tag::known(14, 0x28);
    pub const ALLOW_HTML_EMAIL: Tag = Tag::known(14, 0x29);
    pub const MAX_EMAIL_AGE_FILTER: Tag = Tag::known(14, 0x2A);
    pub const MAX_EMAIL_BODY_TRUNCATION_SIZE: Tag = Tag::known(14, 0x2B);
    pub const MAX_EMAIL_HTML_BODY_TRUNCATION_SIZE: Tag = Tag::known(14, 0x2C);
    pub const REQUIRE_SIGNED_SMIME_MESSAGES: Tag = Tag::known(14, 0x2D);
    pub const REQUIRE_ENCRYPTED_SMIME_MESSAGES: Tag = Tag::known(14, 0x2E);
    pub const REQUIRE_SIGNED_SMIME_ALGORITHM: Tag = Tag::known(14, 0x2F);
    pub const REQUIRE_ENCRYPTION_SMIME_ALGORITHM: Tag = Tag::known(14, 0x30);
    pub const ALLOW_SMIME_ENCRYPTION_ALGORITHM_NEGOTIATION: Tag = Tag::known(14, 0x31);
    pub const ALLOW_SMIME_SOFT_CERTS: Tag = Tag::known(14, 0x32);
    pub const ALLOW_BROWSER: Tag = Tag::known(14, 0x33);
    pub const ALLOW_CONSUMER_EMAIL: Tag = Tag::known(14, 0x34);
    pub const ALLOW_REMOTE_DESKTOP: Tag = Tag::known(14, 0x35);
    pub const ALLOW_INTERNET_SHARING: Tag = Tag::known(14, 0x36);
    pub const UNAPPROVED_IN_ROM_APPLICATION_LIST: Tag = Tag::known(14, 0x37);
    pub const APPLICATION_NAME: Tag = Tag::known(14, 0x38);
    pub const APPROVED_APPLICATION_LIST: Tag = Tag::known(14, 0x39);
    pub const HASH: Tag = Tag::known(14, 0x3A);
    pub const ACCOUNT_ONLY_REMOTE_WIPE: Tag = Tag::known(14, 0x3B);
}

/// Code page 15: Search (MS-ASWBXML §2.1.2.1.16).
pub mod search {
    use crate::Tag;

    pub const SEARCH: Tag = Tag::known(15, 0x05);
    pub const STORE: Tag = Tag::known(15, 0x07);
    pub const NAME: Tag = Tag::known(15, 0x08);
    pub const QUERY: Tag = Tag::known(15, 0x09);
    pub const OPTIONS: Tag = Tag::known(15, 0x0A);
    pub const RANGE: Tag = Tag::known(15, 0x0B);
    pub const STATUS: Tag = Tag::known(15, 0x0C);
    pub const RESPONSE: Tag = Tag::known(15, 0x0D);
    pub const RESULT: Tag = Tag::known(15, 0x0E);
    pub const PROPERTIES: Tag = Tag::known(15, 0x0F);
    pub const TOTAL: Tag = Tag::known(15, 0x10);
    pub const EQUAL_TO: Tag = Tag::known(15, 0x11);
    pub const VALUE: Tag = Tag::known(15, 0x12);
    pub const AND: Tag = Tag::known(15, 0x13);
    pub const OR: Tag = Tag::known(15, 0x14);
    pub const FREE_TEXT: Tag = Tag::known(15, 0x15);
    pub const DEEP_TRAVERSAL: Tag = Tag::known(15, 0x17);
    pub const LONG_ID: Tag = Tag::known(15, 0x18);
    pub const REBUILD_RESULTS: Tag = Tag::known(15, 0x19);
    pub const LESS_THAN: Tag = Tag::known(15, 0x1A);
    pub const GREATER_THAN: Tag = Tag::known(15, 0x1B);
    pub const USER_NAME: Tag = Tag::known(15, 0x1E);
    pub const PASSWORD: Tag = Tag::known(15, 0x1F);
    pub const CONVERSATION_ID: Tag = Tag::known(15, 0x20);
    pub const PICTURE: Tag = Tag::known(15, 0x21);
    pub const MAX_SIZE: Tag = Tag::known(15, 0x22);
    pub const MAX_PICTURES: Tag = Tag::known(15, 0x23);
}

/// Code page 16: GAL (MS-ASWBXML §2.1.2.1.17).
pub mod gal {
    use crate::Tag;

    pub const DISPLAY_NAME: Tag = Tag::known(16, 0x05);
    pub const PHONE: Tag = Tag::known(16, 0x06);
    pub const OFFICE: Tag = Tag::known(16, 0x07);
    pub const TITLE: Tag = Tag::known(16, 0x08);
    pub const COMPANY: Tag = Tag::known(16, 0x09);
    pub const ALIAS: Tag = Tag::known(16, 0x0A);
    pub const FIRST_NAME: Tag = Tag::known(16, 0x0B);
    pub const LAST_NAME: Tag = Tag::known(16, 0x0C);
    pub const HOME_PHONE: Tag = Tag::known(16, 0x0D);
    pub const MOBILE_PHONE: Tag = Tag::known(16, 0x0E);
    pub const EMAIL_ADDRESS: Tag = Tag::known(16, 0x0F);
    pub const PICTURE: Tag = Tag::known(16, 0x10);
    pub const STATUS: Tag = Tag::known(16, 0x11);
    pub const DATA: Tag = Tag::known(16, 0x12);
}

/// Code page 17: AirSyncBase (MS-ASWBXML §2.1.2.1.18).
pub mod airsyncbase {
    use crate::Tag;

    pub const BODY_PREFERENCE: Tag = Tag::known(17, 0x05);
    pub const TYPE: Tag = Tag::known(17, 0x06);
    pub const TRUNCATION_SIZE: Tag = Tag::known(17, 0x07);
    pub const ALL_OR_NONE: Tag = Tag::known(17, 0x08);
    pub const BODY: Tag = Tag::known(17, 0x0A);
    pub const DATA: Tag = Tag::known(17, 0x0B);
    pub const ESTIMATED_DATA_SIZE: Tag = Tag::known(17, 0x0C);
    pub const TRUNCATED: Tag = Tag::known(17, 0x0D);
    pub const ATTACHMENTS: Tag = Tag::known(17, 0x0E);
    pub const ATTACHMENT: Tag = Tag::known(17, 0x0F);
    pub const DISPLAY_NAME: Tag = Tag::known(17, 0x10);
    pub const FILE_REFERENCE: Tag = Tag::known(17, 0x11);
    pub const METHOD: Tag = Tag::known(17, 0x12);
    pub const CONTENT_ID: Tag = Tag::known(17, 0x13);
    pub const CONTENT_LOCATION: Tag = Tag::known(17, 0x14);
    pub const IS_INLINE: Tag = Tag::known(17, 0x15);
    pub const NATIVE_BODY_TYPE: Tag = Tag::known(17, 0x16);
    pub const CONTENT_TYPE: Tag = Tag::known(17, 0x17);
    pub const PREVIEW: Tag = Tag::known(17, 0x18);
    pub const BODY_PART_PREFERENCE: Tag = Tag::known(17, 0x19);
    pub const BODY_PART: Tag = Tag::known(17, 0x1A);
    pub const STATUS: Tag = Tag::known(17, 0x1B);
    pub const ADD: Tag = Tag::known(17, 0x1C);
    pub const DELETE: Tag = Tag::known(17, 0x1D);
    pub const CLIENT_ID: Tag = Tag::known(17, 0x1E);
    pub const CONTENT: Tag = Tag::known(17, 0x1F);
    pub const LOCATION: Tag = Tag::known(17, 0x20);
    pub const ANNOTATION: Tag = Tag::known(17, 0x21);
    pub const STREET: Tag = Tag::known(17, 0x22);
    pub const CITY: Tag = Tag::known(17, 0x23);
    pub const STATE: Tag = Tag::known(17, 0x24);
    pub const COUNTRY: Tag = Tag::known(17, 0x25);
    pub const POSTAL_CODE: Tag = Tag::known(17, 0x26);
    pub const LATITUDE: Tag = Tag::known(17, 0x27);
    pub const LONGITUDE: Tag = Tag::known(17, 0x28);
    pub const ACCURACY: Tag = Tag::known(17, 0x29);
    pub const ALTITUDE: Tag = Tag::known(17, 0x2A);
    pub const ALTITUDE_ACCURACY: Tag = Tag::known(17, 0x2B);
    pub const LOCATION_URI: Tag = Tag::known(17, 0x2C);
    pub const INSTANCE_ID: Tag = Tag::known(17, 0x2D);
}

/// Code page 18: Settings (MS-ASWBXML §2.1.2.1.19).
pub mod settings {
    use crate::Tag;

    pub const SETTINGS: Tag = Tag::known(18, 0x05);
    pub const STATUS: Tag = Tag::known(18, 0x06);
    pub const GET: Tag = Tag::known(18, 0x07);
    pub const SET: Tag = Tag::known(18, 0x08);
    pub const OOF: Tag = Tag::known(18, 0x09);
    pub const OOF_STATE: Tag = Tag::known(18, 0x0A);
    pub const START_TIME: Tag = Tag::known(18, 0x0B);
    pub const END_TIME: Tag = Tag::known(18, 0x0C);
    pub const OOF_MESSAGE: Tag = Tag::known(18, 0x0D);
    pub const APPLIES_TO_INTERNAL: Tag = Tag::known(18, 0x0E);
    pub const APPLIES_TO_EXTERNAL_KNOWN: Tag = Tag::known(18, 0x0F);
    pub const APPLIES_TO_EXTERNAL_UNKNOWN: Tag = Tag::known(18, 0x10);
    pub const ENABLED: Tag = Tag::known(18, 0x11);
    pub const REPLY_MESSAGE: Tag = Tag::known(18, 0x12);
    pub const BODY_TYPE: Tag = Tag::known(18, 0x13);
    pub const DEVICE_PASSWORD: Tag = Tag::known(18, 0x14);
    pub const PASSWORD: Tag = Tag::known(18, 0x15);
    pub const DEVICE_INFORMATION: Tag = Tag::known(18, 0x16);
    pub const MODEL: Tag = Tag::known(18, 0x17);
    pub const IMEI: Tag = Tag::known(18, 0x18);
    pub const FRIENDLY_NAME: Tag = Tag::known(18, 0x19);
    pub const OS: Tag = Tag::known(18, 0x1A);
    pub const OS_LANGUAGE: Tag = Tag::known(18, 0x1B);
    pub const PHONE_NUMBER: Tag = Tag::known(18, 0x1C);
    pub const USER_INFORMATION: Tag = Tag::known(18, 0x1D);
    pub const EMAIL_ADDRESSES: Tag = Tag::known(18, 0x1E);
    pub const SMTP_ADDRESS: Tag = Tag::known(18, 0x1F);
    pub const USER_AGENT: Tag = Tag::known(18, 0x20);
    pub const ENABLE_OUTBOUND_SMS: Tag = Tag::known(18, 0x21);
    pub const MOBILE_OPERATOR: Tag = Tag::known(18, 0x22);
    pub const PRIMARY_SMTP_ADDRESS: Tag = Tag::known(18, 0x23);
    pub const ACCOUNTS: Tag = Tag::known(18, 0x24);
    pub const ACCOUNT: Tag = Tag::known(18, 0x25);
    pub const ACCOUNT_ID: Tag = Tag::known(18, 0x26);
    pub const ACCOUNT_NAME: Tag = Tag::known(18, 0x27);
    pub const USER_DISPLAY_NAME: Tag = Tag::known(18, 0x28);
    pub const SEND_DISABLED: Tag = Tag::known(18, 0x29);
    pub const RIGHTS_MANAGEMENT_INFORMATION: Tag = Tag::known(18, 0x2B);
}

/// Code page 19: DocumentLibrary (MS-ASWBXML §2.1.2.1.20).
pub mod documentlibrary {
    use crate::Tag;

    pub const LINK_ID: Tag = Tag::known(19, 0x05);
    pub const DISPLAY_NAME: Tag = Tag::known(19, 0x06);
    pub const IS_FOLDER: Tag = Tag::known(19, 0x07);
    pub const CREATION_DATE: Tag = Tag::known(19, 0x08);
    pub const LAST_MODIFIED_DATE: Tag = Tag::known(19, 0x09);
    pub const IS_HIDDEN: Tag = Tag::known(19, 0x0A);
    pub const CONTENT_LENGTH: Tag = Tag::known(19, 0x0B);
    pub const CONTENT_TYPE: Tag = Tag::known(19, 0x0C);
}

/// Code page 20: ItemOperations (MS-ASWBXML §2.1.2.1.21).
pub mod itemoperations {
    use crate::Tag;

    pub const ITEM_OPERATIONS: Tag = Tag::known(20, 0x05);
    pub const FETCH: Tag = Tag::known(20, 0x06);
    pub const STORE: Tag = Tag::known(20, 0x07);
    pub const OPTIONS: Tag = Tag::known(20, 0x08);
    pub const RANGE: Tag = Tag::known(20, 0x09);
    pub const TOTAL: Tag = Tag::known(20, 0x0A);
    pub const PROPERTIES: Tag = Tag::known(20, 0x0B);
    pub const DATA: Tag = Tag::known(20, 0x0C);
    pub const STATUS: Tag = Tag::known(20, 0x0D);
    pub const RESPONSE: Tag = Tag::known(20, 0x0E);
    pub const VERSION: Tag = Tag::known(20, 0x0F);
    pub const SCHEMA: Tag = Tag::known(20, 0x10);
    pub const PART: Tag = Tag::known(20, 0x11);
    pub const EMPTY_FOLDER_CONTENTS: Tag = Tag::known(20, 0x12);
    pub const DELETE_SUB_FOLDERS: Tag = Tag::known(20, 0x13);
    pub const USER_NAME: Tag = Tag::known(20, 0x14);
    pub const PASSWORD: Tag = Tag::known(20, 0x15);
    pub const MOVE: Tag = Tag::known(20, 0x16);
    pub const DST_FLD_ID: Tag = Tag::known(20, 0x17);
    pub const CONVERSATION_ID: Tag = Tag::known(20, 0x18);
    pub const MOVE_ALWAYS: Tag = Tag::known(20, 0x19);
}

/// Code page 21: ComposeMail (MS-ASWBXML §2.1.2.1.22).
pub mod composemail {
    use crate::Tag;

    pub const SEND_MAIL: Tag = Tag::known(21, 0x05);
    pub const SMART_FORWARD: Tag = Tag::known(21, 0x06);
    pub const SMART_REPLY: Tag = Tag::known(21, 0x07);
    pub const SAVE_IN_SENT_ITEMS: Tag = Tag::known(21, 0x08);
    pub const REPLACE_MIME: Tag = Tag::known(21, 0x09);
    pub const SOURCE: Tag = Tag::known(21, 0x0B);
    pub const FOLDER_ID: Tag = Tag::known(21, 0x0C);
    pub const ITEM_ID: Tag = Tag::known(21, 0x0D);
    pub const LONG_ID: Tag = Tag::known(21, 0x0E);
    pub const INSTANCE_ID: Tag = Tag::known(21, 0x0F);
    pub const MIME: Tag = Tag::known(21, 0x10);
    pub const CLIENT_ID: Tag = Tag::known(21, 0x11);
    pub const STATUS: Tag = Tag::known(21, 0x12);
    pub const ACCOUNT_ID: Tag = Tag::known(21, 0x13);
    pub const FORWARDEES: Tag = Tag::known(21, 0x15);
    pub const FORWARDEE: Tag = Tag::known(21, 0x16);
    pub const FORWARDEE_NAME: Tag = Tag::known(21, 0x17);
    pub const FORWARDEE_EMAIL: Tag = Tag::known(21, 0x18);
}

/// Code page 22: Email2 (MS-ASWBXML §2.1.2.1.23).
pub mod email2 {
    use crate::Tag;

    pub const UM_CALLER_ID: Tag = Tag::known(22, 0x05);
    pub const UM_USER_NOTES: Tag = Tag::known(22, 0x06);
    pub const UM_ATT_DURATION: Tag = Tag::known(22, 0x07);
    pub const UM_ATT_ORDER: Tag = Tag::known(22, 0x08);
    pub const CONVERSATION_ID: Tag = Tag::known(22, 0x09);
    pub const CONVERSATION_INDEX: Tag = Tag::known(22, 0x0A);
    pub const LAST_VERB_EXECUTED: Tag = Tag::known(22, 0x0B);
    pub const LAST_VERB_EXECUTION_TIME: Tag = Tag::known(22, 0x0C);
    pub const RECEIVED_AS_BCC: Tag = Tag::known(22, 0x0D);
    pub const SENDER: Tag = Tag::known(22, 0x0E);
    pub const CALENDAR_TYPE: Tag = Tag::known(22, 0x0F);
    pub const IS_LEAP_MONTH: Tag = Tag::known(22, 0x10);
    pub const ACCOUNT_ID: Tag = Tag::known(22, 0x11);
    pub const FIRST_DAY_OF_WEEK: Tag = Tag::known(22, 0x12);
    pub const MEETING_MESSAGE_TYPE: Tag = Tag::known(22, 0x13);
    pub const IS_DRAFT: Tag = Tag::known(22, 0x15);
    pub const BCC: Tag = Tag::known(22, 0x16);
    pub const SEND: Tag = Tag::known(22, 0x17);
}

/// Code page 23: Notes (MS-ASWBXML §2.1.2.1.24).
pub mod notes {
    use crate::Tag;

    pub const SUBJECT: Tag = Tag::known(23, 0x05);
    pub const MESSAGE_CLASS: Tag = Tag::known(23, 0x06);
    pub const LAST_MODIFIED_DATE: Tag = Tag::known(23, 0x07);
    pub const CATEGORIES: Tag = Tag::known(23, 0x08);
    pub const CATEGORY: Tag = Tag::known(23, 0x09);
}

/// Code page 24: RightsManagement (MS-ASWBXML §2.1.2.1.25).
pub mod rightsmanagement {
    use crate::Tag;

    pub const RIGHTS_MANAGEMENT_SUPPORT: Tag = Tag::known(24, 0x05);
    pub const RIGHTS_MANAGEMENT_TEMPLATES: Tag = Tag::known(24, 0x06);
    pub const RIGHTS_MANAGEMENT_TEMPLATE: Tag = Tag::known(24, 0x07);
    pub const RIGHTS_MANAGEMENT_LICENSE: Tag = Tag::known(24, 0x08);
    pub const EDIT_ALLOWED: Tag = Tag::known(24, 0x09);
    pub const REPLY_ALLOWED: Tag = Tag::known(24, 0x0A);
    pub const REPLY_ALL_ALLOWED: Tag = Tag::known(24, 0x0B);
    pub const FORWARD_ALLOWED: Tag = Tag::known(24, 0x0C);
    pub const MODIFY_RECIPIENTS_ALLOWED: Tag = Tag::known(24, 0x0D);
    pub const EXTRACT_ALLOWED: Tag = Tag::known(24, 0x0E);
    pub const PRINT_ALLOWED: Tag = Tag::known(24, 0x0F);
    pub const EXPORT_ALLOWED: Tag = Tag::known(24, 0x10);
    pub const PROGRAMMATIC_ACCESS_ALLOWED: Tag = Tag::known(24, 0x11);
    pub const OWNER: Tag = Tag::known(24, 0x12);
    pub const CONTENT_EXPIRY_DATE: Tag = Tag::known(24, 0x13);
    pub const TEMPLATE_ID: Tag = Tag::known(24, 0x14);
    pub const TEMPLATE_NAME: Tag = Tag::known(24, 0x15);
    pub const TEMPLATE_DESCRIPTION: Tag = Tag::known(24, 0x16);
    pub const CONTENT_OWNER: Tag = Tag::known(24, 0x17);
    pub const REMOVE_RIGHTS_MANAGEMENT_PROTECTION: Tag = Tag::known(24, 0x18);
}

/// Code page 25: Find (MS-ASWBXML §2.1.2.1.26).
pub mod find {
    use crate::Tag;

    pub const FIND: Tag = Tag::known(25, 0x05);
    pub const SEARCH_ID: Tag = Tag::known(25, 0x06);
    pub const EXECUTE_SEARCH: Tag = Tag::known(25, 0x07);
    pub const MAIL_BOX_SEARCH_CRITERION: Tag = Tag::known(25, 0x08);
    pub const QUERY: Tag = Tag::known(25, 0x09);
    pub const STATUS: Tag = Tag::known(25, 0x0A);
    pub const FREE_TEXT: Tag = Tag::known(25, 0x0B);
    pub const OPTIONS: Tag = Tag::known(25, 0x0C);
    pub const RANGE: Tag = Tag::known(25, 0x0D);
    pub const DEEP_TRAVERSAL: Tag = Tag::known(25, 0x0E);
    pub const RESPONSE: Tag = Tag::known(25, 0x11);
    pub const RESULT: Tag = Tag::known(25, 0x12);
    pub const PROPERTIES: Tag = Tag::known(25, 0x13);
    pub const PREVIEW: Tag = Tag::known(25, 0x14);
    pub const HAS_ATTACHMENTS: Tag = Tag::known(25, 0x15);
    pub const TOTAL: Tag = Tag::known(25, 0x16);
    pub const DISPLAY_CC: Tag = Tag::known(25, 0x17);
    pub const DISPLAY_BCC: Tag = Tag::known(25, 0x18);
    pub const GAL_SEARCH_CRITERION: Tag = Tag::known(25, 0x19);
    pub const MAX_PICTURES: Tag = Tag::known(25, 0x20);
    pub const MAX_SIZE: Tag = Tag::known(25, 0x21);
    pub const PICTURE: Tag = Tag::known(25, 0x22);
}
