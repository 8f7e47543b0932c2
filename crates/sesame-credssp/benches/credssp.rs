//! A full CredSSP exchange in process over raw NTLM (as mstsc runs it), without TLS: both
//! contexts, NEGOTIATE / CHALLENGE / AUTHENTICATE with pubKeyAuth (version 6, the SHA-256
//! binding), the server's pubKeyAuth, the sealed TSCredentials and their decoding; beside the
//! bare NTLMv2 handshake of the same contexts, so the table shows what CredSSP adds.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // benchmark code

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use divan::{Bencher, black_box};
use sesame_credssp::{
    ClientConfig as CredsspClientConfig, ClientStep, Credentials, CredsspClient, CredsspServer,
    ServerConfig as CredsspServerConfig, ServerStep,
};
use sesame_gss::{Clock, DeterministicRandom, FixedClock, Input, SecurityContext, Step};
use sesame_ntlm::{
    ClientConfig, ClientCredentials, MemoryUserStore, NtlmClient, NtlmServer, ServerConfig,
    ServerCredentials,
};

#[global_allocator]
static ALLOC: divan::AllocProfiler = divan::AllocProfiler::system();

fn main() {
    divan::main();
}

/// A 2048-bit RSA SubjectPublicKey's size.
const KEY: [u8; 270] = [0x30; 270];

struct Setup {
    client: Arc<ClientCredentials>,
    server: Arc<ServerCredentials>,
    clock: Arc<dyn Clock>,
}

fn setup() -> Setup {
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "Passw0rd1");
    let mut client = ClientConfig::password("EXAMPLE", "user1", "Passw0rd1");
    client.target = Some("TERMSRV/server.example.test".into());
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

/// The bare NTLMv2 handshake: the reference line.
#[divan::bench]
fn ntlmv2_handshake(b: Bencher) {
    let setup = setup();
    b.bench_local(|| {
        let (mut c, mut s) = pair(&setup);
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
        black_box((c, s))
    });
}

/// CredSSP over the same contexts, to the delegated password.
#[divan::bench]
fn credssp_ntlm_exchange(b: Bencher) {
    let setup = setup();
    b.bench_local(|| {
        let (c, s) = pair(&setup);
        let mut rng = DeterministicRandom::new([3; 32]);
        let creds = Credentials::password("EXAMPLE", "user1", "Passw0rd1");
        let config = CredsspClientConfig::new(KEY.to_vec(), creds);
        let mut client = CredsspClient::new(c, config, &mut rng).unwrap();
        let mut server = CredsspServer::new(s, CredsspServerConfig::new(KEY.to_vec()));
        let mut step = client.step(None).unwrap();
        let delegated = loop {
            match step {
                ClientStep::Send(r) => {
                    let ServerStep::Send(a) = server.step(&r).unwrap() else {
                        panic!()
                    };
                    step = client.step(Some(&a)).unwrap();
                }
                ClientStep::Done(r) => {
                    let ServerStep::Done(d) = server.step(&r).unwrap() else {
                        panic!()
                    };
                    break d;
                }
                ClientStep::NeedKdc(_) => panic!(),
            }
        };
        assert_eq!(delegated.kind(), "password");
        black_box(delegated)
    });
}
