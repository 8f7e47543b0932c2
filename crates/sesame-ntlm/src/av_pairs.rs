//! AV pairs: the target information of CHALLENGE and NTLMv2 responses (MS-NLMP 2.2.2.1).

use crate::NtlmError;

/// `AvId` values (MS-NLMP 2.2.2.1).
pub mod av_id {
    /// End of the list.
    pub const EOL: u16 = 0;
    /// NetBIOS computer name.
    pub const NB_COMPUTER_NAME: u16 = 1;
    /// NetBIOS domain name.
    pub const NB_DOMAIN_NAME: u16 = 2;
    /// DNS computer name.
    pub const DNS_COMPUTER_NAME: u16 = 3;
    /// DNS domain name.
    pub const DNS_DOMAIN_NAME: u16 = 4;
    /// DNS tree name.
    pub const DNS_TREE_NAME: u16 = 5;
    /// Flags (0x2: the AUTHENTICATE carries a MIC).
    pub const FLAGS: u16 = 6;
    /// FILETIME of the server.
    pub const TIMESTAMP: u16 = 7;
    /// Single-host data.
    pub const SINGLE_HOST: u16 = 8;
    /// The SPN the client authenticates to (UTF-16LE).
    pub const TARGET_NAME: u16 = 9;
    /// MD5 of the channel bindings.
    pub const CHANNEL_BINDINGS: u16 = 10;
}

/// `MsvAvFlags` bit: the AUTHENTICATE message carries a MIC.
pub const MSV_AV_FLAG_MIC: u32 = 0x2;

/// A list of AV pairs, in order, without the terminating `MsvAvEOL`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvPairs(pub Vec<(u16, Vec<u8>)>);

impl AvPairs {
    /// Parses a list terminated by `MsvAvEOL` (bytes after it are ignored, as Windows does).
    pub fn parse(mut bytes: &[u8]) -> Result<Self, NtlmError> {
        let mut pairs = Vec::new();
        loop {
            let (head, rest) = bytes
                .split_first_chunk::<4>()
                .ok_or(NtlmError::Malformed("AV pair header"))?;
            let id = u16::from_le_bytes([head[0], head[1]]);
            let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
            if id == av_id::EOL {
                return Ok(Self(pairs));
            }
            let (value, rest) = rest
                .split_at_checked(len)
                .ok_or(NtlmError::Malformed("AV pair value"))?;
            pairs.push((id, value.to_vec()));
            bytes = rest;
        }
    }

    /// The encoded list, with `MsvAvEOL`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (id, value) in &self.0 {
            out.extend_from_slice(&id.to_le_bytes());
            out.extend_from_slice(&u16::try_from(value.len()).unwrap_or(u16::MAX).to_le_bytes());
            out.extend_from_slice(value);
        }
        out.extend_from_slice(&[0; 4]);
        out
    }

    /// The value of the first pair with `id`.
    pub fn get(&self, id: u16) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| v.as_slice())
    }

    /// Sets (replaces or appends) a pair.
    pub fn set(&mut self, id: u16, value: Vec<u8>) {
        match self.0.iter_mut().find(|(i, _)| *i == id) {
            Some(pair) => pair.1 = value,
            None => self.0.push((id, value)),
        }
    }

    /// `MsvAvTimestamp` as a FILETIME.
    pub fn timestamp(&self) -> Option<u64> {
        self.get(av_id::TIMESTAMP)
            .and_then(|v| v.try_into().ok())
            .map(u64::from_le_bytes)
    }

    /// `MsvAvFlags`.
    pub fn flags(&self) -> u32 {
        self.get(av_id::FLAGS)
            .and_then(|v| v.try_into().ok())
            .map_or(0, u32::from_le_bytes)
    }

    /// A UTF-16LE value as a string.
    pub fn string(&self, id: u16) -> Option<String> {
        self.get(id).map(crate::messages::from_utf16le)
    }
}
