#![no_main]
//! The server after a real NEGOTIATE, fed arbitrary AUTHENTICATE bytes: an error, never a panic,
//! and never an accepted logon (the password is not guessable by the fuzzer).
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_gss::{DeterministicRandom, FixedClock, Input, SecurityContext, Step};
use sesame_ntlm::{ClientConfig, MemoryUserStore, NtlmClient, NtlmServer, ServerConfig};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = Arc::new(FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471)));
    let mut users = MemoryUserStore::new();
    users.add_password("EXAMPLE", "user1", "a password the fuzzer does not know");
    let mut server = NtlmServer::new(ServerConfig::default(), Arc::new(users), clock.clone(), Box::new(DeterministicRandom::new([2; 32])));
    let mut client = NtlmClient::new(ClientConfig::password("EXAMPLE", "user1", "x"), clock, Box::new(DeterministicRandom::new([1; 32])));
    let Ok(Step::Continue(negotiate)) = client.step(Input::Start) else { return };
    let Ok(Step::Continue(_challenge)) = server.step(Input::Token(&negotiate)) else { return };
    assert!(server.step(Input::Token(data)).is_err(), "an arbitrary AUTHENTICATE was accepted");
});
