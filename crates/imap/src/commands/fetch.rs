//! FETCH and UID FETCH (RFC 9051 §6.4.5), with CHANGEDSINCE/VANISHED (RFC 7162 §3.1.4, §3.2.6),
//! BINARY (RFC 3516) and OBJECTID (RFC 8474). ENVELOPE and BODYSTRUCTURE come from the summary
//! stored at delivery; section bytes are slices of the stored message at the summary's offsets.

use relais_imap_proto::{Data, FetchAttribute, FetchCommand, FetchItem, Flag, Section, SectionText, SequenceSet, Tag};
use relais_mail::summary::{Part, Summary};

use crate::convert;
use crate::session::{Session, State};
use crate::view::View;

/// `* n FETCH (FLAGS … [MODSEQ …] UID …)` for a message whose flags changed.
pub fn send_flags(s: &mut Session, seq: u32) {
    let State::Selected(view) = &s.state else { return };
    let view = view.clone();
    send_flags_of(s, &view, seq);
}

pub fn send_flags_of(s: &mut Session, view: &View, seq: u32) {
    let Some(m) = view.by_seq(seq) else { return };
    let mut items = vec![FetchItem::Flags(flags_of(m)), FetchItem::Uid(m.uid.0)];
    if s.condstore {
        items.push(FetchItem::Modseq(m.modseq.0));
    }
    s.data(Data::Fetch { seq, items });
}

/// A message's flags as this session sees them: its keywords, and \Recent when this session
/// was the first told of it (RFC 3501 §2.3.2; never in an IMAP4rev2 session, which marks none).
pub fn flags_of(m: &crate::view::Message) -> Vec<Flag> {
    let mut flags = convert::flags(&m.flags);
    if m.recent {
        flags.push(Flag::Recent);
    }
    flags
}

/// The sequence numbers a set names, in order; `uid` sets are matched against UIDs, and `$` is
/// the last saved search result (RFC 5182), kept as UIDs.
pub fn resolve_in(view: &View, set: &SequenceSet, uid: bool, saved: Option<&[u32]>) -> Vec<u32> {
    if set.is_saved() {
        let saved = saved.unwrap_or(&[]);
        return view
            .messages
            .iter()
            .enumerate()
            .filter(|(_, m)| saved.contains(&m.uid.0))
            .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX))
            .collect();
    }
    if uid {
        let max = view.max_uid();
        view.messages
            .iter()
            .enumerate()
            .filter(|(_, m)| set.contains(m.uid.0, max))
            .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX))
            .collect()
    } else {
        let max = view.exists();
        set.iter(max).filter(|n| *n >= 1 && *n <= max).collect()
    }
}

pub async fn fetch(s: &mut Session, tag: &Tag, f: FetchCommand) {
    let State::Selected(view) = &s.state else { return };
    let view = view.clone();
    if !f.uid && f.set.highest(view.exists()).is_some_and(|h| h > view.exists()) {
        return s.bad(tag, "message sequence number beyond the mailbox");
    }
    // RFC 7162 §3.1: FETCH MODSEQ and CHANGEDSINCE enable CONDSTORE.
    if f.changed_since.is_some() || f.attributes.contains(&FetchAttribute::Modseq) {
        s.enable_condstore();
    }
    let seqs: Vec<u32> = resolve_in(&view, &f.set, f.uid, s.saved.as_deref())
        .into_iter()
        .filter(|seq| view.by_seq(*seq).is_some_and(|m| f.changed_since.is_none_or(|c| m.modseq.0 > c)))
        .collect();
    // RFC 4314 §4: without s, reading a message does not set \Seen.
    let sets_seen =
        view.may(relais_store::share_rights::KEEP_SEEN) && f.attributes.iter().any(FetchAttribute::sets_seen);
    let needs_content = f.attributes.iter().any(needs_content);
    // Of the summary, only the envelope: the rest is not decoded.
    let envelope_only =
        !needs_content && f.attributes.iter().filter(|a| needs_summary(a)).all(|a| *a == FetchAttribute::Envelope);
    let needs_summary = needs_content || f.attributes.iter().any(needs_summary);
    let mut newly_seen = Vec::new();
    // One read for every message's stored row (no query per message); content per message.
    let items: Vec<_> = seqs.iter().filter_map(|q| view.by_seq(*q)).map(|m| m.item).collect();
    let rows = if needs_summary {
        match s
            .imap
            .store()
            .read(move |r| Ok(r.items(&items)?.into_iter().map(|it| (it.id, it)).collect()))
            .await
        {
            Ok(map) => map,
            Err(e) => return s.store_error(tag, &e),
        }
    } else {
        std::collections::HashMap::new()
    };
    for seq in seqs {
        let Some(m) = view.by_seq(seq).cloned() else { continue };
        let (summary, raw, thread) = if needs_summary {
            // Expunged by another session meanwhile: RFC 9051 §7.5.1 lets us skip it.
            let Some(it) = rows.get(&m.item) else { continue };
            let raw = match (needs_content, &it.blob) {
                (true, Some(b)) => match s.imap.store().blob(b.clone()).await {
                    Ok(raw) => raw,
                    Err(_) => continue,
                },
                _ => Vec::new(),
            };
            let mut summary = if envelope_only { Summary::envelope_of(it) } else { Summary::of(it) };
            if !s.utf8 {
                convert::downgrade(&mut summary);
            }
            (summary, raw, it.thread_id)
        } else {
            (Summary::default(), Vec::new(), None)
        };
        let mut items = Vec::with_capacity(f.attributes.len());
        for a in &f.attributes {
            item(&mut items, a, &m, &Stored { summary: &summary, raw: &raw, thread });
        }
        if sets_seen && !convert::has(&m.flags, "\\Seen") {
            newly_seen.push((seq, m.item));
            items.retain(|i| !matches!(i, FetchItem::Flags(_)));
            let mut flags = convert::flags(&m.flags);
            flags.push(Flag::Seen);
            if m.recent {
                flags.push(Flag::Recent);
            }
            items.push(FetchItem::Flags(flags));
        }
        s.data(Data::Fetch { seq, items });
    }
    if !newly_seen.is_empty() {
        mark_seen(s, newly_seen).await;
    }
    s.ok(tag, if f.uid { "UID FETCH completed" } else { "FETCH completed" });
}

