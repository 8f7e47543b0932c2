//! The few DER primitives needed by hand, for framings whose inner bytes are not a TLV
//! (RFC 2743 3.1) or that carry a length prefix.

use crate::Error;

/// Appends the DER definite length `len` (X.690 8.1.3, minimal form).
pub(crate) fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or(0));
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    out.push(0x80 | u8::try_from(significant.len()).unwrap_or(0));
    out.extend_from_slice(significant);
}

/// Reads a DER definite length at the start of `input`; returns it and the rest of the input.
/// Indefinite and non-minimal lengths are rejected, as DER requires.
pub(crate) fn read_len(input: &[u8]) -> Result<(usize, &[u8]), Error> {
    let (&first, rest) = input.split_first().ok_or(Error::Truncated("length"))?;
    if first < 0x80 {
        return Ok((usize::from(first), rest));
    }
    let count = usize::from(first & 0x7f);
    if count == 0 {
        return Err(Error::Malformed("indefinite length is not DER"));
    }
    if count > core::mem::size_of::<usize>() {
        return Err(Error::Malformed("length too large"));
    }
    let (len_bytes, rest) = rest
        .split_at_checked(count)
        .ok_or(Error::Truncated("length"))?;
    if len_bytes.first() == Some(&0) {
        return Err(Error::Malformed("non-minimal length"));
    }
    let len = len_bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    if len < 0x80 {
        return Err(Error::Malformed("non-minimal length"));
    }
    Ok((len, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip() {
        for len in [0, 1, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x1_0000, 0x12_3456] {
            let mut out = Vec::new();
            push_len(&mut out, len);
            out.push(0xaa);
            let (got, rest) = read_len(&out).unwrap();
            assert_eq!((got, rest), (len, &[0xaa][..]), "{len:#x}");
        }
    }

    #[test]
    fn rejects_non_der_lengths() {
        assert!(read_len(&[0x80]).is_err());
        assert!(read_len(&[0x81, 0x7f]).is_err());
        assert!(read_len(&[0x82, 0x00, 0x80]).is_err());
        assert!(read_len(&[0x82, 0x01]).is_err());
        assert!(read_len(&[]).is_err());
        assert!(read_len(&[0x89, 1, 1, 1, 1, 1, 1, 1, 1, 1]).is_err());
    }
}
