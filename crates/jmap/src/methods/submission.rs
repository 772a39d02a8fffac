//! EmailSubmission/set (RFC 8621 §7.5): each created submission sends one message of the
//! account, with one of its identities (`identity`) whose address must be the message's From
//! (forbiddenFrom), through the mail domain's submissions (`Mailer::submit_email`): sender
//! checks, Message-ID and Date, Bcc removed, delivery and the queue, and the submission kept
//! (`relais_mail::email_submission`). Without an envelope the reverse-path is the identity's
//! address (an alias or a send-as address stays one on the wire). An envelope whose mailFrom
//! has HOLDFOR or HOLDUNTIL (RFC 4865 FUTURERELEASE) is held until then, at most
//! `maxDelayedSend`: updating its undoStatus to canceled while pending takes it back; once
//! released it is cannotUnsend. Destroy removes a settled record (a pending one is cancelled
//! first). `onSuccessUpdateEmail` / `onSuccessDestroyEmail` then run as an implicit Email/set;
//! when the client asks for neither, the server keeps the Sent copy itself.
//!
//! ```text
//! ["EmailSubmission/set", {"accountId": "a1", "create": {"k1": {"identityId": "i1", "emailId": "e7"}},
//!   "onSuccessUpdateEmail": {"#k1": {"mailboxIds/m2": null, "mailboxIds/m4": true, "keywords/$draft": null}}}, "0"]
//! ["EmailSubmission/set", {"accountId": "a1", "update": {"s3": {"undoStatus": "canceled"}}}, "1"]
//! ```

use relais_mail::email_submission::{MAX_DELAYED_SEND, SubmissionError, SubmissionRequest};
use relais_mail::identity::Identity;
use relais_mail::{Envelope, EnvelopeRecipient, SubmitError};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::email::read_seen;
use crate::methods::email_query::utc;
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::submission_get::submission_json;
use crate::methods::{Args, Ctx, email_set, identity};

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, true).await?;
    let account = set.account.clone();
    let on_update = match args.take("onSuccessUpdateEmail") {
        None => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(MethodError::invalid("onSuccessUpdateEmail must be an object")),
    };
    let on_destroy = args.strings("onSuccessDestroyEmail")?.unwrap_or_default();
    let mut out = Outcome::default();
    // Creation id, submission id, the email it sent.
    let mut sent: Vec<(String, String, String)> = Vec::new();
    for (cid, props) in std::mem::take(&mut set.create) {
        let reference = format!("#{cid}");
        let client_handles = on_update.contains_key(&reference) || on_destroy.contains(&reference);
        let result = submit(ctx, &account, &props, !client_handles).await.map(|made| {
            let v = submission_json(account.id, &made, &None);
            sent.push((cid.clone(), ids::submission(made.id), ids::email(made.email)));
            v
        });
        out.created(ctx, cid, result);
    }
    for (id, patch) in std::mem::take(&mut set.update) {
        let result = cancel(ctx, &id, &patch).await;
        out.updated(id, result);
    }
    for id in std::mem::take(&mut set.destroy) {
        let result = match ids::parse_submission(&id) {
            None => Err(SetError::not_found()),
            Some(n) => ctx.jmap.mailer.destroy_submission(ctx.principal, n).await.map_err(refusal),
        };
        out.destroyed(id, result);
    }
    let response = out.response(ctx, &set).await?;
    implicit_email_set(ctx, &account, &sent, on_update, on_destroy).await?;
    Ok(response)
}

/// RFC 8621 §7.5: the one change a client may make, undoStatus to canceled while pending.
async fn cancel(ctx: &Ctx<'_>, id: &str, patch: &Map<String, Value>) -> Result<(), SetError> {
    let n = ids::parse_submission(id).ok_or_else(SetError::not_found)?;
    if let Some(other) = patch.keys().find(|k| k.as_str() != "undoStatus") {
        return Err(SetError::invalid(other, "only undoStatus may be changed"));
    }
    match patch.get("undoStatus").and_then(Value::as_str) {
        Some("canceled") => ctx.jmap.mailer.cancel_submission(ctx.principal, n).await.map_err(refusal),
        _ => Err(SetError::invalid("undoStatus", "may only become canceled")),
    }
}

