// Generated from the MS-ASWBXML code page tables (§2.1.2.1.1–§2.1.2.1.26): one constant per
// tag. `codepages.rs` holds the same tokens as the lookup table; `tests/pages.rs` keeps both
// in step with the spec's counts.

/// Code page 0: AirSync (MS-ASWBXML §2.1.2.1.1).
pub mod airsync {
    use crate::Tag;

    pub const SYNC: Tag = Tag::known(0, 0x05);
    pub const RESPONSES: Tag = Tag::known(0, 0x06);
    pub const ADD: Tag = Tag::known(0, 0x07);
    pub const CHANGE: Tag = Tag::known(0, 0x08);
    pub const DELETE: Tag = Tag::known(0, 0x09);
    pub const FETCH: Tag = Tag::known(0, 0x0A);
    pub const SYNC_KEY: Tag = Tag::known(0, 0x0B);
    pub const CLIENT_ID: Tag = Tag::known(0, 0x0C);
    pub const SERVER_ID: Tag = Tag::known(0, 0x0D);
    pub const STATUS: Tag = Tag::known(0, 0x0E);
    pub const COLLECTION: Tag = Tag::known(0, 0x0F);
    pub const CLASS: Tag = Tag::known(0, 0x10);
    pub const COLLECTION_ID: Tag = Tag::known(0, 0x12);
    pub const GET_CHANGES: Tag = Tag::known(0, 0x13);
    pub const MORE_AVAILABLE: Tag = Tag::known(0, 0x14);
    pub const WINDOW_SIZE: Tag = Tag::known(0, 0x15);
    pub const COMMANDS: Tag = Tag::known(0, 0x16);
    pub const OPTIONS: Tag = Tag::known(0, 0x17);
    pub const FILTER_TYPE: Tag = Tag::known(0, 0x18);
    pub const TRUNCATION: Tag = Tag::known(0, 0x19);
    pub const CONFLICT: Tag = Tag::known(0, 0x1B);
    pub const COLLECTIONS: Tag = Tag::known(0, 0x1C);
    pub const APPLICATION_DATA: Tag = Tag::known(0, 0x1D);
    pub const DELETES_AS_MOVES: Tag = Tag::known(0, 0x1E);
    pub const SUPPORTED: Tag = Tag::known(0, 0x20);
    pub const SOFT_DELETE: Tag = Tag::known(0, 0x21);
    pub const MIME_SUPPORT: Tag = Tag::known(0, 0x22);
    pub const MIME_TRUNCATION: Tag = Tag::known(0, 0x23);
    pub const WAIT: Tag = Tag::known(0, 0x24);
    pub const LIMIT: Tag = Tag::known(0, 0x25);
    pub const PARTIAL: Tag = Tag::known(0, 0x26);
    pub const CONVERSATION_MODE: Tag = Tag::known(0, 0x27);
    pub const MAX_ITEMS: Tag = Tag::known(0, 0x28);
    pub const HEARTBEAT_INTERVAL: Tag = Tag::known(0, 0x29);
}

/// Code page 1: Contacts (MS-ASWBXML §2.1.2.1.2).
pub mod contacts {
    use crate::Tag;

