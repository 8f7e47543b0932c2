//! The front door: `Client` and `Server` against the test KDC, with user names in every form
//! users type them, the NTLM fallback, pass-the-hash, what an established context reports,
//! and a server's policies (its names, one replay cache for all its connections).
#![allow(clippy::unwrap_used, clippy::panic)] // test code

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use sesame_gss::{Clock, DeterministicRandom, FixedClock, MessageProtection, Random};
use sesame_kerberos::KerberosError;
use sesame_kerberos::krb5_conf::Krb5Conf;
use sesame_negotiate::{Client, FallbackPolicy, FallbackReason, Progress, RandomSource, Server};
use sesame_ntlm::MemoryUserStore;
use sesame_testkdc::{Exchange, Fault, TestKdc};

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

fn conf() -> Krb5Conf {
    Krb5Conf::parse(
        "[libdefaults]\n    default_realm = EXAMPLE.TEST\n",
        Path::new("test.conf"),
    )
    .unwrap()
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
    let keytab = kdc.add_service("HTTP/localhost");
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    users.add_password("", "user1@corp.example.com", "Passw0rd1");
    let server = Server::empty()
        .with_keytab(keytab)
        .with_ntlm_users(Arc::new(users))
        .service_names(&["HTTP/localhost"])
        .unwrap()
        .environment(clock(), random());
    World {
        kdc: Arc::new(kdc),
        server,
    }
}

fn client(w: &World, user: &str) -> Client {
    Client::new("HTTP/localhost")
        .with_password(user, "Passw0rd1")
        .krb5_conf(conf())
        .kdc_transport(w.kdc.clone())
        .environment(clock(), random())
}

/// Runs both sides to the end; then a message each way.
fn handshake(c: &mut Client, w: &World) -> sesame_negotiate::Acceptor {
    let mut acceptor = w.server.accept();
    let mut progress = c.step(None).unwrap();
    while let Some(token) = progress.token().map(<[u8]>::to_vec) {
        let answer = acceptor.step(&token).unwrap();
        match (progress.is_complete(), answer.token()) {
            (false, Some(t)) => progress = c.step(Some(t)).unwrap(),
            (true, Some(t)) => panic!("a token after the client completed: {t:?}"),
            (_, None) => break,
        }
    }
    assert!(c.is_complete() && acceptor.is_complete());
    let w1 = c.wrap(b"ping", true).unwrap();
    assert_eq!(acceptor.unwrap(&w1).unwrap().0, b"ping");
    let w2 = acceptor.wrap(b"pong", true).unwrap();
    assert_eq!(c.unwrap(&w2).unwrap().0, b"pong");
    acceptor
}

#[test]
fn a_down_level_name_logs_on_with_kerberos_and_reports_the_enctype() {
    let w = world();
    let mut c = client(&w, "EXAMPLE\\user1");
    let acceptor = handshake(&mut c, &w);
    let n = c.negotiated().unwrap();
    assert_eq!(n.mechanism, "kerberos");
    assert_eq!(n.fallback, None);
    let key = n.key.unwrap();
    assert_eq!(
        (key.algorithm, key.enctype, key.bits),
        ("aes256-cts-hmac-sha1-96", Some(18), 256)
    );
    assert_eq!(n.peer.as_deref(), Some("HTTP/localhost@EXAMPLE.TEST"));
    let s = acceptor.negotiated().unwrap();
    assert_eq!(
        (s.mechanism, s.peer.as_deref()),
        ("kerberos", Some("user1@EXAMPLE.TEST"))
    );
    assert_eq!(s.key, n.key);
}

/// `.enctypes(..)` reaches the service ticket's session key, not only the TGT's.
#[test]
fn the_enctypes_chosen_are_the_session_keys() {
    use sesame_kerberos::crypto::Enctype;
    let w = world();
    let mut c = client(&w, "user1").enctypes(vec![Enctype::AES128_CTS_HMAC_SHA1_96]);
    handshake(&mut c, &w);
    let key = c.negotiated().unwrap().key.unwrap();
    assert_eq!(
        (key.algorithm, key.enctype, key.bits),
        ("aes128-cts-hmac-sha1-96", Some(17), 128)
    );
}

