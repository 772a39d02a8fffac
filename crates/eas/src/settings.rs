//! Settings (MS-ASCMD §2.2.1.18): UserInformation Get (the account's addresses), DeviceInformation
//! Set (recorded with the device), and Oof Get/Set on the mail domain's one out-of-office
//! setting, which IMAP's Sieve vacation, JMAP VacationResponse and EWS read too.

use relais_mail::vacation::Vacation;
use relais_wbxml::Element;
use relais_wbxml::tag::settings as s;

use crate::provision::device_info;
use crate::{Answer, Ctx, date_time, text_of};

pub(crate) async fn settings(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let Some(req) = body.filter(|b| b.tag == s::SETTINGS) else {
        return Answer::Doc(Element::new(s::SETTINGS).with_leaf(s::STATUS, "2"));
    };
    let mut out = Element::new(s::SETTINGS).with_leaf(s::STATUS, "1");
    for part in req.elements() {
        let answer = match part.tag {
            t if t == s::USER_INFORMATION => user_information(ctx),
            t if t == s::DEVICE_INFORMATION => {
                let info = device_info(part);
                let recorded =
                    ctx.eas.directory.device_seen(&ctx.actor, &ctx.query.device_id, &ctx.query.device_type, info).await;
                Element::new(s::DEVICE_INFORMATION).with_leaf(s::STATUS, if recorded.is_ok() { "1" } else { "2" })
            }
            t if t == s::OOF => oof(ctx, part).await,
            // DevicePassword recovery and RightsManagement are not kept: refused each.
            other => Element::new(other).with_leaf(s::STATUS, "2"),
        };
        out.push(answer);
    }
    Answer::Doc(out)
}

fn user_information(ctx: &Ctx<'_>) -> Element {
    let address = ctx.principal.address();
    let name = if ctx.principal.display_name.is_empty() { address.clone() } else { ctx.principal.display_name.clone() };
    let addresses = Element::new(s::EMAIL_ADDRESSES)
        .with_leaf(s::SMTP_ADDRESS, address.as_str())
        .with_leaf(s::PRIMARY_SMTP_ADDRESS, address.as_str());
    let get = if ctx.version.as_str().starts_with("14.0") {
        Element::new(s::GET).with(Element::new(s::EMAIL_ADDRESSES).with_leaf(s::SMTP_ADDRESS, address.as_str()))
    } else {
        Element::new(s::GET).with(
            Element::new(s::ACCOUNTS)
                .with(Element::new(s::ACCOUNT).with_leaf(s::USER_DISPLAY_NAME, name).with(addresses)),
        )
    };
    Element::new(s::USER_INFORMATION).with_leaf(s::STATUS, "1").with(get)
}

/// `2026-12-05T10:00:00.000Z` (MS-ASDTYPE dateTime, UTC) as Unix seconds.
fn parse_date_time(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<i64>().ok();
    let (y, mo, d, h, mi, sec) = (n(0..4)?, n(5..7)?, n(8..10)?, n(11..13)?, n(14..16)?, n(17..19)?);
    if !relais_civil::is_valid(y, mo, d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    Some(relais_civil::unix_time(y, mo, d, h * 3600 + mi * 60 + sec))
}

fn message(tag: relais_wbxml::Tag, enabled: bool, text: &str) -> Element {
    Element::new(s::OOF_MESSAGE)
        .with_empty(tag)
        .with_leaf(s::ENABLED, if enabled { "1" } else { "0" })
        .with_leaf(s::REPLY_MESSAGE, text)
        .with_leaf(s::BODY_TYPE, "Text")
}

async fn oof(ctx: &Ctx<'_>, part: &Element) -> Element {
    let mailer = &ctx.eas.mailer;
    let account = ctx.actor.principal;
    let status = |code: &str| Element::new(s::OOF).with_leaf(s::STATUS, code);
    if part.has(s::GET) {
        let Ok(v) = mailer.vacation(account).await else { return status("2") };
        let state = match (v.enabled, v.from.is_some() || v.until.is_some()) {
            (false, _) => "0",
            (true, false) => "1",
            (true, true) => "2",
        };
        let mut get = Element::new(s::GET).with_leaf(s::OOF_STATE, state);
        if let Some(from) = v.from {
            get = get.with_leaf(s::START_TIME, date_time(from));
        }
        if let Some(until) = v.until {
            get = get.with_leaf(s::END_TIME, date_time(until));
        }
        let internal = v.internal_text.as_deref().unwrap_or(&v.text);
        get = get
            .with(message(s::APPLIES_TO_INTERNAL, v.enabled, internal))
            .with(message(s::APPLIES_TO_EXTERNAL_KNOWN, v.enabled && !v.internal_only, &v.text))
            .with(message(s::APPLIES_TO_EXTERNAL_UNKNOWN, v.enabled && !v.internal_only, &v.text));
        return Element::new(s::OOF).with_leaf(s::STATUS, "1").with(get);
    }
    let Some(set) = part.child(s::SET) else { return status("2") };
    let Ok(mut v) = mailer.vacation(account).await else { return status("2") };
    let state = text_of(set, s::OOF_STATE).unwrap_or_else(|| "0".into());
    v.enabled = state != "0";
    if state == "2" {
        v.from = text_of(set, s::START_TIME).and_then(|t| parse_date_time(&t));
        v.until = text_of(set, s::END_TIME).and_then(|t| parse_date_time(&t));
        if v.from.is_none() || v.until.is_none() {
            return status("2");
        }
    } else {
        v.from = None;
        v.until = None;
    }
    let mut external_enabled = None;
    for m in set.children_with(s::OOF_MESSAGE) {
        let enabled = text_of(m, s::ENABLED).as_deref() == Some("1");
        let text = text_of(m, s::REPLY_MESSAGE).unwrap_or_default().chars().take(64 * 1024).collect::<String>();
        if m.has(s::APPLIES_TO_INTERNAL) {
            v.internal_text = Some(text);
        } else if m.has(s::APPLIES_TO_EXTERNAL_KNOWN) || m.has(s::APPLIES_TO_EXTERNAL_UNKNOWN) {
            external_enabled = Some(external_enabled.unwrap_or(false) || enabled);
            if enabled || v.text.is_empty() {
                v.text = text;
            }
        }
    }
    if let Some(on) = external_enabled {
        v.internal_only = !on;
    }
    if v.text.is_empty() {
        v.text = v.internal_text.clone().unwrap_or_default();
    }
    match mailer.set_vacation(account, &Vacation { ..v }).await {
        Ok(()) => status("1"),
        Err(e) => {
            tracing::warn!(error = %e, "eas: Oof not saved");
            status("2")
        }
    }
}
