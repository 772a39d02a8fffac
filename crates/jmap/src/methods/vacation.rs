//! VacationResponse/get and /set (RFC 8621 §8) on the mail domain's out-of-office setting
//! (`relais_mail::vacation`, the one ActiveSync Oof and the replies at delivery use). The
//! object is the singleton; an HTML body is not kept (the replies are plain text).
//!
//! ```text
//! ["VacationResponse/set", {"accountId": "a1", "update": {"singleton": {"isEnabled": true,
//!                            "textBody": "Away until Monday"}}}, "0"]
//! ```

use relais_mail::vacation::Vacation;
use serde_json::{Map, Value, json};

use crate::error::{MethodError, SetError};
use crate::ids;
use crate::methods::changes::state;
use crate::methods::email_get::utc_date;
use crate::methods::email_query::utc;
use crate::methods::set::{Outcome, SetRequest};
use crate::methods::{Args, Ctx};

const SINGLETON: &str = "singleton";

fn vacation_json(v: &Vacation) -> Value {
    json!({
        "id": SINGLETON,
        "isEnabled": v.enabled,
        "fromDate": v.from.map(utc_date),
        "toDate": v.until.map(utc_date),
        "subject": v.subject,
        "textBody": if v.text.is_empty() { None } else { Some(&v.text) },
        "htmlBody": null,
    })
}

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.own_account(ctx).await?;
    let wanted = args.get_ids(ctx)?;
    let state = state(ctx, account.id).await?;
    let v = ctx.jmap.mailer.vacation(account.id).await?;
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    for id in wanted.unwrap_or_else(|| vec![SINGLETON.to_owned()]) {
        if id == SINGLETON { list.push(vacation_json(&v)) } else { not_found.push(id) }
    }
    Ok(json!({ "accountId": ids::account(account.id), "state": state, "list": list, "notFound": not_found }))
}

pub(crate) async fn set(ctx: &mut Ctx<'_>, mut args: Args) -> Result<Value, MethodError> {
    let mut set = SetRequest::read(ctx, &mut args, true).await?;
    let singleton = || SetError::new("singleton", "the VacationResponse is a singleton");
    let mut out = Outcome::default();
    for (cid, _) in std::mem::take(&mut set.create) {
        out.created(ctx, cid, Err(singleton()));
    }
    for id in std::mem::take(&mut set.destroy) {
        out.destroyed(id, Err(singleton()));
    }
    for (id, patch) in std::mem::take(&mut set.update) {
        if id != SINGLETON {
            out.updated(id, Err(SetError::not_found()));
            continue;
        }
        let mut v = ctx.jmap.mailer.vacation(set.account.id).await?;
        let done = apply(&mut v, &patch);
        if done.is_ok() {
            ctx.jmap.mailer.set_vacation(set.account.id, &v).await?;
        }
        out.updated(id, done);
    }
    out.response(ctx, &set).await
}

fn date(k: &str, v: &Value) -> Result<Option<i64>, SetError> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => utc(s).map(Some).map_err(|_| SetError::invalid(k, "not a UTCDate")),
        _ => Err(SetError::invalid(k, "not a UTCDate")),
    }
}

fn apply(v: &mut Vacation, patch: &Map<String, Value>) -> Result<(), SetError> {
    for (k, value) in patch {
        match (k.as_str(), value) {
            ("isEnabled", Value::Bool(b)) => v.enabled = *b,
            ("fromDate", d) => v.from = date(k, d)?,
            ("toDate", d) => v.until = date(k, d)?,
            ("subject", Value::Null) => v.subject = None,
            ("subject", Value::String(s)) => v.subject = Some(s.clone()),
            ("textBody", Value::Null) => v.text.clear(),
            ("textBody", Value::String(s)) => v.text = s.clone(),
            ("htmlBody", Value::Null) => {}
            ("id", Value::String(s)) if s == SINGLETON => {}
            (k, _) => return Err(SetError::invalid(k, "cannot be set to that (an HTML body is not kept)")),
        }
    }
    Ok(())
}
