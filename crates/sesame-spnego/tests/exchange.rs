//! SPNEGO step by step over real NTLM and Kerberos contexts (the test KDC for Kerberos): after
//! every message, which mechanism is in use, whether the optimistic token went, whether a
//! mechListMIC went or not — as the rules in the crate documentation say.
#![allow(clippy::unwrap_used, clippy::panic, clippy::unnecessary_box_returns)] // test code

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_asn1::Der as _;
use sesame_asn1::spnego::{NegState, NegotiationToken, SpnegoToken};
use sesame_asn1::{ObjectIdentifier, oid};
use sesame_gss::{
    Clock, ContextFlags, DeterministicRandom, FixedClock, Input, MajorStatus, MessageProtection,
    SecurityContext, Step,
};
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, InitiatorConfig, InitiatorCredentials, KerberosAcceptor,
    KerberosInitiator,
};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::step_with_kdc;
use sesame_ntlm::{ClientConfig, MemoryUserStore, NtlmClient, NtlmServer, ServerConfig};
use sesame_spnego::{Mech, SpnegoAcceptor, SpnegoError, SpnegoInitiator};
use sesame_testkdc::TestKdc;

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_790_000_000)))
}

fn rng(seed: u8) -> Box<DeterministicRandom> {
    Box::new(DeterministicRandom::new([seed; 32]))
}

fn ntlm_oid() -> ObjectIdentifier {
    oid::NTLMSSP.to_owned()
}

fn krb_oids() -> Vec<ObjectIdentifier> {
    vec![oid::MS_KERBEROS.to_owned(), oid::KERBEROS.to_owned()]
}

fn ntlm_client() -> Mech {
    Mech::new(
        vec![ntlm_oid()],
        Box::new(NtlmClient::new(
            ClientConfig::password("EXAMPLE", "user1", "Passw0rd1"),
            clock(),
            rng(1),
        )),
    )
}

fn ntlm_server() -> Mech {
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    Mech::new(
        vec![ntlm_oid()],
        Box::new(NtlmServer::new(
            ServerConfig::default(),
            Arc::new(users),
            clock(),
            rng(2),
        )),
    )
}

struct Realm {
    kdc: Arc<TestKdc>,
    keytab: sesame_kerberos::keytab::Keytab,
}

fn realm() -> Realm {
    let kdc = TestKdc::new(&["EXAMPLE.TEST"], clock(), rng(3));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    Realm {
        kdc: Arc::new(kdc),
        keytab,
    }
}

fn krb_client(flags: ContextFlags) -> Mech {
    let creds = Arc::new(InitiatorCredentials::with_password(
        Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
        "Passw0rd1",
    ));
    let mut config =
        InitiatorConfig::new(Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).unwrap());
    config.flags = flags;
    Mech::new(
        krb_oids(),
        Box::new(KerberosInitiator::new(creds, config, clock(), rng(4))),
    )
}

fn krb_server(r: &Realm) -> Mech {
    Mech::new(
        krb_oids(),
        Box::new(KerberosAcceptor::new(
            Arc::new(AcceptorCredentials::Keytab(r.keytab.clone())),
            AcceptorConfig::default(),
            clock(),
            rng(5),
        )),
    )
}

/// What one SPNEGO message held.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    init: bool,
    state: Option<NegState>,
    supported: Option<ObjectIdentifier>,
    token: bool,
    mic: bool,
}

fn look(bytes: &[u8]) -> Seen {
    match SpnegoToken::decode(bytes).unwrap().token() {
        NegotiationToken::NegTokenInit(i) => Seen {
            init: true,
            state: None,
            supported: None,
            token: i.mech_token.is_some(),
            mic: i.mech_list_mic.is_some(),
        },
        NegotiationToken::NegTokenResp(r) => Seen {
            init: false,
            state: r.neg_state,
            supported: r.supported_mech.clone(),
            token: r.response_token.is_some(),
            mic: r.mech_list_mic.is_some(),
        },
    }
}

