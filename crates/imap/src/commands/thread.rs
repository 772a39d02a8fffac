//! THREAD=ORDEREDSUBJECT and THREAD=REFERENCES (RFC 5256 §4), built from the Message-ID,
//! In-Reply-To, References, base subject and date in the summary stored at delivery.
//! REFERENCES follows §4's six steps: link, root set, prune, gather the root threads by base
//! subject, sort.

use std::collections::HashMap;

use relais_imap_proto::{Data, Tag, Thread, ThreadAlgorithm, ThreadCommand};
use relais_mail::summary::{Summary, is_reply_or_forward};

use crate::commands::search::{Found, find};
use crate::session::Session;

struct Msg {
    /// What the client sees: sequence number or UID.
    id: u32,
    date: i64,
    subject: String,
    /// The subject had a `re:`/`fwd:` leader or a `(fwd)` trailer (RFC 5256 §2.1).
    reply: bool,
    message_id: Option<String>,
    parents: Vec<String>,
}

pub async fn thread(s: &mut Session, tag: &Tag, c: ThreadCommand) {
    if let ThreadAlgorithm::Other(name) = &c.algorithm {
        return s.bad(tag, &format!("thread algorithm {name} is not offered"));
    }
    let Found { view, seqs, summaries } = match find(s, &c.search, true).await {
        Ok(f) => f,
        Err(e) => return s.mail_error(tag, &e),
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
                reply: sm.subject.as_deref().is_some_and(is_reply_or_forward),
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
    // Step 2: the root set; steps 3-4 (prune) while building the trees; 5 (gather by subject);
    // 6 (sort).
    let roots: Vec<Tree> =
        (0..nodes.len()).filter(|n| nodes[*n].parent.is_none()).flat_map(|r| build(&nodes, r)).collect();
    let mut roots = gather(roots, &msgs);
    sort(&mut roots, &msgs);
    roots.into_iter().map(|t| t.into_thread(&msgs)).collect()
}

/// A thread while it is being built: a message (index into the messages) or a dummy.
struct Tree {
    msg: Option<usize>,
    children: Vec<Tree>,
}

impl Tree {
    /// RFC 5256 §4 step 5B: a dummy's subject is its first child's.
    fn subject<'m>(&self, msgs: &'m [Msg]) -> &'m str {
        match self.msg {
            Some(i) => &msgs[i].subject,
            None => self.children.first().map_or("", |c| c.subject(msgs)),
        }
    }

    fn is_reply(&self, msgs: &[Msg]) -> bool {
        self.msg.is_some_and(|i| msgs[i].reply)
    }

    /// Step 6's key: a message's date, a dummy's first child's; ties by the lower number.
    fn key(&self, msgs: &[Msg]) -> (i64, u32) {
        match self.msg {
            Some(i) => (msgs[i].date, msgs[i].id),
            None => self.children.first().map_or((0, 0), |c| c.key(msgs)),
        }
    }

    fn into_thread(self, msgs: &[Msg]) -> Thread {
        Thread {
            ids: self.msg.map(|i| vec![msgs[i].id]).unwrap_or_default(),
            children: self.children.into_iter().map(|c| c.into_thread(msgs)).collect(),
        }
    }
}

/// Step 6: siblings by date, dummies by their first child, recursively.
fn sort(trees: &mut [Tree], msgs: &[Msg]) {
    for t in trees.iter_mut() {
        sort(&mut t.children, msgs);
    }
    trees.sort_by_key(|t| t.key(msgs));
}

/// RFC 5256 §4 step 5: root threads with the same (non-empty) base subject are gathered.
fn gather(mut roots: Vec<Tree>, msgs: &[Msg]) -> Vec<Tree> {
    sort(&mut roots, msgs);
    // 5A-B: per subject, the root to gather under: a dummy before a message, a message that is
    // not a reply before one that is.
    let mut table: HashMap<String, usize> = HashMap::new();
    for (i, t) in roots.iter().enumerate() {
        let subject = t.subject(msgs);
        if subject.is_empty() {
            continue;
        }
        let better =
            |held: &Tree| held.msg.is_some() && (t.msg.is_none() || (held.is_reply(msgs) && !t.is_reply(msgs)));
        match table.get(subject) {
            Some(&h) if !better(&roots[h]) => {}
            _ => {
                table.insert(subject.to_owned(), i);
            }
        }
    }
    // 5C: merge every other root into the table's.
    let mut slots: Vec<Option<Tree>> = roots.into_iter().map(Some).collect();
    for i in 0..slots.len() {
        let Some(h) = slots[i].as_ref().and_then(|t| table.get(t.subject(msgs))).copied() else { continue };
        if h == i {
            continue;
        }
        let (Some(this), Some(held)) = (slots[i].take(), slots[h].take()) else { continue };
        slots[h] = Some(merge(held, this, msgs));
    }
    slots.into_iter().flatten().collect()
}

