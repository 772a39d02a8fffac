//! An attendee answers an invitation from a client that has no calendar write of its own for
//! it (ActiveSync MeetingResponse, EWS AcceptItem/DeclineItem to come): the answer is set on
//! the attendee's copy of the meeting and the copy is written by [`Groupware::put`] as the
//! attendee, so the organizer hears of it exactly as when a CalDAV client saves the copy — a
//! local organizer's copy records the PARTSTAT, a remote one gets an iMIP REPLY.

use calcard::icalendar::ICalendarParticipationStatus;
use relais_directory::Actor;
use relais_store::{Collection, CollectionId, ItemId};

use crate::scheduling::{partstat, set_partstat};
use crate::{CalendarObject, Condition, Error, Groupware, Result};

/// An attendee's answer (RFC 5546 §3.2.3 REPLY's PARTSTAT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    Tentative,
    Declined,
}

/// Whom an answer is told to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// The organizer, as a CalDAV save of the copy tells them.
    Organizer,
    Nobody,
}

/// Where the invitation is: the copy in one of the attendee's calendars, or a message
/// (its raw MIME) carrying the iTIP REQUEST whose copy delivery already made.
#[derive(Debug, Clone, Copy)]
pub enum Invitation<'a> {
    Object { collection: CollectionId, item: ItemId },
    Message(&'a [u8]),
}

impl Groupware {
    /// Records `actor`'s `answer` on their copy of the meeting and tells the organizer;
    /// returns where the copy is. `NotFound` when there is no copy of the actor's to answer,
    /// `Conflict` when the actor is not one of its attendees.
    pub async fn respond(
        &self,
        actor: &Actor,
        invitation: Invitation<'_>,
        answer: Answer,
    ) -> Result<(CollectionId, ItemId)> {
        self.record_answer(actor, invitation, answer, Reply::Organizer).await
    }

    /// Like [`Groupware::respond`], with the organizer not told: the answer is the attendee's
    /// own (ActiveSync 16.x MeetingResponse without SendResponse).
    pub async fn respond_without_reply(
        &self,
        actor: &Actor,
        invitation: Invitation<'_>,
        answer: Answer,
    ) -> Result<(CollectionId, ItemId)> {
        self.record_answer(actor, invitation, answer, Reply::Nobody).await
    }

    async fn record_answer(
        &self,
        actor: &Actor,
        invitation: Invitation<'_>,
        answer: Answer,
        reply: Reply,
    ) -> Result<(CollectionId, ItemId)> {
        let (collection, name, object) = self.invitation_copy(actor, invitation).await?;
        let Some(dir) = &self.directory else { return Err(Error::Conflict("scheduling is off".into())) };
        let me = dir
            .principal_by_id(actor.principal)
            .await
            .map_err(|e| Error::Conflict(format!("directory: {e}")))?
            .ok_or(Error::NotFound)?;
        let address = me.address();
        if partstat(&object.ical, &address).is_none() {
            return Err(Error::Conflict("not an attendee of this meeting".into()));
        }
        let status = match answer {
            Answer::Accepted => ICalendarParticipationStatus::Accepted,
            Answer::Tentative => ICalendarParticipationStatus::Tentative,
            Answer::Declined => ICalendarParticipationStatus::Declined,
        };
        let mut ical = object.ical.clone();
        set_partstat(&mut ical, &address, &status);
        let body = ical.to_string().into_bytes();
        match reply {
            Reply::Organizer => self.put(actor, &collection, &name, body, Condition::default()).await?,
            Reply::Nobody => self.put_unscheduled(actor, &collection, &name, body, Condition::default()).await?,
        };
        let written = self.object_named(actor, collection.id, &name).await?.ok_or(Error::NotFound)?;
        Ok((collection.id, written.id))
    }

    /// The actor's copy an invitation names: its calendar, resource name and object.
    async fn invitation_copy(
        &self,
        actor: &Actor,
        invitation: Invitation<'_>,
    ) -> Result<(Collection, String, CalendarObject)> {
        match invitation {
            Invitation::Object { collection, item } => {
                let c = self.readable_collection(actor, collection).await?;
                let o = self.object(actor, collection, item).await?.ok_or(Error::NotFound)?;
                let text = String::from_utf8_lossy(&o.content);
                let obj = CalendarObject::parse(&text)?;
                Ok((c, o.name, obj))
            }
            Invitation::Message(raw) => {
                for text in crate::imip::calendar_parts(raw) {
                    let Some((_, obj)) = crate::imip::itip(&text) else { continue };
                    if let Some((c, name, copy)) = self.copy_of(actor.principal, &obj.uid).await? {
                        return Ok((c, name, copy));
                    }
                }
                Err(Error::NotFound)
            }
        }
    }
}
