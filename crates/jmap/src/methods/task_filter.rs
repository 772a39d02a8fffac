//! Task/query filters and sorts (draft-ietf-jmap-tasks §3 Task/query, as CalendarEvent/query,
//! draft-ietf-jmap-calendars §5.9, with a task's own conditions). FilterOperators (AND, OR,
//! NOT, read by `event_filter`) over FilterConditions, each condition's properties all
//! holding:
//!
//! - `inTaskLists`: task list ids; `uid`: exact;
//! - `after`, `before` (UTCDate): the task is due at or after, before (a task without a due
//!   date matches neither);
//! - `progress`: one of RFC 8984 §5.2.5's (`needs-action`, `in-process`, `completed`,
//!   `failed`, `cancelled`); `isCompleted`: progress is completed or not;
//! - `text`, `title`, `description`: a substring, case-insensitively, of the title
//!   (SUMMARY), the description, or either.
//!
//! Sorts: `due` (tasks without one last), `start`, `title`, `created`, `updated`, `uid`;
//! ids break ties.
//!
//! ```text
//! {"operator": "AND", "conditions": [{"inTaskLists": ["tl3"]},
//!   {"before": "2027-01-01T00:00:00Z"}, {"isCompleted": false}]}
//! ```

use std::cmp::Ordering;

use relais_groupware::task::{TaskFields, progress};
use serde_json::Value;

use crate::error::MethodError;
use crate::ids;
use crate::methods::Ctx;
use crate::methods::email_query::utc;
use crate::methods::event_filter::{self, Filter};

/// The conditions served; anything else is unsupportedFilter.
const CONDITIONS: [&str; 9] =
    ["inTaskLists", "after", "before", "progress", "isCompleted", "text", "title", "description", "uid"];

/// The progress values of RFC 8984 §5.2.5.
const PROGRESS: [&str; 5] = ["needs-action", "in-process", "completed", "failed", "cancelled"];

/// Most task lists one inTaskLists names.
const MAX_TASK_LISTS: usize = 1000;

/// One task as a query reads it: its list, fields and progress (read once, off the executor).
pub(crate) struct Row {
    pub id: i64,
    pub task_list: String,
    pub fields: Option<TaskFields>,
    pub progress: Option<&'static str>,
    /// Its store facts for sorting: creation and last change.
    pub created: u64,
    pub updated: u64,
}

