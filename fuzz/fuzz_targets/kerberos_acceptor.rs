#![no_main]
//! The Kerberos acceptor fed arbitrary first tokens (GSS-framed or raw AP-REQ, KERB-TGT-REQUEST,
//! anything): an error, never a panic, and never an established context (the service key is
//! not guessable by the fuzzer).
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_gss::{DeterministicRandom, FixedClock, Input, SecurityContext};
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, KerberosAcceptor};
use sesame_kerberos::keytab::{Keytab, KeytabEntry};
use sesame_kerberos::principal::Principal;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let Ok(principal) = Principal::parse("HTTP/localhost@EXAMPLE.TEST", None) else { return };
    let keytab = Keytab {
        entries: vec![KeytabEntry {
            principal,
            timestamp: 0,
            kvno: 2,
            enctype: 18,
            key: vec![0x5a; 32].into(),
        }],
    };
    let clock = Arc::new(FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471)));
    let mut acceptor = KerberosAcceptor::new(
        Arc::new(AcceptorCredentials::Keytab(keytab)),
        AcceptorConfig::default(),
        clock,
        Box::new(DeterministicRandom::new([3; 32])),
    );
    assert!(acceptor.step(Input::Token(data)).is_err(), "arbitrary bytes were accepted");
    assert!(!acceptor.is_established());
});