/// The raw mechanisms: Kerberos GSS tokens and NTLM messages without SPNEGO around them (SASL
/// GSSAPI, HTTP `NTLM`), which the server's acceptor takes as they come.
#[test]
fn raw_kerberos_and_raw_ntlm_clients() {
    use sesame_negotiate::Mechanism;
    let w = world();
    let mut c = client(&w, "user1").mechanism(Mechanism::Kerberos);
    let first = c.step(None).unwrap().token().unwrap().to_vec();
    // RFC 2743 framing with the krb5 OID: 60 len 06 09 2a 86 48 86 f7 12 01 02 02.
    assert_eq!(first[0], 0x60);
    assert!(
        first
            .windows(11)
            .any(|x| x == [6, 9, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 1, 2, 2])
    );
    let mut c = client(&w, "user1").mechanism(Mechanism::Kerberos);
    let acceptor = handshake(&mut c, &w);
    assert_eq!(c.negotiated().unwrap().mechanism, "kerberos");
    assert_eq!(
        acceptor.negotiated().unwrap().peer.as_deref(),
        Some("user1@EXAMPLE.TEST")
    );

    let mut c = client(&w, "EXAMPLE\\user1").mechanism(Mechanism::Ntlm);
    assert!(
        c.step(None)
            .unwrap()
            .token()
            .unwrap()
            .starts_with(b"NTLMSSP\0")
    );
    let mut c = client(&w, "EXAMPLE\\user1").mechanism(Mechanism::Ntlm);
    let acceptor = handshake(&mut c, &w);
    assert_eq!(c.negotiated().unwrap().mechanism, "ntlm");
    assert_eq!(
        acceptor.negotiated().unwrap().peer.as_deref(),
        Some("EXAMPLE\\user1")
    );

    // An NT hash is no Kerberos credential.
    let e = Client::new("HTTP/localhost")
        .with_nt_hash("EXAMPLE\\user1", [0; 16])
        .mechanism(Mechanism::Kerberos)
        .krb5_conf(conf())
        .step(None)
        .unwrap_err();
    assert_eq!(e.major(), sesame_gss::MajorStatus::NoCred, "{e}");
}