/// Runs the exchange; returns every message, initiator's first.
fn run(
    init: &mut SpnegoInitiator,
    acc: &mut SpnegoAcceptor,
    kdc: Option<&TestKdc>,
) -> Result<Vec<Vec<u8>>, sesame_gss::Error> {
    let mut seen = Vec::new();
    let step = |ctx: &mut SpnegoInitiator, input: Input<'_>| match kdc {
        Some(k) => step_with_kdc(ctx, input, k),
        None => ctx.step(input),
    };
    let mut out = step(init, Input::Start)?;
    loop {
        let (token, init_done) = match out {
            Step::Continue(t) => (t, false),
            Step::Complete(Some(t)) => (t, true),
            Step::Complete(None) | Step::NeedKdc(_) => break,
        };
        seen.push(token.clone());
        match acc.step(Input::Token(&token))? {
            Step::Continue(t) => {
                seen.push(t.clone());
                out = step(init, Input::Token(&t))?;
            }
            Step::Complete(Some(t)) => {
                seen.push(t.clone());
                if init_done {
                    break;
                }
                out = step(init, Input::Token(&t))?;
            }
            Step::Complete(None) | Step::NeedKdc(_) => break,
        }
    }
    Ok(seen)
}

fn protect_both_ways(init: &mut SpnegoInitiator, acc: &mut SpnegoAcceptor) {
    let w = init.wrap(b"ping", true).unwrap();
    assert_eq!(acc.unwrap(&w).unwrap().0, b"ping");
    let w = acc.wrap(b"pong", true).unwrap();
    assert_eq!(init.unwrap(&w).unwrap().0, b"pong");
}

#[test]
fn ntlm_optimistic_then_mic_both_ways() {
    let mut init = SpnegoInitiator::new(vec![ntlm_client()]);
    let mut acc = SpnegoAcceptor::new(vec![ntlm_server()]);
    let msgs = run(&mut init, &mut acc, None).unwrap();
    let seen: Vec<Seen> = msgs.iter().map(|m| look(m)).collect();
    assert_eq!(seen.len(), 4, "{seen:?}");
    assert!(
        seen[0].init && seen[0].token,
        "optimistic NEGOTIATE in the NegTokenInit"
    );
    assert_eq!(seen[1].supported, Some(ntlm_oid()));
    assert_eq!(seen[1].state, Some(NegState::AcceptIncomplete));
    assert!(
        seen[2].token && seen[2].mic,
        "AUTHENTICATE with mechListMIC (NTLM carries a MIC)"
    );
    assert_eq!(seen[3].state, Some(NegState::AcceptCompleted));
    assert!(seen[3].mic && !seen[3].token);
    assert!(init.is_established() && acc.is_established());
    assert_eq!(acc.peer_name().unwrap().0, "EXAMPLE\\user1");
    // The RC4 streams were reset after the MICs on both sides: messages still flow.
    protect_both_ways(&mut init, &mut acc);
}

#[test]
fn kerberos_mutual_sends_no_mic() {
    let r = realm();
    let mut init = SpnegoInitiator::new(vec![
        krb_client(ContextFlags::from_bits(0x3e)),
        ntlm_client(),
    ]);
    let mut acc = SpnegoAcceptor::new(vec![krb_server(&r), ntlm_server()]);
    let msgs = run(&mut init, &mut acc, Some(&r.kdc)).unwrap();
    let seen: Vec<Seen> = msgs.iter().map(|m| look(m)).collect();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen[0].init && seen[0].token && !seen[0].mic);
    assert_eq!(seen[1].state, Some(NegState::AcceptCompleted));
    // The MS Kerberos OID, as the initiator listed it first.
    assert_eq!(seen[1].supported, Some(oid::MS_KERBEROS.to_owned()));
    assert!(
        seen[1].token && !seen[1].mic,
        "AP-REP, no mechListMIC for plain Kerberos"
    );
    assert_eq!(init.mic_exchanged(), (false, false));
    assert_eq!(acc.peer_name().unwrap().0, "user1@EXAMPLE.TEST");
    protect_both_ways(&mut init, &mut acc);
}

#[test]
fn kerberos_dce_style_exchanges_the_mic() {
    let r = realm();
    let flags = ContextFlags::from_bits(0x3e) | ContextFlags::DCE_STYLE;
    let mut init = SpnegoInitiator::new(vec![krb_client(flags)]);
    let mut acc = SpnegoAcceptor::new(vec![krb_server(&r)]);
    let msgs = run(&mut init, &mut acc, Some(&r.kdc)).unwrap();
    let seen: Vec<Seen> = msgs.iter().map(|m| look(m)).collect();
    assert!(seen.iter().any(|s| s.mic), "{seen:?}");
    assert_eq!(init.mic_exchanged(), (true, true));
    assert_eq!(acc.mic_exchanged(), (true, true));
    protect_both_ways(&mut init, &mut acc);
}