    pub const ANNIVERSARY: Tag = Tag::known(1, 0x05);
    pub const ASSISTANT_NAME: Tag = Tag::known(1, 0x06);
    pub const ASSISTANT_PHONE_NUMBER: Tag = Tag::known(1, 0x07);
    pub const BIRTHDAY: Tag = Tag::known(1, 0x08);
    pub const BODY: Tag = Tag::known(1, 0x09);
    pub const BODY_SIZE: Tag = Tag::known(1, 0x0A);
    pub const BODY_TRUNCATED: Tag = Tag::known(1, 0x0B);
    pub const BUSINESS2_PHONE_NUMBER: Tag = Tag::known(1, 0x0C);
    pub const BUSINESS_ADDRESS_CITY: Tag = Tag::known(1, 0x0D);
    pub const BUSINESS_ADDRESS_COUNTRY: Tag = Tag::known(1, 0x0E);
    pub const BUSINESS_ADDRESS_POSTAL_CODE: Tag = Tag::known(1, 0x0F);
    pub const BUSINESS_ADDRESS_STATE: Tag = Tag::known(1, 0x10);
    pub const BUSINESS_ADDRESS_STREET: Tag = Tag::known(1, 0x11);
    pub const BUSINESS_FAX_NUMBER: Tag = Tag::known(1, 0x12);
    pub const BUSINESS_PHONE_NUMBER: Tag = Tag::known(1, 0x13);
    pub const CAR_PHONE_NUMBER: Tag = Tag::known(1, 0x14);
    pub const CATEGORIES: Tag = Tag::known(1, 0x15);
    pub const CATEGORY: Tag = Tag::known(1, 0x16);
    pub const CHILDREN: Tag = Tag::known(1, 0x17);
    pub const CHILD: Tag = Tag::known(1, 0x18);
    pub const COMPANY_NAME: Tag = Tag::known(1, 0x19);
    pub const DEPARTMENT: Tag = Tag::known(1, 0x1A);
    pub const EMAIL1_ADDRESS: Tag = Tag::known(1, 0x1B);
    pub const EMAIL2_ADDRESS: Tag = Tag::known(1, 0x1C);
    pub const EMAIL3_ADDRESS: Tag = Tag::known(1, 0x1D);
    pub const FILE_AS: Tag = Tag::known(1, 0x1E);
    pub const FIRST_NAME: Tag = Tag::known(1, 0x1F);
    pub const HOME2_PHONE_NUMBER: Tag = Tag::known(1, 0x20);
    pub const HOME_ADDRESS_CITY: Tag = Tag::known(1, 0x21);
    pub const HOME_ADDRESS_COUNTRY: Tag = Tag::known(1, 0x22);
    pub const HOME_ADDRESS_POSTAL_CODE: Tag = Tag::known(1, 0x23);
    pub const HOME_ADDRESS_STATE: Tag = Tag::known(1, 0x24);
    pub const HOME_ADDRESS_STREET: Tag = Tag::known(1, 0x25);
    pub const HOME_FAX_NUMBER: Tag = Tag::known(1, 0x26);
    pub const HOME_PHONE_NUMBER: Tag = Tag::known(1, 0x27);
    pub const JOB_TITLE: Tag = Tag::known(1, 0x28);
    pub const LAST_NAME: Tag = Tag::known(1, 0x29);
    pub const MIDDLE_NAME: Tag = Tag::known(1, 0x2A);
    pub const MOBILE_PHONE_NUMBER: Tag = Tag::known(1, 0x2B);
    pub const OFFICE_LOCATION: Tag = Tag::known(1, 0x2C);
    pub const OTHER_ADDRESS_CITY: Tag = Tag::known(1, 0x2D);
    pub const OTHER_ADDRESS_COUNTRY: Tag = Tag::known(1, 0x2E);
    pub const OTHER_ADDRESS_POSTAL_CODE: Tag = Tag::known(1, 0x2F);
    pub const OTHER_ADDRESS_STATE: Tag = Tag::known(1, 0x30);
    pub const OTHER_ADDRESS_STREET: Tag = Tag::known(1, 0x31);
    pub const PAGER_NUMBER: Tag = Tag::known(1, 0x32);
    pub const RADIO_PHONE_NUMBER: Tag = Tag::known(1, 0x33);
    pub const SPOUSE: Tag = Tag::known(1, 0x34);
    pub const SUFFIX: Tag = Tag::known(1, 0x35);
    pub const TITLE: Tag = Tag::known(1, 0x36);
    pub const WEB_PAGE: Tag = Tag::known(1, 0x37);
    pub const YOMI_COMPANY_NAME: Tag = Tag::known(1, 0x38);
    pub const YOMI_FIRST_NAME: Tag = Tag::known(1, 0x39);
    pub const YOMI_LAST_NAME: Tag = Tag::known(1, 0x3A);
    pub const PICTURE: Tag = Tag::known(1, 0x3C);
    pub const ALIAS: Tag = Tag::known(1, 0x3D);
    pub const WEIGHTED_RANK: Tag = Tag::known(1, 0x3E);
}

/// Code page 2: Email (MS-ASWBXML §2.1.2.1.3).
pub mod email {
    use crate::Tag;

