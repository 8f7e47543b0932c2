//! Extended Protection over real TLS: the axum layer behind a rustls listener that knows its
//! own certificate's `tls-server-end-point` and requires bindings; the reqwest client binds
//! the handshake to the certificate of the connection that answered 401, with nothing given
//! by hand. A server whose channel is another certificate's (a relay terminating TLS in front
//! of it) refuses the same client; a client that cannot see the certificate is refused.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::Extension;
use axum::routing::get;
use axum::serve::{Listener, ListenerExt as _};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use sesame::gss::{DeterministicRandom, SystemClock};
use sesame::http::client::HttpError;
use sesame::http::server::{Authenticated, NegotiateLayer};
use sesame::kerberos::krb5_conf::Krb5Conf;
use sesame::ntlm::MemoryUserStore;
use sesame::{ChannelBindingPolicy, ChannelBindings};
use sesame_testkdc::TestKdc;

const CERT_A: &[u8] = include_bytes!("data/localhost-a.pem");
const KEY_A: &[u8] = include_bytes!("data/localhost-a.key");
const CERT_B: &[u8] = include_bytes!("data/localhost-b.pem");

fn der(pem: &[u8]) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(pem).unwrap()
}

/// TLS in front of axum: each accepted connection is handshaken before axum sees it.
struct TlsListener {
    tcp: tokio::net::TcpListener,
    tls: tokio_rustls::TlsAcceptor,
}

impl Listener for TlsListener {
    type Io = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let Ok((tcp, addr)) = self.tcp.accept().await else {
                continue;
            };
            if let Ok(tls) = self.tls.accept(tcp).await {
                return (tls, addr);
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// An HTTPS server presenting certificate A whose layer believes its channel is `channel`'s
/// certificate, with bindings `required`; its URL.
async fn server(kdc: &TestKdc, channel: &[u8]) -> String {
    let keytab = kdc.add_service("HTTP/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let bindings = ChannelBindings::tls_server_end_point(&der(channel)).unwrap();
    let server = sesame::Server::empty()
        .with_keytab(keytab)
        .with_ntlm_users(Arc::new(users))
        .channel_bindings(Some(bindings), ChannelBindingPolicy::Required);
    let app = axum::Router::new()
        .route(
            "/",
            get(|Extension(user): Extension<Authenticated>| async move {
                format!("{} ({})", user.user, user.mechanism)
            }),
        )
        .layer(NegotiateLayer::new(Arc::new(server)));
    let config = rustls::ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![der(CERT_A)],
            PrivateKeyDer::from_pem_slice(KEY_A).unwrap(),
        )
        .unwrap();
    let listener = TlsListener {
        tcp: tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap(),
        tls: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
    };
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(
            listener.tap_io(|_| {}),
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    format!("https://localhost:{port}/")
}

fn kdc(seed: u8) -> Arc<TestKdc> {
    let kdc = Arc::new(TestKdc::new(
        &["EXAMPLE.TEST"],
        Arc::new(SystemClock),
        Box::new(DeterministicRandom::new([seed; 32])),
    ));
    kdc.add_user("user1", "Passw0rd1");
    kdc
}

fn client(kdc: &Arc<TestKdc>, packages: &str) -> sesame::Client {
    sesame::Client::new("HTTP/localhost")
        .with_password("EXAMPLE\\user1", "Passw0rd1")
        .packages(packages)
        .krb5_conf(
            Krb5Conf::parse(
                "[libdefaults]\n default_realm = EXAMPLE.TEST\n",
                Path::new("t.conf"),
            )
            .unwrap(),
        )
        .kdc_transport(kdc.clone())
}

/// reqwest trusting certificate A, and reporting the connection's certificate or not.
fn https(tls_info: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(CERT_A).unwrap()])
        .tls_info(tls_info)
        .build()
        .unwrap()
}

#[tokio::test]
async fn kerberos_and_ntlm_are_bound_to_the_connections_certificate() {
    let kdc = kdc(5);
    let url = server(&kdc, CERT_A).await;
    for (packages, expected) in [
        ("kerberos,ntlm", "user1@EXAMPLE.TEST (kerberos)"),
        ("ntlm", "EXAMPLE\\user1 (ntlm)"),
    ] {
        let (response, negotiated) =
            sesame::http::client::get(&https(true), &url, client(&kdc, packages))
                .await
                .unwrap_or_else(|e| panic!("{packages}: {e}"));
        assert!(negotiated.is_some());
        assert_eq!(response.text().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn a_server_whose_channel_is_another_certificate_refuses_them() {
    let kdc = kdc(6);
    // The layer believes its channel is certificate B: what a relay terminating TLS with its
    // own certificate looks like to the client's token.
    let url = server(&kdc, CERT_B).await;
    let e = sesame::http::client::get(&https(true), &url, client(&kdc, "kerberos"))
        .await
        .unwrap_err();
    let code = match &e {
        HttpError::Auth(a) => a
            .mech_error::<sesame::kerberos::KerberosError>()
            .and_then(sesame::kerberos::KerberosError::krb_error_code),
        _ => None,
    };
    assert_eq!(
        code,
        Some(sesame_asn1::kerberos::constants::error_code::KRB_AP_ERR_BADMATCH),
        "{e}"
    );
    let e = sesame::http::client::get(&https(true), &url, client(&kdc, "ntlm"))
        .await
        .unwrap_err();
    assert!(
        matches!(e, HttpError::Refused(401) | HttpError::Auth(_)),
        "ntlm: {e}"
    );
}

#[tokio::test]
async fn a_client_that_does_not_see_the_certificate_sends_no_bindings_and_is_refused() {
    let kdc = kdc(7);
    let url = server(&kdc, CERT_A).await;
    let e = sesame::http::client::get(&https(false), &url, client(&kdc, "kerberos"))
        .await
        .unwrap_err();
    assert!(matches!(e, HttpError::Auth(_)), "{e}");
    // Bindings given by hand are used as they are, with or without tls_info.
    let ours = ChannelBindings::tls_server_end_point(&der(CERT_A)).unwrap();
    let (response, _) = sesame::http::client::get(
        &https(false),
        &url,
        client(&kdc, "kerberos").channel_bindings(ours),
    )
    .await
    .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        "user1@EXAMPLE.TEST (kerberos)"
    );
}
