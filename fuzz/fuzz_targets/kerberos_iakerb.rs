#![no_main]
//! IAKerb fed arbitrary tokens: the acceptor (a proxy token is relayed only when it is a
//! well-formed AS-REQ or TGS-REQ for its realm; anything else is an error, never a panic, never
//! an established context) and the initiator after its first proxy token (an arbitrary answer
//! never completes it).
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_gss::{DeterministicRandom, FixedClock, Input, SecurityContext, Step};
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, IakerbAcceptor, IakerbInitiator, InitiatorConfig,
    InitiatorCredentials, KerberosAcceptor, KerberosInitiator,
};
use sesame_kerberos::keytab::{Keytab, KeytabEntry};
use sesame_kerberos::principal::Principal;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (Ok(service), Ok(user)) = (
        Principal::parse("HTTP/localhost@EXAMPLE.TEST", None),
        Principal::parse("user1@EXAMPLE.TEST", None),
    ) else {
        return;
    };
    let clock = Arc::new(FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471)));
    let keytab = Keytab {
        entries: vec![KeytabEntry {
            principal: service.clone(),
            timestamp: 0,
            kvno: 2,
            enctype: 18,
            key: vec![0x5a; 32].into(),
        }],
    };
    let mut acceptor = IakerbAcceptor::new(
        KerberosAcceptor::new(
            Arc::new(AcceptorCredentials::Keytab(keytab)),
            AcceptorConfig::default(),
            clock.clone(),
            Box::new(DeterministicRandom::new([3; 32])),
        ),
        vec!["EXAMPLE.TEST".into()],
    );
    if let Ok(Step::NeedKdc(request)) = acceptor.step(Input::Token(data)) {
        assert!(matches!(request.message.first(), Some(0x6a | 0x6c)), "relayed a non-request");
        assert_eq!(request.realm, "EXAMPLE.TEST", "relayed to another realm");
    }
    assert!(!acceptor.is_established());

    let creds = Arc::new(InitiatorCredentials::with_password(user, "Passw0rd1"));
    let mut initiator = IakerbInitiator::new(KerberosInitiator::new(
        creds,
        InitiatorConfig::new(service),
        clock,
        Box::new(DeterministicRandom::new([4; 32])),
    ));
    let Ok(Step::Continue(_)) = initiator.step(Input::Start) else { return };
    if let Ok(Step::Complete(_)) = initiator.step(Input::Token(data)) {
        panic!("an arbitrary answer completed the initiator");
    }
    assert!(!initiator.is_established());
});
