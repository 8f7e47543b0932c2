//! The kpasswd frame (RFC 3244 2): lengths as announced, nothing more, nothing less.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use proptest::prelude::*;
use sesame_asn1::kpasswd::{AdPasswordPolicy, KpasswdMessage, KpasswdResult, result_code};

#[test]
fn a_frame_is_length_version_ap_length_ap_body() {
    let m = KpasswdMessage {
        version: 0xff80,
        ap: vec![0x6e, 1, 2],
        body: vec![0x75, 9],
    };
    let bytes = m.encode().unwrap();
    assert_eq!(bytes, [0, 11, 0xff, 0x80, 0, 3, 0x6e, 1, 2, 0x75, 9]);
    assert_eq!(KpasswdMessage::parse(&bytes).unwrap(), m);
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(KpasswdMessage::parse(&longer).is_err(), "trailing byte");
    assert!(KpasswdMessage::parse(&bytes[..10]).is_err(), "truncated");
    let mut no_body = bytes[..9].to_vec();
    no_body[1] = 9;
    assert!(KpasswdMessage::parse(&no_body).is_err(), "no KRB-PRIV");
}

#[test]
fn result_text_and_policy() {
    let r = KpasswdResult::parse(b"\x00\x04Password too short\x00").unwrap();
    assert_eq!(r.code, result_code::SOFTERROR);
    assert_eq!(r.message().as_deref(), Some("Password too short"));
    assert_eq!(result_code::name(r.code), Some("KRB5_KPASSWD_SOFTERROR"));
    let mut block = vec![0, 4, 0, 0];
    block.extend_from_slice(&[0, 0, 0, 7, 0, 0, 0, 24, 0, 0, 0, 1]);
    block.extend_from_slice(&[0; 16]);
    let r = KpasswdResult::parse(&block).unwrap();
    let p = r.policy().unwrap();
    assert_eq!(
        (p.min_length, p.history, p.properties),
        (7, 24, AdPasswordPolicy::COMPLEX)
    );
    assert!(r.message().is_none());
    assert!(KpasswdResult::parse(b"\x00").is_err());
}

proptest! {
    #[test]
    fn any_bytes_parse_or_fail_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(m) = KpasswdMessage::parse(&bytes) {
            prop_assert_eq!(&m.encode().unwrap(), &bytes);
        }
        let _ = KpasswdResult::parse(&bytes).map(|r| (r.message(), r.policy()));
    }
}
