//! Who may book a room or equipment (issue 10, item 12): by default only the organisation —
//! an organizer in one of the hosted domains (for iMIP, additionally vouched for by SMTP, see
//! `imip`). A resource's policy is kept in its default calendar's properties (`booking`), set
//! by an administrator (`relais admin room policy`), so strangers can neither hold a room for a
//! year nor make it decline an internal booking.

use relais_store::{AccountId, Principal, PrincipalKind};
use serde::{Deserialize, Serialize};

use crate::acceptance::Refused;
use crate::{CollectionProps, Groupware};

/// Whose invitations a room or equipment accepts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BookingPolicy {
    /// Organizers in a hosted domain only (the default).
    #[default]
    Organisation,
    /// Anyone whose invitation is otherwise acceptable (a room rented to partners).
    Anyone,
}

impl BookingPolicy {
    pub fn parse(name: &str) -> Option<BookingPolicy> {
        match name.to_ascii_lowercase().as_str() {
            "organisation" | "organization" => Some(BookingPolicy::Organisation),
            "anyone" => Some(BookingPolicy::Anyone),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            BookingPolicy::Organisation => "organisation",
            BookingPolicy::Anyone => "anyone",
        }
    }
}

fn is_resource(p: &Principal) -> bool {
    matches!(p.kind, PrincipalKind::Room | PrincipalKind::Equipment)
}

impl Groupware {
    /// The booking policy of `resource` (the default for anything that is not set).
    pub async fn booking_policy(&self, resource: AccountId) -> crate::Result<BookingPolicy> {
        let Some(c) = self.default_calendar(resource).await? else { return Ok(BookingPolicy::default()) };
        Ok(CollectionProps::parse(&c.props).booking.unwrap_or_default())
    }

    /// Sets the booking policy of `resource` (a room or equipment).
    pub async fn set_booking_policy(&self, resource: AccountId, policy: BookingPolicy) -> crate::Result<()> {
        let c = self.default_calendar(resource).await?.ok_or(crate::Error::NotFound)?;
        let mut props = CollectionProps::parse(&c.props);
        props.booking = Some(policy);
        self.set_props(&relais_directory::Actor::system(resource), &c, props).await
    }

    /// May `organizer` (an address) book `me`? Always, unless `me` is a room or equipment whose
    /// policy keeps it to the organisation and `organizer` is in no hosted domain.
    pub(crate) async fn may_book(&self, me: &Principal, organizer: &str) -> crate::Result<Result<(), Refused>> {
        if !is_resource(me) || self.booking_policy(me.id).await? == BookingPolicy::Anyone {
            return Ok(Ok(()));
        }
        let Some(dir) = &self.directory else { return Ok(Err(Refused::OutsideOrganisation)) };
        let domain = organizer.rsplit_once('@').map_or("", |(_, d)| d);
        let local = dir.is_local_domain(domain).await.map_err(|e| crate::Error::Conflict(e.to_string()))?;
        Ok(if local { Ok(()) } else { Err(Refused::OutsideOrganisation) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_have_names() {
        for p in [BookingPolicy::Organisation, BookingPolicy::Anyone] {
            assert_eq!(BookingPolicy::parse(p.name()), Some(p));
        }
        assert_eq!(BookingPolicy::parse("organization"), Some(BookingPolicy::Organisation));
        assert_eq!(BookingPolicy::parse("everyone"), None);
        let props = CollectionProps { booking: Some(BookingPolicy::Anyone), ..Default::default() };
        assert!(props.to_json().contains("\"booking\":\"anyone\""));
        assert_eq!(CollectionProps::parse(&props.to_json()).booking, Some(BookingPolicy::Anyone));
    }
}
