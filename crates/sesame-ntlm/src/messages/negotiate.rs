//! NEGOTIATE_MESSAGE (MS-NLMP 2.2.1.1).

use super::{Builder, Version, read_field, read_u32};
use crate::{NegotiateFlags, NtlmError};

/// The client's first message: the flags it asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Negotiate {
    /// Requested flags.
    pub flags: NegotiateFlags,
    /// OEM domain name, when `OEM_DOMAIN_SUPPLIED`.
    pub domain: Vec<u8>,
    /// OEM workstation name, when `OEM_WORKSTATION_SUPPLIED`.
    pub workstation: Vec<u8>,
    /// The version, when `VERSION` is set and the message is long enough.
    pub version: Option<Version>,
}

impl Negotiate {
    /// Parses the message. A 32-byte NEGOTIATE without the version field (as curl sends) is
    /// accepted.
    pub fn parse(b: &[u8]) -> Result<Self, NtlmError> {
        if super::message_type(b)? != 1 {
            return Err(NtlmError::UnexpectedMessage { expected: 1 });
        }
        let flags = NegotiateFlags(read_u32(b, 12)?);
        let (domain, _) = read_field(b, 16, "domain")?;
        let (workstation, _) = read_field(b, 24, "workstation")?;
        let version = if flags.contains(NegotiateFlags::VERSION) && b.len() >= 40 {
            Some(Version::parse(&b[32..])?)
        } else {
            None
        };
        Ok(Self {
            flags,
            domain: domain.to_vec(),
            workstation: workstation.to_vec(),
            version,
        })
    }

    /// Encodes the message (40 bytes and the payload).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut m = Builder::new(1, 40);
        m.u32(self.flags.0);
        m.optional_field(&self.domain);
        m.optional_field(&self.workstation);
        m.raw(&self.version.unwrap_or_default().to_bytes());
        m.finish()
    }
}
