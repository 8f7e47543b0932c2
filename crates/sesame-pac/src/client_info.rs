//! PAC_CLIENT_INFO (MS-PAC 2.7): the client's name and the ticket's authtime, which an
//! acceptor compares with the ticket so that a PAC cannot be moved to another client's ticket.

use crate::ndr::utf16le;
use crate::{FileTime, PacError};

/// The client information buffer (PAC type 10).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientInfo {
    /// The ticket's authtime, as a FILETIME.
    pub client_id: FileTime,
    /// The client's name, without its realm.
    pub name: String,
}

impl ClientInfo {
    /// ClientId (8 bytes), NameLength (2, in bytes), Name (UTF-16LE).
    pub fn decode(buffer: &[u8]) -> Result<Self, PacError> {
        let (id, rest) = buffer
            .split_first_chunk::<8>()
            .ok_or(PacError::Truncated("PAC_CLIENT_INFO"))?;
        let (length, rest) = rest
            .split_first_chunk::<2>()
            .ok_or(PacError::Truncated("PAC_CLIENT_INFO"))?;
        let name = rest
            .get(..usize::from(u16::from_le_bytes(*length)))
            .ok_or(PacError::Truncated("PAC_CLIENT_INFO name"))?;
        Ok(Self {
            client_id: FileTime(u64::from_le_bytes(*id)),
            name: utf16le(name)?,
        })
    }

    /// The buffer's bytes (for KDCs that issue PACs, and tests).
    pub fn encode(&self) -> Vec<u8> {
        let name: Vec<u8> = self
            .name
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let mut out = self.client_id.0.to_le_bytes().to_vec();
        out.extend_from_slice(&u16::try_from(name.len()).unwrap_or(u16::MAX).to_le_bytes());
        out.extend_from_slice(&name);
        out
    }
}
