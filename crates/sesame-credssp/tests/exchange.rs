//! CredSSP client and server in one process over Sesame's own Negotiate contexts: SPNEGO with
//! Kerberos (the test KDC) and with NTLM, raw NTLM as mstsc sends it, every version rule, and
//! each refusal with its fact, checking that no credentials leave the client when it refuses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_asn1::Der;
use sesame_asn1::credssp::TsRequest;
use sesame_credssp::{
    ClientConfig, ClientStep, Credentials, CredsspClient, CredsspError, CredsspServer, Delegated,
    SERVER_TO_CLIENT, STATUS_LOGON_FAILURE, ServerConfig, ServerStep,
};
use sesame_gss::{Clock, DeterministicRandom, FixedClock, MessageProtection, Random};
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_negotiate::{Acceptor, Client, Mechanism, RandomSource, Server};
use sesame_ntlm::MemoryUserStore;
use sesame_testkdc::TestKdc;
use sha2::{Digest, Sha256};

/// Stand-ins for the SubjectPublicKey of two TLS certificates.
const KEY: &[u8] = b"\x30\x82\x01\x0a\x02\x82\x01\x01\x00 the server's RSA public key";
const OTHER_KEY: &[u8] = b"\x30\x82\x01\x0a\x02\x82\x01\x01\x00 a relaying proxy's key";

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
    server: Server,
}

