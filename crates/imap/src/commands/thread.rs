//! THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §4), built from the Message-ID,
//! In-Reply-To, References, base subject and date in the summary stored at delivery.
//! REFERENCES follows §4's steps 1-4 and 6 (link, root set, prune, sort); step 5 (gathering
//! root threads by subject) is not done: replies whose parents are unknown start own threads.

use std::collections::HashMap;

use relais_imap_proto::{Data, Tag, Thread, ThreadAlgorithm, ThreadCommand};
use relais_mail::summary::Summary;

use crate::commands::search::{Found, find};
use crate::session::Session;

struct Msg {
    /// What the client sees: sequence number or UID.
    id: u32,
    date: i64,
    subject: String,
    message_id: Option<String>,
    parents: Vec<String>,
}

pub async fn thread(s: &mut Session, tag: &Tag, c: ThreadCommand) {
    if let ThreadAlgorithm::Other(name) = &c.algorithm {
        return s.bad(tag, &format!("thread algorithm {name} is not offered"));
    }
    let Found { view, seqs, summaries } = match find(s, &c.search, true).await {
        Ok(f) => f,
        Err(e) => return s.store_error(tag, &e),
    };
    let empty = Summary::default();
    let msgs: Vec<Msg> = seqs
        .into_iter()
        .filter_map(|seq| view.by_seq(seq).map(|m| (seq, m)))
        .map(|(seq, m)| {
            let sm = summaries.get(&m.item.0).unwrap_or(&empty);
            let parents = if sm.references.is_empty() { sm.in_reply_to.clone() } else { sm.references.clone() };
            Msg {
                id: if c.uid { m.uid.0 } else { seq },
                date: sm.sent_at.unwrap_or(m.received_at),
                subject: sm.base_subject.to_lowercase(),
                message_id: sm.message_id.clone(),
                parents,
            }
        })
        .collect();
    let threads = match c.algorithm {
        ThreadAlgorithm::OrderedSubject => ordered_subject(msgs),
        _ => references(msgs),
    };
    s.data(Data::Thread(threads));
    s.ok(tag, if c.uid { "UID THREAD completed" } else { "THREAD completed" });
}

/// RFC 5256 §4 ORDEREDSUBJECT: group by base subject; the earliest message is the parent of
/// the others; threads ordered by their first message's date.
fn ordered_subject(mut msgs: Vec<Msg>) -> Vec<Thread> {
    msgs.sort_by(|a, b| a.subject.cmp(&b.subject).then(a.date.cmp(&b.date)).then(a.id.cmp(&b.id)));
    let mut threads: Vec<(i64, u32, Thread)> = Vec::new();
    let mut i = 0;
    while i < msgs.len() {
        let mut j = i + 1;
        while j < msgs.len() && msgs[j].subject == msgs[i].subject {
            j += 1;
        }
        let children = msgs[i + 1..j].iter().map(|m| Thread { ids: vec![m.id], children: Vec::new() }).collect();
        threads.push((msgs[i].date, msgs[i].id, Thread { ids: vec![msgs[i].id], children }));
        i = j;
    }
    threads.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)));
    threads.into_iter().map(|t| t.2).collect()
}

