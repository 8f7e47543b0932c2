//! A reader for the NDR (DCE 1.1 RPC, chapter 14; MS-RPCE 2.2.6) that the PAC's logon info is
//! written in: little-endian primitives aligned to their size, unique pointers as referent IDs
//! whose pointees follow the structure that holds them, conformant and varying arrays with their
//! counts in front. Every count is checked against the bytes that remain before anything is
//! allocated, so no input can make it read out of bounds or reserve more than the input's size.

use crate::PacError;

/// A cursor over one NDR stream; alignment is relative to the stream's start.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, pos: 0 }
    }

    /// Reads the type serialization version 1 headers (MS-RPCE 2.2.6.1, 2.2.6.2): version 1,
    /// little-endian, an 8-byte common header, then the object's length; the stream that
    /// follows is cut to that length.
    pub(crate) fn serialized(bytes: &'a [u8]) -> Result<Self, PacError> {
        let mut header = Reader::new(bytes);
        let version = header.u8()?;
        let endianness = header.u8()?;
        let common_length = header.u16()?;
        let _filler = header.u32()?;
        if version != 1 || endianness != 0x10 || common_length != 8 {
            return Err(PacError::Invalid(
                "NDR type serialization header is not version 1, little-endian",
            ));
        }
        let length = usize::try_from(header.u32()?).map_err(|_| PacError::Truncated("NDR"))?;
        let _filler = header.u32()?;
        let body = bytes
            .get(16..)
            .and_then(|b| b.get(..length))
            .ok_or(PacError::Truncated("NDR object"))?;
        Ok(Reader::new(body))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], PacError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or(PacError::Truncated("NDR"))?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    /// Skips to the next multiple of `n`.
    pub(crate) fn align(&mut self, n: usize) -> Result<(), PacError> {
        let pad = self.pos.next_multiple_of(n) - self.pos;
        self.take(pad).map(|_| ())
    }

    pub(crate) fn bytes(&mut self, n: usize) -> Result<&'a [u8], PacError> {
        self.take(n)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, PacError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, PacError> {
        self.align(2)?;
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, PacError> {
        self.align(4)?;
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A FILETIME: a structure of two 32-bit halves, low first (so aligned to 4, not 8).
    pub(crate) fn filetime(&mut self) -> Result<u64, PacError> {
        let low = self.u32()?;
        let high = self.u32()?;
        Ok(u64::from(high) << 32 | u64::from(low))
    }

    /// A unique or full pointer's referent ID: whether a pointee follows later.
    pub(crate) fn pointer(&mut self) -> Result<bool, PacError> {
        Ok(self.u32()? != 0)
    }

    /// A conformant array's maximum count, checked against the bytes left for elements of
    /// `element_size` bytes each.
    pub(crate) fn count(&mut self, element_size: usize) -> Result<usize, PacError> {
        let count = usize::try_from(self.u32()?).map_err(|_| PacError::Truncated("NDR"))?;
        if count.saturating_mul(element_size) > self.bytes.len() - self.pos {
            return Err(PacError::Truncated("NDR array"));
        }
        Ok(count)
    }

    /// An RPC_UNICODE_STRING's header (MS-DTYP 2.3.10): its length in bytes and whether its
    /// buffer follows; the buffer itself is read by [`Reader::unicode_buffer`].
    pub(crate) fn unicode_header(&mut self) -> Result<UnicodeHeader, PacError> {
        let length = self.u16()?;
        let maximum = self.u16()?;
        let present = self.pointer()?;
        if length > maximum || !length.is_multiple_of(2) {
            return Err(PacError::Invalid("RPC_UNICODE_STRING length"));
        }
        Ok(UnicodeHeader { length, present })
    }

    /// The deferred buffer of an RPC_UNICODE_STRING: a conformant varying array of UTF-16
    /// code units (maximum count, offset 0, actual count) whose actual count is the header's
    /// length in code units.
    pub(crate) fn unicode_buffer(&mut self, header: UnicodeHeader) -> Result<String, PacError> {
        if !header.present {
            return Ok(String::new());
        }
        let maximum = self.count(0)?;
        let offset = self.u32()?;
        let actual = self.count(2)?;
        if offset != 0 || actual > maximum || actual * 2 != usize::from(header.length) {
            return Err(PacError::Invalid("RPC_UNICODE_STRING buffer counts"));
        }
        let units = self.take(actual * 2)?;
        utf16le(units)
    }

    /// An RPC_SID (MS-DTYP 2.4.2.3) as the pointee of a PISID: the conformant count of
    /// sub-authorities first, then the SID.
    pub(crate) fn sid(&mut self) -> Result<crate::Sid, PacError> {
        let conformance = self.count(4)?;
        let revision = self.u8()?;
        let count = self.u8()?;
        if usize::from(count) != conformance {
            return Err(PacError::Invalid(
                "RPC_SID count differs from its conformance",
            ));
        }
        let authority: [u8; 6] = self
            .take(6)?
            .try_into()
            .map_err(|_| PacError::Truncated("SID"))?;
        let mut sub_authorities = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            sub_authorities.push(self.u32()?);
        }
        crate::Sid::new(revision, authority, sub_authorities)
    }
}

/// What an RPC_UNICODE_STRING's fixed part says about its deferred buffer.
#[derive(Clone, Copy)]
pub(crate) struct UnicodeHeader {
    length: u16,
    present: bool,
}

/// UTF-16LE code units to a string; unpaired surrogates are an error.
pub(crate) fn utf16le(bytes: &[u8]) -> Result<String, PacError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(PacError::Invalid("UTF-16 string of odd length"));
    }
    char::decode_utf16(
        bytes
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]])),
    )
    .collect::<Result<String, _>>()
    .map_err(|_| PacError::Invalid("UTF-16 string with an unpaired surrogate"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn primitives_align_to_their_size() {
        let bytes = [1, 0, 2, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0];
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8().unwrap(), 1);
        assert_eq!(r.u16().unwrap(), 2);
        assert_eq!(r.u32().unwrap(), 3);
        assert_eq!(r.filetime().unwrap(), 5 << 32 | 4);
        assert!(matches!(r.u8(), Err(PacError::Truncated(_))));
    }

    #[test]
    fn a_count_beyond_the_input_is_refused_before_allocating() {
        let mut r = Reader::new(&[0xff, 0xff, 0xff, 0x0f, 0, 0, 0, 0]);
        assert!(matches!(r.count(8), Err(PacError::Truncated(_))));
    }

    #[test]
    fn unicode_string_counts_must_agree_with_the_header() {
        // Length 6, maximum 8, a pointer; then maximum 4, offset 0, actual 3, "DC1".
        let mut good = vec![6, 0, 8, 0, 0, 0, 2, 0];
        good.extend([
            4, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, b'D', 0, b'C', 0, b'1', 0,
        ]);
        let mut r = Reader::new(&good);
        let header = r.unicode_header().unwrap();
        assert_eq!(r.unicode_buffer(header).unwrap(), "DC1");
        let mut bad = good.clone();
        bad[16] = 2; // actual count 2 with a length of 3 units
        let mut r = Reader::new(&bad);
        let header = r.unicode_header().unwrap();
        assert!(matches!(
            r.unicode_buffer(header),
            Err(PacError::Invalid(_))
        ));
    }
}
