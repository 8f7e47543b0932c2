//! MS-NLMP 4.2.4 (NTLMv2) known answers, and real messages captured by pyspnego.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use sesame_ntlm::NegotiateFlags;
use sesame_ntlm::av_pairs::{AvPairs, av_id};
use sesame_ntlm::crypto::{
    client_blob, direction_keys, exchange_key, lm_v2_response, nt_hash, nt_proof, ntowf_v2,
    session_base_key,
};
use sesame_ntlm::messages::{
    Authenticate, Challenge, Negotiate, from_utf16le, message_type, to_utf16le,
};
use sesame_ntlm::session::SessionSecurity;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}
fn a16(s: &str) -> [u8; 16] {
    hex(s).try_into().unwrap()
}

const SERVER_CHALLENGE: [u8; 8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
const CLIENT_CHALLENGE: [u8; 8] = [0xaa; 8];

/// MS-NLMP 4.2.4.1.3 / 4.2.4.2: NTOWFv2, LMv2, NTProofStr, session base key, key exchange.
#[test]
fn ms_nlmp_4_2_4_ntlmv2() {
    let nt = nt_hash("Password");
    assert_eq!(*nt, a16("a4f49c406510bdcab6824ee7c30fd852"));
    let key = ntowf_v2(&nt, "User", "Domain");
    assert_eq!(*key, a16("0c868a403bfd7a93a3001ef22ef02e3f"));
    assert_eq!(
        *ntowf_v2(&nt, "USER", "Domain"),
        *key,
        "the user name is case-insensitive"
    );
    assert_ne!(*ntowf_v2(&nt, "User", "DOMAIN"), *key, "the domain is not");

    let mut info = AvPairs::default();
    info.set(av_id::NB_DOMAIN_NAME, &to_utf16le("Domain"));
    info.set(av_id::NB_COMPUTER_NAME, &to_utf16le("Server"));
    let temp = client_blob(0, &CLIENT_CHALLENGE, &info.to_bytes());
    let proof = nt_proof(&key, &SERVER_CHALLENGE, &temp);
    assert_eq!(proof, a16("68cd0ab851e51c96aabc927bebef6a1c"));
    let mut nt_response = proof.to_vec();
    nt_response.extend_from_slice(&temp);
    assert_eq!(
        nt_response,
        hex(
            "68cd0ab851e51c96aabc927bebef6a1c01010000000000000000000000000000aaaaaaaaaaaaaaaa0000000002000c0044006f006d00610069006e0001000c005300650072007600650072000000000000000000"
        )
    );
    assert_eq!(
        lm_v2_response(&key, &SERVER_CHALLENGE, &CLIENT_CHALLENGE).to_vec(),
        hex("86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa")
    );
    let base = session_base_key(&key, &proof);
    assert_eq!(*base, a16("8de40ccadbc14a82f15cb0ad0de95ca3"));
    let random_session_key = [0x55; 16];
    let encrypted = exchange_key(&base, &random_session_key);
    assert_eq!(*encrypted, a16("c5dad2544fc9799094ce1ce90bc9d03e"));
    assert_eq!(*exchange_key(&base, &encrypted), random_session_key);
}

/// MS-NLMP 4.2.4.4: signing and sealing keys, and GSS_WrapEx of "Plaintext" both ways.
#[test]
fn ms_nlmp_4_2_4_4_session_security() {
    let key = [0x55; 16];
    let (sign, seal) = direction_keys(&key, true);
    assert_eq!(*sign, a16("4788dc861b4782f35d43fd98fe1a2d39"));
    assert_eq!(*seal, a16("59f600973cc4960a25480a7c196e4c58"));

    let plaintext = to_utf16le("Plaintext");
    let mut client = SessionSecurity::new(&key, true, true);
    let mut server = SessionSecurity::new(&key, false, true);

    let mut sealed = plaintext.clone();
    let signature = client.seal(&mut sealed);
    assert_eq!(sealed, hex("54e50165bf1936dc996020c1811b0f06fb5f"));
    assert_eq!(signature.to_vec(), hex("010000007fb38ec5c55d497600000000"));
    server.unseal(&mut sealed, &signature).unwrap();
    assert_eq!(sealed, plaintext);

    let mut sealed = plaintext.clone();
    let signature = server.seal(&mut sealed);
    assert_eq!(sealed, hex("160871b730ba74e946c453d7465b54278dd0"));
    assert_eq!(signature.to_vec(), hex("01000000b298b847ce7c580700000000"));
    client.unseal(&mut sealed, &signature).unwrap();
    assert_eq!(sealed, plaintext);
}

#[test]
fn signatures_follow_the_sequence_and_refuse_tampering() {
    let key = [0x42; 16];
    let mut client = SessionSecurity::new(&key, true, true);
    let mut server = SessionSecurity::new(&key, false, true);
    for i in 0u32..3 {
        let sig = client.sign(b"message");
        assert_eq!(&sig[12..], &i.to_le_bytes());
        server.verify(b"message", &sig).unwrap();
    }
    let sig = client.sign(b"message");
    assert!(server.verify(b"massage", &sig).is_err());
    // A replayed signature is out of sequence.
    let sig = client.sign(b"next");
    server.verify(b"next", &sig).unwrap();
    server.verify(b"next", &sig).unwrap_err();
}

const NEGOTIATE: &[u8] = include_bytes!("vectors/ntlm_negotiate");
const CHALLENGE: &[u8] = include_bytes!("vectors/ntlm_challenge");
const AUTHENTICATE: &[u8] = include_bytes!("vectors/ntlm_authenticate");
const AUTHENTICATE_NO_SEAL: &[u8] = include_bytes!("vectors/ntlm_authenticate_no_sign_seal");

#[test]
fn pyspnego_negotiate_and_challenge() {
    assert_eq!(message_type(NEGOTIATE).unwrap(), 1);
    let n = Negotiate::parse(NEGOTIATE).unwrap();
    assert!(n.flags.contains(
        NegotiateFlags::UNICODE
            | NegotiateFlags::NTLM
            | NegotiateFlags::KEY_EXCH
            | NegotiateFlags::SEAL
    ));
    assert_eq!(n.version.unwrap().revision, 15);
    assert_eq!(
        n.to_bytes(),
        NEGOTIATE,
        "re-encodes byte for byte (empty fields are all zero)"
    );

    let c = Challenge::parse(CHALLENGE).unwrap();
    assert_eq!(from_utf16le(&c.target_name), "DOMAIN");
    assert_eq!(
        c.target_info.string(av_id::NB_DOMAIN_NAME).as_deref(),
        Some("DOMAIN")
    );
    assert_eq!(
        c.target_info.string(av_id::NB_COMPUTER_NAME).as_deref(),
        Some("DC01")
    );
    assert_eq!(
        c.target_info.string(av_id::DNS_COMPUTER_NAME).as_deref(),
        Some("DC01.domain.local")
    );
    assert!(c.target_info.timestamp().is_some());
    assert_eq!(c.to_bytes(), CHALLENGE, "re-encodes byte for byte");
}

#[test]
fn pyspnego_authenticate() {
    for bytes in [AUTHENTICATE, AUTHENTICATE_NO_SEAL] {
        let a = Authenticate::parse(bytes).unwrap();
        assert!(!a.user.is_empty());
        assert!(a.nt_response.len() > 16 + 28, "an NTLMv2 response");
        // NTLMv2: the blob after NTProofStr starts with versions 1, 1.
        assert_eq!(&a.nt_response[16..18], &[1, 1]);
        // A MIC is present exactly when the blob's MsvAvFlags announces one (the second
        // capture, from a client that saw a server timestamp, has one; the first does not).
        let blob_pairs = AvPairs::parse(&a.nt_response[16 + 28..]).unwrap();
        assert_eq!(a.mic.is_some(), blob_pairs.flags() & 2 == 2, "{}", a.user);
        let again = Authenticate::parse(&a.to_bytes()).unwrap();
        assert_eq!(again, a);
    }
}

#[test]
fn garbage_never_panics() {
    for bytes in [NEGOTIATE, CHALLENGE, AUTHENTICATE] {
        for len in 0..bytes.len() {
            let _ = Negotiate::parse(&bytes[..len]);
            let _ = Challenge::parse(&bytes[..len]);
            let _ = Authenticate::parse(&bytes[..len]);
        }
        let mut m = bytes.to_vec();
        for i in 0..m.len() {
            for v in [0x00, 0x7f, 0x80, 0xff] {
                let old = m[i];
                m[i] = v;
                let _ = Negotiate::parse(&m);
                let _ = Challenge::parse(&m);
                let _ = Authenticate::parse(&m);
                m[i] = old;
            }
        }
    }
}

#[test]
fn av_pairs_set_replaces_in_place_or_appends() {
    let mut info = AvPairs::default();
    assert!(info.is_empty());
    info.set(av_id::NB_DOMAIN_NAME, b"ab");
    info.set(av_id::TIMESTAMP, &[1; 8]);
    info.set(av_id::NB_DOMAIN_NAME, b"longer");
    let pairs: Vec<(u16, &[u8])> = info.iter().collect();
    assert_eq!(
        pairs,
        [
            (av_id::NB_DOMAIN_NAME, &b"longer"[..]),
            (av_id::TIMESTAMP, &[1u8; 8][..])
        ]
    );
    assert_eq!(info.timestamp(), Some(u64::from_le_bytes([1; 8])));
    assert_eq!(AvPairs::parse(&info.to_bytes()).unwrap(), info);
    assert!(
        AvPairs::parse(&[2, 0, 5, 0, b'x']).is_err(),
        "value runs past the end"
    );
    assert!(AvPairs::parse(&[2, 0]).is_err(), "no MsvAvEOL");
}

/// MS-NLMP 4.2.2 and 4.2.3: NTLMv1, plain and with extended session security.
#[test]
fn ms_nlmp_4_2_2_and_4_2_3_ntlmv1() {
    use sesame_ntlm::crypto::{desl, ntlm_v1_ess};
    let nt = nt_hash("Password");
    assert_eq!(
        desl(&nt, &SERVER_CHALLENGE).to_vec(),
        hex("67c43011f30298a2ad35ece64f16331c44bdbed927841f94")
    );
    let (lm, nt_response, kx) = ntlm_v1_ess(&nt, &SERVER_CHALLENGE, &CLIENT_CHALLENGE);
    assert_eq!(
        lm.to_vec(),
        hex("aaaaaaaaaaaaaaaa00000000000000000000000000000000")
    );
    assert_eq!(
        nt_response.to_vec(),
        hex("7537f803ae367128ca458204bde7caf81e97ed2683267232")
    );
    assert_eq!(*kx, a16("eb93429a8bd952f8b89c55b87f475edc"));
    let (sign, _) = direction_keys(&kx, true);
    assert_eq!(*sign, a16("60e799be5c72fc92922ae8ebe961fb8d"));
}
