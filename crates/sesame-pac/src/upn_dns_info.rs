//! UPN_DNS_INFO (MS-PAC 2.10): the user's UPN and DNS domain, and since the 2021 hardening
//! (the S flag) the SAM account name and the user's SID.

use crate::ndr::utf16le;
use crate::{PacError, Sid};

/// Flag U: the account has no userPrincipalName; the UPN was made from name and domain.
pub const UPN_CONSTRUCTED: u32 = 1;
/// Flag S: the SAM name and SID follow.
pub const SAM_NAME_AND_SID: u32 = 2;

/// The UPN and DNS information buffer (PAC type 12).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpnDnsInfo {
    /// The user principal name, e.g. `user1@samba.test`.
    pub upn: String,
    /// The DNS name of the user's domain.
    pub dns_domain_name: String,
    /// The U and S flags.
    pub flags: u32,
    /// With the S flag: the sAMAccountName.
    pub sam_name: Option<String>,
    /// With the S flag: the user's SID.
    pub sid: Option<Sid>,
}

impl UpnDnsInfo {
    /// Lengths and offsets (from the buffer's start) of each string, then the flags.
    pub fn decode(buffer: &[u8]) -> Result<Self, PacError> {
        let u16_at = |at: usize| {
            buffer
                .get(at..at + 2)
                .map(|b| usize::from(u16::from_le_bytes([b[0], b[1]])))
                .ok_or(PacError::Truncated("UPN_DNS_INFO"))
        };
        let field = |at: usize| -> Result<&[u8], PacError> {
            let (length, offset) = (u16_at(at)?, u16_at(at + 2)?);
            buffer
                .get(offset..offset + length)
                .ok_or(PacError::Truncated("UPN_DNS_INFO string"))
        };
        let flags = buffer
            .get(8..12)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or(PacError::Truncated("UPN_DNS_INFO"))?;
        let (sam_name, sid) = if flags & SAM_NAME_AND_SID != 0 {
            (
                Some(utf16le(field(12)?)?),
                Some(Sid::from_bytes(field(16)?)?),
            )
        } else {
            (None, None)
        };
        Ok(Self {
            upn: utf16le(field(0)?)?,
            dns_domain_name: utf16le(field(4)?)?,
            flags,
            sam_name,
            sid,
        })
    }
}
