//! Client and server in one process: the handshake, message protection both ways, and every
//! way the server must say no.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sesame_gss::{
    BindingsRefusal, ChannelBindingPolicy, ChannelBindings, Clock, DeterministicRandom, FixedClock,
    Input, MessageProtection, SecurityContext, Step,
};
use sesame_ntlm::messages::Authenticate;
use sesame_ntlm::{
    ClientConfig, Credentials, MemoryUserStore, NegotiateFlags, NtlmClient, NtlmError, NtlmServer,
    ServerConfig, TargetNamePolicy,
};
use zeroize::Zeroizing;

const NOW: u64 = 1_795_674_471;

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW),
    ))
}

fn users() -> Arc<MemoryUserStore> {
    let mut u = MemoryUserStore::new();
    u.add_password("EXAMPLE", "user1", "Passw0rd1");
    Arc::new(u)
}

fn client(config: ClientConfig) -> NtlmClient {
    NtlmClient::new(config, clock(), Box::new(DeterministicRandom::new([1; 32])))
}

fn server(config: ServerConfig) -> NtlmServer {
    NtlmServer::new(
        config,
        users(),
        clock(),
        Box::new(DeterministicRandom::new([2; 32])),
    )
}

/// Runs the three legs, letting `tamper` change the CHALLENGE and the AUTHENTICATE in flight.
fn run(
    c: &mut NtlmClient,
    s: &mut NtlmServer,
    tamper_challenge: impl Fn(&mut Vec<u8>),
    tamper_auth: impl Fn(&mut Vec<u8>),
) -> Result<(), sesame_gss::Error> {
    let Step::Continue(negotiate) = c.step(Input::Start)? else {
        panic!("NEGOTIATE")
    };
    let Step::Continue(mut challenge) = s.step(Input::Token(&negotiate))? else {
        panic!("CHALLENGE")
    };
    tamper_challenge(&mut challenge);
    let Step::Complete(Some(mut auth)) = c.step(Input::Token(&challenge))? else {
        panic!("AUTHENTICATE")
    };
    tamper_auth(&mut auth);
    match s.step(Input::Token(&auth))? {
        Step::Complete(None) => Ok(()),
        other => panic!("{other:?}"),
    }
}

fn ntlm_error(e: &sesame_gss::Error) -> NtlmError {
    e.mech_error::<NtlmError>()
        .cloned()
        .unwrap_or_else(|| panic!("not an NTLM error: {e}"))
}

#[test]
fn handshake_and_message_protection() {
    let mut config = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
    config.target = Some("HTTP/server.example.test".into());
    let (mut c, mut s) = (client(config), server(ServerConfig::default()));
    run(&mut c, &mut s, |_| {}, |_| {}).unwrap();
    assert!(c.is_established() && s.is_established());
    assert_eq!(s.peer_name().unwrap().0, "EXAMPLE\\user1");
    assert_eq!(c.peer_name().unwrap().0, "HTTP/server.example.test");
    for i in 0..3 {
        let msg = format!("message {i}");
        let token = c.wrap(msg.as_bytes(), true).unwrap();
        assert_ne!(&token[16..], msg.as_bytes(), "sealed");
        assert_eq!(s.unwrap(&token).unwrap(), (msg.clone().into_bytes(), true));
        let back = s.wrap(b"reply", true).unwrap();
        assert_eq!(c.unwrap(&back).unwrap().0, b"reply");
        let mic = c.get_mic(b"signed").unwrap();
        s.verify_mic(b"signed", &mic).unwrap();
    }
    // A replayed token is refused.
    let token = c.wrap(b"once", true).unwrap();
    s.unwrap(&token).unwrap();
    assert!(s.unwrap(&token).is_err());
}

#[test]
fn pass_the_hash() {
    let mut config = ClientConfig::password("EXAMPLE", "user1", "");
    config.credentials = Credentials::NtHash(sesame_ntlm::crypto::nt_hash("Passw0rd1"));
    run(
        &mut client(config),
        &mut server(ServerConfig::default()),
        |_| {},
        |_| {},
    )
    .unwrap();
}

