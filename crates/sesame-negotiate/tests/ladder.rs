//! The Negotiate ladder with IAKerb enabled: Kerberos with line of sight, IAKerb through the
//! acceptor when no KDC is in the initiator's reach, NTLM last; the decision and its reason on
//! the context, and what each side offers and chooses on the wire. The acceptor relays to the
//! test KDC; the initiator's transport reaches nothing.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_asn1::kerberos::constants::error_code as code;
use sesame_asn1::spnego::{NegotiationToken, SpnegoToken};
use sesame_asn1::{ObjectIdentifier, oid};
use sesame_gss::{
    Clock, ContextFlags, DeterministicRandom, FixedClock, Input, KdcRequest, MessageProtection,
    Random, SecurityContext, Spn, Step,
};
use sesame_kerberos::KerberosError;
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, IakerbAcceptor, IakerbInitiator, InitiatorConfig,
    InitiatorCredentials, KerberosInitiator,
};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{
    KdcAttempt, KdcFailure, KdcTransport, Protocol, TransportError, step_with_kdc,
};
use sesame_negotiate::{
    AcceptorSetup, FallbackPolicy, FallbackReason, Identity, NegotiateConfig, NegotiateInitiator,
    Packages, RandomSource, negotiate_acceptor,
};
use sesame_ntlm::{
    ClientConfig, ClientCredentials, MemoryUserStore, ServerConfig, ServerCredentials,
};
use sesame_spnego::SpnegoAcceptor;
use sesame_testkdc::{Exchange, Fault, TestKdc};

const REALM: &str = "EXAMPLE.TEST";

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_790_000_000)))
}

fn random() -> RandomSource {
    let counter = Arc::new(std::sync::atomic::AtomicU8::new(1));
    Arc::new(move || {
        let seed = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Box::new(DeterministicRandom::new([seed; 32])) as Box<dyn Random>
    })
}

/// The initiator's way to a KDC: every KDC refuses the connection, as a firewall or a laptop
/// outside the domain sees it.
struct OutOfReach;

impl KdcTransport for OutOfReach {
    fn send(&self, request: &KdcRequest) -> Result<Vec<u8>, TransportError> {
        Err(TransportError::AllFailed {
            realm: request.realm.clone(),
            attempts: vec![KdcAttempt {
                kdc: "127.0.0.1:1".into(),
                protocol: Protocol::Tcp,
                failure: KdcFailure::ConnectionRefused,
            }],
        })
    }
}

struct World {
    kdc: Arc<TestKdc>,
    setup: AcceptorSetup,
}

/// A KDC with user1 and HTTP/localhost; an acceptor with the keytab and NTLM users, accepting
/// `packages`.
fn world(packages: &str) -> World {
    let kdc = TestKdc::new(
        &[REALM],
        clock(),
        Box::new(DeterministicRandom::new([7; 32])),
    );
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let setup = AcceptorSetup {
        packages: Packages::parse(packages).unwrap(),
        kerberos: Some((
            Arc::new(AcceptorCredentials::Keytab(keytab)),
            AcceptorConfig::default(),
        )),
        ntlm: Some(Arc::new(ServerCredentials::new(
            ServerConfig::default(),
            Arc::new(users),
        ))),
    };
    World {
        kdc: Arc::new(kdc),
        setup,
    }
}

fn initiator(policy: FallbackPolicy, packages: &str, password: &str) -> NegotiateInitiator {
    let identity = Identity {
        kerberos: Some(Arc::new(InitiatorCredentials::with_password(
            Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
            password,
        ))),
        ntlm: Some(Arc::new(ClientCredentials::new(ClientConfig::password(
            "EXAMPLE", "user1", password,
        )))),
    };
    let config = NegotiateConfig {
        packages: Packages::parse(packages).unwrap(),
        policy,
        target: Spn::parse("HTTP/localhost").unwrap(),
        realm: REALM.into(),
        flags: ContextFlags::from_bits(0x3e),
        channel_bindings: None,
        enctypes: None,
        impersonate: None,
    };
    NegotiateInitiator::new(config, identity, clock(), random()).unwrap()
}

