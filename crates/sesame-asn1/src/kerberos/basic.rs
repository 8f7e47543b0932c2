//! The basic types of RFC 4120 section 5.2 that every Kerberos message is built from.

use core::fmt;

use rasn::prelude::*;
use zeroize::Zeroizing;

use super::{KerberosString, KerberosTime};

/// `Realm ::= KerberosString` (RFC 4120 5.2.2).
pub type Realm = KerberosString;

/// `Microseconds ::= INTEGER (0..999999)` (RFC 4120 5.2.4).
pub type Microseconds = u32;

/// `HostAddresses ::= SEQUENCE OF HostAddress` (RFC 4120 5.2.5).
pub type HostAddresses = SequenceOf<HostAddress>;

/// `AuthorizationData ::= SEQUENCE OF SEQUENCE { ad-type, ad-data }` (RFC 4120 5.2.6).
pub type AuthorizationData = SequenceOf<AuthorizationDataEntry>;

/// `LastReq ::= SEQUENCE OF SEQUENCE { lr-type, lr-value }` (RFC 4120 5.4.2).
pub type LastReq = SequenceOf<LastReqEntry>;

/// `PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1] SEQUENCE OF
/// KerberosString }` (RFC 4120 5.2.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, Default, PartialEq, Eq)]
pub struct PrincipalName {
    /// One of the `NT_*` constants of [`super::constants::name_type`]; a hint only.
    #[rasn(tag(explicit(0)))]
    pub name_type: i32,
    /// The components, e.g. `["HTTP", "www.example.test"]`.
    #[rasn(tag(explicit(1)))]
    pub name_string: SequenceOf<KerberosString>,
}

impl PrincipalName {
    /// A name from its type and components.
    pub fn new<S: Into<KerberosString>>(
        name_type: i32,
        components: impl IntoIterator<Item = S>,
    ) -> Self {
        Self {
            name_type,
            name_string: components.into_iter().map(Into::into).collect(),
        }
    }
}

impl fmt::Display for PrincipalName {
    /// Components joined by `/`, as MIT prints them (without escaping).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.name_string.iter().enumerate() {
            if i > 0 {
                f.write_str("/")?;
            }
            fmt::Display::fmt(c, f)?;
        }
        Ok(())
    }
}

/// `HostAddress ::= SEQUENCE { addr-type [0] Int32, address [1] OCTET STRING }`
/// (RFC 4120 5.2.5).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct HostAddress {
    /// One of [`super::constants::address_type`].
    #[rasn(tag(explicit(0)))]
    pub addr_type: i32,
    /// The address bytes.
    #[rasn(tag(explicit(1)))]
    pub address: OctetString,
}

/// One element of [`AuthorizationData`] (RFC 4120 5.2.6).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationDataEntry {
    /// One of [`super::constants::ad_type`].
    #[rasn(tag(explicit(0)))]
    pub ad_type: i32,
    /// Data interpreted according to `ad_type` (for AD-IF-RELEVANT, another AuthorizationData).
    #[rasn(tag(explicit(1)))]
    pub ad_data: OctetString,
}

/// `PA-DATA ::= SEQUENCE { padata-type [1] Int32, padata-value [2] OCTET STRING }`
/// (RFC 4120 5.2.7). Note the tags start at 1.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct PaData {
    /// One of [`super::constants::pa_type`].
    #[rasn(tag(explicit(1)))]
    pub padata_type: i32,
    /// Usually the DER encoding of a type named by `padata_type`.
    #[rasn(tag(explicit(2)))]
    pub padata_value: OctetString,
}

/// `KerberosFlags ::= BIT STRING (SIZE (32..MAX))` (RFC 4120 5.2.8), used for TicketFlags,
/// KDCOptions and APOptions.
///
/// Bit 0 is the most significant bit of the first byte. Kerberos sends at least 32 bits even
/// when the last ones are zero (unlike a DER named-bit list), so the bits are kept exactly as
/// given; [`KerberosFlags::from_u32`] makes the usual 32-bit form.
#[derive(AsnType, Encode, Decode, Clone, PartialEq, Eq)]
#[rasn(delegate)]
pub struct KerberosFlags(pub BitString);