#[test]
fn a_non_first_choice_discards_the_optimistic_token_and_requests_the_mic() {
    let r = realm();
    // The initiator prefers Kerberos; the acceptor has only NTLM.
    let mut init = SpnegoInitiator::new(vec![
        krb_client(ContextFlags::from_bits(0x3e)),
        ntlm_client(),
    ]);
    let mut acc = SpnegoAcceptor::new(vec![ntlm_server()]);
    let msgs = run(&mut init, &mut acc, Some(&r.kdc)).unwrap();
    let seen: Vec<Seen> = msgs.iter().map(|m| look(m)).collect();
    assert!(seen[0].token, "the optimistic AP-REQ went");
    assert_eq!(seen[1].state, Some(NegState::RequestMic));
    assert_eq!(seen[1].supported, Some(ntlm_oid()));
    assert!(
        !seen[1].token,
        "the optimistic token was discarded, not answered"
    );
    assert!(seen[2].token && !seen[2].mic, "NEGOTIATE");
    assert!(seen.last().unwrap().mic);
    assert_eq!(init.mic_exchanged(), (true, true));
    protect_both_ways(&mut init, &mut acc);
}

#[test]
fn raw_ntlm_is_accepted_and_answered_raw() {
    let mut client = NtlmClient::new(
        ClientConfig::password("EXAMPLE", "user1", "Passw0rd1"),
        clock(),
        rng(1),
    );
    let mut acc = SpnegoAcceptor::new(vec![ntlm_server()]);
    let Step::Continue(negotiate) = client.step(Input::Start).unwrap() else {
        panic!()
    };
    let Step::Continue(challenge) = acc.step(Input::Token(&negotiate)).unwrap() else {
        panic!()
    };
    assert!(challenge.starts_with(b"NTLMSSP\0"));
    assert!(acc.is_raw());
    let Step::Complete(Some(auth)) = client.step(Input::Token(&challenge)).unwrap() else {
        panic!()
    };
    assert!(matches!(
        acc.step(Input::Token(&auth)).unwrap(),
        Step::Complete(None)
    ));
    assert_eq!(acc.peer_name().unwrap().0, "EXAMPLE\\user1");
}

#[test]
fn an_altered_mech_list_fails_the_mic() {
    let mut init = SpnegoInitiator::new(vec![ntlm_client()]);
    let mut acc = SpnegoAcceptor::new(vec![ntlm_server()]);
    let Step::Continue(first) = init.step(Input::Start).unwrap() else {
        panic!()
    };
    // A man in the middle adds a mechanism to the list the acceptor sees.
    let mut t = SpnegoToken::decode(&first).unwrap();
    if let SpnegoToken::Initial(NegotiationToken::NegTokenInit(i)) = &mut t {
        i.mech_types.push(oid::KERBEROS.to_owned());
    }
    let altered = t.encode().unwrap();
    let Step::Continue(challenge) = acc.step(Input::Token(&altered)).unwrap() else {
        panic!()
    };
    let Step::Continue(auth) = init.step(Input::Token(&challenge)).unwrap() else {
        panic!()
    };
    let e = acc.step(Input::Token(&auth)).unwrap_err();
    assert_eq!(e.mech_error::<SpnegoError>(), Some(&SpnegoError::BadMic));
    assert_eq!(e.major(), MajorStatus::BadMic);
}

#[test]
fn no_common_mechanism_is_an_error() {
    let r = realm();
    let mut init = SpnegoInitiator::new(vec![ntlm_client()]);
    let mut acc = SpnegoAcceptor::new(vec![krb_server(&r)]);
    let e = run(&mut init, &mut acc, None).unwrap_err();
    assert!(matches!(
        e.mech_error::<SpnegoError>(),
        Some(SpnegoError::NoCommonMechanism(_))
    ));
}