/// What went over the wire: the initiator's first message and how many KDC requests the
/// acceptor relayed.
struct Run {
    first: Vec<u8>,
    relayed: usize,
}

/// Runs the exchange: the initiator's KDC requests over `reach`, the acceptor's to the KDC.
fn run(
    init: &mut dyn SecurityContext,
    acc: &mut SpnegoAcceptor,
    w: &World,
    reach: &dyn KdcTransport,
) -> Result<Run, sesame_gss::Error> {
    let mut out = step_with_kdc(init, Input::Start, reach)?;
    let mut first = None;
    let mut relayed = 0;
    loop {
        let (token, done) = match out {
            Step::Continue(t) => (t, false),
            Step::Complete(Some(t)) => (t, true),
            _ => break,
        };
        first.get_or_insert_with(|| token.clone());
        let before = w.kdc.requests().len();
        let answer = step_with_kdc(acc, Input::Token(&token), &w.kdc);
        relayed += w.kdc.requests().len() - before;
        match answer {
            Ok(Step::Continue(t) | Step::Complete(Some(t))) if !done => {
                out = step_with_kdc(init, Input::Token(&t), reach)?;
            }
            Ok(_) => break,
            Err(e) => {
                // The initiator learns why from the acceptor's error token.
                if let Some(t) = acc.error_token() {
                    init.step(Input::Token(&t))?;
                }
                return Err(e);
            }
        }
    }
    assert!(init.is_established() && acc.is_established());
    Ok(Run {
        first: first.unwrap_or_default(),
        relayed,
    })
}

fn offered(first: &[u8]) -> (Vec<ObjectIdentifier>, bool) {
    match SpnegoToken::decode(first).unwrap().token() {
        NegotiationToken::NegTokenInit(i) => (i.mech_types.clone(), i.mech_token.is_some()),
        NegotiationToken::NegTokenResp(_) => panic!("not a NegTokenInit"),
    }
}

fn chosen(acc: &SpnegoAcceptor) -> &'static str {
    oid::mech_name(acc.inner().unwrap().mechanism()).unwrap()
}

#[test]
fn no_kdc_in_reach_takes_iakerb_before_ntlm() {
    let w = world("kerberos,iakerb,ntlm");
    let mut init = initiator(
        FallbackPolicy::Allowlist,
        "kerberos,iakerb,ntlm",
        "Passw0rd1",
    );
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let wire = run(&mut init, &mut acc, &w, &OutOfReach).unwrap();
    assert_eq!(init.mechanism_name(), "iakerb");
    assert_eq!(init.fallback(), Some(&FallbackReason::KdcUnreachable));
    assert_eq!(chosen(&acc), "iakerb");
    let (mechs, optimistic) = offered(&wire.first);
    assert_eq!(mechs, [oid::IAKERB.to_owned(), oid::NTLMSSP.to_owned()]);
    assert!(optimistic, "the proxied AS-REQ as the optimistic token");
    // AS-REQ twice (pre-authentication), TGS-REQ: all through the acceptor.
    assert_eq!(wire.relayed, 3);
    assert_eq!(acc.peer_name().unwrap().0, "user1@EXAMPLE.TEST");
    // IAKerb was the first mechanism offered: no mechListMIC, as for Kerberos.
    assert_eq!(init.spnego().mic_exchanged(), (false, false));
    let sealed = init.wrap(b"ping", true).unwrap();
    assert_eq!(acc.unwrap(&sealed).unwrap().0, b"ping");
}

