//! HTTP Negotiate end to end in one process: the axum layer serving, the reqwest client asking,
//! with the test KDC: Kerberos with the server's final token checked, NTLM on one connection,
//! and a server that offers only Basic.
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use axum::extract::Extension;
use axum::routing::get;
use sesame::gss::{DeterministicRandom, SystemClock};
use sesame::http::client::HttpError;
use sesame::http::server::{Authenticated, Connection, NegotiateLayer, NumberedListener};
use sesame::kerberos::krb5_conf::Krb5Conf;
use sesame::ntlm::MemoryUserStore;
use sesame_testkdc::TestKdc;

struct World {
    kdc: Arc<TestKdc>,
    url: String,
}

/// The layer over the test KDC and an NTLM user; `numbered`: served through a
/// `NumberedListener` (each connection known), else with `ConnectInfo<SocketAddr>`.
async fn served(numbered: bool) -> World {
    let kdc = Arc::new(TestKdc::new(
        &["EXAMPLE.TEST"],
        Arc::new(SystemClock),
        Box::new(DeterministicRandom::new([3; 32])),
    ));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let server = sesame::Server::empty()
        .with_keytab(keytab)
        .with_ntlm_users(Arc::new(users))
        .service_names(&["HTTP/localhost"])
        .unwrap();
    let app = axum::Router::new()
        .route(
            "/",
            get(|Extension(user): Extension<Authenticated>| async move {
                format!("hello {} ({})", user.user, user.mechanism)
            }),
        )
        .layer(NegotiateLayer::new(Arc::new(server)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    if numbered {
        let listener = NumberedListener::new(listener);
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<Connection>(),
            )
            .await
            .unwrap();
        });
    } else {
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .unwrap();
        });
    }
    World {
        kdc,
        url: format!("http://localhost:{}/", addr.port()),
    }
}

async fn world() -> World {
    served(false).await
}

fn client(w: &World) -> sesame::Client {
    sesame::Client::new("HTTP/localhost")
        .with_password("EXAMPLE\\user1", "Passw0rd1")
        .krb5_conf(
            Krb5Conf::parse(
                "[libdefaults]\n default_realm = EXAMPLE.TEST\n",
                Path::new("t.conf"),
            )
            .unwrap(),
        )
        .kdc_transport(w.kdc.clone())
}

#[tokio::test]
async fn kerberos_with_the_servers_final_token_checked() {
    let w = world().await;
    let http = reqwest::Client::new();
    let (response, negotiated) = sesame::http::client::get(&http, &w.url, client(&w))
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let n = negotiated.unwrap();
    assert_eq!(n.mechanism, "kerberos");
    assert_eq!(n.peer.as_deref(), Some("HTTP/localhost@EXAMPLE.TEST"));
    assert_eq!(
        response.text().await.unwrap(),
        "hello user1@EXAMPLE.TEST (kerberos)"
    );
}

#[tokio::test]
async fn ntlm_on_one_connection() {
    let w = world().await;
    let http = reqwest::Client::new();
    let (response, negotiated) =
        sesame::http::client::get(&http, &w.url, client(&w).packages("ntlm"))
            .await
            .unwrap();
    assert_eq!(negotiated.unwrap().mechanism, "ntlm");
    assert_eq!(
        response.text().await.unwrap(),
        "hello EXAMPLE\\user1 (ntlm)"
    );
    // A logon is not remembered for the connection (another connection from the same address
    // and port must not inherit it): a plain GET is challenged again.
    let again = http.get(&w.url).send().await.unwrap();
    assert_eq!(again.status(), 401);
}

/// Served through a NumberedListener, the layer knows the connection: an NTLM logon holds for
/// its later requests (as IIS), and only for it: a new connection is challenged.
#[tokio::test]
async fn ntlm_holds_for_a_numbered_connection_and_only_for_it() {
    let w = served(true).await;
    let http = reqwest::Client::new();
    let (response, _) = sesame::http::client::get(&http, &w.url, client(&w).packages("ntlm"))
        .await
        .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        "hello EXAMPLE\\user1 (ntlm)"
    );
    let again = http.get(&w.url).send().await.unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.text().await.unwrap(), "hello EXAMPLE\\user1 (ntlm)");
    // Another client, another connection: nothing inherited.
    let other = reqwest::Client::new().get(&w.url).send().await.unwrap();
    assert_eq!(other.status(), 401);
    // Kerberos is not remembered (each request carries its ticket).
    let http = reqwest::Client::new();
    let (response, _) = sesame::http::client::get(&http, &w.url, client(&w))
        .await
        .unwrap();
    assert_eq!(
        response.text().await.unwrap(),
        "hello user1@EXAMPLE.TEST (kerberos)"
    );
    assert_eq!(http.get(&w.url).send().await.unwrap().status(), 401);
}

#[tokio::test]
async fn no_token_is_a_challenge_and_a_wrong_password_is_refused() {
    let w = world().await;
    let plain = reqwest::get(&w.url).await.unwrap();
    assert_eq!(plain.status(), 401);
    assert_eq!(plain.headers()["www-authenticate"], "Negotiate");
    let http = reqwest::Client::new();
    let wrong = client(&w)
        .with_password("EXAMPLE\\user1", "wrong")
        .packages("ntlm");
    let e = sesame::http::client::get(&http, &w.url, wrong)
        .await
        .unwrap_err();
    // The server's 401 carries SPNEGO's reject: the client fails with it.
    assert!(
        matches!(&e, HttpError::Auth(a) if a.mech_error::<sesame::spnego::SpnegoError>()
            == Some(&sesame::spnego::SpnegoError::Rejected)),
        "{e}"
    );
}