#[test]
fn a_kerberos_refusal_reaches_the_initiator_through_the_reject() {
    let r = realm();
    let mut init = SpnegoInitiator::new(vec![krb_client(ContextFlags::from_bits(0x3e))]);
    let skewed: Arc<dyn Clock> = Arc::new(sesame_gss::OffsetClock {
        inner: FixedClock(UNIX_EPOCH + Duration::from_secs(1_790_000_000)),
        offset_secs: 3600,
    });
    let acc_mech = Mech::new(
        krb_oids(),
        Box::new(KerberosAcceptor::new(
            Arc::new(AcceptorCredentials::Keytab(r.keytab.clone())),
            AcceptorConfig::default(),
            skewed,
            rng(5),
        )),
    );
    let mut acc = SpnegoAcceptor::new(vec![acc_mech]);
    let Step::Continue(first) = step_with_kdc(&mut init, Input::Start, &r.kdc).unwrap() else {
        panic!()
    };
    assert!(acc.step(Input::Token(&first)).is_err());
    let reject = acc.error_token().unwrap();
    assert_eq!(look(&reject).state, Some(NegState::Reject));
    let e = init.step(Input::Token(&reject)).unwrap_err();
    let code = e
        .mech_error::<sesame_kerberos::KerberosError>()
        .and_then(sesame_kerberos::KerberosError::krb_error_code);
    assert_eq!(
        code,
        Some(37),
        "KRB_AP_ERR_SKEW from the acceptor's KRB-ERROR: {e}"
    );
}

#[test]
fn negtokeninit2_hints_narrow_the_initiators_offer() {
    let r = realm();
    // An NTLM-only server speaks first (HTTP 401, SMB): the initiator drops Kerberos.
    let acc_hint = SpnegoAcceptor::new(vec![ntlm_server()])
        .hint_token()
        .unwrap();
    match SpnegoToken::decode(&acc_hint).unwrap().token() {
        NegotiationToken::NegTokenInit(i) => {
            assert_eq!(i.mech_types, vec![ntlm_oid()]);
            assert!(i.neg_hints.is_some());
        }
        NegotiationToken::NegTokenResp(_) => panic!(),
    }
    let mut init = SpnegoInitiator::new(vec![
        krb_client(ContextFlags::from_bits(0x3e)),
        ntlm_client(),
    ]);
    let mut acc = SpnegoAcceptor::new(vec![ntlm_server()]);
    let Step::Continue(first) = step_with_kdc(&mut init, Input::Token(&acc_hint), &r.kdc).unwrap()
    else {
        panic!()
    };
    let seen = look(&first);
    assert!(seen.init && seen.token);
    assert_eq!(init.mech_types(), &[ntlm_oid()]);
    let Step::Continue(challenge) = acc.step(Input::Token(&first)).unwrap() else {
        panic!()
    };
    assert!(init.step(Input::Token(&challenge)).is_ok());
    assert!(r.kdc.requests().is_empty(), "Kerberos was never started");
}

#[test]
fn a_raw_kerberos_token_is_accepted_and_answered_raw() {
    let r = realm();
    let creds = Arc::new(InitiatorCredentials::with_password(
        Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
        "Passw0rd1",
    ));
    let mut config =
        InitiatorConfig::new(Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).unwrap());
    config.flags = ContextFlags::from_bits(0x3e);
    let mut client = KerberosInitiator::new(creds, config, clock(), rng(4));
    let mut acc = SpnegoAcceptor::new(vec![krb_server(&r), ntlm_server()]);
    let Step::Continue(ap_req) = step_with_kdc(&mut client, Input::Start, &r.kdc).unwrap() else {
        panic!()
    };
    let Step::Complete(Some(ap_rep)) = acc.step(Input::Token(&ap_req)).unwrap() else {
        panic!()
    };
    assert!(acc.is_raw());
    assert_eq!(ap_rep[0], 0x60, "a GSS-framed Kerberos AP-REP, not SPNEGO");
    assert!(matches!(
        client.step(Input::Token(&ap_rep)).unwrap(),
        Step::Complete(None)
    ));
    assert_eq!(acc.peer_name().unwrap().0, "user1@EXAMPLE.TEST");
}

