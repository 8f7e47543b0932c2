#![no_main]
//! The SPNEGO initiator, after its NegTokenInit with an NTLM NEGOTIATE, fed an arbitrary
//! acceptor reply: an error or a next step, never a panic, never established.
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use sesame_asn1::oid;
use sesame_gss::{DeterministicRandom, FixedClock, Input, SecurityContext};
use sesame_ntlm::{ClientConfig, NtlmClient};
use sesame_spnego::{Mech, SpnegoInitiator};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = Arc::new(FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471)));
    let ntlm = NtlmClient::new(ClientConfig::password("EXAMPLE", "user1", "x"), clock, Box::new(DeterministicRandom::new([1; 32])));
    let mut init = SpnegoInitiator::new(vec![Mech::new(vec![oid::NTLMSSP.to_owned()], Box::new(ntlm))]);
    if init.step(Input::Start).is_err() {
        return;
    }
    let _ = init.step(Input::Token(data));
    assert!(!init.is_established(), "one arbitrary reply established a context");
});
