//! A full NTLMv2 handshake in process (client and server, with MIC and key exchange) and
//! seal+unseal of 64 KiB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use sesame_gss::{
    Clock, DeterministicRandom, FixedClock, Input, MessageProtection, SecurityContext, Step,
};
use sesame_ntlm::{ClientConfig, MemoryUserStore, NtlmClient, NtlmServer, ServerConfig};

fn main() {
    divan::main();
}

fn pair() -> (NtlmClient, NtlmServer) {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock(
        SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471),
    ));
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let mut config = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
    config.target = Some("HTTP/server.example.test".into());
    (
        NtlmClient::new(
            config,
            clock.clone(),
            Box::new(DeterministicRandom::new([1; 32])),
        ),
        NtlmServer::new(
            ServerConfig::default(),
            Arc::new(users),
            clock,
            Box::new(DeterministicRandom::new([2; 32])),
        ),
    )
}

fn handshake(c: &mut NtlmClient, s: &mut NtlmServer) {
    let Step::Continue(n) = c.step(Input::Start).unwrap() else {
        panic!()
    };
    let Step::Continue(ch) = s.step(Input::Token(&n)).unwrap() else {
        panic!()
    };
    let Step::Complete(Some(a)) = c.step(Input::Token(&ch)).unwrap() else {
        panic!()
    };
    let Step::Complete(None) = s.step(Input::Token(&a)).unwrap() else {
        panic!()
    };
}

/// NEGOTIATE, CHALLENGE, AUTHENTICATE (NTLMv2, MIC, key exchange) and its verification.
#[divan::bench]
fn ntlmv2_handshake(b: Bencher) {
    b.with_inputs(pair).bench_local_values(|(mut c, mut s)| {
        handshake(&mut c, &mut s);
        black_box((c, s))
    });
}

/// Client seals 64 KiB in place, server unseals it in place.
#[divan::bench]
fn seal_unseal_64k(b: Bencher) {
    let (mut c, mut s) = pair();
    handshake(&mut c, &mut s);
    let plain = vec![0x5a; 65_536];
    let mut buf = Vec::with_capacity(65_536 + 16);
    b.counter(BytesCount::new(plain.len())).bench_local(|| {
        buf.clear();
        buf.extend_from_slice(&plain);
        c.wrap_in_place(&mut buf, true).unwrap();
        let out = s.unwrap_in_place(&mut buf).unwrap();
        black_box(out.message.len());
    });
}
