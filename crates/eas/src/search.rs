//! Looking things up (MS-ASCMD §2.2.1.16 Search, §2.2.1.2 Find; ResolveRecipients, §2.2.1.15,
//! is `resolve`'s on the same address list):
//! Search of the mailbox is `mailbox_search`'s; the global address list is the directory's
//! principals the user may see
//! (`Directory::visible_principals`, the same scope as DAV's GAL and principal search);
//! mailbox Find runs the mail domain's search (`relais_mail::search::search_as`, TEXT semantics:
//! any header field or the body contains the words) over the user's mailboxes it may read.

use relais_mail::MailError;
use relais_mail::mailbox;
use relais_mail::search::{Query, Scope};
use relais_store::Principal;
use relais_wbxml::Element;
use relais_wbxml::tag::{airsync as a, email, find as f, gal, search as s};

use crate::folders::collection_id;
use crate::sync::server_id;
use crate::{Answer, Ctx, date_time, text_of};

/// Most results one answer holds, whatever range is asked (MS-ASCMD caps GAL at 100).
pub(crate) const MAX_RESULTS: usize = 100;
/// Most characters of a query.
const MAX_QUERY: usize = 256;

/// `a-b` (inclusive), bounded to `MAX_RESULTS` results.
fn range(text: Option<String>) -> (usize, usize) {
    let (a, b) = text
        .as_deref()
        .and_then(|r| r.split_once('-'))
        .and_then(|(a, b)| Some((a.trim().parse::<usize>().ok()?, b.trim().parse::<usize>().ok()?)))
        .filter(|(a, b)| a <= b)
        .unwrap_or((0, 99));
    (a, b.min(a.saturating_add(MAX_RESULTS - 1)))
}

/// The principals of the GAL whose name or address starts with `query` (a word of the name
/// may start it too), case-insensitively, by display name.
pub(crate) async fn gal_matches(ctx: &Ctx<'_>, query: &str) -> Result<Vec<Principal>, ()> {
    let q = query.trim().to_lowercase();
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let all = ctx.eas.directory.visible_principals(ctx.principal).await.map_err(|_| ())?;
    let mut found: Vec<Principal> = all
        .into_iter()
        .filter(|p| {
            let name = p.display_name.to_lowercase();
            p.address().to_lowercase().starts_with(&q)
                || name.starts_with(&q)
                || name.split_whitespace().any(|w| w.starts_with(&q))
        })
        .collect();
    found.sort_by_key(|p| (display(p).to_lowercase(), p.address()));
    Ok(found)
}

pub(crate) fn display(p: &Principal) -> String {
    if p.display_name.is_empty() { p.address() } else { p.display_name.clone() }
}

/// The GAL properties of a principal (MS-ASCMD §2.2.3.130.1).
fn gal_properties(tag: relais_wbxml::Tag, p: &Principal) -> Element {
    let name = display(p);
    let mut e =
        Element::new(tag).with_leaf(gal::DISPLAY_NAME, name.as_str()).with_leaf(gal::ALIAS, p.local_part.as_str());
    if let Some((first, last)) = p.display_name.trim().rsplit_once(' ') {
        e = e.with_leaf(gal::FIRST_NAME, first.trim()).with_leaf(gal::LAST_NAME, last.trim());
    }
    e.with_leaf(gal::EMAIL_ADDRESS, p.address())
}

pub(crate) async fn search(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let status = |code: &str| Answer::Doc(Element::new(s::SEARCH).with_leaf(s::STATUS, code));
    let Some(store) = body.filter(|b| b.tag == s::SEARCH).and_then(|b| b.child(s::STORE).cloned()) else {
        return status("2");
    };
    let store_answer = |code: &str, results: Vec<Element>, range: Option<String>, total: Option<usize>| {
        let mut st = Element::new(s::STORE).with_leaf(s::STATUS, code).with_all(results);
        if let Some(r) = range {
            st = st.with_leaf(s::RANGE, r);
        }
        if let Some(t) = total {
            st = st.with_leaf(s::TOTAL, t.to_string());
        }
        Answer::Doc(Element::new(s::SEARCH).with_leaf(s::STATUS, "1").with(Element::new(s::RESPONSE).with(st)))
    };
    let name = text_of(&store, s::NAME).unwrap_or_default();
    if name.eq_ignore_ascii_case("Mailbox") {
        let st = crate::mailbox_search::search(ctx, &store).await;
        return Answer::Doc(Element::new(s::SEARCH).with_leaf(s::STATUS, "1").with(Element::new(s::RESPONSE).with(st)));
    }
    if !name.eq_ignore_ascii_case("GAL") {
        // DocumentLibrary is not served.
        return store_answer("2", Vec::new(), None, None);
    }
    let query = text_of(&store, s::QUERY).unwrap_or_default();
    if query.chars().count() > MAX_QUERY {
        return store_answer("8", Vec::new(), None, None);
    }
    let (first, last) = range(store.child(s::OPTIONS).and_then(|o| text_of(o, s::RANGE)));
    let Ok(found) = gal_matches(ctx, &query).await else { return store_answer("3", Vec::new(), None, None) };
    let total = found.len();
    let shown: Vec<Element> = found
        .iter()
        .skip(first)
        .take(last - first + 1)
        .map(|p| Element::new(s::RESULT).with(gal_properties(s::PROPERTIES, p)))
        .collect();
    let range = (!shown.is_empty()).then(|| format!("{first}-{}", first + shown.len() - 1));
    store_answer("1", shown, range, Some(total))
}