#[derive(Default)]
struct Container {
    msg: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// RFC 5256 §4 REFERENCES steps 1-4 and 6.
fn references(msgs: Vec<Msg>) -> Vec<Thread> {
    let mut nodes: Vec<Container> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut node = |id: &str, nodes: &mut Vec<Container>| -> usize {
        *by_id.entry(id.to_owned()).or_insert_with(|| {
            nodes.push(Container::default());
            nodes.len() - 1
        })
    };
    for (i, m) in msgs.iter().enumerate() {
        // Step 1A: a message without (or with a duplicate) Message-ID gets a container of its own.
        let me = match &m.message_id {
            Some(id) => {
                let n = node(id, &mut nodes);
                if nodes[n].msg.is_some() {
                    nodes.push(Container::default());
                    nodes.len() - 1
                } else {
                    n
                }
            }
            None => {
                nodes.push(Container::default());
                nodes.len() - 1
            }
        };
        nodes[me].msg = Some(i);
        // Step 1B: link the references in order, without creating loops.
        let mut prev: Option<usize> = None;
        for r in &m.parents {
            let n = node(r, &mut nodes);
            if let Some(p) = prev
                && nodes[n].parent.is_none()
                && !reaches(&nodes, p, n)
                && p != n
            {
                nodes[n].parent = Some(p);
                nodes[p].children.push(n);
            }
            prev = Some(n);
        }
        // Step 1C: the last reference is the message's parent.
        if let Some(old) = nodes[me].parent.take() {
            nodes[old].children.retain(|c| *c != me);
        }
        if let Some(p) = prev
            && p != me
            && !reaches(&nodes, me, p)
        {
            nodes[me].parent = Some(p);
            nodes[p].children.push(me);
        }
    }
    // Step 2: the root set; steps 3-4 (prune) and 6 (sort) while building the threads.
    let roots: Vec<usize> = (0..nodes.len()).filter(|n| nodes[*n].parent.is_none()).collect();
    let mut threads: Vec<(i64, Thread)> = roots.into_iter().flat_map(|r| build(&nodes, &msgs, r)).collect();
    threads.sort_by_key(|t| t.0);
    threads.into_iter().map(|t| t.1).collect()
}

/// True if `from` is `to` or one of its descendants.
fn reaches(nodes: &[Container], from: usize, to: usize) -> bool {
    let mut stack = vec![from];
    let mut steps = 0;
    while let Some(n) = stack.pop() {
        if n == to {
            return true;
        }
        steps += 1;
        if steps > nodes.len() {
            return true;
        }
        stack.extend(&nodes[n].children);
    }
    false
}

/// The threads under container `n`, each with the date it sorts by: an empty container is
/// replaced by its children (promoted), unless it holds two or more at the root (kept empty).
fn build(nodes: &[Container], msgs: &[Msg], n: usize) -> Vec<(i64, Thread)> {
    let mut children: Vec<(i64, Thread)> = nodes[n].children.iter().flat_map(|c| build(nodes, msgs, *c)).collect();
    children.sort_by_key(|c| c.0);
    match nodes[n].msg {
        Some(i) => {
            let m = &msgs[i];
            vec![(m.date, Thread { ids: vec![m.id], children: children.into_iter().map(|c| c.1).collect() })]
        }
        None if children.len() > 1 && nodes[n].parent.is_none() => {
            let date = children.first().map_or(0, |c| c.0);
            vec![(date, Thread { ids: Vec::new(), children: children.into_iter().map(|c| c.1).collect() })]
        }
        None => children,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(id: u32, date: i64, subject: &str, mid: &str, parents: &[&str]) -> Msg {
        Msg {
            id,
            date,
            subject: subject.into(),
            message_id: Some(mid.into()),
            parents: parents.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    fn flat(t: &Thread) -> String {
        let ids: Vec<String> = t.ids.iter().map(u32::to_string).collect();
        let kids: Vec<String> = t.children.iter().map(flat).collect();
        format!("({}{}{})", ids.join(" "), if ids.is_empty() || kids.is_empty() { "" } else { " " }, kids.join(""))
    }

    #[test]
    fn references_threads() {
        let msgs = vec![
            m(1, 10, "a", "a@x", &[]),
            m(2, 20, "a", "b@x", &["a@x"]),
            m(3, 30, "a", "c@x", &["a@x", "b@x"]),
            m(4, 15, "z", "d@x", &[]),
            m(5, 40, "a", "e@x", &["a@x"]),
            m(6, 50, "q", "f@x", &["missing@x"]),
            m(7, 60, "q", "g@x", &["missing@x"]),
        ];
        let t: Vec<String> = references(msgs).iter().map(flat).collect();
        assert_eq!(t, ["(1 (2 (3))(5))", "(4)", "((6)(7))"]);
    }

    #[test]
    fn ordered_subject_threads() {
        let msgs =
            vec![m(1, 10, "b", "1", &[]), m(2, 5, "a", "2", &[]), m(3, 30, "b", "3", &[]), m(4, 40, "a", "4", &[])];
        let t: Vec<String> = ordered_subject(msgs).iter().map(flat).collect();
        assert_eq!(t, ["(2 (4))", "(1 (3))"]);
    }
}