    pub const ATTACHMENT: Tag = Tag::known(2, 0x05);
    pub const ATTACHMENTS: Tag = Tag::known(2, 0x06);
    pub const ATT_NAME: Tag = Tag::known(2, 0x07);
    pub const ATT_SIZE: Tag = Tag::known(2, 0x08);
    pub const ATT_OID: Tag = Tag::known(2, 0x09);
    pub const ATT_METHOD: Tag = Tag::known(2, 0x0A);
    pub const BODY: Tag = Tag::known(2, 0x0C);
    pub const BODY_SIZE: Tag = Tag::known(2, 0x0D);
    pub const BODY_TRUNCATED: Tag = Tag::known(2, 0x0E);
    pub const DATE_RECEIVED: Tag = Tag::known(2, 0x0F);
    pub const DISPLAY_NAME: Tag = Tag::known(2, 0x10);
    pub const DISPLAY_TO: Tag = Tag::known(2, 0x11);
    pub const IMPORTANCE: Tag = Tag::known(2, 0x12);
    pub const MESSAGE_CLASS: Tag = Tag::known(2, 0x13);
    pub const SUBJECT: Tag = Tag::known(2, 0x14);
    pub const READ: Tag = Tag::known(2, 0x15);
    pub const TO: Tag = Tag::known(2, 0x16);
    pub const CC: Tag = Tag::known(2, 0x17);
    pub const FROM: Tag = Tag::known(2, 0x18);
    pub const REPLY_TO: Tag = Tag::known(2, 0x19);
    pub const ALL_DAY_EVENT: Tag = Tag::known(2, 0x1A);
    pub const CATEGORIES: Tag = Tag::known(2, 0x1B);
    pub const CATEGORY: Tag = Tag::known(2, 0x1C);
    pub const DT_STAMP: Tag = Tag::known(2, 0x1D);
    pub const END_TIME: Tag = Tag::known(2, 0x1E);
    pub const INSTANCE_TYPE: Tag = Tag::known(2, 0x1F);
    pub const BUSY_STATUS: Tag = Tag::known(2, 0x20);
    pub const LOCATION: Tag = Tag::known(2, 0x21);
    pub const MEETING_REQUEST: Tag = Tag::known(2, 0x22);
    pub const ORGANIZER: Tag = Tag::known(2, 0x23);
    pub const RECURRENCE_ID: Tag = Tag::known(2, 0x24);
    pub const REMINDER: Tag = Tag::known(2, 0x25);
    pub const RESPONSE_REQUESTED: Tag = Tag::known(2, 0x26);
    pub const RECURRENCES: Tag = Tag::known(2, 0x27);
    pub const RECURRENCE: Tag = Tag::known(2, 0x28);
    pub const TYPE: Tag = Tag::known(2, 0x29);
    pub const UNTIL: Tag = Tag::known(2, 0x2A);
    pub const OCCURRENCES: Tag = Tag::known(2, 0x2B);
    pub const INTERVAL: Tag = Tag::known(2, 0x2C);
    pub const DAY_OF_WEEK: Tag = Tag::known(2, 0x2D);
    pub const DAY_OF_MONTH: Tag = Tag::known(2, 0x2E);
    pub const WEEK_OF_MONTH: Tag = Tag::known(2, 0x2F);
    pub const MONTH_OF_YEAR: Tag = Tag::known(2, 0x30);
    pub const START_TIME: Tag = Tag::known(2, 0x31);
    pub const SENSITIVITY: Tag = Tag::known(2, 0x32);
    pub const TIME_ZONE: Tag = Tag::known(2, 0x33);
    pub const GLOBAL_OBJ_ID: Tag = Tag::known(2, 0x34);
    pub const THREAD_TOPIC: Tag = Tag::known(2, 0x35);
    pub const MIME_DATA: Tag = Tag::known(2, 0x36);
    pub const MIME_TRUNCATED: Tag = Tag::known(2, 0x37);
    pub const MIME_SIZE: Tag = Tag::known(2, 0x38);
    pub const INTERNET_CPID: Tag = Tag::known(2, 0x39);
    pub const FLAG: Tag = Tag::known(2, 0x3A);
    pub const STATUS: Tag = Tag::known(2, 0x3B);
    pub const CONTENT_CLASS: Tag = Tag::known(2, 0x3C);
    pub const FLAG_TYPE: Tag = Tag::known(2, 0x3D);
    pub const COMPLETE_TIME: Tag = Tag::known(2, 0x3E);
    pub const DISALLOW_NEW_TIME_PROPOSAL: Tag = Tag::known(2, 0x3F);
}

