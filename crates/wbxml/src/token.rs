//! The global tokens of WBXML 1.3 §7.1 and the header values MS-ASWBXML §2.1.2.1 fixes.

pub(crate) const VERSION_1_3: u8 = 0x03;
/// WBXML 1.3 §7.2.1: "unknown or missing public identifier".
pub(crate) const PUBLIC_ID_UNKNOWN: u32 = 0x01;
/// The IANA MIBenum of UTF-8.
pub(crate) const CHARSET_UTF8: u32 = 106;

pub(crate) const SWITCH_PAGE: u8 = 0x00;
pub(crate) const END: u8 = 0x01;
pub(crate) const ENTITY: u8 = 0x02;
pub(crate) const STR_I: u8 = 0x03;
pub(crate) const LITERAL: u8 = 0x04;
pub(crate) const EXT_I_0: u8 = 0x40;
pub(crate) const EXT_I_2: u8 = 0x42;
pub(crate) const PI: u8 = 0x43;
pub(crate) const LITERAL_C: u8 = 0x44;
pub(crate) const EXT_T_0: u8 = 0x80;
pub(crate) const EXT_T_2: u8 = 0x82;
pub(crate) const STR_T: u8 = 0x83;
pub(crate) const LITERAL_A: u8 = 0x84;
pub(crate) const EXT_0: u8 = 0xC0;
pub(crate) const EXT_2: u8 = 0xC2;
pub(crate) const OPAQUE: u8 = 0xC3;
pub(crate) const LITERAL_AC: u8 = 0xC4;

/// WBXML 1.3 §5.8.2: bit 7 of a tag token announces attributes, bit 6 content.
pub(crate) const ATTRIBUTES: u8 = 0x80;
pub(crate) const CONTENT: u8 = 0x40;
pub(crate) const TOKEN_MASK: u8 = 0x3F;