#[test]
fn never_still_takes_iakerb_and_only_it() {
    let w = world("kerberos,iakerb,ntlm");
    let mut init = initiator(FallbackPolicy::Never, "kerberos,iakerb,ntlm", "Passw0rd1");
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let wire = run(&mut init, &mut acc, &w, &OutOfReach).unwrap();
    assert_eq!(init.mechanism_name(), "iakerb");
    assert_eq!(offered(&wire.first).0, [oid::IAKERB.to_owned()]);
    // Without IAKerb, Never leaves the transport's error standing.
    let mut init = initiator(FallbackPolicy::Never, "kerberos,ntlm", "Passw0rd1");
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let e = run_err(&mut init, &mut acc, &w);
    assert!(matches!(
        e.mech_error::<KerberosError>(),
        Some(KerberosError::Transport(TransportError::AllFailed { .. }))
    ));
}

fn run_err(
    init: &mut NegotiateInitiator,
    acc: &mut SpnegoAcceptor,
    w: &World,
) -> sesame_gss::Error {
    match run(init, acc, w, &OutOfReach) {
        Ok(_) => panic!("established"),
        Err(e) => e,
    }
}

#[test]
fn an_acceptor_without_iakerb_gets_ntlm() {
    let w = world("kerberos,ntlm");
    let mut init = initiator(
        FallbackPolicy::Allowlist,
        "kerberos,iakerb,ntlm",
        "Passw0rd1",
    );
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    run(&mut init, &mut acc, &w, &OutOfReach).unwrap();
    assert_eq!(init.mechanism_name(), "ntlm");
    assert_eq!(chosen(&acc), "ntlm");
    assert_eq!(init.fallback(), Some(&FallbackReason::KdcUnreachable));
    // NTLM was not the first offered: both mechListMICs.
    assert_eq!(init.spnego().mic_exchanged(), (true, true));
}

#[test]
fn a_kdc_that_answers_is_not_asked_again_through_the_acceptor() {
    // Clock skew from the KDC itself: IAKerb would meet the same KDC; NTLM only.
    let w = world("kerberos,iakerb,ntlm");
    w.kdc
        .set_fault(Exchange::As, Fault::Error(code::KRB_AP_ERR_SKEW));
    let mut init = initiator(
        FallbackPolicy::Allowlist,
        "kerberos,iakerb,ntlm",
        "Passw0rd1",
    );
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let wire = run(&mut init, &mut acc, &w, &w.kdc.clone()).unwrap();
    assert_eq!(init.fallback(), Some(&FallbackReason::ClockSkew));
    assert_eq!(offered(&wire.first).0, [oid::NTLMSSP.to_owned()]);
}

#[test]
fn with_line_of_sight_kerberos_is_first_and_iakerb_listed() {
    let w = world("kerberos,iakerb,ntlm");
    let mut init = initiator(
        FallbackPolicy::Allowlist,
        "kerberos,iakerb,ntlm",
        "Passw0rd1",
    );
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let kdc = w.kdc.clone();
    let wire = run(&mut init, &mut acc, &w, &kdc).unwrap();
    assert_eq!(init.mechanism_name(), "kerberos");
    assert_eq!(init.fallback(), None);
    assert_eq!(
        offered(&wire.first).0,
        [
            oid::MS_KERBEROS.to_owned(),
            oid::KERBEROS.to_owned(),
            oid::IAKERB.to_owned(),
            oid::NTLMSSP.to_owned()
        ]
    );
    assert_eq!(wire.relayed, 0, "the acceptor relayed nothing");
}

#[test]
fn a_wrong_password_through_iakerb_fails_with_the_kdcs_code_and_no_ntlm() {
    let w = world("kerberos,iakerb,ntlm");
    let mut init = initiator(FallbackPolicy::Allowlist, "kerberos,iakerb,ntlm", "wrong");
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let e = run_err(&mut init, &mut acc, &w);
    assert_eq!(
        e.mech_error::<KerberosError>()
            .and_then(KerberosError::krb_error_code),
        Some(code::KDC_ERR_PREAUTH_FAILED)
    );
    assert_eq!(init.mechanism_name(), "iakerb");
}

