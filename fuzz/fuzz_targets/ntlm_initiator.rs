#![no_main]
//! The client after its NEGOTIATE, fed an arbitrary CHALLENGE: an error or an AUTHENTICATE,
//! never a panic.
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_gss::{DeterministicRandom, FixedClock, Input, SecurityContext};
use sesame_ntlm::{ClientConfig, NtlmClient};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = Arc::new(FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471)));
    let mut client = NtlmClient::new(ClientConfig::password("EXAMPLE", "user1", "x"), clock, Box::new(DeterministicRandom::new([1; 32])));
    if client.step(Input::Start).is_ok() {
        let _ = client.step(Input::Token(data));
    }
});
