//! CHALLENGE_MESSAGE (MS-NLMP 2.2.1.2).

use super::{Builder, Version, read_field, read_u32};
use crate::av_pairs::AvPairs;
use crate::{NegotiateFlags, NtlmError};

/// The server's answer: its challenge, flags and target information.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Challenge {
    /// The target name (UTF-16LE when `UNICODE`).
    pub target_name: Vec<u8>,
    /// Negotiated flags.
    pub flags: NegotiateFlags,
    /// The 8-byte server challenge.
    pub server_challenge: [u8; 8],
    /// Target information (AV pairs).
    pub target_info: AvPairs,
    /// The version, when `VERSION` is set.
    pub version: Option<Version>,
}

impl Challenge {
    /// Parses the message.
    pub fn parse(b: &[u8]) -> Result<Self, NtlmError> {
        if super::message_type(b)? != 2 {
            return Err(NtlmError::UnexpectedMessage { expected: 2 });
        }
        let (target_name, _) = read_field(b, 12, "target name")?;
        let flags = NegotiateFlags(read_u32(b, 20)?);
        let server_challenge: [u8; 8] = b
            .get(24..32)
            .and_then(|s| s.try_into().ok())
            .ok_or(NtlmError::Malformed("server challenge"))?;
        let (info, _) = read_field(b, 40, "target info")?;
        let target_info = if info.is_empty() {
            AvPairs::default()
        } else {
            AvPairs::parse(info)?
        };
        let version = if flags.contains(NegotiateFlags::VERSION) && b.len() >= 56 {
            Some(Version::parse(&b[48..])?)
        } else {
            None
        };
        Ok(Self {
            target_name: target_name.to_vec(),
            flags,
            server_challenge,
            target_info,
            version,
        })
    }

    /// Encodes the message (56 bytes and the payload: target name, target info).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut m = Builder::new(2, 56);
        m.field(&self.target_name);
        m.u32(self.flags.0);
        m.raw(&self.server_challenge);
        m.raw(&[0; 8]);
        m.field(&self.target_info.to_bytes());
        m.raw(&self.version.unwrap_or_default().to_bytes());
        m.finish()
    }
}
