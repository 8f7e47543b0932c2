//! `KerberosString` (RFC 4120 5.2.1), carried as the raw bytes of a GeneralString.

use core::fmt;

/// `KerberosString ::= GeneralString (IA5String)` (RFC 4120 5.2.1).
///
/// RFC 4120 restricts the content to IA5, but Active Directory and MIT put UTF-8 there (RFC 6806
/// section 11 documents the practice), so this type keeps the bytes exactly as received and
/// encodes them exactly as given. rasn's own `GeneralString` refuses the bytes 0x80-0xA0, which
/// makes names such as "пользователь" impossible; that is the reason this type exists.
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KerberosString(Vec<u8>);

impl KerberosString {
    /// A string from its raw bytes (UTF-8 in practice, but not checked).
    pub fn from_bytes(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// The raw bytes, as they are on the wire.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The string, when the bytes are valid UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(&self.0).ok()
    }

    /// The string, with invalid UTF-8 replaced by U+FFFD.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl From<&str> for KerberosString {
    fn from(s: &str) -> Self {
        Self(s.as_bytes().to_vec())
    }
}

impl From<String> for KerberosString {
    fn from(s: String) -> Self {
        Self(s.into_bytes())
    }
}

impl fmt::Debug for KerberosString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&String::from_utf8_lossy(&self.0), f)
    }
}

impl fmt::Display for KerberosString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

// A GeneralString's DER encoding is its bytes in a primitive TLV, like an OCTET STRING's.
super::primitive::primitive_bytes!(
    KerberosString,
    rasn::types::Tag::GENERAL_STRING,
    as_bytes,
    |bytes: Vec<u8>| Some(KerberosString(bytes)),
    "unreachable: any bytes are a KerberosString"
);