/// Code page 3: AirNotify (MS-ASWBXML §2.1.2.1.4).
pub mod airnotify {
    use crate::Tag;

    pub const NOTIFY: Tag = Tag::known(3, 0x05);
    pub const NOTIFICATION: Tag = Tag::known(3, 0x06);
    pub const VERSION: Tag = Tag::known(3, 0x07);
    pub const LIFETIME: Tag = Tag::known(3, 0x08);
    pub const DEVICE_INFO: Tag = Tag::known(3, 0x09);
    pub const ENABLE: Tag = Tag::known(3, 0x0A);
    pub const FOLDER: Tag = Tag::known(3, 0x0B);
    pub const SERVER_ID: Tag = Tag::known(3, 0x0C);
    pub const DEVICE_ADDRESS: Tag = Tag::known(3, 0x0D);
    pub const VALID_CARRIER_PROFILES: Tag = Tag::known(3, 0x0E);
    pub const CARRIER_PROFILE: Tag = Tag::known(3, 0x0F);
    pub const STATUS: Tag = Tag::known(3, 0x10);
    pub const RESPONSES: Tag = Tag::known(3, 0x11);
    pub const DEVICES: Tag = Tag::known(3, 0x12);
    pub const DEVICE: Tag = Tag::known(3, 0x13);
    pub const ID: Tag = Tag::known(3, 0x14);
    pub const EXPIRY: Tag = Tag::known(3, 0x15);
    pub const NOTIFY_GUID: Tag = Tag::known(3, 0x16);
    pub const DEVICE_FRIENDLY_NAME: Tag = Tag::known(3, 0x17);
}

/// Code page 4: Calendar (MS-ASWBXML §2.1.2.1.5).
pub mod calendar {
    use crate::Tag;

    pub const TIME_ZONE: Tag = Tag::known(4, 0x05);
    pub const ALL_DAY_EVENT: Tag = Tag::known(4, 0x06);
    pub const ATTENDEES: Tag = Tag::known(4, 0x07);
    pub const ATTENDEE: Tag = Tag::known(4, 0x08);
    pub const EMAIL: Tag = Tag::known(4, 0x09);
    pub const NAME: Tag = Tag::known(4, 0x0A);
    pub const BODY: Tag = Tag::known(4, 0x0B);
    pub const BODY_TRUNCATED: Tag = Tag::known(4, 0x0C);
    pub const BUSY_STATUS: Tag = Tag::known(4, 0x0D);
    pub const CATEGORIES: Tag = Tag::known(4, 0x0E);
    pub const CATEGORY: Tag = Tag::known(4, 0x0F);
    pub const DT_STAMP: Tag = Tag::known(4, 0x11);
    pub const END_TIME: Tag = Tag::known(4, 0x12);
    pub const EXCEPTION: Tag = Tag::known(4, 0x13);
    pub const EXCEPTIONS: Tag = Tag::known(4, 0x14);
    pub const DELETED: Tag = Tag::known(4, 0x15);
    pub const EXCEPTION_START_TIME: Tag = Tag::known(4, 0x16);
    pub const LOCATION: Tag = Tag::known(4, 0x17);
    pub const MEETING_STATUS: Tag = Tag::known(4, 0x18);
    pub const ORGANIZER_EMAIL: Tag = Tag::known(4, 0x19);
    pub const ORGANIZER_NAME: Tag = Tag::known(4, 0x1A);
    pub const RECURRENCE: Tag = Tag::known(4, 0x1B);
    pub const TYPE: Tag = Tag::known(4, 0x1C);
    pub const UNTIL: Tag = Tag::known(4, 0x1D);
    pub const OCCURRENCES: Tag = Tag::known(4, 0x1E);
    pub const INTERVAL: Tag = Tag::known(4, 0x1F);
    pub const DAY_OF_WEEK: Tag = Tag::known(4, 0x20);
    pub const DAY_OF_MONTH: Tag = Tag::known(4, 0x21);
    pub const WEEK_OF_MONTH: Tag = Tag::known(4, 0x22);
    pub const MONTH_OF_YEAR: Tag = Tag::known(4, 0x23);
    pub const REMINDER: Tag = Tag::known(4, 0x24);
    pub const SENSITIVITY: Tag = Tag::known(4, 0x25);
    pub const SUBJECT: Tag = Tag::known(4, 0x26);
    pub const START_TIME: Tag = Tag::known(4, 0x27);
    pub const UID: Tag = Tag::known(4, 0x28);
    pub const ATTENDEE_STATUS: Tag = Tag::known(4, 0x29);
    pub const ATTENDEE_TYPE: Tag = Tag::known(4, 0x2A);
    pub const DISALLOW_NEW_TIME_PROPOSAL: Tag = Tag::known(4, 0x33);
    pub const RESPONSE_REQUESTED: Tag = Tag::known(4, 0x34);
    pub const APPOINTMENT_REPLY_TIME: Tag = Tag::known(4, 0x35);
    pub const RESPONSE_TYPE: Tag = Tag::known(4, 0x36);
    pub const CALENDAR_TYPE: Tag = Tag::known(4, 0x37);
    pub const IS_LEAP_MONTH: Tag = Tag::known(4, 0x38);
    pub const FIRST_DAY_OF_WEEK: Tag = Tag::known(4, 0x39);
    pub const ONLINE_MEETING_CONF_LINK: Tag = Tag::known(4, 0x3A);
    pub const ONLINE_MEETING_EXTERNAL_LINK: Tag = Tag::known(4, 0x3B);
    pub const CLIENT_UID: Tag = Tag::known(4, 0x3C);
}

