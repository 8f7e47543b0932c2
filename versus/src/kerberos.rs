//! Kerberos: the AP exchange with mutual authentication (a cached service ticket, no KDC), the
//! same exchange inside SPNEGO, aes256-cts-hmac-sha1-96 per message and string-to-key (beside
//! picky-krb), the replay cache's insert at growing sizes. The ticket comes from Sesame's test
//! KDC on the real clock, so that MIT's GSSAPI (the C anchor) can use the same ccache and keytab.

use std::path::Path;
use std::sync::Arc;

use sesame_gss::{
    Clock, ContextFlags, Input, Random, SecurityContext, Spn, Step, SystemClock, SystemRandom,
};
use sesame_kerberos::ccache::Ccache;
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, InitiatorConfig, InitiatorCredentials, KerberosAcceptor,
    KerberosInitiator, ReplayCache, ReplayRefusal, ReplayStore,
};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::step_with_kdc;
use sesame_negotiate::{
    FallbackPolicy, Identity, NegotiateConfig, NegotiateInitiator, Packages, RandomSource, Server,
};
use sesame_testkdc::TestKdc;

pub const TARGET: &str = "HTTP/localhost@EXAMPLE.TEST";

/// An acceptor with no replay cache: MIT's `KRB5RCACHENAME=none:`.
#[derive(Debug)]
pub struct NoReplayCache;

impl ReplayStore for NoReplayCache {
    fn check_and_insert(&self, _: [u8; 32], _: i64, _: i64) -> Result<(), ReplayRefusal> {
        Ok(())
    }
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(SystemClock)
}

fn random() -> Box<dyn Random> {
    Box::new(SystemRandom)
}

/// The client's credentials holding a service ticket for `HTTP/localhost`, and the service's
/// keytab, both also written to `dir` (`ccache`, `keytab`) with a `krb5.conf` for MIT.
pub struct Kerberos {
    pub creds: Arc<InitiatorCredentials>,
    pub keytab: sesame_kerberos::keytab::Keytab,
}

fn initiator_config() -> InitiatorConfig {
    let mut c = InitiatorConfig::new(Principal::parse(TARGET, None).expect("principal"));
    c.flags |= ContextFlags::MUTUAL;
    c.enctypes = vec![Enctype::AES256_CTS_HMAC_SHA1_96];
    c
}

impl Kerberos {
    pub fn new(dir: &Path) -> Self {
        let kdc = TestKdc::new(&["EXAMPLE.TEST"], clock(), random());
        let user = kdc.add_user("user1", "Passw0rd1");
        let keytab = kdc.add_service("HTTP/localhost");
        let creds = Arc::new(InitiatorCredentials::with_password(
            user.clone(),
            "Passw0rd1",
        ));
        let mut init = KerberosInitiator::new(creds.clone(), initiator_config(), clock(), random());
        let Ok(Step::Continue(_)) = step_with_kdc(&mut init, Input::Start, &kdc) else {
            panic!("no AP-REQ from the test KDC's ticket")
        };
        let ccache = format!("FILE:{}", dir.join("ccache").display());
        Ccache::new(user).write(&ccache).expect("ccache");
        creds.store_new_tickets(&ccache).expect("ccache tickets");
        keytab.write(&dir.join("keytab")).expect("keytab");
        std::fs::write(
            dir.join("krb5.conf"),
            "[libdefaults]\n default_realm = EXAMPLE.TEST\n dns_lookup_kdc = false\n \
             dns_lookup_realm = false\n rdns = false\n dns_canonicalize_hostname = false\n\
             [realms]\n EXAMPLE.TEST = {\n  kdc = 127.0.0.1:9\n }\n",
        )
        .expect("krb5.conf");
        Self { creds, keytab }
    }

    pub fn acceptor_credentials(&self) -> Arc<AcceptorCredentials> {
        Arc::new(AcceptorCredentials::Keytab(self.keytab.clone()))
    }

    pub fn initiator(&self) -> KerberosInitiator {
        KerberosInitiator::new(self.creds.clone(), initiator_config(), clock(), random())
    }

    pub fn acceptor(
        &self,
        creds: &Arc<AcceptorCredentials>,
        replay: &Arc<dyn ReplayStore>,
    ) -> KerberosAcceptor {
        let config = AcceptorConfig {
            replay_cache: replay.clone(),
            ..AcceptorConfig::default()
        };
        KerberosAcceptor::new(creds.clone(), config, clock(), random())
    }

    /// AP-REQ, AP-REP, the initiator's check of it; asserts both ends complete, mutually.
    pub fn exchange(
        &self,
        creds: &Arc<AcceptorCredentials>,
        replay: &Arc<dyn ReplayStore>,
    ) -> (KerberosInitiator, KerberosAcceptor) {
        let mut init = self.initiator();
        let mut acc = self.acceptor(creds, replay);
        let Ok(Step::Continue(ap_req)) = init.step(Input::Start) else {
            panic!("AP-REQ")
        };
        let Ok(Step::Complete(Some(ap_rep))) = acc.step(Input::Token(&ap_req)) else {
            panic!("AP-REP")
        };
        let Ok(Step::Complete(None)) = init.step(Input::Token(&ap_rep)) else {
            panic!("mutual")
        };
        assert!(acc.flags().contains(ContextFlags::MUTUAL));
        (init, acc)
    }