/// The credentials front door: `Kinit` stores a TGT as `kinit` does; a client from that cache
/// gets a service ticket into it as `kvno` does, and then logs on without asking the KDC again.
#[test]
fn kinit_then_kvno_then_a_logon_from_the_cache() {
    use sesame_kerberos::ccache::Ccache;
    use sesame_negotiate::Kinit;
    let w = world();
    let path = std::env::temp_dir().join(format!("sesame-kinit-{}", std::process::id()));
    let name = format!("FILE:{}", path.display());
    let tgt = Kinit::with_password("user1", "Passw0rd1")
        .krb5_conf(conf())
        .kdc_transport(w.kdc.clone())
        .clock(clock())
        .store(&name)
        .unwrap();
    assert_eq!(tgt.client.to_string(), "user1@EXAMPLE.TEST");
    assert_eq!(Ccache::read(&name).unwrap().credentials.len(), 1);
    let e = Kinit::with_password("user1", "wrong")
        .krb5_conf(conf())
        .kdc_transport(w.kdc.clone())
        .clock(clock())
        .run()
        .unwrap_err();
    assert!(e.mech_error::<KerberosError>().is_some(), "{e}");

    let ticket = Client::new("HTTP/localhost")
        .with_ccache(&name)
        .krb5_conf(conf())
        .kdc_transport(w.kdc.clone())
        .environment(clock(), random())
        .service_ticket()
        .unwrap();
    assert_eq!(ticket.server, "HTTP/localhost@EXAMPLE.TEST");
    assert!(ticket.kvno >= 1, "{ticket:?}");
    assert_eq!(Ccache::read(&name).unwrap().credentials.len(), 2);

    let before = w.kdc.requests().len();
    let mut c = Client::new("HTTP/localhost")
        .with_ccache(&name)
        .krb5_conf(conf())
        .kdc_transport(w.kdc.clone())
        .environment(clock(), random());
    handshake(&mut c, &w);
    assert_eq!(
        w.kdc.requests().len(),
        before,
        "the ticket came from the cache"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn the_same_name_falls_back_to_ntlm_with_the_kdc_down() {
    let w = world();
    w.kdc.set_fault(Exchange::Any, Fault::Drop);
    let mut c = client(&w, "EXAMPLE\\user1");
    let acceptor = handshake(&mut c, &w);
    let n = c.negotiated().unwrap();
    assert_eq!(n.mechanism, "ntlm");
    assert_eq!(n.fallback, Some(FallbackReason::KdcUnreachable));
    let key = n.key.unwrap();
    assert_eq!(
        (key.algorithm, key.enctype, key.bits),
        ("rc4-hmac-md5", None, 128)
    );
    assert_eq!(
        acceptor.negotiated().unwrap().peer.as_deref(),
        Some("EXAMPLE\\user1")
    );
}

#[test]
fn never_falling_back_keeps_the_kerberos_fact() {
    let w = world();
    w.kdc.set_fault(Exchange::Any, Fault::Drop);
    let mut c = client(&w, "user1@EXAMPLE.TEST").fallback(FallbackPolicy::Never);
    let e = c.step(None).unwrap_err();
    assert!(
        matches!(
            e.mech_error::<KerberosError>(),
            Some(KerberosError::Transport(_))
        ),
        "{e}"
    );
}

#[test]
fn a_upn_goes_to_ntlm_with_an_empty_domain() {
    let w = world();
    let mut c = client(&w, "user1@corp.example.com").packages("ntlm");
    let acceptor = handshake(&mut c, &w);
    assert_eq!(c.negotiated().unwrap().mechanism, "ntlm");
    assert_eq!(
        acceptor.negotiated().unwrap().peer.as_deref(),
        Some("\\user1@corp.example.com")
    );
}

#[test]
fn pass_the_hash_is_ntlm_only() {
    let w = world();
    let hash = sesame_ntlm::crypto::nt_hash("Passw0rd1");
    let mut c = Client::new("HTTP/localhost")
        .with_nt_hash("EXAMPLE\\user1", *hash)
        .krb5_conf(conf())
        .kdc_transport(w.kdc.clone())
        .environment(clock(), random());
    handshake(&mut c, &w);
    let n = c.negotiated().unwrap();
    assert_eq!((n.mechanism, n.fallback), ("ntlm", None));
    assert!(w.kdc.requests().is_empty(), "no KDC trip for NTLM alone");
}

#[test]
fn setup_errors_say_what_is_wrong() {
    let w = world();
    for (c, says) in [
        (Client::new("not an spn"), "target"),
        (client(&w, "a\\b\\c"), "not a user name"),
        (client(&w, "user1").packages("schannel"), "unknown package"),
        (
            Client::new("HTTP/localhost")
                .with_ccache("FILE:/nonexistent/ccache")
                .krb5_conf(conf()),
            "no credentials",
        ),
    ] {
        let mut c = c;
        let e = c.step(None).unwrap_err();
        assert!(e.to_string().contains(says), "{e}");
    }
}

/// The server's acceptors share one replay cache: an AP-REQ accepted on one connection is a
/// replay on another.
#[test]
fn a_servers_connections_share_its_replay_cache() {
    let w = world();
    let mut c = client(&w, "user1@EXAMPLE.TEST").flags(
        sesame_gss::ContextFlags::REPLAY
            | sesame_gss::ContextFlags::SEQUENCE
            | sesame_gss::ContextFlags::INTEGRITY,
    );
    let Progress::Continue(first) = c.step(None).unwrap() else {
        panic!("expected the NegTokenInit")
    };
    assert!(w.server.accept().step(&first).unwrap().is_complete());
    let mut second = w.server.accept();
    let e = second.step(&first).unwrap_err();
    assert_eq!(
        e.mech_error::<KerberosError>()
            .and_then(KerberosError::krb_error_code),
        Some(sesame_asn1::kerberos::constants::error_code::KRB_AP_ERR_REPEAT)
    );
    assert!(second.error_token().is_some(), "a reject for the client");
}
