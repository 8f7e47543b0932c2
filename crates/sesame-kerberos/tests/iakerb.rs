//! IAKerb end to end in process: an initiator that never talks to a KDC, an acceptor that
//! relays its AS and TGS requests to the test KDC, the finish binding the conversation into
//! the AP-REQ; and what the acceptor refuses to relay. (MIT 1.22 is the peer in the
//! conformance run.)
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unnecessary_box_returns
)] // test code

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_asn1::iakerb::{IakerbHeader, IakerbToken};
use sesame_gss::{
    Clock, ContextFlags, DeterministicRandom, FixedClock, Input, MessageProtection,
    SecurityContext, Step,
};
use sesame_kerberos::KerberosError;
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, IakerbAcceptor, IakerbInitiator, InitiatorConfig,
    InitiatorCredentials, KerberosAcceptor, KerberosInitiator,
};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::KdcTransport;
use sesame_testkdc::TestKdc;

const REALM: &str = "EXAMPLE.TEST";

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_790_000_000)))
}

fn rng(seed: u8) -> Box<DeterministicRandom> {
    Box::new(DeterministicRandom::new([seed; 32]))
}

fn setup() -> (Arc<TestKdc>, IakerbInitiator, IakerbAcceptor) {
    let kdc = Arc::new(TestKdc::new(&[REALM], clock(), rng(1)));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let creds = InitiatorCredentials::with_password(
        Principal::parse("user1", Some(REALM)).unwrap(),
        "Passw0rd1",
    );
    let mut target = Principal::parse("HTTP/localhost", Some(REALM)).unwrap();
    target.name_type = 3;
    let mut config = InitiatorConfig::new(target);
    config.flags = ContextFlags::from_bits(0x3e);
    let init = IakerbInitiator::new(KerberosInitiator::new(
        Arc::new(creds),
        config,
        clock(),
        rng(2),
    ));
    let acc = IakerbAcceptor::new(
        KerberosAcceptor::new(
            Arc::new(AcceptorCredentials::Keytab(keytab)),
            AcceptorConfig::default(),
            clock(),
            rng(3),
        ),
        vec![REALM.to_string()],
    );
    (kdc, init, acc)
}

/// The acceptor's answer to `token`, its KDC requests sent to `kdc`.
fn answer(
    acc: &mut IakerbAcceptor,
    kdc: &TestKdc,
    token: &[u8],
) -> Result<Step, sesame_gss::Error> {
    let mut step = acc.step(Input::Token(token))?;
    while let Step::NeedKdc(request) = step {
        assert_eq!(request.realm, REALM);
        let reply = kdc.send(&request).unwrap();
        step = acc.step(Input::KdcReply(&reply))?;
    }
    Ok(step)
}

#[test]
fn the_initiator_reaches_the_kdc_through_the_acceptor() {
    let (kdc, mut init, mut acc) = setup();
    let mut step = init.step(Input::Start).unwrap();
    let mut proxied = 0;
    loop {
        let token = match step {
            Step::Continue(t) => t,
            Step::Complete(_) => break,
            Step::NeedKdc(_) => panic!("the initiator must not ask for a KDC"),
        };
        if IakerbToken::is_proxy(&token) {
            proxied += 1;
        }
        match answer(&mut acc, &kdc, &token).unwrap() {
            Step::Continue(t) | Step::Complete(Some(t)) => {
                step = init.step(Input::Token(&t)).unwrap();
            }
            other => panic!("{other:?}"),
        }
    }
    // AS-REQ, AS-REQ with pre-authentication, TGS-REQ: each through the acceptor.
    assert_eq!(proxied, 3);
    assert_eq!(kdc.requests().len(), 3);
    assert!(init.is_established() && acc.is_established());
    assert_eq!(acc.peer_name().unwrap().0, "user1@EXAMPLE.TEST");
    assert_eq!(init.mechanism(), &[1, 3, 6, 1, 5, 2, 5]);
    let w = init.wrap(b"ping", true).unwrap();
    assert_eq!(acc.unwrap(&w).unwrap(), (b"ping".to_vec(), true));
}

