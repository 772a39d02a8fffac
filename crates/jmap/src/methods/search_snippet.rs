//! SearchSnippet/get (RFC 8621 §5): for each message the actor sees, its subject and preview
//! as HTML with the filter's text terms (`text`, `subject`, `body`, at any depth) marked
//! `<mark>…</mark>`, matched without regard to case; null where nothing matches. From the
//! summary stored at delivery: no content is read.
//!
//! ```text
//! ["SearchSnippet/get", {"accountId": "a1", "filter": {"text": "dinner"}, "emailIds": ["e7"]}, "0"]
//! → {"list": [{"emailId": "e7", "subject": "<mark>Dinner</mark> on Thursday?", "preview": null}], …}
//! ```

use relais_mail::summary::Summary;
use serde_json::{Value, json};

use crate::error::MethodError;
use crate::ids;
use crate::methods::email::read_seen;
use crate::methods::{Args, Ctx};

/// Deepest filter looked into for terms.
const MAX_DEPTH: usize = 16;
/// Most terms marked (each is looked for at every character).
const MAX_TERMS: usize = 32;

pub(crate) async fn get(ctx: &mut Ctx<'_>, args: Args) -> Result<Value, MethodError> {
    let account = args.account(ctx).await?;
    let email_ids = args.strings("emailIds")?.ok_or_else(|| MethodError::invalid("emailIds is required"))?;
    if email_ids.len() > ctx.jmap.config.max_objects_in_get {
        return Err(MethodError::RequestTooLarge);
    }
    let mut terms = Vec::new();
    if let Some(filter) = args.get("filter") {
        collect_terms(filter, 0, &mut terms);
    }
    terms.truncate(MAX_TERMS);
    let parsed: Vec<_> = email_ids.iter().map(|s| ctx.id(s).and_then(ids::parse_email)).collect();
    let mut found = read_seen(ctx, &account, parsed.iter().flatten().copied().collect()).await?.into_iter();
    let (mut list, mut not_found) = (Vec::new(), Vec::new());
    for (text, id) in email_ids.iter().zip(parsed) {
        let Some(seen) = (if id.is_some() { found.next().flatten() } else { None }) else {
            not_found.push(text.clone());
            continue;
        };
        let s = Summary::from_stored(&seen.item.summary);
        list.push(json!({
            "emailId": ids::email(seen.item.id),
            "subject": s.subject.as_deref().and_then(|t| marked(t, &terms)),
            "preview": marked(&s.preview, &terms),
        }));
    }
    Ok(json!({ "accountId": ids::account(account.id), "list": list, "notFound": not_found }))
}

/// The text terms of a filter: the words of its `text`, `subject` and `body` conditions.
fn collect_terms(f: &Value, depth: usize, out: &mut Vec<String>) {
    if depth > MAX_DEPTH {
        return;
    }
    if let Some(Value::Array(conditions)) = f.get("conditions") {
        for c in conditions {
            collect_terms(c, depth + 1, out);
        }
        return;
    }
    for key in ["text", "subject", "body"] {
        if let Some(t) = f.get(key).and_then(Value::as_str) {
            out.extend(t.split_whitespace().map(str::to_lowercase).filter(|w| !w.is_empty()));
        }
    }
}

/// `text` HTML-escaped with each occurrence of a term marked, or `None` when none occurs.
fn marked(text: &str, terms: &[String]) -> Option<String> {
    let lower: Vec<(usize, char)> = text.char_indices().collect();
    let folded: Vec<char> = lower.iter().map(|(_, c)| c.to_lowercase().next().unwrap_or(*c)).collect();
    let terms: Vec<Vec<char>> =
        terms.iter().map(|t| t.chars().collect()).filter(|t: &Vec<char>| !t.is_empty()).collect();
    let mut out = String::with_capacity(text.len() + 16);
    let mut any = false;
    let mut i = 0;
    while i < folded.len() {
        let hit = terms.iter().filter(|t| folded[i..].starts_with(t)).map(Vec::len).max();
        let end = hit.map_or(i + 1, |n| i + n);
        if hit.is_some() {
            out.push_str("<mark>");
            any = true;
        }
        for (_, c) in &lower[i..end] {
            match c {
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '&' => out.push_str("&amp;"),
                '"' => out.push_str("&quot;"),
                c => out.push(*c),
            }
        }
        if hit.is_some() {
            out.push_str("</mark>");
        }
        i = end;
    }
    any.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks() {
        let terms = vec!["dinner".to_owned(), "caf".to_owned()];
        assert_eq!(
            marked("Dinner <at> Café", &terms).as_deref(),
            Some("<mark>Dinner</mark> &lt;at&gt; <mark>Caf</mark>é")
        );
        assert_eq!(marked("nothing", &terms), None);
        assert_eq!(marked("", &terms), None);
        let mut t = Vec::new();
        collect_terms(&json!({"operator": "AND", "conditions": [{"text": "Big  dinner"}, {"from": "x"}]}), 0, &mut t);
        assert_eq!(t, ["big", "dinner"]);
    }
}
