//! The load test (`cargo xtask bench`): one server shared by every thread takes a million
//! Kerberos logons (AP-REQ, AP-REP) and a million NTLM handshakes from a thousand distinct
//! clients each, over 30 minutes of injected time; every legitimate logon must succeed and
//! every replayed AP-REQ be refused, the replay cache must follow the 5-minute window and memory
//! stay flat. Run on 1 thread and on 2, it prints logons per second, the replay cache's size and
//! the resident memory as injected time goes by.
//!
//! `SESAME_LOAD_LOGONS=N` runs N of each instead of a million (for a quick look).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code
#![allow(clippy::cast_precision_loss)] // counts far below 2^52, printed as rates
#![allow(missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant, SystemTime};

use sesame_gss::{
    Clock, ContextFlags, Input, MajorStatus, Random, SecurityContext, Step, SystemRandom,
};
use sesame_kerberos::crypto::Enctype;
use sesame_kerberos::gssapi::{
    InitiatorConfig, InitiatorCredentials, KerberosInitiator, ReplayCache,
};
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::step_with_kdc;
use sesame_negotiate::{RandomSource, Server};
use sesame_ntlm::{ClientConfig, ClientCredentials, MemoryUserStore, NtlmClient};
use sesame_testkdc::TestKdc;

/// Distinct clients of each mechanism.
const CLIENTS: usize = 1_000;
/// Injected time the run covers.
const SPAN: Duration = Duration::from_secs(30 * 60);
/// Every this many Kerberos logons, the AP-REQ is sent again to a new acceptor.
const REPLAY_EVERY: u64 = 1_000;
/// The acceptor's clock skew: an authenticator is remembered this long.
const WINDOW: Duration = Duration::from_secs(300);

/// Injected time: the start plus an equal share of the span for each logon begun so far, so
/// that all threads see one clock moving with the work done.
struct LoadClock {
    start: SystemTime,
    begun: AtomicU64,
    step: Duration,
}

impl Clock for LoadClock {
    fn now(&self) -> SystemTime {
        self.start + self.step * u32::try_from(self.begun.load(Relaxed)).unwrap_or(u32::MAX)
    }
}

struct World {
    clock: Arc<LoadClock>,
    server: Server,
    replay: Arc<ReplayCache>,
    kerberos: Vec<Arc<InitiatorCredentials>>,
    ntlm: Vec<Arc<ClientCredentials>>,
}

fn random() -> Box<dyn Random> {
    Box::new(SystemRandom)
}

fn initiator_config() -> InitiatorConfig {
    let mut c =
        InitiatorConfig::new(Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).unwrap());
    c.flags |= ContextFlags::MUTUAL;
    c.enctypes = vec![Enctype::AES256_CTS_HMAC_SHA1_96];
    c
}

/// A thousand users with service tickets (from the test KDC, at the start of injected time)
/// and a thousand NTLM users; one server with the keytab, the NTLM users and a replay cache.
fn world(logons: u64) -> World {
    let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let clock = Arc::new(LoadClock {
        start,
        begun: AtomicU64::new(0),
        step: SPAN / u32::try_from(logons).unwrap(),
    });
    let kdc = TestKdc::new(&["EXAMPLE.TEST"], clock.clone(), random());
    let keytab = kdc.add_service("HTTP/localhost");
    let kerberos = (0..CLIENTS)
        .map(|i| {
            let user = Principal::parse(&format!("user{i}@EXAMPLE.TEST"), None).unwrap();
            kdc.add_random(&user);
            let creds = Arc::new(
                InitiatorCredentials::with_keytab(user.clone(), &kdc.keytab(&user), false).unwrap(),
            );
            let mut init =
                KerberosInitiator::new(creds.clone(), initiator_config(), clock.clone(), random());
            let Ok(Step::Continue(_)) = step_with_kdc(&mut init, Input::Start, &kdc) else {
                panic!("no service ticket for {user}")
            };
            creds
        })
        .collect();
    let mut users = MemoryUserStore::new();
    let ntlm = (0..CLIENTS)
        .map(|i| {
            let (user, password) = (format!("ntlm{i}"), format!("Passw0rd-{i}"));
            users.add_password("EXAMPLE", &user, &password);
            let mut c = ClientConfig::password("EXAMPLE", &user, &password);
            c.target = Some("HTTP/localhost".into());
            Arc::new(ClientCredentials::new(c))
        })
        .collect();
    let replay = Arc::new(ReplayCache::new());
    let rng: RandomSource = Arc::new(random);
    let server = Server::empty()
        .with_keytab(keytab)
        .with_ntlm_users(Arc::new(users))
        .service_names(&["HTTP/localhost"])
        .unwrap()
        .clock_skew(WINDOW)
        .replay_cache(replay.clone())
        .environment(clock.clone(), rng);
    World {
        clock,
        server,
        replay,
        kerberos,
        ntlm,
    }
}