#[test]
fn a_conversation_altered_in_flight_fails_the_finish() {
    // The acceptor relays the tokens as sent, but the initiator saw one byte changed in a
    // KDC reply's cookie: the finish over the conversation no longer verifies.
    let (kdc, mut init, mut acc) = setup();
    let mut step = init.step(Input::Start).unwrap();
    let mut tampered = false;
    let result = loop {
        let token = match step {
            Step::Continue(t) => t,
            other => panic!("{other:?}"),
        };
        match answer(&mut acc, &kdc, &token) {
            Ok(Step::Continue(t)) if IakerbToken::is_proxy(&t) => {
                let mut reply = IakerbToken::decode(&t).unwrap();
                if !tampered {
                    reply.header.cookie = Some(b"x".to_vec().into());
                    tampered = true;
                }
                step = init.step(Input::Token(&reply.encode().unwrap())).unwrap();
            }
            other => break other,
        }
    };
    let e = result.unwrap_err();
    let k = e.mech_error::<KerberosError>().unwrap();
    assert_eq!(
        k.krb_error_code(),
        Some(31),
        "KRB_AP_ERR_BAD_INTEGRITY: {k}"
    );
}

#[test]
fn the_acceptor_relays_only_kdc_requests_for_its_realms() {
    let (_, _, mut acc) = setup();
    let token = |realm: &str, message: Vec<u8>| {
        IakerbToken {
            header: IakerbHeader {
                target_realm: realm.into(),
                cookie: None,
            },
            message,
        }
        .encode()
        .unwrap()
    };
    for (t, why) in [
        (
            token("OTHER.TEST", vec![0x6a, 0]),
            "a realm this acceptor does not serve",
        ),
        (token(REALM, vec![0x6e, 0]), "neither AS-REQ nor TGS-REQ"),
        (token(REALM, vec![0x6a; 70_000]), "over 64 KiB"),
    ] {
        let e = acc.step(Input::Token(&t)).unwrap_err();
        assert!(e.to_string().contains(why), "{e}");
    }
    // Realm discovery: an empty header and no message, answered with the realm.
    let Step::Continue(answer) = acc.step(Input::Token(&token("", Vec::new()))).unwrap() else {
        panic!("realm discovery answer")
    };
    let answer = IakerbToken::decode(&answer).unwrap();
    assert_eq!(answer.header.target_realm, REALM);
    assert!(answer.message.is_empty());
    // A KDC reply nobody asked for.
    assert!(acc.step(Input::KdcReply(b"\x6b\x00")).is_err());
}