/// Code page 5: Move (MS-ASWBXML §2.1.2.1.6).
pub mod moveitems {
    use crate::Tag;

    pub const MOVE_ITEMS: Tag = Tag::known(5, 0x05);
    pub const MOVE: Tag = Tag::known(5, 0x06);
    pub const SRC_MSG_ID: Tag = Tag::known(5, 0x07);
    pub const SRC_FLD_ID: Tag = Tag::known(5, 0x08);
    pub const DST_FLD_ID: Tag = Tag::known(5, 0x09);
    pub const RESPONSE: Tag = Tag::known(5, 0x0A);
    pub const STATUS: Tag = Tag::known(5, 0x0B);
    pub const DST_MSG_ID: Tag = Tag::known(5, 0x0C);
}

/// Code page 6: GetItemEstimate (MS-ASWBXML §2.1.2.1.7).
pub mod getitemestimate {
    use crate::Tag;

    pub const GET_ITEM_ESTIMATE: Tag = Tag::known(6, 0x05);
    pub const VERSION: Tag = Tag::known(6, 0x06);
    pub const COLLECTIONS: Tag = Tag::known(6, 0x07);
    pub const COLLECTION: Tag = Tag::known(6, 0x08);
    pub const CLASS: Tag = Tag::known(6, 0x09);
    pub const COLLECTION_ID: Tag = Tag::known(6, 0x0A);
    pub const DATE_TIME: Tag = Tag::known(6, 0x0B);
    pub const ESTIMATE: Tag = Tag::known(6, 0x0C);
    pub const RESPONSE: Tag = Tag::known(6, 0x0D);
    pub const STATUS: Tag = Tag::known(6, 0x0E);
}

/// Code page 7: FolderHierarchy (MS-ASWBXML §2.1.2.1.8).
pub mod folderhierarchy {
    use crate::Tag;

    pub const FOLDERS: Tag = Tag::known(7, 0x05);
    pub const FOLDER: Tag = Tag::known(7, 0x06);
    pub const DISPLAY_NAME: Tag = Tag::known(7, 0x07);
    pub const SERVER_ID: Tag = Tag::known(7, 0x08);
    pub const PARENT_ID: Tag = Tag::known(7, 0x09);
    pub const TYPE: Tag = Tag::known(7, 0x0A);
    pub const STATUS: Tag = Tag::known(7, 0x0C);
    pub const CHANGES: Tag = Tag::known(7, 0x0E);
    pub const ADD: Tag = Tag::known(7, 0x0F);
    pub const DELETE: Tag = Tag::known(7, 0x10);
    pub const UPDATE: Tag = Tag::known(7, 0x11);
    pub const SYNC_KEY: Tag = Tag::known(7, 0x12);
    pub const FOLDER_CREATE: Tag = Tag::known(7, 0x13);
    pub const FOLDER_DELETE: Tag = Tag::known(7, 0x14);
    pub const FOLDER_UPDATE: Tag = Tag::known(7, 0x15);
    pub const FOLDER_SYNC: Tag = Tag::known(7, 0x16);
    pub const COUNT: Tag = Tag::known(7, 0x17);
}