    /// A Negotiate server with this keytab and `replay`.
    pub fn server(&self, replay: Arc<dyn ReplayStore>) -> Server {
        let rng: RandomSource = Arc::new(random);
        Server::empty()
            .with_keytab(self.keytab.clone())
            .service_names(&["HTTP/localhost"])
            .expect("service name")
            .replay_cache(replay)
            .environment(clock(), rng)
    }

    /// SPNEGO with Kerberos inside, both ends, with the cached ticket ("warm").
    pub fn negotiate(&self, server: &Server) -> (NegotiateInitiator, sesame_negotiate::Acceptor) {
        let config = NegotiateConfig {
            packages: Packages::parse("kerberos").expect("packages"),
            policy: FallbackPolicy::Never,
            target: Spn::parse("HTTP/localhost").expect("spn"),
            realm: "EXAMPLE.TEST".into(),
            flags: ContextFlags::MUTUAL,
            channel_bindings: None,
            enctypes: Some(vec![Enctype::AES256_CTS_HMAC_SHA1_96]),
        };
        let identity = Identity {
            kerberos: Some(self.creds.clone()),
            ntlm: None,
        };
        let rng: RandomSource = Arc::new(random);
        let mut init = NegotiateInitiator::new(config, identity, clock(), rng).expect("initiator");
        let mut acc = server.accept();
        let Ok(Step::Continue(first)) = init.step(Input::Start) else {
            panic!("negTokenInit")
        };
        let answer = acc.step(&first).expect("accept");
        let token = answer.token().expect("negTokenResp").to_vec();
        match init.step(Input::Token(&token)) {
            Ok(Step::Complete(None)) => {}
            other => panic!("negotiate initiator: {other:?}"),
        }
        assert!(acc.is_complete());
        (init, acc)
    }
}

/// A key derived from a password (RFC 3962, 4096 iterations), as a keytab or kinit does.
pub fn sesame_string_to_key() -> Key {
    Key::from_password(
        Enctype::AES256_CTS_HMAC_SHA1_96,
        b"Passw0rd1",
        b"EXAMPLE.TESTuser1",
        Some(&4096u32.to_be_bytes()),
    )
    .expect("string-to-key")
}

pub fn picky_string_to_key() -> Vec<u8> {
    use picky_krb::crypto::CipherSuite;
    CipherSuite::Aes256CtsHmacSha196
        .cipher()
        .generate_key_from_password(b"Passw0rd1", b"EXAMPLE.TESTuser1")
        .expect("picky string-to-key")
}

/// A replay tag for authenticator `n`.
pub fn tag(n: u64) -> [u8; 32] {
    let mut t = [0u8; 32];
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5A5A;
    t[..8].copy_from_slice(&x.to_be_bytes());
    t[8..16].copy_from_slice(&n.to_be_bytes());
    t[31] = 1;
    t
}

/// A cache that holds `live` entries as injected time moves: a thousand new authenticators a
/// second, each remembered for `live / 1000` seconds, so that one second's bucket expires as the
/// next fills and the size stays at `live` (at 0, each is dropped the second after).
pub fn replay_filled(live: u64) -> impl FnMut() {
    const PER_SECOND: u64 = 1_000;
    let window = i64::try_from(live / PER_SECOND).unwrap_or(0);
    let cache = ReplayCache::with_limit(4_000_000);
    let mut n = 0u64;
    let mut insert = move || {
        n += 1;
        let now = 1_000 + i64::try_from(n / PER_SECOND).unwrap_or(0);
        cache
            .check_and_insert(tag(n), now + window, now)
            .expect("fresh tag");
    };
    for _ in 0..live {
        insert();
    }
    insert
}

/// `n` AP exchanges; the mean microseconds of each step: the initiator's AP-REQ, the
/// acceptor's verification and AP-REP, the initiator's check of it and both contexts dropped
/// (the phases `mit_ap` times in MIT's GSSAPI).
pub fn ap_phases(
    k: &Kerberos,
    creds: &Arc<AcceptorCredentials>,
    replay: &Arc<dyn ReplayStore>,
    n: usize,
) -> [f64; 3] {
    use std::time::Instant;
    let mut t = [0f64; 3];
    for _ in 0..n {
        let t0 = Instant::now();
        let mut init = k.initiator();
        let Ok(Step::Continue(ap_req)) = init.step(Input::Start) else {
            panic!("AP-REQ")
        };
        let t1 = Instant::now();
        let mut acc = k.acceptor(creds, replay);
        let Ok(Step::Complete(Some(ap_rep))) = acc.step(Input::Token(&ap_req)) else {
            panic!("AP-REP")
        };
        let t2 = Instant::now();
        let Ok(Step::Complete(None)) = init.step(Input::Token(&ap_rep)) else {
            panic!("mutual")
        };
        drop((init, acc, ap_req, ap_rep));
        let t3 = Instant::now();
        t[0] += (t1 - t0).as_secs_f64();
        t[1] += (t2 - t1).as_secs_f64();
        t[2] += (t3 - t2).as_secs_f64();
    }
    t.map(|x| x * 1e6 / n as f64)
}
