//! The authenticator checksum of GSS-API Kerberos, type 0x8003 (RFC 4121 4.1.1; MS-KILE
//! 3.2.5.2 for the DCE-style and identify flags): channel-binding hash, context flags, and the
//! forwarded TGT when delegating.

use sesame_asn1::kerberos::Checksum;
use sesame_asn1::kerberos::constants::cksum_type;

use crate::error::KerberosError;

/// `GSS_C_DELEG_FLAG` in the checksum's flags.
pub(crate) const DELEG_FLAG: u32 = 0x1;

/// The decoded checksum.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct GssChecksum {
    /// MD5 of the channel bindings, or zeros.
    pub bindings: [u8; 16],
    /// GSS context flags requested by the initiator.
    pub flags: u32,
    /// The KRB-CRED with the forwarded TGT, when DELEG_FLAG is set.
    pub delegation: Option<Vec<u8>>,
    /// Any extension bytes that follow (kept, not interpreted).
    pub extensions: Vec<u8>,
}

impl GssChecksum {
    /// The wire form inside a Checksum of type 0x8003.
    pub(crate) fn to_checksum(&self) -> Checksum {
        let mut b = Vec::with_capacity(24);
        b.extend_from_slice(&16u32.to_le_bytes());
        b.extend_from_slice(&self.bindings);
        let mut flags = self.flags;
        if self.delegation.is_some() {
            flags |= DELEG_FLAG;
        } else {
            flags &= !DELEG_FLAG;
        }
        b.extend_from_slice(&flags.to_le_bytes());
        if let Some(cred) = &self.delegation {
            b.extend_from_slice(&1u16.to_le_bytes());
            b.extend_from_slice(&u16::try_from(cred.len()).unwrap_or(u16::MAX).to_le_bytes());
            b.extend_from_slice(cred);
        }
        b.extend_from_slice(&self.extensions);
        Checksum {
            cksumtype: cksum_type::GSSAPI,
            checksum: b.into(),
        }
    }

    /// Decodes the checksum of an authenticator.
    pub(crate) fn from_checksum(c: &Checksum) -> Result<Self, KerberosError> {
        use sesame_asn1::kerberos::constants::error_code::KRB_AP_ERR_INAPP_CKSUM;
        if c.cksumtype != cksum_type::GSSAPI {
            return Err(KerberosError::rejected(
                KRB_AP_ERR_INAPP_CKSUM,
                format!("authenticator checksum type {} is not 0x8003", c.cksumtype),
            ));
        }
        let b: &[u8] = &c.checksum;
        let bad = |why: &str| KerberosError::rejected(KRB_AP_ERR_INAPP_CKSUM, why.to_string());
        let (lgth, rest) = b
            .split_first_chunk::<4>()
            .ok_or_else(|| bad("checksum too short"))?;
        if u32::from_le_bytes(*lgth) != 16 {
            return Err(bad("channel-binding length is not 16"));
        }
        let (bindings, rest) = rest
            .split_first_chunk::<16>()
            .ok_or_else(|| bad("checksum too short"))?;
        let (flags, mut rest) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| bad("checksum too short"))?;
        let flags = u32::from_le_bytes(*flags);
        let mut delegation = None;
        if flags & DELEG_FLAG != 0 {
            let (opt, r) = rest
                .split_first_chunk::<2>()
                .ok_or_else(|| bad("delegation option missing"))?;
            if u16::from_le_bytes(*opt) != 1 {
                return Err(bad("delegation option is not 1"));
            }
            let (len, r) = r
                .split_first_chunk::<2>()
                .ok_or_else(|| bad("delegation length missing"))?;
            let len = usize::from(u16::from_le_bytes(*len));
            let cred = r.get(..len).ok_or_else(|| bad("delegation truncated"))?;
            delegation = Some(cred.to_vec());
            rest = r.get(len..).unwrap_or_default();
        }
        Ok(Self {
            bindings: *bindings,
            flags,
            delegation,
            extensions: rest.to_vec(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code
    use super::*;

    #[test]
    fn round_trip_with_and_without_delegation() {
        let plain = GssChecksum {
            bindings: [7; 16],
            flags: 0x1032,
            delegation: None,
            extensions: Vec::new(),
        };
        let c = plain.to_checksum();
        assert_eq!(c.checksum.len(), 24);
        assert_eq!(&c.checksum[20..24], &0x1032u32.to_le_bytes());
        assert_eq!(GssChecksum::from_checksum(&c).unwrap(), plain);
        let deleg = GssChecksum {
            delegation: Some(vec![0x76, 1, 0]),
            flags: 0x33,
            ..plain
        };
        let c = deleg.to_checksum();
        assert_eq!(&c.checksum[24..28], &[1, 0, 3, 0]);
        assert_eq!(GssChecksum::from_checksum(&c).unwrap(), deleg);
        let mut short = c.clone();
        short.checksum = c.checksum[..26].to_vec().into();
        assert!(GssChecksum::from_checksum(&short).is_err());
    }
}
