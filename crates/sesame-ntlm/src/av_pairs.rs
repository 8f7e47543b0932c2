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

/// A list of AV pairs, in order, held in its encoded form (without the terminating
/// `MsvAvEOL`): parsing validates and copies once, and the accessors read in place.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AvPairs {
    raw: Vec<u8>,
}

impl AvPairs {
    /// Parses a list terminated by `MsvAvEOL` (bytes after it are ignored, as Windows does).
    pub fn parse(bytes: &[u8]) -> Result<Self, NtlmError> {
        let mut at = 0;
        loop {
            let head = bytes
                .get(at..at + 4)
                .ok_or(NtlmError::Malformed("AV pair header"))?;
            let id = u16::from_le_bytes([head[0], head[1]]);
            let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
            if id == av_id::EOL {
                return Ok(Self {
                    raw: bytes[..at].to_vec(),
                });
            }
            if bytes.len() < at + 4 + len {
                return Err(NtlmError::Malformed("AV pair value"));
            }
            at += 4 + len;
        }
    }

    /// The pairs, in order.
    pub fn iter(&self) -> impl Iterator<Item = (u16, &[u8])> {
        let mut rest = self.raw.as_slice();
        core::iter::from_fn(move || {
            let (head, tail) = rest.split_first_chunk::<4>()?;
            let id = u16::from_le_bytes([head[0], head[1]]);
            let len = usize::from(u16::from_le_bytes([head[2], head[3]]));
            let (value, tail) = tail.split_at_checked(len)?;
            rest = tail;
            Some((id, value))
        })
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The encoded list, with `MsvAvEOL`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.raw.len() + 4);
        out.extend_from_slice(&self.raw);
        out.extend_from_slice(&[0; 4]);
        out
    }

    /// The value of the first pair with `id`.
    pub fn get(&self, id: u16) -> Option<&[u8]> {
        self.iter().find(|(i, _)| *i == id).map(|(_, v)| v)
    }

    /// Sets a pair: replaces the first with `id` in place, or appends one.
    pub fn set(&mut self, id: u16, value: &[u8]) {
        let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
        let value = value.get(..usize::from(len)).unwrap_or(value);
        // Where the first pair with `id` starts, and its value's length.
        let mut at = 0;
        let mut found = None;
        for (i, v) in self.iter() {
            if i == id {
                found = Some((at, v.len()));
                break;
            }
            at += 4 + v.len();
        }
        if let Some((at, old_len)) = found {
            let mut raw = Vec::with_capacity(self.raw.len() + value.len());
            raw.extend_from_slice(&self.raw[..at + 2]);
            raw.extend_from_slice(&len.to_le_bytes());
            raw.extend_from_slice(value);
            raw.extend_from_slice(&self.raw[at + 4 + old_len..]);
            self.raw = raw;
            return;
        }
        self.raw.extend_from_slice(&id.to_le_bytes());
        self.raw.extend_from_slice(&len.to_le_bytes());
        self.raw.extend_from_slice(value);
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
