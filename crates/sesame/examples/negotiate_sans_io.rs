//! The token loop by hand, for people with their own transport: a Negotiate initiator and
//! acceptor in one process, the initiator's KDC requests answered by an in-process test KDC.
//! Every step is the sans-IO contract: `step(Input) -> Step`, where `Step::NeedKdc` asks the
//! caller to reach the KDC (over TCP, UDP, a KDC proxy, or anything else) and feed the reply
//! back with `Input::KdcReply`.
//!
//! `cargo run -p sesame --example negotiate_sans_io`

use std::sync::Arc;

use sesame::gss::{Input, MessageProtection, Random, SecurityContext, Spn, Step, SystemClock};
use sesame::kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, InitiatorCredentials};
use sesame::kerberos::principal::Principal;
use sesame::kerberos::transport::KdcTransport;
use sesame::negotiate::{
    AcceptorSetup, FallbackPolicy, Identity, NegotiateConfig, NegotiateInitiator, Packages,
    RandomSource, negotiate_acceptor,
};
use sesame_testkdc::TestKdc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let clock: Arc<dyn sesame::gss::Clock> = Arc::new(SystemClock);
    let random: RandomSource = Arc::new(|| Box::new(sesame::gss::SystemRandom) as Box<dyn Random>);
    let kdc = TestKdc::new(&["EXAMPLE.TEST"], clock.clone(), random());
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");

    let identity = Identity {
        kerberos: Some(Arc::new(InitiatorCredentials::with_password(
            Principal::parse("user1@EXAMPLE.TEST", None)?,
            "Passw0rd1",
        ))),
        ntlm: None,
    };
    let config = NegotiateConfig {
        packages: Packages::default(),
        policy: FallbackPolicy::Allowlist,
        target: Spn::parse("HTTP/localhost")?,
        realm: "EXAMPLE.TEST".into(),
        flags: sesame::ContextFlags::MUTUAL
            | sesame::ContextFlags::INTEGRITY
            | sesame::ContextFlags::CONFIDENTIALITY,
        channel_bindings: None,
        enctypes: None,
        impersonate: None,
    };
    let mut client = NegotiateInitiator::new(config, identity, clock.clone(), random.clone())?;
    let setup = AcceptorSetup {
        packages: Packages::default(),
        kerberos: Some((
            Arc::new(AcceptorCredentials::Keytab(keytab)),
            AcceptorConfig::default(),
        )),
        ntlm: None,
    };
    let mut server = negotiate_acceptor(&setup, &clock, &random);

    let mut step = client.step(Input::Start)?;
    loop {
        let token = match step {
            Step::NeedKdc(request) => {
                println!(
                    "client -> KDC of {}: {} bytes",
                    request.realm,
                    request.message.len()
                );
                let reply = kdc.send(&request)?; // your transport here
                println!("KDC -> client: {} bytes", reply.len());
                step = client.step(Input::KdcReply(&reply))?;
                continue;
            }
            Step::Continue(t) | Step::Complete(Some(t)) => t,
            Step::Complete(None) => break,
        };
        println!("client -> server: {} bytes", token.len());
        match server.step(Input::Token(&token))? {
            Step::Continue(answer) | Step::Complete(Some(answer)) => {
                println!("server -> client: {} bytes", answer.len());
                if client.is_established() {
                    break;
                }
                step = client.step(Input::Token(&answer))?;
            }
            _ => break,
        }
    }
    assert!(client.is_established() && server.is_established());
    println!(
        "established: {} with {}, as {}",
        client.mechanism_name(),
        client.peer_name().map(|p| p.0.as_str()).unwrap_or_default(),
        server.peer_name().map(|p| p.0.as_str()).unwrap_or_default(),
    );
    let sealed = client.wrap(b"hello", true)?;
    let (plain, confidential) = server.unwrap(&sealed)?;
    println!(
        "sealed message: {} bytes, unwrapped {:?} (confidential: {confidential})",
        sealed.len(),
        String::from_utf8_lossy(&plain)
    );
    Ok(())
}