/// DCE style sends a bare AP-REQ ([APPLICATION 14], no GSS framing): taken as raw Kerberos,
/// the three legs answered raw.
#[test]
fn a_bare_dce_ap_req_is_raw_kerberos() {
    let r = realm();
    let creds = Arc::new(InitiatorCredentials::with_password(
        Principal::parse("user1@EXAMPLE.TEST", None).unwrap(),
        "Passw0rd1",
    ));
    let mut config =
        InitiatorConfig::new(Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).unwrap());
    config.flags = ContextFlags::from_bits(0x3e) | ContextFlags::DCE_STYLE;
    let mut client = KerberosInitiator::new(creds, config, clock(), rng(5));
    let mut acc = SpnegoAcceptor::new(vec![krb_server(&r), ntlm_server()]);
    let Step::Continue(ap_req) = step_with_kdc(&mut client, Input::Start, &r.kdc).unwrap() else {
        panic!()
    };
    assert_eq!(ap_req[0], 0x6e, "DCE style: a bare AP-REQ");
    let Step::Continue(ap_rep) = acc.step(Input::Token(&ap_req)).unwrap() else {
        panic!()
    };
    assert!(acc.is_raw());
    let Step::Complete(Some(third)) = client.step(Input::Token(&ap_rep)).unwrap() else {
        panic!()
    };
    assert!(matches!(
        acc.step(Input::Token(&third)).unwrap(),
        Step::Complete(None)
    ));
    assert_eq!(acc.peer_name().unwrap().0, "user1@EXAMPLE.TEST");
}

/// Found by the spnego_initiator fuzz target: an acceptor reply that says accept-completed
/// together with an NTLM CHALLENGE (no timestamp, so no MIC) made the initiator call itself
/// established though its AUTHENTICATE had not been seen.
#[test]
fn an_acceptor_cannot_complete_before_the_last_mechanism_token() {
    let mut server = NtlmServer::new(
        ServerConfig::default(),
        Arc::new(MemoryUserStore::new()),
        clock(),
        rng(2),
    );
    let mut init = SpnegoInitiator::new(vec![ntlm_client()]);
    let Step::Continue(first) = init.step(Input::Start).unwrap() else {
        panic!()
    };
    let SpnegoToken::Initial(NegotiationToken::NegTokenInit(i)) =
        SpnegoToken::decode(&first).unwrap()
    else {
        panic!()
    };
    let Step::Continue(challenge) = server.step(Input::Token(&i.mech_token.unwrap())).unwrap()
    else {
        panic!()
    };
    let resp = sesame_asn1::spnego::NegTokenResp {
        neg_state: Some(NegState::AcceptCompleted),
        supported_mech: Some(ntlm_oid()),
        response_token: Some(challenge.into()),
        mech_list_mic: None,
    };
    let forged = SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp))
        .encode()
        .unwrap();
    let e = init.step(Input::Token(&forged)).unwrap_err();
    assert!(
        matches!(
            e.mech_error::<SpnegoError>(),
            Some(SpnegoError::Protocol(_))
        ),
        "{e}"
    );
    assert!(!init.is_established());
}

/// The message with its mechListMIC removed, as a man in the middle would.
fn strip_mic(bytes: &[u8]) -> Vec<u8> {
    let mut t = SpnegoToken::decode(bytes).unwrap();
    if let SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(r)) = &mut t {
        assert!(r.mech_list_mic.is_some(), "there was a MIC to strip");
        r.mech_list_mic = None;
    }
    t.encode().unwrap()
}

/// Kerberos offered first, NTLM chosen (so the mechListMIC is required), the initiator's MIC
/// stripped in flight: the acceptor refuses at once, and the initiator, told so by the reject,
/// fails too. Never one side done and the other waiting.
#[test]
fn a_stripped_initiator_mic_fails_both_sides() {
    let r = realm();
    let mut init = SpnegoInitiator::new(vec![
        krb_client(ContextFlags::from_bits(0x3e)),
        ntlm_client(),
    ]);
    let mut acc = SpnegoAcceptor::new(vec![ntlm_server()]);
    let Step::Continue(first) = step_with_kdc(&mut init, Input::Start, &r.kdc).unwrap() else {
        panic!()
    };
    let Step::Continue(choice) = acc.step(Input::Token(&first)).unwrap() else {
        panic!()
    };
    let Step::Continue(negotiate) = init.step(Input::Token(&choice)).unwrap() else {
        panic!()
    };
    let Step::Continue(challenge) = acc.step(Input::Token(&negotiate)).unwrap() else {
        panic!()
    };
    let Step::Continue(auth) = init.step(Input::Token(&challenge)).unwrap() else {
        panic!()
    };
    let e = acc.step(Input::Token(&strip_mic(&auth))).unwrap_err();
    assert_eq!(
        e.mech_error::<SpnegoError>(),
        Some(&SpnegoError::MicMissing)
    );
    assert!(!acc.is_established());
    let reject = acc.error_token().unwrap();
    assert_eq!(look(&reject).state, Some(NegState::Reject));
    let e = init.step(Input::Token(&reject)).unwrap_err();
    assert_eq!(e.mech_error::<SpnegoError>(), Some(&SpnegoError::Rejected));
    assert!(!init.is_established());
}

