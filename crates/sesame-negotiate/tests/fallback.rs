//! Every fallback reason driven by the test KDC (or a failing transport) with its exact error
//! fact, each non-fallback case failing without NTLM, and the wire shape after a fallback:
//! only NTLM offered, its NEGOTIATE as the optimistic token.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_asn1::Der;
use sesame_asn1::kerberos::TgsReq;
use sesame_asn1::kerberos::constants::error_code as code;
use sesame_asn1::spnego::{NegotiationToken, SpnegoToken};
use sesame_asn1::{ObjectIdentifier, oid};
use sesame_gss::{
    Clock, ContextFlags, DeterministicRandom, FixedClock, Input, MessageProtection, Random,
    SecurityContext, Spn, Step,
};
use sesame_kerberos::KerberosError;
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, InitiatorCredentials};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{KdcTransport, step_with_kdc};
use sesame_negotiate::{
    AcceptorSetup, FallbackPolicy, FallbackReason, Identity, NegotiateConfig, NegotiateInitiator,
    Packages, RandomSource, negotiate_acceptor,
};
use sesame_ntlm::{
    ClientConfig, ClientCredentials, MemoryUserStore, ServerConfig, ServerCredentials,
};
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

struct World {
    kdc: Arc<TestKdc>,
    setup: AcceptorSetup,
}

