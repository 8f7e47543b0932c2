//! Channel bindings against values that pyspnego and python-cryptography computed
//! (tests/vectors/README.md).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code

use sesame_gss::{ChannelBindings, MajorStatus};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn tls_server_end_point_per_signature_algorithm() {
    for (cert, hash_len, md5) in [
        (
            &include_bytes!("vectors/rsa_sha256.der")[..],
            32,
            "a3979efd53cb293d1ffbb0dafa4258fb",
        ),
        (
            include_bytes!("vectors/rsa_sha1.der"),
            32,
            "e1cb3cc32437323c1f0a89b639f82127",
        ),
        (
            include_bytes!("vectors/ecdsa_sha384.der"),
            48,
            "11f00544c791ce91d0b524ce12da9263",
        ),
        (
            include_bytes!("vectors/rsa_pss_sha512.der"),
            64,
            "3179c21face27435e8098405e1bed7f8",
        ),
        (
            include_bytes!("vectors/ed25519.der"),
            32,
            "c178128b7ecc51fad50898efa0234028",
        ),
    ] {
        let cb = ChannelBindings::tls_server_end_point(cert).unwrap();
        assert!(cb.application_data.starts_with(b"tls-server-end-point:"));
        assert_eq!(cb.application_data.len(), 21 + hash_len, "{md5}");
        assert_eq!(hex(&cb.md5()), md5);
    }
}

#[test]
fn flattened_structure_matches_pyspnego() {
    let cb = ChannelBindings {
        initiator_addrtype: 2,
        initiator_address: vec![127, 0, 0, 1],
        acceptor_addrtype: 2,
        acceptor_address: vec![127, 0, 0, 2],
        application_data: b"app".to_vec(),
    };
    assert_eq!(
        hex(&cb.flatten()),
        "02000000040000007f00000102000000040000007f00000203000000617070"
    );
    assert_eq!(hex(&cb.md5()), "de5afc77ba8d0d5f509a8d5aa24bbe77");
}

#[test]
fn a_non_certificate_is_a_bad_bindings_error() {
    let e = ChannelBindings::tls_server_end_point(b"\x30\x03\x02\x01\x05").unwrap_err();
    assert_eq!(e.major(), MajorStatus::BadBindings);
}
