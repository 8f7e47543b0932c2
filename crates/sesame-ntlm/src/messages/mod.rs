//! The three NTLM messages (MS-NLMP 2.2.1) and the pieces they share.
//!
//! A message is `NTLMSSP\0`, a 32-bit type, fixed fields, and a payload that the fixed fields
//! point into with (length, allocated length, offset) triples. Parsing checks every pointer
//! against the message; encoding lays the payload out in Windows' order.

pub(crate) mod authenticate;
mod challenge;
mod negotiate;

pub use authenticate::Authenticate;
pub use challenge::Challenge;
pub use negotiate::Negotiate;

use crate::NtlmError;

/// `NTLMSSP\0`.
pub const SIGNATURE: &[u8; 8] = b"NTLMSSP\0";

/// The message type of `bytes`: 1 NEGOTIATE, 2 CHALLENGE, 3 AUTHENTICATE.
pub fn message_type(bytes: &[u8]) -> Result<u32, NtlmError> {
    if !bytes.starts_with(SIGNATURE) {
        return Err(NtlmError::NotNtlm);
    }
    read_u32(bytes, 8)
}

/// The VERSION structure (MS-NLMP 2.2.2.10): product major, minor, build, NTLM revision.
/// The default is all zero: what the field holds when no version is sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Version {
    /// Product major version.
    pub major: u8,
    /// Product minor version.
    pub minor: u8,
    /// Product build.
    pub build: u16,
    /// NTLM revision (15 for NTLMSSP_REVISION_W2K3).
    pub revision: u8,
}

impl Version {
    /// What Sesame sends: Windows 10 numbering as most peers expect, revision 15.
    pub const SESAME: Self = Self {
        major: 10,
        minor: 0,
        build: 19041,
        revision: 15,
    };

    pub(crate) fn parse(b: &[u8]) -> Result<Self, NtlmError> {
        let v: &[u8; 8] = b
            .get(..8)
            .and_then(|s| s.try_into().ok())
            .ok_or(NtlmError::Malformed("version"))?;
        Ok(Self {
            major: v[0],
            minor: v[1],
            build: u16::from_le_bytes([v[2], v[3]]),
            revision: v[7],
        })
    }

    pub(crate) fn to_bytes(self) -> [u8; 8] {
        let b = self.build.to_le_bytes();
        [self.major, self.minor, b[0], b[1], 0, 0, 0, self.revision]
    }
}

pub(crate) fn read_u16(b: &[u8], at: usize) -> Result<u16, NtlmError> {
    b.get(at..at + 2)
        .and_then(|s| s.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or(NtlmError::Malformed("truncated fixed fields"))
}

pub(crate) fn read_u32(b: &[u8], at: usize) -> Result<u32, NtlmError> {
    b.get(at..at + 4)
        .and_then(|s| s.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or(NtlmError::Malformed("truncated fixed fields"))
}

/// The payload a (length, allocated, offset) triple at `at` points to; also returns its offset.
pub(crate) fn read_field<'a>(
    b: &'a [u8],
    at: usize,
    what: &'static str,
) -> Result<(&'a [u8], usize), NtlmError> {
    let len = usize::from(read_u16(b, at)?);
    let offset = usize::try_from(read_u32(b, at + 4)?).map_err(|_| NtlmError::Malformed(what))?;
    if len == 0 {
        return Ok((&[], offset));
    }
    let end = offset.checked_add(len).ok_or(NtlmError::Malformed(what))?;
    b.get(offset..end)
        .map(|v| (v, offset))
        .ok_or(NtlmError::Malformed(what))
}

/// Builds a message: fixed part, then payload fields appended in the order they are added.
pub(crate) struct Builder {
    fixed: Vec<u8>,
    payload: Vec<u8>,
    payload_start: usize,
}

impl Builder {
    /// `fixed_len` is the size of everything before the payload (header, fields, version, MIC).
    pub(crate) fn new(message_type: u32, fixed_len: usize) -> Self {
        let mut fixed = Vec::with_capacity(fixed_len);
        fixed.extend_from_slice(SIGNATURE);
        fixed.extend_from_slice(&message_type.to_le_bytes());
        Self {
            fixed,
            payload: Vec::new(),
            payload_start: fixed_len,
        }
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.fixed.extend_from_slice(&v.to_le_bytes());
    }

    pub(crate) fn raw(&mut self, b: &[u8]) {
        self.fixed.extend_from_slice(b);
    }

    /// A field triple for `value`, whose bytes go to the payload.
    pub(crate) fn field(&mut self, value: &[u8]) {
        let len = u16::try_from(value.len()).unwrap_or(u16::MAX);
        let offset = u32::try_from(self.payload_start + self.payload.len()).unwrap_or(u32::MAX);
        self.fixed.extend_from_slice(&len.to_le_bytes());
        self.fixed.extend_from_slice(&len.to_le_bytes());
        self.fixed.extend_from_slice(&offset.to_le_bytes());
        self.payload.extend_from_slice(value);
    }

    /// A field triple for an optional `value`: all zero when it is empty, as Windows writes the
    /// domain and workstation fields of a NEGOTIATE that supplies neither.
    pub(crate) fn optional_field(&mut self, value: &[u8]) {
        if value.is_empty() {
            self.fixed.extend_from_slice(&[0; 8]);
        } else {
            self.field(value);
        }
    }

    /// A field triple pointing at payload bytes added later with [`Builder::payload`].
    pub(crate) fn field_at(&mut self, len: usize, payload_offset: usize) {
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        let offset = u32::try_from(self.payload_start + payload_offset).unwrap_or(u32::MAX);
        self.fixed.extend_from_slice(&len.to_le_bytes());
        self.fixed.extend_from_slice(&len.to_le_bytes());
        self.fixed.extend_from_slice(&offset.to_le_bytes());
    }

    pub(crate) fn payload(&mut self, b: &[u8]) {
        self.payload.extend_from_slice(b);
    }

    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.fixed.resize(self.payload_start, 0);
        self.fixed.extend_from_slice(&self.payload);
        self.fixed
    }
}

/// UTF-16LE bytes of a string.
pub fn to_utf16le(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len() * 2);
    for unit in s.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    out
}

/// A string from UTF-16LE bytes (lossy: unpaired surrogates become U+FFFD).
pub fn from_utf16le(b: &[u8]) -> String {
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}