/// RFC 8621 §7.5: the Email/set the client asked for on success, answered after this
/// method's response as if called with the same call id.
async fn implicit_email_set(
    ctx: &mut Ctx<'_>,
    account: &Account,
    sent: &[(String, String, String)],
    on_update: Map<String, Value>,
    on_destroy: Vec<String>,
) -> Result<(), MethodError> {
    if on_update.is_empty() && on_destroy.is_empty() {
        return Ok(());
    }
    let email_of = |key: &str| -> Option<String> {
        sent.iter()
            .find(|(cid, id, _)| key.strip_prefix('#') == Some(cid.as_str()) || key == id)
            .map(|(_, _, email)| email.clone())
    };
    let update: Map<String, Value> =
        on_update.into_iter().filter_map(|(k, patch)| email_of(&k).map(|e| (e, patch))).collect();
    let destroy: Vec<Value> = on_destroy.iter().filter_map(|k| email_of(k)).map(Value::String).collect();
    if update.is_empty() && destroy.is_empty() {
        return Ok(());
    }
    let mut args = Map::new();
    args.insert("accountId".into(), json!(ids::account(account.id)));
    args.insert("update".into(), Value::Object(update));
    args.insert("destroy".into(), Value::Array(destroy));
    let result = email_set::set(ctx, Args::new(args)).await;
    let (name, value) = match result {
        Ok(v) => ("Email/set".to_owned(), v),
        Err(e) => ("error".to_owned(), e.to_json()),
    };
    ctx.implicit.push((name, value));
    Ok(())
}

/// Sends (or holds) one email of the account; the submission kept.
async fn submit(
    ctx: &Ctx<'_>,
    account: &Account,
    props: &Map<String, Value>,
    save_sent: bool,
) -> Result<relais_mail::email_submission::EmailSubmission, SetError> {
    // The rest is the server's to set (RFC 8620 §5.3): given, it is refused, unless null.
    let given =
        |(k, v): &(&String, &Value)| !v.is_null() && !["identityId", "emailId", "envelope"].contains(&k.as_str());
    if let Some((k, _)) = props.iter().find(given) {
        return Err(SetError::invalid(k, "the server sets it"));
    }
    let identity = identity_named(ctx, props).await?;
    let email = props.get("emailId").and_then(Value::as_str).ok_or_else(|| SetError::invalid("emailId", "required"))?;
    let item = ctx.id(email).and_then(ids::parse_email).ok_or_else(|| SetError::invalid("emailId", "no such email"))?;
    let seen =
        read_seen(ctx, account, vec![item]).await.map_err(|_| SetError::new("serverFail", "see the server log"))?;
    let seen = seen.into_iter().next().flatten().ok_or_else(|| SetError::invalid("emailId", "no such email"))?;
    let hash = seen.item.blob.clone().ok_or_else(|| SetError::invalid("emailId", "the email has no content"))?;
    let raw =
        ctx.jmap.store().blob(hash).await.map_err(|_| SetError::invalid("emailId", "the email has no content"))?;
    // RFC 8621 §7.5 forbiddenFrom: the message is sent from the identity's address.
    let from_identity = relais_mail::submission::originators(&raw)
        .is_ok_and(|o| o.iter().any(|(field, a)| *field == "From" && a.eq_ignore_ascii_case(&identity.email)));
    if !from_identity {
        return Err(SetError::new("forbiddenFrom", "the message's From is not the identity's address"));
    }
    let (envelope, send_at) = match props.get("envelope") {
        None | Some(Value::Null) => (None, None),
        Some(envelope) => {
            let (e, at) = read_envelope(ctx, envelope).await?;
            (Some(e), at)
        }
    };
    let thread = seen.item.thread_id.unwrap_or(item.0);
    let request = SubmissionRequest { identity, email: item, thread, raw, envelope, send_at, save_sent };
    ctx.jmap.mailer.submit_email(ctx.principal, request).await.map_err(refusal)
}

/// The identity `identityId` names (an id, or `#` and the creation id of an Identity/set
/// earlier in the request): one of the account's, else invalidProperties.
async fn identity_named(ctx: &Ctx<'_>, props: &Map<String, Value>) -> Result<Identity, SetError> {
    let bad = |why: &str| SetError::invalid("identityId", why);
    let named = props.get("identityId").and_then(Value::as_str).ok_or_else(|| bad("required"))?;
    let id =
        ctx.id(named).and_then(|i| identity::parse_id(ctx.principal.id, i)).ok_or_else(|| bad("no such identity"))?;
    let all = ctx.jmap.mailer.identities(ctx.principal).await?;
    all.into_iter().find(|i| i.id == id).ok_or_else(|| bad("no such identity"))
}