fn world() -> World {
    let kdc = TestKdc::new(
        &["EXAMPLE.TEST"],
        clock(),
        Box::new(DeterministicRandom::new([7; 32])),
    );
    kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("TERMSRV/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let server = Server::empty()
        .with_keytab(keytab)
        .with_ntlm_users(Arc::new(users))
        .environment(clock(), random());
    World {
        kdc: Arc::new(kdc),
        server,
    }
}

fn client(w: &World, user: &str, password: &str) -> Client {
    let conf = Krb5Conf::parse(
        "[libdefaults]\n    default_realm = EXAMPLE.TEST\n",
        Path::new("test.conf"),
    )
    .unwrap();
    Client::new("TERMSRV/localhost")
        .with_password(user, password)
        .krb5_conf(conf)
        .kdc_transport(w.kdc.clone())
        .environment(clock(), random())
}

fn creds() -> Credentials {
    Credentials::password("EXAMPLE", "user1", "Passw0rd1")
}

fn credssp_client(ctx: Client, key: &[u8], credentials: Credentials) -> CredsspClient<Client> {
    let mut rng = DeterministicRandom::new([9; 32]);
    CredsspClient::new(ctx, ClientConfig::new(key.to_vec(), credentials), &mut rng).unwrap()
}

/// Everything that crossed, and how each side ended.
struct Run {
    to_server: Vec<Vec<u8>>,
    client: Result<(), CredsspError>,
    server: Result<Delegated, CredsspError>,
    server_side: CredsspServer<Acceptor>,
}

/// Runs both sides; `tamper` may change each server answer before the client reads it.
fn converse(
    mut c: CredsspClient<Client>,
    mut s: CredsspServer<Acceptor>,
    tamper: &dyn Fn(&mut TsRequest),
) -> Run {
    let mut to_server = Vec::new();
    let mut step = c.step(None);
    loop {
        let request = match step {
            Ok(ClientStep::Send(r)) => r,
            Ok(ClientStep::Done(r)) => {
                to_server.push(r.clone());
                let server = match s.step(&r) {
                    Ok(ServerStep::Done(d)) => Ok(d),
                    Ok(ServerStep::Send(_)) => panic!("the server wants more after authInfo"),
                    Err(e) => Err(e),
                };
                return Run {
                    to_server,
                    client: Ok(()),
                    server,
                    server_side: s,
                };
            }
            Ok(ClientStep::NeedKdc(_)) => panic!("the front door's client talks to its KDC"),
            Err(e) => {
                return Run {
                    to_server,
                    client: Err(e),
                    server: Err(CredsspError::Unexpected("the client stopped")),
                    server_side: s,
                };
            }
        };
        to_server.push(request.clone());
        let answer = match s.step(&request) {
            Ok(ServerStep::Send(a)) => a,
            Ok(ServerStep::Done(_)) => panic!("done before authInfo"),
            Err(e) => {
                // The client reads the errorCode, when the server has one to say.
                let client = match s.error_token().map(<[u8]>::to_vec) {
                    Some(t) => c.step(Some(&t)).map(drop),
                    None => Err(CredsspError::Unexpected("the server closed")),
                };
                return Run {
                    to_server,
                    client,
                    server: Err(e),
                    server_side: s,
                };
            }
        };
        let mut answer = TsRequest::from_der(&answer).unwrap();
        tamper(&mut answer);
        step = c.step(Some(&answer.to_der().unwrap()));
    }
}

fn server(w: &World, key: &[u8]) -> CredsspServer<Acceptor> {
    CredsspServer::new(w.server.accept(), ServerConfig::new(key.to_vec()))
}

/// No TSRequest the client sent carries authInfo: the credentials never left.
fn no_credentials_sent(run: &Run) -> bool {
    run.to_server
        .iter()
        .all(|r| TsRequest::from_der(r).unwrap().auth_info.is_none())
}

fn password_of(d: &Delegated) -> (&str, &str, &str) {
    match d {
        Delegated::Password {
            domain,
            user,
            password,
        } => (domain, user, password),
        other => panic!("{other:?}"),
    }
}

#[test]
fn spnego_kerberos_binds_the_key_and_delegates_the_password() {
    let w = world();
    let run = converse(
        credssp_client(client(&w, "user1", "Passw0rd1"), KEY, creds()),
        server(&w, KEY),
        &|_| {},
    );
    run.client.unwrap();
    let delegated = run.server.unwrap();
    assert_eq!(password_of(&delegated), ("EXAMPLE", "user1", "Passw0rd1"));
    assert!(!format!("{delegated:?}").contains("Passw0rd1"));
    let acceptor = run.server_side.context();
    assert_eq!(acceptor.negotiated().unwrap().mechanism, "kerberos");
    assert_eq!(
        acceptor.negotiated().unwrap().peer.as_deref(),
        Some("user1@EXAMPLE.TEST")
    );
    // AP-REQ; pubKeyAuth (with the nonce, version 6); authInfo.
    let sent: Vec<TsRequest> = run
        .to_server
        .iter()
        .map(|r| TsRequest::from_der(r).unwrap())
        .collect();
    assert_eq!(sent.len(), 3);
    assert!(sent[0].pub_key_auth.is_none() && sent[0].nego_tokens.is_some());
    assert!(sent[1].pub_key_auth.is_some() && sent[1].client_nonce.as_ref().unwrap().len() == 32);
    assert!(sent.iter().all(|r| r.version == 6));
    assert_eq!(run.server_side.version(), 6);
}

#[test]
fn spnego_ntlm_sends_pub_key_auth_with_the_authenticate() {
    let w = world();
    let c = client(&w, "EXAMPLE\\user1", "Passw0rd1").packages("ntlm");
    let run = converse(credssp_client(c, KEY, creds()), server(&w, KEY), &|_| {});
    run.client.unwrap();
    assert_eq!(password_of(&run.server.unwrap()).1, "user1");
    assert_eq!(
        run.server_side.context().negotiated().unwrap().mechanism,
        "ntlm"
    );
    let sent: Vec<TsRequest> = run
        .to_server
        .iter()
        .map(|r| TsRequest::from_der(r).unwrap())
        .collect();
    // NEGOTIATE; AUTHENTICATE + pubKeyAuth; authInfo.
    assert_eq!(sent.len(), 3);
    assert!(sent[1].nego_tokens.is_some() && sent[1].pub_key_auth.is_some());
}

#[test]
fn raw_ntlm_as_mstsc_sends_it_is_answered_raw() {
    let w = world();
    let c = client(&w, "EXAMPLE\\user1", "Passw0rd1").mechanism(Mechanism::Ntlm);
    let run = converse(
        credssp_client(c, KEY, Credentials::RestrictedAdmin),
        server(&w, KEY),
        &|a| {
            if let Some(t) = a.nego_tokens.as_ref().and_then(|t| t.first()) {
                assert!(
                    t.nego_token.starts_with(b"NTLMSSP\0"),
                    "the server answers raw NTLM"
                );
            }
        },
    );
    run.client.unwrap();
    let first = TsRequest::from_der(&run.to_server[0]).unwrap();
    assert!(
        first.nego_tokens.unwrap()[0]
            .nego_token
            .starts_with(b"NTLMSSP\0")
    );
    assert_eq!(run.server.unwrap().kind(), "restricted-admin");
}

#[test]
fn another_tls_key_at_the_server_is_refused_before_any_credential() {
    // A proxy terminating TLS with its own key relays the exchange to the real server: the
    // client bound KEY, the server sees OTHER_KEY.
    let w = world();
    let run = converse(
        credssp_client(client(&w, "user1", "Passw0rd1"), KEY, creds()),
        server(&w, OTHER_KEY),
        &|_| {},
    );
    assert!(
        matches!(run.server, Err(CredsspError::PublicKeyMismatch)),
        "{:?}",
        run.server.err()
    );
    assert!(no_credentials_sent(&run));
    // Not a logon failure: no errorCode for the relay.
    assert!(run.server_side.error_token().is_none());
}

fn nego(token: &[u8]) -> Vec<sesame_asn1::credssp::NegoToken> {
    vec![sesame_asn1::credssp::NegoToken {
        nego_token: token.to_vec().into(),
    }]
}

/// A server driven by hand over a real acceptor (SPNEGO with NTLM), its pubKeyAuth made from
/// MS-CSSP's formula for `bound`; checks the client's own pubKeyAuth by the same formula.
/// Returns the client's answer to it and the acceptor.
fn by_hand(bound: &[u8]) -> (Result<ClientStep, CredsspError>, Acceptor) {
    let w = world();
    let ntlm = client(&w, "EXAMPLE\\user1", "Passw0rd1").packages("ntlm");
    let mut c = credssp_client(ntlm, KEY, creds());
    let mut acceptor = w.server.accept();
    let ClientStep::Send(first) = c.step(None).unwrap() else {
        panic!()
    };
    let first = TsRequest::from_der(&first).unwrap();
    let challenge = acceptor
        .step(&first.nego_tokens.unwrap()[0].nego_token)
        .unwrap();
    let reply = TsRequest {
        version: 6,
        nego_tokens: Some(nego(challenge.token().unwrap())),
        ..TsRequest::default()
    };
    let ClientStep::Send(second) = c.step(Some(&reply.to_der().unwrap())).unwrap() else {
        panic!()
    };
    let second = TsRequest::from_der(&second).unwrap();
    let last = acceptor
        .step(&second.nego_tokens.unwrap()[0].nego_token)
        .unwrap();
    let nonce = second.client_nonce.unwrap();
    let hash = |magic: &[u8], key: &[u8]| -> Vec<u8> {
        let digest = Sha256::new()
            .chain_update(magic)
            .chain_update(&nonce)
            .chain_update(key);
        digest.finalize().to_vec()
    };
    let client_hash = hash(sesame_credssp::CLIENT_TO_SERVER, KEY);
    assert_eq!(
        acceptor.unwrap(&second.pub_key_auth.unwrap()).unwrap().0,
        client_hash
    );
    let reply = TsRequest {
        version: 6,
        nego_tokens: last.token().map(nego),
        pub_key_auth: Some(
            acceptor
                .wrap(&hash(SERVER_TO_CLIENT, bound), true)
                .unwrap()
                .into(),
        ),
        ..TsRequest::default()
    };
    (c.step(Some(&reply.to_der().unwrap())), acceptor)
}

/// The server's answer binding another key is refused by the client, which sends nothing
/// more; the same answer for the right key is taken (the formula is the client's).
#[test]
fn a_server_answer_for_another_key_is_refused_by_the_client() {
    let (answer, _) = by_hand(OTHER_KEY);
    assert!(
        matches!(answer, Err(CredsspError::PublicKeyMismatch)),
        "{answer:?}"
    );
    let (answer, mut acceptor) = by_hand(KEY);
    let Ok(ClientStep::Done(auth)) = answer else {
        panic!("{answer:?}")
    };
    let sealed = TsRequest::from_der(&auth).unwrap().auth_info.unwrap();
    let plain = acceptor.unwrap(&sealed).unwrap().0;
    let creds = sesame_asn1::credssp::TsCredentials::from_der(&plain).unwrap();
    assert_eq!(creds.cred_type, sesame_asn1::credssp::cred_type::PASSWORD);
}

#[test]
fn a_wrong_password_is_reported_with_its_ntstatus_and_sends_nothing() {
    let w = world();
    let c = client(&w, "EXAMPLE\\user1", "wrong").packages("ntlm");
    let run = converse(credssp_client(c, KEY, creds()), server(&w, KEY), &|_| {});
    assert!(matches!(run.server, Err(CredsspError::Context(_))));
    let status = TsRequest::from_der(run.server_side.error_token().unwrap())
        .unwrap()
        .ntstatus();
    assert_eq!(status, Some(STATUS_LOGON_FAILURE));
    assert!(
        matches!(run.client, Err(CredsspError::ServerError(0xC000_006D))),
        "{:?}",
        run.client
    );
    assert!(no_credentials_sent(&run));
}

#[test]
fn an_old_server_is_refused_unless_allowed_and_then_binds_the_key_itself() {
    let w = world();
    let old = |a: &mut TsRequest| a.version = 2;
    let run = converse(
        credssp_client(client(&w, "user1", "Passw0rd1"), KEY, creds()),
        server(&w, KEY),
        &old,
    );
    assert!(
        matches!(
            run.client,
            Err(CredsspError::VersionTooOld {
                peer: 2,
                minimum: 5
            })
        ),
        "{:?}",
        run.client
    );
    assert!(no_credentials_sent(&run));

    // Both sides at version 4: the encrypted key itself, the server's first byte plus one.
    let w = world();
    let mut rng = DeterministicRandom::new([9; 32]);
    let mut config = ClientConfig::new(KEY.to_vec(), creds());
    (config.version, config.minimum_version) = (4, 2);
    let c = CredsspClient::new(client(&w, "user1", "Passw0rd1"), config, &mut rng).unwrap();
    let mut sconfig = ServerConfig::new(KEY.to_vec());
    sconfig.minimum_version = 2;
    let s = CredsspServer::new(w.server.accept(), sconfig);
    let run = converse(c, s, &|_| {});
    run.client.unwrap();
    assert_eq!(run.server_side.version(), 4);
    assert!(
        TsRequest::from_der(&run.to_server[1])
            .unwrap()
            .client_nonce
            .is_none()
    );
    assert_eq!(password_of(&run.server.unwrap()).2, "Passw0rd1");

    // A version 4 client at a server that wants 5.
    let w = world();
    let mut config = ClientConfig::new(KEY.to_vec(), creds());
    (config.version, config.minimum_version) = (4, 2);
    let c = CredsspClient::new(client(&w, "user1", "Passw0rd1"), config, &mut rng).unwrap();
    let run = converse(c, server(&w, KEY), &|_| {});
    assert!(matches!(
        run.server,
        Err(CredsspError::VersionTooOld {
            peer: 4,
            minimum: 5
        })
    ));
}

#[test]
fn a_server_that_skips_pub_key_auth_gets_no_credentials() {
    let w = world();
    let skip = |a: &mut TsRequest| a.pub_key_auth = None;
    let run = converse(
        credssp_client(client(&w, "user1", "Passw0rd1"), KEY, creds()),
        server(&w, KEY),
        &skip,
    );
    assert!(
        matches!(run.client, Err(CredsspError::MissingPublicKeyAuth)),
        "{:?}",
        run.client
    );
    assert!(no_credentials_sent(&run));
}

#[test]
fn malformed_ts_requests_are_errors() {
    let w = world();
    let mut s = server(&w, KEY);
    assert!(matches!(
        s.step(&[0x30, 0x80]),
        Err(CredsspError::Decode { .. })
    ));
    let mut s = server(&w, KEY);
    let mut big = TsRequest {
        version: 6,
        ..TsRequest::default()
    }
    .to_der()
    .unwrap();
    big.extend_from_slice(&[0; 64]);
    assert!(s.step(&big).is_err());
    let mut s = server(&w, KEY);
    let empty = TsRequest {
        version: 6,
        ..TsRequest::default()
    }
    .to_der()
    .unwrap();
    assert!(matches!(s.step(&empty), Err(CredsspError::Unexpected(_))));
    let mut c = credssp_client(client(&w, "user1", "Passw0rd1"), KEY, creds());
    c.step(None).unwrap();
    let full = TsRequest {
        version: 6,
        ..TsRequest::default()
    }
    .to_der()
    .unwrap();
    for len in 0..full.len() {
        assert!(c.step(Some(&full[..len])).is_err());
    }
}
