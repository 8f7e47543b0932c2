#![no_main]
//! The Negotiate acceptor with IAKerb enabled fed an arbitrary first token, and, when it asks
//! for the KDC, an arbitrary reply (or the KDC's absence): an error or a next step, never a
//! panic, never an established context; what it relays is only an AS-REQ or TGS-REQ for its
//! own realm.
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_gss::{
    Clock, DeterministicRandom, FixedClock, Input, MajorStatus, Random, SecurityContext, Step,
};
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials};
use sesame_kerberos::keytab::{Keytab, KeytabEntry};
use sesame_kerberos::principal::Principal;
use sesame_negotiate::{AcceptorSetup, Packages, RandomSource, negotiate_acceptor};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (Ok(service), Ok(packages)) = (
        Principal::parse("HTTP/localhost@EXAMPLE.TEST", None),
        Packages::parse("kerberos,iakerb,ntlm"),
    ) else {
        return;
    };
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471),
    ));
    let random: RandomSource =
        Arc::new(|| Box::new(DeterministicRandom::new([3; 32])) as Box<dyn Random>);
    let keytab = Keytab {
        entries: vec![KeytabEntry {
            principal: service,
            timestamp: 0,
            kvno: 2,
            enctype: 18,
            key: vec![0x5a; 32].into(),
        }],
    };
    let setup = AcceptorSetup {
        packages,
        kerberos: Some((
            Arc::new(AcceptorCredentials::Keytab(keytab)),
            AcceptorConfig::default(),
        )),
        ntlm: None,
    };
    let mut acc = negotiate_acceptor(&setup, &clock, &random);
    // The first byte splits the input: a token, then the KDC's reply.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let at = usize::from(split).min(rest.len());
    let (token, reply) = rest.split_at(rest.len() - at);
    let mut step = acc.step(Input::Token(token));
    for round in 0..3 {
        let Ok(Step::NeedKdc(request)) = &step else {
            break;
        };
        assert!(
            matches!(request.message.first(), Some(0x6a | 0x6c)),
            "relayed a non-request"
        );
        assert_eq!(request.realm, "EXAMPLE.TEST", "relayed to another realm");
        step = if round == 0 {
            acc.step(Input::KdcReply(reply))
        } else {
            acc.kdc_failed(sesame_gss::Error::bare(MajorStatus::Unavailable))
        };
    }
    assert!(
        !acc.is_established(),
        "arbitrary bytes established a context"
    );
});
