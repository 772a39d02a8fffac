//! Sequence sets (RFC 9051 §9 `sequence-set`, with RFC 5182's `$`): message sequence numbers or
//! UIDs, with `*` for the highest one in use. Membership and expansion take that highest number
//! and never allocate per number, so `1:4294967295` costs what `1` costs.

use std::fmt;
use std::ops::RangeInclusive;

use crate::error::ErrorKind;

/// One end of a range: a number (never 0) or `*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SeqNumber {
    Number(u32),
    /// `*`: the highest sequence number or UID in use (RFC 9051 §9 `seq-number`).
    Last,
}

impl SeqNumber {
    /// The number `*` stands for when `max` is the highest in use; `None` for `*` in an empty
    /// mailbox, where there is no last message.
    pub fn resolve(self, max: u32) -> Option<u32> {
        match self {
            SeqNumber::Number(n) => Some(n),
            SeqNumber::Last => (max > 0).then_some(max),
        }
    }
}

/// `a`, `a:b` or with `*`; `a:b` and `b:a` mean the same (RFC 9051 §9 `seq-range`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SeqRange {
    pub start: SeqNumber,
    pub end: SeqNumber,
}

impl SeqRange {
    pub fn single(n: u32) -> SeqRange {
        SeqRange { start: SeqNumber::Number(n), end: SeqNumber::Number(n) }
    }

    /// The numbers of this range that can exist when `max` is the highest in use, ascending.
    /// Numbers above `max` are cut off: for UIDs they name no message (`559:*` still includes
    /// `*`, RFC 9051 §6.4.8), for sequence numbers the caller answers BAD first
    /// ([`SequenceSet::highest`]).
    pub fn resolve(&self, max: u32) -> Option<RangeInclusive<u32>> {
        let (a, b) = (self.start.resolve(max)?, self.end.resolve(max)?);
        let (lo, hi) = (a.min(b).max(1), a.max(b).min(max));
        (lo <= hi).then_some(lo..=hi)
    }
}

/// A parsed `sequence-set`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SequenceSet {
    /// Ranges in the order the client sent them; never empty when parsed.
    Ranges(Vec<SeqRange>),
    /// `$`: the result saved by the last `SEARCH RETURN (SAVE)` (RFC 5182 §2). The session
    /// substitutes its saved set before using any other method; like Dovecot, `$` is accepted
    /// only as the whole set.
    Saved,
}

impl SequenceSet {
    /// Parses a sequence set: `1`, `2:4`, `5:*`, `*`, `1,3:5`, `$`.
    pub fn parse(s: &[u8]) -> Result<SequenceSet, ErrorKind> {
        if s == b"$" {
            return Ok(SequenceSet::Saved);
        }
        let mut ranges = Vec::new();
        for item in s.split(|&b| b == b',') {
            let mut ends = item.split(|&b| b == b':');
            let start = ends.next().map(seq_number).ok_or(ErrorKind::InvalidSequenceSet)??;
            let end = match ends.next() {
                Some(e) => seq_number(e)?,
                None => start,
            };
            if ends.next().is_some() {
                return Err(ErrorKind::InvalidSequenceSet);
            }
            ranges.push(SeqRange { start, end });
        }
        Ok(SequenceSet::Ranges(ranges))
    }

    /// One number.
    pub fn single(n: u32) -> SequenceSet {
        SequenceSet::Ranges(vec![SeqRange::single(n)])
    }

    /// `a:b`.
    pub fn range(a: u32, b: u32) -> SequenceSet {
        SequenceSet::Ranges(vec![SeqRange { start: SeqNumber::Number(a), end: SeqNumber::Number(b) }])
    }

    /// The shortest set listing `numbers` in the order given, runs of consecutive numbers joined
    /// into ranges: order is kept because COPYUID pairs its two sets by position (RFC 4315 §3).
    /// Zeros are skipped. An empty input gives an empty set, which [`Writer`] writes as nothing:
    /// callers leave out the response item instead.
    ///
    /// [`Writer`]: crate::Writer
    pub fn from_numbers(numbers: impl IntoIterator<Item = u32>) -> SequenceSet {
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for n in numbers.into_iter().filter(|&n| n != 0) {
            match ranges.last_mut() {
                Some((_, hi)) if hi.checked_add(1) == Some(n) => *hi = n,
                _ => ranges.push((n, n)),
            }
        }
        SequenceSet::Ranges(
            ranges
                .into_iter()
                .map(|(a, b)| SeqRange { start: SeqNumber::Number(a), end: SeqNumber::Number(b) })
                .collect(),
        )
    }

    pub fn is_saved(&self) -> bool {
        matches!(self, SequenceSet::Saved)
    }

    /// True if `*` appears anywhere.
    pub fn uses_last(&self) -> bool {
        self.items().iter().any(|r| r.start == SeqNumber::Last || r.end == SeqNumber::Last)
    }

    /// True if `n` is in the set when `max` is the highest number in use. Always false for `$`.
    pub fn contains(&self, n: u32, max: u32) -> bool {
        n != 0 && n <= max && self.ranges(max).any(|r| r.contains(&n))
    }