#[test]
fn an_acceptor_whose_kdc_is_down_answers_kdc_no_response() {
    let w = world("kerberos,iakerb,ntlm");
    w.kdc.set_fault(Exchange::Any, Fault::Drop);
    let mut init = initiator(FallbackPolicy::Never, "iakerb", "Passw0rd1");
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    // As MIT's acceptor: KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE in place of the reply.
    let e = run_err(&mut init, &mut acc, &w);
    assert_eq!(
        e.mech_error::<KerberosError>()
            .and_then(KerberosError::krb_error_code),
        Some(code::KRB_AP_ERR_IAKERB_KDC_NO_RESPONSE)
    );
    // The acceptor keeps the transport's facts for its own report.
    let relay = acc
        .inner()
        .unwrap()
        .as_any()
        .downcast_ref::<IakerbAcceptor>();
    assert!(
        relay
            .unwrap()
            .relay_failure()
            .unwrap()
            .contains("EXAMPLE.TEST")
    );
}

#[test]
fn a_raw_iakerb_initiator_is_accepted_by_negotiate() {
    // MIT's `gss-client -iakerb` speaks raw IAKerb to whatever accepts.
    let w = world("kerberos,iakerb,ntlm");
    let mut target = Principal::parse("HTTP/localhost", Some(REALM)).unwrap();
    target.name_type = 3;
    let mut config = InitiatorConfig::new(target);
    config.flags = ContextFlags::from_bits(0x3e);
    let mut init = IakerbInitiator::new(KerberosInitiator::new(
        Arc::new(InitiatorCredentials::with_password(
            Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
            "Passw0rd1",
        )),
        config,
        clock(),
        Box::new(DeterministicRandom::new([9; 32])),
    ));
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let wire = run(&mut init, &mut acc, &w, &OutOfReach).unwrap();
    assert!(acc.is_raw());
    assert_eq!(chosen(&acc), "iakerb");
    assert_eq!(wire.relayed, 3);
    // Without the package, raw IAKerb is refused before anything is relayed.
    let w = world("kerberos,ntlm");
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let mut init = IakerbInitiator::new(KerberosInitiator::new(
        Arc::new(InitiatorCredentials::with_password(
            Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
            "Passw0rd1",
        )),
        InitiatorConfig::new(Principal::parse("HTTP/localhost", Some(REALM)).unwrap()),
        clock(),
        Box::new(DeterministicRandom::new([9; 32])),
    ));
    assert!(run(&mut init, &mut acc, &w, &OutOfReach).is_err());
    assert!(w.kdc.requests().is_empty());
}

#[test]
fn the_captured_first_leg_is_relayed() {
    // Sesame's NegTokenInit from the conformance run, and the MIT KDC's answer to its AS-REQ.
    let init = include_bytes!("vectors/ladder/neg_token_init_iakerb_ntlm.der");
    let reply = include_bytes!("vectors/ladder/krb_error_preauth_required.der");
    assert_eq!(
        offered(init),
        (vec![oid::IAKERB.to_owned(), oid::NTLMSSP.to_owned()], true)
    );
    let w = world("kerberos,iakerb,ntlm");
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let Step::NeedKdc(request) = acc.step(Input::Token(init)).unwrap() else {
        panic!("the AS-REQ is not relayed")
    };
    assert_eq!(request.realm, REALM);
    assert_eq!(request.message.first(), Some(&0x6a), "an AS-REQ");
    // Nothing else goes in while the KDC is asked.
    let mut waiting = negotiate_acceptor(&w.setup, &clock(), &random());
    waiting.step(Input::Token(init)).unwrap();
    assert!(waiting.step(Input::Token(init)).is_err());
    let Step::Continue(answer) = acc.step(Input::KdcReply(reply)).unwrap() else {
        panic!("no answer")
    };
    let SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp)) =
        SpnegoToken::decode(&answer).unwrap()
    else {
        panic!("not a NegTokenResp")
    };
    assert_eq!(resp.supported_mech, Some(oid::IAKERB.to_owned()));
    let inner = sesame_asn1::iakerb::IakerbToken::decode(&resp.response_token.unwrap()).unwrap();
    assert_eq!(inner.header.target_realm, REALM);
    assert_eq!(inner.message, reply);
}
