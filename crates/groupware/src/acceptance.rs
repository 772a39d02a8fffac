//! Who may change a scheduled event: the one place these rules live, for implicit scheduling
//! between local users (RFC 6638 §3.2) and for iMIP from outside (RFC 6047 §3, RFC 5546 §3.2).
//!
//! - An attendee's copy is created, updated or cancelled only by the organizer recorded on the
//!   stored copy, and a message may not move the organizer. A copy with no organizer (a private
//!   event that happens to share the UID) is nobody's to change.
//! - An organizer's copy takes from an attendee recorded on it that attendee's PARTSTAT, and
//!   nothing else (`record_reply` writes only that).
//! - Whether a message from outside may be acted on at all (SMTP vouched for its sender) is
//!   `relais_mail::SenderAuth::vouches_for`; these rules come after it.

use crate::CalendarObject;
use crate::scheduling::{attendees, organizer};

/// Why a scheduling message was not applied (for the log; nothing is changed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the sender's address is not authenticated (no DMARC pass for its domain)")]
    Unverified,
    #[error("the sender is not the organizer of the stored event")]
    NotOrganizer,
    #[error("the message names another organizer than the stored event")]
    OrganizerChanged,
    #[error("the sender is not an attendee of the stored event")]
    NotAttendee,
    #[error("the recipient is not invited")]
    NotInvited,
    #[error("the resource takes bookings only from its organisation")]
    OutsideOrganisation,
}

/// May `sender` create or update `me`'s copy with `incoming` (an iTIP REQUEST, or a local
/// organizer's save)? `stored` is `me`'s copy with the same UID, if any.
pub fn may_request(
    sender: &str,
    me: &str,
    incoming: &CalendarObject,
    stored: Option<&CalendarObject>,
) -> Result<(), Refused> {
    if organizer(&incoming.ical).as_deref() != Some(sender) {
        return Err(Refused::NotOrganizer);
    }
    if let Some(stored) = stored {
        match organizer(&stored.ical) {
            Some(o) if o == sender => {}
            // RFC 5546 §3.2.2: only the organizer updates; nobody takes over a meeting.
            Some(_) => return Err(Refused::OrganizerChanged),
            None => return Err(Refused::NotOrganizer),
        }
    }
    if !attendees(&incoming.ical).iter().any(|a| a == me) {
        return Err(Refused::NotInvited);
    }
    Ok(())
}

/// May `sender` cancel `me`'s `stored` copy (an iTIP CANCEL, or a local organizer's delete)?
pub fn may_cancel(sender: &str, stored: &CalendarObject, incoming: &CalendarObject) -> Result<(), Refused> {
    if organizer(&stored.ical).as_deref() != Some(sender) {
        return Err(Refused::NotOrganizer);
    }
    if organizer(&incoming.ical).as_deref() != Some(sender) {
        return Err(Refused::OrganizerChanged);
    }
    Ok(())
}

/// May `sender` record their answer in `organizer`'s `stored` copy (an iTIP REPLY)?
pub fn may_reply(sender: &str, organizer_address: &str, stored: &CalendarObject) -> Result<(), Refused> {
    if organizer(&stored.ical).as_deref() != Some(organizer_address) {
        return Err(Refused::NotOrganizer);
    }
    if !attendees(&stored.ical).iter().any(|a| a == sender) {
        return Err(Refused::NotAttendee);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(organizer: Option<&str>, attendees: &[&str]) -> CalendarObject {
        let mut text =
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:m\r\nDTSTART:20260105T100000Z\r\n".to_owned();
        if let Some(o) = organizer {
            text.push_str(&format!("ORGANIZER:mailto:{o}\r\n"));
        }
        for a in attendees {
            text.push_str(&format!("ATTENDEE:mailto:{a}\r\n"));
        }
        text.push_str("END:VEVENT\r\nEND:VCALENDAR\r\n");
        CalendarObject::parse(&text).unwrap()
    }

    #[test]
    fn only_the_stored_organizer_changes_a_copy() {
        let (bob, alice, eve) = ("bob@x.test", "alice@x.test", "eve@evil.test");
        let bobs_meeting = event(Some(bob), &[bob, alice]);
        let private = event(None, &[]);
        let taken_over = event(Some(alice), &[bob, alice]);
        type Case<'a> = (&'a str, &'a CalendarObject, Option<&'a CalendarObject>, Result<(), Refused>);
        let cases: [Case<'_>; 7] = [
            (bob, &bobs_meeting, None, Ok(())),
            (bob, &bobs_meeting, Some(&bobs_meeting), Ok(())),
            // The sender says the organizer is someone else.
            (eve, &bobs_meeting, Some(&bobs_meeting), Err(Refused::NotOrganizer)),
            // An attendee who made herself organizer of her copy.
            (alice, &taken_over, Some(&bobs_meeting), Err(Refused::OrganizerChanged)),
            // A stranger's event with the UID of a private one.
            (eve, &event(Some(eve), &[alice]), Some(&private), Err(Refused::NotOrganizer)),
            (bob, &event(Some(bob), &[bob]), None, Err(Refused::NotInvited)),
            (alice, &event(Some(alice), &[alice]), Some(&event(Some(alice), &[alice])), Ok(())),
        ];
        for (i, (sender, incoming, stored, want)) in cases.into_iter().enumerate() {
            assert_eq!(may_request(sender, alice, incoming, stored), want, "case {i}");
        }
        assert_eq!(may_cancel(bob, &bobs_meeting, &bobs_meeting), Ok(()));
        assert_eq!(may_cancel(alice, &bobs_meeting, &taken_over), Err(Refused::NotOrganizer));
        assert_eq!(may_cancel(bob, &bobs_meeting, &taken_over), Err(Refused::OrganizerChanged));
        assert_eq!(may_cancel(eve, &private, &event(Some(eve), &[])), Err(Refused::NotOrganizer));
        assert_eq!(may_reply(alice, bob, &bobs_meeting), Ok(()));
        assert_eq!(may_reply(eve, bob, &bobs_meeting), Err(Refused::NotAttendee));
        assert_eq!(may_reply(alice, bob, &taken_over), Err(Refused::NotOrganizer));
    }
}