fn needs_content(a: &FetchAttribute) -> bool {
    matches!(
        a,
        FetchAttribute::BodySection { .. }
            | FetchAttribute::Binary { .. }
            | FetchAttribute::BinarySize { .. }
            | FetchAttribute::Rfc822
            | FetchAttribute::Rfc822Header
            | FetchAttribute::Rfc822Text
    )
}

fn needs_summary(a: &FetchAttribute) -> bool {
    matches!(
        a,
        FetchAttribute::Envelope
            | FetchAttribute::Body
            | FetchAttribute::BodyStructure
            | FetchAttribute::Preview { .. }
            | FetchAttribute::ThreadId
    )
}

/// What FETCH reads of a message beyond its place in the view.
struct Stored<'a> {
    summary: &'a Summary,
    raw: &'a [u8],
    thread: Option<i64>,
}

fn item(out: &mut Vec<FetchItem>, a: &FetchAttribute, m: &crate::view::Message, stored: &Stored<'_>) {
    let (sm, raw) = (stored.summary, stored.raw);
    match a {
        FetchAttribute::Flags => out.push(FetchItem::Flags(flags_of(m))),
        FetchAttribute::Uid => out.push(FetchItem::Uid(m.uid.0)),
        FetchAttribute::InternalDate => out.extend(convert::internal_date(m.received_at).map(FetchItem::InternalDate)),
        FetchAttribute::Rfc822Size => out.push(FetchItem::Rfc822Size(m.size)),
        FetchAttribute::Envelope => out.push(FetchItem::Envelope(Box::new(convert::envelope(&sm.envelope)))),
        FetchAttribute::Body => out.push(FetchItem::Body(Box::new(convert::body_structure(&sm.structure)))),
        FetchAttribute::BodyStructure => {
            out.push(FetchItem::BodyStructure(Box::new(convert::body_structure(&sm.structure))))
        }
        FetchAttribute::BodySection { section, partial, .. } => {
            let data = section_bytes(raw, sm, section).map(|d| slice(&d, *partial));
            out.push(FetchItem::BodySection { section: section.clone(), origin: partial.map(|p| p.0), data });
        }
        FetchAttribute::Binary { part, partial, .. } => {
            let data = binary(raw, sm, part).map(|d| slice(&d, *partial));
            out.push(FetchItem::Binary { part: part.clone(), origin: partial.map(|p| p.0), data });
        }
        FetchAttribute::BinarySize { part } => {
            let size = binary(raw, sm, part).map_or(0, |d| d.len() as u64);
            out.push(FetchItem::BinarySize { part: part.clone(), size });
        }
        FetchAttribute::Rfc822 => out.push(FetchItem::Rfc822(Some(raw.to_vec()))),
        FetchAttribute::Rfc822Header => out.push(FetchItem::Rfc822Header(Some(header_of(raw).to_vec()))),
        FetchAttribute::Rfc822Text => out.push(FetchItem::Rfc822Text(Some(raw[header_of(raw).len()..].to_vec()))),
        FetchAttribute::Modseq => out.push(FetchItem::Modseq(m.modseq.0)),
        FetchAttribute::EmailId => out.push(FetchItem::EmailId(format!("M{}", m.item.0))),
        // RFC 8474 §5.2: the thread's objectid, the same for every message of the thread.
        FetchAttribute::ThreadId => out.push(FetchItem::ThreadId(stored.thread.map(|t| format!("T{t}")))),
        FetchAttribute::SaveDate => out.push(FetchItem::SaveDate(None)),
        FetchAttribute::Preview { .. } => out.push(FetchItem::Preview(Some(sm.preview.clone()))),
    }
}

fn slice(data: &[u8], partial: Option<(u64, u64)>) -> Vec<u8> {
    match partial {
        None => data.to_vec(),
        Some((origin, len)) => {
            let start = usize::try_from(origin).unwrap_or(usize::MAX).min(data.len());
            let end = start.saturating_add(usize::try_from(len).unwrap_or(usize::MAX)).min(data.len());
            data[start..end].to_vec()
        }
    }
}