/// Code page 8: MeetingResponse (MS-ASWBXML §2.1.2.1.9).
pub mod meetingresponse {
    use crate::Tag;

    pub const CALENDAR_ID: Tag = Tag::known(8, 0x05);
    pub const COLLECTION_ID: Tag = Tag::known(8, 0x06);
    pub const MEETING_RESPONSE: Tag = Tag::known(8, 0x07);
    pub const REQUEST_ID: Tag = Tag::known(8, 0x08);
    pub const REQUEST: Tag = Tag::known(8, 0x09);
    pub const RESULT: Tag = Tag::known(8, 0x0A);
    pub const STATUS: Tag = Tag::known(8, 0x0B);
    pub const USER_RESPONSE: Tag = Tag::known(8, 0x0C);
    pub const INSTANCE_ID: Tag = Tag::known(8, 0x0E);
    pub const PROPOSED_START_TIME: Tag = Tag::known(8, 0x10);
    pub const PROPOSED_END_TIME: Tag = Tag::known(8, 0x11);
    pub const SEND_RESPONSE: Tag = Tag::known(8, 0x12);
}

/// Code page 9: Tasks (MS-ASWBXML §2.1.2.1.10).
pub mod tasks {
    use crate::Tag;

    pub const BODY: Tag = Tag::known(9, 0x05);
    pub const BODY_SIZE: Tag = Tag::known(9, 0x06);
    pub const BODY_TRUNCATED: Tag = Tag::known(9, 0x07);
    pub const CATEGORIES: Tag = Tag::known(9, 0x08);
    pub const CATEGORY: Tag = Tag::known(9, 0x09);
    pub const COMPLETE: Tag = Tag::known(9, 0x0A);
    pub const DATE_COMPLETED: Tag = Tag::known(9, 0x0B);
    pub const DUE_DATE: Tag = Tag::known(9, 0x0C);
    pub const UTC_DUE_DATE: Tag = Tag::known(9, 0x0D);
    pub const IMPORTANCE: Tag = Tag::known(9, 0x0E);
    pub const RECURRENCE: Tag = Tag::known(9, 0x0F);
    pub const TYPE: Tag = Tag::known(9, 0x10);
    pub const START: Tag = Tag::known(9, 0x11);
    pub const UNTIL: Tag = Tag::known(9, 0x12);
    pub const OCCURRENCES: Tag = Tag::known(9, 0x13);
    pub const INTERVAL: Tag = Tag::known(9, 0x14);
    pub const DAY_OF_MONTH: Tag = Tag::known(9, 0x15);
    pub const DAY_OF_WEEK: Tag = Tag::known(9, 0x16);
    pub const WEEK_OF_MONTH: Tag = Tag::known(9, 0x17);
    pub const MONTH_OF_YEAR: Tag = Tag::known(9, 0x18);
    pub const REGENERATE: Tag = Tag::known(9, 0x19);
    pub const DEAD_OCCUR: Tag = Tag::known(9, 0x1A);
    pub const REMINDER_SET: Tag = Tag::known(9, 0x1B);
    pub const REMINDER_TIME: Tag = Tag::known(9, 0x1C);
    pub const SENSITIVITY: Tag = Tag::known(9, 0x1D);
    pub const START_DATE: Tag = Tag::known(9, 0x1E);
    pub const UTC_START_DATE: Tag = Tag::known(9, 0x1F);
    pub const SUBJECT: Tag = Tag::known(9, 0x20);
    pub const ORDINAL_DATE: Tag = Tag::known(9, 0x22);
    pub const SUB_ORDINAL_DATE: Tag = Tag::known(9, 0x23);
    pub const CALENDAR_TYPE: Tag = Tag::known(9, 0x24);
    pub const IS_LEAP_MONTH: Tag = Tag::known(9, 0x25);
    pub const FIRST_DAY_OF_WEEK: Tag = Tag::known(9, 0x26);
}
