-- What an account is told of a change to an event in one of its calendars made by someone else
-- (JMAP CalendarEventNotification, draft-ietf-jmap-calendars §7): a sharee's write, an
-- organizer's update or cancellation landing in an attendee's copy, an attendee's reply landing
-- in the organizer's, an iMIP message applied. Written by relais-groupware in the transaction
-- of the change, into the account of the calendar, bounded per account and in time.
-- kind: 1 created, 2 updated, 3 destroyed (the change log's codes). changed_by is the
-- principal who changed it, when it is one of ours; name, email and calendar_address say who
-- it was otherwise. event is the JSCalendar event as JSON (after a creation, before an update
-- or a destruction); event_patch the PatchObject from it to the event after an update.
-- is_private: the event's privacy was private or secret before or after (only the owner sees).
-- Keep in step with the other backend.
CREATE TABLE calendar_event_notifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL,
    created INTEGER NOT NULL,
    changed_by INTEGER,
    changed_by_name TEXT NOT NULL,
    changed_by_email TEXT,
    changed_by_address TEXT,
    comment TEXT,
    kind INTEGER NOT NULL,
    event_id INTEGER NOT NULL,
    calendar_id INTEGER NOT NULL,
    is_private INTEGER NOT NULL,
    event TEXT NOT NULL,
    event_patch TEXT
);
CREATE INDEX calendar_event_notifications_account ON calendar_event_notifications (account_id, id);
CREATE INDEX calendar_event_notifications_created ON calendar_event_notifications (created);
