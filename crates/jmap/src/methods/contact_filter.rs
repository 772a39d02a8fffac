//! ContactCard/query filters (RFC 9610 §3.3.1): FilterOperators (AND, OR, NOT) over
//! FilterConditions, each condition's properties all holding. Text conditions match a
//! substring, case-insensitively, of the JSContact properties RFC 9610 names for them; dates
//! compare with the card's `created` and `updated`.
//!
//! ```text
//! {"operator": "OR", "conditions": [{"email": "@example.com"}, {"name/surname": "Li"}]}
//! ```

use serde_json::{Map, Value};

use crate::error::MethodError;
use crate::ids;
use crate::methods::Ctx;
use crate::methods::contact_card::Shown;

/// The conditions served; anything else is unsupportedFilter.
const CONDITIONS: [&str; 20] = [
    "inAddressBook",
    "uid",
    "hasMember",
    "kind",
    "createdBefore",
    "createdAfter",
    "updatedBefore",
    "updatedAfter",
    "text",
    "name",
    "name/given",
    "name/surname",
    "name/surname2",
    "nickname",
    "organization",
    "email",
    "phone",
    "onlineService",
    "address",
    "note",
];

/// Deepest nesting of operators taken.
const MAX_DEPTH: usize = 16;

/// Most operators and conditions in one filter: each is tested against every card read.
const MAX_TERMS: usize = 64;

/// Checks a filter's shape before anything is read.
pub(crate) fn check(filter: &Value) -> Result<(), MethodError> {
    check_at(filter, 0, &mut 0)
}

fn check_at(filter: &Value, depth: usize, terms: &mut usize) -> Result<(), MethodError> {
    let Value::Object(f) = filter else { return Err(MethodError::invalid("a filter is an object")) };
    if depth > MAX_DEPTH {
        return Err(MethodError::invalid("the filter nests too deep"));
    }
    *terms += if f.contains_key("operator") { 1 } else { f.len() };
    if *terms > MAX_TERMS {
        return Err(MethodError::UnsupportedFilter(format!("more than {MAX_TERMS} operators and conditions")));
    }
    if let Some(op) = f.get("operator") {
        if !matches!(op.as_str(), Some("AND" | "OR" | "NOT")) {
            return Err(MethodError::invalid("operator is AND, OR or NOT"));
        }
        let Some(Value::Array(list)) = f.get("conditions") else {
            return Err(MethodError::invalid("a FilterOperator has conditions"));
        };
        return list.iter().try_for_each(|c| check_at(c, depth + 1, terms));
    }
    for (k, v) in f {
        if !CONDITIONS.contains(&k.as_str()) {
            return Err(MethodError::UnsupportedFilter(format!("ContactCard filter {k}")));
        }
        if !v.is_string() {
            return Err(MethodError::invalid(format!("{k} must be a string")));
        }
    }
    Ok(())
}

/// Whether the card `r` passes `filter` (checked); `books`: the account's address book ids.
pub(crate) fn matches(ctx: &Ctx<'_>, filter: &Value, r: &Shown, books: &[String]) -> Result<bool, MethodError> {
    let Value::Object(f) = filter else { return Ok(false) };
    if let Some(op) = f.get("operator").and_then(Value::as_str) {
        let list = f.get("conditions").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let mut results = Vec::with_capacity(list.len());
        for c in list {
            results.push(matches(ctx, c, r, books)?);
        }
        return Ok(match op {
            "AND" => results.iter().all(|b| *b),
            "OR" => results.iter().any(|b| *b),
            _ => !results.iter().any(|b| *b),
        });
    }
    for (k, v) in f {
        let v = v.as_str().unwrap_or_default();
        if !condition(ctx, k, v, r, books) {
            return Ok(false);
        }
    }
    Ok(true)
}