/// One Kerberos logon, both ends; every `REPLAY_EVERY`th AP-REQ is replayed and must fail.
fn kerberos_logon(w: &World, n: u64) -> bool {
    let creds = &w.kerberos[usize::try_from(n).unwrap() % CLIENTS];
    let mut init =
        KerberosInitiator::new(creds.clone(), initiator_config(), w.clock.clone(), random());
    let Ok(Step::Continue(ap_req)) = init.step(Input::Start) else {
        panic!("AP-REQ")
    };
    let mut acc = w.server.accept();
    let progress = acc
        .step(&ap_req)
        .unwrap_or_else(|e| panic!("logon {n} refused: {e}"));
    let ap_rep = progress.token().expect("AP-REP").to_vec();
    let Ok(Step::Complete(None)) = init.step(Input::Token(&ap_rep)) else {
        panic!("mutual")
    };
    assert!(acc.is_complete());
    if n.is_multiple_of(REPLAY_EVERY) {
        let err = w
            .server
            .accept()
            .step(&ap_req)
            .expect_err("a replayed AP-REQ was accepted");
        assert_eq!(err.major(), MajorStatus::DuplicateToken, "{err}");
        return true;
    }
    false
}

/// One NTLM handshake, both ends.
fn ntlm_logon(w: &World, n: u64) {
    let creds = &w.ntlm[usize::try_from(n).unwrap() % CLIENTS];
    let mut c = NtlmClient::with_credentials(creds.clone(), w.clock.clone(), random());
    let mut acc = w.server.accept();
    let Ok(Step::Continue(negotiate)) = c.step(Input::Start) else {
        panic!("NEGOTIATE")
    };
    let challenge = acc
        .step(&negotiate)
        .unwrap()
        .token()
        .expect("CHALLENGE")
        .to_vec();
    let Ok(Step::Complete(Some(authenticate))) = c.step(Input::Token(&challenge)) else {
        panic!("AUTHENTICATE")
    };
    acc.step(&authenticate)
        .unwrap_or_else(|e| panic!("NTLM logon {n} refused: {e}"));
    assert!(acc.is_complete());
}

/// Resident and peak resident memory, in MiB (Linux).
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// Runs the load on `threads` threads; returns the logon pairs per second.
fn run(threads: usize, logons: u64) -> f64 {
    let w = world(logons);
    let next = AtomicU64::new(0);
    let replays = AtomicUsize::new(0);
    let checkpoints = 6u64;
    let t = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let n = next.fetch_add(1, Relaxed);
                    if n >= logons {
                        break;
                    }
                    w.clock.begun.store(n, Relaxed);
                    if kerberos_logon(&w, n) {
                        replays.fetch_add(1, Relaxed);
                    }
                    ntlm_logon(&w, n);
                    if (n + 1).is_multiple_of((logons / checkpoints).max(1)) {
                        let minutes = SPAN.as_secs_f64() / 60.0 * (n + 1) as f64 / logons as f64;
                        let (rss, _) = memory();
                        println!(
                            "  {threads} thread(s), {minutes:4.1} min injected: {:>7} live replay entries, resident {rss:.0} MiB",
                            w.replay.len()
                        );
                    }
                }
            });
        }
    });
    let took = t.elapsed().as_secs_f64();
    // After the first window, the cache holds the Kerberos logons of the last window: one per
    // logon step of injected time.
    let expected = (WINDOW.as_secs_f64() / SPAN.as_secs_f64() * logons as f64).round();
    let live = w.replay.len() as f64;
    assert!(
        (live - expected).abs() <= expected * 0.05 + 10.0,
        "the replay cache holds {live} entries; the window holds {expected}"
    );
    let (_, peak) = memory();
    println!(
        "{threads} thread(s): {logons} Kerberos logons + {logons} NTLM handshakes in {took:.1} s: \
         {:.0} Kerberos+NTLM logon pairs/s ({:.0} handshakes/s); {} replays refused; replay cache \
         {live:.0} entries (window: {expected:.0}); peak resident {peak:.0} MiB",
        logons as f64 / took,
        2.0 * logons as f64 / took,
        replays.load(Relaxed),
    );
    logons as f64 / took
}

fn main() {
    let logons = std::env::var("SESAME_LOAD_LOGONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000u64);
    println!(
        "\nload: {logons} Kerberos + {logons} NTLM logons over 30 minutes of injected time, {CLIENTS} clients each"
    );
    let one = run(1, logons);
    let two = run(2, logons);
    println!(
        "2 threads / 1 thread: {:.2}× the logons per second",
        two / one
    );
}
