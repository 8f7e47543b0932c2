//! What every fuzz target checks: decoding any bytes returns (never panics), and what decodes is
//! canonical — encoding it again gives exactly the input.
#![forbid(unsafe_code)]

use sesame_asn1::Der;

/// Decodes `data` as `T`; when that succeeds, requires the re-encoding to be `data`.
pub fn der<T: Der>(data: &[u8]) {
    if let Ok(value) = T::from_der(data) {
        let again = value.to_der().expect("a decoded value must encode");
        assert_eq!(again, data, "accepted a non-canonical encoding");
    }
}