pub(crate) async fn find(ctx: &Ctx<'_>, body: Option<Element>) -> Answer {
    let status = |code: &str| Answer::Doc(Element::new(f::FIND).with_leaf(f::STATUS, code));
    let Some(exec) = body.filter(|b| b.tag == f::FIND).and_then(|b| b.child(f::EXECUTE_SEARCH).cloned()) else {
        return status("2");
    };
    let answer = |results: Vec<Element>, range: Option<String>, total: usize| {
        let mut r = Element::new(f::RESPONSE).with_leaf(f::STATUS, "1").with_all(results);
        if let Some(range) = range {
            r = r.with_leaf(f::RANGE, range);
        }
        Answer::Doc(Element::new(f::FIND).with_leaf(f::STATUS, "1").with(r.with_leaf(f::TOTAL, total.to_string())))
    };
    if let Some(criterion) = exec.child(f::GAL_SEARCH_CRITERION) {
        let query = text_of(criterion, f::QUERY).unwrap_or_default();
        let (first, last) = range(criterion.child(f::OPTIONS).and_then(|o| text_of(o, f::RANGE)));
        let Ok(found) = gal_matches(ctx, &query).await else { return status("2") };
        let shown: Vec<Element> = found
            .iter()
            .skip(first)
            .take(last - first + 1)
            .map(|p| Element::new(f::RESULT).with(gal_properties(f::PROPERTIES, p)))
            .collect();
        let range = (!shown.is_empty()).then(|| format!("{first}-{}", first + shown.len() - 1));
        return answer(shown, range, found.len());
    }
    let Some(criterion) = exec.child(f::MAIL_BOX_SEARCH_CRITERION) else { return status("2") };
    let Some(query) = criterion.child(f::QUERY) else { return status("2") };
    let text = text_of(query, f::FREE_TEXT).unwrap_or_default();
    if text.is_empty() || text.chars().count() > MAX_QUERY {
        return status("2");
    }
    let (first, last) = range(criterion.child(f::OPTIONS).and_then(|o| text_of(o, f::RANGE)));
    // Every word, anywhere in a header field or the body.
    let words = crate::mailbox_search::free_text(&text);
    if words == Query::All {
        return status("2");
    }
    let scope = match text_of(query, a::COLLECTION_ID) {
        Some(id) => match collection_id(&id) {
            Some(c) => Scope::Mailbox(c),
            None => return status("2"),
        },
        None => Scope::Account(ctx.actor.principal),
    };
    // Only what the user may read (a folder it may not: 3, as before).
    let hits = match relais_mail::search::search_as(ctx.store(), &ctx.actor, &scope, &words).await {
        Ok(h) => h,
        Err(MailError::NoMailbox | MailError::NoRight { .. }) => return status("3"),
        Err(_) => return status("2"),
    };
    // Newest first (by UID, which grows with arrival), the client shows the latest matches;
    // only the range asked for is read.
    let mut hits = hits;
    hits.sort_by(|x, y| y.uid.cmp(&x.uid).then(y.mailbox.cmp(&x.mailbox)));
    let total = hits.len();
    let mut found = Vec::new();
    for hit in hits.iter().skip(first).take(last - first + 1) {
        if let Ok(Some(listed)) = mailbox::listed(ctx.store(), &ctx.actor, hit.mailbox, hit.uid).await {
            found.push((listed.message.received_at, hit.mailbox, listed));
        }
    }
    let shown: Vec<Element> = found
        .iter()
        .map(|(_, folder, m)| {
            let folder = folder.0.to_string();
            let env = &m.summary.envelope;
            let from = env.from.iter().filter_map(|x| x.to_text()).collect::<Vec<_>>().join(", ");
            let to = env.to.iter().filter_map(|x| x.display_name().or_else(|| x.addr_spec())).collect::<Vec<_>>();
            let seen = m.message.keywords.iter().any(|k| k.eq_ignore_ascii_case("\\Seen"));
            Element::new(f::RESULT)
                .with_leaf(a::CLASS, "Email")
                .with_leaf(a::SERVER_ID, server_id(&folder, m.message.uid))
                .with_leaf(a::COLLECTION_ID, folder.as_str())
                .with(
                    Element::new(f::PROPERTIES)
                        .with_leaf(email::SUBJECT, m.summary.subject.clone().unwrap_or_default())
                        .with_leaf(email::DATE_RECEIVED, date_time(m.message.received_at))
                        .with_leaf(email::DISPLAY_TO, to.join("; "))
                        .with_leaf(email::IMPORTANCE, "1")
                        .with_leaf(email::READ, if seen { "1" } else { "0" })
                        .with_leaf(f::PREVIEW, m.summary.preview.chars().take(255).collect::<String>())
                        .with_leaf(f::HAS_ATTACHMENTS, if m.summary.has_attachment { "1" } else { "0" })
                        .with_leaf(email::FROM, from),
                )
        })
        .collect();
    let range = (!shown.is_empty()).then(|| format!("{first}-{}", first + shown.len() - 1));
    answer(shown, range, total)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ranges_bounded() {
        let max = usize::MAX.to_string();
        for (asked, want) in [
            (None, (0, 99)),
            (Some("0-9".to_owned()), (0, 9)),
            (Some("5-4000000000".to_owned()), (5, 104)),
            (Some("9-0".to_owned()), (0, 99)),
            (Some("x".to_owned()), (0, 99)),
            (Some(format!("{max}-{max}")), (usize::MAX, usize::MAX)),
        ] {
            let (first, last) = super::range(asked.clone());
            assert_eq!((first, last), want, "{asked:?}");
            assert!(last - first < super::MAX_RESULTS);
        }
    }
}
