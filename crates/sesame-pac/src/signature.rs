//! PAC_SIGNATURE_DATA (MS-PAC 2.8): a checksum type, the checksum, and for a read-only domain
//! controller's KDC signature the RODC identifier. The checksums are verified by the Kerberos
//! layer, which holds the keys.

use crate::PacError;

/// A signature buffer (PAC types 6, 7, 16, 19).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    /// The RFC 3961 checksum type (-138 HMAC-MD5, 15/16 HMAC-SHA1-96-AES, 19/20 SHA-2).
    pub checksum_type: i32,
    /// The checksum.
    pub value: Vec<u8>,
    /// The key version number of an RODC's krbtgt, when an RODC signed.
    pub rodc_identifier: Option<u16>,
}

/// The checksum length of a checksum type MS-PAC 2.8 lists.
pub fn checksum_length(checksum_type: i32) -> Option<usize> {
    match checksum_type {
        -138 | 19 => Some(16),
        15 | 16 => Some(12),
        20 => Some(24),
        _ => None,
    }
}

impl Signature {
    /// SignatureType (4 bytes), Signature (its type's length), RODCIdentifier (2, optional).
    /// A type MS-PAC does not list keeps all remaining bytes as the checksum.
    pub fn decode(buffer: &[u8]) -> Result<Self, PacError> {
        let (kind, rest) = buffer
            .split_first_chunk::<4>()
            .ok_or(PacError::Truncated("PAC_SIGNATURE_DATA"))?;
        let checksum_type = i32::from_le_bytes(*kind);
        let length = checksum_length(checksum_type).unwrap_or(rest.len());
        let value = rest
            .get(..length)
            .ok_or(PacError::Truncated("PAC_SIGNATURE_DATA checksum"))?;
        let rodc_identifier = match &rest[length..] {
            [] => None,
            [a, b, ..] => Some(u16::from_le_bytes([*a, *b])),
            [_] => return Err(PacError::Truncated("PAC_SIGNATURE_DATA RODCIdentifier")),
        };
        Ok(Self {
            checksum_type,
            value: value.to_vec(),
            rodc_identifier,
        })
    }
}