pub(crate) enum Condition {
    InTaskLists(Vec<String>),
    After(i64),
    Before(i64),
    Progress(&'static str),
    Completed(bool),
    Text(&'static str, String),
    Uid(String),
}

/// Checks a filter and reads it, before anything is read from the store.
pub(crate) fn read(ctx: &Ctx<'_>, filter: &Value) -> Result<Filter<Condition>, MethodError> {
    event_filter::read_with(ctx, filter, condition)
}

fn condition(ctx: &Ctx<'_>, k: &str, v: &Value) -> Result<Condition, MethodError> {
    let Some(name) = CONDITIONS.iter().find(|c| **c == k) else {
        return Err(MethodError::UnsupportedFilter(format!("Task filter {k}")));
    };
    match *name {
        "inTaskLists" => {
            let bad = || MethodError::invalid("inTaskLists is a list of task list ids");
            let list = v.as_array().filter(|l| l.len() <= MAX_TASK_LISTS).ok_or_else(bad)?;
            let ids: Option<Vec<String>> =
                list.iter().map(|i| i.as_str().map(|s| ctx.id(s).unwrap_or(s).to_owned())).collect();
            return ids.map(Condition::InTaskLists).ok_or_else(bad);
        }
        "isCompleted" => {
            return v
                .as_bool()
                .map(Condition::Completed)
                .ok_or_else(|| MethodError::invalid("isCompleted is a boolean"));
        }
        _ => {}
    }
    let s = v.as_str().ok_or_else(|| MethodError::invalid(format!("{k} must be a string")))?;
    Ok(match *name {
        "after" => Condition::After(utc(s)?),
        "before" => Condition::Before(utc(s)?),
        "uid" => Condition::Uid(s.to_owned()),
        "progress" => {
            let p = PROGRESS.iter().find(|p| **p == s);
            Condition::Progress(p.ok_or_else(|| MethodError::invalid(format!("{s} is no progress")))?)
        }
        other => Condition::Text(other, s.to_lowercase()),
    })
}

/// Whether the task `r` passes `filter`.
pub(crate) fn matches(filter: &Filter<Condition>, r: &Row) -> bool {
    event_filter::holds_with(filter, &|list: &[Condition]| list.iter().all(|c| holds(c, r)))
}

fn holds(c: &Condition, r: &Row) -> bool {
    let due = r.fields.as_ref().and_then(|f| f.due).map(|d| d.utc);
    match c {
        Condition::InTaskLists(ids) => ids.contains(&r.task_list),
        Condition::After(t) => due.is_some_and(|d| d >= *t),
        Condition::Before(t) => due.is_some_and(|d| d < *t),
        Condition::Progress(p) => r.progress == Some(*p),
        Condition::Completed(want) => (r.progress == Some("completed")) == *want,
        Condition::Uid(uid) => r.fields.as_ref().is_some_and(|f| f.uid == *uid),
        Condition::Text(name, needle) => r.fields.as_ref().is_some_and(|f| {
            let texts = match *name {
                "title" => vec![&f.subject],
                "description" => vec![&f.body],
                _ => vec![&f.subject, &f.body],
            };
            texts.into_iter().flatten().any(|t| t.to_lowercase().contains(needle.as_str()))
        }),
    }
}

/// The row of a stored task (parsed once per query, off the executor).
pub(crate) fn row(id: i64, list: relais_store::CollectionId, content: &[u8], stamps: (u64, u64)) -> Row {
    let text = String::from_utf8_lossy(content);
    Row {
        id,
        task_list: ids::task_list(list),
        fields: TaskFields::from_ical(&text),
        progress: progress(&text),
        created: stamps.0,
        updated: stamps.1,
    }
}

/// A sort key of Task/query.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Key {
    Due,
    Start,
    Title,
    Created,
    Updated,
    Uid,
}

/// The `sort` of a query read, each key with its direction.
pub(crate) fn sort_keys(sort: Option<&Value>) -> Result<Vec<(Key, bool)>, MethodError> {
    let Some(sort) = sort else { return Ok(Vec::new()) };
    let Value::Array(sort) = sort else { return Err(MethodError::invalid("sort must be a list")) };
    if sort.len() > CONDITIONS.len() {
        return Err(MethodError::invalid("too many sort keys"));
    }
    sort.iter()
        .map(|s| {
            let asc = s.get("isAscending").and_then(Value::as_bool).unwrap_or(true);
            let key = match s.get("property").and_then(Value::as_str) {
                Some("due") => Key::Due,
                Some("start") => Key::Start,
                Some("title") => Key::Title,
                Some("created") => Key::Created,
                Some("updated") => Key::Updated,
                Some("uid") => Key::Uid,
                other => return Err(MethodError::UnsupportedSort(format!("Task sort {other:?}"))),
            };
            Ok((key, asc))
        })
        .collect()
}

/// Values present before absent ones, whichever the direction.
fn present_first<T: Ord>(a: Option<T>, b: Option<T>, asc: bool) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) if asc => a.cmp(&b),
        (Some(a), Some(b)) => b.cmp(&a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

/// The rows ordered by `keys`, ids last.
pub(crate) fn sort(rows: &mut [Row], keys: &[(Key, bool)]) {
    let compare = |a: &Row, b: &Row, k: Key, asc: bool| {
        let (fa, fb) = (a.fields.as_ref(), b.fields.as_ref());
        let directed = |o: Ordering| if asc { o } else { o.reverse() };
        match k {
            Key::Due => {
                present_first(fa.and_then(|f| f.due).map(|d| d.utc), fb.and_then(|f| f.due).map(|d| d.utc), asc)
            }
            Key::Start => {
                present_first(fa.and_then(|f| f.start).map(|d| d.utc), fb.and_then(|f| f.start).map(|d| d.utc), asc)
            }
            Key::Title => {
                let title = |f: Option<&TaskFields>| f.and_then(|f| f.subject.as_deref()).map(str::to_lowercase);
                directed(title(fa).cmp(&title(fb)))
            }
            Key::Created => directed(a.created.cmp(&b.created)),
            Key::Updated => directed(a.updated.cmp(&b.updated)),
            Key::Uid => directed(fa.map(|f| &f.uid).cmp(&fb.map(|f| &f.uid))),
        }
    };
    rows.sort_by(|a, b| {
        keys.iter().map(|(k, asc)| compare(a, b, *k, *asc)).find(|o| o.is_ne()).unwrap_or_else(|| a.id.cmp(&b.id))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64, due: Option<i64>, title: &str, progress: &'static str) -> Row {
        let due = due.map(|utc| relais_groupware::task::TaskDate { utc, local: utc });
        let fields = TaskFields { uid: format!("u{id}"), subject: Some(title.into()), due, ..TaskFields::default() };
        Row { id, task_list: "tl1".into(), fields: Some(fields), progress: Some(progress), created: 0, updated: 0 }
    }

    #[test]
    fn due_sorts_with_the_undated_last_and_conditions_hold() {
        let mut rows = vec![
            task(1, None, "b", "needs-action"),
            task(2, Some(300), "a", "completed"),
            task(3, Some(100), "C", "in-process"),
        ];
        sort(&mut rows, &[(Key::Due, true)]);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [3, 2, 1]);
        sort(&mut rows, &[(Key::Due, false)]);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 3, 1], "undated last both ways");
        sort(&mut rows, &[(Key::Title, true)]);
        assert_eq!(rows.iter().map(|r| r.id).collect::<Vec<_>>(), [2, 1, 3], "titles case-insensitively");
        let table = [
            (Condition::Before(300), [false, false, true]),
            (Condition::After(300), [false, true, false]),
            (Condition::Completed(true), [false, true, false]),
            (Condition::Completed(false), [true, false, true]),
            (Condition::Progress("in-process"), [false, false, true]),
            (Condition::Text("title", "c".into()), [false, false, true]),
            (Condition::Text("description", "c".into()), [false, false, false]),
            (Condition::Uid("u1".into()), [true, false, false]),
            (Condition::InTaskLists(vec!["tl2".into()]), [false, false, false]),
        ];
        rows.sort_by_key(|r| r.id);
        for (c, want) in table {
            let got: Vec<bool> = rows.iter().map(|r| holds(&c, r)).collect();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn sorts_refused() {
        assert!(sort_keys(Some(&serde_json::json!([{"property": "due"}, {"property": "title"}]))).is_ok());
        for bad in [serde_json::json!({}), serde_json::json!([{"property": "size"}]), serde_json::json!([{}])] {
            assert!(sort_keys(Some(&bad)).is_err(), "{bad}");
        }
    }
}