/// Against an acceptor that, missing the initiator's MIC, answers accept-incomplete with its
/// own MIC and waits (what Sesame's acceptor did before): the initiator, whose MIC already
/// went out, does not call itself established.
#[test]
fn the_initiator_completes_only_when_the_acceptor_does() {
    let r = realm();
    let mut init = SpnegoInitiator::new(vec![
        krb_client(ContextFlags::from_bits(0x3e)),
        ntlm_client(),
    ]);
    // The waiting acceptor, played by hand: an NTLM server and the messages it would send.
    let mut server = NtlmServer::new(
        ServerConfig::default(),
        {
            let mut u = MemoryUserStore::new();
            u.add_password("EXAMPLE", "user1", "Passw0rd1");
            Arc::new(u)
        },
        clock(),
        rng(4),
    );
    let Step::Continue(first) = step_with_kdc(&mut init, Input::Start, &r.kdc).unwrap() else {
        panic!()
    };
    let SpnegoToken::Initial(NegotiationToken::NegTokenInit(offer)) =
        SpnegoToken::decode(&first).unwrap()
    else {
        panic!()
    };
    let resp = |state, token: Option<Vec<u8>>, mic: Option<Vec<u8>>, supported| {
        SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(
            sesame_asn1::spnego::NegTokenResp {
                neg_state: Some(state),
                supported_mech: supported,
                response_token: token.map(Into::into),
                mech_list_mic: mic.map(Into::into),
            },
        ))
        .encode()
        .unwrap()
    };
    let choice = resp(NegState::RequestMic, None, None, Some(ntlm_oid()));
    let Step::Continue(negotiate) = init.step(Input::Token(&choice)).unwrap() else {
        panic!()
    };
    let SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(n)) =
        SpnegoToken::decode(&negotiate).unwrap()
    else {
        panic!()
    };
    let Step::Continue(challenge) = server
        .step(Input::Token(&n.response_token.unwrap()))
        .unwrap()
    else {
        panic!()
    };
    let challenge = resp(NegState::AcceptIncomplete, Some(challenge), None, None);
    let Step::Continue(auth) = init.step(Input::Token(&challenge)).unwrap() else {
        panic!()
    };
    let SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(a)) =
        SpnegoToken::decode(&auth).unwrap()
    else {
        panic!()
    };
    server
        .step(Input::Token(&a.response_token.unwrap()))
        .unwrap();
    // The MIC never reached this acceptor; it sends its own and says accept-incomplete.
    let types = offer.mech_types.to_der().unwrap();
    let acceptor_mic = server.get_mic(&types).unwrap();
    let waiting = resp(NegState::AcceptIncomplete, None, Some(acceptor_mic), None);
    let e = init.step(Input::Token(&waiting)).unwrap_err();
    assert_eq!(
        e.mech_error::<SpnegoError>(),
        Some(&SpnegoError::AcceptorIncomplete)
    );
    assert!(!init.is_established());
}

/// An acceptor that picks a mechanism the initiator never offered.
#[test]
fn an_unoffered_choice_says_what_was_chosen_and_offered() {
    let mut init = SpnegoInitiator::new(vec![ntlm_client()]);
    init.step(Input::Start).unwrap();
    let resp = sesame_asn1::spnego::NegTokenResp {
        neg_state: Some(NegState::AcceptIncomplete),
        supported_mech: Some(oid::KERBEROS.to_owned()),
        response_token: None,
        mech_list_mic: None,
    };
    let forged = SpnegoToken::Subsequent(NegotiationToken::NegTokenResp(resp))
        .encode()
        .unwrap();
    let e = init.step(Input::Token(&forged)).unwrap_err();
    assert_eq!(
        e.mech_error::<SpnegoError>(),
        Some(&SpnegoError::UnofferedMechanism {
            chosen: "1.2.840.113554.1.2.2".into(),
            offered: "1.3.6.1.4.1.311.2.2.10".into(),
        })
    );
    assert_eq!(e.major(), MajorStatus::BadMech);
}
