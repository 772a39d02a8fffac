//! ActiveSync protocol versions (MS-ASHTTP §2.2.1.1.2.6: "2.5", "12.0", … "16.1").

use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    V2_5,
    V12_0,
    V12_1,
    V14_0,
    V14_1,
    V16_0,
    V16_1,
}

/// (version, header value, base64 version byte: the version times ten).
const VERSIONS: &[(ProtocolVersion, &str, u8)] = &[
    (ProtocolVersion::V2_5, "2.5", 25),
    (ProtocolVersion::V12_0, "12.0", 120),
    (ProtocolVersion::V12_1, "12.1", 121),
    (ProtocolVersion::V14_0, "14.0", 140),
    (ProtocolVersion::V14_1, "14.1", 141),
    (ProtocolVersion::V16_0, "16.0", 160),
    (ProtocolVersion::V16_1, "16.1", 161),
];

impl ProtocolVersion {
    /// Every version, oldest first.
    pub fn all() -> impl Iterator<Item = ProtocolVersion> {
        VERSIONS.iter().map(|&(v, _, _)| v)
    }

    /// The version an `MS-ASProtocolVersion` header names.
    pub fn from_header(value: &str) -> Option<ProtocolVersion> {
        let value = value.trim();
        VERSIONS.iter().find(|(_, s, _)| *s == value).map(|&(v, _, _)| v)
    }

    /// The version the base64 query's first byte names (MS-ASHTTP §2.2.1.1.1.1: 141 is 14.1).
    pub fn from_byte(byte: u8) -> Option<ProtocolVersion> {
        VERSIONS.iter().find(|(_, _, b)| *b == byte).map(|&(v, _, _)| v)
    }

    pub fn as_str(self) -> &'static str {
        VERSIONS.iter().find(|(v, _, _)| *v == self).map_or("?", |&(_, s, _)| s)
    }

    pub fn as_byte(self) -> u8 {
        VERSIONS.iter().find(|(v, _, _)| *v == self).map_or(0, |&(_, _, b)| b)
    }

    /// Whether a client of this version may use the base64 query (MS-ASHTTP §2.2.1.1.1.1:
    /// 12.1 and later).
    pub fn has_base64_query(self) -> bool {
        self >= ProtocolVersion::V12_1
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