fn world() -> World {
    let kdc = TestKdc::new(
        &[REALM],
        clock(),
        Box::new(DeterministicRandom::new([7; 32])),
    );
    kdc.add_user("user1", "Passw0rd1");
    kdc.add_user("user2", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let setup = AcceptorSetup {
        packages: Packages::default(),
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

fn identity(password: &str) -> Identity {
    Identity {
        kerberos: Some(Arc::new(InitiatorCredentials::with_password(
            Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
            password,
        ))),
        ntlm: Some(Arc::new(ClientCredentials::new(ClientConfig::password(
            "EXAMPLE", "user1", password,
        )))),
    }
}

fn initiator(
    target: &str,
    policy: FallbackPolicy,
    id: Identity,
    packages: Packages,
) -> NegotiateInitiator {
    let config = NegotiateConfig {
        packages,
        policy,
        target: Spn::parse(target).unwrap(),
        realm: REALM.into(),
        flags: ContextFlags::from_bits(0x3e),
        channel_bindings: None,
        enctypes: None,
        impersonate: None,
    };
    NegotiateInitiator::new(config, id, clock(), random()).unwrap()
}

/// Runs the whole exchange; returns the initiator's first message.
fn run(
    init: &mut NegotiateInitiator,
    w: &World,
    kdc: &dyn KdcTransport,
) -> Result<Vec<u8>, sesame_gss::Error> {
    let mut acc = negotiate_acceptor(&w.setup, &clock(), &random());
    let mut out = step_with_kdc(init, Input::Start, kdc)?;
    let mut first = None;
    loop {
        let (token, done) = match out {
            Step::Continue(t) => (t, false),
            Step::Complete(Some(t)) => (t, true),
            _ => break,
        };
        first.get_or_insert_with(|| token.clone());
        match acc.step(Input::Token(&token))? {
            Step::Continue(t) | Step::Complete(Some(t)) if !done => {
                out = step_with_kdc(init, Input::Token(&t), kdc)?
            }
            _ => break,
        }
    }
    assert!(init.is_established() && acc.is_established());
    let w1 = init.wrap(b"ping", true)?;
    assert_eq!(acc.unwrap(&w1)?.0, b"ping");
    Ok(first.unwrap_or_default())
}

fn offered(first: &[u8]) -> (Vec<ObjectIdentifier>, bool) {
    match SpnegoToken::decode(first).unwrap().token() {
        NegotiationToken::NegTokenInit(i) => (i.mech_types.clone(), i.mech_token.is_some()),
        NegotiationToken::NegTokenResp(_) => panic!("not a NegTokenInit"),
    }
}

fn krb_code(e: &sesame_gss::Error) -> Option<i32> {
    e.mech_error::<KerberosError>()
        .and_then(KerberosError::krb_error_code)
}

#[test]
fn kerberos_first_when_it_works() {
    let w = world();
    let mut init = initiator(
        "HTTP/localhost",
        FallbackPolicy::Allowlist,
        identity("Passw0rd1"),
        Packages::default(),
    );
    let first = run(&mut init, &w, &w.kdc).unwrap();
    assert_eq!(init.mechanism_name(), "kerberos");
    assert_eq!(init.fallback(), None);
    let (mechs, optimistic) = offered(&first);
    assert_eq!(
        mechs,
        [
            oid::MS_KERBEROS.to_owned(),
            oid::KERBEROS.to_owned(),
            oid::NTLMSSP.to_owned()
        ]
    );
    assert!(optimistic);
}

fn falls_back(w: &World, kdc: &dyn KdcTransport, target: &str, expected: &FallbackReason) {
    let mut init = initiator(
        target,
        FallbackPolicy::Allowlist,
        identity("Passw0rd1"),
        Packages::default(),
    );
    let first = run(&mut init, w, kdc).unwrap_or_else(|e| panic!("{expected:?}: {e}"));
    assert_eq!(init.fallback(), Some(expected));
    assert_eq!(init.mechanism_name(), "ntlm");
    let (mechs, optimistic) = offered(&first);
    assert_eq!(
        mechs,
        [oid::NTLMSSP.to_owned()],
        "Kerberos left out of what is offered"
    );
    assert!(optimistic, "NEGOTIATE as the optimistic token");
    assert_eq!(init.spnego().mic_exchanged(), (true, true));
}

#[test]
fn every_allowlisted_reason_falls_back_to_ntlm() {
    for (fault, reason) in [
        (
            Fault::Error(code::KRB_AP_ERR_SKEW),
            FallbackReason::ClockSkew,
        ),
        (
            Fault::Error(code::KDC_ERR_WRONG_REALM),
            FallbackReason::WrongRealm,
        ),
        (Fault::Drop, FallbackReason::KdcUnreachable),
    ] {
        let w = world();
        w.kdc.set_fault(Exchange::As, fault);
        falls_back(&w, &w.kdc, "HTTP/localhost", &reason);
    }
    // The service is unknown to the KDC.
    let w = world();
    falls_back(
        &w,
        &w.kdc,
        "HTTP/nowhere",
        &FallbackReason::UnknownServicePrincipal,
    );
    // No KDC for the realm at all.
    let w = world();
    let none = sesame_kerberos::transport::KdcClient::new();
    falls_back(&w, &none, "HTTP/localhost", &FallbackReason::NoKdc);
    // An IP address: no Kerberos, no KDC asked.
    let w = world();
    falls_back(
        &w,
        &w.kdc,
        "HTTP/127.0.0.1",
        &FallbackReason::SpnIsIpAddress,
    );
    assert!(w.kdc.requests().is_empty());
}

#[test]
fn a_refused_identity_does_not_fall_back() {
    for (fault, expected) in [
        (None, code::KDC_ERR_PREAUTH_FAILED),
        (
            Some(code::KDC_ERR_CLIENT_REVOKED),
            code::KDC_ERR_CLIENT_REVOKED,
        ),
        (Some(code::KDC_ERR_KEY_EXPIRED), code::KDC_ERR_KEY_EXPIRED),
    ] {
        let w = world();
        let password = if fault.is_none() {
            "wrong"
        } else {
            "Passw0rd1"
        };
        if let Some(c) = fault {
            w.kdc.set_fault(Exchange::As, Fault::Error(c));
        }
        let mut init = initiator(
            "HTTP/localhost",
            FallbackPolicy::Allowlist,
            identity(password),
            Packages::default(),
        );
        let e = run(&mut init, &w, &w.kdc).unwrap_err();
        assert_eq!(krb_code(&e), Some(expected));
        assert_eq!(init.fallback(), None);
    }
}

#[test]
fn the_policy_is_a_value() {
    // Never: the unreachable KDC is the answer.
    let w = world();
    w.kdc.set_fault(Exchange::Any, Fault::Drop);
    let mut init = initiator(
        "HTTP/localhost",
        FallbackPolicy::Never,
        identity("Passw0rd1"),
        Packages::default(),
    );
    let e = run(&mut init, &w, &w.kdc).unwrap_err();
    assert!(matches!(
        e.mech_error::<KerberosError>(),
        Some(KerberosError::Transport(_))
    ));
    // AnyFirstLegError: even a wrong password goes to NTLM (FreeRDP, pyspnego).
    let w = world();
    let mut id = identity("wrong");
    id.ntlm = Some(Arc::new(ClientCredentials::new(ClientConfig::password(
        "EXAMPLE",
        "user1",
        "Passw0rd1",
    ))));
    let mut init = initiator(
        "HTTP/localhost",
        FallbackPolicy::AnyFirstLegError,
        id,
        Packages::default(),
    );
    run(&mut init, &w, &w.kdc).unwrap();
    assert!(matches!(init.fallback(), Some(FallbackReason::Other(_))));
    // "kerberos,!ntlm": nothing to fall back to.
    let w = world();
    w.kdc.set_fault(Exchange::Any, Fault::Drop);
    let mut init = initiator(
        "HTTP/localhost",
        FallbackPolicy::Allowlist,
        identity("Passw0rd1"),
        Packages::parse("kerberos,!ntlm").unwrap(),
    );
    assert!(run(&mut init, &w, &w.kdc).is_err());
}

#[test]
fn a_failure_after_the_first_leg_does_not_fall_back() {
    let w = world();
    let mut setup = w.setup.clone();
    let skewed: Arc<dyn Clock> = Arc::new(sesame_gss::OffsetClock {
        inner: FixedClock(UNIX_EPOCH + Duration::from_secs(1_790_000_000)),
        offset_secs: 3600,
    });
    let mut init = initiator(
        "HTTP/localhost",
        FallbackPolicy::Allowlist,
        identity("Passw0rd1"),
        Packages::default(),
    );
    setup.ntlm = None;
    let mut acc = negotiate_acceptor(&setup, &skewed, &random());
    let Step::Continue(first) = step_with_kdc(&mut init, Input::Start, &w.kdc).unwrap() else {
        panic!()
    };
    assert!(acc.step(Input::Token(&first)).is_err());
    let e = init
        .step(Input::Token(&acc.error_token().unwrap()))
        .unwrap_err();
    assert_eq!(krb_code(&e), Some(code::KRB_AP_ERR_SKEW));
    assert_eq!(init.fallback(), None);
}

#[test]
fn user_to_user_is_its_own_path() {
    let w = world();
    // user2 accepts with its TGT only.
    let user2 = Arc::new(InitiatorCredentials::with_password(
        Principal::parse("user2@EXAMPLE.TEST", None).unwrap(),
        "Passw0rd1",
    ));
    let mut probe = sesame_kerberos::gssapi::KerberosInitiator::new(
        user2.clone(),
        sesame_kerberos::gssapi::InitiatorConfig::new(
            Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).unwrap(),
        ),
        clock(),
        random()(),
    );
    step_with_kdc(&mut probe, Input::Start, &w.kdc).unwrap();
    let tgt = user2.tgt(1_790_000_000).unwrap();
    let setup = AcceptorSetup {
        packages: Packages::parse("u2u").unwrap(),
        kerberos: Some((
            Arc::new(AcceptorCredentials::UserToUser(Box::new(tgt.clone()))),
            AcceptorConfig::default(),
        )),
        ntlm: None,
    };
    let w2 = World {
        kdc: w.kdc.clone(),
        setup,
    };
    let before = w.kdc.requests().len();
    let mut init = initiator(
        "host/user2",
        FallbackPolicy::Allowlist,
        identity("Passw0rd1"),
        Packages::parse("u2u").unwrap(),
    );
    let first = run(&mut init, &w2, &w.kdc).unwrap();
    assert_eq!(init.mechanism_name(), "kerberos-u2u");
    assert_eq!(offered(&first).0, [oid::KERBEROS_U2U.to_owned()]);
    assert_eq!(
        init.spnego().mic_exchanged(),
        (true, true),
        "U2U exchanges mechListMIC"
    );
    let tgs = w.kdc.requests()[before..]
        .iter()
        .filter_map(|r| TgsReq::from_der(r).ok())
        .next_back()
        .unwrap()
        .0;
    assert!(tgs.req_body.kdc_options.is_set(28), "ENC-TKT-IN-SKEY");
    assert_eq!(tgs.req_body.additional_tickets.unwrap(), vec![tgt.ticket]);
}