    /// The set's ranges resolved against `max` (see [`SeqRange::resolve`]), in the client's
    /// order, possibly overlapping. Empty for `$`.
    pub fn ranges(&self, max: u32) -> impl Iterator<Item = RangeInclusive<u32>> + '_ {
        self.items().iter().filter_map(move |r| r.resolve(max))
    }

    /// The resolved ranges sorted and merged: ascending, disjoint, not adjacent.
    pub fn normalized(&self, max: u32) -> Vec<RangeInclusive<u32>> {
        let mut ranges: Vec<_> = self.ranges(max).collect();
        ranges.sort_by_key(|r| *r.start());
        let mut merged: Vec<RangeInclusive<u32>> = Vec::with_capacity(ranges.len());
        for r in ranges {
            match merged.last_mut() {
                Some(last) if u64::from(*r.start()) <= u64::from(*last.end()) + 1 => {
                    if r.end() > last.end() {
                        *last = *last.start()..=*r.end();
                    }
                }
                _ => merged.push(r),
            }
        }
        merged
    }

    /// Every number of the set that can exist under `max`, ascending and each once.
    pub fn iter(&self, max: u32) -> impl Iterator<Item = u32> {
        self.normalized(max).into_iter().flatten()
    }

    /// The highest number the client named, `*` counting as `max`: a sequence number above the
    /// message count is a client error (RFC 9051 §9 `seq-number`). `None` for `$` or an empty set.
    pub fn highest(&self, max: u32) -> Option<u32> {
        self.items()
            .iter()
            .flat_map(|r| [r.start, r.end])
            .map(|n| match n {
                SeqNumber::Number(n) => n,
                SeqNumber::Last => max,
            })
            .max()
    }

    fn items(&self) -> &[SeqRange] {
        match self {
            SequenceSet::Ranges(r) => r,
            SequenceSet::Saved => &[],
        }
    }
}

/// RFC 9051 §9 `seq-number = nz-number / "*"`; `nz-number` has no leading zero and fits 32 bits.
fn seq_number(s: &[u8]) -> Result<SeqNumber, ErrorKind> {
    match s {
        b"*" => Ok(SeqNumber::Last),
        [b'1'..=b'9', rest @ ..] if rest.iter().all(u8::is_ascii_digit) && s.len() <= 10 => std::str::from_utf8(s)
            .ok()
            .and_then(|s| s.parse::<u32>().ok())
            .map(SeqNumber::Number)
            .ok_or(ErrorKind::InvalidSequenceSet),
        _ => Err(ErrorKind::InvalidSequenceSet),
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqNumber::Number(n) => write!(f, "{n}"),
            SeqNumber::Last => f.write_str("*"),
        }
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ranges = match self {
            SequenceSet::Saved => return f.write_str("$"),
            SequenceSet::Ranges(r) => r,
        };
        for (i, r) in ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if r.start == r.end {
                write!(f, "{}", r.start)?;
            } else {
                write!(f, "{}:{}", r.start, r.end)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(s: &str) -> SequenceSet {
        SequenceSet::parse(s.as_bytes()).unwrap()
    }

    #[test]
    fn parse_and_display() {
        for s in ["1", "1:5", "5:1", "*", "1:*", "*:4", "1,3,5:7", "$", "4294967295"] {
            assert_eq!(set(s).to_string(), s);
        }
        for bad in ["", "0", "1:0", "1:*:3", ",", "1,", ",1", "01", "4294967296", "a", "$,1", "1:", "-1", "1 2"] {
            assert!(SequenceSet::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn membership_and_expansion() {
        let s = set("2:4,7,10:*");
        assert!(s.contains(3, 12) && s.contains(7, 12) && s.contains(12, 12));
        assert!(!s.contains(5, 12) && !s.contains(13, 12) && !s.contains(0, 12));
        assert_eq!(s.iter(12).collect::<Vec<_>>(), [2, 3, 4, 7, 10, 11, 12]);
        // `559:*` with * = 100 is 100:559, cut at 100 (RFC 9051 §6.4.8).
        assert_eq!(set("559:*").iter(100).collect::<Vec<_>>(), [100]);
        // Nothing is the last message of an empty mailbox.
        assert_eq!(set("1:*").iter(0).count(), 0);
        assert_eq!(set("1:4294967295").normalized(3), [1..=3]);
        assert_eq!(set("5,1:3,4,9:8").normalized(10), [1..=5, 8..=9]);
        assert_eq!(set("3:5,*").highest(2), Some(5));
        assert!(!SequenceSet::Saved.contains(1, 10));
        assert!(set("1:*").uses_last() && !set("1:2").uses_last());
    }

    #[test]
    fn from_numbers_keeps_order() {
        assert_eq!(SequenceSet::from_numbers([1, 2, 3, 5, 9, 8, 10]).to_string(), "1:3,5,9,8,10");
        assert_eq!(SequenceSet::from_numbers([u32::MAX, 1]).to_string(), "4294967295,1");
    }
}
