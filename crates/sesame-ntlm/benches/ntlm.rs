//! A full NTLMv2 handshake in process (both contexts created, then NEGOTIATE, CHALLENGE,
//! AUTHENTICATE with MIC and key exchange, and its verification), and seal+unseal of 64 KiB.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use divan::counter::BytesCount;
use divan::{Bencher, black_box};
use sesame_gss::{
    Clock, DeterministicRandom, FixedClock, Input, MessageProtection, SecurityContext, Step,
};
use sesame_ntlm::{
    ClientConfig, ClientCredentials, MemoryUserStore, NtlmClient, NtlmServer, ServerConfig,
    ServerCredentials,
};

/// Counts allocations, so the tables show that the in-place paths allocate nothing per message.
#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// What lives longer than one connection: the client's credentials (the NT hash, as SSPI's
/// AcquireCredentialsHandle holds them), the server's user store and configuration, the clock.
struct Setup {
    client: Arc<ClientCredentials>,
    server: Arc<ServerCredentials>,
    clock: Arc<dyn Clock>,
}

fn setup() -> Setup {
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let mut client = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
    client.target = Some("HTTP/server.example.test".into());
    Setup {
        client: Arc::new(ClientCredentials::new(client)),
        server: Arc::new(ServerCredentials::new(
            ServerConfig::default(),
            Arc::new(users),
        )),
        clock: Arc::new(FixedClock(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471),
        )),
    }
}

/// Per connection: a new client context and a new server context.
fn pair(s: &Setup) -> (NtlmClient, NtlmServer) {
    (
        NtlmClient::with_credentials(
            s.client.clone(),
            s.clock.clone(),
            Box::new(DeterministicRandom::new([1; 32])),
        ),
        NtlmServer::with_credentials(
            s.server.clone(),
            s.clock.clone(),
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

/// Everything a new connection costs: both contexts, the three messages, the verification.
#[divan::bench]
fn ntlmv2_handshake(b: Bencher) {
    let setup = setup();
    b.bench_local(|| {
        let (mut c, mut s) = pair(&setup);
        handshake(&mut c, &mut s);
        black_box((c, s))
    });
}

/// Client seals 64 KiB in place, server unseals it in place.
#[divan::bench]
fn seal_unseal_64k(b: Bencher) {
    let setup = setup();
    let (mut c, mut s) = pair(&setup);
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