/// User and domain are looked up case-insensitively, and both sides compute NTOWFv2 from the
/// strings the client sent, so case differences do not matter.
#[test]
fn names_are_case_insensitive() {
    for (domain, user) in [("example", "USER1"), ("Example", "User1")] {
        let mut s = server(ServerConfig::default());
        run(
            &mut client(ClientConfig::password(domain, user, "Passw0rd1")),
            &mut s,
            |_| {},
            |_| {},
        )
        .unwrap();
        assert_eq!(s.peer_name().unwrap().0, format!("{domain}\\{user}"));
    }
}

#[test]
fn wrong_password_and_unknown_user_are_distinct() {
    let e = run(
        &mut client(ClientConfig::password("EXAMPLE", "user1", "wrong")),
        &mut server(ServerConfig::default()),
        |_| {},
        |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(ntlm_error(&e), NtlmError::WrongPassword { .. }),
        "{e}"
    );
    assert_eq!(e.major(), sesame_gss::MajorStatus::DefectiveCredential);
    let e = run(
        &mut client(ClientConfig::password("EXAMPLE", "nobody", "x")),
        &mut server(ServerConfig::default()),
        |_| {},
        |_| {},
    )
    .unwrap_err();
    assert!(
        matches!(ntlm_error(&e), NtlmError::UnknownUser { .. }),
        "{e}"
    );
}

/// A CHALLENGE altered in flight (here: sealing removed) is caught by the MIC.
#[test]
fn tampered_challenge_is_caught_by_the_mic() {
    let e = run(
        &mut client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1")),
        &mut server(ServerConfig::default()),
        |c| c[20] &= !0x20,
        |_| {},
    )
    .unwrap_err();
    assert_eq!(ntlm_error(&e), NtlmError::BadMic);
}

/// AUTHENTICATE flags altered in flight: the MIC covers them.
#[test]
fn altered_authenticate_flags_are_caught() {
    let e = run(
        &mut client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1")),
        &mut server(ServerConfig::default()),
        |_| {},
        |a| a[60] &= !0x20,
    )
    .unwrap_err();
    assert_eq!(ntlm_error(&e), NtlmError::BadMic);
}

/// "Drop the MIC" (CVE-2019-1040): the MIC is removed, but MsvAvFlags in the proof-protected
/// blob still announces it.
#[test]
fn stripped_mic_is_refused() {
    let e = run(
        &mut client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1")),
        &mut server(ServerConfig::default()),
        |_| {},
        |a| {
            let mut m = Authenticate::parse(a).unwrap();
            assert!(m.mic.is_some());
            m.mic = None;
            *a = m.to_bytes();
        },
    )
    .unwrap_err();
    assert_eq!(ntlm_error(&e), NtlmError::MicMissing);
    // Zeroing it in place instead is a MIC mismatch.
    let e = run(
        &mut client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1")),
        &mut server(ServerConfig::default()),
        |_| {},
        |a| a[72..88].fill(0),
    )
    .unwrap_err();
    assert_eq!(ntlm_error(&e), NtlmError::BadMic);
}

