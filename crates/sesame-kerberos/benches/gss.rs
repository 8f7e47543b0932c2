//! RFC 4121 per-message protection on an established context (aes256-cts-hmac-sha1-96 acceptor
//! subkey): wrap+unwrap in place, sealed, the way an RPC or LDAP layer calls it, and the whole
//! context establishment (AP-REQ, AP-REP) without the KDC. The allocation columns show the
//! in-place path allocates nothing per message. Then a whole logon from a password with the
//! in-process KDC (AS, TGS, AP), direct and through IAKerb, side by side: what IAKerb's
//! relaying and its finish add.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use sesame_gss::{
    Clock, ContextFlags, DeterministicRandom, FixedClock, Input, MessageProtection,
    SecurityContext, Step,
};
use sesame_kerberos::gssapi::{
    AcceptorConfig, AcceptorCredentials, IakerbAcceptor, IakerbInitiator, InitiatorConfig,
    InitiatorCredentials, KerberosAcceptor, KerberosInitiator,
};
use sesame_kerberos::keytab::Keytab;
use sesame_kerberos::principal::Principal;
use sesame_kerberos::transport::step_with_kdc;
use sesame_testkdc::TestKdc;

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

fn clock() -> Arc<dyn Clock> {
    Arc::new(FixedClock(UNIX_EPOCH + Duration::from_secs(1_790_000_000)))
}

/// Initiator credentials holding a service ticket, and the service's keytab.
fn ticketed() -> (Arc<InitiatorCredentials>, Keytab) {
    let kdc = TestKdc::new(
        &["EXAMPLE.TEST"],
        clock(),
        Box::new(DeterministicRandom::new([1; 32])),
    );
    let user = kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    let creds = Arc::new(InitiatorCredentials::with_password(user, "Passw0rd1"));
    let mut init = KerberosInitiator::new(
        creds.clone(),
        config(),
        clock(),
        Box::new(DeterministicRandom::new([2; 32])),
    );
    let Ok(Step::Continue(_)) = step_with_kdc(&mut init, Input::Start, &kdc) else {
        panic!("no AP-REQ")
    };
    (creds, keytab)
}

fn config() -> InitiatorConfig {
    let mut c =
        InitiatorConfig::new(Principal::parse("HTTP/localhost@EXAMPLE.TEST", None).unwrap());
    c.flags |= ContextFlags::MUTUAL;
    c
}

fn pair(
    creds: &Arc<InitiatorCredentials>,
    keytab: &Arc<AcceptorCredentials>,
    seed: u8,
) -> (KerberosInitiator, KerberosAcceptor) {
    let mut init = KerberosInitiator::new(
        creds.clone(),
        config(),
        clock(),
        Box::new(DeterministicRandom::new([seed; 32])),
    );
    let mut acc = KerberosAcceptor::new(
        keytab.clone(),
        AcceptorConfig::default(),
        clock(),
        Box::new(DeterministicRandom::new([seed ^ 0xff; 32])),
    );
    let Step::Continue(ap_req) = init.step(Input::Start).unwrap() else {
        panic!()
    };
    let Step::Complete(Some(ap_rep)) = acc.step(Input::Token(&ap_req)).unwrap() else {
        panic!()
    };
    init.step(Input::Token(&ap_rep)).unwrap();
    (init, acc)
}

#[divan::bench(args = [64, 1024, 65536])]
fn wrap_unwrap_sealed(b: Bencher, len: usize) {
    let (creds, keytab) = ticketed();
    let (mut init, mut acc) = pair(&creds, &Arc::new(AcceptorCredentials::Keytab(keytab)), 7);
    let plain = vec![0x5au8; len];
    let mut buf = Vec::with_capacity(len + 128);
    b.counter(BytesCount::new(len)).bench_local(|| {
        buf.clear();
        buf.extend_from_slice(black_box(&plain));
        init.wrap_in_place(&mut buf, true).unwrap();
        let out = acc.unwrap_in_place(&mut buf).unwrap();
        black_box(out.message.len());
    });
}

/// AP-REQ, AP-REP with a cached service ticket: what a server pays per connection (a fresh
/// replay cache per acceptor, as every authenticator is new anyway).
#[divan::bench]
fn ap_exchange_mutual(b: Bencher) {
    let (creds, keytab) = ticketed();
    let keytab = Arc::new(AcceptorCredentials::Keytab(keytab));
    let mut seed = 0u8;
    b.bench_local(|| {
        seed = seed.wrapping_add(1);
        black_box(pair(&creds, &keytab, seed));
    });
}

/// The test KDC with user1 and the service's keytab, for the password logons.
fn password_world() -> (TestKdc, Principal, Arc<AcceptorCredentials>) {
    let kdc = TestKdc::new(
        &["EXAMPLE.TEST"],
        clock(),
        Box::new(DeterministicRandom::new([1; 32])),
    );
    let user = kdc.add_user("user1", "Passw0rd1");
    let keytab = kdc.add_service("HTTP/localhost");
    (kdc, user, Arc::new(AcceptorCredentials::Keytab(keytab)))
}

fn logon_pair(
    user: &Principal,
    keytab: &Arc<AcceptorCredentials>,
    seed: u8,
) -> (KerberosInitiator, KerberosAcceptor) {
    let creds = Arc::new(InitiatorCredentials::with_password(
        user.clone(),
        "Passw0rd1",
    ));
    let init = KerberosInitiator::new(
        creds,
        config(),
        clock(),
        Box::new(DeterministicRandom::new([seed; 32])),
    );
    let acc = KerberosAcceptor::new(
        keytab.clone(),
        AcceptorConfig::default(),
        clock(),
        Box::new(DeterministicRandom::new([seed ^ 0xff; 32])),
    );
    (init, acc)
}

/// A logon from a password, the initiator reaching the KDC itself: AS (twice, for
/// pre-authentication), TGS, then AP-REQ and AP-REP.
#[divan::bench]
fn logon_password_direct(b: Bencher) {
    let (kdc, user, keytab) = password_world();
    let mut seed = 0u8;
    b.bench_local(|| {
        seed = seed.wrapping_add(1);
        let (mut init, mut acc) = logon_pair(&user, &keytab, seed);
        let Step::Continue(ap_req) = step_with_kdc(&mut init, Input::Start, &kdc).unwrap() else {
            panic!()
        };
        let Step::Complete(Some(ap_rep)) = acc.step(Input::Token(&ap_req)).unwrap() else {
            panic!()
        };
        init.step(Input::Token(&ap_rep)).unwrap();
        black_box(init.is_established());
    });
}

/// The same logon through IAKerb: each KDC request proxied in a context token, relayed by the
/// acceptor, the AP-REQ carrying the finish over the conversation.
#[divan::bench]
fn logon_password_iakerb(b: Bencher) {
    let (kdc, user, keytab) = password_world();
    let mut seed = 0u8;
    b.bench_local(|| {
        seed = seed.wrapping_add(1);
        let (init, acc) = logon_pair(&user, &keytab, seed);
        let mut init = IakerbInitiator::new(init);
        let mut acc = IakerbAcceptor::new(acc, vec!["EXAMPLE.TEST".into()]);
        let mut step = init.step(Input::Start).unwrap();
        while let Step::Continue(token) = step {
            match step_with_kdc(&mut acc, Input::Token(&token), &kdc).unwrap() {
                Step::Continue(answer) | Step::Complete(Some(answer)) => {
                    step = init.step(Input::Token(&answer)).unwrap();
                }
                _ => panic!(),
            }
        }
        assert!(init.is_established() && acc.is_established());
        black_box(init.is_established());
    });
}
