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

/// Where the invitation is: the copy in one of the attendee's calendars, or a message
/// (its raw MIME) carrying the iTIP REQUEST whose copy delivery already made.
#[derive(Debug, Clone, Copy)]
pub enum Invitation<'a> {
    Object { collection: CollectionId, item: ItemId },
    Message(&'a [u8]),
}

/// An answer as a client gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response {
    pub answer: Answer,
    /// One occurrence of a recurring meeting, by its (original) start in Unix seconds; `None`
    /// answers the whole meeting.
    pub occurrence: Option<i64>,
    /// Whether the organizer is told, as a CalDAV save of the copy tells them; else the answer
    /// stays on the attendee's copy (RFC 6638 §8.1 `Schedule-Reply: F`).
    pub tell_organizer: bool,
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
        self.respond_to(actor, invitation, Response { answer, occurrence: None, tell_organizer: true }).await
    }

    /// Records a response on the actor's copy (as [`Groupware::respond`]): to the whole meeting
    /// or one occurrence of it (an overriding component made for it, on a local organizer's
    /// copy too; `NotFound` when the meeting has no such occurrence), told to the organizer or
    /// not.
    pub async fn respond_to(
        &self,
        actor: &Actor,
        invitation: Invitation<'_>,
        response: Response,
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
        let (status, word) = match response.answer {
            Answer::Accepted => (ICalendarParticipationStatus::Accepted, "ACCEPTED"),
            Answer::Tentative => (ICalendarParticipationStatus::Tentative, "TENTATIVE"),
            Answer::Declined => (ICalendarParticipationStatus::Declined, "DECLINED"),
        };
        let body = match response.occurrence {
            None => {
                let mut ical = object.ical.clone();
                set_partstat(&mut ical, &address, &status);
                ical.to_string().into_bytes()
            }
            Some(start) => {
                let occurs = |s: i64| object.occurs_in(s, s + 1);
                crate::occurrence::answer_occurrence(&object.ical.to_string(), &address, word, start, occurs)
                    .ok_or(Error::NotFound)?
                    .into_bytes()
            }
        };
        match (response.tell_organizer, response.occurrence) {
            (true, None) => {
                self.put(actor, &collection, &name, body, Condition::default()).await?;
            }
            (false, _) => {
                self.put_unscheduled(actor, &collection, &name, body, Condition::default()).await?;
            }
            // One occurrence: the save's scheduling looks at whole-meeting answers only.
            (true, Some(start)) => {
                let answered = CalendarObject::parse(&String::from_utf8_lossy(&body))?;
                self.put_unscheduled(actor, &collection, &name, body, Condition::default()).await?;
                if self.may_schedule_as(collection.account, actor.principal).await {
                    self.reply_for_occurrence(collection.account, &answered, start, word).await;
                }
            }
        }
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