impl KerberosFlags {
    /// 32 flags from a `u32` whose most significant bit is flag 0.
    pub fn from_u32(bits: u32) -> Self {
        Self(BitString::from_slice(&bits.to_be_bytes()))
    }

    /// The first 32 flags as a `u32` whose most significant bit is flag 0.
    pub fn to_u32(&self) -> u32 {
        (0..32).fold(0u32, |acc, i| acc | (u32::from(self.is_set(i)) << (31 - i)))
    }

    /// Whether flag `bit` is set (flags past the end are clear).
    pub fn is_set(&self, bit: usize) -> bool {
        self.0.get(bit).is_some_and(|b| *b)
    }

    /// Sets or clears flag `bit`, growing to at least 32 bits.
    pub fn set(&mut self, bit: usize, on: bool) {
        let len = self.0.len().max(32).max(bit + 1).next_multiple_of(8);
        self.0.resize(len, false);
        self.0.set(bit, on);
    }
}

impl Default for KerberosFlags {
    fn default() -> Self {
        Self::from_u32(0)
    }
}

impl fmt::Debug for KerberosFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KerberosFlags({:#010x}", self.to_u32())?;
        if self.0.len() != 32 {
            write!(f, ", {} bits", self.0.len())?;
        }
        f.write_str(")")
    }
}

/// `EncryptedData ::= SEQUENCE { etype [0] Int32, kvno [1] UInt32 OPTIONAL, cipher [2] OCTET
/// STRING }` (RFC 4120 5.2.9).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct EncryptedData {
    /// The encryption type, one of [`super::constants::etype`].
    #[rasn(tag(explicit(0)))]
    pub etype: i32,
    /// The key version number, present when encrypted in a long-term key.
    #[rasn(tag(explicit(1)))]
    pub kvno: Option<u32>,
    /// The ciphertext.
    #[rasn(tag(explicit(2)))]
    pub cipher: OctetString,
}

/// `EncryptionKey ::= SEQUENCE { keytype [0] Int32, keyvalue [1] OCTET STRING }`
/// (RFC 4120 5.2.9). The key bytes are zeroized on drop and never printed.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct EncryptionKey {
    /// The encryption type the key is for.
    #[rasn(tag(explicit(0)))]
    pub keytype: i32,
    /// The key.
    #[rasn(tag(explicit(1)))]
    pub keyvalue: SecretOctets,
}

/// `Checksum ::= SEQUENCE { cksumtype [0] Int32, checksum [1] OCTET STRING }`
/// (RFC 4120 5.2.9).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct Checksum {
    /// One of [`super::constants::cksum_type`].
    #[rasn(tag(explicit(0)))]
    pub cksumtype: i32,
    /// The checksum bytes.
    #[rasn(tag(explicit(1)))]
    pub checksum: OctetString,
}

/// One element of [`LastReq`] (RFC 4120 5.4.2).
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct LastReqEntry {
    /// What the time is of (RFC 4120 5.4.2).
    #[rasn(tag(explicit(0)))]
    pub lr_type: i32,
    /// The time.
    #[rasn(tag(explicit(1)))]
    pub lr_value: KerberosTime,
}

/// An OCTET STRING holding key material: zeroized on drop, redacted in `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretOctets(Zeroizing<Vec<u8>>);

impl SecretOctets {
    /// Wraps key bytes.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for SecretOctets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} secret bytes>", self.0.len())
    }
}

super::primitive::primitive_bytes!(
    SecretOctets,
    rasn::types::Tag::OCTET_STRING,
    expose,
    |bytes: Vec<u8>| Some(SecretOctets::new(bytes)),
    "unreachable: any bytes are an OCTET STRING"
);
