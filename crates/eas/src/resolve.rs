//! ResolveRecipients (MS-ASCMD §2.2.1.15): each `To` looked up in the address list the user
//! sees (`search::gal_matches`, the GAL's scope), and with `Options/Availability` the free/busy
//! of each recipient found:
//!
//! ```text
//! <ResolveRecipients><To>bob@example.com</To>
//!   <Options><Availability><StartTime>2026-12-08T00:00:00.000Z</StartTime>
//!     <EndTime>2026-12-09T00:00:00.000Z</EndTime></Availability></Options></ResolveRecipients>
//! ```
//!
//! A recipient's `Availability` holds `MergedFreeBusy`, one digit per half hour from StartTime
//! (0 free, 1 tentative, 2 busy; §2.2.3.107), from the groupware domain's busy time of a local
//! user's default calendar as the user may see it (`Groupware::busy_of_address`, the rule of
//! CalDAV scheduling free/busy), for a To that resolves to one recipient (suggestions for an
//! ambiguous one get none, §2.2.3.183); a group's is its members' merged. Its Status
//! (§2.2.3.177.12): 1, 160 when the request holds more than 100 To, 161 a group of more than
//! 20 members, 162 a failure to retry, 163 no free/busy to tell (not a local calendar user, a
//! group none of whose members is one). A missing or unreadable StartTime, or a span shorter than 30 minutes
//! or longer than `MAX_SPAN_DAYS`, is Status 5 for the request; EndTime defaults to 7 days
//! after StartTime (§2.2.3.61.1).

use relais_groupware::freebusy::{Busy, merged};
use relais_store::{Principal, PrincipalKind};
use relais_wbxml::Element;
use relais_wbxml::tag::resolverecipients as rr;

use crate::search::{MAX_RESULTS, display, gal_matches};
use crate::{Answer, Ctx, text_of};

/// Half an hour: one digit of MergedFreeBusy.
const SLOT: i64 = 1_800;
/// The longest span asked (Exchange 2010 and later: 42 days).
const MAX_SPAN_DAYS: i64 = 42;
/// Most members of a group whose free/busy is merged (§2.2.3.183; more: Status 161).
const MAX_GROUP: usize = 20;
/// Most To elements of a request with Availability (§2.2.3.183; more: Status 160).
const MAX_AVAILABILITY: usize = 100;

/// A span of free/busy asked, in Unix seconds.
type Span = Result<Option<(i64, i64)>, ()>;

/// The span of free/busy asked: `Ok(None)` without Availability, `Err(())` for one that
/// cannot be served (Status 5).
pub(crate) fn span(options: Option<&Element>) -> Span {
    let Some(av) = options.and_then(|o| o.child(rr::AVAILABILITY)) else { return Ok(None) };
    let start = text_of(av, rr::START_TIME).and_then(|t| crate::calendar::parse_time(&t)).ok_or(())?;
    let end = match text_of(av, rr::END_TIME) {
        Some(t) => crate::calendar::parse_time(&t).ok_or(())?,
        None => start.saturating_add(7 * 86_400),
    };
    if end < start.saturating_add(SLOT) || end.saturating_sub(start) > MAX_SPAN_DAYS * 86_400 {
        return Err(());
    }
    Ok(Some((start, end)))
}

pub(crate) async fn resolve_recipients(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let refused = |code: &str| Answer::Doc(Element::new(rr::RESOLVE_RECIPIENTS).with_leaf(rr::STATUS, code));
    let Some(req) = body.filter(|b| b.tag == rr::RESOLVE_RECIPIENTS) else { return refused("5") };
    let Ok(span) = span(req.child(rr::OPTIONS)) else { return refused("5") };
    let mut out = Element::new(rr::RESOLVE_RECIPIENTS).with_leaf(rr::STATUS, "1");
    // With Availability at most 100 To (§2.2.3.183): past that every Availability is 160.
    let too_many = req.children_with(rr::TO).count() > MAX_AVAILABILITY;
    for to in req.children_with(rr::TO).take(MAX_RESULTS) {
        let wanted = to.text().trim().to_owned();
        let Ok(found) = gal_matches(ctx, &wanted).await else {
            out.push(Element::new(rr::RESPONSE).with_leaf(rr::TO, wanted.as_str()).with_leaf(rr::STATUS, "5"));
            continue;
        };
        // An exact address is one recipient; otherwise every match (status 2: ambiguous).
        let exact: Vec<&Principal> = found.iter().filter(|p| p.address().eq_ignore_ascii_case(&wanted)).collect();
        let chosen: Vec<&Principal> = if exact.is_empty() { found.iter().take(MAX_RESULTS).collect() } else { exact };
        let code = match chosen.len() {
            0 => "4",
            1 => "1",
            _ => "2",
        };
        let mut response = Element::new(rr::RESPONSE)
            .with_leaf(rr::TO, wanted.as_str())
            .with_leaf(rr::STATUS, code)
            .with_leaf(rr::RECIPIENT_COUNT, chosen.len().to_string());
        // Free/busy only for a To that names one recipient (§2.2.3.183), not for suggestions.
        let unique = chosen.len() == 1;
        for p in chosen {
            let mut recipient = Element::new(rr::RECIPIENT)
                .with_leaf(rr::TYPE, "1")
                .with_leaf(rr::DISPLAY_NAME, display(p))
                .with_leaf(rr::EMAIL_ADDRESS, p.address());
            if let Some((start, end)) = span.filter(|_| unique) {
                recipient.push(if too_many {
                    Element::new(rr::AVAILABILITY).with_leaf(rr::STATUS, "160")
                } else {
                    availability(ctx, p, start, end).await
                });
            }
            response.push(recipient);
        }
        out.push(response);
    }
    Answer::Doc(out)
}