#[tokio::test]
async fn a_server_offering_only_basic_is_a_clear_error() {
    let app = axum::Router::new().route(
        "/",
        get(|| async {
            (
                axum::http::StatusCode::UNAUTHORIZED,
                [("www-authenticate", "Basic realm=\"x\"")],
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let e = sesame::http::client::get(
        &reqwest::Client::new(),
        &format!("http://localhost:{port}/"),
        sesame::Client::new("HTTP/localhost"),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&e, HttpError::NoNegotiate { offered } if offered == "Basic"),
        "{e}"
    );
}

/// Extended Protection through the layer: the server knows its channel (here the
/// `tls-server-end-point` of certificate B) and requires bindings; a client bound to another
/// certificate (A) is refused, one bound to B logs on. (TLS itself is the server's business.)
#[tokio::test]
async fn a_token_bound_to_another_certificate_is_refused() {
    use sesame::{ChannelBindingPolicy, ChannelBindings};
    let kdc = Arc::new(TestKdc::new(
        &["EXAMPLE.TEST"],
        Arc::new(SystemClock),
        Box::new(DeterministicRandom::new([4; 32])),
    ));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let ours = ChannelBindings::tls_server_end_point_hash(&[0xbb; 32]);
    let server = sesame::Server::empty()
        .with_keytab(keytab)
        .channel_bindings(Some(ours.clone()), ChannelBindingPolicy::Required);
    let app = axum::Router::new()
        .route(
            "/",
            get(|Extension(user): Extension<Authenticated>| async move { user.user }),
        )
        .layer(NegotiateLayer::new(Arc::new(server)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://localhost:{}/",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let w = World { kdc, url };
    let http = reqwest::Client::new();
    let other = ChannelBindings::tls_server_end_point_hash(&[0xaa; 32]);
    let e = sesame::http::client::get(&http, &w.url, client(&w).channel_bindings(other))
        .await
        .unwrap_err();
    // The server's reject carries its KRB-ERROR: the client learns why.
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
    let (response, _) = sesame::http::client::get(&http, &w.url, client(&w).channel_bindings(ours))
        .await
        .unwrap();
    assert_eq!(response.text().await.unwrap(), "user1@EXAMPLE.TEST");
    let e = sesame::http::client::get(&http, &w.url, client(&w))
        .await
        .unwrap_err();
    assert!(
        matches!(e, HttpError::Auth(_)),
        "no bindings where required: {e}"
    );
}

/// A client's way to the KDC that reaches nothing (a laptop outside the network).
struct OutOfReach;

impl sesame::kerberos::transport::KdcTransport for OutOfReach {
    fn send(
        &self,
        request: &sesame::gss::KdcRequest,
    ) -> Result<Vec<u8>, sesame::kerberos::transport::TransportError> {
        use sesame::kerberos::transport::{KdcAttempt, KdcFailure, Protocol, TransportError};
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

#[tokio::test]
async fn iakerb_through_the_layer_when_the_client_reaches_no_kdc() {
    let kdc = Arc::new(TestKdc::new(
        &["EXAMPLE.TEST"],
        Arc::new(SystemClock),
        Box::new(DeterministicRandom::new([4; 32])),
    ));
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    // The server relays its clients' AS and TGS requests to the KDC it reaches.
    let server = sesame::Server::empty()
        .with_keytab(keytab)
        .with_ntlm_users(Arc::new(users))
        .packages("kerberos,iakerb,ntlm")
        .unwrap()
        .kdc_transport(kdc.clone());
    let app = axum::Router::new()
        .route(
            "/",
            get(|Extension(user): Extension<Authenticated>| async move {
                format!("hello {} ({})", user.user, user.mechanism)
            }),
        )
        .layer(NegotiateLayer::new(Arc::new(server)));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://localhost:{}/",
        listener.local_addr().unwrap().port()
    );
    tokio::spawn(async move {
        axum::serve(
            NumberedListener::new(listener),
            app.into_make_service_with_connect_info::<Connection>(),
        )
        .await
        .unwrap();
    });
    let client = sesame::Client::new("HTTP/localhost")
        .with_password("user1@EXAMPLE.TEST", "Passw0rd1")
        .packages("kerberos,iakerb,ntlm")
        .kdc_transport(Arc::new(OutOfReach));
    let http = reqwest::Client::new();
    let (response, negotiated) = sesame::http::client::get(&http, &url, client)
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let n = negotiated.unwrap();
    assert_eq!(n.mechanism, "iakerb");
    assert_eq!(
        n.fallback,
        Some(sesame::FallbackReason::KdcUnreachable),
        "the reason is recorded"
    );
    assert_eq!(
        response.text().await.unwrap(),
        "hello user1@EXAMPLE.TEST (iakerb)"
    );
    // AS twice (pre-authentication) and TGS, all from the server.
    assert_eq!(kdc.requests().len(), 3);
}
