//! Decoding never panics: every truncated prefix and every one-byte mutation of every
//! third-party vector gives a value or an error. Whatever decodes must also be canonical:
//! encoding it again gives the input back, so a mutated message cannot be accepted in one form
//! and forwarded in another.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code

mod common;

use sesame_asn1::message::AnyMessage;

fn check(name: &str, input: &[u8]) {
    if let Ok(m) = AnyMessage::decode(input) {
        let again = m
            .encode()
            .unwrap_or_else(|e| panic!("{name}: decoded but cannot encode: {e}"));
        assert_eq!(
            again,
            input,
            "{name}: accepted a non-canonical encoding of {}",
            m.kind()
        );
    }
}

#[test]
fn every_truncated_prefix() {
    for v in common::all() {
        for len in 0..v.bytes.len() {
            let prefix = &v.bytes[..len];
            assert!(
                AnyMessage::decode(prefix).is_err() || prefix.starts_with(b"NTLMSSP\0"),
                "{}: a {len}-byte prefix decoded",
                v.name
            );
        }
    }
}

#[test]
fn every_one_byte_mutation() {
    let mut tried = 0u64;
    for v in common::all() {
        let mut bytes = v.bytes.clone();
        for pos in 0..bytes.len() {
            let original = bytes[pos];
            for value in 0..=255u8 {
                if value != original {
                    bytes[pos] = value;
                    check(v.name, &bytes);
                    tried += 1;
                }
            }
            bytes[pos] = original;
        }
    }
    assert!(tried > 1_000_000, "only {tried} mutations");
}

#[test]
fn appended_bytes_are_refused() {
    for v in common::all() {
        let mut bytes = v.bytes.clone();
        bytes.push(0);
        assert!(AnyMessage::decode(&bytes).is_err(), "{}", v.name);
    }
}
