//! SendMail (MS-ASCMD §2.2.1.17): the device's MIME message submitted through the mail
//! domain (`Mailer::submit_message`: recipients from To/Cc/Bcc, the originator checked against
//! the account's send-as rights, Bcc taken out, the Sent copy kept when asked). Success is an
//! empty 200; a refusal is `ComposeMail:Status`.

use relais_mail::{SubmitError, SubmitOptions};
use relais_wbxml::Element;
use relais_wbxml::tag::composemail as cm;

use crate::{Answer, Ctx};

fn status(code: u32) -> Answer {
    Answer::Doc(Element::new(cm::SEND_MAIL).with_leaf(cm::STATUS, code.to_string()))
}

pub(crate) async fn send_mail(ctx: &Ctx<'_>, body: Option<Element>, raw_body: &[u8]) -> Answer {
    let (mime, save) = match &body {
        Some(req) if req.tag == cm::SEND_MAIL => {
            let Some(mime) = req.bytes_of(cm::MIME) else { return status(103) };
            (mime.into_owned(), req.has(cm::SAVE_IN_SENT_ITEMS))
        }
        Some(_) => return status(103),
        // Before 14.0 the body was the MIME itself; a 14.x device never sends that.
        None if raw_body.is_empty() => return status(101),
        None => return status(103),
    };
    if mime.is_empty() {
        return status(107);
    }
    match ctx.eas.mailer.submit_message(ctx.principal, mime, SubmitOptions { save_sent: save }).await {
        Ok(_) => Answer::Empty,
        Err(SubmitError::NoRecipients) => status(119),
        Err(SubmitError::UnknownRecipient(_)) => status(116),
        Err(SubmitError::TooManyRecipients(_)) => status(115),
        Err(SubmitError::EnvelopeSender { .. } | SubmitError::Originator(_)) => status(130),
        Err(SubmitError::Mail(e)) => {
            tracing::warn!(error = %e, "eas: SendMail not delivered");
            status(120)
        }
    }
}
