//! The Request object (RFC 8620 §3.3) parsed and bounded, and result references (§3.7)
//! resolved against the responses already made.
//!
//! ```text
//! { "using": [ "urn:ietf:params:jmap:core", … ],
//!   "methodCalls": [ [ "Mailbox/get", { "accountId": "a1", "#ids": {ResultReference} }, "c1" ], … ],
//!   "createdIds": { "k1": "e12" } }                       (optional)
//! ```

use serde_json::{Map, Value};

use crate::error::{MethodError, Problem};

/// One method call: its name, arguments and the client's call id.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    pub name: String,
    pub arguments: Map<String, Value>,
    pub call_id: String,
}

/// A parsed request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub using: Vec<String>,
    pub calls: Vec<Invocation>,
    pub created_ids: Option<Map<String, Value>>,
}

/// Deepest nesting a request may have: serde_json refuses past 128 already; a request is
/// refused well before a handler could recurse on it.
const MAX_DEPTH: usize = 64;

/// Parses a request body within `max_calls` method calls.
pub fn parse(body: &[u8], max_calls: usize) -> Result<Request, Problem> {
    let Value::Object(map) = bounded_json(body)? else { return Err(Problem::NotRequest("not an object".into())) };
    from_object(map, max_calls)
}

/// The JSON of a body, within the nesting bound: notJSON or notRequest otherwise.
pub fn bounded_json(body: &[u8]) -> Result<Value, Problem> {
    let value: Value = serde_json::from_slice(body).map_err(|e| Problem::NotJson(e.to_string()))?;
    if depth(&value) > MAX_DEPTH {
        return Err(Problem::NotRequest(format!("nested deeper than {MAX_DEPTH} levels")));
    }
    Ok(value)
}

/// A Request from its JSON object, within `max_calls` method calls; members other than the
/// Request's own are ignored (a WebSocket message's `@type` and `id`, RFC 8887 §4.3.2).
pub fn from_object(mut map: Map<String, Value>, max_calls: usize) -> Result<Request, Problem> {
    let using = match map.remove("using") {
        Some(Value::Array(list)) => list
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(Problem::NotRequest("using holds a non-string".into())),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(Problem::NotRequest("using must be an array of strings".into())),
    };
    let Some(Value::Array(calls)) = map.remove("methodCalls") else {
        return Err(Problem::NotRequest("methodCalls must be an array".into()));
    };
    if calls.len() > max_calls {
        return Err(Problem::Limit("maxCallsInRequest"));
    }
    let calls = calls.into_iter().map(invocation).collect::<Result<Vec<_>, _>>()?;
    let created_ids = match map.remove("createdIds") {
        None => None,
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Some(m),
        Some(_) => return Err(Problem::NotRequest("createdIds must map ids to ids".into())),
    };
    Ok(Request { using, calls, created_ids })
}

fn invocation(v: Value) -> Result<Invocation, Problem> {
    let bad = || Problem::NotRequest("a method call must be [name, arguments, callId]".into());
    let Value::Array(parts) = v else { return Err(bad()) };
    let Ok([Value::String(name), Value::Object(arguments), Value::String(call_id)]) = <[Value; 3]>::try_from(parts)
    else {
        return Err(bad());
    };
    Ok(Invocation { name, arguments, call_id })
}

/// How deep `v` nests, without recursion.
fn depth(v: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(v, 1usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(a) => stack.extend(a.iter().map(|c| (c, d + 1))),
            Value::Object(m) => stack.extend(m.values().map(|c| (c, d + 1))),
            _ => {}
        }
    }
    deepest
}

/// A response already made in this request: name, arguments, call id.
pub type Made = (String, Value, String);

/// Replaces every `#name` argument by the value its ResultReference points at (RFC 8620 §3.7).
/// Both `name` and `#name`: invalidArguments; a reference that resolves to nothing:
/// invalidResultReference.
pub fn resolve_references(arguments: &mut Map<String, Value>, made: &[Made]) -> Result<(), MethodError> {
    let referenced: Vec<String> = arguments.keys().filter(|k| k.starts_with('#')).cloned().collect();
    for key in referenced {
        let plain = &key[1..];
        // `##a` would resolve into an argument `#a`, which reads as a reference again (and
        // could replace one the request gave): no argument name begins with `#`.
        if plain.starts_with('#') {
            return Err(MethodError::invalid(format!("{key}: an argument name cannot begin with #")));
        }
        if arguments.contains_key(plain) {
            return Err(MethodError::invalid(format!("both {plain} and {key} given")));
        }
        let reference = arguments.remove(&key).unwrap_or(Value::Null);
        let bad = |why: &str| MethodError::InvalidResultReference(format!("{key}: {why}"));
        let (Some(result_of), Some(name), Some(path)) = (
            reference.get("resultOf").and_then(Value::as_str),
            reference.get("name").and_then(Value::as_str),
            reference.get("path").and_then(Value::as_str),
        ) else {
            return Err(bad("not a ResultReference"));
        };
        let Some((_, found, _)) = made.iter().find(|(n, _, id)| id == result_of && n == name) else {
            return Err(bad("no such result"));
        };
        let value = pointer(found, path).ok_or_else(|| bad("the path names nothing"))?;
        arguments.insert(plain.to_owned(), value);
    }
    Ok(())
}

