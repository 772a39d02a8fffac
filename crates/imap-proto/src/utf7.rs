//! Modified UTF-7 (RFC 3501 §5.1.3), the mailbox name encoding of IMAP4rev1 sessions that have
//! not enabled UTF-8. Printable US-ASCII stands for itself except `&`, written `&-`; everything
//! else is UTF-16 in a modified BASE64 (`,` for `/`, no padding) between `&` and `-`.

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Decodes a modified UTF-7 name; `None` when it is not valid: a character outside printable
/// US-ASCII, an unterminated or malformed `&…-` run, bad UTF-16, non-zero padding bits, or
/// printable US-ASCII encoded in BASE64, which RFC 3501 §5.1.3 forbids.
pub fn decode_mutf7(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        let (plain, after) = rest.split_at(amp);
        push_plain(&mut out, plain)?;
        let after = after.get(1..)?;
        let end = after.find('-')?;
        let (run, tail) = after.split_at(end);
        if run.is_empty() {
            out.push('&');
        } else {
            decode_run(&mut out, run.as_bytes())?;
        }
        rest = tail.get(1..)?;
    }
    push_plain(&mut out, rest)?;
    Some(out)
}

fn push_plain(out: &mut String, plain: &str) -> Option<()> {
    plain.bytes().all(|b| matches!(b, 0x20..=0x7e)).then(|| out.push_str(plain))
}

fn decode_run(out: &mut String, run: &[u8]) -> Option<()> {
    let mut units = Vec::with_capacity(run.len() * 6 / 16);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in run {
        let v = ALPHABET.iter().position(|&a| a == b)?;
        acc = (acc << 6) | u32::try_from(v).ok()?;
        bits += 6;
        if bits >= 16 {
            bits -= 16;
            units.push(u16::try_from((acc >> bits) & 0xffff).ok()?);
            acc &= (1 << bits) - 1;
        }
    }
    if bits >= 6 || acc != 0 || units.is_empty() {
        return None;
    }
    for c in char::decode_utf16(units) {
        let c = c.ok()?;
        if (' '..='~').contains(&c) {
            return None;
        }
        out.push(c);
    }
    Some(())
}

/// Encodes a UTF-8 name in modified UTF-7; `decode_mutf7(&encode_mutf7(s)) == Some(s)` for every
/// name without control characters.
pub fn encode_mutf7(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in s.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut out, &mut pending);
    out
}

fn flush(out: &mut String, pending: &mut Vec<u16>) {
    if pending.is_empty() {
        return;
    }
    out.push('&');
    let (mut acc, mut bits) = (0u32, 0u32);
    for unit in pending.drain(..) {
        acc = (acc << 16) | u32::from(unit);
        bits += 16;
        while bits >= 6 {
            bits -= 6;
            out.push(char::from(ALPHABET[((acc >> bits) & 63) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (6 - bits)) & 63) as usize]));
    }
    out.push('-');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let cases = [
            ("INBOX", "INBOX"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            ("Tom & Jerry", "Tom &- Jerry"),
            ("Отправленные", "&BB4EQgQ,BEAEMAQyBDsENQQ9BD0ESwQ1-"),
            ("😀", "&2D3eAA-"),
            ("", ""),
        ];
        for (utf8, utf7) in cases {
            assert_eq!(encode_mutf7(utf8), utf7);
            assert_eq!(decode_mutf7(utf7).as_deref(), Some(utf8));
        }
    }

    #[test]
    fn rejects_invalid() {
        for bad in ["&", "a&b", "&U,BTFw", "&AGE-", "&Jjo!-", "caf\u{e9}", "a\tb", "&2D0-", "&U,BTFx-"] {
            assert_eq!(decode_mutf7(bad), None, "{bad}");
        }
    }
}
