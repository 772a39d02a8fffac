//! `%XX` escapes undone, leniently: an escape that is not two hex digits is kept as written (a
//! file name of an export, a path segment of another server's href). The DAV front-end's strict
//! decoder is `relais_dav_proto::headers::percent_decode`.

/// `name` with its `%XX` escapes decoded; bytes that are not UTF-8 are replaced.
pub fn decode(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn decodes_leniently() {
        for (text, want) in
            [("a%20b", "a b"), ("R%C3%A9union", "Réunion"), ("100%", "100%"), ("%zz%4", "%zz%4"), ("", "")]
        {
            assert_eq!(super::decode(text), want, "{text:?}");
        }
    }
}
