//! The KDC-proxy transport's failures as facts, without a proxy: nothing listening, a server
//! that does not speak TLS. (The real proxy, with good and bad certificates, is in
//! `cargo xtask conformance`.)
#![cfg(feature = "kdc-proxy")]
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use sesame_gss::KdcRequest;
use sesame_kerberos::transport::{
    KdcClient, KdcFailure, KdcTransport, Protocol, ProxyClient, ProxyConfig, TlsProblem,
    TransportError,
};

fn request() -> KdcRequest {
    KdcRequest {
        realm: "EXAMPLE.TEST".into(),
        message: vec![0x6a, 0x00],
    }
}

fn failure(url: &str) -> KdcFailure {
    let proxy = ProxyClient::new(&ProxyConfig {
        extra_ca: None,
        timeout: Duration::from_secs(3),
    })
    .unwrap();
    let client = KdcClient::new()
        .with_kdc("EXAMPLE.TEST", url)
        .with_proxy(proxy);
    match client.send(&request()).unwrap_err() {
        TransportError::AllFailed { attempts, .. } => {
            assert_eq!(attempts[0].protocol, Protocol::Https);
            assert_eq!(attempts[0].kdc, url);
            attempts[0].failure.clone()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nothing_listening_is_connection_refused() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert_eq!(
        failure(&format!("https://127.0.0.1:{port}/KdcProxy")),
        KdcFailure::ConnectionRefused
    );
}

#[test]
fn a_server_that_is_not_tls_is_a_tls_failure() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        if let Ok((mut s, _)) = listener.accept() {
            let mut buf = [0u8; 512];
            let _ = s.read(&mut buf);
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
        }
    });
    match failure(&format!("https://127.0.0.1:{port}/KdcProxy")) {
        KdcFailure::Tls(TlsProblem::Other(_)) | KdcFailure::Http(_) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_extra_ca_that_is_not_pem_is_refused() {
    let path = std::env::temp_dir().join(format!("sesame-not-a-ca-{}", std::process::id()));
    std::fs::write(&path, b"not a certificate").unwrap();
    let e = ProxyClient::new(&ProxyConfig {
        extra_ca: Some(path),
        timeout: Duration::from_secs(1),
    })
    .unwrap_err();
    assert!(e.contains("no PEM certificate"), "{e}");
}