/// Evaluates a JSON pointer (RFC 6901) with JMAP's `*` (RFC 8620 §3.7): on an array, `*`
/// applies the rest of the path to each item, and arrays among the results are flattened.
pub fn pointer(root: &Value, path: &str) -> Option<Value> {
    if path.is_empty() {
        return Some(root.clone());
    }
    let tokens: Vec<String> =
        path.strip_prefix('/')?.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    walk(root, &tokens)
}

/// The rest of a pointer's tokens applied to `v` (recursion as deep as `v` nests, which the
/// request's depth bound and the responses' shapes keep small).
fn walk(v: &Value, tokens: &[String]) -> Option<Value> {
    let Some((token, rest)) = tokens.split_first() else { return Some(v.clone()) };
    match v {
        Value::Array(items) if token == "*" => {
            let mut out = Vec::new();
            for item in items {
                match walk(item, rest)? {
                    Value::Array(inner) => out.extend(inner),
                    found => out.push(found),
                }
            }
            Some(Value::Array(out))
        }
        Value::Array(items) => walk(items.get(token.parse::<usize>().ok()?)?, rest),
        Value::Object(map) => walk(map.get(token.as_str())?, rest),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn requests_parsed_and_refused() {
        let ok = br#"{"using":["urn:ietf:params:jmap:core"],"methodCalls":[["Core/echo",{"a":1},"c1"]]}"#;
        let r = parse(ok, 16).unwrap();
        assert_eq!(r.calls[0].name, "Core/echo");
        assert_eq!(r.calls[0].call_id, "c1");
        let table: &[(&[u8], &str)] = &[
            (b"{", "notJSON"),
            (b"\xff", "notJSON"),
            (b"[]", "notRequest"),
            (br#"{"using":"x","methodCalls":[]}"#, "notRequest"),
            (br#"{"using":[],"methodCalls":[["a",{},"c"],["a",{}]]}"#, "notRequest"),
            (br#"{"using":[1],"methodCalls":[]}"#, "notRequest"),
            (br#"{"using":[],"methodCalls":[["a",[],"c"]]}"#, "notRequest"),
            (br#"{"using":[],"methodCalls":[["a",{},"c"],["a",{},"c"],["a",{},"c"]]}"#, "limit"),
        ];
        for (input, kind) in table {
            let e = parse(input, 2).unwrap_err();
            let (_, body) = e.to_json();
            assert_eq!(
                body["type"],
                format!("urn:ietf:params:jmap:error:{kind}"),
                "{}",
                String::from_utf8_lossy(input)
            );
        }
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        assert!(parse(deep.as_bytes(), 2).is_err());
    }

    #[test]
    fn pointers_with_stars() {
        // RFC 8620 §3.7's example: the threadIds of the emails, then the emailIds of the threads.
        let got = json!({"accountId":"a","list":[{"id":"t1","emailIds":["e1","e2"]},{"id":"t2","emailIds":["e3"]}]});
        assert_eq!(pointer(&got, "/list/*/emailIds"), Some(json!(["e1", "e2", "e3"])));
        assert_eq!(pointer(&got, "/list/*/id"), Some(json!(["t1", "t2"])));
        assert_eq!(pointer(&got, "/list/1/id"), Some(json!("t2")));
        assert_eq!(pointer(&got, "/accountId"), Some(json!("a")));
        assert_eq!(pointer(&got, "/nothing"), None);
        assert_eq!(pointer(&got, "/list/9"), None);
        assert_eq!(pointer(&got, "list"), None);
        assert_eq!(pointer(&json!({"a/b":1,"m~n":2}), "/a~1b"), Some(json!(1)));
        assert_eq!(pointer(&json!({"a/b":1,"m~n":2}), "/m~0n"), Some(json!(2)));
    }

    #[test]
    fn references_resolved() {
        let made = vec![("Email/query".to_owned(), json!({"ids":["e1","e2"]}), "t0".to_owned())];
        let mut args =
            json!({"#ids":{"resultOf":"t0","name":"Email/query","path":"/ids"}}).as_object().unwrap().clone();
        resolve_references(&mut args, &made).unwrap();
        assert_eq!(args["ids"], json!(["e1", "e2"]));
        let mut wrong =
            json!({"#ids":{"resultOf":"t1","name":"Email/query","path":"/ids"}}).as_object().unwrap().clone();
        assert_eq!(resolve_references(&mut wrong, &made).unwrap_err().kind(), "invalidResultReference");
        let mut name = json!({"#ids":{"resultOf":"t0","name":"Email/get","path":"/ids"}}).as_object().unwrap().clone();
        assert_eq!(resolve_references(&mut name, &made).unwrap_err().kind(), "invalidResultReference");
        let mut both =
            json!({"ids":[],"#ids":{"resultOf":"t0","name":"Email/query","path":"/ids"}}).as_object().unwrap().clone();
        assert_eq!(resolve_references(&mut both, &made).unwrap_err().kind(), "invalidArguments");
        // The fuzz target's find: `##ids` resolved into `#ids`, an argument read as a reference.
        let mut twice =
            json!({"##ids":{"resultOf":"t0","name":"Email/query","path":"/ids"}}).as_object().unwrap().clone();
        assert_eq!(resolve_references(&mut twice, &made).unwrap_err().kind(), "invalidArguments");
    }
}