#[test]
fn a_user_without_a_realm_takes_the_acceptors() {
    let kdc = Arc::new(TestKdc::new(&[REALM], clock(), rng(1)));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    // Neither the user nor the target names a realm.
    let nowhere = |components: &[&str], name_type| Principal {
        components: components.iter().map(ToString::to_string).collect(),
        realm: String::new(),
        name_type,
    };
    let creds = InitiatorCredentials::with_password(nowhere(&["user1"], 1), "Passw0rd1");
    let mut config = InitiatorConfig::new(nowhere(&["HTTP", "localhost"], 3));
    config.flags = ContextFlags::from_bits(0x3e);
    let mut init = IakerbInitiator::new(KerberosInitiator::new(
        Arc::new(creds),
        config,
        clock(),
        rng(2),
    ));
    let mut acc = IakerbAcceptor::new(
        KerberosAcceptor::new(
            Arc::new(AcceptorCredentials::Keytab(keytab)),
            AcceptorConfig::default(),
            clock(),
            rng(3),
        ),
        vec![REALM.to_string()],
    );
    let Step::Continue(first) = init.step(Input::Start).unwrap() else {
        panic!()
    };
    // The discovery request: an empty realm, no KDC message (MIT's first token).
    let request = IakerbToken::decode(&first).unwrap();
    assert_eq!(request.header.target_realm, "");
    assert!(request.message.is_empty());
    let mut token = first;
    while !init.is_established() {
        let (Step::Continue(t) | Step::Complete(Some(t))) = answer(&mut acc, &kdc, &token).unwrap()
        else {
            panic!()
        };
        match init.step(Input::Token(&t)).unwrap() {
            Step::Continue(next) => token = next,
            Step::Complete(_) => break,
            Step::NeedKdc(_) => panic!("the initiator must not ask for a KDC"),
        }
    }
    assert!(acc.is_established());
    assert_eq!(acc.peer_name().unwrap().0, "user1@EXAMPLE.TEST");
    assert_eq!(init.peer_name().unwrap().0, "HTTP/localhost@EXAMPLE.TEST");

    // An acceptor that answers discovery with KDC_NOT_FOUND: the initiator fails with it.
    let creds = InitiatorCredentials::with_password(nowhere(&["user1"], 1), "Passw0rd1");
    let mut init = IakerbInitiator::new(KerberosInitiator::new(
        Arc::new(creds),
        InitiatorConfig::new(nowhere(&["HTTP", "localhost"], 3)),
        clock(),
        rng(4),
    ));
    init.step(Input::Start).unwrap();
    let not_found = IakerbToken {
        header: IakerbHeader {
            target_realm: String::new(),
            cookie: None,
        },
        // A KRB-ERROR with error-code 85 (KRB_AP_ERR_IAKERB_KDC_NOT_FOUND), as MIT builds it.
        message: sesame_asn1::Der::to_der(&sesame_asn1::kerberos::KrbError {
            pvno: 5,
            msg_type: 30,
            ctime: None,
            cusec: None,
            stime: sesame_asn1::kerberos::KerberosTime::from_unix(1_790_000_000).unwrap(),
            susec: 0,
            error_code: 85,
            crealm: None,
            cname: None,
            realm: String::new().into(),
            sname: Principal::parse("krbtgt/X@X", None)
                .unwrap()
                .to_principal_name(),
            e_text: None,
            e_data: None,
        })
        .unwrap(),
    };
    let e = init
        .step(Input::Token(&not_found.encode().unwrap()))
        .unwrap_err();
    assert_eq!(
        e.mech_error::<KerberosError>().unwrap().krb_error_code(),
        Some(85)
    );
}

#[test]
fn an_existing_tgt_needs_only_the_tgs_exchange_through_the_acceptor() {
    let kdc = Arc::new(TestKdc::new(&[REALM], clock(), rng(1)));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    kdc.add_service("HTTP/other");
    let creds = Arc::new(InitiatorCredentials::with_password(
        Principal::parse("user1", Some(REALM)).unwrap(),
        "Passw0rd1",
    ));
    // Earlier, with line of sight: a TGT (and a ticket for another service) in the cache.
    let mut earlier = KerberosInitiator::new(
        creds.clone(),
        InitiatorConfig::new(Principal::parse("HTTP/other", Some(REALM)).unwrap()),
        clock(),
        rng(5),
    );
    sesame_kerberos::transport::step_with_kdc(&mut earlier, Input::Start, kdc.as_ref()).unwrap();
    assert!(creds.tgt(1_790_000_000).is_some());
    let before = kdc.requests().len();
    // Now out of reach: only the TGS-REQ goes through the acceptor.
    let mut target = Principal::parse("HTTP/localhost", Some(REALM)).unwrap();
    target.name_type = 3;
    let mut init = IakerbInitiator::new(KerberosInitiator::new(
        creds,
        InitiatorConfig::new(target),
        clock(),
        rng(6),
    ));
    let mut acc = IakerbAcceptor::new(
        KerberosAcceptor::new(
            Arc::new(AcceptorCredentials::Keytab(keytab)),
            AcceptorConfig::default(),
            clock(),
            rng(7),
        ),
        vec![REALM.to_string()],
    );
    let Step::Continue(mut token) = init.step(Input::Start).unwrap() else {
        panic!()
    };
    assert_eq!(
        IakerbToken::decode(&token).unwrap().message.first(),
        Some(&0x6c),
        "a TGS-REQ first"
    );
    while !init.is_established() {
        let (Step::Continue(t) | Step::Complete(Some(t))) = answer(&mut acc, &kdc, &token).unwrap()
        else {
            panic!()
        };
        match init.step(Input::Token(&t)).unwrap() {
            Step::Continue(next) => token = next,
            _ => break,
        }
    }
    assert!(acc.is_established());
    assert_eq!(kdc.requests().len() - before, 1, "one TGS-REQ relayed");
}
