//! RFC 9051 §7.5.2 ENVELOPE from a header block.

use super::header::{Fields, unfold};
use super::{EnvAddress, Envelope, address};

/// The envelope of the message whose header `fields` holds. Values are raw and unfolded; the
/// first field of each name counts.
pub(super) fn envelope(fields: &Fields<'_>) -> Envelope {
    let text = |name: &[u8]| fields.first(name).map(unfold);
    let addresses = |name: &[u8]| -> Vec<EnvAddress> {
        fields.first(name).map(|v| address::parse_list(&unfold(v))).unwrap_or_default()
    };
    let from = addresses(b"from");
    // RFC 9051 §7.5.2: an absent or empty Sender or Reply-To is set to From.
    let or_from = |list: Vec<EnvAddress>| if list.is_empty() { from.clone() } else { list };
    Envelope {
        date: text(b"date"),
        subject: text(b"subject"),
        sender: or_from(addresses(b"sender")),
        reply_to: or_from(addresses(b"reply-to")),
        to: addresses(b"to"),
        cc: addresses(b"cc"),
        bcc: addresses(b"bcc"),
        in_reply_to: text(b"in-reply-to"),
        message_id: text(b"message-id"),
        from,
    }
}