/// The three channel-binding policies, against a client with the right bindings, another
/// channel's, and none.
#[test]
fn channel_bindings_by_policy() {
    use BindingsRefusal::{Mismatch, Missing};
    use ChannelBindingPolicy::{Off, Required, WhenPresent};
    let tls = ChannelBindings::from_application_data(b"tls-server-end-point:abc".to_vec());
    let other = ChannelBindings::from_application_data(b"tls-server-end-point:xyz".to_vec());
    for (policy, sent, expected) in [
        (Required, Some(&tls), Ok(())),
        (Required, Some(&other), Err(Mismatch)),
        (Required, None, Err(Missing)),
        (WhenPresent, Some(&tls), Ok(())),
        (WhenPresent, Some(&other), Err(Mismatch)),
        (WhenPresent, None, Ok(())),
        (Off, Some(&other), Ok(())),
        (Off, None, Ok(())),
    ] {
        let server_config = ServerConfig {
            channel_bindings: Some(tls.clone()),
            channel_binding_policy: policy,
            ..ServerConfig::default()
        };
        let mut config = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
        config.channel_bindings = sent.cloned();
        let result = run(
            &mut client(config),
            &mut server(server_config),
            |_| {},
            |_| {},
        );
        assert_eq!(
            result.map_err(|e| ntlm_error(&e)),
            expected.map_err(NtlmError::BadChannelBindings),
            "{policy} with {sent:?}"
        );
    }
}

/// MsvAvTargetName against the server's names: a relayed AUTHENTICATE (made for another
/// service) is refused; a client that sends no name passes unless the policy requires one.
#[test]
fn target_name_by_policy() {
    let names = vec!["HTTP/web.example.test".to_string()];
    for (policy, sent, expected) in [
        (
            TargetNamePolicy::WhenPresent,
            Some("http/WEB.example.test"),
            Ok(()),
        ),
        (
            TargetNamePolicy::WhenPresent,
            Some("cifs/evil.example"),
            Err(NtlmError::TargetNameMismatch {
                sent: "cifs/evil.example".into(),
                expected: names.clone(),
            }),
        ),
        (TargetNamePolicy::WhenPresent, None, Ok(())),
        (
            TargetNamePolicy::Required,
            None,
            Err(NtlmError::TargetNameMissing {
                expected: names.clone(),
            }),
        ),
        (
            TargetNamePolicy::Required,
            Some("HTTP/web.example.test"),
            Ok(()),
        ),
        (TargetNamePolicy::Off, Some("cifs/evil.example"), Ok(())),
    ] {
        let server_config = ServerConfig {
            service_names: names.clone(),
            target_name_policy: policy,
            ..ServerConfig::default()
        };
        let mut config = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
        config.target = sent.map(str::to_string);
        let result = run(
            &mut client(config),
            &mut server(server_config),
            |_| {},
            |_| {},
        );
        assert_eq!(
            result.map_err(|e| ntlm_error(&e)),
            expected,
            "{policy:?} {sent:?}"
        );
    }
    // A server with no names checks nothing.
    let mut config = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
    config.target = Some("cifs/evil.example".into());
    run(
        &mut client(config),
        &mut server(ServerConfig::default()),
        |_| {},
        |_| {},
    )
    .unwrap();
}

/// Flags of the NEGOTIATE at `offset`, rewritten in flight.
fn strip_flags(message: &mut [u8], offset: usize, flags: NegotiateFlags) {
    let mut f = u32::from_le_bytes(message[offset..offset + 4].try_into().unwrap());
    f &= !flags.0;
    message[offset..offset + 4].copy_from_slice(&f.to_le_bytes());
}

