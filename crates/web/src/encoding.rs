//! Which content coding a request accepts (RFC 9110 §12.5.3 `Accept-Encoding`), for the one
//! coding the embedded assets come in besides identity: gzip.
//!
//! ```text
//! Accept-Encoding = #( codings [ weight ] )
//! codings         = content-coding / "identity" / "*"
//! weight          = OWS ";" OWS "q=" qvalue          ; RFC 9110 §12.4.2
//! qvalue          = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
//! ```
//!
//! gzip is acceptable when the field names `gzip` (or its alias `x-gzip`, §8.4.1.3) with a weight
//! above 0, or names no gzip but a `*` above 0. `q=0` means "not acceptable"; a member whose
//! weight does not parse is not taken as acceptance. No field: identity (§12.5.3 allows any
//! coding then, but a client that sends no field may not decode one).

/// At most this many members are read: a longer field is hostile, and what it says past them is
/// not taken as acceptance.
const MEMBERS: usize = 64;

/// Whether a request whose `Accept-Encoding` is `field` (`None`: absent) accepts gzip.
pub fn accepts_gzip(field: Option<&str>) -> bool {
    let Some(field) = field else {
        return false;
    };
    let mut gzip = None;
    let mut any = None;
    for member in field.split(',').take(MEMBERS) {
        let mut parts = member.split(';');
        let coding = parts.next().unwrap_or("").trim();
        let weight = weight(parts);
        if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
            // The first mention decides; a repeat does not lift a q=0.
            gzip.get_or_insert(weight);
        } else if coding == "*" {
            any.get_or_insert(weight);
        }
    }
    match (gzip, any) {
        (Some(w), _) => w.is_some_and(|q| q > 0),
        (None, Some(w)) => w.is_some_and(|q| q > 0),
        (None, None) => false,
    }
}

/// The weight of a member, in thousandths: 1000 without one, `None` when it does not parse.
fn weight<'a>(params: impl Iterator<Item = &'a str>) -> Option<u16> {
    let mut q = Some(1000);
    for param in params {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("q") {
            q = qvalue(value.trim());
        }
    }
    q
}

/// RFC 9110 §12.4.2 `qvalue` in thousandths.
fn qvalue(value: &str) -> Option<u16> {
    let (whole, fraction) = value.split_once('.').unwrap_or((value, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths =
        fraction.bytes().chain(std::iter::repeat(b'0')).take(3).fold(0u16, |n, b| n * 10 + u16::from(b - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_table() {
        let table: &[(Option<&str>, bool)] = &[
            (None, false),
            (Some(""), false),
            (Some("gzip"), true),
            (Some("GZip"), true),
            (Some("x-gzip"), true),
            (Some("gzip, deflate, br, zstd"), true),
            (Some("br;q=1.0, gzip;q=0.8, *;q=0.1"), true),
            (Some("deflate, br"), false),
            (Some("identity"), false),
            (Some("gzip;q=0"), false),
            (Some("gzip;q=0.000"), false),
            (Some("gzip; q=0.001"), true),
            (Some("gzip ; Q=0.5"), true),
            (Some("gzip;q=0, *"), false),
            (Some("gzip;q=0, gzip"), false),
            (Some("*"), true),
            (Some("*;q=0"), false),
            (Some("*;q=0, gzip;q=0.2"), true),
            (Some("identity;q=0, *;q=0.5"), true),
            // Weights that do not parse are not acceptance.
            (Some("gzip;q=2"), false),
            (Some("gzip;q=1.5"), false),
            (Some("gzip;q=0.5000"), false),
            (Some("gzip;q=-1"), false),
            (Some("gzip;q="), false),
            (Some("gzip;q"), false),
            (Some("gzip;q=0.x"), false),
            (Some(",,, gzip ,"), true),
        ];
        for (field, gzip) in table {
            assert_eq!(accepts_gzip(*field), *gzip, "{field:?}");
        }
    }

    #[test]
    fn a_long_field_is_read_only_so_far() {
        let mut field = "br, ".repeat(MEMBERS);
        field.push_str("gzip");
        assert!(!accepts_gzip(Some(&field)));
        assert!(accepts_gzip(Some(&format!("gzip, {field}"))));
    }
}