/// The client's Envelope (RFC 8621 §7): mailFrom and rcptTo addresses, routed by the domain;
/// and when mailFrom's HOLDFOR or HOLDUNTIL (RFC 4865) asks, the time to release it.
async fn read_envelope(ctx: &Ctx<'_>, v: &Value) -> Result<(Envelope, Option<i64>), SetError> {
    let bad = |why: &str| SetError::invalid("envelope", why);
    let from = v.pointer("/mailFrom/email").and_then(Value::as_str).ok_or_else(|| bad("mailFrom needs an email"))?;
    let send_at = hold(v.pointer("/mailFrom/parameters"))?;
    let Some(Value::Array(list)) = v.get("rcptTo") else { return Err(bad("rcptTo must be a list")) };
    if list.is_empty() {
        return Err(SetError::new("noRecipients", "the envelope names no recipient"));
    }
    if list.len() > relais_mail::submission::MAX_HEADER_RECIPIENTS {
        return Err(SetError::new("tooManyRecipients", "too many recipients"));
    }
    let mut recipients: Vec<EnvelopeRecipient> = Vec::with_capacity(list.len());
    let mut invalid = Vec::new();
    for r in list {
        let address = r.get("email").and_then(Value::as_str).ok_or_else(|| bad("each rcptTo needs an email"))?;
        let address = address.trim().to_ascii_lowercase();
        if recipients.iter().any(|r| r.address == address) {
            continue;
        }
        match ctx.jmap.mailer.route(&address).await {
            Ok(Some(destination)) => {
                recipients.push(EnvelopeRecipient { address, destination, orcpt: None, notify: 0 })
            }
            Ok(None) => invalid.push(address),
            Err(e) => return Err(e.into()),
        }
    }
    if !invalid.is_empty() {
        return Err(SetError { properties: invalid, ..SetError::new("invalidRecipients", "unknown recipients") });
    }
    let envelope = Envelope { sender: from.trim().to_ascii_lowercase(), recipients, ..Envelope::default() };
    Ok((envelope, send_at))
}

/// RFC 4865 §3: HOLDFOR (seconds from now) or HOLDUNTIL (an RFC 3339 time), not both, within
/// `maxDelayedSend`; no other parameter is taken.
fn hold(parameters: Option<&Value>) -> Result<Option<i64>, SetError> {
    let bad = |why: &str| SetError::invalid("envelope", why);
    let Some(parameters) = parameters.filter(|p| !p.is_null()) else { return Ok(None) };
    let Value::Object(map) = parameters else { return Err(bad("parameters must be an object")) };
    let mut at = None;
    for (name, value) in map {
        let value = value.as_str().ok_or_else(|| bad("a parameter's value is a string"))?;
        let when = match name.to_ascii_uppercase().as_str() {
            "HOLDFOR" => {
                let secs: i64 = value.parse().map_err(|_| bad("HOLDFOR is a number of seconds"))?;
                relais_store::now() + secs.clamp(0, MAX_DELAYED_SEND + 1)
            }
            "HOLDUNTIL" => utc(value).map_err(|_| bad("HOLDUNTIL is a UTC date-time"))?,
            _ => return Err(bad("the only mailFrom parameters taken are HOLDFOR and HOLDUNTIL")),
        };
        if at.replace(when).is_some() {
            return Err(bad("HOLDFOR and HOLDUNTIL together"));
        }
    }
    Ok(at)
}

fn refusal(e: SubmissionError) -> SetError {
    match e {
        SubmissionError::Submit(e) => submit_refusal(e),
        SubmissionError::TooLate => {
            SetError::invalid("envelope", format!("a message is held at most {MAX_DELAYED_SEND} seconds"))
        }
        SubmissionError::Full => SetError::new("overQuota", "too many submissions are pending"),
        SubmissionError::NotFound => SetError::not_found(),
        SubmissionError::CannotUnsend => SetError::new("cannotUnsend", "the message was released"),
        SubmissionError::Pending => SetError::forbidden("a pending submission is cancelled before it is destroyed"),
    }
}

fn submit_refusal(e: SubmitError) -> SetError {
    match e {
        SubmitError::EnvelopeSender { .. } => {
            SetError::new("forbiddenMailFrom", "the user may not send from the envelope's address")
        }
        SubmitError::Originator(_) => SetError::new("forbiddenFrom", "the user may not send from that address"),
        SubmitError::NoRecipients => SetError::new("noRecipients", "the message names no recipient"),
        SubmitError::UnknownRecipient(a) => {
            SetError { properties: vec![a], ..SetError::new("invalidRecipients", "unknown recipients") }
        }
        SubmitError::TooManyRecipients(n) => SetError::new("tooManyRecipients", format!("more than {n} recipients")),
        SubmitError::Mail(e) => e.into(),
    }
}
