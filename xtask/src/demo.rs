//! `cargo xtask demo`: Negotiate end to end in one process, with no installed software — a
//! client, a server, and the in-process test KDC. First a Kerberos handshake; then, with the KDC
//! made unreachable, the policy's decision and the NTLM fallback. Every message is printed
//! decoded (mechanism, fields, whether a mechListMIC is present). Both sides are the front
//! door a program uses (`Client`, `Server`); the KDC is reached through a transport that
//! prints what crosses.

use std::path::Path;
use std::sync::Arc;

use sesame_gss::{Clock, KdcRequest, MessageProtection, SystemClock, SystemRandom};
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::transport::{KdcTransport, TransportError};
use sesame_negotiate::{Client, Progress, Server};
use sesame_ntlm::MemoryUserStore;
use sesame_testkdc::{Exchange, Fault, TestKdc};

use crate::conformance::inspect::inspect;
use crate::util::Result;

/// The test KDC, printing what crosses.
struct Shown(Arc<TestKdc>);

impl KdcTransport for Shown {
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

fn run(title: &str, kdc: &Arc<TestKdc>, server: &Server) -> Result {
    println!("\n== {title}");
    let conf = Krb5Conf::parse(
        "[libdefaults]\n    default_realm = EXAMPLE.TEST\n",
        Path::new("demo.conf"),
    )
    .map_err(|e| e.to_string())?;
    let mut client = Client::new("HTTP/localhost")
        .with_password("EXAMPLE\\user1", "Passw0rd1")
        .krb5_conf(conf)
        .kdc_transport(Arc::new(Shown(kdc.clone())));
    let mut acceptor = server.accept();
    let fail = |e: sesame_gss::Error| e.to_string();
    let mut progress = client.step(None).map_err(fail)?;
    if let Some(reason) = client.context().and_then(|c| c.fallback()) {
        println!("    policy (allowlist): fall back to NTLM: {reason}");
    }
    while let Some(token) = progress.token().map(<[u8]>::to_vec) {
        println!("    client -> server {}", describe(&token));
        let answer = acceptor.step(&token).map_err(fail)?;
        let Some(t) = answer.token() else { break };
        println!("    server -> client {}", describe(t));
        if progress.is_complete() {
            break;
        }
        progress = client.step(Some(t)).map_err(fail)?;
        if matches!(progress, Progress::Complete(None)) {
            break;
        }
    }
    let (Some(c), Some(s)) = (client.negotiated(), acceptor.negotiated()) else {
        return Err("the handshake did not complete".into());
    };
    println!(
        "    established: client used spnego/{} ({}), server authenticated {}",
        c.mechanism,
        c.key
            .map_or_else(|| "no key".into(), |k| k.algorithm.to_string()),
        s.peer.unwrap_or_default()
    );
    let sealed = client.wrap(b"hello over Negotiate", true).map_err(fail)?;
    let (plain, _) = acceptor.unwrap(&sealed).map_err(fail)?;
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
    let kdc = Arc::new(TestKdc::new(
        &["EXAMPLE.TEST"],
        clock,
        Box::new(SystemRandom),
    ));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let server = Server::empty()
        .with_keytab(keytab)
        .with_ntlm_users(Arc::new(users))
        .service_names(&["HTTP/localhost"])
        .map_err(|e| e.to_string())?;
    println!(
        "Sesame Negotiate demo: client user1@EXAMPLE.TEST, server HTTP/localhost, in-process test KDC"
    );
    run("1. Kerberos (the KDC answers)", &kdc, &server)?;
    kdc.set_fault(Exchange::Any, Fault::Drop);
    run(
        "2. The KDC is unreachable: the policy decides, NTLM takes over",
        &kdc,
        &server,
    )?;
    println!("\nThe same with real peers: cargo xtask conformance (docs/conformance.md).");
    Ok(())
}