/// Minimum session security: a NEGOTIATE without 128-bit keys is refused by the server, a
/// CHALLENGE without them by the client, each naming what was missing.
#[test]
fn minimum_session_security() {
    // The server: a client that does not ask for 128-bit keys.
    let mut c = client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1"));
    let Step::Continue(mut negotiate) = c.step(Input::Start).unwrap() else {
        panic!()
    };
    strip_flags(&mut negotiate, 12, NegotiateFlags::KEY_128);
    let e = server(ServerConfig::default())
        .step(Input::Token(&negotiate))
        .unwrap_err();
    assert_eq!(
        ntlm_error(&e),
        NtlmError::BelowMinimum {
            message: "NEGOTIATE",
            missing: NegotiateFlags::KEY_128
        }
    );
    assert!(e.to_string().contains("KEY_128"), "{e}");
    // With the minimum lowered, the same NEGOTIATE is answered.
    let lowered = ServerConfig {
        minimum: NegotiateFlags::default(),
        ..ServerConfig::default()
    };
    assert!(server(lowered).step(Input::Token(&negotiate)).is_ok());
    // Requiring sealing too: a client that asks for integrity only is refused.
    let mut integrity_only = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
    integrity_only.confidentiality = false;
    let strict = ServerConfig {
        minimum: NegotiateFlags::KEY_128 | NegotiateFlags::SEAL,
        ..ServerConfig::default()
    };
    let e = run(
        &mut client(integrity_only),
        &mut server(strict),
        |_| {},
        |_| {},
    )
    .unwrap_err();
    assert_eq!(
        ntlm_error(&e),
        NtlmError::BelowMinimum {
            message: "NEGOTIATE",
            missing: NegotiateFlags::SEAL
        }
    );
    // The client: a CHALLENGE altered to grant no 128-bit keys (flags at offset 20).
    let e = run(
        &mut client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1")),
        &mut server(ServerConfig::default()),
        |ch| strip_flags(ch, 20, NegotiateFlags::KEY_128),
        |_| {},
    )
    .unwrap_err();
    assert_eq!(
        ntlm_error(&e),
        NtlmError::BelowMinimum {
            message: "CHALLENGE",
            missing: NegotiateFlags::KEY_128
        }
    );
}

/// Empty NT and LM responses with a user name: no NTLMv1 was sent, and the error says so.
#[test]
fn empty_responses_are_their_own_error() {
    let mut c = client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1"));
    let mut s = server(ServerConfig::default());
    let Step::Continue(negotiate) = c.step(Input::Start).unwrap() else {
        panic!()
    };
    let Step::Continue(challenge) = s.step(Input::Token(&negotiate)).unwrap() else {
        panic!()
    };
    let Step::Complete(Some(auth)) = c.step(Input::Token(&challenge)).unwrap() else {
        panic!()
    };
    let mut message = Authenticate::parse(&auth).unwrap();
    message.nt_response.clear();
    message.lm_response.clear();
    message.mic = None;
    let e = s.step(Input::Token(&message.to_bytes())).unwrap_err();
    assert_eq!(
        ntlm_error(&e),
        NtlmError::EmptyResponse {
            domain: "EXAMPLE".into(),
            user: "user1".into()
        }
    );
}

/// A clock that moves when told to, to make the client's timestamp stale.
struct SteppingClock(Mutex<SystemTime>);

impl Clock for SteppingClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

#[test]
fn stale_timestamp_is_refused() {
    let time = Arc::new(SteppingClock(Mutex::new(
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW),
    )));
    let mut s = NtlmServer::new(
        ServerConfig::default(),
        users(),
        time.clone(),
        Box::new(DeterministicRandom::new([3; 32])),
    );
    let mut c = client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1"));
    let Step::Continue(negotiate) = c.step(Input::Start).unwrap() else {
        panic!()
    };
    let Step::Continue(challenge) = s.step(Input::Token(&negotiate)).unwrap() else {
        panic!()
    };
    let Step::Complete(Some(auth)) = c.step(Input::Token(&challenge)).unwrap() else {
        panic!()
    };
    *time.0.lock().unwrap() += Duration::from_secs(3600);
    let e = s.step(Input::Token(&auth)).unwrap_err();
    assert_eq!(ntlm_error(&e), NtlmError::StaleTimestamp { seconds: 3600 });
}

#[test]
fn anonymous_is_refused_unless_allowed() {
    let anonymous = ClientConfig {
        credentials: Credentials::Anonymous,
        user: String::new(),
        domain: String::new(),
        ..ClientConfig::password("", "", "")
    };
    let e = run(
        &mut client(anonymous.clone()),
        &mut server(ServerConfig::default()),
        |_| {},
        |_| {},
    )
    .unwrap_err();
    assert_eq!(ntlm_error(&e), NtlmError::AnonymousRefused);
    let allow = ServerConfig {
        allow_anonymous: true,
        ..ServerConfig::default()
    };
    run(&mut client(anonymous), &mut server(allow), |_| {}, |_| {}).unwrap();
}