/// The Availability of one recipient over [start, end): a user's busy time, or a group's —
/// its members' merged (§2.2.3.183), 161 past `MAX_GROUP` members.
async fn availability(ctx: &Ctx<'_>, p: &Principal, start: i64, end: i64) -> Element {
    let status = |code: &str| Element::new(rr::AVAILABILITY).with_leaf(rr::STATUS, code);
    let gw = ctx.eas.groupware();
    let busy = if p.kind == PrincipalKind::Group {
        let members = match ctx.eas.directory.members(&p.address()).await {
            Ok(m) if m.len() > MAX_GROUP => return status("161"),
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "eas: group members unreadable");
                return status("162");
            }
        };
        let mut all: Option<Vec<Busy>> = None;
        for m in members {
            match gw.busy_of_address(&ctx.actor, &m.address(), start, end).await {
                Ok(Some(b)) => all.get_or_insert_with(Vec::new).extend(b),
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "eas: free/busy unreadable");
                    return status("162");
                }
            }
        }
        Ok(all)
    } else {
        gw.busy_of_address(&ctx.actor, &p.address(), start, end).await
    };
    match busy {
        Ok(Some(busy)) => status("1").with_leaf(rr::MERGED_FREE_BUSY, merged(start, end, SLOT, &busy)),
        Ok(None) => status("163"),
        Err(e) => {
            tracing::warn!(error = %e, "eas: free/busy unreadable");
            status("162")
        }
    }
}

#[cfg(test)]
mod tests {
    use relais_wbxml::Element;
    use relais_wbxml::tag::resolverecipients as rr;

    #[test]
    fn spans() {
        let day = 1_767_571_200;
        let options = |start: Option<&str>, end: Option<&str>| {
            let mut av = Element::new(rr::AVAILABILITY);
            if let Some(s) = start {
                av = av.with_leaf(rr::START_TIME, s);
            }
            if let Some(e) = end {
                av = av.with_leaf(rr::END_TIME, e);
            }
            Element::new(rr::OPTIONS).with(av)
        };
        let cases: Vec<(Option<&str>, Option<&str>, super::Span)> = vec![
            (Some("2026-01-05T00:00:00.000Z"), Some("2026-01-06T00:00:00.000Z"), Ok(Some((day, day + 86_400)))),
            (Some("2026-01-05T00:00:00.000Z"), None, Ok(Some((day, day + 7 * 86_400)))),
            (Some("2026-01-05T00:00:00.000Z"), Some("2026-01-05T00:29:59.000Z"), Err(())),
            (Some("2026-01-05T00:00:00.000Z"), Some("2026-01-05T00:30:00.000Z"), Ok(Some((day, day + 1_800)))),
            (Some("2026-01-05T00:00:00.000Z"), Some("2026-02-16T00:00:00.000Z"), Ok(Some((day, day + 42 * 86_400)))),
            (Some("2026-01-05T00:00:00.000Z"), Some("2026-02-16T00:00:01.000Z"), Err(())),
            (Some("2026-01-05T00:00:00.000Z"), Some("9999-12-31T00:00:00.000Z"), Err(())),
            (Some("2026-01-06T00:00:00.000Z"), Some("2026-01-05T00:00:00.000Z"), Err(())),
            (None, Some("2026-01-05T00:00:00.000Z"), Err(())),
            (Some("tomorrow"), None, Err(())),
        ];
        for (start, end, want) in cases {
            assert_eq!(super::span(Some(&options(start, end))), want, "{start:?} {end:?}");
        }
        assert_eq!(super::span(None), Ok(None));
        assert_eq!(super::span(Some(&Element::new(rr::OPTIONS))), Ok(None));
    }
}
