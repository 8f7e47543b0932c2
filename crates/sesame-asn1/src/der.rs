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

/// How deep [`check_structure`] follows nested TLVs; far beyond any Kerberos or SPNEGO message.
const MAX_DEPTH: usize = 64;

/// Checks the TLV structure of `input` against the rules every schema of this crate shares, before
/// rasn decodes it: one value spanning the input, DER lengths, and every context or application
/// tag *constructed*, wrapping exactly one value (all our modules are `EXPLICIT TAGS`; rasn
/// would also take a primitive `[1]` and decode its content). Universal SEQUENCE and SET must be
/// constructed and every other universal type primitive, as DER requires (X.690 10.2). Contents
/// of primitive values (OCTET STRINGs carrying nested messages among them) are not looked into.
pub(crate) fn check_structure(input: &[u8]) -> Result<(), Error> {
    let rest = check_tlv(input, 0)?;
    if rest.is_empty() {
        Ok(())
    } else {
        Err(Error::Malformed("bytes after the value"))
    }
}

/// Checks the first TLV of `input` as [`check_structure`] does; returns what follows it.
pub(crate) fn check_one(input: &[u8]) -> Result<&[u8], Error> {
    check_tlv(input, 0)
}

/// Checks one TLV at the start of `input`; returns what follows it.
fn check_tlv(input: &[u8], depth: usize) -> Result<&[u8], Error> {
    if depth > MAX_DEPTH {
        return Err(Error::Malformed("nested too deeply"));
    }
    let (&tag, rest) = input.split_first().ok_or(Error::Truncated("tag"))?;
    if tag & 0x1f == 0x1f {
        return Err(Error::Malformed(
            "high tag numbers are not used by any message",
        ));
    }
    let (len, rest) = read_len(rest)?;
    let (content, after) = rest
        .split_at_checked(len)
        .ok_or(Error::Truncated("value"))?;
    let constructed = tag & 0x20 != 0;
    let universal = tag & 0xc0 == 0;
    let number = tag & 0x1f;
    if universal {
        let must_construct = number == 16 || number == 17;
        if constructed != must_construct {
            return Err(Error::Malformed(
                "constructed bit wrong for a universal type",
            ));
        }
        check_primitive(number, content)?;
        if constructed {
            let mut items = content;
            while !items.is_empty() {
                items = check_tlv(items, depth + 1)?;
            }
        }
    } else {
        if !constructed {
            return Err(Error::Malformed("an explicit tag must be constructed"));
        }
        if !check_tlv(content, depth + 1)?.is_empty() {
            return Err(Error::Malformed("an explicit tag wraps exactly one value"));
        }
    }
    Ok(after)
}

/// The DER rules for the content of the primitive universal types that rasn's DER decoder does
/// not enforce itself (X.690 8.2.2, 8.3.2, 8.6.2, 11.1, 11.2).
fn check_primitive(number: u8, content: &[u8]) -> Result<(), Error> {
    match (number, content) {
        // BOOLEAN: one byte, 0x00 or 0xFF.
        (1, [0x00 | 0xff]) => Ok(()),
        (1, _) => Err(Error::Malformed("BOOLEAN must be one byte 00 or FF")),
        // INTEGER and ENUMERATED: minimal two's complement.
        (2 | 10, []) => Err(Error::Malformed("empty INTEGER")),
        (2 | 10, [0x00, next, ..]) if *next < 0x80 => Err(Error::Malformed("non-minimal INTEGER")),
        (2 | 10, [0xff, next, ..]) if *next >= 0x80 => Err(Error::Malformed("non-minimal INTEGER")),
        // BIT STRING: unused-bit count 0..7, zero for an empty string, unused bits clear.
        (3, [unused, bits @ ..]) => {
            let last = bits.last().copied().unwrap_or(0);
            if *unused > 7 || (bits.is_empty() && *unused != 0) || last & ((1u8 << unused) - 1) != 0
            {
                Err(Error::Malformed("BIT STRING not in DER form"))
            } else {
                Ok(())
            }
        }
        (3, []) => Err(Error::Malformed("empty BIT STRING")),
        // OBJECT IDENTIFIER: subidentifiers in minimal base 128, the last one complete.
        (6, _) => {
            let starts_padded = content.iter().enumerate().any(|(i, b)| {
                *b == 0x80 && (i == 0 || content.get(i - 1).is_some_and(|p| p & 0x80 == 0))
            });
            if content.is_empty() || starts_padded || content.last().is_some_and(|b| b & 0x80 != 0)
            {
                Err(Error::Malformed("OBJECT IDENTIFIER not in DER form"))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_rules() {
        // [1] { INTEGER 5 } is fine; a primitive [1] with the same content is not.
        assert!(check_structure(&[0xa1, 0x03, 0x02, 0x01, 0x05]).is_ok());
        assert!(check_structure(&[0x81, 0x03, 0x02, 0x01, 0x05]).is_err());
        // An explicit tag with two values inside.
        assert!(check_structure(&[0xa1, 0x06, 0x02, 0x01, 0x05, 0x02, 0x01, 0x05]).is_err());
        // A constructed OCTET STRING (BER, not DER) and a primitive SEQUENCE.
        assert!(check_structure(&[0x24, 0x03, 0x04, 0x01, 0x00]).is_err());
        assert!(check_structure(&[0x10, 0x00]).is_err());
        // Trailing bytes, truncation, deep nesting.
        assert!(check_structure(&[0x30, 0x00, 0x00]).is_err());
        assert!(check_structure(&[0x30, 0x02, 0x30]).is_err());
        let mut deep = vec![0x04, 0x00];
        for _ in 0..100 {
            let mut outer = vec![0x30];
            push_len(&mut outer, deep.len());
            outer.extend(deep);
            deep = outer;
        }
        assert!(check_structure(&deep).is_err());
    }

    #[test]
    fn primitive_rules() {
        assert!(check_structure(&[0x02, 0x02, 0x00, 0x95]).is_ok());
        assert!(check_structure(&[0x02, 0x02, 0x00, 0x05]).is_err());
        assert!(check_structure(&[0x02, 0x02, 0xff, 0x85]).is_err());
        assert!(check_structure(&[0x02, 0x00]).is_err());
        assert!(check_structure(&[0x01, 0x01, 0x01]).is_err());
        assert!(check_structure(&[0x01, 0x01, 0xff]).is_ok());
        assert!(check_structure(&[0x03, 0x02, 0x01, 0x80]).is_ok());
        assert!(check_structure(&[0x03, 0x02, 0x01, 0x81]).is_err());
        assert!(check_structure(&[0x03, 0x01, 0x01]).is_err());
        assert!(check_structure(&[0x03, 0x02, 0x08, 0x00]).is_err());
        assert!(check_structure(&[0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02]).is_ok());
        assert!(check_structure(&[0x06, 0x07, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x80, 0x02]).is_err());
        assert!(check_structure(&[0x06, 0x02, 0x2b, 0x86]).is_err());
        assert!(check_structure(&[0x06, 0x00]).is_err());
    }

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