fn header_of(raw: &[u8]) -> &[u8] {
    relais_mail::headers::header_block(raw)
}

/// The bytes of a BODY[section] (RFC 9051 §6.4.5).
fn section_bytes<'r>(raw: &'r [u8], sm: &Summary, section: &Section) -> Option<std::borrow::Cow<'r, [u8]>> {
    use std::borrow::Cow;
    // The message (or encapsulated message) the text specifier applies to.
    let (header, body): (&[u8], &[u8]) = if section.part.is_empty() {
        let h = header_of(raw);
        (h, &raw[h.len()..])
    } else {
        let part = sm.structure.section(&section.part)?;
        match &section.text {
            None => return Some(Cow::Borrowed(part.body_bytes(raw))),
            Some(SectionText::Mime) => return Some(Cow::Borrowed(part.header_bytes(raw))),
            Some(_) => {
                let inner: &Part = &part.message.as_ref()?.1;
                (inner.header_bytes(raw), inner.body_bytes(raw))
            }
        }
    };
    Some(match &section.text {
        None => Cow::Borrowed(raw),
        Some(SectionText::Header) => Cow::Borrowed(header),
        Some(SectionText::Text) => Cow::Borrowed(body),
        Some(SectionText::HeaderFields(names)) => Cow::Owned(fields(header, names, true)),
        Some(SectionText::HeaderFieldsNot(names)) => Cow::Owned(fields(header, names, false)),
        Some(SectionText::Mime) => return None,
    })
}

/// The header fields named (or not named) in `names`, continuation lines kept, then CRLF.
fn fields(header: &[u8], names: &[String], keep: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let mut take = false;
    for line in header.split_inclusive(|b| *b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if !matches!(line.first(), Some(b' ' | b'\t')) {
            let name = line.split(|b| *b == b':').next().unwrap_or(b"");
            let named = names.iter().any(|n| n.as_bytes().eq_ignore_ascii_case(name.trim_ascii()));
            take = named == keep;
        }
        if take {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// BINARY[part]: the part's body with its transfer encoding undone (RFC 3516 §4.2).
fn binary(raw: &[u8], sm: &Summary, part: &[u32]) -> Option<Vec<u8>> {
    if part.is_empty() {
        return Some(raw.to_vec());
    }
    let p = sm.structure.section(part)?;
    Some(p.decoded_body(raw))
}

/// Sets \Seen on messages a non-PEEK fetch read (RFC 9051 §6.4.5).
/// The view takes the flag at once: the commit's notification may reach this session after its
/// next command, which must already see \Seen (a later sync reports the flag change again).
async fn mark_seen(s: &mut Session, seen: Vec<(u32, relais_store::ItemId)>) {
    let seqs: Vec<u32> = seen.iter().map(|(seq, _)| *seq).collect();
    let items: Vec<relais_store::ItemId> = seen.iter().map(|(_, item)| *item).collect();
    let (Some(actor), Some(mailbox)) = (s.actor(), s.view().map(|v| v.mailbox)) else { return };
    // The mail domain adds \Seen on the flags as committed (not this session's copy of them).
    let result = relais_mail::mailbox::add_keyword(s.imap.store(), &actor, mailbox, items, "\\Seen").await;
    match result {
        Ok(_) => {
            let Some(view) = s.view() else { return };
            for seq in seqs {
                if let Some(m) = usize::try_from(seq).ok().and_then(|q| view.messages.get_mut(q.checked_sub(1)?))
                    && !convert::has(&m.flags, "\\Seen")
                {
                    m.flags.push("\\Seen".into());
                }
            }
            if s.condstore {
                report_modseqs(s, seen).await;
            }
        }
        Err(e) => tracing::warn!(error = %e, "imap: cannot set \\Seen"),
    }
}

/// RFC 7162 §3.1: with CONDSTORE on, a FETCH that set \Seen reports each message's new MODSEQ
/// (`* n FETCH (MODSEQ (m))`, as Dovecot sends it), and the view takes it so no later sync
/// reports the change again.
async fn report_modseqs(s: &mut Session, seen: Vec<(u32, relais_store::ItemId)>) {
    let items: Vec<relais_store::ItemId> = seen.iter().map(|(_, i)| *i).collect();
    let read = s
        .imap
        .store()
        .read(move |r| {
            Ok(items.into_iter().filter_map(|i| r.item(i).ok()).map(|it| (it.id, it.modseq)).collect::<Vec<_>>())
        })
        .await;
    let Ok(modseqs) = read else { return };
    for (seq, item) in seen {
        let Some((_, modseq)) = modseqs.iter().find(|(i, _)| *i == item) else { continue };
        if let Some(m) =
            s.view().and_then(|v| usize::try_from(seq).ok().and_then(|q| v.messages.get_mut(q.checked_sub(1)?)))
        {
            m.modseq = *modseq;
        }
        s.data(Data::Fetch { seq, items: vec![FetchItem::Modseq(modseq.0)] });
    }
}