#[test]
fn garbage_and_wrong_order_are_errors() {
    let mut s = server(ServerConfig::default());
    assert!(s.step(Input::Token(b"not ntlm")).is_err());
    let mut s = server(ServerConfig::default());
    assert!(s.step(Input::Start).is_err());
    let mut c = client(ClientConfig::password("EXAMPLE", "user1", "Passw0rd1"));
    assert!(c.step(Input::Token(b"NTLMSSP\0\x02\0\0\0")).is_err());
    assert!(
        c.wrap(b"x", true).is_err(),
        "no protection before establishment"
    );
    let _keep: Zeroizing<u8> = Zeroizing::new(0);
}

/// NTLMv1 (with extended session security) only when both sides opt in.
#[test]
fn ntlmv1_needs_the_explicit_opt_in() {
    let mut v1 = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
    v1.ntlmv1 = true;
    let e = run(
        &mut client(v1.clone()),
        &mut server(ServerConfig::default()),
        |_| {},
        |_| {},
    )
    .unwrap_err();
    assert_eq!(ntlm_error(&e), NtlmError::Ntlmv1Refused);
    let allow = ServerConfig {
        allow_ntlmv1: true,
        ..ServerConfig::default()
    };
    let (mut c, mut s) = (client(v1.clone()), server(allow.clone()));
    run(&mut c, &mut s, |_| {}, |_| {}).unwrap();
    let token = c.wrap(b"v1 sealed", true).unwrap();
    assert_eq!(s.unwrap(&token).unwrap().0, b"v1 sealed");
    let mut wrong = v1;
    wrong.credentials = Credentials::NtHash(sesame_ntlm::crypto::nt_hash("wrong"));
    let e = run(&mut client(wrong), &mut server(allow), |_| {}, |_| {}).unwrap_err();
    assert!(matches!(ntlm_error(&e), NtlmError::WrongPassword { .. }));
}

/// Authentication only (an LDAP bind inside TLS): neither SIGN nor SEAL asked, none
/// negotiated, no INTEGRITY on either side, and SPNEGO's mechListMIC not required (nothing to
/// sign it with) though the AUTHENTICATE still carries its MIC. The default asks for both.
#[test]
fn authentication_only_negotiates_no_sign_and_needs_no_mech_list_mic() {
    use sesame_gss::ContextFlags;
    use sesame_ntlm::messages::Negotiate;
    for (integrity, confidentiality) in [(false, false), (true, false), (true, true)] {
        let mut config = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
        config.integrity = integrity;
        config.confidentiality = confidentiality;
        let (mut c, mut s) = (client(config), server(ServerConfig::default()));
        let Step::Continue(negotiate) = c.step(Input::Start).unwrap() else {
            panic!("NEGOTIATE")
        };
        let flags = Negotiate::parse(&negotiate).unwrap().flags;
        assert_eq!(flags.contains(NegotiateFlags::SIGN), integrity);
        assert_eq!(flags.contains(NegotiateFlags::SEAL), confidentiality);
        let Step::Continue(challenge) = s.step(Input::Token(&negotiate)).unwrap() else {
            panic!("CHALLENGE")
        };
        let Step::Complete(Some(auth)) = c.step(Input::Token(&challenge)).unwrap() else {
            panic!("AUTHENTICATE")
        };
        assert!(Authenticate::parse(&auth).unwrap().mic.is_some());
        s.step(Input::Token(&auth)).unwrap();
        for ctx in [&c as &dyn SecurityContext, &s] {
            assert!(ctx.is_established());
            assert_eq!(ctx.flags().contains(ContextFlags::INTEGRITY), integrity);
            assert_eq!(ctx.requires_mech_list_mic(), integrity);
        }
    }
}
