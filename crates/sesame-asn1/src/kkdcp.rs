//! The Kerberos KDC proxy message (MS-KKDCP 2.2.2).

use rasn::prelude::*;

use crate::Error;
use crate::kerberos::KerberosString;

/// `KDC-PROXY-MESSAGE ::= SEQUENCE { kerb-message [0] OCTET STRING, target-domain [1] KERB-REALM
/// OPTIONAL, dclocator-hint [2] INTEGER OPTIONAL }` (MS-KKDCP 2.2.2), sent in the body of an HTTPS
/// POST to the proxy and returned in its answer.
///
/// `kerb_message` holds the Kerberos message *with* the 4-byte big-endian length prefix of the
/// TCP transport (RFC 4120 7.2.2); [`KdcProxyMessage::new`] and
/// [`KdcProxyMessage::kdc_message`] add and remove it.
#[derive(AsnType, Encode, Decode, Clone, Debug, PartialEq, Eq)]
pub struct KdcProxyMessage {
    /// The length-prefixed Kerberos message.
    #[rasn(tag(explicit(0)))]
    pub kerb_message: OctetString,
    /// The realm of the KDC to reach (required in requests, MS-KKDCP 3.2.5.1).
    #[rasn(tag(explicit(1)))]
    pub target_domain: Option<KerberosString>,
    /// DC locator flags (MS-KKDCP 2.2.2), unused by MIT.
    #[rasn(tag(explicit(2)))]
    pub dclocator_hint: Option<i32>,
}

impl KdcProxyMessage {
    /// Wraps a KDC request (AS-REQ or TGS-REQ DER) for the realm `target_domain`.
    pub fn new(kdc_message: &[u8], target_domain: Option<&str>) -> Result<Self, Error> {
        let len = u32::try_from(kdc_message.len())
            .map_err(|_| Error::Malformed("Kerberos message longer than 4 GiB"))?;
        let mut framed = Vec::with_capacity(kdc_message.len() + 4);
        framed.extend_from_slice(&len.to_be_bytes());
        framed.extend_from_slice(kdc_message);
        Ok(Self {
            kerb_message: framed.into(),
            target_domain: target_domain.map(KerberosString::from),
            dclocator_hint: None,
        })
    }

    /// The Kerberos message without its length prefix; the prefix must match the length.
    pub fn kdc_message(&self) -> Result<&[u8], Error> {
        let (len, msg) = self
            .kerb_message
            .split_first_chunk::<4>()
            .ok_or(Error::Truncated("KDC proxy length prefix"))?;
        if usize::try_from(u32::from_be_bytes(*len)).ok() != Some(msg.len()) {
            return Err(Error::Malformed(
                "KDC proxy length prefix does not match the message",
            ));
        }
        Ok(msg)
    }
}
