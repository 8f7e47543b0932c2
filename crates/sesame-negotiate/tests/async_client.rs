//! `Client::step_async` inside a current-thread tokio runtime, against a KDC that answers only
//! when another task of the same runtime says so: the exchange completes only if the client
//! never blocks the runtime's one thread while it waits for the KDC. The blocking `step` under
//! the same KDC cannot complete (it holds the thread the answer needs), which shows the test
//! can fail.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, channel};
use std::time::Duration;

use sesame_gss::{Clock, DeterministicRandom, KdcRequest, SystemClock};
use sesame_kerberos::KerberosError;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_kerberos::transport::{KdcTransport, TransportError};
use sesame_negotiate::{Client, Server};
use sesame_testkdc::TestKdc;

/// A KDC on loopback (TCP) that answers each request only after a fresh "go" from `go`.
fn gated_kdc(kdc: Arc<TestKdc>, go: Receiver<()>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let mut len = [0u8; 4];
            if stream.read_exact(&mut len).is_err() {
                continue;
            }
            let mut message = vec![0u8; u32::from_be_bytes(len) as usize];
            if stream.read_exact(&mut message).is_err() {
                continue;
            }
            // Only a "go" sent after the request arrived counts.
            while go.try_recv().is_ok() {}
            if go.recv().is_err() {
                return;
            }
            let request = KdcRequest {
                realm: "EXAMPLE.TEST".into(),
                message,
            };
            if let Ok(reply) = kdc.send(&request) {
                let n = u32::try_from(reply.len()).unwrap();
                let _ = stream.write_all(&n.to_be_bytes());
                let _ = stream.write_all(&reply);
            }
        }
    });
    port
}

fn setup() -> (Client, Server, std::sync::mpsc::Sender<()>) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let kdc = Arc::new(TestKdc::new(
        &["EXAMPLE.TEST"],
        clock,
        Box::new(DeterministicRandom::new([5; 32])),
    ));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let (tx, rx) = channel();
    let port = gated_kdc(kdc, rx);
    let conf = Krb5Conf::parse(
        &format!(
            "[libdefaults]\n default_realm = EXAMPLE.TEST\n udp_preference_limit = 1\n\
             [realms]\n EXAMPLE.TEST = {{\n  kdc = 127.0.0.1:{port}\n }}\n"
        ),
        Path::new("gated.conf"),
    )
    .unwrap();
    let client = Client::new("HTTP/localhost")
        .with_password("user1", "Passw0rd1")
        .packages("kerberos")
        .krb5_conf(conf);
    (client, Server::empty().with_keytab(keytab), tx)
}

#[tokio::test(flavor = "current_thread")]
async fn the_kdc_exchange_never_blocks_the_runtime() {
    let (mut client, server, go) = setup();
    // Another task of this runtime: the only one that lets the KDC answer.
    let ticker = tokio::spawn(async move {
        loop {
            if go.send(()).is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut acceptor = server.accept();
    let first = client.step_async(None).await.unwrap();
    let answer = acceptor.step(first.token().unwrap()).unwrap();
    let last = client.step_async(answer.token()).await.unwrap();
    assert!(last.is_complete() && acceptor.is_complete());
    let n = client.negotiated().unwrap();
    assert_eq!(n.mechanism, "kerberos");
    assert_eq!(
        acceptor.negotiated().unwrap().peer.as_deref(),
        Some("user1@EXAMPLE.TEST")
    );
    ticker.abort();
}

#[tokio::test(flavor = "current_thread")]
async fn the_blocking_step_under_the_same_kdc_cannot_finish() {
    let (mut client, _server, go) = setup();
    let ticker = tokio::spawn(async move {
        loop {
            if go.send(()).is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    // Holds the runtime's only thread: the ticker never runs, the KDC never answers.
    let e = client.step(None).unwrap_err();
    assert!(
        matches!(
            e.mech_error::<KerberosError>(),
            Some(KerberosError::Transport(TransportError::AllFailed { .. }))
        ),
        "{e}"
    );
    ticker.abort();
}
