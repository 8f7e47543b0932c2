#![no_main]
//! The client side of the AS and TGS exchanges fed arbitrary KDC replies: a retry, an error,
//! never a panic, never a ticket (the reply key is not guessable by the fuzzer).
use std::time::{Duration, SystemTime};

use sesame_gss::{DeterministicRandom, FixedClock};
use sesame_kerberos::crypto::{Enctype, Key};
use sesame_kerberos::exchange::{AsExchange, AsOptions, ClientSecret, KdcStep};
use sesame_kerberos::principal::Principal;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let clock = FixedClock(SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_674_471));
    let mut rng = DeterministicRandom::new([4; 32]);
    let Ok(client) = Principal::parse("user1@EXAMPLE.TEST", None) else { return };
    let Ok(key) = Key::new(Enctype::AES256_CTS_HMAC_SHA1_96, &[0x33; 32]) else { return };
    let Ok((mut exchange, _)) = AsExchange::start(client, ClientSecret::Keys(vec![key]), AsOptions::default(), &clock, &mut rng) else { return };
    if let Ok(KdcStep::Done(_)) = exchange.receive(data, &clock, &mut rng) {
        panic!("an arbitrary reply produced a ticket");
    }
});
