//! `cargo xtask demo`: Negotiate end to end in one process, with no installed software — a
//! client, a server, and the in-process test KDC. First a Kerberos handshake; then, with the KDC
//! made unreachable, the policy's decision and the NTLM fallback. Every message is printed
//! decoded (mechanism, fields, whether a mechListMIC is present).

use std::sync::Arc;

use sesame_gss::{
    Clock, ContextFlags, Input, KdcRequest, MessageProtection, Random, SecurityContext, Spn, Step,
    SystemClock, SystemRandom,
};
use sesame_kerberos::gssapi::{AcceptorConfig, AcceptorCredentials, InitiatorCredentials};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::{KdcTransport, TransportError, step_with_kdc};
use sesame_negotiate::{
    AcceptorSetup, FallbackPolicy, Identity, NegotiateConfig, NegotiateInitiator, Packages,
    RandomSource, negotiate_acceptor,
};
use sesame_ntlm::{
    ClientConfig, ClientCredentials, MemoryUserStore, ServerConfig, ServerCredentials,
};
use sesame_testkdc::{Exchange, Fault, TestKdc};

use crate::conformance::inspect::inspect;
use crate::util::Result;

/// The test KDC, printing what crosses.
struct Shown<'a>(&'a TestKdc);

impl KdcTransport for Shown<'_> {
    fn send(&self, request: &KdcRequest) -> std::result::Result<Vec<u8>, TransportError> {
        println!("    client -> KDC   {}", describe(&request.message));
        let reply = self.0.send(request);
        match &reply {
            Ok(r) => println!("    KDC -> client   {}", describe(r)),
            Err(e) => println!("    KDC -> client   (nothing: {e})"),
        }
        reply
    }
}

fn describe(bytes: &[u8]) -> String {
    if bytes.starts_with(b"NTLMSSP\0") {
        return format!("NTLMSSP type {}", bytes.get(8).copied().unwrap_or(0));
    }
    inspect(bytes).unwrap_or_else(|e| format!("({} bytes: {e})", bytes.len()))
}

fn random() -> RandomSource {
    Arc::new(|| Box::new(SystemRandom) as Box<dyn Random>)
}

fn run(title: &str, kdc: &TestKdc, setup: &AcceptorSetup, identity: &Identity) -> Result {
    println!("\n== {title}");
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let config = NegotiateConfig {
        packages: Packages::default(),
        policy: FallbackPolicy::Allowlist,
        target: Spn::parse("HTTP/localhost").map_err(|e| e.to_string())?,
        realm: "EXAMPLE.TEST".into(),
        flags: ContextFlags::MUTUAL | ContextFlags::CONFIDENTIALITY | ContextFlags::INTEGRITY,
        channel_bindings: None,
        enctypes: None,
    };
    let mut client = NegotiateInitiator::new(config, identity.clone(), clock.clone(), random())
        .map_err(|e| e.to_string())?;
    let mut server = negotiate_acceptor(setup, &clock, &random());
    let transport = Shown(kdc);
    let fail = |e: sesame_gss::Error| e.to_string();
    let mut step = step_with_kdc(&mut client, Input::Start, &transport).map_err(fail)?;
    if let Some(reason) = client.fallback() {
        println!("    policy (allowlist): fall back to NTLM: {reason}");
    }
    loop {
        let (token, client_done) = match step {
            Step::Continue(t) => (t, false),
            Step::Complete(Some(t)) => (t, true),
            _ => break,
        };
        println!("    client -> server {}", describe(&token));
        match server.step(Input::Token(&token)).map_err(fail)? {
            Step::Continue(t) | Step::Complete(Some(t)) => {
                println!("    server -> client {}", describe(&t));
                if client_done {
                    break;
                }
                step = step_with_kdc(&mut client, Input::Token(&t), &transport).map_err(fail)?;
            }
            _ => break,
        }
    }
    let peer = server.peer_name().map(|p| p.0.clone()).unwrap_or_default();
    println!(
        "    established: client used spnego/{}, server authenticated {peer}",
        client.mechanism_name()
    );
    let sealed = client.wrap(b"hello over Negotiate", true).map_err(fail)?;
    let (plain, _) = server.unwrap(&sealed).map_err(fail)?;
    println!(
        "    sealed message: {} bytes on the wire, unwrapped: {:?}",
        sealed.len(),
        String::from_utf8_lossy(&plain)
    );
    Ok(())
}

pub fn main(args: &[String]) -> Result {
    if let Some(a) = args.first() {
        return Err(format!("demo takes no arguments (got {a})"));
    }
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let kdc = TestKdc::new(&["EXAMPLE.TEST"], clock, Box::new(SystemRandom));
    let user = kdc.add_user("user1", "Passw0rd1");
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
    let identity = || Identity {
        kerberos: Some(Arc::new(InitiatorCredentials::with_password(
            Principal::parse(&user.to_string(), None).unwrap_or_default(),
            "Passw0rd1",
        ))),
        ntlm: Some(Arc::new(ClientCredentials::new(ClientConfig::password(
            "EXAMPLE",
            "user1",
            "Passw0rd1",
        )))),
    };
    println!(
        "Sesame Negotiate demo: client user1@EXAMPLE.TEST, server HTTP/localhost, in-process test KDC"
    );
    run("1. Kerberos (the KDC answers)", &kdc, &setup, &identity())?;
    kdc.set_fault(Exchange::Any, Fault::Drop);
    run(
        "2. The KDC is unreachable: the policy decides, NTLM takes over",
        &kdc,
        &setup,
        &identity(),
    )?;
    println!("\nThe same with real peers: cargo xtask conformance (docs/conformance.md).");
    Ok(())
}