/// Step 5C for two roots with one subject; `held` is the subject table's.
fn merge(mut held: Tree, mut this: Tree, msgs: &[Msg]) -> Tree {
    match (held.msg, this.msg) {
        // Both dummies: one dummy with all their children.
        (None, None) => {
            held.children.append(&mut this.children);
            held
        }
        // A message joins the dummy's replies.
        (None, Some(_)) => {
            held.children.push(this);
            held
        }
        (Some(_), None) => {
            this.children.push(held);
            this
        }
        // A reply under the message it replies to.
        (Some(_), Some(_)) if !held.is_reply(msgs) && this.is_reply(msgs) => {
            held.children.push(this);
            held
        }
        // Otherwise siblings under a new dummy.
        (Some(_), Some(_)) => Tree { msg: None, children: vec![held, this] },
    }
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

/// The trees under container `n` (steps 3-4): an empty container is replaced by its children
/// (promoted), unless it holds two or more at the root (kept as a dummy).
fn build(nodes: &[Container], n: usize) -> Vec<Tree> {
    let children: Vec<Tree> = nodes[n].children.iter().flat_map(|c| build(nodes, *c)).collect();
    match nodes[n].msg {
        Some(i) => vec![Tree { msg: Some(i), children }],
        None if children.len() > 1 && nodes[n].parent.is_none() => vec![Tree { msg: None, children }],
        None => children,
    }
}

#[cfg(test)]
mod tests {
    use relais_mail::summary::base_subject;

    use super::*;

    fn m(id: u32, date: i64, subject: &str, mid: &str, parents: &[&str]) -> Msg {
        Msg {
            id,
            date,
            subject: base_subject(subject).to_lowercase(),
            reply: is_reply_or_forward(subject),
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

    /// RFC 5256 §4 step 5, rule by rule.
    #[test]
    fn references_gathers_roots_by_subject() {
        let table: Vec<(&str, Vec<Msg>, &[&str])> = vec![
            (
                "no parent known, neither a reply: siblings under a dummy",
                vec![m(1, 10, "hello", "1", &[]), m(2, 20, "Hello", "2", &[])],
                &["((1)(2))"],
            ),
            (
                "a reply goes under the message that is not one",
                vec![m(1, 10, "Re: hello", "1", &[]), m(2, 20, "hello", "2", &[])],
                &["(2 (1))"],
            ),
            (
                "two replies: siblings",
                vec![m(1, 10, "Re: hello", "1", &[]), m(2, 20, "Fwd: hello", "2", &[])],
                &["((1)(2))"],
            ),
            (
                "a message joins a dummy's children",
                vec![m(1, 30, "Re: x", "1", &["gone"]), m(2, 20, "Re: x", "2", &["gone"]), m(3, 10, "x", "3", &[])],
                &["((3)(2)(1))"],
            ),
            (
                "two dummies merge",
                vec![
                    m(1, 10, "y", "1", &["gone1"]),
                    m(2, 20, "y", "2", &["gone1"]),
                    m(3, 30, "Re: y", "3", &["gone2"]),
                    m(4, 5, "y", "4", &["gone2"]),
                ],
                &["((4)(1)(2)(3))"],
            ),
            (
                "an empty subject is never gathered",
                vec![m(1, 10, "", "1", &[]), m(2, 20, "Re:", "2", &[])],
                &["(1)", "(2)"],
            ),
            (
                "different subjects stay apart; a list tag is not a reply",
                vec![m(1, 10, "[list] a", "1", &[]), m(2, 20, "b", "2", &[]), m(3, 30, "a", "3", &[])],
                &["((1)(3))", "(2)"],
            ),
        ];
        for (rule, msgs, expected) in table {
            let got: Vec<String> = references(msgs).iter().map(flat).collect();
            assert_eq!(got, expected, "{rule}");
        }
    }
}
