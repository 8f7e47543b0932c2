//! PAC_ATTRIBUTES_INFO (MS-PAC 2.14): whether the client asked for the PAC.

use crate::PacError;

/// The client asked for a PAC (PA-PAC-REQUEST true).
pub const PAC_WAS_REQUESTED: u32 = 1;
/// The client did not say; the KDC gave one by default.
pub const PAC_WAS_GIVEN_IMPLICITLY: u32 = 2;

/// The attributes buffer (PAC type 17): a count of flag bits, then the bits in 32-bit words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributesInfo {
    /// How many flag bits are defined.
    pub flags_length: u32,
    /// The first word of flags (every flag MS-PAC defines is in it).
    pub flags: u32,
}

impl AttributesInfo {
    /// FlagsLength, then ceil(FlagsLength / 32) words.
    pub fn decode(buffer: &[u8]) -> Result<Self, PacError> {
        let word = |at: usize| {
            buffer
                .get(at..at + 4)
                .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .ok_or(PacError::Truncated("PAC_ATTRIBUTES_INFO"))
        };
        let flags_length = word(0)?;
        let words = usize::try_from(flags_length.div_ceil(32)).unwrap_or(usize::MAX);
        if buffer.len() < 4usize.saturating_add(words.saturating_mul(4)) {
            return Err(PacError::Truncated("PAC_ATTRIBUTES_INFO flags"));
        }
        let flags = if words == 0 { 0 } else { word(4)? };
        Ok(Self {
            flags_length,
            flags,
        })
    }
}
