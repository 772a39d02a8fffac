//! EmailSubmission/set (RFC 8621 §7.5): each created submission sends one message of the
//! account, with one of its identities (`identity`) whose address must be the message's From
//! (forbiddenFrom), through the mail domain's one entry point for what a user sends
//! (`Mailer::submit_message`, or `Mailer::submit` with the client's envelope): sender checks,
//! Message-ID and Date, Bcc removed, delivery and the queue. Sending is immediate
//! (`maxDelayedSend` 0), so a submission is final at once and is not kept to be read back.
//! `onSuccessUpdateEmail` / `onSuccessDestroyEmail` then run as an implicit Email/set; when
//! the client asks for neither, the server keeps the Sent copy itself.
//!
//! ```text
//! ["EmailSubmission/set", {"accountId": "a1", "create": {"k1": {"identityId": "i1", "emailId": "e7"}},
//!   "onSuccessUpdateEmail": {"#k1": {"mailboxIds/m2": null, "mailboxIds/m4": true, "keywords/$draft": null}}}, "0"]
//! ```

use relais_mail::identity::Identity;
use relais_mail::{Envelope, EnvelopeRecipient, SubmitError, SubmitOptions};
use serde_json::{Map, Value, json};

use crate::account::Account;
use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::email::read_seen;
use crate::methods::email_get::utc_date;
use crate::methods::set::{Outcome, SetRequest};
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
        let result = submit(ctx, &account, &props, !client_handles).await.map(|(id, email_id)| {
            sent.push((cid.clone(), id.clone(), email_id));
            json!({ "id": id, "undoStatus": "final", "sendAt": utc_date(relais_store::now()) })
        });
        out.created(ctx, cid, result);
    }
    // Sent at once: nothing is left to change or cancel.
    for (id, _) in std::mem::take(&mut set.update) {
        out.updated(id, Err(SetError::new("cannotUnsend", "the message was sent at once and cannot be changed")));
    }
    for id in std::mem::take(&mut set.destroy) {
        out.destroyed(id, Err(SetError::not_found()));
    }
    let response = out.response(ctx, &set).await?;
    implicit_email_set(ctx, &account, &sent, on_update, on_destroy).await?;
    Ok(response)
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

/// Sends one email; its submission id and the email's id.
async fn submit(
    ctx: &Ctx<'_>,
    account: &Account,
    props: &Map<String, Value>,
    save_sent: bool,
) -> Result<(String, String), SetError> {
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
    let options = SubmitOptions { save_sent };
    let mailer = &ctx.jmap.mailer;
    let result = match props.get("envelope") {
        None | Some(Value::Null) => mailer.submit_message(ctx.principal, raw, options).await,
        Some(envelope) => {
            let envelope = read_envelope(ctx, envelope).await?;
            let raw = relais_mail::headers::remove_field(raw, "Bcc");
            mailer.submit(ctx.principal, envelope, raw, options).await
        }
    };
    match result {
        Ok(done) => {
            let id = match done.delivered.queued {
                Some(q) => format!("s{q}"),
                None => format!("s{}x{}", item.0, relais_store::now()),
            };
            Ok((id, ids::email(item)))
        }
        Err(e) => Err(refusal(e)),
    }
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

/// The client's Envelope (RFC 8621 §7): mailFrom and rcptTo addresses, routed by the domain.
async fn read_envelope(ctx: &Ctx<'_>, v: &Value) -> Result<Envelope, SetError> {
    let bad = |why: &str| SetError::invalid("envelope", why);
    let from = v.pointer("/mailFrom/email").and_then(Value::as_str).ok_or_else(|| bad("mailFrom needs an email"))?;
    let Some(Value::Array(list)) = v.get("rcptTo") else { return Err(bad("rcptTo must be a list")) };
    if list.is_empty() {
        return Err(SetError::new("noRecipients", "the envelope names no recipient"));
    }
    if list.len() > relais_mail::submission::MAX_HEADER_RECIPIENTS {
        return Err(SetError::new("tooManyRecipients", "too many recipients"));
    }
    let mut recipients = Vec::with_capacity(list.len());
    let mut invalid = Vec::new();
    for r in list {
        let address = r.get("email").and_then(Value::as_str).ok_or_else(|| bad("each rcptTo needs an email"))?;
        let address = address.trim().to_ascii_lowercase();
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
    Ok(Envelope { sender: from.to_owned(), recipients, ..Envelope::default() })
}

fn refusal(e: SubmitError) -> SetError {
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

/// EmailSubmission/get: submissions are sent at once and not kept, so every id is notFound
/// (RFC 8621 §7.1 lets a server forget final submissions).
pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let not_found = args.get_ids(ctx)?.unwrap_or_default();
    let state = crate::methods::changes::state(ctx, account.id).await?;
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": [], "notFound": not_found }))
}