fn condition(ctx: &Ctx<'_>, k: &str, v: &str, r: &Shown, books: &[String]) -> bool {
    let o = &r.object;
    let has = |texts: Vec<String>| {
        let needle = v.to_lowercase();
        texts.iter().any(|t| t.to_lowercase().contains(&needle))
    };
    match k {
        "inAddressBook" => {
            let id = ctx.id(v).unwrap_or(v);
            books.iter().any(|b| b == id) && ids::address_book(r.card.collection) == id
        }
        "uid" => o.get("uid").and_then(Value::as_str) == Some(v),
        "hasMember" => o.get("members").and_then(Value::as_object).is_some_and(|m| m.contains_key(v)),
        "kind" => o.get("kind").and_then(Value::as_str).unwrap_or("individual") == v,
        "createdBefore" => date(o, "created").is_some_and(|d| d.as_str() < v),
        "createdAfter" => date(o, "created").is_some_and(|d| d.as_str() >= v),
        "updatedBefore" => date(o, "updated").is_some_and(|d| d.as_str() < v),
        "updatedAfter" => date(o, "updated").is_some_and(|d| d.as_str() >= v),
        "name" => has(name_texts(o, None)),
        "name/given" => has(name_texts(o, Some("given"))),
        "name/surname" => has(name_texts(o, Some("surname"))),
        "name/surname2" => has(name_texts(o, Some("surname2"))),
        "nickname" => has(values(o, "nicknames", &["name"])),
        "organization" => has(organizations(o)),
        "email" => has(values(o, "emails", &["address", "label"])),
        "phone" => has(values(o, "phones", &["number", "label"])),
        "onlineService" => has(values(o, "onlineServices", &["service", "uri", "user", "label"])),
        "address" => has(addresses(o)),
        "note" => has(values(o, "notes", &["note"])),
        "text" => {
            let mut all = name_texts(o, None);
            all.extend(values(o, "nicknames", &["name"]));
            all.extend(organizations(o));
            all.extend(values(o, "emails", &["address", "label"]));
            all.extend(values(o, "phones", &["number", "label"]));
            all.extend(values(o, "onlineServices", &["service", "uri", "user", "label"]));
            all.extend(addresses(o));
            all.extend(values(o, "notes", &["note"]));
            has(all)
        }
        _ => false,
    }
}

/// A UTCDate property as written (RFC 3339, `Z`), which compares as text.
fn date(o: &Map<String, Value>, name: &str) -> Option<String> {
    o.get(name).and_then(Value::as_str).map(str::to_owned)
}

/// The string fields `fields` of every entry of the map property `map`.
fn values(o: &Map<String, Value>, map: &str, fields: &[&str]) -> Vec<String> {
    let entries = o.get(map).and_then(Value::as_object);
    entries
        .into_iter()
        .flat_map(|m| m.values())
        .flat_map(|e| fields.iter().filter_map(move |f| e.get(*f).and_then(Value::as_str)))
        .map(str::to_owned)
        .collect()
}

/// The full name and the values of the name's components (of `kind` only, when given).
fn name_texts(o: &Map<String, Value>, kind: Option<&str>) -> Vec<String> {
    let Some(name) = o.get("name") else { return Vec::new() };
    let mut out = Vec::new();
    if kind.is_none()
        && let Some(full) = name.get("full").and_then(Value::as_str)
    {
        out.push(full.to_owned());
    }
    let parts = name.get("components").and_then(Value::as_array).into_iter().flatten();
    for c in parts {
        if kind.is_none_or(|k| c.get("kind").and_then(Value::as_str) == Some(k))
            && let Some(v) = c.get("value").and_then(Value::as_str)
        {
            out.push(v.to_owned());
        }
    }
    out
}

/// The field `field` of each entry of the list `list` in every entry of the map property `map`
/// (an organization's units, an address's components).
fn nested(o: &Map<String, Value>, map: &str, list: &str, field: &str) -> Vec<String> {
    let entries = o.get(map).and_then(Value::as_object).into_iter().flat_map(|m| m.values());
    let items = entries.flat_map(|e| e.get(list).and_then(Value::as_array).into_iter().flatten());
    items.filter_map(|i| i.get(field).and_then(Value::as_str)).map(str::to_owned).collect()
}

fn organizations(o: &Map<String, Value>) -> Vec<String> {
    let mut out = values(o, "organizations", &["name"]);
    out.extend(nested(o, "organizations", "units", "name"));
    out
}

fn addresses(o: &Map<String, Value>) -> Vec<String> {
    let mut out = values(o, "addresses", &["full"]);
    out.extend(nested(o, "addresses", "components", "value"));
    out
}
